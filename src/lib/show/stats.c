/*
 * stats.c: statistics of an IR: weights by kind and dtype, FLOPs (flops.c),
 * the peak of live activations (irx-exec --memory's rule, statically), per
 * module and per operator; as JSON and as text.  docs/statistics.md.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irx/json.h"
#include "irx/view.h"
#include "show/show.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Elements of a TensorMeta; 0 when a size is symbolic (*SYM set). */
uint64_t show_elements(const json_t *m, int *sym)
{
	const json_t *sh = json_object_get(m, "shape"), *d;
	uint64_t n = 1;
	size_t i;

	if (!json_is_array(sh)) {
		if (sym)
			*sym = 1;
		return 0;
	}
	json_array_foreach(sh, i, d) {
		if (!json_is_integer(d) || json_integer_value(d) < 0) {
			if (sym)
				*sym = 1;
			return 0;
		}
		n *= (uint64_t)json_integer_value(d);
	}
	return n;
}

uint64_t show_bytes(const json_t *m, int *sym)
{
	const char *dt = str(m, "dtype");

	return show_elements(m, sym) * (dt ? irx_dtype_size(irx_dtype_from_name(dt)) : 0);
}

static int addi(json_t *o, const char *key, uint64_t n)
{
	json_t *v = json_object_get(o, key);

	if (v)
		return json_integer_set(v, json_integer_value(v) + (json_int_t)n);
	return json_object_set_new(o, key, json_integer((json_int_t)n));
}

static uint64_t geti(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

/* ---- activation memory ------------------------------------------------------ */

/*
 * irx-exec --memory measures, after each node has run and before the
 * values whose last use it was are released, the bytes of the distinct
 * storages held by the graph's intermediate values (not its inputs,
 * weights and constants); graph outputs are never released; unused
 * outputs are released at once.  Statically: a view shares its first
 * input's storage, and so do reshape and contiguous when ATen would not
 * copy (layout.c follows the strides); every other output has a storage
 * of its own.
 * A subgraph is measured on its own, as exec does.
 */
static int peak_of(const json_t *g, int top, const json_t *ir, uint64_t *peak)
{
	const json_t *nodes = json_object_get(g, "nodes"), *n, *v;
	size_t nn = json_array_size(nodes), i, k;
	json_t *ids = json_object();
	size_t cap = 16, nv = 0;
	struct val {
		size_t storage; /* index into store */
		size_t last;    /* node of the last use; SIZE_MAX: never released */
		struct show_layout lay;
	} *vals = NULL;
	struct store {
		uint64_t bytes;
		size_t refs;
	} *store = NULL;
	size_t ns = 0;
	uint64_t live = 0;
	int rc = -1;

	if (!ids || !(vals = malloc(cap * sizeof(*vals))) ||
	    !(store = malloc(cap * sizeof(*store))))
		goto out;
#define NEWVAL(meta, st)                                                                       \
	do {                                                                                   \
		if (nv == cap || ns == cap) {                                                  \
			cap *= 2;                                                              \
			void *a = realloc(vals, cap * sizeof(*vals));                          \
			if (!a)                                                                \
				goto out;                                                      \
			vals = a;                                                              \
			if (!(a = realloc(store, cap * sizeof(*store))))                       \
				goto out;                                                      \
			store = a;                                                             \
		}                                                                              \
		vals[nv].storage = (st);                                                       \
		vals[nv].last = (size_t)-1;                                                    \
		if (str(meta, "name") &&                                                       \
		    json_object_set_new(ids, str(meta, "name"), json_integer((json_int_t)nv))) \
			goto out;                                                              \
		nv++;                                                                          \
	} while (0)
	const char *lists[] = {"graph_inputs", "weights", "constants"};
	for (int l = 0; l < (top ? 3 : 1); l++)
		json_array_foreach(json_object_get(l ? ir : g, lists[l]), k, v) {
			size_t s = ns;
			NEWVAL(v, s);
			show_layout_of(v, &vals[nv - 1].lay);
			store[ns++] = (struct store){show_bytes(v, NULL), 0};
		}
	size_t first = nv;
	size_t *first_out = calloc(nn + 1, sizeof(*first_out));
	if (!first_out)
		goto out;
	json_array_foreach(nodes, i, n) {
		const json_t *in0 = json_array_get(json_object_get(n, "inputs"), 0);
		json_t *src =
			in0 ? json_object_get(ids, str(in0, "name") ? str(in0, "name") : "") : NULL;
		size_t srci = src ? (size_t)json_integer_value(src) : 0;
		json_array_foreach(json_object_get(n, "inputs"), k, v) {
			json_t *id = json_object_get(ids, str(v, "name") ? str(v, "name") : "");
			if (id)
				vals[json_integer_value(id)].last = i;
		}
		first_out[i] = nv;
		json_array_foreach(json_object_get(n, "outputs"), k, v) {
			struct show_layout lay;
			int view = show_view_layout(n, k, src ? &vals[srci].lay : NULL, &lay);
			size_t s = view ? vals[srci].storage : ns;
			NEWVAL(v, s);
			vals[nv - 1].last = i;
			vals[nv - 1].lay = lay;
			if (!view)
				store[ns++] = (struct store){show_storage_bytes(n, k, v), 0};
		}
	}
	first_out[nn] = nv;
	/* inputs may name values of earlier nodes only; set last uses again now
	 * that every value exists (an output's own last is its node at least) */
	json_array_foreach(nodes, i, n)
		json_array_foreach(json_object_get(n, "inputs"), k, v) {
			json_t *id = json_object_get(ids, str(v, "name") ? str(v, "name") : "");
			if (id && vals[json_integer_value(id)].last < i)
				vals[json_integer_value(id)].last = i;
		}
	json_array_foreach(json_object_get(g, "graph_outputs"), k, v) {
		json_t *id = json_object_get(ids, str(v, "name") ? str(v, "name") : "");
		if (id)
			vals[json_integer_value(id)].last = (size_t)-1;
	}
	/* released after node i: intermediate values whose last use is i */
	size_t *dead_start = calloc(nn + 2, sizeof(*dead_start)),
	       *dead = malloc((nv + 1) * sizeof(*dead));
	if (!dead_start || !dead) {
		free(dead_start);
		free(dead);
		free(first_out);
		goto out;
	}
	for (size_t x = first; x < nv; x++)
		if (vals[x].last != (size_t)-1)
			dead_start[vals[x].last + 1]++;
	for (i = 0; i < nn; i++)
		dead_start[i + 1] += dead_start[i];
	size_t *fill = calloc(nn + 1, sizeof(*fill));
	if (!fill) {
		free(dead_start);
		free(dead);
		free(first_out);
		goto out;
	}
	for (size_t x = first; x < nv; x++)
		if (vals[x].last != (size_t)-1)
			dead[dead_start[vals[x].last] + fill[vals[x].last]++] = x;
	*peak = 0;
	for (i = 0; i < nn; i++) {
		for (size_t x = first_out[i]; x < first_out[i + 1]; x++)
			if (store[vals[x].storage].refs++ == 0)
				live += store[vals[x].storage].bytes;
		if (live > *peak)
			*peak = live;
		for (size_t d = dead_start[i]; d < dead_start[i + 1]; d++)
			if (--store[vals[dead[d]].storage].refs == 0)
				live -= store[vals[dead[d]].storage].bytes;
	}
	free(fill);
	free(dead_start);
	free(dead);
	free(first_out);
	rc = 0;
	/* subgraphs, measured on their own */
	json_array_foreach(nodes, i, n) {
		const char *name;
		json_object_foreach(json_object_get(n, "subgraphs"), name, v) {
			uint64_t p = 0;
			if ((rc = peak_of(v, 0, ir, &p)))
				goto out;
			if (p > *peak)
				*peak = p;
		}
	}
#undef NEWVAL
out:
	json_decref(ids);
	free(vals);
	free(store);
	return rc;
}

/* ---- modules ------------------------------------------------------------------ */

/* "a.b.c" -> "a.b", "a" -> "" (in place). */
static void to_parent(char *path)
{
	char *dot = strrchr(path, '.');

	*(dot ? dot : path) = 0;
}

static int depth_of(const char *path)
{
	int d = *path ? 1 : 0;

	for (; *path; path++)
		d += *path == '.';
	return d;
}

struct acc {
	json_t *mods; /* path -> {"seq", "type", "params", "flops", ...} */
	size_t seq;
};

static json_t *module(struct acc *a, const char *path)
{
	json_t *m = json_object_get(a->mods, path);

	if (m)
		return m;
	/* ancestors first, so that their first appearance comes earlier */
	if (*path) {
		const char *dot = strrchr(path, '.');
		char *parent = strndup(path, dot ? (size_t)(dot - path) : 0);
		if (!parent || !module(a, parent)) {
			free(parent);
			return NULL;
		}
		free(parent);
	}
	m = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "seq", (json_int_t)a->seq++, "params",
		      (json_int_t)0, "flops", (json_int_t)0, "other_work", (json_int_t)0,
		      "activation_bytes", (json_int_t)0, "nodes", (json_int_t)0, "params_bytes",
		      (json_int_t)0);
	if (!m || json_object_set_new(a->mods, path, m))
		return NULL;
	return m;
}

/* Add KEY += N to PATH and each of its ancestors. */
static int charge(struct acc *a, const char *path, const char *key, uint64_t n)
{
	char *p = strdup(path);
	int rc = 0;

	if (!p)
		return -1;
	for (;;) {
		json_t *m = module(a, p);
		if (!m || addi(m, key, n)) {
			rc = -1;
			break;
		}
		if (!*p)
			break;
		to_parent(p);
	}
	free(p);
	return rc;
}

/* ---- the walk ------------------------------------------------------------------- */

struct walk {
	const json_t *ir;
	struct acc acc;
	json_t *by_op;   /* op_type -> {"count", "flops", "counted_as": {}, "other_work"} */
	json_t *counted; /* counted operator -> FLOPs, whole model */
	uint64_t flops, other, unknown, nodes_total;
	int sym;
};

/*
 * The module of a subgraph node, which the IR gives no module_path: the
 * module owning a parameter it reads (through the higher-order operator's
 * operands, passed to the subgraph's inputs in order), else PATH.
 */
static char *sub_module(struct walk *w, const json_t *hop, const json_t *g, const json_t *n,
			const char *path)
{
	const json_t *map = json_object_get(w->ir, "weight_name_mapping"), *in, *gi, *oi;
	size_t i, k;

	if (json_is_string(json_object_get(n, "module_path")))
		return strdup(str(n, "module_path"));
	json_array_foreach(json_object_get(n, "inputs"), i, in) {
		json_array_foreach(json_object_get(g, "graph_inputs"), k, gi) {
			if (!str(gi, "name") || !str(in, "name") ||
			    strcmp(str(gi, "name"), str(in, "name")))
				continue;
			/* the K-th tensor operand of the higher-order node (not its predicate) */
			size_t j, pos = 0;
			json_array_foreach(json_object_get(hop, "inputs"), j, oi) {
				const char *arg = str(oi, "arg");
				if (arg && !strcmp(arg, "pred"))
					continue;
				if (pos++ != k)
					continue;
				const json_t *sd = json_object_get(
					map, str(oi, "name") ? str(oi, "name") : "");
				const json_t *wt;
				size_t q;
				json_array_foreach(json_object_get(w->ir, "weights"), q, wt)
					if (json_is_string(sd) && str(wt, "name") &&
					    str(wt, "kind") &&
					    !strcmp(str(wt, "name"), str(oi, "name")) &&
					    !strcmp(str(wt, "kind"), "parameter")) {
						char *m = strdup(json_string_value(sd));
						if (m)
							to_parent(m);
						return m;
					}
			}
		}
	}
	return strdup(path);
}

/* Charge a higher-order node's work to the modules of its subgraphs'
 * nodes: every subgraph, or for cond the branch with more FLOPs. */
static int charge_subgraphs(struct walk *w, const json_t *hop, const char *path)
{
	const json_t *subs = json_object_get(hop, "subgraphs"), *g, *n, *best = NULL;
	int cond = str(hop, "op_type") && !strcmp(str(hop, "op_type"), "higher_order.cond");
	uint64_t best_f = 0;
	const char *name;
	size_t i;

	json_object_foreach((json_t *)subs, name, g) {
		uint64_t f = 0, o = 0, u = 0;
		json_t *by = json_object(), *v;
		const char *k;
		json_array_foreach(json_object_get(g, "nodes"), i, n)
			if (!by || show_node_flops(n, by, &o, &u)) {
				json_decref(by);
				return -1;
			}
		json_object_foreach(by, k, v)
			f += (uint64_t)json_integer_value(v);
		json_decref(by);
		if (!best || f > best_f)
			best = g, best_f = f;
	}
	json_object_foreach((json_t *)subs, name, g) {
		if (cond && g != best)
			continue;
		json_array_foreach(json_object_get(g, "nodes"), i, n) {
			uint64_t f = 0, o = 0, u = 0;
			json_t *by = json_object(), *v;
			const char *k;
			char *m = sub_module(w, hop, g, n, path);
			int rc = !by || !m || show_node_flops(n, by, &o, &u);
			if (!rc) {
				json_object_foreach(by, k, v)
					f += (uint64_t)json_integer_value(v);
				rc = charge(&w->acc, m, "flops", f) ||
				     charge(&w->acc, m, "other_work", o);
			}
			free(m);
			json_decref(by);
			if (rc)
				return -1;
		}
	}
	return 0;
}

static int walk_node(struct walk *w, const json_t *n, const char *parent_path)
{
	const char *op = str(n, "op_type") ? str(n, "op_type") : "?";
	const char *path = json_is_string(json_object_get(n, "module_path")) ? str(n, "module_path")
									     : parent_path;
	json_t *by = json_object(), *o, *v;
	uint64_t other = 0, unknown = 0, f = 0, act = 0;
	const char *k;
	size_t i;

	if (!by || show_node_flops(n, by, &other, &unknown))
		goto fail;
	json_object_foreach(by, k, v) {
		f += (uint64_t)json_integer_value(v);
		if (addi(w->counted, k, (uint64_t)json_integer_value(v)))
			goto fail;
	}
	if (!(o = json_object_get(w->by_op, op))) {
		o = json_pack("{s:I,s:I,s:{},s:I}", "count", (json_int_t)0, "flops", (json_int_t)0,
			      "counted_as", "other_work", (json_int_t)0);
		if (!o || json_object_set_new(w->by_op, op, o))
			goto fail;
	}
	addi(o, "count", 1);
	addi(o, "flops", f);
	addi(o, "other_work", other);
	json_object_foreach(by, k, v)
		addi(json_object_get(o, "counted_as"), k, (uint64_t)json_integer_value(v));
	if (!show_is_view(op))
		json_array_foreach(json_object_get(n, "outputs"), i, v)
			act += show_bytes(v, &w->sym);
	w->flops += f;
	w->other += other;
	w->unknown += unknown;
	w->nodes_total++;
	if (json_object_size(json_object_get(n, "subgraphs"))
		    ? charge_subgraphs(w, n, path)
		    : charge(&w->acc, path, "flops", f) ||
			      charge(&w->acc, path, "other_work", other))
		goto fail;
	if (charge(&w->acc, path, "activation_bytes", act) || charge(&w->acc, path, "nodes", 1))
		goto fail;
	json_t *tm = json_object_get(w->acc.mods, path);
	if (json_is_string(json_object_get(n, "module_type")) && !json_object_get(tm, "type"))
		json_object_set(tm, "type", json_object_get(n, "module_type"));
	/* count the nodes of subgraphs (their FLOPs are the node's) */
	json_object_foreach(json_object_get(n, "subgraphs"), k, v) {
		const json_t *sn;
		json_array_foreach(json_object_get(v, "nodes"), i, sn)
			w->nodes_total++;
	}
	json_decref(by);
	return 0;
fail:
	json_decref(by);
	return -1;
}

/* Preorder: compare the chains of first-appearance numbers of the ancestors. */
static int by_chain(const void *a, const void *b)
{
	const json_t *x = json_object_get(*(json_t *const *)a, "chain");
	const json_t *y = json_object_get(*(json_t *const *)b, "chain");
	size_t nx = json_array_size(x), ny = json_array_size(y);

	for (size_t i = 0; i < nx && i < ny; i++) {
		json_int_t p = json_integer_value(json_array_get(x, i));
		json_int_t q = json_integer_value(json_array_get(y, i));
		if (p != q)
			return p < q ? -1 : 1;
	}
	return nx < ny ? -1 : nx > ny;
}

/* The module list in tree order (preorder, children in first-appearance
 * order), cut at DEPTH. */
static json_t *module_list(struct acc *a, int depth)
{
	size_t n = json_object_size(a->mods), k = 0;
	json_t **rows = calloc(n + 1, sizeof(*rows)), *m, *list = json_array();
	const char *path;

	if (!rows || !list) {
		free(rows);
		json_decref(list);
		return NULL;
	}
	json_object_foreach(a->mods, path, m) {
		int d = depth_of(path);
		if (depth > 0 && d > depth)
			continue;
		json_t *row = json_pack("{s:s,s:O?,s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "module", path,
					"type", json_object_get(m, "type"), "depth", d, "params",
					(json_int_t)geti(m, "params"), "params_bytes",
					(json_int_t)geti(m, "params_bytes"), "flops",
					(json_int_t)geti(m, "flops"), "other_work",
					(json_int_t)geti(m, "other_work"), "activation_bytes",
					(json_int_t)geti(m, "activation_bytes"), "nodes",
					(json_int_t)geti(m, "nodes"));
		if (!row)
			continue;
		rows[k++] = row;
	}
	/* sort: compare the chains of seq numbers */
	for (size_t i = 0; i < k; i++) {
		const char *p = str(rows[i], "module");
		json_t *chain = json_array();
		char *c = strdup(p);
		if (!chain || !c)
			break;
		for (;;) {
			json_array_insert_new(chain, 0,
					      json_integer(json_integer_value(json_object_get(
						      json_object_get(a->mods, c), "seq"))));
			if (!*c)
				break;
			to_parent(c);
		}
		free(c);
		json_object_set_new(rows[i], "chain", chain);
	}
	qsort(rows, k, sizeof(*rows), by_chain);
	for (size_t i = 0; i < k; i++) {
		json_object_del(rows[i], "chain");
		json_array_append_new(list, rows[i]);
	}
	free(rows);
	return list;
}

static int cmp_op(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	uint64_t fx = geti(x, "flops"), fy = geti(y, "flops");
	uint64_t cx = geti(x, "count"), cy = geti(y, "count");

	if (fx != fy)
		return fx > fy ? -1 : 1;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(str(x, "op"), str(y, "op"));
}

static json_t *op_list(json_t *by_op)
{
	size_t n = json_object_size(by_op), k = 0;
	json_t **rows = calloc(n + 1, sizeof(*rows)), *v, *list = json_array();
	const char *op;

	if (!rows || !list) {
		free(rows);
		json_decref(list);
		return NULL;
	}
	json_object_foreach(by_op, op, v) {
		json_t *r =
			json_pack("{s:s,s:O,s:O,s:O,s:O}", "op", op, "count",
				  json_object_get(v, "count"), "flops", json_object_get(v, "flops"),
				  "counted_as", json_object_get(v, "counted_as"), "other_work",
				  json_object_get(v, "other_work"));
		if (r)
			rows[k++] = r;
	}
	qsort(rows, k, sizeof(*rows), cmp_op);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(list, rows[i]);
	free(rows);
	return list;
}

/* Weights and constants by kind ("parameter", "buffer", "constant_tensor")
 * and dtype, and per module for parameters (by their state_dict key). */
static int weights(const json_t *ir, struct walk *w, json_t *totals)
{
	const json_t *map = json_object_get(ir, "weight_name_mapping"), *v;
	json_t *by = json_object();
	const char *lists[] = {"weights", "constants"};
	size_t i;

	if (!by)
		return -1;
	for (int l = 0; l < 2; l++)
		json_array_foreach(json_object_get(ir, lists[l]), i, v) {
			const char *kind = str(v, "kind") ? str(v, "kind") : "?";
			const char *total = !strcmp(kind, "parameter")    ? "params"
					    : !strcmp(kind, "buffer")     ? "buffers"
					    : !strcmp(kind, "custom_obj") ? NULL
									  : "constants";
			if (!total)
				continue;
			uint64_t n = show_elements(v, &w->sym), b = show_bytes(v, &w->sym);
			char key[128];
			snprintf(key, sizeof(key), "%s_bytes", total);
			addi(totals, total, n);
			addi(totals, key, b);
			const char *dt = str(v, "dtype") ? str(v, "dtype") : "?";
			json_t *kd = json_object_get(by, total);
			if (!kd)
				json_object_set_new(by, total, kd = json_object());
			json_t *e = json_object_get(kd, dt);
			if (!e)
				json_object_set_new(kd, dt,
						    e = json_pack("{s:I,s:I}", "elements",
								  (json_int_t)0, "bytes",
								  (json_int_t)0));
			addi(e, "elements", n);
			addi(e, "bytes", b);
			if (!strcmp(total, "params")) {
				const char *sd = json_string_value(
					json_object_get(map, str(v, "name") ? str(v, "name") : ""));
				char *mod = strdup(sd ? sd : "");
				if (!mod)
					return -1;
				to_parent(mod);
				int rc = charge(&w->acc, mod, "params", n) ||
					 charge(&w->acc, mod, "params_bytes", b);
				free(mod);
				if (rc)
					return -1;
			}
		}
	return json_object_set_new(totals, "by_dtype", by);
}

irx_status irx_stats(json_t **out, const json_t *ir, const irx_view_options *opts, irx_error *err)
{
	irx_view_options none = {0};
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.ir = ir;
	json_t *doc = NULL, *totals = NULL, *n;
	uint64_t peak = 0;
	size_t i;

	if (!opts)
		opts = &none;
	*out = NULL;
	if (!json_is_object(ir) || !json_is_array(json_object_get(ir, "nodes")))
		return irx_error_set(err, IRX_EINVAL, "not an irx IR document");
	w.acc.mods = json_object();
	w.by_op = json_object();
	w.counted = json_object();
	totals = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "params", (json_int_t)0, "params_bytes",
			   (json_int_t)0, "buffers", (json_int_t)0, "buffers_bytes", (json_int_t)0,
			   "constants", (json_int_t)0, "constants_bytes", (json_int_t)0);
	if (!w.acc.mods || !w.by_op || !w.counted || !totals || !module(&w.acc, ""))
		goto nomem;
	json_array_foreach(json_object_get(ir, "nodes"), i, n)
		if (walk_node(&w, n, ""))
			goto nomem;
	if (weights(ir, &w, totals) || peak_of(ir, 1, ir, &peak))
		goto nomem;
	json_t *unm = json_integer((json_int_t)w.unknown);
	if (json_object_set_new(
		    totals, "nodes",
		    json_integer((json_int_t)json_array_size(json_object_get(ir, "nodes")))) ||
	    json_object_set_new(totals, "nodes_total", json_integer((json_int_t)w.nodes_total)) ||
	    json_object_set_new(totals, "flops", json_integer((json_int_t)w.flops)) ||
	    json_object_set(totals, "flops_by_counted_op", w.counted) ||
	    json_object_set_new(totals, "flops_unknown_nodes", unm) ||
	    json_object_set_new(totals, "other_work", json_integer((json_int_t)w.other)) ||
	    json_object_set_new(totals, "activation_peak_bytes", json_integer((json_int_t)peak)) ||
	    json_object_set_new(totals, "symbolic", json_boolean(w.sym)))
		goto nomem;
	json_t *mods = module_list(&w.acc, opts->depth), *ops = op_list(w.by_op);
	/* format and format_version: docs/stats.schema.json, for consumers */
	doc = json_pack("{s:s,s:i,s:O?,s:O,s:o?,s:o?}", "format", "irx-stats", "format_version", 1,
			"model_name", json_object_get(ir, "model_name"), "totals", totals,
			"by_module", mods, "by_op", ops);
	if (!doc || !mods || !ops)
		goto nomem;
	if (opts->fold) {
		json_t *blocks = NULL;
		int rc = show_fold(ir, &blocks, err);
		if (rc) {
			json_decref(doc);
			doc = NULL;
			goto done;
		}
		json_object_set_new(doc, "blocks", blocks);
	}
	*out = doc;
	doc = NULL;
done:
	json_decref(w.acc.mods);
	json_decref(w.by_op);
	json_decref(w.counted);
	json_decref(totals);
	return *out ? IRX_OK : err && err->code ? err->code : IRX_ENOMEM;
nomem:
	json_decref(doc);
	doc = NULL;
	irx_error_set(err, IRX_ENOMEM, "out of memory");
	goto done;
}

/* ---- text ------------------------------------------------------------------------ */

/* 1234567 -> "1,234,567" */
static void put_num(FILE *f, uint64_t n, int width)
{
	char raw[32], buf[48];
	int len = snprintf(raw, sizeof(raw), "%llu", (unsigned long long)n), k = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = raw[i];
	}
	buf[k] = 0;
	fprintf(f, "%*s", width, buf);
}

static void text_kind(FILE *f, const json_t *totals, const char *label, const char *key)
{
	char bkey[64];
	const json_t *by = json_object_get(json_object_get(totals, "by_dtype"), key), *e;
	const char *dt;
	int first = 1;

	snprintf(bkey, sizeof(bkey), "%s_bytes", key);
	fprintf(f, "  %-22s", label);
	put_num(f, geti(totals, key), 16);
	fputs(" elements ", f);
	put_num(f, geti(totals, bkey), 16);
	fputs(" bytes", f);
	json_object_foreach((json_t *)by, dt, e) {
		fputs(first ? "  (" : ", ", f);
		irx_escape_print(f, dt, 0);
		fputc(' ', f);
		put_num(f, geti(e, "elements"), 0);
		first = 0;
	}
	fputs(first ? "\n" : ")\n", f);
}

static void text_stats(FILE *f, const json_t *doc)
{
	const json_t *t = json_object_get(doc, "totals"), *r, *v;
	const char *k;
	size_t i;

	fputs("model '", f);
	irx_escape_print(f, str(doc, "model_name") ? str(doc, "model_name") : "?", 0);
	fputs("'\n", f);
	fprintf(f, "  %-22s", "nodes");
	put_num(f, geti(t, "nodes"), 16);
	if (geti(t, "nodes_total") != geti(t, "nodes")) {
		fputs(" (", f);
		put_num(f, geti(t, "nodes_total"), 0);
		fputs(" with subgraphs)", f);
	}
	fputc('\n', f);
	text_kind(f, t, "parameters", "params");
	text_kind(f, t, "buffers", "buffers");
	text_kind(f, t, "constants", "constants");
	fprintf(f, "  %-22s", "FLOPs (torch)");
	put_num(f, geti(t, "flops"), 16);
	int first = 1;
	json_object_foreach(json_object_get(t, "flops_by_counted_op"), k, v) {
		fputs(first ? "  (" : ", ", f);
		fputs(k, f);
		fputc(' ', f);
		put_num(f, (uint64_t)json_integer_value(v), 0);
		first = 0;
	}
	fputs(first ? "\n" : ")\n", f);
	if (geti(t, "flops_unknown_nodes"))
		fprintf(f,
			"  %-22s%16llu nodes whose FLOPs irx cannot count (symbolic sizes or "
			"unmodelled operators)\n",
			"FLOPs unknown", (unsigned long long)geti(t, "flops_unknown_nodes"));
	fprintf(f, "  %-22s", "other work");
	put_num(f, geti(t, "other_work"), 16);
	fputs("  (element-wise: per output element; reductions, norms: per input element)\n", f);
	fprintf(f, "  %-22s", "activation peak");
	put_num(f, geti(t, "activation_peak_bytes"), 16);
	fputs(" bytes\n", f);
	if (json_is_true(json_object_get(t, "symbolic")))
		fputs("  (symbolic sizes count as 0 elements)\n", f);

	fprintf(f, "\nby module:\n  %-44s %14s %18s %16s %16s %6s\n", "module", "params", "FLOPs",
		"other work", "act. bytes", "nodes");
	json_array_foreach(json_object_get(doc, "by_module"), i, r) {
		int d = (int)geti(r, "depth");
		const char *m = str(r, "module");
		const char *leaf = m && strrchr(m, '.') ? strrchr(m, '.') + 1 : m;
		char name[256];
		size_t len = irx_escape(name, sizeof(name), d ? leaf : "(model)",
					strlen(d ? leaf : "(model)"));
		(void)len;
		fprintf(f, "  %*s%-*s ", 2 * d, "", 44 - 2 * d > 8 ? 44 - 2 * d : 8, name);
		put_num(f, geti(r, "params"), 14);
		fputc(' ', f);
		put_num(f, geti(r, "flops"), 18);
		fputc(' ', f);
		put_num(f, geti(r, "other_work"), 16);
		fputc(' ', f);
		put_num(f, geti(r, "activation_bytes"), 16);
		fprintf(f, " %6llu", (unsigned long long)geti(r, "nodes"));
		if (json_is_string(json_object_get(r, "type"))) {
			fputs("  ", f);
			irx_escape_print(f, str(r, "type"), 0);
		}
		fputc('\n', f);
	}
	fprintf(f, "\nby operator:\n  %-44s %6s %18s %16s  %s\n", "op_type", "count", "FLOPs",
		"other work", "counted by torch as");
	json_array_foreach(json_object_get(doc, "by_op"), i, r) {
		fputs("  ", f);
		irx_escape_print(f, str(r, "op"), 44);
		fprintf(f, " %6llu ", (unsigned long long)geti(r, "count"));
		put_num(f, geti(r, "flops"), 18);
		fputc(' ', f);
		put_num(f, geti(r, "other_work"), 16);
		first = 1;
		json_object_foreach(json_object_get(r, "counted_as"), k, v) {
			fputs(first ? "  " : ", ", f);
			fputs(k, f);
			first = 0;
		}
		fputc('\n', f);
	}
	show_fold_text(f, json_object_get(doc, "blocks"));
}

irx_status irx_dump_stats(FILE *f, const json_t *ir, const irx_view_options *opts,
			  enum irx_dump_format fmt, irx_error *err)
{
	json_t *doc;
	int rc = irx_stats(&doc, ir, opts, err);

	if (rc)
		return rc;
	if (fmt == IRX_DUMP_JSON)
		rc = irx_json_write(f, doc, IRX_JSON_PRETTY, err);
	else
		text_stats(f, doc), rc = base_write_status(f, err);
	json_decref(doc);
	return rc;
}
