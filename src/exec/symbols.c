/*
 * symbols.c: the sizes of a dynamic IR (irx-convert --allow-dynamic) at
 * run time.
 *
 * The IR writes symbolic sizes as the infix text graph/symexpr.c prints
 * ("s77", "2*s77", "s77 + 1", "(s0 + 1)//2", "max(1, s0)").  A run binds
 * each symbol from the first input dimension that is exactly that symbol,
 * holds it to its range (the IR's "symbols", from the program's
 * range_constraints), and evaluates every other symbolic size and attr
 * from the bindings: input dimensions and claimed output shapes are then
 * checked, attrs passed as numbers.  Symbolic values (the outputs of
 * sym_size and of arithmetic on sizes) are their expressions, evaluated;
 * the nodes that make them do not run, except item (.item(), .tolist()),
 * whose value comes from data: it binds the unbacked symbol (u0) it
 * defines from the tensor it reads (exec_sym_data).
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "irx/dtype.h"

/* ---- evaluating an expression ------------------------------------------- */

struct ev {
	const char *p;
	const json_t *env; /* symbol -> integer */
	int depth;
	char missing[64]; /* the first symbol without a value */
	int failed;       /* 1: syntax or arithmetic, 2: a symbol without a value */
};

static double ev_expr(struct ev *e);

static void ws(struct ev *e)
{
	while (*e->p == ' ')
		e->p++;
}

static int eat(struct ev *e, const char *tok)
{
	size_t n = strlen(tok);

	ws(e);
	if (strncmp(e->p, tok, n))
		return 0;
	/* "*" is not the start of "**", nor "/" of "//" */
	if ((!strcmp(tok, "*") || !strcmp(tok, "/")) && e->p[1] == tok[0])
		return 0;
	e->p += n;
	return 1;
}

static double fail(struct ev *e)
{
	if (!e->failed)
		e->failed = 1;
	return 0;
}

static double floordiv(struct ev *e, double a, double b) { return b == 0 ? fail(e) : floor(a / b); }

/* A function of the printed expression (sympy and torch's names, lower case). */
static double call(struct ev *e, const char *f, const double *a, size_t n)
{
	static const struct {
		const char *name;
		size_t n; /* 0: one or more */
	} known[] = {
		{"max", 0},         {"min", 0},
		{"ceiling", 1},     {"ceiltoint", 1},
		{"floor", 1},       {"floortoint", 1},
		{"trunctoint", 1},  {"tofloat", 1},
		{"truncate", 1},    {"abs", 1},
		{"not", 1},         {"and", 0},
		{"or", 0},          {"equality", 2},
		{"unequality", 2},  {"strictlessthan", 2},
		{"lessthan", 2},    {"strictgreaterthan", 2},
		{"greaterthan", 2}, {"floordiv", 2},
		{"mod", 2},         {"pythonmod", 2},
	};
	double r;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(f, known[i].name))
			continue;
		if (known[i].n ? n != known[i].n : !n)
			return fail(e);
		if (!strcmp(f, "max") || !strcmp(f, "min") || !strcmp(f, "and") ||
		    !strcmp(f, "or")) {
			r = a[0];
			for (size_t k = 1; k < n; k++)
				r = f[0] == 'm'   ? (f[1] == 'a' ? fmax(r, a[k]) : fmin(r, a[k]))
				    : f[0] == 'a' ? (r != 0 && a[k] != 0)
						  : (r != 0 || a[k] != 0);
			return r;
		}
		if (!strcmp(f, "ceiling") || !strcmp(f, "ceiltoint"))
			return ceil(a[0]);
		if (!strcmp(f, "floor") || !strcmp(f, "floortoint"))
			return floor(a[0]);
		if (!strcmp(f, "trunctoint") || !strcmp(f, "truncate"))
			return trunc(a[0]);
		if (!strcmp(f, "tofloat"))
			return a[0];
		if (!strcmp(f, "abs"))
			return fabs(a[0]);
		if (!strcmp(f, "not"))
			return a[0] == 0;
		if (!strcmp(f, "equality"))
			return a[0] == a[1];
		if (!strcmp(f, "unequality"))
			return a[0] != a[1];
		if (!strcmp(f, "strictlessthan"))
			return a[0] < a[1];
		if (!strcmp(f, "lessthan"))
			return a[0] <= a[1];
		if (!strcmp(f, "strictgreaterthan"))
			return a[0] > a[1];
		if (!strcmp(f, "greaterthan"))
			return a[0] >= a[1];
		if (!strcmp(f, "floordiv"))
			return floordiv(e, a[0], a[1]);
		return a[1] == 0 ? fail(e) : a[0] - a[1] * floor(a[0] / a[1]); /* Python's % */
	}
	return fail(e);
}

static double atom(struct ev *e)
{
	char name[64];
	size_t n = 0;

	ws(e);
	if (eat(e, "(")) {
		double v = ev_expr(e);
		return eat(e, ")") ? v : fail(e);
	}
	if (isdigit((unsigned char)*e->p) || *e->p == '.') {
		char *end;
		double v = strtod(e->p, &end);
		e->p = end;
		return v;
	}
	const char *start = e->p;
	while (isalnum((unsigned char)*e->p) || *e->p == '_') {
		if (n + 1 >= sizeof(name))
			return fail(e);
		name[n++] = (char)tolower((unsigned char)*e->p++);
	}
	name[n] = '\0';
	if (!n)
		return fail(e);
	if (eat(e, "(")) {
		double args[8];
		size_t k = 0;
		if (!eat(e, ")"))
			do {
				if (k == sizeof(args) / sizeof(args[0]))
					return fail(e);
				args[k++] = ev_expr(e);
			} while (eat(e, ","));
		if (e->failed || !eat(e, ")"))
			return fail(e);
		return call(e, name, args, k);
	}
	if (!strcmp(name, "true") || !strcmp(name, "false"))
		return name[0] == 't';
	char sym[64];
	snprintf(sym, sizeof(sym), "%.*s", (int)n, start); /* as written */
	const json_t *v = json_object_get(e->env, sym);
	if (json_is_number(v))
		return json_number_value(v);
	if (!e->failed) {
		snprintf(e->missing, sizeof(e->missing), "%s", sym);
		e->failed = 2;
	}
	return 0;
}

static double unary(struct ev *e);

static double power(struct ev *e)
{
	double b = atom(e);

	if (eat(e, "**"))
		return pow(b, unary(e)); /* right-associative */
	return b;
}

static double unary(struct ev *e)
{
	if (++e->depth > 64)
		return fail(e);
	double v = eat(e, "-") ? -unary(e) : eat(e, "+") ? unary(e) : power(e);
	e->depth--;
	return v;
}

static double term(struct ev *e)
{
	double v = unary(e);

	for (;;) {
		if (eat(e, "//"))
			v = floordiv(e, v, unary(e));
		else if (eat(e, "*"))
			v *= unary(e);
		else if (eat(e, "/")) {
			double d = unary(e);
			v = d == 0 ? fail(e) : v / d;
		} else if (eat(e, "%")) {
			double d = unary(e);
			v = d == 0 ? fail(e) : v - d * floor(v / d);
		} else
			return v;
	}
}

static double ev_expr(struct ev *e)
{
	double v = term(e);

	for (;;) {
		if (eat(e, "+"))
			v += term(e);
		else if (eat(e, "-"))
			v -= term(e);
		else
			return v;
	}
}

/* EXPR with ENV; 0, or 1 (not an expression irx reads) or 2 (a symbol
 * without a value, named in MISSING). */
static int evaluate(double *out, const char *expr, const json_t *env, char *missing, size_t size)
{
	struct ev e = {expr, env, 0, "", 0};

	*out = ev_expr(&e);
	ws(&e);
	if (!e.failed && (*e.p || !isfinite(*out)))
		e.failed = 1;
	if (e.failed == 2 && missing)
		snprintf(missing, size, "%s", e.missing);
	return e.failed;
}

/* ---- symbols and their ranges ------------------------------------------- */

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "s77 (1..64)": the symbol and its range from the IR. */
static void describe(char *buf, size_t size, const irx_exec *x, const char *sym)
{
	const json_t *r = json_object_get(json_object_get(x->ir, "symbols"), sym);
	const json_t *lo = json_object_get(r, "min"), *hi = json_object_get(r, "max");
	char a[32] = "", b[32] = "";

	if (!r) {
		snprintf(buf, size, "%s", sym);
		return;
	}
	if (json_is_integer(lo))
		snprintf(a, sizeof(a), "%lld", (long long)json_integer_value(lo));
	if (json_is_integer(hi))
		snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(hi));
	snprintf(buf, size, "%s (range %s..%s)", sym, a, b);
}

/* Is V in SYM's range?  Symbols the IR gives no range are unbounded. */
static int in_range(const irx_exec *x, const char *sym, int64_t v)
{
	const json_t *r = json_object_get(json_object_get(x->ir, "symbols"), sym);
	const json_t *lo = json_object_get(r, "min"), *hi = json_object_get(r, "max");

	return (!json_is_integer(lo) || v >= json_integer_value(lo)) &&
	       (!json_is_integer(hi) || v <= json_integer_value(hi));
}

static int is_symbol(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* A size that binds a symbol: "s0" or "K*s0" (K a positive integer, as
 * torch writes a size that a Dim(...) * K gives).  The symbol's name goes
 * to SYM; returns K, or 0 for any other size. */
static int64_t bound_symbol(const char *s, char *sym, size_t size)
{
	int64_t k = 1;
	const char *star = strchr(s, '*');

	if (star) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		while (end < star && *end == ' ')
			end++;
		if (end != star || v <= 0 || errno)
			return 0;
		k = v;
		for (s = star + 1; *s == ' '; s++)
			;
	}
	if (!is_symbol(s) || strlen(s) >= size)
		return 0;
	strcpy(sym, s);
	return k;
}

int exec_sym_dim(int64_t *out, const irx_exec *x, const json_t *d)
{
	double v;

	if (json_is_integer(d)) {
		*out = json_integer_value(d);
		return 0;
	}
	if (!json_is_string(d) || !x->syms ||
	    evaluate(&v, json_string_value(d), x->syms, NULL, 0) || v != floor(v) ||
	    fabs(v) > 9.0e15)
		return -1;
	*out = (int64_t)v;
	return 0;
}

irx_status irx_exec_set_symbol(irx_exec *x, const char *name, int64_t value, irx_error *err)
{
	const json_t *syms = json_object_get(x->ir, "symbols");
	char what[160];

	if (!json_object_get(syms, name)) {
		char known[200] = "";
		const char *k;
		json_t *v;
		size_t n = 0;
		json_object_foreach((json_t *)syms, k, v)
			n += (size_t)snprintf(known + n, n < sizeof(known) ? sizeof(known) - n : 0,
					      "%s%s", n ? ", " : "", k);
		return irx_error_set(err, IRX_EINVAL, "the IR has no symbol '%s' (its symbols: %s)",
				     name, json_object_size(syms) ? known : "none");
	}
	describe(what, sizeof(what), x, name);
	if (!in_range(x, name, value))
		return irx_error_set(err, IRX_EINVAL, "%lld is outside the range of symbol %s",
				     (long long)value, what);
	if (json_object_set_new(x->preset, name, json_integer(value)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

/* The symbols of SHAPE that have no value in ENV, described into BUF. */
static void unbound(char *buf, size_t size, const irx_exec *x, const json_t *shape,
		    const json_t *env)
{
	size_t i, n = 0;
	json_t *d;

	buf[0] = '\0';
	json_array_foreach(shape, i, d) {
		char missing[64], what[160];
		double v;
		if (!json_is_string(d) ||
		    evaluate(&v, json_string_value(d), env, missing, sizeof(missing)) != 2)
			continue;
		describe(what, sizeof(what), x, missing);
		if (strstr(buf, what))
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
				      what);
	}
}

irx_status irx_exec_input_shape(int64_t *dims, int *ndim, const irx_exec *x, size_t i,
				irx_error *err)
{
	const json_t *m = irx_exec_input(x, i);
	const json_t *shape = json_object_get(m, "shape");
	const char *name = str(m, "name") ? str(m, "name") : "?";
	size_t d;
	json_t *v;

	*ndim = 0;
	if (!m)
		return irx_error_set(err, IRX_EINVAL, "the IR has no input %zu", i);
	if (json_array_size(shape) > IRX_TENSOR_MAX_DIMS)
		return irx_error_set(err, IRX_EFORMAT, "input '%s' has too many dimensions", name);
	json_array_foreach(shape, d, v) {
		double val;
		char missing[64];
		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			dims[d] = json_integer_value(v);
			continue;
		}
		int rc = json_is_string(v) ? evaluate(&val, json_string_value(v), x->preset,
						      missing, sizeof(missing))
					   : 1;
		if (rc == 2) {
			char what[400];
			unbound(what, sizeof(what), x, shape, x->preset);
			return irx_error_set(err, IRX_EINVAL,
					     "input %zu ('%s') has symbolic sizes without a value: "
					     "%s; set them with --bind SYMBOL=N",
					     i, name, what);
		}
		if (rc || val < 0 || val != floor(val) || val > 9.0e15)
			return irx_error_set(err, IRX_EFORMAT,
					     "input %zu ('%s'): size %zu is not a size irx can "
					     "evaluate",
					     i, name, d);
		dims[d] = (int64_t)val;
	}
	*ndim = (int)json_array_size(shape);
	return IRX_OK;
}

int exec_sym_bind_inputs(irx_exec *x, irx_th *const *inputs, size_t n, irx_error *err)
{
	json_t *env = json_deep_copy(x->preset);
	json_t *from = json_object(); /* symbol -> "input 0 ('x') dimension 1" */
	int rc = IRX_OK;

	json_decref(x->syms);
	x->syms = env;
	json_object_clear(x->symvals);
	if (!env || !from) {
		json_decref(from);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && i < x->top->n_inputs && !rc; i++) {
		const json_t *m = irx_exec_input(x, i);
		const json_t *shape = json_object_get(m, "shape");
		irx_tensor t;
		size_t d;
		json_t *v;
		irx_th_view(&t, inputs[i]);
		json_array_foreach(shape, d, v) {
			const char *expr = json_string_value(v);
			char where[200], what[160], s[64];
			const json_t *had;
			int64_t k;
			if (!expr || !(k = bound_symbol(expr, s, sizeof(s))) || (int)d >= t.ndim)
				continue;
			snprintf(where, sizeof(where), "input %zu ('%s') dimension %zu", i,
				 str(m, "name") ? str(m, "name") : "?", d);
			describe(what, sizeof(what), x, s);
			if (t.shape[d] % k) {
				rc = irx_error_set(err, IRX_EINVAL,
						   "%s is %lld, not %s: not a multiple of %lld %s",
						   where, (long long)t.shape[d], expr, (long long)k,
						   what);
				break;
			}
			const int64_t value = t.shape[d] / k;
			if ((had = json_object_get(env, s))) {
				if (json_integer_value(had) == value)
					continue;
				const char *first = str(from, s) ? str(from, s) : "as set";
				rc = irx_error_set(
					err, IRX_EINVAL,
					"%s is %lld (%s, so %s is %lld), but %s is %lld %s: "
					"they must agree (symbol %s)",
					where, (long long)t.shape[d], expr, s, (long long)value, s,
					(long long)json_integer_value(had), first, what);
				break;
			}
			if (!in_range(x, s, value)) {
				rc = irx_error_set(
					err, IRX_EINVAL,
					"%s is %lld, so %s is %lld, outside the range of "
					"symbol %s (the program's range_constraints)",
					where, (long long)t.shape[d], s, (long long)value, what);
				break;
			}
			char by[240];
			snprintf(by, sizeof(by), "from %s", where);
			if (json_object_set_new(env, s, json_integer(value)) ||
			    json_object_set_new(from, s, json_string(by))) {
				rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
				break;
			}
		}
	}
	json_decref(from);
	return rc;
}

/* ---- shapes and attrs at run time --------------------------------------- */

static void shape_text(char *buf, size_t size, const irx_exec *x, int dtype, const json_t *shape,
		       const int64_t *dims, int ndim)
{
	size_t n = (size_t)snprintf(buf, size, "%s[",
				    irx_dtype_name(dtype) ? irx_dtype_name(dtype) : "?");

	for (int d = 0; d < ndim && n < size; d++) {
		const json_t *j = shape ? json_array_get(shape, (size_t)d) : NULL;
		int64_t v;
		if (json_is_string(j) && x && !exec_sym_dim(&v, x, j))
			n += (size_t)snprintf(buf + n, size - n, "%s%s=%lld", d ? ", " : "",
					      json_string_value(j), (long long)v);
		else if (json_is_string(j)) {
			char what[160];
			describe(what, sizeof(what), x, json_string_value(j));
			n += (size_t)snprintf(
				buf + n, size - n, "%s%s", d ? ", " : "",
				is_symbol(json_string_value(j)) ? what : json_string_value(j));
		} else
			n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
					      (long long)dims[d]);
	}
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

int exec_fits(const irx_tensor *t, const json_t *meta, const irx_exec *x, char *want, char *got,
	      size_t size)
{
	return exec_fits_as(t, irx_dtype_from_name(str(meta, "dtype")),
			    json_object_get(meta, "shape"), x, want, got, size);
}

int exec_fits_as(const irx_tensor *t, enum irx_dtype dtype, const json_t *shape, const irx_exec *x,
		 char *want, char *got, size_t size)
{
	int64_t dims[IRX_TENSOR_MAX_DIMS];
	int ndim = (int)json_array_size(shape);
	int ok = dtype == t->dtype && ndim == t->ndim;

	for (int d = 0; d < ndim && d < IRX_TENSOR_MAX_DIMS; d++) {
		const json_t *j = json_array_get(shape, (size_t)d);
		if (json_is_string(j) && x && x->syms)
			ok = ok && !exec_sym_dim(&dims[d], x, j);
		else
			dims[d] = json_integer_value(j);
		ok = ok && d < t->ndim && dims[d] == t->shape[d];
	}
	/* described only for the message: this runs for every output of
	 * every node of every run */
	want[0] = got[0] = '\0';
	if (!ok) {
		shape_text(want, size, x, dtype, shape, dims,
			   ndim < IRX_TENSOR_MAX_DIMS ? ndim : IRX_TENSOR_MAX_DIMS);
		shape_text(got, size, NULL, t->dtype, NULL, t->shape, t->ndim);
	}
	return ok;
}

int exec_sym_bind_output(irx_exec *x, const irx_tensor *t, const json_t *meta, irx_error *err)
{
	const json_t *shape = json_object_get(meta, "shape");
	size_t d;
	json_t *v;

	/* a data-dependent size (nonzero's u0) gets its value from the first
	 * output that has it */
	json_array_foreach(shape, d, v) {
		const char *s = json_string_value(v);
		char what[160];
		if (!s || !is_symbol(s) || (int)d >= t->ndim || json_object_get(x->syms, s))
			continue;
		describe(what, sizeof(what), x, s);
		if (!in_range(x, s, t->shape[d]))
			return irx_error_set(err, IRX_EFORMAT,
					     "output '%s' dimension %zu is %lld, outside the range "
					     "of symbol %s",
					     str(meta, "name") ? str(meta, "name") : "?", d,
					     (long long)t->shape[d], what);
		if (json_object_set_new(x->syms, s, json_integer(t->shape[d])))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	return IRX_OK;
}

/* A value of the environment: a symbol, or (by name) a symbolic value. */
static int sym_value(double *out, const irx_exec *x, const json_t *ref, char *missing, size_t size)
{
	const json_t *e = json_object_get(ref, "expr");
	const json_t *known = json_object_get(x->symvals, str(ref, "sym") ? str(ref, "sym") : "");

	if (json_is_string(e))
		return evaluate(out, json_string_value(e), x->syms, missing, size);
	if (json_is_number(e)) {
		*out = json_number_value(e);
		return 0;
	}
	if (json_is_number(known)) {
		*out = json_number_value(known);
		return 0;
	}
	snprintf(missing, size, "%s", str(ref, "sym") ? str(ref, "sym") : "?");
	return 2;
}

int exec_sym_is_ref(const json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_object(v))
		return json_object_get(v, "sym") != NULL;
	if (json_is_array(v))
		json_array_foreach(v, i, e)
			if (exec_sym_is_ref(e))
				return 1;
	return 0;
}

int exec_sym_attr(json_t **out, const irx_exec *x, const json_t *v, const char *node,
		  irx_error *err)
{
	char missing[64] = "", what[160];
	double d;
	size_t i;
	json_t *e;
	int rc;

	*out = NULL;
	if (json_is_array(v)) {
		if (!(*out = json_array()))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		json_array_foreach(v, i, e) {
			json_t *r;
			if ((rc = exec_sym_attr(&r, x, e, node, err)) ||
			    json_array_append_new(*out, r)) {
				json_decref(*out);
				*out = NULL;
				return rc ? rc : irx_error_set(err, IRX_ENOMEM, "out of memory");
			}
		}
		return IRX_OK;
	}
	if (!json_is_object(v) || !json_object_get(v, "sym")) {
		*out = json_incref((json_t *)v);
		return IRX_OK;
	}
	if ((rc = sym_value(&d, x, v, missing, sizeof(missing)))) {
		describe(what, sizeof(what), x, missing);
		return irx_error_set(err, IRX_EFORMAT,
				     rc == 2 ? "node %s: symbolic value '%s' needs %s, which has "
					       "no value"
					     : "node %s: symbolic value '%s' (%s) is not an "
					       "expression irx can evaluate",
				     node, str(v, "sym") ? str(v, "sym") : "?",
				     rc == 2          ? what
				     : str(v, "expr") ? str(v, "expr")
						      : "");
	}
	*out = d == floor(d) && fabs(d) < 9.0e15 ? json_integer((json_int_t)d) : json_real(d);
	return *out ? IRX_OK : irx_error_set(err, IRX_ENOMEM, "out of memory");
}

int exec_sym_node(irx_exec *x, const struct xnode *n, irx_error *err)
{
	for (size_t k = 0; k < n->n_out; k++) {
		const json_t *m = n->out_meta[k];
		json_t *v;
		/* an output's expr is what the attrs of its readers quote */
		json_t *ref = json_pack("{s:s?, s:O?}", "sym", str(m, "name"), "expr",
					json_object_get(m, "expr"));
		int rc;
		if (!ref)
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		rc = exec_sym_attr(&v, x, ref, n->name, err);
		json_decref(ref);
		if (rc)
			return rc;
		if (str(m, "name") && json_object_set_new(x->symvals, str(m, "name"), v))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	return IRX_OK;
}

/* The one element of T as a double (integers exactly up to 2^53); 0 when T
 * has not exactly one element or no number type. */
static int scalar_of(double *out, const irx_tensor *t)
{
	int64_t n = 1;

	for (int d = 0; d < t->ndim; d++)
		n *= t->shape[d];
	if (n != 1 || !t->data)
		return 0;
	switch (t->dtype) {
#define AS(code, type)                          \
	case code: {                            \
		type v;                         \
		memcpy(&v, t->data, sizeof(v)); \
		*out = (double)v;               \
		return 1;                       \
	}
		AS(IRX_DTYPE_INT64, int64_t)
		AS(IRX_DTYPE_INT32, int32_t)
		AS(IRX_DTYPE_INT16, int16_t)
		AS(IRX_DTYPE_INT8, int8_t)
		AS(IRX_DTYPE_UINT8, uint8_t)
		AS(IRX_DTYPE_BOOL, uint8_t)
		AS(IRX_DTYPE_FLOAT32, float)
		AS(IRX_DTYPE_FLOAT64, double)
#undef AS
	default: return 0;
	}
}

int exec_sym_is_data(const struct xnode *n)
{
	return n->n_in == 1 && (!strcmp(n->op_type, "aten.item.default") ||
				!strcmp(n->op_type, "aten._local_scalar_dense.default"));
}

/*
 * A data-dependent size: item (or _local_scalar_dense) of a one-element
 * tensor.  The exported program names its value with an unbacked symbol
 * (u0, from .item() or .tolist()); here the symbol gets the value the
 * tensor holds, checked against its range, so that every symbolic
 * attribute after it (slice ends, split sizes, the assertions) evaluates.
 */
int exec_sym_data(irx_exec *x, const struct xnode *n, irx_th *const *vals, irx_error *err)
{
	const json_t *m = n->n_out ? n->out_meta[0] : NULL;
	const char *expr = json_string_value(json_object_get(m, "expr"));
	irx_th *in = vals[n->in[0].value];
	irx_tensor t;
	double v;
	char what[160];

	if (!in)
		return irx_error_set(err, IRX_EFORMAT, "its input has no value");
	irx_th_view(&t, in);
	if (!scalar_of(&v, &t))
		return irx_error_set(err, IRX_EFORMAT, "the input is not one number (%s, %d dims)",
				     irx_dtype_name(t.dtype) ? irx_dtype_name(t.dtype) : "?",
				     t.ndim);
	if (expr && is_symbol(expr) && !json_object_get(x->syms, expr)) {
		describe(what, sizeof(what), x, expr);
		if (v != floor(v) || fabs(v) > 9.0e15 || !in_range(x, expr, (int64_t)v))
			return irx_error_set(err, IRX_EFORMAT,
					     "the data gives %g, outside the range of symbol %s", v,
					     what);
		if (json_object_set_new(x->syms, expr, json_integer((json_int_t)v)))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	json_t *j = v == floor(v) && fabs(v) < 9.0e15 && t.dtype != IRX_DTYPE_FLOAT32 &&
				    t.dtype != IRX_DTYPE_FLOAT64
			    ? json_integer((json_int_t)v)
			    : json_real(v);
	if (!j || (str(m, "name") && json_object_set_new(x->symvals, str(m, "name"), j)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (!str(m, "name"))
		json_decref(j);
	return IRX_OK;
}
