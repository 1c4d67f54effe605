/*
 * schema.c: parse operator schema strings; find an operator's schema.
 *
 * Grammar (the subset libtorch prints, torch 1.13 to 2.14):
 *   schema  = name ["." overload] "(" [arg {", " arg}] ")" " -> " returns
 *   arg     = "*" | type " " name ["=" default]
 *   returns = type | "(" [type [" " name] {", " type [" " name]}] ")"
 * Types may hold spaces inside parentheses ("Tensor(a -> *)[]"), so every
 * split respects nesting and quotes.
 */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irx/blob.h"
#include "irx/dtype.h"
#include "irx/schema.h"
#include "graph/graph.h"

/* The public struct followed by what it points into. */
struct schema {
	irx_schema pub;
	char *buf; /* text, then name, then arg/return strings */
	irx_schema_arg *args;
	const char **rtypes, **rnames;
	json_t *defaults; /* array owning the default values */
};

/* Split S in place at top-level occurrences of SEP; return piece count. */
static size_t split_top(char *s, char sep, char **pieces, size_t max)
{
	size_t n = 0;
	int depth = 0;
	char quote = 0;
	char *start = s;

	if (!*s)
		return 0;
	for (char *p = s;; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
			else if (!*p)
				return (size_t)-1;
			continue;
		}
		if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '(' || *p == '[')
			depth++;
		else if (*p == ')' || *p == ']')
			depth--;
		if ((*p == sep && depth == 0) || !*p) {
			if (n == max)
				return (size_t)-1;
			int end = !*p;
			*p = '\0';
			pieces[n++] = start;
			start = p + 1;
			if (end)
				break;
		}
	}
	return n;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The last top-level space splits "type name". */
static char *last_top_space(char *s)
{
	int depth = 0;
	char *last = NULL;

	for (char *p = s; *p; p++) {
		if (*p == '(' || *p == '[')
			depth++;
		else if (*p == ')' || *p == ']')
			depth--;
		else if (*p == ' ' && depth == 0)
			last = p;
	}
	return last;
}

/* "Tensor(a!)[]?" -> base "Tensor", list flag, optional flags */
struct type_shape {
	char base[32];
	int optional;      /* trailing '?' */
	int list;          /* has [] or [N] */
	long fixed;        /* N in [N], else 0 */
	int elem_optional; /* Tensor?[] */
};

static void type_shape(const char *type, struct type_shape *t)
{
	size_t i = 0;
	const char *p = type;

	memset(t, 0, sizeof(*t));
	while (isalnum((unsigned char)*p) || *p == '_') {
		if (i + 1 < sizeof(t->base))
			t->base[i++] = *p;
		p++;
	}
	t->base[i] = '\0';
	if (*p == '(') { /* alias annotation */
		int depth = 0;
		for (; *p; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
	if (*p == '?') {
		t->elem_optional = 1;
		p++;
	}
	if (*p == '[') {
		t->list = 1;
		t->fixed = strtol(p + 1, NULL, 10);
		p = strchr(p, ']');
		p = p ? p + 1 : "";
	}
	if (*p == '?') {
		t->optional = 1;
	} else if (!t->list && t->elem_optional) {
		t->optional = 1;
		t->elem_optional = 0;
	}
}

enum irx_arg_class irx_schema_type_class(const char *type)
{
	struct type_shape t;

	type_shape(type, &t);
	if (strcmp(t.base, "Tensor"))
		return IRX_ARG_VALUE;
	if (t.list)
		return t.elem_optional ? IRX_ARG_OPTIONAL_TENSOR_LIST : IRX_ARG_TENSOR_LIST;
	return t.optional ? IRX_ARG_OPTIONAL_TENSOR : IRX_ARG_TENSOR;
}

/* A string default as written in the schema, escapes undone. */
static json_t *unquote(const char *s, size_t n)
{
	char *buf = malloc(n + 1), *o = buf;
	json_t *v;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < n) {
			switch (s[++i]) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'f': c = '\f'; break;
			case 'v': c = '\v'; break;
			default: c = s[i]; /* \" \' \\ */
			}
		}
		*o++ = c;
	}
	v = json_stringn(buf, (size_t)(o - buf));
	free(buf);
	return v;
}

static json_t *scalar_default(const char *base, const char *s)
{
	char *end;

	if (!strcmp(s, "None"))
		return json_null();
	if (!strcmp(s, "True"))
		return json_true();
	if (!strcmp(s, "False"))
		return json_false();
	if ((s[0] == '"' || s[0] == '\'') && strlen(s) >= 2)
		return unquote(s + 1, strlen(s) - 2);
	/* libtorch prints enum defaults as c10's integers (dtype=4 is Long,
	 * memory_format=0 is Contiguous), which are not torch.export's codes. */
	if (!strcmp(base, "ScalarType")) {
		static const char *const c10[] = {
			"uint8",   "int8",    "int16",     "int32",     "int64",      "float16",
			"float32", "float64", "complex32", "complex64", "complex128", "bool",
			NULL,      NULL,      NULL,        "bfloat16",
		};
		long code = strtol(s, &end, 10);
		if (*s && !*end)
			return code >= 0 && code < 16 && c10[code] ? json_string(c10[code])
								   : json_integer(code);
		int d = irx_dtype_from_name(s);
		return d ? json_string(irx_dtype_name(d)) : json_string(s);
	}
	if (!strcmp(base, "MemoryFormat")) {
		static const char *const c10[] = {
			"contiguous_format",
			"preserve_format",
			"channels_last",
			"channels_last_3d",
		};
		long code = strtol(s, &end, 10);
		if (*s && !*end && code >= 0 && code < 4)
			return json_string(c10[code]);
	}
	/* at::Reduction: int reduction=Mean */
	if (!strcmp(s, "Mean"))
		return json_integer(1);
	if (!strcmp(s, "Sum"))
		return json_integer(2);
	if (!strcmp(s, "inf") || !strcmp(s, "+inf"))
		return json_string("Infinity");
	if (!strcmp(s, "-inf"))
		return json_string("-Infinity");
	if (!strcmp(s, "nan"))
		return json_string("NaN");
	long long ll = strtoll(s, &end, 10);
	if (*s && !*end && strcmp(base, "float"))
		return json_integer(ll);
	double d = strtod_l(s, &end, base_c_locale());
	if (*s && !*end)
		return json_real(d);
	return json_string(s); /* contiguous_format, strided, "cpu", ... */
}

/* Default text -> JSON value, by type: lists, fixed-size list broadcast. */
static json_t *parse_default(const char *type, char *s)
{
	struct type_shape t;
	json_t *out, *v;

	type_shape(type, &t);
	s = trim(s);
	if (!t.list || !strcmp(s, "None"))
		return scalar_default(t.base, s);
	if (!(out = json_array()))
		return NULL;
	if (s[0] == '[') {
		char *pieces[64];
		size_t len = strlen(s);
		if (len < 2 || s[len - 1] != ']') {
			json_decref(out);
			return NULL;
		}
		s[len - 1] = '\0';
		size_t n = split_top(s + 1, ',', pieces, 64);
		if (n == (size_t)-1) {
			json_decref(out);
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			char *p = trim(pieces[i]);
			if (*p &&
			    (!(v = scalar_default(t.base, p)) || json_array_append_new(out, v))) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	/* int[2] stride=1 (torch 1.13) means [1, 1] */
	for (long i = 0; i < (t.fixed > 0 && t.fixed < 64 ? t.fixed : 1); i++)
		json_array_append_new(out, scalar_default(t.base, s));
	return out;
}

void irx_schema_free(irx_schema *p)
{
	struct schema *s = (struct schema *)p;

	if (!s)
		return;
	free(s->buf);
	free(s->args);
	free(s->rtypes);
	free(s->rnames);
	json_decref(s->defaults);
	free(s);
}

static int bad_schema(irx_error *err, const char *text, const char *why)
{
	return irx_error_set(err, IRX_EFORMAT, "bad schema '%.200s': %s", text, why);
}

irx_status irx_schema_parse(irx_schema **out, const char *text, irx_error *err)
{
	struct schema *s;
	char *args_text, *ret_text, *close, *pieces[256], *dot;
	size_t n, len = strlen(text);
	int kwarg_only = 0;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->buf = malloc(2 * len + 2)) ||
	    !(s->defaults = json_array())) {
		irx_schema_free((irx_schema *)s);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	/* buf: [text][work copy] */
	memcpy(s->buf, text, len + 1);
	s->pub.text = s->buf;
	char *w = s->buf + len + 1;
	memcpy(w, text, len + 1);

	char *open = strchr(w, '(');
	if (!open || open == w)
		goto bad;
	*open = '\0';
	w = trim(w);
	s->pub.name = w;
	if ((dot = strchr(strstr(w, "::") ? strstr(w, "::") : w, '.'))) {
		*dot = '\0';
		s->pub.overload = dot + 1;
	} else {
		s->pub.overload = "";
	}
	/* The matching ')' of the argument list. */
	int depth = 1;
	char quote = 0;
	for (close = open + 1; *close && depth; close++) {
		if (quote) {
			if (*close == '\\' && close[1])
				close++;
			else if (*close == quote)
				quote = 0;
		} else if (*close == '\'' || *close == '"') {
			quote = *close;
		} else if (*close == '(' || *close == '[') {
			depth++;
		} else if (*close == ')' || *close == ']') {
			depth--;
		}
	}
	if (depth)
		goto bad;
	close--;
	*close = '\0';
	args_text = open + 1;
	ret_text = strstr(close + 1, "->");
	if (!ret_text)
		goto bad;
	ret_text = trim(ret_text + 2);

	if ((n = split_top(args_text, ',', pieces, 256)) == (size_t)-1)
		goto bad;
	if (!(s->args = calloc(n ? n : 1, sizeof(*s->args))))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		char *a = trim(pieces[i]), *eq = NULL, *sp;
		int d = 0;
		if (!strcmp(a, "*") || !strcmp(a, "...")) {
			/* "..." (varargs, Python-only operators) ends the named ones too */
			kwarg_only = 1;
			continue;
		}
		for (char *p = a; *p; p++) {
			if (*p == '(' || *p == '[')
				d++;
			else if (*p == ')' || *p == ']')
				d--;
			else if (*p == '=' && d == 0) {
				eq = p;
				break;
			}
		}
		if (eq)
			*eq = '\0';
		a = trim(a);
		if (!(sp = last_top_space(a)))
			goto bad;
		*sp = '\0';
		irx_schema_arg *arg = (irx_schema_arg *)&s->args[s->pub.n_args++];
		arg->type = trim(a);
		arg->name = trim(sp + 1);
		arg->kwarg_only = kwarg_only;
		arg->cls = irx_schema_type_class(arg->type);
		if (eq) {
			json_t *dv = parse_default(arg->type, eq + 1);
			if (!dv || json_array_append_new(s->defaults, dv))
				goto bad;
			arg->default_value = dv;
		}
	}
	s->pub.args = s->args;

	/* Returns: "Tensor", "()", "(Tensor values, Tensor indices)". */
	size_t rlen = strlen(ret_text);
	if (ret_text[0] == '(' && ret_text[rlen - 1] == ')') {
		ret_text[rlen - 1] = '\0';
		ret_text++;
	}
	if ((n = split_top(ret_text, ',', pieces, 256)) == (size_t)-1)
		goto bad;
	if (!(s->rtypes = calloc(n ? n : 1, sizeof(char *))) ||
	    !(s->rnames = calloc(n ? n : 1, sizeof(char *))))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		char *r = trim(pieces[i]), *sp = last_top_space(r);
		if (!*r)
			continue;
		if (sp) {
			*sp = '\0';
			s->rnames[s->pub.n_returns] = trim(sp + 1);
		}
		s->rtypes[s->pub.n_returns++] = trim(r);
	}
	s->pub.return_types = s->rtypes;
	s->pub.return_names = s->rnames;
	*out = &s->pub;
	return IRX_OK;
bad:
	irx_schema_free(&s->pub);
	return bad_schema(err, text, "cannot parse");
oom:
	irx_schema_free(&s->pub);
	return irx_error_set(err, IRX_ENOMEM, "out of memory");
}

/* ---- registry ------------------------------------------------------------- */

struct cached {
	char *key;          /* "aten::add.Tensor" */
	irx_schema *schema; /* NULL: known to have none */
	enum irx_schema_origin origin;
};

struct irx_schema_registry {
	irx_schema **user;
	size_t n_user;
	struct cached *cache;
	size_t n_cache, cap_cache;
};

size_t irx_schema_builtin_count(void) { return graph_schema_table_size; }

irx_status irx_schema_registry_new(irx_schema_registry **out, irx_error *err)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

void irx_schema_registry_free(irx_schema_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_user; i++)
		irx_schema_free(r->user[i]);
	for (size_t i = 0; i < r->n_cache; i++) {
		if (r->cache[i].origin == IRX_SCHEMA_BUILTIN)
			irx_schema_free(r->cache[i].schema);
		free(r->cache[i].key);
	}
	free(r->user);
	free(r->cache);
	free(r);
}

irx_status irx_schema_registry_add_file(irx_schema_registry *r, const char *path, irx_error *err)
{
	irx_blob *b;
	int rc;

	base_source(err, path);
	if ((rc = irx_blob_open(&b, path, err)))
		return rc;
	const char *p = (const char *)irx_blob_data(b), *end = p + irx_blob_size(b);
	for (size_t line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *text = strndup(p, len);
		irx_schema *s;
		p += len + 1;
		if (!text) {
			rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
			break;
		}
		char *t = trim(text);
		if (!*t || *t == '#') {
			free(text);
			continue;
		}
		rc = irx_schema_parse(&s, t, err);
		free(text);
		if (rc) {
			base_where(err, "line %zu", line);
			break;
		}
		irx_schema **nu = realloc(r->user, (r->n_user + 1) * sizeof(*nu));
		if (!nu) {
			irx_schema_free(s);
			rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
			break;
		}
		r->user = nu;
		r->user[r->n_user++] = s;
	}
	irx_blob_free(b);
	/* New user schemas may shadow cached answers. */
	for (size_t i = 0; i < r->n_cache; i++) {
		if (r->cache[i].origin == IRX_SCHEMA_BUILTIN)
			irx_schema_free(r->cache[i].schema);
		free(r->cache[i].key);
	}
	r->n_cache = 0;
	return rc;
}

/* Compare KEY with the part of schema text S before '('. */
static int key_cmp(const char *key, const char *s)
{
	size_t n = strcspn(s, "(");
	int c = strncmp(key, s, n);

	if (c)
		return c;
	return key[n] ? 1 : 0;
}

static const char *builtin_find(const char *key)
{
	size_t lo = 0, hi = graph_schema_table_size;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(key, graph_schema_table[mid]);
		if (c == 0)
			return graph_schema_table[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* "aten.add.Tensor" -> "aten::add.Tensor"; "aten.relu.default" -> "aten::relu". */
int irx_schema_is_operator(const char *op_type)
{
	const char *d1 = strchr(op_type, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

	/* namespace.name.overload: "higher_order.cond", "_operator.mul" and
	 * Python callables such as "torch._functorch.predispatch.f" are not */
	return d1 && d1 > op_type && d2 && d2 > d1 + 1 && d2[1] && !strchr(d2 + 1, '.');
}

const char *irx_schema_unrunnable(const char *op_type)
{
	static const char predispatch[] = "torch._functorch.predispatch.";

	if (!strncmp(op_type, predispatch, sizeof(predispatch) - 1))
		return "torch.vmap's bookkeeping (a pre-dispatch export keeps it as Python calls), "
		       "not an operator: no libtorch runs it; capture with --decompose "
		       "(irx-capture --decompose, or ExportedProgram.run_decompositions())";
	/* operators, higher-order operators and symbolic arithmetic
	 * ("_operator.mul") are the rest of what an export writes */
	if (irx_schema_is_operator(op_type) || !strncmp(op_type, "higher_order.", 13) ||
	    !strncmp(op_type, "_operator.", 10))
		return NULL;
	return "a Python call recorded in the graph, not an operator: no libtorch runs it; "
	       "capture with --decompose (irx-capture --decompose, or "
	       "ExportedProgram.run_decompositions()) to trace through it";
}

static int schema_key(const char *op_type, char *key, size_t size)
{
	const char *d1 = strchr(op_type, '.'), *d2 = d1 ? strrchr(op_type, '.') : NULL;

	if (!irx_schema_is_operator(op_type))
		return -1;
	if (!strcmp(d2 + 1, "default"))
		snprintf(key, size, "%.*s::%.*s", (int)(d1 - op_type), op_type, (int)(d2 - d1 - 1),
			 d1 + 1);
	else
		snprintf(key, size, "%.*s::%s", (int)(d1 - op_type), op_type, d1 + 1);
	return 0;
}

irx_status irx_schema_registry_lookup(const irx_schema **out, enum irx_schema_origin *origin,
				      irx_schema_registry *r, const char *op_type, irx_error *err)
{
	char key[512], full[600];
	struct cached c = {0};
	const char *text;
	int rc;

	*out = NULL;
	if (origin)
		*origin = IRX_SCHEMA_NONE;
	if (schema_key(op_type, key, sizeof(key)))
		return IRX_OK;
	for (size_t i = 0; i < r->n_cache; i++) {
		if (!strcmp(r->cache[i].key, key)) {
			*out = r->cache[i].schema;
			if (origin)
				*origin = r->cache[i].origin;
			return IRX_OK;
		}
	}
	for (size_t i = r->n_user; i-- > 0;) {
		const irx_schema *s = r->user[i];
		snprintf(full, sizeof(full), "%s%s%s", s->name, *s->overload ? "." : "",
			 s->overload);
		if (!strcmp(full, key)) {
			c.schema = r->user[i];
			c.origin = IRX_SCHEMA_USER;
			break;
		}
	}
	if (!c.schema && (text = builtin_find(key))) {
		if ((rc = irx_schema_parse(&c.schema, text, err)))
			return rc;
		c.origin = IRX_SCHEMA_BUILTIN;
	}
	if (r->n_cache == r->cap_cache) {
		size_t cap = r->cap_cache ? r->cap_cache * 2 : 64;
		struct cached *nc = realloc(r->cache, cap * sizeof(*nc));
		if (!nc)
			goto oom;
		r->cache = nc;
		r->cap_cache = cap;
	}
	if (!(c.key = strdup(key)))
		goto oom;
	r->cache[r->n_cache++] = c;
	*out = c.schema;
	if (origin)
		*origin = c.origin;
	return IRX_OK;
oom:
	if (c.origin == IRX_SCHEMA_BUILTIN)
		irx_schema_free(c.schema);
	return irx_error_set(err, IRX_ENOMEM, "out of memory");
}
