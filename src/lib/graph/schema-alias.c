/*
 * schema-alias.c: what ATen's alias annotations say about an operator's
 * tensors.  In "aten::add_.Tensor(Tensor(a!) self, ...) -> Tensor(a!)" the
 * operator writes self and returns it; in "aten::split.Tensor(Tensor(a -> *)
 * self, ...) -> Tensor(a)[]" every returned tensor shares self's storage.
 * The annotation is the parenthesized group after the type's name (or after
 * "[]" in "t[](a!)"), kept as written in irx_schema_arg.type and
 * irx_schema.return_types: "a", "a!", "a -> *", "b|a", "a! -> a|b".  The
 * sets before "->" are those of the value itself; after it, those of what
 * a list holds, which says nothing more about the value's own storage.
 */
#include <config.h>

#include <ctype.h>
#include <string.h>

#include "irx/schema.h"
#include "graph/graph.h"

/* The annotation of TYPE: its text between the parentheses (*LEN bytes,
 * up to "->"), or NULL when it has none.  Only tensor types are asked, so
 * the group after the name is an annotation, not a container's
 * parameters ("Dict(str, Tensor)"). */
static const char *annotation(const char *type, size_t *len)
{
	const char *p = type, *close, *arrow;

	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (*p == '?' || *p == '[') /* "Tensor?(a)", "t[](a!)": after the shape */
		p += strspn(p, "?[]0123456789");
	if (*p != '(' || !(close = strchr(p, ')')))
		return NULL;
	p++;
	arrow = strstr(p, "->");
	*len = (size_t)((arrow && arrow < close ? arrow : close) - p);
	return p;
}

/* The next alias set in the '|'-separated annotation [*P, END): "a" of
 * "a!" or " a", "*"; its name and length into *NAME and *N, *P past it.
 * 0 when there is none left. */
static int next_set(const char **p, const char *end, const char **name, size_t *n)
{
	while (*p < end) {
		const char *bar = memchr(*p, '|', (size_t)(end - *p)), *s = *p, *e;
		if (!bar)
			bar = end;
		*p = bar + 1;
		while (s < bar && isspace((unsigned char)*s))
			s++;
		for (e = s; e < bar && (isalnum((unsigned char)*e) || *e == '_' || *e == '*'); e++)
			;
		if (e > s) {
			*name = s;
			*n = (size_t)(e - s);
			return 1;
		}
	}
	return 0;
}

/* Whether annotations A and B (up to "->") have an alias set in common;
 * "*", the wildcard, has every set. */
static int sets_meet(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *pa = a, *x, *y;
	size_t nx, ny;

	while (next_set(&pa, a + alen, &x, &nx)) {
		const char *pb = b;
		while (next_set(&pb, b + blen, &y, &ny))
			if ((nx == 1 && *x == '*') || (ny == 1 && *y == '*') ||
			    (nx == ny && !memcmp(x, y, nx)))
				return 1;
	}
	return 0;
}

int graph_schema_writes_arg(const irx_schema *s, size_t arg)
{
	const char *a;
	size_t len;

	if (!s || arg >= s->n_args || s->args[arg].cls == IRX_ARG_VALUE ||
	    !(a = annotation(s->args[arg].type, &len)))
		return 0;
	return memchr(a, '!', len) != NULL;
}

int graph_schema_return_aliases_arg(const irx_schema *s, size_t ret, size_t arg)
{
	const char *a, *r;
	size_t alen, rlen;

	if (!s || arg >= s->n_args || ret >= s->n_returns || s->args[arg].cls == IRX_ARG_VALUE ||
	    irx_schema_type_class(s->return_types[ret]) == IRX_ARG_VALUE ||
	    !(a = annotation(s->args[arg].type, &alen)) ||
	    !(r = annotation(s->return_types[ret], &rlen)))
		return 0;
	return sets_meet(r, rlen, a, alen);
}
