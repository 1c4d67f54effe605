/*
 * picture.c: an IR as a picture: graphviz dot or mermaid (Model Explorer's
 * JSON is in explorer.c).
 *
 * One model of the picture serves both: vertices (operator nodes, graph
 * inputs, weights, graph outputs, collapsed modules) in clusters by module
 * path, and edges between them.  --depth=N turns every module deeper than
 * N into one box; --fold draws the instances of a repeated block on its
 * template (show_fold_map), whose cluster says xN.  Every name from the
 * input goes through irx_escape() and then the target's own quoting: ids
 * are made up (n12, c3), never taken from the input.
 *
 * With verdicts (irx-verify's per-node report, irx_view_options.verdicts)
 * every operator node is filled with the colour of its verdict and a
 * legend is drawn; a box (--depth) or a folded template takes the worst
 * verdict of the nodes it stands for, subgraphs' nodes included.
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "irx/view.h"
#include "show/show.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* ---- quoting ----------------------------------------------------------------- */

/* S escaped by irx_escape(), in new memory. */
static char *escaped(const char *s) { return irx_escape_dup(s ? s : "?"); }

/* Text inside a dot "quoted string": \ and " escaped; our own line breaks
 * are written as \n by the caller. */
static void put_dot(FILE *f, const char *s)
{
	char *e = escaped(s);

	for (const char *p = e ? e : "?"; *p; p++) {
		if (*p == '\\' || *p == '"')
			putc('\\', f);
		putc(*p, f);
	}
	free(e);
}

/* Text inside a mermaid "quoted label": everything but letters, digits,
 * a few safe marks and UTF-8 becomes an entity code (#35;). */
static void put_mermaid(FILE *f, const char *s)
{
	char *e = escaped(s);

	for (const unsigned char *p = (const unsigned char *)(e ? e : "?"); *p; p++) {
		if (isalnum(*p) || *p >= 0x80 || strchr(" ._-:,/+*=", *p))
			putc(*p, f);
		else
			fprintf(f, "#%d;", *p);
	}
	free(e);
}

/* ---- the model of the picture ----------------------------------------------- */

enum vkind { V_OP, V_IN, V_WEIGHT, V_OUT, V_BOX };

struct vtx {
	enum vkind kind;
	const json_t *node; /* V_OP: the IR node; V_IN, V_WEIGHT, V_OUT: the TensorMeta */
	char *path;         /* the cluster it sits in */
	char *box;          /* V_BOX: the module it stands for */
};

struct pic {
	const json_t *ir;
	const irx_view_options *o;
	struct vtx *v;
	size_t nv, cap;
	json_t *edges; /* "a b" -> true, in insertion order below */
	size_t *ea, *eb, ne, ecap;
	json_t *value_vtx; /* value name -> vertex */
	json_t *boxes;     /* module path -> vertex */
	json_t *clusters;  /* path -> {"id", "children": [paths], "vtx": [ids]} */
	json_t *stats;     /* irx_stats(): by_module rows by path in "mods" */
	json_t *mods;
	json_t *folds; /* template path -> block */
	size_t nclusters;
	json_t *verdicts; /* show_verdicts(): graph -> node -> rank; NULL: no colours */
	int *rank;        /* per vertex, with verdicts */
};

static size_t add_vtx(struct pic *p, enum vkind kind, const json_t *node, const char *path,
		      const char *box)
{
	if (p->nv == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct vtx *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return (size_t)-1;
		p->v = v, p->cap = cap;
	}
	p->v[p->nv] = (struct vtx){kind, node, strdup(path ? path : ""), box ? strdup(box) : NULL};
	if (!p->v[p->nv].path)
		return (size_t)-1;
	return p->nv++;
}

static int add_edge(struct pic *p, size_t a, size_t b)
{
	char key[64];

	if (a == b || a == (size_t)-1 || b == (size_t)-1)
		return 0;
	snprintf(key, sizeof(key), "%zu %zu", a, b);
	if (json_object_get(p->edges, key))
		return 0;
	if (json_object_set_new(p->edges, key, json_true()))
		return -1;
	if (p->ne == p->ecap) {
		size_t cap = p->ecap ? 2 * p->ecap : 128;
		size_t *x = realloc(p->ea, cap * sizeof(*x)), *y;
		if (!x)
			return -1;
		p->ea = x;
		if (!(y = realloc(p->eb, cap * sizeof(*y))))
			return -1;
		p->eb = y, p->ecap = cap;
	}
	p->ea[p->ne] = a, p->eb[p->ne] = b, p->ne++;
	return 0;
}

/* PATH cut to its first N components (N <= 0: whole). */
static char *cut(const char *path, int n)
{
	const char *e = path;

	if (n <= 0)
		return strdup(path);
	for (int k = 0; *e; e++)
		if (*e == '.' && ++k == n)
			break;
	return strndup(path, (size_t)(e - path));
}

static int depth_of(const char *path)
{
	int d = *path ? 1 : 0;

	for (; *path; path++)
		d += *path == '.';
	return d;
}

static char *parent_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	return strndup(path, dot ? (size_t)(dot - path) : 0);
}

/* The vertex of top-level node I (after folding and collapsing). */
static size_t node_vtx(struct pic *p, size_t i, const size_t *map, const size_t *vtx_of)
{
	return vtx_of[map ? map[i] : i];
}

static int build(struct pic *p, size_t **vtx_of_out, size_t **map_out)
{
	const json_t *nodes = json_object_get(p->ir, "nodes"), *n, *v;
	size_t nn = json_array_size(nodes), i, k;
	size_t *vtx_of = calloc(nn + 1, sizeof(*vtx_of)), *map = NULL;
	json_t *blocks = NULL;

	*vtx_of_out = vtx_of;
	if (!vtx_of)
		return -1;
	if (p->o->fold) {
		if (!(map = calloc(nn + 1, sizeof(*map))) ||
		    show_fold_map(p->ir, &blocks, map, NULL))
			return -1;
		*map_out = map;
		json_array_foreach(blocks, i, v)
			json_object_set(p->folds, str(v, "template"), (json_t *)v);
		json_decref(blocks);
	}
	json_array_foreach(json_object_get(p->ir, "graph_inputs"), i, v) {
		size_t id = add_vtx(p, V_IN, v, "", NULL);
		if (id == (size_t)-1 ||
		    json_object_set_new(p->value_vtx, str(v, "name") ? str(v, "name") : "",
					json_integer((json_int_t)id)))
			return -1;
	}
	/* operator nodes, or the boxes of modules deeper than --depth */
	json_array_foreach(nodes, i, n) {
		if (map && map[i] != i) {
			vtx_of[i] = (size_t)-1; /* drawn on its template's node */
			continue;
		}
		const char *path = str(n, "module_path") ? str(n, "module_path") : "";
		if (p->o->depth > 0 && depth_of(path) > p->o->depth) {
			char *key = cut(path, p->o->depth + 1), *par = parent_of(key);
			json_t *b = json_object_get(p->boxes, key);
			size_t id = b ? (size_t)json_integer_value(b)
				      : add_vtx(p, V_BOX, NULL, par, key);
			int rc = id == (size_t)-1 ||
				 (!b &&
				  json_object_set_new(p->boxes, key, json_integer((json_int_t)id)));
			free(key);
			free(par);
			if (rc)
				return -1;
			vtx_of[i] = id;
		} else if ((vtx_of[i] = add_vtx(p, V_OP, n, path, NULL)) == (size_t)-1) {
			return -1;
		}
	}
	/* values and edges */
	json_array_foreach(nodes, i, n) {
		size_t me = node_vtx(p, i, map, vtx_of);
		json_array_foreach(json_object_get(n, "outputs"), k, v)
			if (str(v, "name") && json_object_set_new(p->value_vtx, str(v, "name"),
								  json_integer((json_int_t)me)))
				return -1;
		json_array_foreach(json_object_get(n, "inputs"), k, v) {
			const char *name = str(v, "name") ? str(v, "name") : "";
			json_t *src = json_object_get(p->value_vtx, name);
			if (!src && !p->o->no_weights && !(map && map[i] != i) &&
			    p->v[me].kind == V_OP) {
				/* a weight or constant, drawn beside its first reader */
				const json_t *w;
				size_t q;
				const char *lists[] = {"weights", "constants"};
				for (int l = 0; l < 2 && !src; l++)
					json_array_foreach(json_object_get(p->ir, lists[l]), q, w)
						if (str(w, "name") &&
						    !strcmp(str(w, "name"), name)) {
							size_t id = add_vtx(p, V_WEIGHT, w,
									    p->v[me].path, NULL);
							if (id == (size_t)-1 ||
							    json_object_set_new(
								    p->value_vtx, name,
								    json_integer((json_int_t)id)))
								return -1;
							src = json_object_get(p->value_vtx, name);
							break;
						}
			}
			if (src && add_edge(p, (size_t)json_integer_value(src), me))
				return -1;
		}
	}
	json_array_foreach(json_object_get(p->ir, "graph_outputs"), i, v) {
		json_t *src = json_object_get(p->value_vtx, str(v, "name") ? str(v, "name") : "");
		size_t id = add_vtx(p, V_OUT, v, "", NULL);
		if (id == (size_t)-1 || (src && add_edge(p, (size_t)json_integer_value(src), id)))
			return -1;
	}
	return 0;
}

/* Clusters: every path in use and its ancestors, each with its children. */
static json_t *cluster(struct pic *p, const char *path)
{
	json_t *c = json_object_get(p->clusters, path);

	if (c)
		return c;
	c = json_pack("{s:I,s:[],s:[]}", "id", (json_int_t)p->nclusters++, "children", "vtx");
	if (!c || json_object_set_new(p->clusters, path, c))
		return NULL;
	if (*path) {
		char *par = parent_of(path);
		json_t *pc = par ? cluster(p, par) : NULL;
		free(par);
		if (!pc ||
		    json_array_append_new(json_object_get(pc, "children"), json_string(path)))
			return NULL;
	}
	return c;
}

/* ---- verdicts ------------------------------------------------------------------- */

/* How each verdict is drawn, by enum show_verdict. */
static const struct look {
	const char *label, *fill, *dot_extra, *mermaid;
} looks[] = {
	[SHOW_VERDICT_NOT_COMPARED] = {"not compared", "#e9ecef", "", "irx_none"},
	[SHOW_VERDICT_MATCH] = {"match", "#b7e1b0", "", "irx_match"},
	[SHOW_VERDICT_INHERITS] = {"inherits an error", "#f5c77e", "", "irx_inherits"},
	[SHOW_VERDICT_DIVERGES] = {"makes an error", "#f08080", "", "irx_diverges"},
	[SHOW_VERDICT_FIRST] = {"first divergence", "#e03131",
				", penwidth=3, color=\"#7a0000\", fontcolor=\"#ffffff\"",
				"irx_first"},
};
#define N_LOOKS (sizeof(looks) / sizeof(*looks))

/* "NODE/SUB" below the top, "GRAPH/NODE/SUB" deeper: the report's names
 * of subgraphs (new memory). */
static char *sub_path(const char *graph, const char *node, const char *sub)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s/%s", graph, *graph ? "/" : "", node ? node : "", sub) < 0)
		return NULL;
	return s;
}

static int rank_in(const struct pic *p, const char *graph, const json_t *node)
{
	const char *name = str(node, "name");

	return (int)json_integer_value(
		json_object_get(json_object_get(p->verdicts, graph), name ? name : ""));
}

/* The worst rank of the nodes of NODE's subgraphs (GRAPH: NODE's graph). */
static int sub_rank(const struct pic *p, const char *graph, const json_t *node)
{
	const json_t *sub, *n;
	const char *sname;
	size_t i;
	int worst = 0;

	json_object_foreach((json_t *)json_object_get(node, "subgraphs"), sname, sub) {
		char *path = sub_path(graph, str(node, "name"), sname);
		if (!path)
			return worst;
		json_array_foreach(json_object_get(sub, "nodes"), i, n) {
			int r = rank_in(p, path, n), d = sub_rank(p, path, n);
			worst = r > worst ? r : worst;
			worst = d > worst ? d : worst;
		}
		free(path);
	}
	return worst;
}

/* Each vertex's rank: an operator's own, a box's or a folded template's
 * the worst of the nodes drawn on it (a box hides subgraphs: theirs too). */
static int rank_vertices(struct pic *p, const size_t *map, const size_t *vtx_of)
{
	const json_t *n;
	size_t i;

	if (!(p->rank = calloc(p->nv + 1, sizeof(*p->rank))))
		return -1;
	json_array_foreach(json_object_get(p->ir, "nodes"), i, n) {
		size_t v = node_vtx(p, i, map, vtx_of);
		int r;
		if (v == (size_t)-1 || v >= p->nv)
			continue;
		r = rank_in(p, "", n);
		if (p->v[v].kind == V_BOX) {
			int d = sub_rank(p, "", n);
			r = d > r ? d : r;
		}
		if (r > p->rank[v])
			p->rank[v] = r;
	}
	return 0;
}

static const struct look *look_of(int rank)
{
	return &looks[rank >= 0 && (size_t)rank < N_LOOKS ? rank : 0];
}

static void put_dot_look(FILE *f, int rank)
{
	fprintf(f, "fillcolor=\"%s\"%s, ", look_of(rank)->fill, look_of(rank)->dot_extra);
}

static void legend_dot(FILE *f)
{
	fputs("  subgraph cluster_legend {\n    label=\"irx-verify verdicts\"; style=dashed;\n", f);
	for (size_t r = N_LOOKS; r-- > 0;)
		fprintf(f, "    legend_%zu [fillcolor=\"%s\"%s, label=\"%s\"];\n", r, looks[r].fill,
			looks[r].dot_extra, looks[r].label);
	for (size_t r = N_LOOKS - 1; r > 0; r--)
		fprintf(f, "    legend_%zu -> legend_%zu [style=invis];\n", r, r - 1);
	fputs("  }\n", f);
}

static void classdefs_mermaid(FILE *f)
{
	for (size_t r = 0; r < N_LOOKS; r++)
		fprintf(f, "  classDef %s fill:%s%s\n", looks[r].mermaid, looks[r].fill,
			r == SHOW_VERDICT_FIRST ? ",stroke:#7a0000,stroke-width:3px,color:#ffffff"
						: "");
}

static void legend_mermaid(FILE *f)
{
	fputs("  subgraph irx_legend [\"irx-verify verdicts\"]\n", f);
	for (size_t r = N_LOOKS; r-- > 0;)
		fprintf(f, "    irx_legend_%zu[\"%s\"]\n    class irx_legend_%zu %s\n", r,
			looks[r].label, r, looks[r].mermaid);
	fputs("  end\n", f);
}

/* ---- labels ---------------------------------------------------------------------- */

typedef void (*put_fn)(FILE *f, const char *s);

static void put_num(FILE *f, uint64_t n)
{
	const char *unit[] = {"", "K", "M", "G", "T", "P"};
	double x = (double)n;
	int u = 0;

	while (x >= 1000 && u < 5)
		x /= 1000, u++;
	if (u)
		fprintf(f, "%.3g%s", x, unit[u]);
	else
		fprintf(f, "%llu", (unsigned long long)n);
}

static void put_meta(FILE *f, const json_t *m, put_fn put)
{
	const json_t *d;
	size_t i;

	put(f, str(m, "dtype") ? str(m, "dtype") : (str(m, "kind") ? str(m, "kind") : "?"));
	putc('[', f);
	json_array_foreach(json_object_get(m, "shape"), i, d) {
		if (i)
			fputs(", ", f);
		if (json_is_integer(d))
			fprintf(f, "%lld", (long long)json_integer_value(d));
		else
			put(f, json_is_string(d) ? json_string_value(d) : "?");
	}
	putc(']', f);
}

static void label(struct pic *p, FILE *f, const struct vtx *v, put_fn put, const char *br)
{
	const json_t *m, *o;
	size_t i;

	switch (v->kind) {
	case V_OP:
		put(f, str(v->node, "name"));
		fputs(br, f);
		put(f, str(v->node, "op_type"));
		json_array_foreach(json_object_get(v->node, "outputs"), i, o) {
			fputs(br, f);
			put_meta(f, o, put);
		}
		break;
	case V_IN:
	case V_OUT:
	case V_WEIGHT:
		put(f, v->kind == V_IN ? "input " : v->kind == V_OUT ? "output " : "");
		put(f, str(v->node, "name"));
		if (v->kind == V_WEIGHT) {
			const char *sd = json_string_value(
				json_object_get(json_object_get(p->ir, "weight_name_mapping"),
						str(v->node, "name") ? str(v->node, "name") : ""));
			if (sd && strcmp(sd, str(v->node, "name"))) {
				fputs(br, f);
				put(f, sd);
			}
		}
		fputs(br, f);
		put_meta(f, v->node, put);
		break;
	case V_BOX:
		m = json_object_get(p->mods, v->box);
		put(f, v->box);
		if (str(m, "type")) {
			fputs(br, f);
			put(f, str(m, "type"));
		}
		fputs(br, f);
		put(f, "params ");
		put_num(f, (uint64_t)json_integer_value(json_object_get(m, "params")));
		put(f, ", FLOPs ");
		put_num(f, (uint64_t)json_integer_value(json_object_get(m, "flops")));
		put(f, ", ");
		put_num(f, (uint64_t)json_integer_value(json_object_get(m, "nodes")));
		put(f, " nodes");
		break;
	}
}

static void cluster_label(struct pic *p, FILE *f, const char *path, put_fn put, const char *br)
{
	const json_t *m = json_object_get(p->mods, path), *b = json_object_get(p->folds, path);
	const char *leaf = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;

	put(f, leaf);
	if (str(m, "type")) {
		const char *t = str(m, "type"), *dot = strrchr(t, '.');
		fputs(" (", f);
		put(f, dot ? dot + 1 : t);
		fputs(")", f);
	}
	if (b) {
		fprintf(f, " x%lld", (long long)json_integer_value(json_object_get(b, "count")));
		fputs(br, f);
		put(f, "a block repeated: ");
		const json_t *q;
		size_t i;
		json_array_foreach(json_object_get(b, "instances"), i, q) {
			if (i > 3) {
				put(f, ", ...");
				break;
			}
			if (i)
				put(f, ", ");
			put(f, json_string_value(q));
		}
	}
}

/* ---- subgraphs of higher-order operators -------------------------------------- */

/* The nodes of G inside the current cluster, with ids PREFIX_k; edges
 * from its inputs (PREFIX_ik) and between its nodes. */
static void sub_dot(struct pic *p, FILE *f, const json_t *g, const char *gpath, const char *prefix,
		    int ind);
static void sub_mermaid(struct pic *p, FILE *f, const json_t *g, const char *gpath,
			const char *prefix, int ind);

static long sub_index(const json_t *g, const char *name, int *is_input)
{
	const json_t *n, *v;
	size_t i, k;

	json_array_foreach(json_object_get(g, "graph_inputs"), i, v)
		if (str(v, "name") && name && !strcmp(str(v, "name"), name)) {
			*is_input = 1;
			return (long)i;
		}
	json_array_foreach(json_object_get(g, "nodes"), i, n)
		json_array_foreach(json_object_get(n, "outputs"), k, v)
			if (str(v, "name") && name && !strcmp(str(v, "name"), name)) {
				*is_input = 0;
				return (long)i;
			}
	return -1;
}

static void sub_edges(FILE *f, const json_t *g, const char *prefix, int ind, const char *arrow)
{
	const json_t *n, *in;
	size_t i, k;

	json_array_foreach(json_object_get(g, "nodes"), i, n)
		json_array_foreach(json_object_get(n, "inputs"), k, in) {
			int is_input = 0;
			long j = sub_index(g, str(in, "name"), &is_input);
			if (j >= 0)
				fprintf(f, "%*s%s_%s%ld %s %s_%zu%s\n", ind, "", prefix,
					is_input ? "i" : "", j, arrow, prefix, i,
					*arrow == '-' && arrow[1] == '>' ? ";" : "");
		}
}

static void sub_dot(struct pic *p, FILE *f, const json_t *g, const char *gpath, const char *prefix,
		    int ind)
{
	const json_t *n, *v, *sub;
	const char *name;
	size_t i, k;

	json_array_foreach(json_object_get(g, "graph_inputs"), i, v) {
		fprintf(f, "%*s%s_i%zu [shape=ellipse, fillcolor=\"#e8f0ff\", label=\"", ind, "",
			prefix, i);
		put_dot(f, str(v, "name"));
		fputs("\\n", f);
		put_meta(f, v, put_dot);
		fputs("\"];\n", f);
	}
	json_array_foreach(json_object_get(g, "nodes"), i, n) {
		char inner[64];
		fprintf(f, "%*s%s_%zu [", ind, "", prefix, i);
		if (p->verdicts)
			put_dot_look(f, rank_in(p, gpath, n));
		fputs("label=\"", f);
		struct vtx t = {V_OP, n, NULL, NULL};
		label(NULL, f, &t, put_dot, "\\n");
		fputs("\"];\n", f);
		k = 0;
		json_object_foreach((json_t *)json_object_get(n, "subgraphs"), name, sub) {
			snprintf(inner, sizeof(inner), "%s_%zus%zu", prefix, i, k++);
			fprintf(f, "%*ssubgraph cluster_%s {\n%*slabel=\"", ind, "", inner, ind + 2,
				"");
			put_dot(f, name);
			fprintf(f, "\"; style=dashed;\n");
			char *path = sub_path(gpath, str(n, "name"), name);
			sub_dot(p, f, sub, path ? path : "", inner, ind + 2);
			free(path);
			fprintf(f, "%*s}\n", ind, "");
		}
	}
	sub_edges(f, g, prefix, ind, "->");
}

static void sub_mermaid(struct pic *p, FILE *f, const json_t *g, const char *gpath,
			const char *prefix, int ind)
{
	const json_t *n, *v, *sub;
	const char *name;
	size_t i, k;

	json_array_foreach(json_object_get(g, "graph_inputs"), i, v) {
		fprintf(f, "%*s%s_i%zu([\"", ind, "", prefix, i);
		put_mermaid(f, str(v, "name"));
		fputs("<br>", f);
		put_meta(f, v, put_mermaid);
		fputs("\"])\n", f);
	}
	json_array_foreach(json_object_get(g, "nodes"), i, n) {
		char inner[64];
		fprintf(f, "%*s%s_%zu[\"", ind, "", prefix, i);
		struct vtx t = {V_OP, n, NULL, NULL};
		label(NULL, f, &t, put_mermaid, "<br>");
		fputs("\"]\n", f);
		if (p->verdicts)
			fprintf(f, "%*sclass %s_%zu %s\n", ind, "", prefix, i,
				look_of(rank_in(p, gpath, n))->mermaid);
		k = 0;
		json_object_foreach((json_t *)json_object_get(n, "subgraphs"), name, sub) {
			snprintf(inner, sizeof(inner), "%s_%zus%zu", prefix, i, k++);
			fprintf(f, "%*ssubgraph %s [\"", ind, "", inner);
			put_mermaid(f, name);
			fputs("\"]\n", f);
			char *path = sub_path(gpath, str(n, "name"), name);
			sub_mermaid(p, f, sub, path ? path : "", inner, ind + 2);
			free(path);
			fprintf(f, "%*send\n", ind, "");
		}
	}
	sub_edges(f, g, prefix, ind, "-->");
}

/* ---- writers ---------------------------------------------------------------------- */

static const char *dot_style(const struct vtx *v)
{
	switch (v->kind) {
	case V_IN: return "shape=ellipse, fillcolor=\"#cfe2ff\"";
	case V_OUT: return "shape=ellipse, fillcolor=\"#d1e7dd\"";
	case V_WEIGHT: return "shape=note, fillcolor=\"#f2f2f2\", fontsize=8";
	case V_BOX: return "shape=box3d";
	default: return NULL;
	}
}

/* One vertex; a higher-order operator is a cluster holding its node and
 * its subgraphs. */
static void vtx_dot(struct pic *p, FILE *f, size_t id, int ind)
{
	const struct vtx *v = &p->v[id];
	const json_t *subs = v->kind == V_OP ? json_object_get(v->node, "subgraphs") : NULL, *g;
	const char *name;
	size_t k = 0;

	if (json_object_size(subs))
		fprintf(f, "%*ssubgraph cluster_h%zu {\n%*slabel=\"\"; style=\"rounded\";\n", ind,
			"", id, ind + 2, ""),
			ind += 2;
	fprintf(f, "%*sn%zu [", ind, "", id);
	if (dot_style(v))
		fprintf(f, "%s, ", dot_style(v));
	if (p->verdicts && (v->kind == V_OP || v->kind == V_BOX))
		put_dot_look(f, p->rank[id]);
	else if (v->kind == V_BOX)
		fputs("fillcolor=\"#fff3cd\", ", f);
	fputs("label=\"", f);
	label(p, f, v, put_dot, "\\n");
	fputs("\"];\n", f);
	json_object_foreach((json_t *)subs, name, g) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "n%zus%zu", id, k++);
		fprintf(f, "%*ssubgraph cluster_%s {\n%*slabel=\"", ind, "", prefix, ind + 2, "");
		put_dot(f, name);
		fputs("\"; style=dashed;\n", f);
		char *path = sub_path("", str(v->node, "name"), name);
		sub_dot(p, f, g, path ? path : "", prefix, ind + 2);
		free(path);
		fprintf(f, "%*s}\n", ind, "");
	}
	if (json_object_size(subs))
		fprintf(f, "%*s}\n", ind - 2, "");
}

static void vtx_mermaid(struct pic *p, FILE *f, size_t id, int ind)
{
	const struct vtx *v = &p->v[id];
	const json_t *subs = v->kind == V_OP ? json_object_get(v->node, "subgraphs") : NULL, *g;
	const char *name;
	const char *open = "[\"", *close = "\"]";
	size_t k = 0;

	switch (v->kind) {
	case V_IN:
	case V_OUT:
		open = "([\"";
		close = "\"])";
		break;
	case V_WEIGHT:
		open = "[(\"";
		close = "\")]";
		break;
	case V_BOX:
		open = "[[\"";
		close = "\"]]";
		break;
	default: break;
	}
	if (json_object_size(subs))
		fprintf(f, "%*ssubgraph h%zu [\" \"]\n", ind, "", id), ind += 2;
	fprintf(f, "%*sn%zu%s", ind, "", id, open);
	label(p, f, v, put_mermaid, "<br>");
	fprintf(f, "%s\n", close);
	if (p->verdicts && (v->kind == V_OP || v->kind == V_BOX))
		fprintf(f, "%*sclass n%zu %s\n", ind, "", id, look_of(p->rank[id])->mermaid);
	json_object_foreach((json_t *)subs, name, g) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "n%zus%zu", id, k++);
		fprintf(f, "%*ssubgraph %s [\"", ind, "", prefix);
		put_mermaid(f, name);
		fputs("\"]\n", f);
		char *path = sub_path("", str(v->node, "name"), name);
		sub_mermaid(p, f, g, path ? path : "", prefix, ind + 2);
		free(path);
		fprintf(f, "%*send\n", ind, "");
	}
	if (json_object_size(subs))
		fprintf(f, "%*send\n", ind - 2, "");
}

static void emit_cluster(struct pic *p, FILE *f, const char *path, int fmt, int ind)
{
	const json_t *c = json_object_get(p->clusters, path), *x;
	size_t i;

	if (*path) {
		long long cid = (long long)json_integer_value(json_object_get(c, "id"));
		if (fmt == IRX_PICTURE_DOT) {
			fprintf(f, "%*ssubgraph cluster_c%lld {\n%*slabel=\"", ind, "", cid,
				ind + 2, "");
			cluster_label(p, f, path, put_dot, "\\n");
			fprintf(f, "\";%s\n",
				json_object_get(p->folds, path)
					? " style=\"rounded,bold\"; color=\"#b35900\";"
					: "");
		} else {
			fprintf(f, "%*ssubgraph c%lld [\"", ind, "", cid);
			cluster_label(p, f, path, put_mermaid, "<br>");
			fputs("\"]\n", f);
		}
		ind += 2;
	}
	json_array_foreach(json_object_get(c, "vtx"), i, x) {
		size_t id = (size_t)json_integer_value(x);
		if (fmt == IRX_PICTURE_DOT)
			vtx_dot(p, f, id, ind);
		else
			vtx_mermaid(p, f, id, ind);
	}
	json_array_foreach(json_object_get(c, "children"), i, x)
		emit_cluster(p, f, json_string_value(x), fmt, ind);
	if (*path)
		fprintf(f, "%*s%s\n", ind - 2, "", fmt == IRX_PICTURE_DOT ? "}" : "end");
}

static void free_pic(struct pic *p)
{
	for (size_t i = 0; i < p->nv; i++) {
		free(p->v[i].path);
		free(p->v[i].box);
	}
	free(p->v);
	free(p->ea);
	free(p->eb);
	json_decref(p->edges);
	json_decref(p->value_vtx);
	json_decref(p->boxes);
	json_decref(p->clusters);
	json_decref(p->stats);
	json_decref(p->mods);
	json_decref(p->folds);
	json_decref(p->verdicts);
	free(p->rank);
}

irx_status irx_dump_picture(FILE *f, const json_t *ir, const irx_view_options *opts,
			    enum irx_picture_format fmt, irx_error *err)
{
	irx_view_options none = {0}, all = {0};
	struct pic p;
	size_t *vtx_of = NULL, *map = NULL, i;
	const json_t *row;
	int rc;

	if (!opts)
		opts = &none;
	if (!json_is_object(ir) || !json_is_array(json_object_get(ir, "nodes")))
		return irx_error_set(err, IRX_EINVAL, "not an irx IR document");
	if (fmt == IRX_PICTURE_MODEL_EXPLORER && opts->verdicts)
		return irx_error_set(err, IRX_EINVAL,
				     "verdicts colour dot and mermaid; Model Explorer reads them "
				     "as node data (irx-verify --node-data)");
	if (fmt == IRX_PICTURE_MODEL_EXPLORER)
		return show_explorer(f, ir, opts, err);
	if (fmt != IRX_PICTURE_DOT && fmt != IRX_PICTURE_MERMAID)
		return irx_error_set(err, IRX_EINVAL, "unknown picture format %d", (int)fmt);
	memset(&p, 0, sizeof(p));
	/* checked before a byte is written */
	if (opts->verdicts && (rc = show_verdicts(&p.verdicts, opts->verdicts, err)))
		return rc;
	p.ir = ir;
	p.o = opts;
	p.edges = json_object();
	p.value_vtx = json_object();
	p.boxes = json_object();
	p.clusters = json_object();
	p.mods = json_object();
	p.folds = json_object();
	if (!p.edges || !p.value_vtx || !p.boxes || !p.clusters || !p.mods || !p.folds)
		goto nomem;
	if ((rc = irx_stats(&p.stats, ir, &all, err))) {
		free_pic(&p);
		return rc;
	}
	json_array_foreach(json_object_get(p.stats, "by_module"), i, row)
		json_object_set(p.mods, str(row, "module"), (json_t *)row);
	if (build(&p, &vtx_of, &map) || !cluster(&p, "") ||
	    (p.verdicts && rank_vertices(&p, map, vtx_of)))
		goto nomem;
	for (i = 0; i < p.nv; i++) {
		json_t *c = cluster(&p, p.v[i].path);
		if (!c ||
		    json_array_append_new(json_object_get(c, "vtx"), json_integer((json_int_t)i)))
			goto nomem;
	}
	const char *model = str(ir, "model_name") ? str(ir, "model_name") : "model";
	if (fmt == IRX_PICTURE_DOT) {
		fputs("digraph \"", f);
		put_dot(f, model);
		fputs("\" {\n  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=10, newrank=true];\n"
		      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", "
		      "fontname=\"Helvetica\", fontsize=9];\n  edge [arrowsize=0.6];\n",
		      f);
	} else {
		fputs("---\ntitle: \"", f);
		put_mermaid(f, model);
		fputs("\"\n---\nflowchart TB\n", f);
		if (p.verdicts)
			classdefs_mermaid(f);
	}
	emit_cluster(&p, f, "", fmt, 2);
	if (p.verdicts)
		(fmt == IRX_PICTURE_DOT ? legend_dot : legend_mermaid)(f);
	for (i = 0; i < p.ne; i++)
		fprintf(f, fmt == IRX_PICTURE_DOT ? "  n%zu -> n%zu;\n" : "  n%zu --> n%zu\n",
			p.ea[i], p.eb[i]);
	if (fmt == IRX_PICTURE_DOT)
		fputs("}\n", f);
	free(vtx_of);
	free(map);
	free_pic(&p);
	if (ferror(f))
		return irx_error_set(err, IRX_EIO, "cannot write the picture");
	return IRX_OK;
nomem:
	free(vtx_of);
	free(map);
	free_pic(&p);
	return irx_error_set(err, IRX_ENOMEM, "out of memory");
}
