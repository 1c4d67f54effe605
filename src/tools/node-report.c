/*
 * node-report.c: the per-node report of irx-verify --per-node (see
 * node-report.h): trace records read and compared, verdicts (made here or
 * inherited), the text, JSON and Model Explorer forms, and --against, the
 * comparison of two traces without running anything.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node-report.h"
#include "irx/json.h"
#include "irx/trace.h"

#define N_STATS 6 /* min, max, mean, absmax, nan, inf */

long nr_add(struct nr_report *r, const json_t *node, const char *graph)
{
	if (r->n == r->cap) {
		size_t cap = r->cap * 2 + 32;
		struct nr_node *v = realloc(r->v, cap * sizeof(*v));
		if (!v) {
			tool_fail("out of memory");
			return -1;
		}
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	r->v[r->n].node = node;
	if (!(r->v[r->n].graph = strdup(graph ? graph : ""))) {
		tool_fail("out of memory");
		return -1;
	}
	return (long)r->n++;
}

void nr_free(struct nr_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].graph);
		free(r->v[i].dir);
		free(r->v[i].caller);
		free(r->v[i].caller_graph);
	}
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

/* ---- records ----------------------------------------------------------- */

static int bad_record(irx_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad_record(irx_error *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	err->code = IRX_EFORMAT;
	snprintf(err->where, sizeof(err->where), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return IRX_EFORMAT;
}

int nr_open_record(irx_tensors **out, const char *dir, const json_t *node, irx_error *err)
{
	const json_t *name = json_object_get(node, "name");
	char *file = NULL, *key = NULL, *path = NULL;
	irx_error open_err = {0};
	struct stat st;
	const char *got;
	int rc;

	*out = NULL;
	if ((rc = irx_trace_file_name(&file, &key, json_string_value(name),
				      json_string_length(name), err)))
		return rc;
	if (asprintf(&path, "%s/%s", dir, file) < 0) {
		path = NULL;
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
		goto out;
	}
	/* lstat: a symlink planted in the trace is not followed out of it */
	if (lstat(path, &st)) {
		rc = IRX_OK; /* no record of this node: nothing to hold it to */
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = bad_record(err, path,
				"not a regular file (links in a trace are not followed)");
		goto out;
	}
	if (irx_tensors_open(out, path, NULL, &open_err)) {
		rc = bad_record(err, path, "not a node record: %s", open_err.text);
		goto out;
	}
	/* whose record it is, by its irx.node; a trace written before irx.node
	 * existed holds whole names only, and its file names are then enough */
	got = irx_tensors_metadata(*out, IRX_TRACE_METADATA_KEY);
	if (got && strcmp(got, key))
		rc = bad_record(err, path, "the record of node '%s', not of '%s' (names encoded)",
				got, key);
	else if (!got && strlen(key) > IRX_TRACE_STEM_MAX)
		rc = bad_record(err, path,
				"a cut name without %s metadata: whose record it is cannot be told",
				IRX_TRACE_METADATA_KEY);
out:
	if (rc) {
		irx_tensors_free(*out);
		*out = NULL;
	}
	free(path);
	irx_free(file);
	irx_free(key);
	return rc;
}

char *nr_subgraph_dir(const char *dir, const char *node, const char *graph)
{
	char *fn = NULL, *kn = NULL, *fg = NULL, *kg = NULL, *out = NULL;
	irx_error err = {0};

	if (!irx_trace_file_name(&fn, &kn, node, strlen(node), &err) &&
	    !irx_trace_file_name(&fg, &kg, graph, strlen(graph), &err) &&
	    asprintf(&out, "%s/%s.subgraphs/%s", dir, kn, kg) < 0)
		out = NULL;
	irx_free(fn);
	irx_free(kn);
	irx_free(fg);
	irx_free(kg);
	return out;
}

/* ---- comparing --------------------------------------------------------- */

static const irx_tensor *stats_view(irx_tensor *v, int64_t *shape, double *s)
{
	memset(v, 0, sizeof(*v));
	*shape = N_STATS;
	v->name = "stats";
	v->dtype = IRX_DTYPE_FLOAT64;
	v->ndim = 1;
	v->shape = shape;
	v->numel = N_STATS;
	v->storage = 0;
	v->data = (const uint8_t *)s;
	v->device = "cpu";
	return v;
}

/* The statistics of T as a record holds them.  irx_tensor_stats_of()
 * counts NaN and infinities together: they go to the NaN slot, and the
 * record's two counts are added up before comparing (stats_fold). */
static int stats_of(double s[N_STATS], const irx_tensor *t, irx_error *err)
{
	irx_tensor_stats st;
	int rc = irx_tensor_stats_of(&st, t, err);

	if (rc)
		return rc;
	s[0] = st.count ? st.min : NAN;
	s[1] = st.count ? st.max : NAN;
	s[2] = st.count ? st.mean : NAN;
	s[3] = st.count ? fmax(fabs(st.min), fabs(st.max)) : NAN;
	s[4] = (double)st.nonfinite;
	s[5] = 0;
	return IRX_OK;
}

/* A statistics record's six values, its two counts folded into one. */
static int stats_read(double s[N_STATS], const irx_tensor *t, irx_error *err)
{
	if (t->dtype != IRX_DTYPE_FLOAT64 || t->ndim != 1 || t->shape[0] != N_STATS || !t->data ||
	    !irx_tensor_is_contiguous(t))
		return irx_error_set(err, IRX_EFORMAT,
				     "statistics of '%s': not float64[%d] (min, max, mean, "
				     "absmax, nan, inf)",
				     t->name ? t->name : "?", N_STATS);
	memcpy(s, t->data, sizeof(double) * N_STATS);
	s[4] += s[5];
	s[5] = 0;
	return IRX_OK;
}

int nr_compare(struct nr_figure *f, const char *name, const irx_tensor *got, int got_stats,
	       const irx_tensor *want, int want_stats, double rtol, double atol, irx_error *err)
{
	double gs[N_STATS], ws[N_STATS];
	int64_t gshape, wshape;
	irx_tensor gv, wv;
	irx_compare_result c;
	int rc;

	if (rtol < 0 || atol < 0) {
		double r, a;
		irx_compare_defaults(&r, &a, got_stats ? want->dtype : got->dtype);
		rtol = rtol < 0 ? r : rtol;
		atol = atol < 0 ? a : atol;
	}
	if (got_stats || want_stats) {
		/* statistics on one side: compare the statistics */
		if ((rc = got_stats ? stats_read(gs, got, err) : stats_of(gs, got, err)) ||
		    (rc = want_stats ? stats_read(ws, want, err) : stats_of(ws, want, err)))
			return rc;
		got = stats_view(&gv, &gshape, gs);
		want = stats_view(&wv, &wshape, ws);
	}
	if ((rc = irx_compare(&c, got, want, rtol, atol, err)))
		return rc;
	if (!f->have) {
		f->have = 1;
		f->match = 1;
	}
	f->max_abs = fmax(f->max_abs, c.max_abs);
	f->max_rel = fmax(f->max_rel, c.max_rel);
	f->mismatched += c.mismatched;
	f->count += c.count;
	if ((c.shape_differs || c.mismatched) && f->match) {
		f->match = 0;
		snprintf(f->detail, sizeof(f->detail),
			 "output '%s'%s: max abs %.3g, max rel %.3g, %llu of %llu %s beyond "
			 "rtol %g, atol %g%s",
			 name, got_stats || want_stats ? " (statistics)" : "", c.max_abs, c.max_rel,
			 (unsigned long long)c.mismatched, (unsigned long long)c.count,
			 got_stats || want_stats ? "statistics" : "elements", c.rtol, c.atol,
			 c.shape_differs ? " (shapes differ)" : "");
	} else if (f->match) {
		snprintf(f->detail, sizeof(f->detail), "max abs %.3g, max rel %.3g", f->max_abs,
			 f->max_rel);
	}
	return IRX_OK;
}

/* ---- verdicts and reports ------------------------------------------------ */

static const char *verdict_name(enum nr_verdict v)
{
	switch (v) {
	case NR_MATCH: return "match";
	case NR_DIVERGES: return "diverges";
	case NR_INHERITS: return "inherits";
	default: return "not compared";
	}
}

static void decide(struct nr_report *r)
{
	r->culprit = -1;
	r->compared = r->diverging = r->inheriting = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct nr_node *n = &r->v[i];
		int bad_total = n->total.have && !n->total.match;
		int bad_own = n->own.have && !n->own.match;
		if (!n->total.have && !n->own.have) {
			n->verdict = NR_NOT_COMPARED;
			continue;
		}
		r->compared++;
		/* a node without an own figure is judged by what it has */
		if (bad_own || (!n->own.have && bad_total))
			n->verdict = NR_DIVERGES;
		else if (bad_total)
			n->verdict = NR_INHERITS;
		else
			n->verdict = NR_MATCH;
		r->diverging += n->verdict == NR_DIVERGES;
		r->inheriting += n->verdict == NR_INHERITS;
		if (n->verdict == NR_DIVERGES && r->culprit < 0)
			r->culprit = (long)i;
	}
	/* every node has an error but none makes one beyond tolerance (drift):
	 * the first with one is where it shows */
	if (r->culprit < 0)
		for (size_t i = 0; i < r->n && r->culprit < 0; i++)
			if (r->v[i].verdict == NR_INHERITS)
				r->culprit = (long)i;
}

static json_t *figure_json(const struct nr_figure *f)
{
	if (!f->have)
		return json_null();
	return json_pack("{s:b,s:f,s:f,s:I,s:I,s:s}", "match", f->match, "max_abs", f->max_abs,
			 "max_rel", f->max_rel, "mismatched", (json_int_t)f->mismatched, "count",
			 (json_int_t)f->count, "detail", f->detail);
}

static json_t *or_null(const json_t *v) { return v ? json_incref((json_t *)v) : json_null(); }

static json_t *culprit_json(const struct nr_node *n)
{
	const json_t *in;
	json_t *inputs = json_array();
	size_t i;

	json_array_foreach(json_object_get(n->node, "inputs"), i, in)
		json_array_append_new(
			inputs,
			json_pack("{s:o,s:o,s:o}", "name", or_null(json_object_get(in, "name")),
				  "arg", or_null(json_object_get(in, "arg")), "producer_node",
				  or_null(json_object_get(in, "producer_node"))));
	return json_pack("{s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "node",
			 or_null(json_object_get(n->node, "name")), "op_type",
			 or_null(json_object_get(n->node, "op_type")), "graph", n->graph, "detail",
			 n->own.have && !n->own.match ? n->own.detail : n->total.detail, "own",
			 figure_json(&n->own), "total", figure_json(&n->total), "module_path",
			 or_null(json_object_get(n->node, "module_path")), "source",
			 or_null(json_object_get(n->node, "source")), "inputs", inputs);
}

static void explain(const struct nr_report *r, const struct nr_node *n)
{
	const char *module = json_string_value(json_object_get(n->node, "module_path"));
	const json_t *in;
	size_t i, shown = 0;

	printf("first divergence: node %s (%s)%s%s\n",
	       json_string_value(json_object_get(n->node, "name")),
	       json_string_value(json_object_get(n->node, "op_type")), *n->graph ? " in " : "",
	       n->graph);
	printf("  %s\n", n->own.have && !n->own.match ? n->own.detail : n->total.detail);
	if (n->own.have)
		printf("  made here (%s): %s\n", r->own_how,
		       n->own.match ? "within tolerance" : n->own.detail);
	else
		printf("  made here: not known (%s)\n", *n->own_note ? n->own_note : "no figure");
	if (n->total.have)
		printf("  %s: %s\n", r->against ? "between the traces" : "in the run",
		       n->total.match ? "within tolerance" : n->total.detail);
	if (module)
		printf("  module: %s (%s)\n", *module ? module : "(the model itself)",
		       json_is_string(json_object_get(n->node, "module_type"))
			       ? json_string_value(json_object_get(n->node, "module_type"))
			       : "?");
	if (json_is_string(json_object_get(n->node, "source")))
		printf("  source: %s\n", json_string_value(json_object_get(n->node, "source")));
	json_array_foreach(json_object_get(n->node, "inputs"), i, in) {
		const char *producer = json_string_value(json_object_get(in, "producer_node"));
		printf("  input %s (%s): %s\n", json_string_value(json_object_get(in, "name")),
		       json_string_value(json_object_get(in, "arg")),
		       producer ? producer : "a graph input or weight");
	}
	for (size_t k = (size_t)(n - r->v) + 1; k < r->n; k++) {
		if (r->v[k].verdict != NR_INHERITS && r->v[k].verdict != NR_DIVERGES)
			continue;
		if (!shown++)
			printf("  after it:");
		if (shown <= 8)
			printf(" %s (%s)", json_string_value(json_object_get(r->v[k].node, "name")),
			       r->v[k].verdict == NR_INHERITS ? "inherits" : "diverges too");
	}
	if (shown > 8)
		printf(" and %zu more", shown - 8);
	if (shown)
		putchar('\n');
}

int nr_finish(struct nr_report *r, const char *ir, int json, json_t **out)
{
	int bad;

	decide(r);
	if (!r->compared)
		return tool_fail("%s: the trace has no record of any node of %s", r->trace, ir);
	bad = r->diverging || r->inheriting;
	if (json) {
		json_t *nodes = json_array(), *doc;
		for (size_t i = 0; i < r->n; i++) {
			const struct nr_node *n = &r->v[i];
			json_t *o =
				json_pack("{s:o,s:o,s:s,s:s,s:o,s:o}", "node",
					  or_null(json_object_get(n->node, "name")), "op_type",
					  or_null(json_object_get(n->node, "op_type")), "graph",
					  n->graph, "verdict", verdict_name(n->verdict), "own",
					  figure_json(&n->own), "total", figure_json(&n->total));
			if (o && *n->own_note && !n->own.have)
				json_object_set_new(o, "own_note", json_string(n->own_note));
			json_array_append_new(nodes, o);
		}
		doc = json_pack("{s:b,s:s,s:I,s:I,s:I,s:s,s:o}", "match", !bad, "trace", r->trace,
				"nodes_compared", (json_int_t)r->compared, "diverging",
				(json_int_t)r->diverging, "inheriting", (json_int_t)r->inheriting,
				"own_error", r->own_how, "nodes", nodes);
		if (doc) /* it may be printed alone (and is then a whole report) */
			json_object_update_new(doc, json_pack("{s:s,s:i}", "format", REPORT_FORMAT,
							      "format_version", REPORT_VERSION));
		if (doc && r->against)
			json_object_set_new(doc, "against", json_string(r->against));
		if (doc && r->culprit >= 0)
			json_object_set_new(doc, "first_divergence",
					    culprit_json(&r->v[r->culprit]));
		int rc = !doc  ? tool_fail("out of memory")
			 : out ? EXIT_OK
			       : tool_write_json(NULL, doc, 0);
		if (out && !rc)
			*out = doc;
		else
			json_decref(doc);
		if (rc)
			return rc;
	} else {
		if (r->culprit >= 0)
			explain(r, &r->v[r->culprit]);
		if (!bad)
			printf("%s: every node matches the reference trace (%s%s%s; %zu nodes "
			       "compared)\n",
			       ir, r->trace, r->against ? " against " : "",
			       r->against ? r->against : "", r->compared);
		else
			printf("%s: %zu nodes compared with %s%s%s: %zu match, %zu make an error, %zu "
			       "inherit one\n",
			       ir, r->compared, r->trace, r->against ? " against " : "",
			       r->against ? r->against : "",
			       r->compared - r->diverging - r->inheriting, r->diverging,
			       r->inheriting);
		if (fflush(stdout))
			return tool_fail("cannot write: %s", strerror(errno));
	}
	return bad ? EXIT_NEGATIVE : EXIT_OK;
}

/* ---- Model Explorer node data -------------------------------------------- */

static const char *colour(enum nr_verdict v)
{
	switch (v) {
	case NR_MATCH: return "#b7e1b0";
	case NR_DIVERGES: return "#f08080";
	case NR_INHERITS: return "#f5c77e";
	default: return NULL;
	}
}

/* The graph ids of irx-dump --format=model-explorer: the model's name at
 * the top, "PARENT/node_I/SUBGRAPH" below; node ids "node_I" by position. */
static int explorer_graph(json_t *doc, const struct nr_report *r, const json_t *g, const char *gid)
{
	json_t *results = json_object(), *gd;
	const json_t *n;
	size_t i;

	if (!results)
		return -1;
	json_array_foreach(json_object_get(g, "nodes"), i, n) {
		const json_t *subs = json_object_get(n, "subgraphs"), *sub;
		const char *sname;
		char id[32];
		snprintf(id, sizeof(id), "node_%zu", i);
		for (size_t k = 0; k < r->n; k++) {
			const struct nr_node *e = &r->v[k];
			if (e->node != n || !colour(e->verdict))
				continue;
			json_object_set_new(
				results, id,
				json_pack("{s:f,s:s}", "value",
					  e->total.have ? e->total.max_abs : e->own.max_abs,
					  "bgColor", colour(e->verdict)));
		}
		json_object_foreach((json_t *)subs, sname, sub) {
			char *sid;
			if (asprintf(&sid, "%s/%s/%s", gid, id, sname) < 0)
				return -1;
			int bad = explorer_graph(doc, r, sub, sid);
			free(sid);
			if (bad)
				return -1;
		}
	}
	gd = json_pack("{s:o}", "results", results);
	return gd ? json_object_set_new(doc, gid, gd) : -1;
}

int nr_write_explorer(const struct nr_report *r, const char *path)
{
	const char *model = json_string_value(json_object_get(r->ir, "model_name"));
	json_t *doc = json_object();
	int rc;

	if (!doc || explorer_graph(doc, r, r->ir, model ? model : "model")) {
		json_decref(doc);
		return tool_fail("out of memory");
	}
	rc = tool_write_json(path, doc, 0);
	json_decref(doc);
	return rc;
}

/* ---- --against: two traces, nothing run ---------------------------------- */

struct against {
	struct nr_report *r;
	double rtol, atol;
};

/* Compare the records of GRAPH's nodes in A and B (subgraph calls first,
 * as they run inside their node); INPUTS_DIFFER: the values that enter
 * GRAPH from outside already differ. */
static int against_graph(struct against *c, const json_t *graph, const char *a, const char *b,
			 const char *path, int inputs_differ)
{
	json_t *where = json_object(); /* value name -> its node's index in the report */
	const json_t *n;
	size_t i;
	int rc = EXIT_OK;

	if (!where)
		return tool_fail("out of memory");
	json_array_foreach(json_object_get(graph, "nodes"), i, n) {
		const json_t *subs = json_object_get(n, "subgraphs"), *sub, *in, *out;
		const char *nname = json_string_value(json_object_get(n, "name")), *sname;
		irx_tensors *ra = NULL, *rb = NULL;
		irx_error err = {0};
		int differ = 0;
		long k;
		size_t j;

		/* do the node's inputs already differ? */
		json_array_foreach(json_object_get(n, "inputs"), j, in) {
			const json_t *p = json_object_get(
				where, json_string_value(json_object_get(in, "name"))
					       ? json_string_value(json_object_get(in, "name"))
					       : "");
			if (p) {
				const struct nr_node *e = &c->r->v[json_integer_value(p)];
				differ |= e->total.have && !e->total.match;
			} else if (!json_is_string(json_object_get(in, "producer_node"))) {
				differ |= inputs_differ;
			}
		}
		json_object_foreach((json_t *)subs, sname, sub) {
			char *sa = nr_subgraph_dir(a, nname ? nname : "", sname);
			char *sb = nr_subgraph_dir(b, nname ? nname : "", sname);
			char *sp = NULL;
			if (!sa || !sb ||
			    asprintf(&sp, "%s%s%s/%s", path, *path ? "/" : "", nname ? nname : "",
				     sname) < 0) {
				free(sa);
				free(sb);
				json_decref(where);
				return tool_fail("out of memory");
			}
			rc = against_graph(c, sub, sa, sb, sp, differ);
			free(sa);
			free(sb);
			free(sp);
			if (rc) {
				json_decref(where);
				return rc;
			}
		}
		if ((k = nr_add(c->r, n, path)) < 0) {
			json_decref(where);
			return EXIT_ERROR;
		}
		if ((rc = nr_open_record(&ra, a, n, &err)) ||
		    (rc = nr_open_record(&rb, b, n, &err))) {
			irx_tensors_free(ra);
			tool_report(&err);
			json_decref(where);
			return EXIT_ERROR;
		}
		json_array_foreach(json_object_get(n, "outputs"), j, out) {
			const char *oname = json_string_value(json_object_get(out, "name"));
			const irx_tensor *ta = ra ? irx_tensors_find(ra, oname ? oname : "") : NULL;
			const irx_tensor *tb = rb ? irx_tensors_find(rb, oname ? oname : "") : NULL;
			if (oname)
				json_object_set_new(where, oname, json_integer(k));
			if (!ta || !tb)
				continue;
			if (nr_compare(&c->r->v[k].total, oname, ta,
				       !!irx_tensors_metadata(ra, NR_STATS_KEY), tb,
				       !!irx_tensors_metadata(rb, NR_STATS_KEY), c->rtol, c->atol,
				       &err)) {
				snprintf(err.source, sizeof(err.source), "%s", b);
				tool_report(&err);
				rc = EXIT_ERROR;
				break;
			}
		}
		irx_tensors_free(ra);
		irx_tensors_free(rb);
		if (rc)
			break;
		/* without running it, what a node makes is its error when what
		 * enters it agrees */
		struct nr_node *e = &c->r->v[k];
		if (e->total.have) {
			e->own = e->total;
			if (differ) {
				e->own.match = 1;
				e->own.max_abs = e->own.max_rel = 0;
				e->own.mismatched = 0;
				snprintf(e->own.detail, sizeof(e->own.detail),
					 "its inputs already differ");
			}
		}
	}
	json_decref(where);
	return rc;
}

int nr_against(const char *ir_path, const char *a, const char *b, double rtol, double atol,
	       int json, const char *explorer)
{
	struct nr_report r = {0};
	struct against c = {&r, rtol, atol};
	irx_error err = {0};
	json_t *ir = NULL;
	int rc;

	if (access(a, R_OK | X_OK))
		return tool_fail("%s: cannot read the trace: %s", a, strerror(errno));
	if (access(b, R_OK | X_OK))
		return tool_fail("%s: cannot read the trace: %s", b, strerror(errno));
	if (irx_json_load(&ir, ir_path, &err)) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	r.ir = ir;
	r.trace = a;
	r.against = b;
	r.own_how = "its outputs' error where its inputs agree";
	if (!(rc = against_graph(&c, ir, a, b, "", 0))) {
		rc = nr_finish(&r, ir_path, json, NULL);
		if (explorer && rc != EXIT_ERROR) {
			int wrc = nr_write_explorer(&r, explorer);
			rc = wrc ? wrc : rc;
		}
	}
	nr_free(&r);
	json_decref(ir);
	return rc;
}
