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

static const char *libtorch_version;

void tool_set_libtorch(const char *version) { libtorch_version = version; }

static void print_version(FILE *f, struct argp_state *state)
{
	fprintf(f, "%s (irx) %s\nlibirx %s; %zu built-in operator schemas; libtorch: %s\n",
		program_invocation_short_name, PACKAGE_VERSION, irx_version(),
		irx_schema_builtin_count(), libtorch_version ? libtorch_version : "not linked");
}

void tool_init(void)
{
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
