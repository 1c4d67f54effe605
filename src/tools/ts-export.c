/*
 * ts-export.c: irx-export's side of TorchScript input.
 *
 * irx-export itself never links libtorch: it starts in milliseconds and
 * reads .pt2 archives without it.  A TorchScript archive is recognised by
 * content (irx_archive_open), checked with irx's own zip reader (every
 * entry read and its CRC-32 checked: libtorch's message for a damaged file
 * is "Expected hasRecord("version")"), and then handed to the helper
 * program irx-export-ts in pkglibexecdir, which links libirx-torch,
 * walks the method and writes the document.  irx-export execs the helper,
 * so its exit status and its one-line diagnostics are irx-export's.
 *
 * The helper is found in $IRX_LIBEXECDIR, else beside irx-export in a
 * build tree, else in the pkglibexecdir configure chose.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "ts-export.h"

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/irx"
#endif
#define HELPER "irx-export-ts"

error_t ts_parse_opt(struct ts_args *a, int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case TS_OPT_METHOD: a->method = arg; break;
	case TS_OPT_INPUTS: a->inputs = arg; break;
	case TS_OPT_ALLOW_DD: a->allow_dd = 1; break;
	case TS_OPT_SAVE_WEIGHTS: a->save_weights = arg; break;
	case TS_OPT_SAVE_INPUTS: a->save_inputs = arg; break;
	case TS_OPT_SHAPE:
	case TS_OPT_DTYPE:
	case TS_OPT_ARG: {
		const char **v = key == TS_OPT_SHAPE   ? a->shapes
				 : key == TS_OPT_DTYPE ? a->dtypes
						       : a->scalars;
		int *n = key == TS_OPT_SHAPE   ? &a->n_shapes
			 : key == TS_OPT_DTYPE ? &a->n_dtypes
					       : &a->n_scalars;
		if (*n == TS_MAX_ARGS)
			argp_error(state, "at most %d of each", TS_MAX_ARGS);
		v[(*n)++] = arg;
		break;
	}
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int ts_given(const struct ts_args *a)
{
	return a->method || a->inputs || a->n_shapes || a->n_dtypes || a->n_scalars ||
	       a->allow_dd || a->save_weights || a->save_inputs;
}

/* Every entry read once, CRC-32 checked; a bytecode-only .ptl refused. */
static int check_zip(const irx_archive *ar, const char *input)
{
	const irx_zip *z = irx_archive_zip(ar);
	const char *prefix = irx_archive_prefix(ar);
	size_t plen = prefix ? strlen(prefix) : 0;
	int has_code = 0;
	irx_error err = {0};

	for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
		const irx_zip_entry *e = irx_zip_entry_at(z, i);
		const uint8_t *data;
		size_t len;
		void *owned = NULL;
		int rc;

		if (!strncmp(e->name, prefix ? prefix : "", plen) &&
		    !strncmp(e->name + plen, "code/", 5))
			has_code = 1;
		if ((rc = irx_zip_read(&data, &len, &owned, z, e, &err))) {
			if (!err.source[0])
				snprintf(err.source, sizeof(err.source), "%s", input);
			tool_report(&err);
			return tool_exit_for(rc);
		}
		irx_free(owned);
	}
	if (irx_archive_version(ar) &&
	    (!*irx_archive_version(ar) ||
	     strspn(irx_archive_version(ar), "0123456789") != strlen(irx_archive_version(ar))))
		return tool_fail("%s: a TorchScript archive whose version entry is not a number",
				 input);
	if (!has_code)
		return tool_fail(
			"%s: a lite-interpreter (.ptl) archive with bytecode only, no code/: "
			"it has no TorchScript graph to read; export the model again with torch.jit.save",
			input);
	return EXIT_OK;
}

#ifdef HAVE_LIBTORCH
static int usable(const char *dir, char *out, size_t n)
{
	if (!dir || !*dir)
		return 0;
	snprintf(out, n, "%s/%s", dir, HELPER);
	return access(out, X_OK) == 0;
}

static int find_helper(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len;

	if (usable(getenv("IRX_LIBEXECDIR"), out, n))
		return 1;
	if ((len = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		char *slash;
		exe[len] = 0;
		if ((slash = strrchr(exe, '/'))) {
			*slash = 0;
			/* a libtool build tree: src/tools/.libs/irx-export */
			if (strlen(exe) > 6 && !strcmp(exe + strlen(exe) - 6, "/.libs")) {
				char parent[PATH_MAX];
				snprintf(parent, sizeof(parent), "%.*s", (int)(strlen(exe) - 6),
					 exe);
				if (usable(parent, out, n))
					return 1;
			} else if (strcmp(exe, "/usr/bin") && strcmp(exe, "/usr/local/bin") &&
				   usable(exe, out, n)) {
				return 1;
			}
		}
	}
	return usable(PKGLIBEXECDIR, out, n);
}
#endif

int ts_export(const irx_archive *ar, const struct ts_args *a, const char *input, const char *output,
	      int compact, const char *argv0)
{
	char helper[PATH_MAX + 32], fdpath[64];
	const char *argv[16 + 4 * TS_MAX_ARGS];
	const char *path = input;
	int n = 0, rc;

	(void)argv0;
	if ((rc = check_zip(ar, input)))
		return rc;
#ifndef HAVE_LIBTORCH
	(void)a, (void)output, (void)compact, (void)helper, (void)fdpath, (void)argv, (void)path,
		(void)n;
	return tool_fail("%s: a TorchScript archive: irx was built without libtorch, which reading "
			 "TorchScript needs (configure irx with libtorch; .pt2 archives need none)",
			 input);
#else
	if (!find_helper(helper, sizeof(helper)))
		return tool_fail(
			"%s: a TorchScript archive: %s/%s, irx's TorchScript reader, is missing "
			"(irx was installed without libtorch?)",
			input, PKGLIBEXECDIR, HELPER);
	if (!strcmp(input, "-")) {
		/* standard input was read already: hand its bytes over in memory */
		const irx_blob *b = irx_archive_blob(ar);
		int fd = memfd_create("irx-export-stdin", 0);
		const uint8_t *p = irx_blob_data(b);
		size_t left = irx_blob_size(b);
		if (fd < 0)
			return tool_fail("-: cannot hold standard input for libtorch: %s",
					 strerror(errno));
		while (left) {
			ssize_t w = write(fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return tool_fail("-: cannot hold standard input for libtorch: %s",
						 strerror(errno));
			p += w, left -= (size_t)w;
		}
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		path = fdpath;
	}
	argv[n++] = helper;
	argv[n++] = "--source";
	argv[n++] = input;
	if (irx_archive_version(ar))
		argv[n++] = "--container-version", argv[n++] = irx_archive_version(ar);
	if (output)
		argv[n++] = "-o", argv[n++] = output;
	if (compact)
		argv[n++] = "--compact";
	if (a->method)
		argv[n++] = "--method", argv[n++] = a->method;
	if (a->inputs)
		argv[n++] = "--inputs", argv[n++] = a->inputs;
	if (a->allow_dd)
		argv[n++] = "--allow-data-dependent";
	if (a->save_weights)
		argv[n++] = "--save-weights", argv[n++] = a->save_weights;
	if (a->save_inputs)
		argv[n++] = "--save-inputs", argv[n++] = a->save_inputs;
	for (int i = 0; i < a->n_shapes; i++)
		argv[n++] = "--input-shape", argv[n++] = a->shapes[i];
	for (int i = 0; i < a->n_dtypes; i++)
		argv[n++] = "--input-dtype", argv[n++] = a->dtypes[i];
	for (int i = 0; i < a->n_scalars; i++)
		argv[n++] = "--arg", argv[n++] = a->scalars[i];
	argv[n++] = "--";
	argv[n++] = path;
	argv[n] = NULL;
	fflush(NULL);
	execv(helper, (char *const *)argv);
	return tool_fail("%s: cannot run %s: %s", input, helper, strerror(errno));
#endif
}
