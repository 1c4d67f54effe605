/*
 * irxp.h: declarations shared by libirx's files; never installed.
 */
#ifndef IRXP_H
#define IRXP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <jansson.h>

#include "irx/error.h"

#define IRXP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Errors.  irxp_fail() sets code and text when the record is still empty
 * and returns CODE, so callers write `return irxp_fail(err, ...)`.
 * Context is added on the way out: the innermost layer knows the JSON
 * path, the outer one the zip entry, the outermost the file.
 */
int irxp_fail(irx_error *e, int code, const char *fmt, ...) IRXP_PRINTF(3, 4);
void irxp_where(irx_error *e, const char *fmt, ...) IRXP_PRINTF(2, 3);
void irxp_where_prefix(irx_error *e, const char *fmt, ...) IRXP_PRINTF(2, 3);
void irxp_source(irx_error *e, const char *source);

/*
 * A JSON path ("/graph/nodes/3/inputs") grown and shrunk while walking a
 * document, so a diagnostic can say where it is.
 */
struct irxp_path {
	char buf[480];
	size_t len;
};
size_t irxp_path_key(struct irxp_path *p, const char *key);
size_t irxp_path_index(struct irxp_path *p, size_t i);
void irxp_path_pop(struct irxp_path *p, size_t mark);

/* escape.c: a name from the input as a JSON string, escaped by
 * irx_escape(); NULL when S is NULL or out of memory. */
json_t *irxp_json_escaped(const char *s);

/*
 * Warnings go to a caller's callback (tools print them); NULL drops them.
 */
void irxp_warn(irx_warn_fn fn, void *ctx, const char *fmt, ...) IRXP_PRINTF(3, 4);

/*
 * The "C" locale, for reading and writing numbers: a program that called
 * setlocale() must not get "0,5" in JSON.  Created once; never freed.
 */
#include <locale.h>
locale_t irxp_c_locale(void);

/* Overflow-checked size arithmetic: return 0 on overflow. */
static inline int irxp_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* FNV-1a of a string, for the open-addressing tables of names. */
static inline size_t irxp_str_hash(const char *k)
{
	size_t h = (size_t)1469598103934665603u;

	while (*k)
		h = (h ^ (unsigned char)*k++) * (size_t)1099511628211u;
	return h;
}

/* Banned: unbounded string functions (git's banned.h). */
#define strcpy(a, b) sorry_strcpy_is_banned
#define strcat(a, b) sorry_strcat_is_banned
#define sprintf(...) sorry_sprintf_is_banned
#define vsprintf(...) sorry_vsprintf_is_banned
#define strtok(a, b) sorry_strtok_is_banned


/*
 * untrusted.c: limits on what an input may make libirx read into memory
 * (the caller's, else the environment's, else the default; a malformed
 * environment value is IRX_EINVAL) and the check of a name taken from a
 * file (no NUL or other control character).  WHAT says which name
 * ("entry name", "tensor name").
 */
#include "irx/blob.h"
int irxp_limit(enum irx_limit which, uint64_t *out, irx_error *err);
const char *irxp_limit_env(enum irx_limit which);
int irxp_check_name(const char *what, const char *name, size_t len, irx_error *err);

/* json-lenient.c: parse torch's JSON (bare NaN/Infinity, lone surrogates). */
int irxp_json_parse(const uint8_t *data, size_t len, json_t **out, irx_error *err);

/* symexpr.c: sympy srepr ("Mul(Integer(2), Symbol('s0', ...))") to infix
 * ("2*s0"); text that is not srepr comes back unchanged.  New string. */
char *irxp_symexpr(const char *srepr);

/* schema-table.c: the built-in schemas, sorted by the text before '('. */
extern const char *const irxp_schema_table[];
extern const size_t irxp_schema_table_size;

/* tensor-layout.c: strided tensors (struct irx_tensor, irx/tensor.h). */
struct irx_tensor;
/* T's element count and byte size; 0 for an unknown dtype, a bad shape
 * or a size past PTRDIFF_MAX. */
int irxp_tensor_size(const struct irx_tensor *t, uint64_t *numel, uint64_t *nbytes);
/* Row-major strides for SHAPE, as torch computes them (empty dims as 1). */
void irxp_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);
/* Elements FIRST .. FIRST+N-1 of T, in row-major order, packed into DST:
 * a big tensor is gathered a chunk at a time. */
void irxp_tensor_gather(const struct irx_tensor *t, uint64_t first, uint64_t n, void *dst);

/*
 * zip-write.c: a zip written front to back into a FILE, as torch writes
 * one: stored entries, data 64-byte aligned, data descriptors, ZIP64 where
 * needed.  An entry is added whole (irxp_zipw_add) or streamed: begin with
 * its final size, write chunks, end.  Then finish writes the directory;
 * F stays open and the caller closes it.
 */
#include <stdio.h>
struct irxp_zipw;
int irxp_zipw_open(struct irxp_zipw **out, FILE *f, irx_error *err);
int irxp_zipw_add(struct irxp_zipw *zw, const char *name, const void *data, size_t len,
		  irx_error *err);
int irxp_zipw_begin(struct irxp_zipw *zw, const char *name, uint64_t size, irx_error *err);
int irxp_zipw_write(struct irxp_zipw *zw, const void *data, size_t len, irx_error *err);
int irxp_zipw_end(struct irxp_zipw *zw, irx_error *err);
int irxp_zipw_finish(struct irxp_zipw *zw, irx_error *err);
/* A fingerprint of the names, CRCs and sizes of the entries so far. */
uint64_t irxp_zipw_digest(const struct irxp_zipw *zw);
void irxp_zipw_free(struct irxp_zipw *zw);

/* tensor-stats.c: one element of DTYPE at P as a double (complex: the
 * real part, the imaginary one in *IMAG). */
double irxp_scalar(int dtype, const uint8_t *p, double *imag);

/* tensor-dump.c: a tensor set as a JSON list of {name, dtype, shape,
 * stats}, or as a table under TITLE (NULL: the file's kind). */
struct irx_tensors;
int irxp_tensors_json(const struct irx_tensors *set, json_t **out, irx_error *err);
int irxp_tensors_text(FILE *f, const struct irx_tensors *set, const char *title, int with_stats,
		      irx_error *err);

#endif
