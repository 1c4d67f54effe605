/*
 * blas.c: which BLAS libtorch's matrix products run on, as loaded in this
 * process.  Debian's libtorch calls libblas.so.3, which the alternatives
 * system points at the reference BLAS unless an optimized one is
 * installed, and the reference one is tens of times slower: irx-exec says
 * which it found (--version) and warns about the reference one.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irx/torch.h"
#include "blas.h"

/* A function the object behind handle H or its dependencies export. */
static void *symbol(void *h, const char *name) { return h ? dlsym(h, name) : NULL; }

void irx_th_blas_info(irx_th_blas *out)
{
	const char *(*text)(void);
	int (*threads)(void);
	Dl_info where;

	memset(out, 0, sizeof(*out));
	/* The object the matrix products call: whichever provides sgemm_
	 * first in this process (an LD_PRELOAD, or libblas.so.3). */
	void *gemm = dlsym(RTLD_DEFAULT, "sgemm_");
	if (!gemm || !dladdr(gemm, &where) || !where.dli_fname) {
		snprintf(out->name, sizeof(out->name),
			 "none loaded (built into libtorch, or unused)");
		return;
	}
	char *real = realpath(where.dli_fname, NULL);
	snprintf(out->path, sizeof(out->path), "%s", real ? real : where.dli_fname);
	free(real);
	void *h = dlopen(where.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if ((text = (const char *(*)(void))symbol(h, "openblas_get_config"))) {
		snprintf(out->name, sizeof(out->name), "%s", text()); /* "OpenBLAS 0.3.21 ..." */
		if ((threads = (int (*)(void))symbol(h, "openblas_get_num_threads")))
			out->threads = threads();
	} else if ((text = (const char *(*)(void))symbol(h, "bli_info_get_version_str"))) {
		snprintf(out->name, sizeof(out->name), "BLIS %s", text());
	} else if (symbol(h, "mkl_get_version_string")) {
		snprintf(out->name, sizeof(out->name), "Intel MKL");
	} else if (symbol(h, "ATL_buildinfo")) {
		snprintf(out->name, sizeof(out->name), "ATLAS");
	} else if (strstr(out->path, "/blas/libblas.so")) {
		/* where Debian's libblas3 (Netlib's reference implementation) lives */
		snprintf(out->name, sizeof(out->name), "reference BLAS (Netlib)");
		out->reference = 1;
		out->threads = 1;
	} else {
		snprintf(out->name, sizeof(out->name), "unknown BLAS");
	}
	if (h)
		dlclose(h);
}

void irx_th_blas_set_threads(int n)
{
	void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");

	if (n > 0 && set)
		set(n);
}
