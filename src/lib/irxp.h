/*
 * irxp.h: declarations shared by libirx's files; never installed.
 */
#ifndef IRXP_H
#define IRXP_H

#include <stdarg.h>
#include <stddef.h>
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

/* Banned: unbounded string functions (git's banned.h). */
#define strcpy(a, b) sorry_strcpy_is_banned
#define strcat(a, b) sorry_strcat_is_banned
#define sprintf(...) sorry_sprintf_is_banned
#define vsprintf(...) sorry_vsprintf_is_banned
#define strtok(a, b) sorry_strtok_is_banned


/* json-lenient.c: parse torch's JSON (bare NaN/Infinity, lone surrogates). */
int irxp_json_parse(const uint8_t *data, size_t len, json_t **out, irx_error *err);

/* symexpr.c: sympy srepr ("Mul(Integer(2), Symbol('s0', ...))") to infix
 * ("2*s0"); text that is not srepr comes back unchanged.  New string. */
char *irxp_symexpr(const char *srepr);

/* schema-table.c: the built-in schemas, sorted by the text before '('. */
extern const char *const irxp_schema_table[];
extern const size_t irxp_schema_table_size;

#endif
