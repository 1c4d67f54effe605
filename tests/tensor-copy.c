/*
 * tensor-copy: read a tensor file with libirx and write its tensors back
 * out with libirx's writers, so that tests can load the copies in real
 * torch and the safetensors package (tests/cli/t4001-tensor-write.sh).
 *
 *   tensor-copy IN OUT [--list|--tuple|--dict] [--archive-name NAME]
 *               [--exclude-dtypes LIST]
 *
 * IN is anything irx_tensors_open() reads (torch.save, safetensors, the
 * weights of a .pt2).  Every tensor that has data (meta tensors have none)
 * is written, in file order, to OUT:
 *   *.safetensors  irx_safetensors_write(), with IN's safetensors
 *                  "__metadata__" passed through when IN is safetensors
 *   *.pt           irx_torch_save_write(); the container is IN's (dict,
 *                  list, tuple; a bare tensor becomes a list) unless
 *                  --list, --tuple or --dict says otherwise; --archive-name
 *                  names the zip folder
 * --exclude-dtypes leaves out the tensors of the dtypes LIST names
 * (comma-separated, "uint16,float8_e5m2"), e.g. for a copy an old torch
 * can load.
 * OUT is written to a temporary beside it and renamed into place, so a
 * failed copy leaves nothing behind.  Exit status: 0 copied, 2 an error
 * (one line on stderr).  Not installed: built by make check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <irx.h>

static const char *prog = "tensor-copy";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int report(const irx_error *err, const char *fallback)
{
	return fail("%s: %s%s%s", err->source[0] ? err->source : fallback, err->where,
		    err->where[0] ? ": " : "",
		    err->text[0] ? err->text : irx_status_str(err->code));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* IN's safetensors "__metadata__" as a NULL-terminated key, value list for
 * irx_safetensors_write() (borrowed from SET), or NULL when it has none. */
static const char **metadata_of(const irx_tensors *set)
{
	size_t n = irx_tensors_n_metadata(set), k = 0;
	const char **md;

	if (!n || !(md = calloc(2 * n + 1, sizeof(*md))))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *key = irx_tensors_metadata_key(set, i);

		if (key) {
			md[k++] = key;
			md[k++] = irx_tensors_metadata(set, key);
		}
	}
	return md;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s IN OUT.{pt,safetensors} [--list|--tuple|--dict] "
		"[--archive-name NAME] [--exclude-dtypes LIST]\n",
		prog);
}

/* Mark in EXCLUDED (IRX_DTYPE_LIMIT flags) the dtypes LIST names. */
static int parse_dtypes(const char *list, char *excluded)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int code;

		for (code = 1; code < IRX_DTYPE_LIMIT; code++) {
			const char *name = irx_dtype_name(code);

			if (name && strlen(name) == len && !strncmp(name, p, len))
				break;
		}
		if (code == IRX_DTYPE_LIMIT)
			return fail("--exclude-dtypes: unknown dtype '%.*s'", (int)len, p);
		excluded[code] = 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *archive = NULL, **md = NULL;
	int container = -1, safetensors, rc = 2, fd;
	irx_error err = {0};
	irx_tensors *set = NULL;
	const irx_tensor **ts = NULL;
	size_t n = 0, count;
	char *tmp = NULL;
	FILE *f = NULL;
	char excluded[IRX_DTYPE_LIMIT] = {0};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--list") || !strcmp(a, "--tuple") || !strcmp(a, "--dict")) {
			if (container >= 0) {
				usage();
				return fail("only one of --list, --tuple, --dict");
			}
			container = a[2] == 'l'   ? IRX_SAVE_LIST
				    : a[2] == 't' ? IRX_SAVE_TUPLE
						  : IRX_SAVE_DICT;
		} else if (!strcmp(a, "--archive-name")) {
			if (++i == argc) {
				usage();
				return fail("--archive-name needs a NAME");
			}
			archive = argv[i];
		} else if (!strncmp(a, "--archive-name=", 15)) {
			archive = a + 15;
		} else if (!strcmp(a, "--exclude-dtypes") || !strncmp(a, "--exclude-dtypes=", 17)) {
			const char *list = a[16] == '=' ? a + 17 : NULL;

			if (!list && ++i == argc) {
				usage();
				return fail("--exclude-dtypes needs a LIST");
			}
			if (parse_dtypes(list ? list : argv[i], excluded))
				return 2;
		} else if (a[0] == '-' && a[1] == '-') {
			usage();
			return fail("unknown option '%s'", a);
		} else if (!in) {
			in = a;
		} else if (!out) {
			out = a;
		} else {
			usage();
			return fail("too many arguments");
		}
	}
	if (!in || !out) {
		usage();
		return fail("IN and OUT are required");
	}
	safetensors = ends_with(out, ".safetensors");
	if (!safetensors && !ends_with(out, ".pt"))
		return fail("%s: OUT must end in .safetensors or .pt", out);
	if (safetensors && (container >= 0 || archive))
		return fail("%s: --list, --tuple, --dict and --archive-name are for .pt output",
			    out);

	if (irx_tensors_open(&set, in, NULL, &err)) {
		rc = report(&err, in);
		goto out;
	}
	count = irx_tensors_count(set);
	if (!(ts = calloc(count ? count : 1, sizeof(*ts)))) {
		rc = fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		const irx_tensor *t = irx_tensors_at(set, i);

		if (t->storage >= 0 &&
		    !(t->dtype > 0 && t->dtype < IRX_DTYPE_LIMIT && excluded[t->dtype]))
			ts[n++] = t;
	}
	if (container < 0) {
		const char *c = irx_tensors_container(set);

		container = !c                    ? IRX_SAVE_LIST
			    : !strcmp(c, "dict")  ? IRX_SAVE_DICT
			    : !strcmp(c, "tuple") ? IRX_SAVE_TUPLE
						  : IRX_SAVE_LIST;
	}
	if (safetensors && irx_tensors_n_metadata(set) && !(md = metadata_of(set))) {
		rc = fail("out of memory");
		goto out;
	}

	/* A temporary beside OUT, renamed into place once complete. */
	if (!(tmp = malloc(strlen(out) + sizeof(".tmp.XXXXXX")))) {
		rc = fail("out of memory");
		goto out;
	}
	sprintf(tmp, "%s.tmp.XXXXXX", out);
	if ((fd = mkstemp(tmp)) < 0) {
		rc = fail("%s: cannot create a temporary: %s", out, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	{
		mode_t um = umask(0); /* mkstemp's 0600, widened as open() would */

		umask(um);
		(void)fchmod(fd, 0666 & ~um);
	}
	if (!(f = fdopen(fd, "wb"))) {
		rc = fail("%s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (safetensors ? irx_safetensors_write(f, ts, n, md, &err)
			: irx_torch_save_write(f, ts, n, container, archive, &err)) {
		if (!err.source[0])
			snprintf(err.source, sizeof(err.source), "%s", out);
		rc = report(&err, out);
		goto out;
	}
	if (fclose(f)) {
		f = NULL;
		rc = fail("%s: %s", out, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, out)) {
		rc = fail("%s: cannot rename %s into place: %s", out, tmp, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(md);
	free(ts);
	irx_tensors_free(set);
	return rc;
}
