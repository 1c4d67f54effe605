/*
 * program.c: torch.export's program JSON, every version, to one form.
 *
 * The input follows torch/_export/serde/schema.py (schema 1 to 8.20);
 * the output is the irx-program document (docs/program-format.md).
 * Rules that hold everywhere below: a missing key means null means the
 * default; a union is an object with one key; enums are integers in the
 * schema's own numbering; an unknown union tag is carried through with a
 * warning, never an error.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irx/dtype.h"
#include "irx/program.h"
#include "graph/graph.h"

struct norm {
	irx_error *err;
	struct base_path path;
	irx_warn_fn warn;
	void *warn_ctx;
	json_t *symbols; /* symbol -> {"hint": n} collected from sizes */
	/* The top graph's tensor values, left unparsed in DATA until the
	 * top graph is normalized (graph_program_open); then NULL. */
	const uint8_t *data;
	const struct fmt_json_deferred *values;
	/* Values made once and shared (shared_string, shared_int). */
	json_t *strings;
	json_t *ints[256];
};

/* Record an error at the current JSON path; return NULL for chaining. */
static json_t *fail(struct norm *n, int code, const char *fmt, ...) BASE_PRINTF(3, 4);
static json_t *fail(struct norm *n, int code, const char *fmt, ...)
{
	va_list ap;

	if (!n->err || !n->err->code) {
		va_start(ap, fmt);
		irx_error_vset(n->err, code, fmt, ap);
		va_end(ap);
		base_where(n->err, "%s", n->path.len ? n->path.buf : "/");
	}
	return NULL;
}

#define OOM(n) fail(n, IRX_ENOMEM, "out of memory")

/* A member that is present and not null, else NULL. */
static json_t *member(const json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_null(v) ? NULL : v;
}

static const char *type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* A required member of the given type. */
static json_t *need(struct norm *n, const json_t *o, const char *key, json_type type)
{
	json_t *v = member(o, key);
	size_t mark = base_path_key(&n->path, key);

	if (!v)
		return fail(n, IRX_EFORMAT, "missing field '%s'", key);
	if (json_typeof(v) != type) {
		json_t *want = type == JSON_OBJECT   ? json_object()
			       : type == JSON_ARRAY  ? json_array()
			       : type == JSON_STRING ? json_string("")
						     : json_integer(0);
		fail(n, IRX_EFORMAT, "'%s' must be %s, not %s", key, type_name(want), type_name(v));
		json_decref(want);
		return NULL;
	}
	base_path_pop(&n->path, mark);
	return v;
}

/*
 * A string that becomes a name in the IR (a node, a tensor, a weight): no
 * control characters, which would print as something else; the error is
 * at the current path.
 */
static int name_ok(struct norm *n, const char *s, size_t len)
{
	if (!base_check_name("name", s, len, n->err))
		return 0;
	base_where(n->err, "%s", n->path.len ? n->path.buf : "/");
	return -1;
}

/* A required string member that becomes a name. */
static json_t *need_name(struct norm *n, const json_t *o, const char *key)
{
	json_t *v = need(n, o, key, JSON_STRING);
	size_t mark;

	if (!v)
		return NULL;
	mark = base_path_key(&n->path, key);
	if (name_ok(n, json_string_value(v), json_string_length(v)))
		return NULL;
	base_path_pop(&n->path, mark);
	return v;
}

/* An optional member: NULL when absent or null, error when of another type. */
static int optional(struct norm *n, const json_t *o, const char *key, json_type type, json_t **out)
{
	json_t *v = member(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!need(n, o, key, type))
		return -1;
	*out = v;
	return 0;
}

/* Set KEY in O to a new reference V; NULL V (an earlier error) fails.
 * Keys are literals or keys of the input, whose UTF-8 the reader has
 * checked. */
static int put(struct norm *n, json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -1;
	if (json_object_set_new_nocheck(o, key, v)) {
		OOM(n);
		return -1;
	}
	return 0;
}

static int push(struct norm *n, json_t *a, json_t *v)
{
	if (!v)
		return -1;
	if (json_array_append_new(a, v)) {
		OOM(n);
		return -1;
	}
	return 0;
}

/* ---- scalars ---------------------------------------------------------- */

/*
 * One value for each name (dtype, layout, device) and, mostly, for each
 * integer: a large model's tensor values repeat a few of them thousands of
 * times, and a jansson value costs 30 to 60 bytes.  Nothing changes a
 * number or a string in place once it is made, so sharing them is safe.
 */
static json_t *shared_string(struct norm *n, const char *s)
{
	json_t *v = json_object_get(n->strings, s);

	if (v)
		return json_incref(v);
	if (!(v = json_string(s)))
		return OOM(n);
	json_object_set(n->strings, s, v); /* failing, it is just not shared */
	return v;
}

static json_t *shared_int(struct norm *n, json_int_t i)
{
	json_t **slot = &n->ints[(unsigned long long)i % 256];

	if (*slot && json_integer_value(*slot) == i)
		return json_incref(*slot);
	json_decref(*slot);
	if (!(*slot = json_integer(i)))
		return OOM(n);
	return json_incref(*slot);
}

static void free_shared(struct norm *n)
{
	json_decref(n->strings);
	for (size_t i = 0; i < 256; i++)
		json_decref(n->ints[i]);
}

static json_t *norm_int(struct norm *n, const json_t *v)
{
	if (json_is_integer(v))
		return shared_int(n, json_integer_value(v));
	if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
	    fabs(json_real_value(v)) < 9.2e18)
		return json_integer((json_int_t)json_real_value(v));
	return fail(n, IRX_EFORMAT, "expected an integer, found %s", type_name(v));
}

static json_t *norm_float(struct norm *n, const json_t *v)
{
	if (json_is_number(v))
		return json_real(json_number_value(v));
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity"))
			return json_string(s);
	}
	return fail(n, IRX_EFORMAT, "expected a number, found %s", type_name(v));
}

static json_t *norm_bool(struct norm *n, const json_t *v)
{
	if (json_is_boolean(v))
		return json_boolean(json_is_true(v));
	return fail(n, IRX_EFORMAT, "expected a boolean, found %s", type_name(v));
}

static json_t *norm_string(struct norm *n, const json_t *v)
{
	if (json_is_string(v))
		return json_incref((json_t *)v);
	return fail(n, IRX_EFORMAT, "expected a string, found %s", type_name(v));
}

/* Map F over array V, with the path following the index. */
static json_t *norm_list(struct norm *n, const json_t *v,
			 json_t *(*f)(struct norm *, const json_t *))
{
	json_t *out, *item;
	size_t i;

	if (!json_is_array(v))
		return fail(n, IRX_EFORMAT, "expected an array, found %s", type_name(v));
	if (!(out = json_array()))
		return OOM(n);
	json_array_foreach(v, i, item) {
		size_t mark = base_path_index(&n->path, i);
		if (push(n, out, f(n, item))) {
			json_decref(out);
			return NULL;
		}
		base_path_pop(&n->path, mark);
	}
	return out;
}

/* Enumerations: an integer code (or, defensively, a name). */
/* irx_dtype_name() of a code read from the input, for norm_enum(). */
static const char *dtype_name(int code) { return irx_dtype_name((enum irx_dtype)code); }

static json_t *norm_enum(struct norm *n, const json_t *v, const char *(*name)(int),
			 const char *what)
{
	const char *s;

	if (json_is_string(v))
		return shared_string(n, json_string_value(v));
	if (!json_is_integer(v))
		return fail(n, IRX_EFORMAT, "%s must be an integer code, found %s", what,
			    type_name(v));
	if (json_integer_value(v) < 0 || json_integer_value(v) > 1000 ||
	    !(s = name((int)json_integer_value(v))))
		return fail(n, IRX_EUNSUPPORTED, "unknown %s code %lld", what,
			    (long long)json_integer_value(v));
	return shared_string(n, s);
}

static json_t *norm_dtype(struct norm *n, const json_t *v)
{
	if (json_is_string(v)) {
		int d = irx_dtype_from_name(json_string_value(v));
		if (d)
			return shared_string(n, irx_dtype_name(d));
		return fail(n, IRX_EUNSUPPORTED, "unknown dtype '%s'", json_string_value(v));
	}
	if (json_is_integer(v) && json_integer_value(v) == 0)
		return fail(n, IRX_EUNSUPPORTED, "dtype code 0 (UNKNOWN)");
	return norm_enum(n, v, dtype_name, "dtype");
}

static json_t *norm_layout(struct norm *n, const json_t *v)
{
	return norm_enum(n, v, irx_layout_name, "layout");
}

static json_t *norm_memory_format(struct norm *n, const json_t *v)
{
	return norm_enum(n, v, irx_memory_format_name, "memory format");
}

/* Device {"type": "cuda", "index": 0} -> "cuda:0" */
static json_t *norm_device(struct norm *n, const json_t *v)
{
	json_t *type, *index;
	char buf[96];

	if (json_is_string(v))
		return shared_string(n, json_string_value(v));
	if (!(type = need(n, v, "type", JSON_STRING)) ||
	    optional(n, v, "index", JSON_INTEGER, &index))
		return NULL;
	if (index)
		snprintf(buf, sizeof(buf), "%.80s:%lld", json_string_value(type),
			 (long long)json_integer_value(index));
	else
		snprintf(buf, sizeof(buf), "%.80s", json_string_value(type));
	return shared_string(n, buf);
}

/*
 * The member of a union value.  Three encodings exist: {"tag": v} (schema
 * >= 5), {"$type": tag, "$value": v} (a 2024 development window), and
 * every member present with all but one null (schema 2, torch 2.2).
 * Returns 0 and sets TAG/PAYLOAD, or -1 when V is no union.
 */
static int union_pick(const json_t *v, const char **tag, json_t **payload)
{
	const char *k, *found = NULL;
	json_t *x, *t;

	if (!json_is_object(v))
		return -1;
	if ((t = json_object_get(v, "$type")) && json_is_string(t)) {
		*tag = json_string_value(t);
		*payload = json_object_get(v, "$value");
		return *payload ? 0 : -1;
	}
	if (json_object_size(v) == 1) {
		void *it = json_object_iter((json_t *)v);
		*tag = json_object_iter_key(it);
		*payload = json_object_iter_value(it);
		return 0;
	}
	json_object_foreach((json_t *)v, k, x) {
		if (json_is_null(x))
			continue;
		if (found)
			return -1;
		found = k;
		*payload = x;
	}
	if (!found && json_object_get(v, "as_none")) {
		*tag = "as_none";
		*payload = json_object_get(v, "as_none");
		return 0;
	}
	if (!found)
		return -1;
	*tag = found;
	return 0;
}

/* ---- symbolic integers -------------------------------------------------- */

/* "Symbol('s77', positive=True, integer=True)" -> "s77" when it is one. */
static int bare_symbol(const char *expr_text, char *name, size_t size)
{
	const char *p = expr_text, *q;

	if (strncmp(p, "Symbol('", 8) == 0) {
		p += 8;
		if (!(q = strchr(p, '\'')) || (size_t)(q - p) >= size)
			return 0;
		memcpy(name, p, (size_t)(q - p));
		name[q - p] = '\0';
		return 1;
	}
	return 0;
}

/* SymInt union: as_int -> integer; as_expr -> readable expression string. */
static json_t *norm_symint(struct norm *n, const json_t *v)
{
	const char *tag;
	json_t *x;

	if (json_is_integer(v)) /* torch 2.1 wrote some as plain ints */
		return json_integer(json_integer_value(v));
	if (union_pick(v, &tag, &x))
		return fail(n, IRX_EFORMAT, "SymInt must be a one-member union");
	if (!strcmp(tag, "as_int")) {
		size_t mark = base_path_key(&n->path, "as_int");
		json_t *r = norm_int(n, x);
		if (r)
			base_path_pop(&n->path, mark);
		return r;
	}
	if (!strcmp(tag, "as_expr")) {
		json_t *text, *hint, *h;
		char sym[128];
		char *infix;

		size_t mark = base_path_key(&n->path, "as_expr");
		if (json_is_string(x)) { /* torch 2.1 SymBool form */
			text = x;
			hint = NULL;
		} else {
			if (!(text = need(n, x, "expr_str", JSON_STRING)))
				return NULL;
			hint = member(x, "hint");
		}
		if (!(infix = graph_symexpr(json_string_value(text))))
			return OOM(n);
		h = json_is_integer(hint) ? hint : member(hint, "as_int");
		/* A bare symbol (srepr, or the plain "s0" of torch <= 2.5) gets an
		 * entry in the symbol table, with its hint. */
		if (bare_symbol(json_string_value(text), sym, sizeof(sym)) ||
		    (infix[0] >= 'a' && infix[0] <= 'z' &&
		     strspn(infix, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(infix) &&
		     snprintf(sym, sizeof(sym), "%s", infix) > 0)) {
			if (!json_object_get(n->symbols, sym)) {
				json_t *entry = json_object();
				if (!entry || json_object_set_new(n->symbols, sym, entry)) {
					free(infix);
					return OOM(n);
				}
			}
			if (json_is_integer(h))
				json_object_set_new(json_object_get(n->symbols, sym), "hint",
						    json_integer(json_integer_value(h)));
		}
		json_t *r = json_string(infix);
		free(infix);
		base_path_pop(&n->path, mark);
		return r ? r : OOM(n);
	}
	return fail(n, IRX_EFORMAT, "SymInt has unknown member '%s'", tag);
}

/* Sym*Argument: as_name -> {"name": s}; as_int/as_bool/as_float -> value */
static json_t *norm_sym_arg(struct norm *n, const json_t *v, const char *value_key,
			    json_t *(*value)(struct norm *, const json_t *))
{
	json_t *x;

	if (json_is_object(v) && (x = json_object_get(v, "as_name")) && json_is_string(x))
		return json_pack("{s:s}", "name", json_string_value(x));
	if (json_is_object(v) && (x = json_object_get(v, value_key)))
		return value(n, x);
	return fail(n, IRX_EFORMAT, "expected {\"as_name\": ...} or {\"%s\": ...}", value_key);
}

static json_t *norm_sym_int_arg(struct norm *n, const json_t *v)
{
	return norm_sym_arg(n, v, "as_int", norm_int);
}

static json_t *norm_sym_bool_arg(struct norm *n, const json_t *v)
{
	return norm_sym_arg(n, v, "as_bool", norm_bool);
}

static json_t *norm_sym_float_arg(struct norm *n, const json_t *v)
{
	return norm_sym_arg(n, v, "as_float", norm_float);
}

/* ---- tensors -------------------------------------------------------------- */

/* TensorArgument {"name": s} (torch 2.1 sometimes a bare string) -> s */
static json_t *norm_tensor_name(struct norm *n, const json_t *v)
{
	json_t *name;

	if (json_is_string(v))
		return name_ok(n, json_string_value(v), json_string_length(v))
			       ? NULL
			       : json_incref((json_t *)v);
	if (!(name = need_name(n, v, "name")))
		return NULL;
	return json_incref((json_t *)name);
}

/* OptionalTensorArgument: as_tensor -> name, as_none -> null */
static json_t *norm_optional_tensor(struct norm *n, const json_t *v)
{
	const char *tag;
	json_t *t;

	if (union_pick(v, &tag, &t) == 0 && !strcmp(tag, "as_none"))
		return json_null();
	if (union_pick(v, &tag, &t) == 0 && !strcmp(tag, "as_tensor")) {
		size_t mark = base_path_key(&n->path, "as_tensor");
		json_t *r = norm_tensor_name(n, t);
		if (r)
			base_path_pop(&n->path, mark);
		return r;
	}
	return fail(n, IRX_EFORMAT, "optional tensor must be as_tensor or as_none");
}

static json_t *norm_tensor_names(struct norm *n, const json_t *v)
{
	return norm_list(n, v, norm_tensor_name);
}

/* Element count and byte size of a static shape must fit in int64. */
static int check_shape(struct norm *n, const json_t *shape, const json_t *dtype)
{
	uint64_t count = 1, bytes;
	size_t i;
	json_t *d;
	int symbolic = 0;

	json_array_foreach(shape, i, d) {
		if (!json_is_integer(d)) {
			symbolic = 1;
			continue;
		}
		if (json_integer_value(d) < 0) {
			base_path_index(&n->path, i);
			fail(n, IRX_EFORMAT, "negative size %lld",
			     (long long)json_integer_value(d));
			return -1;
		}
		if (!base_mul_ok(count, (uint64_t)json_integer_value(d), &count) ||
		    count > INT64_MAX) {
			fail(n, IRX_EFORMAT, "shape has more elements than int64 can count");
			return -1;
		}
	}
	size_t es = irx_dtype_size(irx_dtype_from_name(json_string_value(dtype)));
	if (!symbolic && (!base_mul_ok(count, es, &bytes) || bytes > INT64_MAX)) {
		fail(n, IRX_EFORMAT, "shape needs more bytes than int64 can count");
		return -1;
	}
	return 0;
}

/* TensorMeta -> {"dtype", "shape", "strides", "storage_offset", "device",
 * "requires_grad", "layout"} */
static json_t *norm_tensor_meta(struct norm *n, const json_t *v)
{
	json_t *out, *x, *sizes;

	if (json_is_object(v) && !member(v, "dtype") && member(v, "meta"))
		v = member(v, "meta"); /* torch 2.1 TensorValue wrapper */
	if (!json_is_object(v))
		return fail(n, IRX_EFORMAT, "tensor meta must be an object, not %s", type_name(v));
	if (!(out = json_object()))
		return OOM(n);
	size_t mark;
#define FIELD(key, outkey, fn)               \
	mark = base_path_key(&n->path, key); \
	if (put(n, out, outkey, fn))         \
		goto fail;                   \
	base_path_pop(&n->path, mark);

	if (!member(v, "dtype")) {
		fail(n, IRX_EFORMAT, "missing field 'dtype'");
		goto fail;
	}
	FIELD("dtype", "dtype", norm_dtype(n, member(v, "dtype")));
	if (!(sizes = need(n, v, "sizes", JSON_ARRAY)))
		goto fail;
	FIELD("sizes", "shape", norm_list(n, sizes, norm_symint));
	mark = base_path_key(&n->path, "sizes");
	if (check_shape(n, json_object_get(out, "shape"), json_object_get(out, "dtype")))
		goto fail;
	base_path_pop(&n->path, mark);
	if ((x = member(v, "strides"))) {
		FIELD("strides", "strides", norm_list(n, x, norm_symint));
	}
	if ((x = member(v, "storage_offset"))) {
		FIELD("storage_offset", "storage_offset", norm_symint(n, x));
	} else if (put(n, out, "storage_offset", json_integer(0))) {
		goto fail;
	}
	if ((x = member(v, "device"))) {
		FIELD("device", "device", norm_device(n, x));
	}
	if ((x = member(v, "requires_grad"))) {
		FIELD("requires_grad", "requires_grad", norm_bool(n, x));
	}
	if ((x = member(v, "layout"))) {
		FIELD("layout", "layout", norm_layout(n, x));
	}
#undef FIELD
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* ---- arguments ------------------------------------------------------------ */

static json_t *norm_graph(struct norm *n, const json_t *g);

static json_t *norm_complex(struct norm *n, const json_t *v)
{
	json_t *re, *im;

	if (!(re = member(v, "real")) || !(im = member(v, "imag")))
		return fail(n, IRX_EFORMAT, "complex value needs 'real' and 'imag'");
	if (!(re = norm_float(n, re)))
		return NULL;
	if (!(im = norm_float(n, im))) {
		json_decref(re);
		return NULL;
	}
	return json_pack("[oo]", re, im);
}

static json_t *norm_graph_arg(struct norm *n, const json_t *v)
{
	json_t *name, *graph, *out;
	size_t mark;

	if (!(name = need(n, v, "name", JSON_STRING)) ||
	    !(graph = need(n, v, "graph", JSON_OBJECT)))
		return NULL;
	mark = base_path_key(&n->path, "graph");
	if (!(graph = norm_graph(n, graph)))
		return NULL;
	base_path_pop(&n->path, mark);
	out = json_pack("{s:s,s:o}", "name", json_string_value(name), "graph", graph);
	return out ? out : OOM(n);
}

static json_t *norm_custom_obj(struct norm *n, const json_t *v)
{
	json_t *name = member(v, "name"), *fqn = member(v, "class_fqn");

	if (member(v, "blob")) /* torch 2.1 */
		return json_pack("{s:O}", "blob", member(v, "blob"));
	if (!json_is_string(name))
		return fail(n, IRX_EFORMAT, "custom object needs a 'name'");
	return json_pack("{s:s,s:s?}", "name", json_string_value(name), "class_fqn",
			 json_is_string(fqn) ? json_string_value(fqn) : NULL);
}

/* torch.ops.aten.add.Tensor -> aten.add.Tensor */
static const char *short_target(const char *t)
{
	return strncmp(t, "torch.ops.", 10) == 0 ? t + 10 : t;
}

static json_t *norm_operator(struct norm *n, const json_t *v)
{
	if (!json_is_string(v))
		return fail(n, IRX_EFORMAT, "operator must be a string");
	return json_string(short_target(json_string_value(v)));
}

static json_t *norm_arg(struct norm *n, const json_t *v);

static json_t *norm_string_to_arg(struct norm *n, const json_t *v)
{
	const char *k;
	json_t *x, *out;

	if (!json_is_object(v))
		return fail(n, IRX_EFORMAT, "expected an object, found %s", type_name(v));
	if (!(out = json_object()))
		return OOM(n);
	json_object_foreach((json_t *)v, k, x) {
		size_t mark = base_path_key(&n->path, k);
		if (put(n, out, k, norm_arg(n, x))) {
			json_decref(out);
			return NULL;
		}
		base_path_pop(&n->path, mark);
	}
	return out;
}

static json_t *norm_ints(struct norm *n, const json_t *v) { return norm_list(n, v, norm_int); }
static json_t *norm_floats(struct norm *n, const json_t *v) { return norm_list(n, v, norm_float); }

static json_t *norm_none(struct norm *n, const json_t *v) { return json_null(); }

/* Argument union member -> (irx key, value normalizer). */
static const struct arg_kind {
	const char *tag, *key;
	json_t *(*fn)(struct norm *, const json_t *);
	int list; /* the payload is a list of fn's items */
} arg_kinds[] = {
	{"as_none", "none", norm_none, 0},
	{"as_tensor", "tensor", norm_tensor_name, 0},
	{"as_tensors", "tensors", norm_tensor_name, 1},
	{"as_int", "int", norm_int, 0},
	{"as_ints", "ints", norm_int, 1},
	{"as_float", "float", norm_float, 0},
	{"as_floats", "floats", norm_float, 1},
	{"as_string", "string", norm_string, 0},
	{"as_strings", "strings", norm_string, 1},
	{"as_bool", "bool", norm_bool, 0},
	{"as_bools", "bools", norm_bool, 1},
	{"as_sym_int", "sym_int", norm_sym_int_arg, 0},
	{"as_sym_ints", "sym_ints", norm_sym_int_arg, 1},
	{"as_sym_bool", "sym_bool", norm_sym_bool_arg, 0},
	{"as_sym_bools", "sym_bools", norm_sym_bool_arg, 1},
	{"as_sym_float", "sym_float", norm_sym_float_arg, 0},
	{"as_sym_floats", "sym_floats", norm_sym_float_arg, 1},
	{"as_scalar_type", "scalar_type", norm_dtype, 0},
	{"as_memory_format", "memory_format", norm_memory_format, 0},
	{"as_layout", "layout", norm_layout, 0},
	{"as_device", "device", norm_device, 0},
	{"as_optional_tensor", "optional_tensor", norm_optional_tensor, 0},
	{"as_optional_tensors", "optional_tensors", norm_optional_tensor, 1},
	{"as_graph", "graph", norm_graph_arg, 0},
	{"as_custom_obj", "custom_obj", norm_custom_obj, 0},
	{"as_operator", "operator", norm_operator, 0},
	{"as_complex", "complex", norm_complex, 0},
	{"as_nested_tensors", "nested_tensors", norm_tensor_names, 1},
	{"as_int_lists", "int_lists", norm_ints, 1},
	{"as_float_lists", "float_lists", norm_floats, 1},
	{"as_string_to_argument", "string_to_argument", norm_string_to_arg, 0},
};

static int union_member(struct norm *n, const json_t *v, const char **tag, json_t **payload)
{
	if (!json_is_object(v)) {
		fail(n, IRX_EFORMAT, "union must be an object, not %s", type_name(v));
		return -1;
	}
	if (union_pick(v, tag, payload)) {
		if (json_object_get(v, "$type"))
			fail(n, IRX_EFORMAT, "union has \"$type\" but no \"$value\"");
		else
			fail(n, IRX_EFORMAT, "union must have exactly one member, has %zu",
			     json_object_size(v));
		return -1;
	}
	return 0;
}

/* An unknown union member from a newer schema: kept as it is, warned. */
static json_t *unknown_member(struct norm *n, const char *tag, json_t *payload)
{
	base_warn(n->warn, n->warn_ctx,
		  "%s: unknown union member '%s' (newer schema?); carried through",
		  n->path.len ? n->path.buf : "/", tag);
	return json_pack("{s:{s:s,s:O?}}", "unknown", "tag", tag, "value", payload);
}

static json_t *norm_arg(struct norm *n, const json_t *v)
{
	const char *tag;
	json_t *payload, *val;

	if (union_member(n, v, &tag, &payload))
		return NULL;
	for (size_t i = 0; i < sizeof(arg_kinds) / sizeof(arg_kinds[0]); i++) {
		const struct arg_kind *k = &arg_kinds[i];
		if (strcmp(tag, k->tag) != 0)
			continue;
		size_t mark = base_path_key(&n->path, tag);
		val = k->list ? norm_list(n, payload, k->fn) : k->fn(n, payload);
		if (!val)
			return NULL;
		base_path_pop(&n->path, mark);
		json_t *out = json_object();
		if (!out || json_object_set_new_nocheck(out, k->key, val)) {
			json_decref(out);
			return OOM(n);
		}
		return out;
	}
	return unknown_member(n, tag, payload);
}

static json_t *norm_args(struct norm *n, const json_t *v) { return norm_list(n, v, norm_arg); }

/* ---- nodes ---------------------------------------------------------------- */

/* nn_module_stack "key,path,type;key,path,type" -> innermost path and type. */
static int module_of(const char *stack, json_t *node)
{
	const char *last = strrchr(stack, ';');
	const char *item = last ? last + 1 : stack;
	const char *c1 = strchr(item, ','), *c2 = strrchr(item, ',');

	if (!c1 || c2 == c1)
		return 0;
	/* Cut at commas from a jansson string: UTF-8 still. */
	json_object_set_new_nocheck(node, "module_path",
				    json_stringn_nocheck(c1 + 1, (size_t)(c2 - c1 - 1)));
	json_object_set_new_nocheck(node, "module_type", json_string_nocheck(c2 + 1));
	return 0;
}

/*
 * stack_trace: Python's traceback text.  The user's line is the last
 * 'File "f.py", line N, in fn' frame outside torch itself (torch's
 * nn.Linear is not where the user wrote anything), with its code line:
 * "f.py:N in fn: code".
 */
static int in_torch(const char *file)
{
	const char *q = strchr(file, '"');
	return q && memmem(file, (size_t)(q - file), "packages/torch/", 15);
}

static void source_of(const char *trace, json_t *node)
{
	const char *frame = NULL, *any = NULL, *p = trace;

	while ((p = strstr(p, "File \""))) {
		any = p;
		if (!in_torch(p + 6))
			frame = p;
		p += 6;
	}
	if (!frame)
		frame = any;
	if (!frame)
		return;
	const char *file = frame + 6, *q = strchr(file, '"');
	if (!q)
		return;
	long line = 0;
	const char *ln = strstr(q, ", line ");
	const char *in = strstr(q, ", in ");
	if (ln)
		line = strtol(ln + 7, NULL, 10);
	size_t fnlen = 0;
	if (in) {
		in += 5;
		fnlen = strcspn(in, "\n");
	}
	const char *code = in ? strchr(in, '\n') : NULL;
	size_t codelen = 0;
	if (code) {
		code++;
		while (*code == ' ')
			code++;
		codelen = strcspn(code, "\n");
	}
	/* "file:line in fn: code", from pieces of TRACE cut at ASCII bytes:
	 * UTF-8, as TRACE is, so the string is made unchecked (formatting
	 * and checking it was a seventh of normalizing a node). */
	char num[24];
	int numlen = snprintf(num, sizeof(num), ":%ld", line);
	size_t filelen = (size_t)(q - file);
	size_t len = filelen + (size_t)numlen + (in ? 4 + fnlen : 0) + (codelen ? 2 + codelen : 0);
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return; /* the source is extra; the node goes on without it */
	o = mempcpy(o, file, filelen);
	o = mempcpy(o, num, (size_t)numlen);
	if (in)
		o = mempcpy(mempcpy(o, " in ", 4), in, fnlen);
	if (codelen)
		memcpy(mempcpy(o, ": ", 2), code, codelen);
	json_object_set_new_nocheck(node, "source", json_stringn_nocheck(out, len));
	free(out);
}

static int node_metadata(struct norm *n, const json_t *meta, json_t *node)
{
	json_t *rest, *x;
	const char *k;

	if (!meta)
		return 0;
	if (!json_is_object(meta)) {
		fail(n, IRX_EFORMAT, "node metadata must be an object");
		return -1;
	}
	if ((x = member(meta, "nn_module_stack")) && json_is_string(x))
		module_of(json_string_value(x), node);
	if ((x = member(meta, "stack_trace")) && json_is_string(x))
		source_of(json_string_value(x), node);
	if (!(rest = json_object()))
		return OOM(n), -1;
	json_object_foreach((json_t *)meta, k, x)
		if (strcmp(k, "stack_trace") && strcmp(k, "nn_module_stack"))
			json_object_set(rest, k, x);
	return put(n, node, "metadata", rest);
}

/*
 * A node without a name (torch < 2.7): its single output's name, else the
 * operator's name made unique in the graph.
 */
static json_t *node_name(const json_t *raw, const json_t *outputs, const char *target, json_t *used)
{
	json_t *name = member(raw, "name"), *t;
	char buf[256];

	if (json_is_string(name) && json_string_length(name))
		return json_incref((json_t *)name);
	if (json_array_size(outputs) == 1 &&
	    (t = json_object_get(json_array_get(outputs, 0), "tensor")) && json_is_string(t) &&
	    !json_object_get(used, json_string_value(t)))
		return json_incref((json_t *)t);
	const char *op = target;
	/* aten.max.dim -> max_dim; higher_order.cond -> cond */
	const char *dot = strchr(op, '.');
	snprintf(buf, sizeof(buf), "%s", dot ? dot + 1 : op);
	for (char *c = buf; *c; c++)
		if (*c == '.' || *c == ':' || *c == '#')
			*c = '_';
	/* leave room for the "_N" that makes the name unique */
	size_t base = strlen(buf) < sizeof(buf) - 16 ? strlen(buf) : sizeof(buf) - 16;
	buf[base] = '\0';
	for (int i = 1; json_object_get(used, buf); i++)
		snprintf(buf + base, sizeof(buf) - base, "_%d", i);
	return json_string(buf);
}

static json_t *norm_named_arg(struct norm *n, const json_t *v)
{
	json_t *name, *arg, *kind, *out;

	if (!json_is_object(v))
		return fail(n, IRX_EFORMAT, "named argument must be an object");
	if (!(name = need(n, v, "name", JSON_STRING)) || !(arg = need(n, v, "arg", JSON_OBJECT)))
		return NULL;
	size_t mark = base_path_key(&n->path, "arg");
	if (!(arg = norm_arg(n, arg)))
		return NULL;
	base_path_pop(&n->path, mark);
	/* each set takes its value, set or not */
	int lost = !(out = json_object());
	lost |= json_object_set_nocheck(out, "name", name);
	lost |= json_object_set_new_nocheck(out, "arg", arg);
	if (lost) {
		json_decref(out);
		return OOM(n);
	}
	kind = member(v, "kind");
	if (json_is_integer(kind) && json_integer_value(kind) == 1)
		json_object_set_new_nocheck(out, "kind", shared_string(n, "positional"));
	else if (json_is_integer(kind) && json_integer_value(kind) == 2)
		json_object_set_new_nocheck(out, "kind", shared_string(n, "keyword"));
	return out;
}

static json_t *norm_node(struct norm *n, const json_t *v, json_t *used)
{
	json_t *target, *inputs, *outputs, *node = NULL, *x;
	size_t mark;

	if (!json_is_object(v))
		return fail(n, IRX_EFORMAT, "node must be an object");
	if (!(target = need(n, v, "target", JSON_STRING)))
		return NULL;
	if (json_is_string(x = member(v, "name")) && !need_name(n, v, "name"))
		return NULL;
	mark = base_path_key(&n->path, "inputs");
	inputs = member(v, "inputs") ? norm_list(n, member(v, "inputs"), norm_named_arg)
				     : json_array();
	if (!inputs)
		return NULL;
	base_path_pop(&n->path, mark);
	mark = base_path_key(&n->path, "outputs");
	outputs = member(v, "outputs") ? norm_args(n, member(v, "outputs")) : json_array();
	if (!outputs)
		goto fail;
	base_path_pop(&n->path, mark);
	const char *t = short_target(json_string_value(target));
	json_t *name = node_name(v, outputs, t, used);
	if (!name || json_object_set(used, json_string_value(name), json_true()))
		goto fail;
	/* Each set takes its value, set or not.  T is the tail of a jansson
	 * string: UTF-8 already. */
	int lost = !(node = json_object());
	lost |= json_object_set_new_nocheck(node, "name", name);
	lost |= json_object_set_new_nocheck(node, "target", json_string_nocheck(t));
	lost |= json_object_set_new_nocheck(node, "inputs", inputs);
	lost |= json_object_set_new_nocheck(node, "outputs", outputs);
	inputs = outputs = NULL;
	if (lost)
		goto oom;
	if ((x = member(v, "is_hop_single_tensor_return")) && json_is_boolean(x))
		json_object_set(node, "hop_single_tensor_return", x);
	mark = base_path_key(&n->path, "metadata");
	if (node_metadata(n, member(v, "metadata"), node))
		goto fail;
	base_path_pop(&n->path, mark);
	return node;
oom:
	OOM(n);
fail:
	json_decref(inputs);
	json_decref(outputs);
	json_decref(node);
	return NULL;
}

/* ---- graphs --------------------------------------------------------------- */

/* OUT[K] = f(X) */
static int norm_map_member(struct norm *n, json_t *out, const char *k, const json_t *x,
			   json_t *(*f)(struct norm *, const json_t *))
{
	size_t mark = base_path_key(&n->path, k);

	if (name_ok(n, k, strlen(k)) || put(n, out, k, f(n, x)))
		return -1;
	base_path_pop(&n->path, mark);
	return 0;
}

/* {name: X} -> {name: f(X)} */
static json_t *norm_map(struct norm *n, const json_t *v,
			json_t *(*f)(struct norm *, const json_t *))
{
	json_t *out, *x;
	const char *k;

	if (!json_is_object(v))
		return fail(n, IRX_EFORMAT, "expected an object, found %s", type_name(v));
	if (!(out = json_object()))
		return OOM(n);
	json_object_foreach((json_t *)v, k, x) {
		if (norm_map_member(n, out, k, x, f)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int duplicate_key(struct norm *n, const char *k)
{
	base_path_key(&n->path, k);
	fail(n, IRX_EFORMAT, "duplicate key '%.200s'", k);
	return -1;
}

/*
 * Members whose values have the same text, normalized once.  A model's
 * tensor values repeat: every layer of a Llama gives its tensors the same
 * dtype, sizes and strides, and the 5,511 values of a Llama-70B-config
 * program have 47 different texts.  Normalizing is a function of the text
 * alone (a symbol a value names is only collected again), and nothing
 * changes a normalized value in place, so equal text shares one value
 * (borrowed here from the map being built).
 */
struct memo_slot {
	const uint8_t *text;
	size_t len;
	json_t *v;
};

struct text_memo {
	struct memo_slot *slots;
	size_t mask;
};

static struct memo_slot *memo_slot(struct text_memo *m, const uint8_t *text, size_t len)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	if (!m->slots)
		return NULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ text[i]) * 1099511628211ULL;
	for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
		struct memo_slot *s = &m->slots[i];
		if (!s->v || (s->len == len && !memcmp(s->text, text, len)))
			return s;
	}
}

/* The same for an object left unparsed (D's members), one member at a
 * time.  The parser refuses a key given twice in an object it reads
 * whole; here that is ours to refuse. */
static json_t *norm_deferred_map(struct norm *n, const struct fmt_json_deferred *d,
				 json_t *(*f)(struct norm *, const json_t *))
{
	json_t *out = json_object(), *x;
	struct text_memo memo = {0};
	size_t cap = 16;
	char *k, where[600];
	int rc = 0;

	if (!out)
		return OOM(n);
	while (cap < 2 * d->n && cap <= SIZE_MAX / 4)
		cap *= 2;
	if ((memo.slots = calloc(cap, sizeof(*memo.slots)))) /* without, no sharing */
		memo.mask = cap - 1;
	for (size_t i = 0; !rc && i < d->n; i++) {
		struct fmt_json_span value;
		x = NULL;
		if (fmt_json_member_key(&k, &value, n->data, d->spans[i], n->err)) {
			rc = -1;
			break;
		}
		const uint8_t *text = n->data + value.start;
		size_t len = value.end - value.start;
		struct memo_slot *seen = memo_slot(&memo, text, len);
		if (json_object_get(out, k)) {
			rc = duplicate_key(n, k);
		} else if (seen && seen->v) {
			size_t mark = base_path_key(&n->path, k);
			rc = name_ok(n, k, strlen(k)) || put(n, out, k, json_incref(seen->v));
			base_path_pop(&n->path, mark);
		} else {
			snprintf(where, sizeof(where), "%s/%s", n->path.buf, k);
			rc = fmt_json_parse_span(&x, n->data, value, where, n->err) ||
			     norm_map_member(n, out, k, x, f);
			json_decref(x);
			if (!rc && seen)
				*seen = (struct memo_slot){text, len, json_object_get(out, k)};
		}
		free(k);
	}
	free(memo.slots);
	if (rc) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* SymInt/SymBool/SymFloat value tables -> {"type": t, "value": v} */
static json_t *sym_value(struct norm *n, const json_t *v, const char *type, const char *value_key,
			 json_t *(*value)(struct norm *, const json_t *))
{
	const char *tag;
	json_t *x, *val;

	if (union_pick(v, &tag, &x) == 0 && !strcmp(tag, value_key))
		val = value(n, x);
	else if (union_pick(v, &tag, &x) == 0 && !strcmp(tag, "as_expr"))
		val = norm_symint(n, v);
	else
		return fail(n, IRX_EFORMAT, "symbolic %s value must be %s or as_expr", type,
			    value_key);
	return val ? json_pack("{s:s,s:o}", "type", type, "value", val) : NULL;
}

static json_t *sym_int_value(struct norm *n, const json_t *v)
{
	return sym_value(n, v, "int", "as_int", norm_int);
}

static json_t *sym_bool_value(struct norm *n, const json_t *v)
{
	return sym_value(n, v, "bool", "as_bool", norm_bool);
}

static json_t *sym_float_value(struct norm *n, const json_t *v)
{
	return sym_value(n, v, "float", "as_float", norm_float);
}

static json_t *norm_graph(struct norm *n, const json_t *g)
{
	json_t *out = json_object(), *nodes, *x, *used = json_object(), *syms;
	size_t mark, i;

	if (!out || !used)
		goto oom;
	if (!json_is_object(g)) {
		fail(n, IRX_EFORMAT, "graph must be an object, not %s", type_name(g));
		goto fail;
	}
	mark = base_path_key(&n->path, "inputs");
	if (put(n, out, "inputs",
		member(g, "inputs") ? norm_args(n, member(g, "inputs")) : json_array()))
		goto fail;
	base_path_pop(&n->path, mark);
	mark = base_path_key(&n->path, "outputs");
	if (put(n, out, "outputs",
		member(g, "outputs") ? norm_args(n, member(g, "outputs")) : json_array()))
		goto fail;
	base_path_pop(&n->path, mark);

	if (!(x = need(n, g, "nodes", JSON_ARRAY)) || !(nodes = json_array()) ||
	    json_object_set_new(out, "nodes", nodes))
		goto fail;
	mark = base_path_key(&n->path, "nodes");
	for (i = 0; i < json_array_size(x); i++) {
		size_t m2 = base_path_index(&n->path, i);
		if (push(n, nodes, norm_node(n, json_array_get(x, i), used)))
			goto fail;
		base_path_pop(&n->path, m2);
		/* The raw node is no longer needed: drop it now, so the two
		 * trees never both hold the whole program (peak memory). */
		json_array_set_new((json_t *)x, i, json_null());
	}
	base_path_pop(&n->path, mark);

	mark = base_path_key(&n->path, "tensor_values");
	/* The top graph's values were left unparsed (an empty object stands
	 * for them; an array or a scalar is refused as it is); a subgraph's
	 * come whole. */
	const struct fmt_json_deferred *deferred = n->values;
	n->values = NULL;
	x = member(g, "tensor_values");
	if (put(n, out, "values",
		!x                              ? json_object()
		: deferred && json_is_object(x) ? norm_deferred_map(n, deferred, norm_tensor_meta)
						: norm_map(n, x, norm_tensor_meta)))
		goto fail;
	json_object_clear(member(g, "tensor_values"));
	base_path_pop(&n->path, mark);

	if (!(syms = json_object()) || json_object_set_new(out, "sym_values", syms))
		goto oom;
	static const struct {
		const char *key;
		json_t *(*fn)(struct norm *, const json_t *);
	} tables[] = {
		{"sym_int_values", sym_int_value},
		{"sym_bool_values", sym_bool_value},
		{"sym_float_values", sym_float_value},
	};
	for (size_t t = 0; t < 3; t++) {
		json_t *m;
		const char *k;
		if (!(x = member(g, tables[t].key)))
			continue;
		mark = base_path_key(&n->path, tables[t].key);
		if (!(m = norm_map(n, x, tables[t].fn)))
			goto fail;
		base_path_pop(&n->path, mark);
		json_object_foreach(m, k, x)
			json_object_set(syms, k, x);
		json_decref(m);
	}
	if ((x = member(g, "custom_obj_values"))) {
		mark = base_path_key(&n->path, "custom_obj_values");
		if (put(n, out, "custom_objs", norm_map(n, x, norm_custom_obj)))
			goto fail;
		base_path_pop(&n->path, mark);
	}
	x = member(g, "is_single_tensor_return");
	json_object_set_new(out, "single_tensor_return", json_boolean(json_is_true(x)));
	json_decref(used);
	return out;
oom:
	OOM(n);
fail:
	json_decref(used);
	json_decref(out);
	return NULL;
}

/* ---- signature ------------------------------------------------------------ */

struct spec_kind {
	const char *tag, *kind, *target_key;
	int arg_is_argument; /* arg is a full Argument, not a TensorArgument */
};

static const struct spec_kind input_kinds[] = {
	{"user_input", "user_input", NULL, 1},
	{"parameter", "parameter", "parameter_name", 0},
	{"buffer", "buffer", "buffer_name", 0},
	{"tensor_constant", "constant_tensor", "tensor_constant_name", 0},
	{"custom_obj", "custom_obj", "custom_obj_name", 0},
	{"constant_input", "constant_input", NULL, 0},
	{"token", "token", NULL, 0},
};

static const struct spec_kind output_kinds[] = {
	{"user_output", "user_output", NULL, 1},
	{"loss_output", "loss_output", NULL, 0},
	{"buffer_mutation", "buffer_mutation", "buffer_name", 0},
	{"gradient_to_parameter", "gradient_to_parameter", "parameter_name", 0},
	{"gradient_to_user_input", "gradient_to_user_input", "user_input_name", 0},
	{"user_input_mutation", "user_input_mutation", "user_input_name", 0},
	{"token", "token", NULL, 0},
	{"parameter_mutation", "parameter_mutation", "parameter_name", 0},
};

static json_t *norm_spec(struct norm *n, const json_t *v, const struct spec_kind *kinds,
			 size_t n_kinds)
{
	const char *tag;
	json_t *payload, *out, *arg, *x;

	if (union_member(n, v, &tag, &payload))
		return NULL;
	for (size_t i = 0; i < n_kinds; i++) {
		const struct spec_kind *k = &kinds[i];
		if (strcmp(tag, k->tag))
			continue;
		size_t mark = base_path_key(&n->path, tag);
		if (!(out = json_pack("{s:s}", "kind", k->kind)))
			return OOM(n);
		if (!strcmp(k->tag, "constant_input")) {
			/* {name, value: ConstantValue} */
			if (!(x = need_name(n, payload, "name")))
				goto fail;
			json_object_set_new(out, "name", json_incref((json_t *)x));
			size_t m2 = base_path_key(&n->path, "value");
			if (!member(payload, "value") ||
			    put(n, out, "value", norm_arg(n, member(payload, "value"))))
				goto fail;
			base_path_pop(&n->path, m2);
		} else if (!(arg = need(n, payload, "arg", JSON_OBJECT))) {
			goto fail;
		} else if (k->arg_is_argument) {
			size_t m2 = base_path_key(&n->path, "arg");
			json_t *a = norm_arg(n, arg), *t;
			if (!a)
				goto fail;
			base_path_pop(&n->path, m2);
			if ((t = json_object_get(a, "tensor")))
				json_object_set(out, "name", t);
			else if ((t = json_object_get(a, "sym_int")) ||
				 (t = json_object_get(a, "sym_float")) ||
				 (t = json_object_get(a, "sym_bool")) ||
				 (t = json_object_get(a, "custom_obj")))
				json_object_set(out, "name", json_object_get(t, "name"));
			else
				json_object_set(out, "value", a);
			json_decref(a);
		} else {
			if (!(x = need_name(n, arg, "name")))
				goto fail;
			json_object_set_new(out, "name", json_incref((json_t *)x));
			if ((x = member(arg, "class_fqn")) && json_is_string(x))
				json_object_set(out, "class_fqn", x);
		}
		if (k->target_key) {
			if (!(x = need_name(n, payload, k->target_key)))
				goto fail;
			json_object_set_new(out, "target", json_incref((json_t *)x));
		}
		if (!strcmp(k->tag, "buffer")) {
			x = member(payload, "persistent");
			json_object_set_new(out, "persistent", json_boolean(!x || json_is_true(x)));
		}
		base_path_pop(&n->path, mark);
		return out;
fail:
		json_decref(out);
		return NULL;
	}
	return unknown_member(n, tag, payload);
}

static json_t *norm_input_spec(struct norm *n, const json_t *v)
{
	return norm_spec(n, v, input_kinds, sizeof(input_kinds) / sizeof(input_kinds[0]));
}

static json_t *norm_output_spec(struct norm *n, const json_t *v)
{
	return norm_spec(n, v, output_kinds, sizeof(output_kinds) / sizeof(output_kinds[0]));
}

/* The torch 2.1 signature: maps from placeholder names to FQNs. */
static int old_signature(struct norm *n, const json_t *sig, const json_t *graph, json_t *inputs,
			 json_t *outputs)
{
	json_t *params = member(sig, "inputs_to_parameters"),
	       *bufs = member(sig, "inputs_to_buffers");
	json_t *mut = member(sig, "buffers_to_mutate"), *x;
	size_t i;

	json_array_foreach(json_object_get(graph, "inputs"), i, x) {
		json_t *t = json_object_get(x, "tensor"), *fqn;
		const char *name = json_string_value(t);
		json_t *spec;
		if (name && (fqn = member(params, name)))
			spec = json_pack("{s:s,s:s,s:O}", "kind", "parameter", "name", name,
					 "target", fqn);
		else if (name && (fqn = member(bufs, name)))
			spec = json_pack("{s:s,s:s,s:O,s:b}", "kind", "buffer", "name", name,
					 "target", fqn, "persistent", 1);
		else if (name)
			spec = json_pack("{s:s,s:s}", "kind", "user_input", "name", name);
		else
			spec = json_pack("{s:s,s:O}", "kind", "user_input", "value", x);
		if (push(n, inputs, spec))
			return -1;
	}
	json_array_foreach(json_object_get(graph, "outputs"), i, x) {
		json_t *t = json_object_get(x, "tensor"), *fqn;
		const char *name = json_string_value(t);
		json_t *spec;
		if (name && (fqn = member(mut, name)))
			spec = json_pack("{s:s,s:s,s:O}", "kind", "buffer_mutation", "name", name,
					 "target", fqn);
		else if (name)
			spec = json_pack("{s:s,s:s}", "kind", "user_output", "name", name);
		else
			spec = json_pack("{s:s,s:O}", "kind", "user_output", "value", x);
		if (push(n, outputs, spec))
			return -1;
	}
	return 0;
}

static int norm_signature(struct norm *n, const json_t *gm, const json_t *graph, json_t *doc)
{
	json_t *sig, *inputs, *outputs, *x;
	size_t mark, m2;

	/* need() names the key itself: push a key only once it is found */
	if (!(sig = need(n, gm, "signature", JSON_OBJECT)))
		return -1;
	mark = base_path_key(&n->path, "signature");
	if (member(sig, "input_specs") || member(sig, "output_specs")) {
		if (!(x = need(n, sig, "input_specs", JSON_ARRAY)))
			return -1;
		m2 = base_path_key(&n->path, "input_specs");
		if (put(n, doc, "inputs", norm_list(n, x, norm_input_spec)))
			return -1;
		base_path_pop(&n->path, m2);
		if (!(x = need(n, sig, "output_specs", JSON_ARRAY)))
			return -1;
		m2 = base_path_key(&n->path, "output_specs");
		if (put(n, doc, "outputs", norm_list(n, x, norm_output_spec)))
			return -1;
		base_path_pop(&n->path, m2);
	} else {
		if (!(inputs = json_array()) || json_object_set_new(doc, "inputs", inputs) ||
		    !(outputs = json_array()) || json_object_set_new(doc, "outputs", outputs))
			return OOM(n), -1;
		if (old_signature(n, sig, graph, inputs, outputs))
			return -1;
	}
	base_path_pop(&n->path, mark);
	/* Every placeholder has a spec and vice versa (torch asserts it too). */
	if (json_array_size(json_object_get(doc, "inputs")) !=
	    json_array_size(json_object_get(graph, "inputs"))) {
		fail(n, IRX_EFORMAT, "signature has %zu input specs for %zu graph inputs",
		     json_array_size(json_object_get(doc, "inputs")),
		     json_array_size(json_object_get(graph, "inputs")));
		return -1;
	}
	if (json_array_size(json_object_get(doc, "outputs")) !=
	    json_array_size(json_object_get(graph, "outputs"))) {
		fail(n, IRX_EFORMAT, "signature has %zu output specs for %zu graph outputs",
		     json_array_size(json_object_get(doc, "outputs")),
		     json_array_size(json_object_get(graph, "outputs")));
		return -1;
	}
	return 0;
}

/* ---- the document ----------------------------------------------------------- */

/* schema_version: an int (torch 2.1/2.2) or {"major", "minor"}. */
static int schema_version(struct norm *n, const json_t *ep, json_int_t *major, json_int_t *minor)
{
	json_t *v = member(ep, "schema_version"), *x;
	size_t mark = base_path_key(&n->path, "schema_version");

	*major = *minor = 0;
	if (!v) {
		fail(n, IRX_EFORMAT, "missing field 'schema_version'");
		return -1;
	}
	if (json_is_integer(v)) {
		*major = json_integer_value(v);
	} else if (json_is_object(v) && json_is_integer(x = member(v, "major"))) {
		*major = json_integer_value(x);
		x = member(v, "minor");
		*minor = json_is_integer(x) ? json_integer_value(x) : 0;
	} else {
		fail(n, IRX_EFORMAT, "schema_version must be an integer or {major, minor}");
		return -1;
	}
	if (*major < 0 || *major > IRX_SCHEMA_MAJOR || *minor < 0) {
		fail(n, IRX_EUNSUPPORTED,
		     "schema version %lld.%lld is not one irx reads (majors 1 to %d; torch 2.1 to 2.14)",
		     (long long)*major, (long long)*minor, IRX_SCHEMA_MAJOR);
		return -1;
	}
	if (*major == IRX_SCHEMA_MAJOR && *minor > IRX_SCHEMA_MINOR)
		base_warn(
			n->warn, n->warn_ctx,
			"schema version %lld.%lld is newer than %d.%d: unknown fields are carried through",
			(long long)*major, (long long)*minor, IRX_SCHEMA_MAJOR, IRX_SCHEMA_MINOR);
	base_path_pop(&n->path, mark);
	return 0;
}

/* A bound: null, or a huge sentinel / infinity string meaning unbounded. */
static json_t *bound(const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) > -((json_int_t)1 << 62) &&
	    json_integer_value(v) < ((json_int_t)1 << 62))
		return json_integer(json_integer_value(v));
	if (json_is_real(v) && isfinite(json_real_value(v)) && fabs(json_real_value(v)) < 4.6e18)
		return json_integer((json_int_t)json_real_value(v));
	return json_null();
}

/* Hints seen on sizes join their symbol's entry in RANGES.  The table is
 * emptied: a program's nodes are normalized after the rest, each joining
 * what it brings. */
static int join_symbols(struct norm *n, json_t *ranges)
{
	json_t *r, *x, *sym;
	const char *k;

	json_object_foreach(n->symbols, k, sym) {
		if (!(r = json_object_get(ranges, k))) {
			if (!(r = json_pack("{s:n,s:n}", "min", "max")) ||
			    json_object_set_new(ranges, k, r))
				return OOM(n), -1;
		}
		if ((x = json_object_get(sym, "hint")))
			json_object_set(r, "hint", x);
	}
	json_object_clear(n->symbols);
	return 0;
}

static int range_constraints(struct norm *n, const json_t *ep, json_t *doc)
{
	json_t *rc = member(ep, "range_constraints"), *out, *x;
	const char *k;

	if (!(out = json_object()) || json_object_set_new(doc, "range_constraints", out))
		return OOM(n), -1;
	if (rc && !json_is_object(rc)) {
		fail(n, IRX_EFORMAT, "range_constraints must be an object");
		return -1;
	}
	json_object_foreach(rc, k, x) {
		json_t *r = json_pack("{s:o,s:o}", "min", bound(member(x, "min_val")), "max",
				      bound(member(x, "max_val")));
		if (!r || json_object_set_new(out, k, r))
			return OOM(n), -1;
	}
	return join_symbols(n, out);
}

static int normalize(struct norm *n, const json_t *ep, json_t *doc)
{
	json_t *gm, *graph, *x;
	json_int_t major, minor;
	size_t mark;

	if (!json_is_object(ep)) {
		fail(n, IRX_EFORMAT, "the program must be a JSON object, not %s", type_name(ep));
		return -1;
	}
	if (schema_version(n, ep, &major, &minor))
		return -1;
	json_t *src = json_object_get(doc, "source");
	json_object_set_new(src, "schema_version",
			    json_pack("{s:I,s:I}", "major", major, "minor", minor));
	x = member(ep, "torch_version");
	json_object_set_new(src, "torch_version", json_is_string(x) ? json_copy(x) : json_null());
	if ((x = member(ep, "verifiers")) && json_is_array(x))
		json_object_set(src, "verifiers", x);
	else if ((x = member(ep, "dialect")) && json_is_string(x))
		json_object_set_new(src, "verifiers", json_pack("[O]", x));
	if ((x = member(ep, "opset_version")) && json_is_object(x))
		json_object_set(src, "opset_version", x);

	if (!(gm = need(n, ep, "graph_module", JSON_OBJECT)))
		return -1;
	mark = base_path_key(&n->path, "graph_module");
	if (!(x = need(n, gm, "graph", JSON_OBJECT)))
		return -1;
	size_t m2 = base_path_key(&n->path, "graph");
	if (!(graph = norm_graph(n, x)))
		return -1;
	base_path_pop(&n->path, m2);
	if (norm_signature(n, gm, graph, doc)) {
		json_decref(graph);
		return -1;
	}
	json_object_set_new(doc, "graph", graph);
	/* forward_arg_names: the user's names for the inputs */
	if ((x = member(gm, "module_call_graph")) && json_is_array(x) &&
	    (x = member(member(json_array_get(x, 0), "signature"), "forward_arg_names")) &&
	    json_is_array(x))
		json_object_set(doc, "forward_arg_names", x);
	base_path_pop(&n->path, mark);
	return range_constraints(n, ep, doc);
}

static json_t *new_doc(const irx_export_options *o, const char *file)
{
	return json_pack("{s:s,s:i,s:{s:o?}}", "format", IRX_PROGRAM_FORMAT, "format_version",
			 IRX_PROGRAM_FORMAT_VERSION, "source", "file", base_json_escaped(file));
}

/* ---- a program read one node at a time ----------------------------------- */

/* The top graph's nodes and tensor values are most of a program's bytes,
 * and ten times that as values: each is parsed when it is normalized, so
 * that they never all exist as values at once. */
static const char *const top_nodes[] = {"graph_module", "graph", "nodes", NULL};
static const char *const top_values[] = {"graph_module", "graph", "tensor_values", NULL};

struct graph_program {
	struct norm n;
	const uint8_t *data;
	void *owned;
	const irx_blob *mapped;
	size_t released; /* bytes of DATA given back to MAPPED */
	char *entry;
	struct fmt_json_deferred deferred[2]; /* top_nodes, top_values */
	size_t next;
	json_t *used; /* node names given so far */
	json_t *doc;
};

void graph_entry_context(irx_error *err, const char *entry)
{
	char quoted[1100];

	snprintf(quoted, sizeof(quoted), "'%s'", entry ? entry : "");
	if (err && err->code && entry && !strstr(err->text, quoted))
		base_where_prefix(err, "entry '%s'", entry);
}

static int program_fails(struct graph_program *p, int rc)
{
	if (p->entry)
		graph_entry_context(p->n.err, p->entry);
	return rc;
}

int graph_program_open(struct graph_program **out, const uint8_t *data, size_t len, void *owned,
		       const irx_blob *mapped, const char *entry, const irx_export_options *o,
		       irx_error *err)
{
	struct graph_program *p = calloc(1, sizeof(*p));
	json_t *ep = NULL;
	int rc;

	*out = NULL;
	if (!p || (entry && !(p->entry = strdup(entry)))) {
		free(p);
		free(owned);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	p->data = data;
	p->owned = owned;
	p->mapped = mapped;
	p->n = (struct norm){
		.err = err, .warn = o ? o->warn : NULL, .warn_ctx = o ? o->warn_ctx : NULL};
	p->deferred[0].path = top_nodes;
	p->deferred[1].path = top_values;
	if ((rc = fmt_json_parse_deferred(&ep, data, len, p->deferred, 2, err)))
		goto fail;
	p->n.data = data;
	p->n.values = &p->deferred[1];
	/* The file's name is escaped (irx_escape): a path is any bytes, JSON
	 * holds UTF-8 only, and a reader can undo the escaping. */
	p->doc = new_doc(o, o && o->source ? o->source : NULL);
	p->n.symbols = json_object();
	p->n.strings = json_object();
	p->used = json_object();
	if (!p->doc || !p->n.symbols || !p->n.strings || !p->used)
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
	else if (normalize(&p->n, ep, p->doc))
		rc = err && err->code ? err->code : IRX_EFORMAT;
	json_decref(ep);
	if (rc)
		goto fail;
	/* The tensor values are normalized: their text is not read again. */
	const struct fmt_json_deferred *values = &p->deferred[1];
	if (p->mapped && values->n)
		irx_blob_release(p->mapped, data + values->spans[0].start,
				 values->spans[values->n - 1].end - values->spans[0].start);
	*out = p;
	return IRX_OK;
fail:
	program_fails(p, rc);
	graph_program_free(p);
	return rc;
}

json_t *graph_program_doc(struct graph_program *p) { return p->doc; }

/*
 * The text before byte END has been read: nodes are parsed in order, and
 * a mapped file's pages behind the last one need not stay in memory.  In
 * steps of a megabyte (a page straddling two steps stays).
 */
static void release_before(struct graph_program *p, size_t end)
{
	if (!p->mapped || end < p->released + ((size_t)1 << 20))
		return;
	irx_blob_release(p->mapped, p->data + p->released, end - p->released);
	p->released = end;
}

int graph_program_node(struct graph_program *p, json_t **out)
{
	json_t *raw;
	size_t i = p->next;
	int rc;

	*out = NULL;
	if (i == p->deferred[0].n)
		return IRX_OK;
	p->next++;
	base_path_pop(&p->n.path, 0);
	base_path_key(&p->n.path, "graph_module");
	base_path_key(&p->n.path, "graph");
	base_path_key(&p->n.path, "nodes");
	base_path_index(&p->n.path, i);
	if ((rc = fmt_json_parse_span(&raw, p->data, p->deferred[0].spans[i], p->n.path.buf,
				      p->n.err)))
		return program_fails(p, rc);
	release_before(p, p->deferred[0].spans[i].end);
	*out = norm_node(&p->n, raw, p->used);
	json_decref(raw);
	if (!*out || join_symbols(&p->n, json_object_get(p->doc, "range_constraints"))) {
		json_decref(*out);
		*out = NULL;
		rc = p->n.err && p->n.err->code ? p->n.err->code : IRX_EFORMAT;
		return program_fails(p, rc);
	}
	return IRX_OK;
}

int graph_program_finish(struct graph_program *p, json_t **out)
{
	json_t *nodes = json_object_get(json_object_get(p->doc, "graph"), "nodes"), *node;
	int rc;

	*out = NULL;
	while (!(rc = graph_program_node(p, &node)) && node)
		if (json_array_append_new(nodes, node))
			return program_fails(p,
					     irx_error_set(p->n.err, IRX_ENOMEM, "out of memory"));
	if (!rc)
		*out = json_incref(p->doc);
	return rc;
}

void graph_program_free(struct graph_program *p)
{
	if (!p)
		return;
	json_decref(p->doc);
	json_decref(p->used);
	json_decref(p->n.symbols);
	free_shared(&p->n);
	free(p->deferred[0].spans);
	free(p->deferred[1].spans);
	free(p->owned);
	free(p->entry);
	free(p);
}

int graph_normalize(const uint8_t *data, size_t len, const irx_export_options *o, json_t **out,
		    irx_error *err)
{
	struct graph_program *p;
	int rc;

	*out = NULL;
	if ((rc = graph_program_open(&p, data, len, NULL, NULL, NULL, o, err)))
		return rc;
	rc = graph_program_finish(p, out);
	graph_program_free(p);
	return rc;
}

/* ---- weights and constants ------------------------------------------------ */

/* One weight or constant: dtype and shape from the graph, and where its
 * data is, by LOCATE when there is an archive to ask. */
static int describe(const json_t *spec, const json_t *values, int constant, json_t *list,
		    graph_locate_fn locate, void *ctx, irx_error *err)
{
	const char *fqn = json_string_value(json_object_get(spec, "target"));
	const char *gname = json_string_value(json_object_get(spec, "name"));
	json_t *meta = gname ? json_object_get(values, gname) : NULL;
	json_t *w = json_pack("{s:s?,s:s?,s:O}", "name", fqn, "graph_name", gname, "kind",
			      json_object_get(spec, "kind"));
	int rc;

	if (!w)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (json_is_false(json_object_get(spec, "persistent")))
		json_object_set_new(w, "persistent", json_false());
	if (json_object_get(spec, "class_fqn"))
		json_object_set(w, "class_fqn", json_object_get(spec, "class_fqn"));
	if (meta) {
		json_object_set(w, "dtype", json_object_get(meta, "dtype"));
		json_object_set(w, "shape", json_object_get(meta, "shape"));
	}
	if (!locate)
		json_object_set_new(w, "has_data", json_null()); /* no archive to ask */
	else if ((rc = locate(ctx, constant, fqn, meta, w, err))) {
		json_decref(w);
		return rc;
	}
	if (json_array_append_new(list, w))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

int graph_list_payloads(json_t *doc, graph_locate_fn locate, void *ctx, irx_error *err)
{
	json_t *weights = json_array(), *constants = json_array(), *spec;
	json_t *values = json_object_get(json_object_get(doc, "graph"), "values");
	size_t i;
	int rc = IRX_OK;

	json_object_set_new(doc, "weights", weights);
	json_object_set_new(doc, "constants", constants);
	json_array_foreach(json_object_get(doc, "inputs"), i, spec) {
		const char *kind = json_string_value(json_object_get(spec, "kind"));
		int persistent = !json_is_false(json_object_get(spec, "persistent"));
		if (!kind)
			continue;
		if (!strcmp(kind, "parameter") || (!strcmp(kind, "buffer") && persistent))
			rc = describe(spec, values, 0, weights, locate, ctx, err);
		else if (!strcmp(kind, "buffer") || !strcmp(kind, "constant_tensor") ||
			 !strcmp(kind, "custom_obj"))
			rc = describe(spec, values, 1, constants, locate, ctx, err);
		if (rc)
			break;
	}
	return rc;
}

irx_status irx_program_normalize(json_t **out, const uint8_t *data, size_t len,
				 const irx_export_options *o, irx_error *err)
{
	int rc = graph_normalize(data, len, o, out, err);

	if (!rc && (rc = graph_list_payloads(*out, NULL, NULL, err))) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
