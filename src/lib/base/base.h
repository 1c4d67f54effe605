/*
 * base/base.h: what every layer of libirx shares (error context, JSON
 * paths, warnings, the C locale, limits on untrusted input, checked
 * arithmetic, hashing); never installed.
 *
 * The layers, each with one private header that includes the one below:
 *   base/     errors, dtypes, blobs (files, mappings), limits, escaping
 *   formats/  zip, pickle, JSON, the .pt2 archive layout   (formats.h)
 *   graph/    program normalization, schemas, conversion   (graph.h)
 *   tensor/   tensor files, layouts, statistics, writers   (tensor.h)
 *   show/     dumps for people                             (show.h)
 * graph/ and tensor/ never call each other.  Private symbols carry their
 * layer's prefix: base_, fmt_, graph_, tensor_, show_.
 */
#ifndef IRX_BASE_H
#define IRX_BASE_H

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

#include "irx/blob.h"
#include "irx/error.h"

#define BASE_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Errors: irx_error_set() (irx/error.h) records the first one.  Context
 * is added on the way out: the innermost layer knows the JSON path, the
 * outer one the zip entry, the outermost the file.
 */
void base_where(irx_error *e, const char *fmt, ...) BASE_PRINTF(2, 3);
void base_where_prefix(irx_error *e, const char *fmt, ...) BASE_PRINTF(2, 3);
void base_source(irx_error *e, const char *source);
/* Releases what jansson allocated for the caller (json_dumps): with the
 * free function jansson was given, which need not be free(). */
static inline void base_json_free(void *p)
{
	json_free_t release;

	json_get_alloc_funcs(NULL, &release);
	release(p);
}
/* IRX_EIO "cannot write" when F has its error flag set, else IRX_OK. */
irx_status base_write_status(FILE *f, irx_error *err);

/*
 * A JSON path ("/graph/nodes/3/inputs") grown and shrunk while walking a
 * document, so a diagnostic can say where it is.
 */
struct base_path {
	char buf[480];
	size_t len;
};
size_t base_path_key(struct base_path *p, const char *key);
size_t base_path_index(struct base_path *p, size_t i);
void base_path_pop(struct base_path *p, size_t mark);

/* escape.c: a name from the input as a JSON string, escaped by
 * irx_escape(); NULL when S is NULL or out of memory. */
json_t *base_json_escaped(const char *s);

/* Warnings go to a caller's callback (tools print them); NULL drops them. */
void base_warn(irx_warn_fn fn, void *ctx, const char *fmt, ...) BASE_PRINTF(3, 4);

/*
 * locale.c: the "C" locale, for reading and writing numbers: a program
 * that called setlocale() must not get "0,5" in JSON.  Created once;
 * never freed.
 */
locale_t base_c_locale(void);

/*
 * untrusted.c: limits on what an input may make libirx read into memory
 * (the caller's, else the environment's, else the default; a malformed
 * environment value is IRX_EINVAL) and the check of a name taken from a
 * file (no NUL or other control character).  WHAT says which name
 * ("entry name", "tensor name").
 */
int base_limit(enum irx_limit which, uint64_t *out, irx_error *err);
const char *base_limit_env(enum irx_limit which);
int base_check_name(const char *what, const char *name, size_t len, irx_error *err);

/* Overflow-checked size arithmetic: return 0 on overflow. */
static inline int base_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* Grow *ARR (of *CAP elements of ELEM bytes, doubling from 8) to hold
 * NEED; -1 when out of memory (the array is left as it was). */
static inline int base_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / elem || !(p = realloc(*arr, n * elem)))
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

#define BASE_GROW(arr, cap, need) base_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* FNV-1a of a string, for the open-addressing tables of names. */
static inline size_t base_str_hash(const char *k)
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

#endif
