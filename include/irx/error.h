/*
 * irx/error.h: status codes and the caller-owned error record.
 *
 * Every fallible call returns IRX_OK (0) or a negative irx_status and,
 * when its last argument (irx_error *err) is not NULL, fills an irx_error.
 * Arguments come in one order everywhere: out parameters, inputs, options,
 * err (libirx(3)).  The first error
 * set wins: later calls only add context that was still empty.  Nothing in
 * it is allocated, so it survives an out-of-memory condition.
 *
 * libirx never prints and never exits; tools render the record as one line:
 *   PROGRAM: SOURCE: WHERE: TEXT
 * where SOURCE is the file, WHERE the place inside it (zip entry, JSON
 * path, pickle offset), and TEXT what is wrong.  File, entry and tensor
 * names are copied into the record as the input gave them, newlines,
 * terminal escapes and bytes that are not UTF-8 included: print each field
 * through irx_escape(), as the tools do.
 */
#ifndef IRX_ERROR_H
#define IRX_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "irx/common.h"

IRX_BEGIN_DECLS

enum irx_status {
	IRX_OK = 0,
	IRX_EINVAL = -1,       /* bad argument from the caller */
	IRX_ENOMEM = -2,       /* out of memory */
	IRX_EIO = -3,          /* the operating system refused */
	IRX_EFORMAT = -4,      /* the input is malformed */
	IRX_EUNSUPPORTED = -5, /* well-formed, but not something irx reads */
	IRX_EMISMATCH = -6,    /* an expected negative answer */
};
/** What every fallible public function returns. */
typedef enum irx_status irx_status;

typedef struct irx_error {
	irx_status code;
	char source[256]; /* the file, or "-" for stdin */
	char where[512];  /* place in the file; may be empty */
	char text[512];   /* what is wrong: lowercase, no full stop */
} irx_error;

/** Receives a warning (no newline of its own; names in it are as the input
 * gave them: print it through irx_escape()); CTX is the caller's. */
typedef void (*irx_warn_fn)(void *ctx, const char *msg);

/** A short name for a status code ("format error", ...). */
IRX_API const char *irx_status_str(irx_status code);

/** Reset an error record to "no error". */
IRX_API void irx_error_clear(irx_error *e);

/**
 * Record an error: when E is not NULL and still holds none, set its code
 * to CODE and its text from FMT; return CODE either way, so that a caller
 * (libirx itself, a conversion hook, a custom executor) writes
 * `return irx_error_set(err, IRX_EFORMAT, "...", ...)`.
 */
IRX_API irx_status irx_error_set(irx_error *e, irx_status code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
IRX_API irx_status irx_error_vset(irx_error *e, irx_status code, const char *fmt, va_list ap);

/**
 * Escape LEN bytes at S so that they print as one line without terminal
 * controls and are valid UTF-8 (fit for a JSON string):
 *   backslash            -> \\
 *   newline, tab, CR     -> \n, \t, \r
 *   other bytes < 0x20, 0x7f, the C1 controls U+0080..U+009F (each of
 *   their two bytes), and every byte that is not part of valid UTF-8
 *                        -> \xNN (two lower-case hex digits)
 * Everything else (printable ASCII, valid UTF-8) is copied.  The escaping
 * is reversible.  Writes at most SIZE bytes including the NUL to DST,
 * never half an escape or half a character, and returns the length of the
 * whole escaped text (as snprintf does).
 */
IRX_API size_t irx_escape(char *dst, size_t size, const char *s, size_t len);

/** irx_escape() of the string S into new memory (irx_free), or NULL when
 * out of memory. */
IRX_API char *irx_escape_dup(const char *s);

/** Print the string S escaped by irx_escape() to F, left-aligned and
 * padded to WIDTH columns (0: no padding). */
IRX_API void irx_escape_print(FILE *f, const char *s, int width);

IRX_END_DECLS

#endif
