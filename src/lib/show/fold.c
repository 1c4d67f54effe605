/*
 * fold.c: repeated, structurally identical blocks of an IR (Llama's
 * decoder layers, ResNet's blocks), for --fold.
 *
 * Candidates are the module subtrees (the nodes whose module_path is a
 * module or below it); two are the same block when their nodes, in order,
 * have the same op_type, attrs, output dtypes and shapes, and inputs that
 * come from the same place inside the block, or from outside it with the
 * same dtype and shape (weights aside: only their dtype and shape count).
 * Names take no part: not the nodes', not the modules', not the weights'.
 * The largest blocks win; a block inside an instance of a larger one is
 * not reported again.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irx/view.h"
#include "show/show.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A growing string. */
struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_json(struct buf *b, const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

	puts_(b, s ? s : "null");
	base_json_free(s);
}

static void put_meta(struct buf *b, const json_t *m)
{
	puts_(b, str(m, "dtype") ? str(m, "dtype") : "?");
	put_json(b, json_object_get(m, "shape"));
}

struct module {
	const char *path;
	size_t *nodes, n, cap;
};

/* The signature of the nodes NODES[0..N) of the graph (index: name ->
 * node index; local: node index -> position in the block + 1, or 0). */
static char *signature(const json_t *all, const json_t *index, const size_t *nodes, size_t n,
		       size_t *local)
{
	struct buf b = {0};
	const json_t *in, *out;
	size_t i, k;
	char num[48];

	for (size_t j = 0; j < n; j++)
		local[nodes[j]] = j + 1;
	for (size_t j = 0; j < n; j++) {
		const json_t *node = json_array_get(all, nodes[j]);
		puts_(&b, str(node, "op_type") ? str(node, "op_type") : "?");
		put_json(&b, json_object_get(node, "attrs"));
		put_json(&b, json_object_get(node, "subgraphs"));
		puts_(&b, "->");
		json_array_foreach(json_object_get(node, "outputs"), k, out)
			put_meta(&b, out);
		puts_(&b, "<-");
		json_array_foreach(json_object_get(node, "inputs"), i, in) {
			const char *prod = str(in, "producer_node");
			json_t *pi = prod ? json_object_get(index, prod) : NULL;
			size_t at = pi ? local[json_integer_value(pi)] : 0;
			puts_(&b, str(in, "arg") ? str(in, "arg") : "?");
			if (at) {
				snprintf(num, sizeof(num), "=%zu.%lld;", at - 1,
					 (long long)json_integer_value(
						 json_object_get(in, "producer_output_idx")));
				puts_(&b, num);
			} else {
				puts_(&b, "=x");
				put_meta(&b, in);
				puts_(&b, ";");
			}
		}
		puts_(&b, "\n");
	}
	for (size_t j = 0; j < n; j++)
		local[nodes[j]] = 0;
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}

static int by_size(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t p = json_integer_value(json_object_get(x, "nodes"));
	json_int_t q = json_integer_value(json_object_get(y, "nodes"));
	json_int_t f = json_integer_value(json_object_get(x, "first"));
	json_int_t g = json_integer_value(json_object_get(y, "first"));

	if (p != q)
		return p > q ? -1 : 1;
	return f < g ? -1 : f > g;
}

/* The fewest nodes a block has: one repeated operator is not a block. */
#define SHOW_FOLD_MIN 3

/* The module_type of PATH, from a node directly in it. */
static const json_t *type_of(const json_t *nodes, const struct module *m)
{
	for (size_t q = 0; q < m->n; q++) {
		const json_t *n = json_array_get(nodes, m->nodes[q]);
		if (str(n, "module_path") && !strcmp(str(n, "module_path"), m->path))
			return json_object_get(n, "module_type");
	}
	return NULL;
}

int show_fold_map(const json_t *ir, json_t **out, size_t *map, irx_error *err)
{
	const json_t *nodes = json_object_get(ir, "nodes"), *n;
	size_t nn = json_array_size(nodes), i;
	json_t *index = json_object(), *mods = json_object(), *groups = json_object(),
	       *list = json_array();
	size_t *local = calloc(nn + 1, sizeof(*local));
	unsigned char *covered = calloc(nn + 1, 1);
	struct module *ms = NULL;
	size_t nm = 0;
	int rc = IRX_ENOMEM;

	*out = NULL;
	if (!index || !mods || !groups || !list || !local || !covered)
		goto done;
	for (i = 0; map && i < nn; i++)
		map[i] = i;
	/* node name -> index; module path -> its nodes (with descendants) */
	json_array_foreach(nodes, i, n) {
		const char *name = str(n, "name"), *path = str(n, "module_path");
		if (name && json_object_set_new(index, name, json_integer((json_int_t)i)))
			goto done;
		if (!path || !*path)
			continue;
		for (const char *e = path;; e++) {
			if (*e && *e != '.')
				continue;
			char *p = strndup(path, (size_t)(e - path));
			if (!p)
				goto done;
			json_t *id = json_object_get(mods, p);
			if (!id) {
				struct module *g = realloc(ms, (nm + 1) * sizeof(*ms));
				if (!g) {
					free(p);
					goto done;
				}
				ms = g;
				ms[nm] = (struct module){NULL, NULL, 0, 0};
				if (json_object_set_new(mods, p,
							id = json_integer((json_int_t)nm++))) {
					free(p);
					goto done;
				}
				ms[nm - 1].path =
					json_object_iter_key(json_object_iter_at(mods, p));
			}
			free(p);
			struct module *m = &ms[json_integer_value(id)];
			if (m->n == m->cap) {
				size_t cap = m->cap ? 2 * m->cap : 8,
				       *a = realloc(m->nodes, cap * sizeof(*a));
				if (!a)
					goto done;
				m->nodes = a, m->cap = cap;
			}
			m->nodes[m->n++] = i;
			if (!*e)
				break;
		}
	}
	/* group the modules by signature (a module holding more than half of
	 * the graph cannot repeat) */
	for (size_t k = 0; k < nm; k++) {
		if (ms[k].n < SHOW_FOLD_MIN || 2 * ms[k].n > nn)
			continue;
		char *sig = signature(nodes, index, ms[k].nodes, ms[k].n, local);
		if (!sig)
			goto done;
		json_t *g = json_object_get(groups, sig);
		if (!g) {
			g = json_pack("{s:I,s:I,s:[]}", "nodes", (json_int_t)ms[k].n, "first",
				      (json_int_t)ms[k].nodes[0], "members");
			if (!g || json_object_set_new(groups, sig, g)) {
				free(sig);
				goto done;
			}
		}
		free(sig);
		json_array_append_new(json_object_get(g, "members"), json_integer((json_int_t)k));
	}
	size_t ng = 0;
	json_t **gs = calloc(json_object_size(groups) + 1, sizeof(*gs)), *g;
	const char *key;
	if (!gs)
		goto done;
	json_object_foreach(groups, key, g)
		if (json_array_size(json_object_get(g, "members")) > 1)
			gs[ng++] = g;
	qsort(gs, ng, sizeof(*gs), by_size);
	for (size_t k = 0; k < ng; k++) {
		json_t *members = json_object_get(gs[k], "members"), *mi, *inst = json_array();
		size_t j, tmpl = (size_t)-1;
		unsigned char *seen = calloc(nn + 1, 1);
		if (!inst || !seen) {
			json_decref(inst);
			free(seen);
			free(gs);
			goto done;
		}
		/* instances: disjoint, outside earlier blocks; the outermost of
		 * modules holding the same nodes (members come in path order) */
		json_array_foreach(members, j, mi) {
			struct module *m = &ms[json_integer_value(mi)];
			int ok = 1;
			for (size_t q = 0; q < m->n && ok; q++)
				ok = !covered[m->nodes[q]] && !seen[m->nodes[q]];
			if (!ok)
				continue;
			for (size_t q = 0; q < m->n; q++)
				seen[m->nodes[q]] = 1;
			json_array_append_new(inst, json_integer(json_integer_value(mi)));
		}
		free(seen);
		if (json_array_size(inst) < 2) {
			json_decref(inst);
			continue;
		}
		json_t *paths = json_array();
		uint64_t flops = 0, other = 0, unknown = 0;
		json_t *by = json_object(), *v;
		json_array_foreach(inst, j, mi) {
			struct module *m = &ms[json_integer_value(mi)];
			if (tmpl == (size_t)-1)
				tmpl = (size_t)json_integer_value(mi);
			json_array_append_new(paths, json_string(m->path));
			for (size_t q = 0; q < m->n; q++) {
				covered[m->nodes[q]] = 1;
				if (map)
					map[m->nodes[q]] = ms[tmpl].nodes[q];
			}
		}
		for (size_t q = 0; by && q < ms[tmpl].n; q++)
			show_node_flops(json_array_get(nodes, ms[tmpl].nodes[q]), by, &other,
					&unknown);
		json_object_foreach(by, key, v)
			flops += (uint64_t)json_integer_value(v);
		json_decref(by);
		json_t *blk = json_pack(
			"{s:s,s:O?,s:I,s:I,s:I,s:I,s:o,s:o}", "template", ms[tmpl].path, "type",
			type_of(nodes, &ms[tmpl]), "count", (json_int_t)json_array_size(inst),
			"nodes", (json_int_t)ms[tmpl].n, "flops", (json_int_t)flops, "other_work",
			(json_int_t)other, "instances", paths, "template_nodes", json_array());
		json_decref(inst);
		if (!blk || json_array_append_new(list, blk)) {
			free(gs);
			goto done;
		}
		for (size_t q = 0; q < ms[tmpl].n; q++)
			json_array_append_new(
				json_object_get(blk, "template_nodes"),
				json_incref(json_object_get(
					json_array_get(nodes, ms[tmpl].nodes[q]), "name")));
	}
	free(gs);
	*out = list;
	list = NULL;
	rc = IRX_OK;
done:
	for (size_t k = 0; k < nm; k++)
		free(ms[k].nodes);
	free(ms);
	free(local);
	free(covered);
	json_decref(index);
	json_decref(mods);
	json_decref(groups);
	json_decref(list);
	return rc ? irx_error_set(err, rc, "out of memory") : IRX_OK;
}

int show_fold(const json_t *ir, json_t **out, irx_error *err)
{
	return show_fold_map(ir, out, NULL, err);
}

void show_fold_text(FILE *f, const json_t *blocks)
{
	const json_t *b, *p;
	size_t i, j;

	if (!blocks)
		return;
	fprintf(f, "\nrepeated blocks (%zu):\n", json_array_size(blocks));
	json_array_foreach(blocks, i, b) {
		fprintf(f, "  x%-4lld ",
			(long long)json_integer_value(json_object_get(b, "count")));
		irx_escape_print(f, str(b, "template"), 0);
		if (str(b, "type")) {
			fputs(" (", f);
			irx_escape_print(f, str(b, "type"), 0);
			fputc(')', f);
		}
		fprintf(f, ": %lld nodes, %lld FLOPs each; instances: ",
			(long long)json_integer_value(json_object_get(b, "nodes")),
			(long long)json_integer_value(json_object_get(b, "flops")));
		json_array_foreach(json_object_get(b, "instances"), j, p) {
			if (j)
				fputs(", ", f);
			irx_escape_print(f, json_string_value(p), 0);
		}
		fputc('\n', f);
	}
}
