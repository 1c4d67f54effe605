/*
 * irx/blob.h: the bytes of one input, mapped when it is a regular file.
 *
 * A regular file is mapped privately (nothing is copied; pages are read
 * when touched, and a page written by an operator that updates a tensor
 * in place becomes a private copy: the file never changes); anything else
 * (stdin, a pipe) is read into memory.  Every reader in libirx works on a
 * blob, so a stored zip entry or a tensor payload is a pointer into it.
 */
#ifndef IRX_BLOB_H
#define IRX_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "irx/error.h"

IRX_BEGIN_DECLS

typedef struct irx_blob irx_blob;

/**
 * Open PATH ("-" for stdin).  @param out new blob; free with irx_blob_free().
 * Fails with IRX_EIO naming the reason (missing, a directory, unreadable).
 */
IRX_API irx_status irx_blob_open(irx_blob **out, const char *path, irx_error *err);

/** Wrap caller memory; the blob borrows it (it must outlive the blob). */
IRX_API irx_status irx_blob_wrap(irx_blob **out, const void *data, size_t size, const char *name,
				 irx_error *err);

IRX_API const uint8_t *irx_blob_data(const irx_blob *b);
IRX_API size_t irx_blob_size(const irx_blob *b);
/** The name given at open ("-" for stdin); borrowed. */
IRX_API const char *irx_blob_name(const irx_blob *b);
/**
 * Done with bytes [P, P+N) of a mapped blob: their pages leave this
 * process's memory (they stay in the page cache and come back if touched
 * again).  A pass over a large file then keeps a small resident size.
 * Does nothing for blobs that are not mapped or ranges outside the blob.
 */
IRX_API void irx_blob_release(const irx_blob *b, const void *p, size_t n);
IRX_API void irx_blob_free(irx_blob *b);

/*
 * Limits on what an untrusted input may make libirx read into memory.  A
 * regular file is mapped, not read, and has none.  Each limit is, in this
 * order: the value given to irx_limit_set(), the environment variable
 * (bytes, or a number with K, M, G or T for powers of 1024), the default.
 *   IRX_LIMIT_INFLATE  what one deflated zip entry may inflate to
 *                      (IRX_MAX_INFLATE; default 1 GiB: torch stores
 *                      tensor data uncompressed, and the program JSON of a
 *                      70B-parameter model is about 10 MB)
 *   IRX_LIMIT_STREAM   what is read from stdin, a pipe or a FIFO
 *                      (IRX_MAX_STDIN; default 4 GiB)
 * A larger input fails with IRX_EFORMAT naming the limit.
 */
enum irx_limit { IRX_LIMIT_INFLATE, IRX_LIMIT_STREAM };
#define IRX_DEFAULT_MAX_INFLATE ((uint64_t)1 << 30)
#define IRX_DEFAULT_MAX_STDIN ((uint64_t)4 << 30)

/** Set limit WHICH to BYTES for this process; 0 goes back to the
 * environment or the default.  Not thread-safe: set before reading. */
IRX_API void irx_limit_set(enum irx_limit which, uint64_t bytes);

IRX_END_DECLS

#endif
