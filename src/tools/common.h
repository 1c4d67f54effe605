/*
 * common.h: what every irx tool shares: exit statuses, diagnostics,
 * output files written to a temporary and renamed into place.
 */
#ifndef IRX_TOOLS_COMMON_H
#define IRX_TOOLS_COMMON_H

#include <errno.h> /* program_invocation_short_name (_GNU_SOURCE) */
#include <stdio.h>
#include <jansson.h>

#include "irx.h"

enum tool_exit {
	EXIT_OK = 0,       /* success */
	EXIT_NEGATIVE = 1, /* a negative answer: a check failed, outputs differ */
	EXIT_ERROR = 2,    /* bad input, I/O, unsupported */
	EXIT_USAGE = 64,   /* bad command line (argp's status, EX_USAGE) */
};

/* The paragraph every tool's --help ends with. */
#define TOOL_EXIT_DOC \
	"Exit status: 0 success, 1 negative answer, 2 error (bad input, I/O), 64 usage."

/* Set argp's version hook and usage status once; call first in main. */
void tool_init(void);

/* jansson allocates from pools (json-pool.c); before any jansson value. */
void tool_json_pool(void);

/* Tools that link libtorch name its version, and the BLAS it runs on
 * (NULL: not said), in --version. */
void tool_set_libtorch(const char *version, const char *blas);

/* "irx-export: FILE: WHERE: TEXT" on stderr, each part escaped. */
void tool_report(const irx_error *err);

/* A printf-style error line with the tool's name, escaped; returns EXIT_ERROR. */
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warnings from libirx, as "irx-export: warning: ..." lines. */
void tool_warn(void *ctx, const char *msg);

/*
 * An output: stdout for NULL or "-", otherwise a temporary file beside
 * PATH that tool_out_commit() renames into place, so a failed run never
 * leaves a half-written file.
 */
struct tool_out {
	FILE *f;
	char *path;
	char *tmp;
};
int tool_out_open(struct tool_out *o, const char *path);
/* Close (and rename); returns EXIT_OK or EXIT_ERROR after reporting. */
int tool_out_commit(struct tool_out *o);
/* Drop a temporary after an error. */
void tool_out_abort(struct tool_out *o);

/* Write DOC as JSON to PATH (NULL or "-": stdout); returns an exit status. */
int tool_write_json(const char *path, const json_t *doc, unsigned flags);

/*
 * Keep DOC alive until exit: the kernel reclaims it faster than freeing a
 * large document does (a fifth of a run), and leak checkers still see it
 * as reachable (git's UNLEAK).
 */
void tool_keep(json_t *doc);

/*
 * The IR of the model at PATH, found by content: an IR document as it is
 * (when ACCEPT_IR; otherwise an error), a program document converted with CO,
 * a .pt2 archive read (its program MODEL, NULL for the only one) and
 * converted in this process, with no JSON text between the stages.  ERR's
 * source names PATH.  @param out new reference.
 */
irx_status tool_load_model(json_t **out, const char *path, const char *model,
			   const irx_convert_options *co, int accept_ir, irx_error *err);

/*
 * irx-convert's work: the model at PATH, found as tool_load_model finds it,
 * converted with CO and written to OUTPUT (NULL or "-": stdout).  An
 * archive is converted and written one node at a time, never held whole
 * (irx_convert_archive_write).  Errors are reported; returns an exit
 * status.
 */
int tool_convert_write(const char *path, const char *model, const irx_convert_options *co,
		       const char *output, unsigned flags);

/* Map a libirx status to an exit status. */
int tool_exit_for(int irx_status);

#endif
