/*
 * symexpr.c: print a sympy srepr expression the way a person writes it.
 *
 * torch >= 2.6 stores symbolic sizes as srepr text:
 *   Mul(Integer(2), Symbol('s0', positive=True, integer=True))  ->  2*s0
 * Older torch wrote the infix form already; anything that does not parse
 * as srepr is returned unchanged.
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

struct buf {
	char *s;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

struct parser {
	const char *p;
	int depth;
};

/* Binding levels; P_DIV binds like P_MUL but is not associative. */
enum prec { P_ADD = 10, P_MUL = 20, P_DIV = 21, P_POW = 30, P_ATOM = 40 };

static int level(enum prec p) { return p / 10; }

static int expr(struct parser *ps, struct buf *out, enum prec *prec);

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ')
		ps->p++;
}

/* A quoted 'name' or a bare token up to ',' or ')'. */
static int atom_text(struct parser *ps, struct buf *out)
{
	skip_ws(ps);
	if (*ps->p == '\'' || *ps->p == '"') {
		char q = *ps->p++;
		const char *start = ps->p;
		while (*ps->p && *ps->p != q)
			ps->p++;
		if (!*ps->p)
			return -1;
		put(out, start, (size_t)(ps->p - start));
		ps->p++;
		return 0;
	}
	const char *start = ps->p;
	while (*ps->p && *ps->p != ',' && *ps->p != ')')
		ps->p++;
	if (ps->p == start)
		return -1;
	put(out, start, (size_t)(ps->p - start));
	return 0;
}

/* Skip keyword arguments (positive=True) up to the closing parenthesis. */
static int close_call(struct parser *ps)
{
	int depth = 0;
	for (; *ps->p; ps->p++) {
		if (*ps->p == '(')
			depth++;
		else if (*ps->p == ')' && depth-- == 0) {
			ps->p++;
			return 0;
		}
	}
	return -1;
}

static const struct {
	const char *name, *op;
	enum prec prec;
} infix[] = {
	{"Add", " + ", P_ADD},     {"Mul", "*", P_MUL},        {"Pow", "**", P_POW},
	{"FloorDiv", "//", P_DIV}, {"Mod", "%", P_DIV},        {"PythonMod", "%", P_DIV},
	{"CleanDiv", "/", P_DIV},  {"IntTrueDiv", "/", P_DIV}, {"FloatTrueDiv", "/", P_DIV},
};

static int call(struct parser *ps, const char *name, struct buf *out, enum prec *prec)
{
	if (strcmp(name, "Symbol") == 0 || strcmp(name, "Integer") == 0 ||
	    strcmp(name, "Float") == 0) {
		if (atom_text(ps, out) < 0)
			return -1;
		*prec = P_ATOM;
		return close_call(ps);
	}
	if (strcmp(name, "Rational") == 0) {
		struct buf a = {0}, b = {0};
		enum prec pa, pb;
		int rc = expr(ps, &a, &pa);
		skip_ws(ps);
		if (rc == 0 && *ps->p == ',')
			ps->p++, rc = expr(ps, &b, &pb);
		if (rc == 0 && a.s && b.s) {
			puts_(out, a.s), puts_(out, "/"), puts_(out, b.s);
			rc = close_call(ps);
		} else {
			rc = -1;
		}
		free(a.s), free(b.s);
		*prec = P_DIV;
		return rc;
	}
	for (size_t i = 0; i < sizeof(infix) / sizeof(infix[0]); i++) {
		if (strcmp(name, infix[i].name) != 0)
			continue;
		/* after_op: nothing printed yet, or just a unary minus;
		 * started: an operand has been printed */
		int started = 0;
		for (int after_op = 1;;) {
			struct buf a = {0};
			enum prec pa;
			if (expr(ps, &a, &pa) < 0 || !a.s) {
				free(a.s);
				return -1;
			}
			skip_ws(ps);
			if (after_op && infix[i].prec == P_MUL && strcmp(a.s, "-1") == 0 &&
			    *ps->p == ',') {
				/* Mul(Integer(-1), x) is -x */
				ps->p++;
				free(a.s);
				puts_(out, "-");
				continue;
			}
			if (!after_op) {
				/* x + -1 reads better as x - 1 */
				if (infix[i].prec == P_ADD && a.s[0] == '-')
					puts_(out, " - "), memmove(a.s, a.s + 1, strlen(a.s));
				else
					puts_(out, infix[i].op);
			}
			after_op = 0;
			/* Python reads a op b op c as (a op b) op c: a right operand of
			 * the same level needs parentheses unless both ops are the
			 * same associative one; ** is the other way round. */
			enum prec op = infix[i].prec;
			int first = !started;
			int paren = level(pa) < level(op) ||
				    (level(pa) == level(op) &&
				     (op == P_POW || (!first && !(pa == op && op != P_DIV)))) ||
				    (op == P_POW && first && a.s[0] == '-');
			started = 1;
			if (paren)
				puts_(out, "(");
			puts_(out, a.s);
			if (paren)
				puts_(out, ")");
			free(a.s);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p != ')')
				return -1;
			ps->p++;
			*prec = infix[i].prec;
			return 0;
		}
	}
	/* Any other function: max(a, b), ceiling(x), ... in lower case. */
	for (const char *c = name; *c; c++) {
		char l = (char)tolower((unsigned char)*c);
		put(out, &l, 1);
	}
	puts_(out, "(");
	for (int first = 1;; first = 0) {
		enum prec pa;
		skip_ws(ps);
		if (*ps->p == ')') {
			ps->p++;
			break;
		}
		if (!first) {
			if (*ps->p != ',')
				return -1;
			ps->p++;
			puts_(out, ", ");
		}
		if (expr(ps, out, &pa) < 0)
			return -1;
	}
	puts_(out, ")");
	*prec = P_ATOM;
	return 0;
}

static int expr(struct parser *ps, struct buf *out, enum prec *prec)
{
	char name[64];
	size_t n = 0;

	if (++ps->depth > 64)
		return -1;
	skip_ws(ps);
	while (isalnum((unsigned char)*ps->p) || *ps->p == '_') {
		if (n + 1 >= sizeof(name))
			return -1;
		name[n++] = *ps->p++;
	}
	name[n] = '\0';
	if (n == 0 || *ps->p != '(')
		return -1;
	ps->p++;
	int rc = call(ps, name, out, prec);
	ps->depth--;
	return rc;
}

char *graph_symexpr(const char *srepr)
{
	struct parser ps = {srepr, 0};
	struct buf out = {0};
	enum prec prec;

	if (expr(&ps, &out, &prec) == 0 && *ps.p == '\0' && !out.oom && out.s)
		return out.s;
	free(out.s);
	return strdup(srepr);
}
