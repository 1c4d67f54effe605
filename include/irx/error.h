/*
 * irx/error.h: status codes and the caller-owned error record.
 *
 * Every fallible call returns IRX_OK (0) or a negative enum irx_status and,
 * when its last argument is not NULL, fills an irx_error.  The first error
 * set wins: later calls only add context that was still empty.  Nothing in
 * it is allocated, so it survives an out-of-memory condition.
 *
 * libirx never prints and never exits; tools render the record as one line:
 *   PROGRAM: SOURCE: WHERE: TEXT
 * where SOURCE is the file, WHERE the place inside it (zip entry, JSON
 * path, pickle offset), and TEXT what is wrong.
 */
#ifndef IRX_ERROR_H
#define IRX_ERROR_H

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

typedef struct irx_error {
	int code;
	char source[256]; /* the file, or "-" for stdin */
	char where[512];  /* place in the file; may be empty */
	char text[512];   /* what is wrong: lowercase, no full stop */
} irx_error;

/** Receives a warning (one line, no newline); CTX is the caller's. */
typedef void (*irx_warn_fn)(void *ctx, const char *msg);

/** A short name for a status code ("format error", ...). */
IRX_API const char *irx_status_str(int code);

/** Reset an error record to "no error". */
IRX_API void irx_error_clear(irx_error *e);

IRX_END_DECLS

#endif
