/*
 * convert.c: irx-program -> IR.
 *
 * Per node: tensor arguments become `inputs` (TensorMeta plus where they
 * sit in the schema: `arg`, `arg_index`, `list_index`), everything else
 * becomes `attrs` by schema name in schema order, with the defaults the
 * exporter left out filled in from the schema.  Every tensor input names
 * its producer (node and output index) or is a graph input, weight or
 * constant (producer null); a name nobody produced is an error, which also
 * proves the nodes are in topological order.
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "irx/convert.h"
#include "graph/graph.h"

/* One graph's namespace: values and who produced them. */
struct scope {
	const json_t *values;     /* name -> tensor info */
	const json_t *sym_values; /* name -> {type, value} */
	json_t *producers;        /* name -> [node, index] or null */
	int fixed;                /* no symbolic size or value: no argument can touch a symbol */
};

struct graph_conv {
	const irx_convert_options *o;
	irx_schema_registry *schemas, *own_schemas;
	irx_error *err;
	const json_t *ranges; /* range_constraints */
	json_t *warned;       /* operators already warned about */
	char where[256];
	/* The top graph, converted one node at a time. */
	const json_t *program; /* without its nodes, or with them */
	json_t *ir;            /* without its nodes */
	struct scope top;
	size_t n_nodes;
	json_t *alias; /* value -> [buffer input, target, whole?] (inplace_node) */
	json_t *last;  /* buffer -> [value, node, target]: its last in-place writer */
};

static int cfail(struct graph_conv *c, int code, const char *fmt, ...) BASE_PRINTF(3, 4);
static int cfail(struct graph_conv *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	irx_error_vset(c->err, code, fmt, ap);
	va_end(ap);
	if (c->where[0])
		base_where(c->err, "%s", c->where);
	return code;
}

#define OOM(c) cfail(c, IRX_ENOMEM, "out of memory")

/* The place cfail names: PATH, and NODE's name when not NULL.  Set for
 * every node, so by hand: snprintf was a twentieth of the conversion. */
static void set_where(struct graph_conv *c, const char *path, const char *node)
{
	char *w = c->where, *end = c->where + sizeof(c->where) - 1;
	const char *parts[] = {path, node ? " (node '" : NULL, node, "')"};

	for (size_t i = 0; i < 4 && parts[i]; i++) {
		size_t n = strlen(parts[i]);
		if (n > (size_t)(end - w))
			n = (size_t)(end - w);
		w = mempcpy(w, parts[i], n);
	}
	*w = '\0';
}

/* ---- tensors ------------------------------------------------------------- */

/* A TensorMeta for NAME from the scope, with its producer. */
static json_t *tensor_meta(struct graph_conv *c, struct scope *s, const char *name,
			   int need_producer)
{
	json_t *info = json_object_get(s->values, name), *prod, *m;

	if (!info) {
		cfail(c, IRX_EFORMAT, "tensor '%s' has no entry in the graph's tensor values",
		      name);
		return NULL;
	}
	if (!json_is_array(json_object_get(info, "shape")) ||
	    !json_is_string(json_object_get(info, "dtype"))) {
		cfail(c, IRX_EFORMAT,
		      "tensor '%s' has no shape or dtype in the graph's tensor values", name);
		return NULL;
	}
	prod = json_object_get(s->producers, name);
	if (need_producer && !prod) {
		cfail(c, IRX_EFORMAT,
		      "reads tensor '%s', which no earlier node, input or weight produces", name);
		return NULL;
	}
	/* Built member by member, unchecked: the keys are ours and NAME is a
	 * jansson string's text, UTF-8 already (a node's cost is mostly
	 * values like this one). */
	if (!(m = json_object()) ||
	    json_object_set_new_nocheck(m, "name", json_string_nocheck(name)) ||
	    json_object_set_nocheck(m, "shape", json_object_get(info, "shape")) ||
	    json_object_set_nocheck(m, "dtype", json_object_get(info, "dtype")) ||
	    json_object_set_nocheck(m, "producer_node",
				    json_is_array(prod) ? json_array_get(prod, 0) : json_null()) ||
	    json_object_set_nocheck(m, "producer_output_idx",
				    json_is_array(prod) ? json_array_get(prod, 1) : json_null())) {
		json_decref(m);
		OOM(c);
		return NULL;
	}
	return m;
}

static int produce(struct graph_conv *c, struct scope *s, const char *name, json_t *producer)
{
	if (json_object_get(s->producers, name)) {
		json_decref(producer);
		return cfail(c, IRX_EFORMAT, "value '%s' is produced twice", name);
	}
	if (json_object_set_new(s->producers, name, producer))
		return OOM(c);
	return IRX_OK;
}

/* ---- symbolic sizes ------------------------------------------------------ */

/* sympy's names for constants, which are not symbols of the program. */
static int is_constant(const char *p, size_t n)
{
	static const char *const names[] = {"oo", "zoo", "nan", "True", "False"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(p, names[i], n))
			return 1;
	return 0;
}

/* The next symbol name in EXPR (such as "2*s77 + max(1, s0)") from P on,
 * into OUT; function names (max, floor) are skipped.  Returns where to go
 * on from, or NULL at the end. */
static const char *next_symbol(const char *expr, const char *p, char *out, size_t size)
{
	while (*p) {
		if (isalpha((unsigned char)*p) && (p == expr || !(isalnum((unsigned char)p[-1]) ||
								  p[-1] == '_' || p[-1] == '.'))) {
			size_t n = 0;
			while (isalnum((unsigned char)p[n]) || p[n] == '_')
				n++;
			if (p[n] != '(' && !is_constant(p, n)) {
				snprintf(out, size, "%.*s", (int)n, p);
				return p + n;
			}
			p += n;
			continue;
		}
		p++;
	}
	return NULL;
}

/* First symbol name in an expression such as "2*s77 + 1". */
static void first_symbol(const char *expr, char *out, size_t size)
{
	if (!next_symbol(expr, expr, out, size))
		snprintf(out, size, "%s", expr);
}

/* Every symbol in EXPR must be one the program declares: its bounds are in
 * range_constraints, and a size nobody declared cannot be given a value
 * (nor checked against one) by anything that reads the IR. */
static int check_declared(struct graph_conv *c, const char *expr, const char *what,
			  const char *path)
{
	char sym[64];

	for (const char *p = expr; (p = next_symbol(expr, p, sym, sizeof(sym)));) {
		if (json_object_get(c->ranges, sym))
			continue;
		set_where(c, path, NULL);
		return cfail(c, IRX_EFORMAT,
			     "symbolic size '%s' in %s ('%s') is not declared in "
			     "range_constraints",
			     sym, what, expr);
	}
	return IRX_OK;
}

static int check_symbols(struct graph_conv *c, const json_t *graph, const char *path);

/* The symbols of GRAPH's tensor shapes and symbolic values are declared;
 * *SYMBOLIC (may be NULL) is set when there is any. */
static int check_value_symbols(struct graph_conv *c, const json_t *graph, const char *path,
			       int *symbolic)
{
	char here[256], what[160];
	const char *name;
	json_t *info, *d;
	size_t i;
	int rc;

	if (symbolic && json_object_size(json_object_get(graph, "sym_values")))
		*symbolic = 1;
	json_object_foreach(json_object_get(graph, "values"), name, info) {
		json_array_foreach(json_object_get(info, "shape"), i, d) {
			if (!json_is_string(d))
				continue;
			if (symbolic)
				*symbolic = 1;
			snprintf(here, sizeof(here), "%s/values/%s/shape/%zu", path, name, i);
			snprintf(what, sizeof(what), "the shape of tensor '%s'", name);
			if ((rc = check_declared(c, json_string_value(d), what, here)))
				return rc;
		}
	}
	json_object_foreach(json_object_get(graph, "sym_values"), name, info) {
		if (!json_is_string(d = json_object_get(info, "value")))
			continue;
		snprintf(here, sizeof(here), "%s/sym_values/%s/value", path, name);
		snprintf(what, sizeof(what), "symbolic value '%s'", name);
		if ((rc = check_declared(c, json_string_value(d), what, here)))
			return rc;
	}
	return IRX_OK;
}

/* ... and those of the subgraphs of NODE (at PATH). */
static int check_node_symbols(struct graph_conv *c, const json_t *node, const char *path)
{
	char here[256];
	json_t *in, *sub;
	size_t j;
	int rc;

	json_array_foreach(json_object_get(node, "inputs"), j, in) {
		if (!(sub = json_object_get(json_object_get(json_object_get(in, "arg"), "graph"),
					    "graph")))
			continue;
		snprintf(here, sizeof(here), "%s/inputs/%zu/arg/graph/graph", path, j);
		if ((rc = check_symbols(c, sub, here)))
			return rc;
	}
	return IRX_OK;
}

/* The symbols of GRAPH and of its subgraphs are all declared. */
static int check_symbols(struct graph_conv *c, const json_t *graph, const char *path)
{
	char here[256];
	json_t *node;
	size_t i;
	int rc;

	if ((rc = check_value_symbols(c, graph, path, NULL)))
		return rc;
	json_array_foreach(json_object_get(graph, "nodes"), i, node) {
		snprintf(here, sizeof(here), "%s/nodes/%zu", path, i);
		if ((rc = check_node_symbols(c, node, here)))
			return rc;
	}
	return IRX_OK;
}

static const char *symbolic_dim(const json_t *info)
{
	size_t i;
	json_t *d;

	json_array_foreach(json_object_get(info, "shape"), i, d)
		if (json_is_string(d))
			return json_string_value(d);
	return NULL;
}

static int refuse_symbol(struct graph_conv *c, const char *expr, const json_t *node)
{
	char sym[64], range[96];
	json_t *r;

	first_symbol(expr, sym, sizeof(sym));
	r = json_object_get(c->ranges, sym);
	if (r) {
		json_t *lo = json_object_get(r, "min"), *hi = json_object_get(r, "max");
		char los[32] = "-inf", his[32] = "inf";
		if (json_is_integer(lo))
			snprintf(los, sizeof(los), "%lld", (long long)json_integer_value(lo));
		if (json_is_integer(hi))
			snprintf(his, sizeof(his), "%lld", (long long)json_integer_value(hi));
		snprintf(range, sizeof(range), "range %s..%s", los, his);
	} else {
		snprintf(range, sizeof(range), "no range given");
	}
	return cfail(
		c, IRX_EUNSUPPORTED,
		"symbolic size '%s' (%s) first used by node '%s' (%s); the IR holds static "
		"shapes: export with static shapes, or pass --allow-dynamic to keep symbolic sizes",
		sym, range, json_string_value(json_object_get(node, "name")),
		json_string_value(json_object_get(node, "target")));
}

/* Does argument A (normalized) touch a symbolic value?  Returns its expr. */
static const char *arg_symbol(struct scope *s, const json_t *a)
{
	static const char *const tensor_keys[] = {"tensor", "tensors", "optional_tensor",
						  "optional_tensors"};
	static const char *const sym_keys[] = {"sym_int",   "sym_ints",  "sym_bool",
					       "sym_bools", "sym_float", "sym_floats"};
	json_t *v, *x, *e;
	size_t i;

	if (s->fixed)
		return NULL;
	for (size_t k = 0; k < 4; k++) {
		if (!(v = json_object_get(a, tensor_keys[k])))
			continue;
		if (json_is_string(v)) {
			const char *sym =
				symbolic_dim(json_object_get(s->values, json_string_value(v)));
			if (sym)
				return sym;
		}
		json_array_foreach(v, i, x) {
			const char *sym = json_is_string(x)
						  ? symbolic_dim(json_object_get(
							    s->values, json_string_value(x)))
						  : NULL;
			if (sym)
				return sym;
		}
	}
	for (size_t k = 0; k < 6; k++) {
		if (!(v = json_object_get(a, sym_keys[k])))
			continue;
		json_t *items = json_is_array(v) ? v : NULL;
		for (i = 0; items ? i < json_array_size(items) : i < 1; i++) {
			x = items ? json_array_get(items, i) : v;
			if ((x = json_object_get(x, "name")) &&
			    (e = json_object_get(
				     json_object_get(s->sym_values, json_string_value(x)),
				     "value")))
				return json_is_string(e) ? json_string_value(e)
							 : json_string_value(x);
		}
	}
	return NULL;
}

static int check_static(struct graph_conv *c, struct scope *s, const json_t *graph,
			const char *path);

/* Without --allow-dynamic, the first node touching a symbol stops us,
 * subgraphs of higher-order operators included.  NODE is at PATH. */
static int check_node_static(struct graph_conv *c, struct scope *s, const json_t *node,
			     const char *path)
{
	json_t *in, *sub;
	size_t j;
	int rc;

	set_where(c, path, NULL);
	json_array_foreach(json_object_get(node, "inputs"), j, in) {
		const char *sym = arg_symbol(s, json_object_get(in, "arg"));
		if (sym)
			return refuse_symbol(c, sym, node);
		if ((sub = json_object_get(json_object_get(json_object_get(in, "arg"), "graph"),
					   "graph"))) {
			struct scope ss = {json_object_get(sub, "values"),
					   json_object_get(sub, "sym_values"), NULL, 0};
			char subpath[240];
			snprintf(subpath, sizeof(subpath), "%s/inputs/%zu/arg/graph/graph", path,
				 j);
			if ((rc = check_static(c, &ss, sub, subpath)))
				return rc;
		}
	}
	json_array_foreach(json_object_get(node, "outputs"), j, in) {
		const char *sym = arg_symbol(s, in);
		if (sym)
			return refuse_symbol(c, sym, node);
	}
	c->where[0] = '\0';
	return IRX_OK;
}

static int check_static(struct graph_conv *c, struct scope *s, const json_t *graph,
			const char *path)
{
	json_t *node;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(graph, "nodes"), i, node) {
		char here[200];
		snprintf(here, sizeof(here), "%s/nodes/%zu", path, i);
		if ((rc = check_node_static(c, s, node, here)))
			return rc;
	}
	return IRX_OK;
}

/* ---- attribute values ----------------------------------------------------- */

/*
 * A normalized argument as a plain attribute value: numbers, strings,
 * booleans, null and lists of them; dtypes, layouts, memory formats and
 * devices by name; a symbolic int as {"sym": name, "expr": e}.
 */
static json_t *sym_ref(struct scope *s, const json_t *v)
{
	json_t *name = json_object_get(v, "name");

	if (!name)
		return json_deep_copy(v);
	json_t *e =
		json_object_get(json_object_get(s->sym_values, json_string_value(name)), "value");
	return json_pack("{s:O,s:O?}", "sym", name, "expr", e);
}

static json_t *attr_value(struct scope *s, const json_t *a)
{
	const char *k = json_object_iter_key(json_object_iter((json_t *)a));
	json_t *v = json_object_iter_value(json_object_iter((json_t *)a)), *out, *x;
	size_t i;

	if (!k)
		return json_null();
	if (!strcmp(k, "none"))
		return json_null();
	if (!strncmp(k, "sym_", 4)) {
		if (!json_is_array(v))
			return sym_ref(s, v);
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, sym_ref(s, x));
		return out;
	}
	if (!strcmp(k, "complex") || !strcmp(k, "custom_obj") || !strcmp(k, "unknown") ||
	    !strcmp(k, "string_to_argument"))
		return json_pack("{s:O}", k, v); /* keep the tag: not a plain value */
	return json_deep_copy(v);
}

/* ---- nodes --------------------------------------------------------------- */

static int is_tensor_arg(const char *k)
{
	return !strcmp(k, "tensor") || !strcmp(k, "tensors") || !strcmp(k, "optional_tensor") ||
	       !strcmp(k, "optional_tensors") || !strcmp(k, "nested_tensors");
}

/* Positional names of higher-order operators' arguments (they have no schema). */
static const char *hop_arg_name(const char *op, size_t i)
{
	static const struct {
		const char *op;
		const char *names[4];
	} hops[] = {
		{"higher_order.cond", {"pred", "true_fn", "false_fn", "operands"}},
		{"higher_order.while_loop",
		 {"cond_fn", "body_fn", "carried_inputs", "additional_inputs"}},
		{"higher_order.map_impl", {"f", "xs", "pos_args", NULL}},
		{"higher_order.wrap_with_set_grad_enabled", {"enable_grad", "body_fn", NULL, NULL}},
		{"higher_order.wrap_with_autocast",
		 {"device_type", "dtype", "enabled", "cache_enabled"}},
		{"higher_order.invoke_subgraph", {"subgraph", "identifier", NULL, NULL}},
	};
	for (size_t h = 0; h < sizeof(hops) / sizeof(hops[0]); h++)
		if (!strcmp(op, hops[h].op) && i < 4 && hops[h].names[i])
			return hops[h].names[i];
	return NULL;
}

static int convert_subgraph(struct graph_conv *c, const json_t *graph, json_t *out_nodes,
			    json_t *ir);

/* Tensor argument ARG (normalized) of schema argument NAME -> inputs. */
static int add_tensor_inputs(struct graph_conv *c, struct scope *s, json_t *node, const char *name,
			     long index, const json_t *arg)
{
	const char *k = json_object_iter_key(json_object_iter((json_t *)arg));
	json_t *v = json_object_iter_value(json_object_iter((json_t *)arg)), *x, *inputs, *m;
	size_t i;

	inputs = json_object_get(node, "inputs");
	if (json_is_string(v)) { /* tensor, optional_tensor */
		if (!(m = tensor_meta(c, s, json_string_value(v), 1)))
			return c->err ? c->err->code : IRX_EFORMAT;
		json_object_set_new_nocheck(m, "arg", json_string(name));
		json_object_set_new_nocheck(m, "arg_index", json_integer(index));
		return json_array_append_new(inputs, m) ? OOM(c) : IRX_OK;
	}
	if (json_is_null(v)) { /* an optional tensor that is None */
		return json_object_set_new(json_object_get(node, "attrs"), name, json_null())
			       ? OOM(c)
			       : IRX_OK;
	}
	if (!strcmp(k, "nested_tensors"))
		return cfail(c, IRX_EUNSUPPORTED,
			     "argument '%s': nested tensor lists are not supported", name);
	/* Tensor[] / Tensor?[]: one input per tensor, the length on the node. */
	json_array_foreach(v, i, x) {
		if (json_is_null(x))
			continue;
		if (!(m = tensor_meta(c, s, json_string_value(x), 1)))
			return c->err ? c->err->code : IRX_EFORMAT;
		json_object_set_new_nocheck(m, "arg", json_string(name));
		json_object_set_new_nocheck(m, "arg_index", json_integer(index));
		json_object_set_new_nocheck(m, "list_index", json_integer((json_int_t)i));
		if (json_array_append_new(inputs, m))
			return OOM(c);
	}
	json_t *lists = json_object_get(node, "tensor_lists");
	if (!lists) {
		lists = json_object();
		json_object_set_new(node, "tensor_lists", lists);
	}
	return json_object_set_new(lists, name, json_integer((json_int_t)json_array_size(v)))
		       ? OOM(c)
		       : IRX_OK;
}

/* A graph argument of a higher-order op: converted into node.subgraphs. */
static int add_subgraph(struct graph_conv *c, json_t *node, const char *name, const json_t *g)
{
	json_t *sub = json_object(), *nodes = json_array(), *subs;
	const char *gname = json_string_value(json_object_get(g, "name"));
	char saved[256];
	int rc;

	if (!sub || !nodes) {
		json_decref(sub);
		json_decref(nodes);
		return OOM(c);
	}
	memcpy(saved, c->where, sizeof(saved));
	json_object_set_new(sub, "nodes", nodes);
	rc = convert_subgraph(c, json_object_get(g, "graph"), nodes, sub);
	memcpy(c->where, saved, sizeof(saved));
	if (rc) {
		json_decref(sub);
		return rc;
	}
	if (!(subs = json_object_get(node, "subgraphs"))) {
		subs = json_object();
		json_object_set_new(node, "subgraphs", subs);
	}
	json_object_set_new(subs, gname ? gname : name, sub);
	json_object_set_new(json_object_get(node, "attrs"), name,
			    json_pack("{s:s}", "graph", gname ? gname : name));
	return IRX_OK;
}

static int add_argument(struct graph_conv *c, struct scope *s, json_t *out, const char *name,
			long index, const json_t *arg, int typed)
{
	const char *k = json_object_iter_key(json_object_iter((json_t *)arg));

	if (k && is_tensor_arg(k))
		return add_tensor_inputs(c, s, out, name, index, arg);
	if (k && !strcmp(k, "graph"))
		return add_subgraph(c, out, name, json_object_get(arg, "graph"));
	json_t *v = typed ? json_deep_copy(arg) : attr_value(s, arg);
	return json_object_set_new(json_object_get(out, "attrs"), name, v) ? OOM(c) : IRX_OK;
}

/* Why SCHEMA cannot describe NODE's arguments, or NULL when it can: every
 * argument given must be in it, every argument without a default given.
 * GIVEN[a] is then the argument given for SCHEMA's argument a, or NULL. */
static const char *schema_misfit(const irx_schema *schema, const json_t *node, const json_t **given)
{
	static __thread char why[200];
	json_t *in;
	size_t i;

	for (size_t a = 0; a < schema->n_args; a++)
		given[a] = NULL;
	json_array_foreach(json_object_get(node, "inputs"), i, in) {
		const char *name = json_string_value(json_object_get(in, "name"));
		size_t a;
		for (a = 0; a < schema->n_args; a++)
			if (name && !strcmp(schema->args[a].name, name))
				break;
		if (a == schema->n_args) {
			snprintf(why, sizeof(why), "it has no argument '%s'", name ? name : "");
			return why;
		}
		if (!given[a]) /* the first, as a keyword argument given twice */
			given[a] = json_object_get(in, "arg");
	}
	for (size_t a = 0; a < schema->n_args; a++)
		if (!schema->args[a].default_value && !given[a]) {
			snprintf(why, sizeof(why), "required argument '%s' is missing",
				 schema->args[a].name);
			return why;
		}
	return NULL;
}

static int node_arguments(struct graph_conv *c, struct scope *s, const json_t *node, json_t *out)
{
	const char *op = json_string_value(json_object_get(out, "op_type"));
	const irx_schema *schema;
	enum irx_schema_origin origin;
	json_t *in;
	size_t i;
	int rc;

	/* Found here, not when it fails to run: the fix is at capture. */
	/* Once per Python module (torch._functorch.predispatch has five calls). */
	const char *unrunnable = irx_schema_unrunnable(op);
	if (unrunnable) {
		char module[256];
		snprintf(module, sizeof(module), "%.*s", (int)(strrchr(op, '.') - op), op);
		if (!json_object_get(c->warned, module)) {
			json_object_set_new(c->warned, module, json_true());
			base_warn(c->o->warn, c->o->warn_ctx, "node '%s': %s is %s%s",
				  json_string_value(json_object_get(out, "name")), op, unrunnable,
				  "; the IR keeps the node, which irx-exec and irx-verify refuse");
		}
	}
	irx_error lookup_err = {0};
	if ((rc = irx_schema_registry_lookup(&schema, &origin, c->schemas, op, &lookup_err))) {
		if (rc != IRX_EFORMAT)
			return cfail(c, rc, "%s", lookup_err.text);
		/* a schema string irx cannot parse: as if there were none */
		base_warn(c->o->warn, c->o->warn_ctx,
			  "%s; its arguments are kept as the archive gives them", lookup_err.text);
		schema = NULL;
	}
	/* A schema that does not fit the archive's arguments (another torch's
	 * version of the operator, a wrong --schemas line) is not used. */
	const json_t *given_here[32], **given = given_here;
	if (schema && schema->n_args > 32 && !(given = malloc(schema->n_args * sizeof(*given))))
		return OOM(c);
	const char *misfit = schema ? schema_misfit(schema, node, given) : NULL;
	if (misfit) {
		base_warn(
			c->o->warn, c->o->warn_ctx,
			"node '%s': the schema of %s does not fit the archive (%s); its arguments "
			"are kept as the archive gives them",
			json_string_value(json_object_get(out, "name")), op, misfit);
		schema = NULL;
	}
	if (!schema && given != given_here)
		free(given);
	json_object_set_new(out, "schema",
			    json_string(!schema                        ? "none"
					: origin == IRX_SCHEMA_BUILTIN ? "builtin"
								       : "user"));
	if (!schema) {
		/* No schema: the archive's arguments as given, attributes typed. */
		int hop = !strncmp(op, "higher_order.", 13);
		if (!misfit && !hop && irx_schema_is_operator(op) &&
		    !json_object_get(c->warned, op)) {
			json_object_set_new(c->warned, op, json_true());
			base_warn(
				c->o->warn, c->o->warn_ctx,
				"no schema for %s: its arguments are kept as the archive gives them "
				"(defaults unknown); give one with --schemas",
				op);
		}
		json_array_foreach(json_object_get(node, "inputs"), i, in) {
			const char *name = json_string_value(json_object_get(in, "name"));
			char pos[32];
			if (!name || !*name) {
				const char *hn = hop ? hop_arg_name(op, i) : NULL;
				snprintf(pos, sizeof(pos), "arg%zu", i);
				name = hn ? hn : pos;
			}
			if ((rc = add_argument(c, s, out, name, (long)i, json_object_get(in, "arg"),
					       !hop)))
				return rc;
		}
		return IRX_OK;
	}
	rc = IRX_OK;
	for (size_t a = 0; !rc && a < schema->n_args; a++) {
		const irx_schema_arg *sa = &schema->args[a];
		if (given[a])
			rc = add_argument(c, s, out, sa->name, (long)a, given[a], 0);
		else if (json_object_set_new(json_object_get(out, "attrs"), sa->name,
					     json_deep_copy(sa->default_value)))
			rc = OOM(c);
	}
	if (given != given_here)
		free(given);
	return rc;
}

/* One tensor output of node NAME: a TensorMeta at the end of OUTPUTS, and
 * the producer map learns where TNAME comes from. */
static int emit_output(struct graph_conv *c, struct scope *s, const char *name, json_t *outputs,
		       const char *tname, size_t output_index, long list_index)
{
	json_int_t idx = (json_int_t)json_array_size(outputs);
	json_t *m = tensor_meta(c, s, tname, 0);
	int rc;

	if (!m)
		return c->err && c->err->code ? c->err->code : IRX_EFORMAT;
	json_object_set_new_nocheck(m, "producer_node", json_string_nocheck(name));
	json_object_set_new_nocheck(m, "producer_output_idx", json_integer(idx));
	json_object_set_new_nocheck(m, "output_index", json_integer((json_int_t)output_index));
	if (list_index >= 0)
		json_object_set_new_nocheck(m, "list_index", json_integer(list_index));
	if ((rc = produce(c, s, tname, json_pack("[s,I]", name, idx)))) {
		json_decref(m);
		return rc;
	}
	return json_array_append_new(outputs, m) ? OOM(c) : IRX_OK;
}

/* Outputs: one entry per tensor (Tensor[] results flattened), with the
 * schema position; None results are left out. */
static int node_outputs(struct graph_conv *c, struct scope *s, const json_t *node, json_t *out)
{
	const char *name = json_string_value(json_object_get(out, "name"));
	json_t *outputs = json_object_get(out, "outputs"), *a, *x, *t, *m;
	size_t i, j;
	int rc = IRX_OK;

	json_array_foreach(json_object_get(node, "outputs"), i, a) {
		if ((t = json_object_get(a, "tensor")) ||
		    (t = json_object_get(a, "optional_tensor"))) {
			if (json_is_string(t))
				rc = emit_output(c, s, name, outputs, json_string_value(t), i, -1);
		} else if ((t = json_object_get(a, "tensors")) ||
			   (t = json_object_get(a, "optional_tensors"))) {
			json_array_foreach(t, j, x)
				if (!rc && json_is_string(x))
					rc = emit_output(c, s, name, outputs, json_string_value(x),
							 i, (long)j);
		} else if ((t = json_object_get(a, "sym_int")) ||
			   (t = json_object_get(a, "sym_bool")) ||
			   (t = json_object_get(a, "sym_float"))) {
			/* a symbolic scalar: named, with its expression */
			const char *sn = json_string_value(json_object_get(t, "name"));
			if (!sn)
				continue;
			json_t *sv = json_object_get(s->sym_values, sn);
			m = json_pack("{s:s,s:O?,s:O?,s:I}", "name", sn, "kind",
				      json_object_get(sv, "type"), "expr",
				      json_object_get(sv, "value"), "output_index", (json_int_t)i);
			if (!m)
				return OOM(c);
			if ((rc = produce(c, s, sn,
					  json_pack("[s,I]", name,
						    (json_int_t)json_array_size(outputs))))) {
				json_decref(m);
				return rc;
			}
			json_array_append_new(outputs, m);
		}
		if (rc)
			return rc;
	}
	return IRX_OK;
}

struct hook {
	char *op_type;
	irx_convert_hook fn;
	void *user;
};

struct irx_convert_hooks {
	struct hook *v;
	size_t n;
};

irx_status irx_convert_hooks_new(irx_convert_hooks **out, irx_error *err)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

irx_status irx_convert_hooks_add(irx_convert_hooks *h, const char *op_type, irx_convert_hook fn,
				 void *user, irx_error *err)
{
	struct hook *v;
	char *op;

	if (!h || !op_type || !fn)
		return irx_error_set(err, IRX_EINVAL,
				     "a conversion hook needs a set, an op_type and a function");
	if (!(op = strdup(op_type)) || !(v = realloc(h->v, (h->n + 1) * sizeof(*v)))) {
		free(op);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	h->v = v;
	v[h->n++] = (struct hook){op, fn, user};
	/* cppcheck-suppress memleak ; op is kept in h->v */
	return IRX_OK;
}

void irx_convert_hooks_free(irx_convert_hooks *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].op_type);
	free(h->v);
	free(h);
}

static int run_hooks(struct graph_conv *c, const irx_convert_hooks *hooks, const json_t *node,
		     json_t *out)
{
	const char *op = json_string_value(json_object_get(out, "op_type"));

	for (size_t i = 0; i < hooks->n; i++) {
		const struct hook *h = &hooks->v[i];
		int rc;
		if (strcmp(h->op_type, "*") && (!op || strcmp(h->op_type, op)))
			continue;
		if ((rc = h->fn(node, out, h->user, c->err)))
			return c->err && c->err->code
				       ? c->err->code
				       : cfail(c, rc, "a conversion hook for %s failed",
					       op ? op : "?");
	}
	return IRX_OK;
}

static int convert_node(struct graph_conv *c, struct scope *s, const json_t *node, json_t **res)
{
	json_t *out, *x;
	int rc;

	*res = NULL;
	if (!json_is_string(json_object_get(node, "name")) ||
	    !json_is_string(json_object_get(node, "target")))
		return cfail(c, IRX_EFORMAT, "node needs a string 'name' and 'target'");

	if (!(out = json_object()) ||
	    json_object_set_nocheck(out, "name", json_object_get(node, "name")) ||
	    json_object_set_nocheck(out, "op_type", json_object_get(node, "target")) ||
	    json_object_set_new_nocheck(out, "inputs", json_array()) ||
	    json_object_set_new_nocheck(out, "outputs", json_array()) ||
	    json_object_set_new_nocheck(out, "attrs", json_object())) {
		json_decref(out);
		return OOM(c);
	}
	if ((rc = node_arguments(c, s, node, out)) || (rc = node_outputs(c, s, node, out))) {
		json_decref(out);
		return rc;
	}
	static const char *const provenance[] = {"module_path", "module_type", "source"};
	for (size_t i = 0; i < 3; i++)
		if ((x = json_object_get(node, provenance[i])))
			json_object_set(out, provenance[i], x);
	if (c->o->hooks && (rc = run_hooks(c, c->o->hooks, node, out))) {
		json_decref(out);
		return rc;
	}
	*res = out;
	return IRX_OK;
}

/* IR[KEY]: the TensorMetas of a subgraph's inputs (its placeholders,
 * produced by no node) or of its outputs (ARGS). */
static int subgraph_metas(struct graph_conv *c, struct scope *s, json_t *ir, const char *key,
			  const json_t *args, int inputs)
{
	json_t *list = json_array(), *a, *m;
	size_t i;

	if (json_object_set_new(ir, key, list))
		return OOM(c);
	json_array_foreach(args, i, a) {
		json_t *t = json_object_get(a, "tensor");
		if (!json_is_string(t))
			continue;
		if (inputs)
			json_object_set_new(s->producers, json_string_value(t), json_null());
		if (!(m = tensor_meta(c, s, json_string_value(t), !inputs)) ||
		    json_array_append_new(list, m))
			return c->err && c->err->code ? c->err->code : OOM(c);
	}
	return IRX_OK;
}

/*
 * A higher-order operator's subgraph into OUT_NODES, with its own
 * namespace and its graph_inputs and graph_outputs in IR.
 */
static int convert_subgraph(struct graph_conv *c, const json_t *graph, json_t *out_nodes,
			    json_t *ir)
{
	struct scope s = {
		json_object_get(graph, "values"),
		json_object_get(graph, "sym_values"),
		json_object(),
		0,
	};
	json_t *node, *out;
	size_t i;
	int rc;

	if (!s.producers)
		return OOM(c);
	if ((rc = subgraph_metas(c, &s, ir, "graph_inputs", json_object_get(graph, "inputs"), 1)))
		goto out;
	json_array_foreach(json_object_get(graph, "nodes"), i, node) {
		snprintf(c->where, sizeof(c->where), "subgraph/nodes/%zu (node '%s')", i,
			 json_string_value(json_object_get(node, "name")));
		if ((rc = convert_node(c, &s, node, &out)))
			goto out;
		if (json_array_append_new(out_nodes, out)) {
			rc = OOM(c);
			goto out;
		}
	}
	c->where[0] = '\0';
	rc = subgraph_metas(c, &s, ir, "graph_outputs", json_object_get(graph, "outputs"), 0);
out:
	json_decref(s.producers);
	return rc;
}

/* ---- the IR document ------------------------------------------------------ */

static json_t *payload_entries(const json_t *list, json_t *mapping)
{
	json_t *out = json_array(), *w;
	size_t i;

	json_array_foreach(list, i, w) {
		json_t *gname = json_object_get(w, "graph_name");
		json_t *e = json_pack(
			"{s:O,s:O?,s:O?,s:O}", "name", gname, "shape", json_object_get(w, "shape"),
			"dtype", json_object_get(w, "dtype"), "kind", json_object_get(w, "kind"));
		if (!e)
			continue;
		if (json_object_get(w, "persistent"))
			json_object_set(e, "persistent", json_object_get(w, "persistent"));
		if (json_object_get(w, "class_fqn"))
			json_object_set(e, "class_fqn", json_object_get(w, "class_fqn"));
		json_object_set(e, "has_data", json_object_get(w, "has_data"));
		json_array_append_new(out, e);
		if (json_is_string(gname) && json_object_get(w, "name"))
			json_object_set(mapping, json_string_value(gname),
					json_object_get(w, "name"));
	}
	return out;
}

/* Model name: the name irx-capture stored (source.model_name), else the
 * source file's base name without extension.  source.file
 * is already escaped (irx_escape) and so valid UTF-8; cut at '/' and '.',
 * it stays so. */
static json_t *model_name(const json_t *program)
{
	const json_t *src = json_object_get(program, "source");
	const char *file = json_string_value(json_object_get(src, "file"));
	const char *stored = json_string_value(json_object_get(src, "model_name"));
	const char *base, *dot;

	if (stored && *stored) /* irx-capture's name for the model, in the archive */
		return json_string(stored);
	if (!file || !strcmp(file, "-"))
		return json_string("model");
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	dot = strrchr(base, '.');
	return json_stringn(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

/* The schema of OP_TYPE for judging its aliasing, or NULL.  An operator
 * without a known schema (a custom operator without --schemas), or whose
 * schema does not parse, cannot be judged: it is taken as neither in place
 * nor a view, so a buffer it writes is not in the mutations.  Node
 * conversion has already looked it up and warned. */
static const irx_schema *alias_schema(struct graph_conv *c, const char *op_type)
{
	const irx_schema *schema = NULL;
	irx_error err = {0};

	return irx_schema_registry_lookup(&schema, NULL, c->schemas, op_type, &err) ? NULL : schema;
}

/* Whether OP_TYPE ("aten.add_.Tensor") writes into its first argument and
 * returns it (or nothing), by ATen's alias annotations: "Tensor(a!) self"
 * and "-> Tensor(a!)".  An operator that writes self but returns another
 * tensor is not taken as in place, since its output is not the buffer. */
static int is_inplace(struct graph_conv *c, const char *op_type)
{
	const irx_schema *schema = alias_schema(c, op_type);

	return graph_schema_writes_arg(schema, 0) &&
	       (!schema->n_returns || graph_schema_return_aliases_arg(schema, 0, 0));
}

/* Whether OP_TYPE's output (each tensor of it, for a list) is a view of
 * its first argument, which it does not write: "Tensor(a) self ->
 * Tensor(a)" (select, view, as_strided, ...), "Tensor(a -> *) self ->
 * Tensor(a)[]" (split, unbind, ...).  Operators that may return their
 * input or a copy (reshape, contiguous, to) are annotated as views too: a
 * write through a copy then names the buffer with its own, unchanged,
 * value, which is still right. */
static int is_view(struct graph_conv *c, const char *op_type)
{
	const irx_schema *schema = alias_schema(c, op_type);

	return !graph_schema_writes_arg(schema, 0) && graph_schema_return_aliases_arg(schema, 0, 0);
}

/* The tensors of NODE's list output (split, unbind), each a view of the
 * buffer alias A (not the whole of it), into ALIAS; -1 when out of memory. */
static int alias_list_views(json_t *alias, const json_t *node, const json_t *a)
{
	const json_t *views =
		json_object_get(json_array_get(json_object_get(node, "outputs"), 0), "tensors");
	const json_t *v;
	size_t i;

	json_array_foreach(views, i, v) {
		if (json_is_string(v) &&
		    json_object_set_new(
			    alias, json_string_value(v),
			    json_pack("[O,O,b]", json_array_get(a, 0), json_array_get(a, 1), 0)))
			return -1;
	}
	return 0;
}

/*
 * Buffer updates that torch.export keeps as in-place nodes (an eval-mode
 * export of `self.buf.add_(1)` or `self.buf[0].copy_(x)` is not
 * functionalized, so its signature has no buffer mutation): each buffer
 * that an in-place node writes, directly or through a view, is added to
 * the mutations MUTS under its state_dict key, like the functionalized
 * ones.  Its value after the run is the last writer's output when that is
 * the whole buffer (a chain of in-place calls), else the buffer itself;
 * either way the storage the writes went to.  producer_node is the last
 * node that writes it, where irx-dump shows the update.
 */
static int inplace_begin(struct graph_conv *c)
{
	json_t *spec;
	size_t i;

	if (!(c->alias = json_object()) || !(c->last = json_object()))
		return OOM(c);
	/* value name -> [buffer input name, target, whole?] */
	json_array_foreach(json_object_get(c->program, "inputs"), i, spec) {
		const char *kind = json_string_value(json_object_get(spec, "kind"));
		const char *name = json_string_value(json_object_get(spec, "name"));
		if (kind && !strcmp(kind, "buffer") && name &&
		    json_is_string(json_object_get(spec, "target")) &&
		    json_object_set_new(
			    c->alias, name,
			    json_pack("[s,O,b]", name, json_object_get(spec, "target"), 1)))
			return OOM(c);
	}
	return IRX_OK;
}

/* NODE of the top graph, in order: what it writes in place or views. */
static int inplace_node(struct graph_conv *c, const json_t *node)
{
	const char *op = json_string_value(json_object_get(node, "target"));
	const json_t *first = json_array_get(json_object_get(node, "inputs"), 0);
	const char *self =
		json_string_value(json_object_get(json_object_get(first, "arg"), "tensor"));
	const char *out = json_string_value(
		json_object_get(json_array_get(json_object_get(node, "outputs"), 0), "tensor"));
	json_t *a = self ? json_object_get(c->alias, self) : NULL;
	int inplace;

	if (!op || !a)
		return IRX_OK;
	inplace = is_inplace(c, op);
	if (!inplace && !is_view(c, op))
		return IRX_OK;
	if (!inplace && alias_list_views(c->alias, node, a))
		return OOM(c);
	if (inplace) {
		const char *buf = json_string_value(json_array_get(a, 0));
		int whole = json_is_true(json_array_get(a, 2)) && out;
		if (json_object_set_new(c->last, buf,
					json_pack("[s,s,O]", whole ? out : buf,
						  json_string_value(json_object_get(node, "name")),
						  json_array_get(a, 1))))
			return OOM(c);
	}
	if (out &&
	    json_object_set_new(c->alias, out,
				json_pack("[O,O,b]", json_array_get(a, 0), json_array_get(a, 1),
					  inplace && json_is_true(json_array_get(a, 2)))))
		return OOM(c);
	return IRX_OK;
}

/* The buffers written in place, after the functionalized ones in MUTS. */
static int inplace_mutations(struct graph_conv *c, struct scope *s, json_t *muts)
{
	json_t *known = json_object(), *node, *m;
	const char *k;
	size_t i;
	int rc = IRX_OK;

	if (!known)
		goto oom;
	/* The buffers already updated by functionalized mutations, as a set:
	 * a hostile program may hold many of both. */
	json_array_foreach(muts, i, m) {
		const char *t = json_string_value(json_object_get(m, "target"));
		if (t && json_object_set_new(known, t, json_true()))
			goto oom;
	}
	json_object_foreach(c->last, k, node) {
		json_t *target = json_array_get(node, 2);
		if (!json_is_string(target) || json_object_get(known, json_string_value(target)))
			continue;
		if (!(m = tensor_meta(c, s, json_string_value(json_array_get(node, 0)), 0))) {
			rc = c->err && c->err->code ? c->err->code : IRX_EFORMAT;
			goto out;
		}
		json_object_set(m, "producer_node", json_array_get(node, 1));
		json_object_set_new(m, "kind", json_string("buffer_mutation"));
		json_object_set(m, "target", target);
		if (json_array_append_new(muts, m))
			goto oom;
	}
	goto out;
oom:
	rc = OOM(c);
out:
	json_decref(known);
	return rc;
}

static int graph_io(struct graph_conv *c)
{
	const json_t *program = c->program;
	json_t *ir = c->ir, *spec, *ins = json_array(), *outs = json_array(), *muts = json_array(),
	       *consts = json_array();
	struct scope *s = &c->top;
	size_t i;
	int rc = IRX_OK;

	json_object_set_new(ir, "graph_inputs", ins);
	json_object_set_new(ir, "graph_outputs", outs);
	json_object_set_new(ir, "mutations", muts);
	json_object_set_new(ir, "constant_inputs", consts);
	json_array_foreach(json_object_get(program, "inputs"), i, spec) {
		const char *kind = json_string_value(json_object_get(spec, "kind"));
		json_t *name = json_object_get(spec, "name"), *m;
		if (kind && !strcmp(kind, "constant_input")) {
			json_array_append_new(consts, json_deep_copy(spec));
			continue;
		}
		if (!kind || strcmp(kind, "user_input"))
			continue;
		if (json_is_string(name) && json_object_get(s->values, json_string_value(name))) {
			if (!(m = tensor_meta(c, s, json_string_value(name), 0)))
				return c->err && c->err->code ? c->err->code : IRX_EFORMAT;
			json_array_append_new(ins, m);
		} else {
			/* a non-tensor user input: a SymInt or a constant */
			json_array_append_new(consts, json_deep_copy(spec));
		}
	}
	json_array_foreach(json_object_get(program, "outputs"), i, spec) {
		const char *kind = json_string_value(json_object_get(spec, "kind"));
		json_t *name = json_object_get(spec, "name"), *m;
		snprintf(c->where, sizeof(c->where), "/outputs/%zu", i);
		if (!kind)
			continue;
		if (json_is_string(name) && json_object_get(s->values, json_string_value(name))) {
			if (!(m = tensor_meta(c, s, json_string_value(name), 1)))
				return c->err && c->err->code ? c->err->code : IRX_EFORMAT;
		} else {
			m = json_deep_copy(spec); /* literal output such as an int */
		}
		if (!strcmp(kind, "user_output") || !strcmp(kind, "loss_output")) {
			rc = json_array_append_new(outs, m);
		} else {
			json_object_set(m, "kind", json_object_get(spec, "kind"));
			if (json_object_get(spec, "target"))
				json_object_set(m, "target", json_object_get(spec, "target"));
			rc = json_array_append_new(muts, m);
		}
		if (rc)
			return OOM(c);
	}
	c->where[0] = '\0';
	return inplace_mutations(c, s, muts);
}

/* The top graph's placeholders (weights, constants, user inputs, symbolic
 * ints) are produced by nobody. */
static int top_scope(struct graph_conv *c, const json_t *graph)
{
	json_t *a, *t;
	size_t i;

	c->top = (struct scope){json_object_get(graph, "values"),
				json_object_get(graph, "sym_values"), json_object(), 0};
	if (!c->top.producers)
		return OOM(c);
	json_array_foreach(json_object_get(graph, "inputs"), i, a) {
		if (!(t = json_object_get(a, "tensor")) && (t = json_object_get(a, "sym_int")))
			t = json_object_get(t, "name");
		if (!t && (t = json_object_get(a, "custom_obj")))
			t = json_object_get(t, "name");
		if (json_is_string(t) &&
		    json_object_set_new(c->top.producers, json_string_value(t), json_null()))
			return OOM(c);
	}
	return IRX_OK;
}

int graph_convert_begin(struct graph_conv **out, const json_t *program,
			const irx_convert_options *opts, irx_error *err)
{
	static const irx_convert_options defaults = {0};
	struct graph_conv *c;
	const json_t *graph = json_object_get(program, "graph");
	json_t *x, *mapping;
	int rc;

	*out = NULL;
	x = json_object_get(program, "format");
	if (!json_is_string(x) || strcmp(json_string_value(x), IRX_PROGRAM_FORMAT)) {
		rc = irx_error_set(err, IRX_EFORMAT,
				   "not an irx-program document (no \"format\": \"%s\"); "
				   "irx-convert reads what irx-export writes",
				   IRX_PROGRAM_FORMAT);
		base_where(err, "/format");
		return rc;
	}
	x = json_object_get(program, "format_version");
	if (!json_is_integer(x) || json_integer_value(x) < 1 ||
	    json_integer_value(x) > IRX_PROGRAM_FORMAT_VERSION) {
		rc = irx_error_set(
			err, IRX_EUNSUPPORTED,
			"irx-program format version %lld is not supported (this irx reads 1 to %d)",
			(long long)json_integer_value(x), IRX_PROGRAM_FORMAT_VERSION);
		base_where(err, "/format_version");
		return rc;
	}
	if (!json_is_object(graph) || !json_is_array(json_object_get(graph, "nodes")) ||
	    !json_is_array(json_object_get(program, "inputs")) ||
	    !json_is_array(json_object_get(program, "outputs")))
		return irx_error_set(err, IRX_EFORMAT,
				     "irx-program document lacks graph, inputs or outputs");
	if (!(c = calloc(1, sizeof(*c))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	c->o = opts ? opts : &defaults;
	c->err = err;
	c->program = program;
	if (!(c->schemas = c->o->schemas)) {
		if ((rc = irx_schema_registry_new(&c->own_schemas, err)))
			goto fail;
		c->schemas = c->own_schemas;
	}
	c->ranges = json_object_get(program, "range_constraints");
	x = json_object_get(program, "source");
	c->ir = json_pack("{s:s,s:i,s:o,s:o}", "format", IRX_IR_FORMAT, "format_version",
			  IRX_IR_FORMAT_VERSION, "model_name",
			  c->o->model_name ? base_json_escaped(c->o->model_name)
					   : model_name(program),
			  "source", json_is_object(x) ? json_incref(x) : json_object());
	mapping = json_object();
	if (!(c->warned = json_object()) || !c->ir || !mapping) {
		json_decref(mapping);
		rc = OOM(c);
		goto fail;
	}
	/* Field order follows the original framework's IR. */
	json_object_set_new(c->ir, "graph_inputs", json_array());
	json_object_set_new(c->ir, "graph_outputs", json_array());
	json_object_set_new(c->ir, "nodes", json_array());
	json_object_set_new(c->ir, "weights",
			    payload_entries(json_object_get(program, "weights"), mapping));
	json_object_set_new(c->ir, "weight_name_mapping", mapping);
	json_object_set_new(c->ir, "constants",
			    payload_entries(json_object_get(program, "constants"), mapping));
	int symbolic = 0;
	if ((rc = top_scope(c, graph)) ||
	    (rc = check_value_symbols(c, graph, "/graph", &symbolic)) || (rc = inplace_begin(c)))
		goto fail;
	c->top.fixed = !symbolic;
	*out = c;
	return IRX_OK;
fail:
	graph_convert_free(c);
	return rc;
}

int graph_convert_node(struct graph_conv *c, const json_t *node, json_t **out)
{
	struct base_path here = {.len = 0};
	int rc;

	*out = NULL;
	base_path_key(&here, "graph");
	base_path_key(&here, "nodes");
	base_path_index(&here, c->n_nodes++);
	if ((rc = check_node_symbols(c, node, here.buf)) ||
	    (!c->o->allow_dynamic && (rc = check_node_static(c, &c->top, node, here.buf))))
		return rc;
	set_where(c, here.buf, json_string_value(json_object_get(node, "name")));
	if ((rc = convert_node(c, &c->top, node, out)) || (rc = inplace_node(c, node))) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	c->where[0] = '\0';
	return IRX_OK;
}

json_t *graph_convert_ir(struct graph_conv *c) { return c->ir; }

int graph_convert_end(struct graph_conv *c)
{
	int rc;

	if ((rc = graph_io(c)))
		return rc;
	if (!json_array_size(json_object_get(c->ir, "constant_inputs")))
		json_object_del(c->ir, "constant_inputs");
	if (c->o->allow_dynamic && json_object_size(c->ranges))
		json_object_set(c->ir, "symbols", (json_t *)c->ranges);
	return IRX_OK;
}

void graph_convert_free(struct graph_conv *c)
{
	if (!c)
		return;
	json_decref(c->ir);
	json_decref(c->warned);
	json_decref(c->top.producers);
	json_decref(c->alias);
	json_decref(c->last);
	irx_schema_registry_free(c->own_schemas);
	free(c);
}

irx_status irx_convert(json_t **out, const json_t *program, const irx_convert_options *opts,
		       irx_error *err)
{
	struct graph_conv *c;
	json_t *node, *converted;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = graph_convert_begin(&c, program, opts, err)))
		return rc;
	json_t *nodes = json_object_get(graph_convert_ir(c), "nodes");
	json_array_foreach(json_object_get(json_object_get(program, "graph"), "nodes"), i, node) {
		if ((rc = graph_convert_node(c, node, &converted)))
			goto out;
		if (json_array_append_new(nodes, converted)) {
			rc = OOM(c);
			goto out;
		}
	}
	if (!(rc = graph_convert_end(c)))
		*out = json_incref(c->ir);
out:
	graph_convert_free(c);
	return rc;
}
