/*
 * common.c: shared behaviour of the irx tools.
 */
#include <config.h>

#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char *libtorch_version, *blas_text;

void tool_set_libtorch(const char *version, const char *blas)
{
	libtorch_version = version;
	blas_text = blas;
}

static void print_version(FILE *f, struct argp_state *state)
{
	fprintf(f, "%s (irx) %s\nlibirx %s; %zu built-in operator schemas; libtorch: %s\n",
		program_invocation_short_name, PACKAGE_VERSION, irx_version(),
		irx_schema_builtin_count(), libtorch_version ? libtorch_version : "not linked");
	if (blas_text)
		fprintf(f, "BLAS: %s\n", blas_text);
}

void tool_init(void)
{
	tool_json_pool();
	argp_program_version_hook = print_version;
	argp_program_bug_address = PACKAGE_BUGREPORT;
	argp_err_exit_status = EXIT_USAGE;
}

/* Every part of a message is escaped (irx_escape): whatever a file or
 * tensor name holds, a diagnostic stays one line and cannot drive the
 * terminal. */
void tool_report(const irx_error *e)
{
	fprintf(stderr, "%s: ", program_invocation_short_name);
	if (e->source[0])
		irx_escape_print(stderr, e->source, 0), fputs(": ", stderr);
	if (e->where[0])
		irx_escape_print(stderr, e->where, 0), fputs(": ", stderr);
	irx_escape_print(stderr, e->text[0] ? e->text : irx_status_str(e->code), 0);
	putc('\n', stderr);
}

int tool_fail(const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	irx_escape_print(stderr, n >= 0 ? msg : "out of memory", 0);
	putc('\n', stderr);
	if (n >= 0)
		free(msg);
	return EXIT_ERROR;
}

void tool_warn(void *ctx, const char *msg)
{
	fprintf(stderr, "%s: warning: ", program_invocation_short_name);
	if (ctx)
		irx_escape_print(stderr, ctx, 0), fputs(": ", stderr);
	irx_escape_print(stderr, msg, 0);
	putc('\n', stderr);
}

void tool_keep(json_t *doc)
{
	static json_t *kept[4];
	/* cppcheck-suppress unassignedVariable ; false positive: static, zero, counted by n++ */
	static size_t n;

	if (n < sizeof(kept) / sizeof(kept[0]))
		kept[n++] = doc;
	else
		json_decref(doc);
}

int tool_exit_for(int status)
{
	return status == IRX_OK ? EXIT_OK : status == IRX_EMISMATCH ? EXIT_NEGATIVE : EXIT_ERROR;
}

int tool_out_open(struct tool_out *o, const char *path)
{
	struct stat st;
	char *real = NULL;
	int fd;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
		return EXIT_OK;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device, a FIFO, a terminal: write to it; renaming a file over
		 * it would replace it. */
		if (!(o->f = fopen(path, "w")))
			return tool_fail("%s: cannot open: %s", path, strerror(errno));
		return EXIT_OK;
	}
	/* A symlink is followed: the file it names is replaced, not the link. */
	if (!(o->path = (real = realpath(path, NULL)) ? real : strdup(path)) ||
	    asprintf(&o->tmp, "%s.tmpXXXXXX", o->path) < 0) {
		free(o->path);
		o->path = NULL;
		return tool_fail("out of memory");
	}
	if ((fd = mkstemp(o->tmp)) < 0 || !(o->f = fdopen(fd, "w"))) {
		int e = errno;
		if (fd >= 0)
			close(fd), unlink(o->tmp);
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return tool_fail("%s: cannot create: %s", path, strerror(e));
	}
	setvbuf(o->f, NULL, _IOFBF, 1 << 20);
	/* mkstemp makes 0600; an output is an ordinary file. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return EXIT_OK;
}

void tool_out_abort(struct tool_out *o)
{
	if (o->tmp) {
		fclose(o->f);
		unlink(o->tmp);
	} else if (o->f && o->f != stdout) {
		fclose(o->f);
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

int tool_out_commit(struct tool_out *o)
{
	int rc = EXIT_OK;

	if (!o->tmp) {
		/* stdout or a device.  Close stdout now: the next tool in a pipe
		 * sees end of file at once, not after this process has torn
		 * itself down. */
		if (ferror(o->f) | fclose(o->f))
			rc = tool_fail("cannot write %s: %s",
				       o->f == stdout ? "standard output" : "the output",
				       strerror(errno));
		memset(o, 0, sizeof(*o));
		return rc;
	}
	if (fflush(o->f) || ferror(o->f) || fclose(o->f)) {
		rc = tool_fail("%s: cannot write: %s", o->path, strerror(errno));
		unlink(o->tmp);
	} else if (rename(o->tmp, o->path)) {
		rc = tool_fail("%s: cannot rename into place: %s", o->path, strerror(errno));
		unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	return rc;
}

int tool_write_json(const char *path, const json_t *doc, unsigned flags)
{
	struct tool_out out;
	int rc;

	if ((rc = tool_out_open(&out, path)))
		return rc;
	if (irx_json_write(out.f, doc, flags, NULL)) {
		tool_out_abort(&out);
		return tool_fail("%s: cannot write: %s", path ? path : "standard output",
				 strerror(errno));
	}
	return tool_out_commit(&out);
}

/* How the tools read PT2 archive AR's program: MODEL (NULL for the only
 * one), warnings naming PATH.  TorchScript needs irx-export, which runs it
 * through libtorch. */
static irx_status archive_options(irx_export_options *eo, const irx_archive *ar, const char *path,
				  const char *model, irx_error *err)
{
	enum irx_archive_kind k = irx_archive_kind(ar);

	*eo = (irx_export_options)IRX_EXPORT_OPTIONS_INIT;
	if (k == IRX_ARCHIVE_TORCHSCRIPT || k == IRX_ARCHIVE_TORCHSCRIPT_LITE)
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "a TorchScript archive: convert it with irx-export first, "
				     "which runs it through libtorch (see irx-export(1))");
	eo->model = model;
	eo->warn = tool_warn;
	eo->warn_ctx = (void *)path;
	return IRX_OK;
}

/* The input at PATH, found by content: an archive (*AR, which owns the
 * bytes) or JSON text (*BLOB). */
static irx_status open_input(irx_blob **blob, irx_archive **ar, const char *path, irx_error *err)
{
	irx_status rc;

	*ar = NULL;
	if ((rc = irx_blob_open(blob, path, err)))
		return rc;
	const uint8_t *d = irx_blob_data(*blob);
	if (irx_blob_size(*blob) < 2 || d[0] != 'P' || d[1] != 'K')
		return IRX_OK;
	rc = irx_archive_open_blob(ar, *blob, err);
	*blob = NULL;
	return rc;
}

/* tool_load_model's work on the opened input (consumed). */
static irx_status load_model(json_t **out, irx_blob *blob, irx_archive *ar, const char *path,
			     const char *model, const irx_convert_options *co, int accept_ir,
			     irx_error *err)
{
	irx_export_options eo;
	json_t *doc = NULL;
	irx_status rc;

	*out = NULL;
	if (ar) {
		if (!(rc = archive_options(&eo, ar, path, model, err)))
			rc = irx_program_export(&doc, ar, &eo, err);
		irx_archive_free(ar);
	} else {
		rc = irx_json_parse(&doc, irx_blob_data(blob), irx_blob_size(blob), err);
		irx_blob_free(blob);
		if (!rc && model)
			rc = irx_error_set(err, IRX_EINVAL,
					   "--model picks a program in a .pt2 archive; this is a "
					   "JSON document");
	}
	if (rc) {
		if (!err->source[0])
			snprintf(err->source, sizeof(err->source), "%s", path);
		json_decref(doc);
		return rc;
	}
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (format && !strcmp(format, IRX_IR_FORMAT)) {
		if (accept_ir) {
			*out = doc;
			return IRX_OK;
		}
		json_decref(doc);
		snprintf(err->source, sizeof(err->source), "%s", path);
		return irx_error_set(
			err, IRX_EINVAL,
			"already an irx IR, not an irx-program document: nothing to convert");
	}
	irx_error_clear(err);
	snprintf(err->source, sizeof(err->source), "%s", path);
	rc = irx_convert(out, doc, co, err);
	tool_keep(doc);
	return rc;
}

irx_status tool_load_model(json_t **out, const char *path, const char *model,
			   const irx_convert_options *co, int accept_ir, irx_error *err)
{
	irx_blob *blob;
	irx_archive *ar;
	irx_status rc;

	*out = NULL;
	if ((rc = open_input(&blob, &ar, path, err)))
		return rc;
	return load_model(out, blob, ar, path, model, co, accept_ir, err);
}

int tool_convert_write(const char *path, const char *model, const irx_convert_options *co,
		       const char *output, unsigned flags)
{
	irx_error err = {0};
	irx_export_options eo;
	irx_blob *blob;
	irx_archive *ar;
	struct tool_out out;
	json_t *ir;
	irx_status st;
	int ex, output_failed;

	if ((st = open_input(&blob, &ar, path, &err)))
		goto fail;
	if (!ar) {
		if ((st = load_model(&ir, blob, NULL, path, model, co, 0, &err)))
			goto fail;
		ex = tool_write_json(output, ir, flags);
		tool_keep(ir);
		return ex;
	}
	if ((st = archive_options(&eo, ar, path, model, &err))) {
		irx_archive_free(ar);
		goto fail;
	}
	if ((ex = tool_out_open(&out, output))) {
		irx_archive_free(ar);
		return ex; /* it has said why */
	}
	st = irx_convert_archive_write(out.f, ar, &eo, co, flags, &err);
	irx_archive_free(ar);
	if (st == IRX_OK)
		return tool_out_commit(&out);
	output_failed = ferror(out.f); /* the output, not the archive */
	tool_out_abort(&out);
	if (output_failed)
		return tool_fail("%s: cannot write: %s", output ? output : "standard output",
				 strerror(errno));
fail:
	if (!err.source[0])
		snprintf(err.source, sizeof(err.source), "%s", path);
	tool_report(&err);
	return tool_exit_for(st);
}
