/*
 * irx-verify: does the IR compute what the model computes?
 *
 * Runs the IR like irx-exec and compares every output with a reference:
 * outputs recorded in PyTorch (--expected), or the original model as a
 * TorchScript archive run through the same libtorch (--reference).  With
 * --per-node, finds the first node whose outputs leave a reference trace.
 */
#include <config.h>

#include <argp.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node-report.h"
#include "verify-options.h"

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct verify_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT: state->child_inputs[0] = &a->run; return 0;
	case ARGP_KEY_END:
		if (!a->against) /* --against compares two traces: nothing to run */
			run_need_inputs(&a->run, state);
		if (a->expected && a->reference)
			argp_error(state, "give --expected FILE or --reference MODEL, not both");
		if (!a->per_node && !a->expected && !a->reference)
			argp_error(state,
				   "give --expected FILE or --reference MODEL (or --per-node)");
		if (a->trace && !a->per_node)
			argp_error(state, "--trace goes with --per-node");
		if (a->node_data && !a->per_node)
			argp_error(state, "--node-data goes with --per-node");
		if (a->against && !a->trace)
			argp_error(state, "--against B goes with --per-node --trace A");
		verify_check_against(a, state);
		return 0;
	}
	return verify_parse_opt(key, arg, state);
}

static const struct argp_child children[] = {{&run_argp, 0, NULL, 0}, {0}};

static const struct argp argp = {
	verify_options,
	parse_opt,
	"IR",
	"Run an IR with real weights (as irx-exec does) and compare each output with the "
	"original model's: allclose with rtol = atol = 1e-4 by default, integers and bools "
	"exactly, NaN where NaN. The report gives, per output, the largest absolute and "
	"relative errors and the worst element.\v" TOOL_EXIT_DOC " Here 1 means an output "
	"(or with --per-node, a node) does not match.",
	children,
	NULL,
	NULL,
};

/* ---- reports -------------------------------------------------------------- */

/* The JSON report: docs/verify-report.schema.json.  The version changes
 * only when a field changes meaning or goes; new fields may appear. */

static void index_text(char *buf, size_t size, const irx_tensor *t, int64_t flat)
{
	size_t n = (size_t)snprintf(buf, size, "[");
	int64_t coord[IRX_TENSOR_MAX_DIMS] = {0};

	for (int d = t->ndim - 1; d >= 0; d--) {
		coord[d] = t->shape[d] ? flat % t->shape[d] : 0;
		flat = t->shape[d] ? flat / t->shape[d] : 0;
	}
	for (int d = 0; d < t->ndim && n < size; d++)
		n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
				      (long long)coord[d]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

/* "float32[2, 3]" */
static void meta_text(char *buf, size_t size, const irx_tensor *t)
{
	size_t n = (size_t)snprintf(buf, size, "%s[",
				    irx_dtype_name(t->dtype) ? irx_dtype_name(t->dtype) : "?");

	for (int d = 0; d < t->ndim && n < size; d++)
		n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
				      (long long)t->shape[d]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

static json_t *result_json(const char *name, const irx_tensor *got, const irx_tensor *want,
			   const irx_compare_result *c)
{
	json_t *o = json_pack("{s:s,s:b,s:f,s:f,s:f,s:f,s:I,s:I}", "name", name, "match", c->match,
			      "rtol", c->rtol, "atol", c->atol, "max_abs", c->max_abs, "max_rel",
			      c->max_rel, "mismatched", (json_int_t)c->mismatched, "count",
			      (json_int_t)c->count);
	if (c->shape_differs || c->dtype_differs) {
		char g[256], w[256];
		meta_text(g, sizeof(g), got);
		meta_text(w, sizeof(w), want);
		json_object_set_new(
			o, "error",
			json_string(c->shape_differs ? "shapes differ" : "dtypes differ"));
		json_object_set_new(o, "got_meta", json_string(g));
		json_object_set_new(o, "want_meta", json_string(w));
	}
	if (c->worst >= 0) {
		json_t *idx = json_array();
		int64_t flat = c->worst;
		for (int d = got->ndim - 1; d >= 0; d--) {
			json_array_insert_new(
				idx, 0, json_integer(got->shape[d] ? flat % got->shape[d] : 0));
			flat = got->shape[d] ? flat / got->shape[d] : 0;
		}
		json_object_set_new(o, "worst_index", idx);
		json_object_set_new(o, "got",
				    isfinite(c->worst_got)
					    ? json_real(c->worst_got)
					    : json_string(isnan(c->worst_got) ? "NaN"
							  : c->worst_got > 0  ? "Infinity"
									      : "-Infinity"));
		json_object_set_new(o, "want",
				    isfinite(c->worst_want)
					    ? json_real(c->worst_want)
					    : json_string(isnan(c->worst_want) ? "NaN"
							  : c->worst_want > 0  ? "Infinity"
									       : "-Infinity"));
	}
	return o;
}

static void result_text(const char *name, const irx_tensor *got, const irx_tensor *want,
			const irx_compare_result *c)
{
	char idx[256];

	if (c->shape_differs || c->dtype_differs) {
		char g[256], w[256];
		meta_text(g, sizeof(g), got);
		meta_text(w, sizeof(w), want);
		printf("%s: MISMATCH: %s differ (got %s, want %s)\n", name,
		       c->shape_differs ? "shapes" : "dtypes", g, w);
		return;
	}
	printf("%s: %s  max abs %.3g  max rel %.3g  (rtol %g, atol %g", name,
	       c->match ? "allclose" : "MISMATCH", c->max_abs, c->max_rel, c->rtol, c->atol);
	if (c->mismatched)
		printf(", %llu of %llu elements off", (unsigned long long)c->mismatched,
		       (unsigned long long)c->count);
	printf(")");
	if (c->worst >= 0) {
		index_text(idx, sizeof(idx), got, c->worst);
		printf("  worst at %s: got %.9g, want %.9g", idx, c->worst_got, c->worst_want);
	}
	putchar('\n');
}

/* ---- references ----------------------------------------------------------- */

/* The TorchScript model, with the weights the IR used, run on the inputs. */
static int run_reference(const struct verify_args *a, const struct run *r, irx_th_results **out)
{
	const json_t *map = json_object_get(r->ir, "weight_name_mapping");
	irx_error err = {0};
	irx_th_module *m;
	const char *k;
	json_t *v;
	int rc;

	snprintf(err.source, sizeof(err.source), "%s", a->reference);
	if ((rc = irx_th_module_load(&m, a->reference, &err)))
		goto fail;
	json_object_foreach((json_t *)map, k, v) {
		const irx_tensor *t = NULL;
		irx_th *h;
		for (size_t i = 0; i < r->n_weights && !t; i++)
			t = irx_tensors_find(r->weights[i], json_string_value(v));
		if (!t || !t->data)
			continue;
		if ((rc = irx_th_from_view(&h, t, &err)))
			goto fail;
		rc = irx_th_module_set(m, json_string_value(v), h, &err);
		irx_th_free(h);
		if (rc == IRX_EINVAL) { /* a constant the trace folded in: keep its own */
			memset(&err, 0, sizeof(err));
			snprintf(err.source, sizeof(err.source), "%s", a->reference);
			continue;
		}
		if (rc)
			goto fail;
	}
	rc = irx_th_module_forward(out, m, r->inputs, r->n_inputs, &err);
fail:
	if (rc)
		tool_report(&err);
	irx_th_module_free(m);
	return rc ? EXIT_ERROR : EXIT_OK;
}

/* --expected-mutated: each of the IR's mutations against the file's tensor
 * of the same state_dict key; a key on one side only is an error. */
static int compare_mutations(const struct verify_args *a, const struct run *r, json_t *report,
			     size_t *bad, size_t *n_out)
{
	size_t n = irx_exec_n_mutations(r->x), k = 0;
	irx_tensors *want_set = NULL;
	int rc = run_open_tensors(a->mutated, &want_set);

	for (size_t i = 0; i < n && !rc; i++) {
		const json_t *m = irx_exec_mutation(r->x, i);
		const char *target = json_string_value(json_object_get(m, "target"));
		irx_th *t = irx_exec_mutation_result(r->x, i);
		const irx_tensor *want;
		irx_compare_result c;
		irx_tensor got;
		irx_error err = {0};
		if (!t || !target)
			continue;
		k++;
		if (!(want = irx_tensors_find(want_set, target))) {
			rc = tool_fail("%s: no tensor '%s' (the IR updates it)", a->mutated,
				       target);
			break;
		}
		irx_th_view(&got, t);
		if ((rc = irx_compare(&c, &got, want, a->rtol, a->atol, &err))) {
			tool_report(&err);
			rc = EXIT_ERROR;
			break;
		}
		*bad += !c.match;
		if (a->json)
			json_array_append_new(report, result_json(target, &got, want, &c));
		else
			result_text(target, &got, want, &c);
	}
	if (!rc && irx_tensors_count(want_set) != k)
		rc = tool_fail("%s: %zu tensor%s, but the IR updates %zu buffer%s", a->mutated,
			       irx_tensors_count(want_set),
			       irx_tensors_count(want_set) == 1 ? "" : "s", k, k == 1 ? "" : "s");
	irx_tensors_free(want_set);
	*n_out = k;
	return rc;
}

/* Compare the outputs of run R; PER_NODE (taken) joins a JSON report. */
static int compare_outputs(const struct verify_args *a, const struct run *r, json_t *per_node)
{
	irx_tensors *expected = NULL;
	irx_th_results *ref = NULL;
	json_t *report;
	size_t n = irx_exec_n_outputs(r->x), bad = 0;
	int rc = a->expected ? run_open_tensors(a->expected, &expected) : run_reference(a, r, &ref);

	if (rc || !(report = json_array())) {
		json_decref(per_node);
		irx_th_results_free(ref);
		irx_tensors_free(expected);
		return rc ? rc : tool_fail("out of memory");
	}
	if (ref && irx_th_results_count(ref) != n)
		rc = tool_fail("%s: the model returns %zu tensors, the IR %zu", a->reference,
			       irx_th_results_count(ref), n);
	else if (expected && strcmp(irx_tensors_container(expected), "dict") &&
		 irx_tensors_count(expected) != n)
		rc = tool_fail("%s: %zu tensor%s, but the IR gives %zu output%s", a->expected,
			       irx_tensors_count(expected),
			       irx_tensors_count(expected) == 1 ? "" : "s", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n && !rc; i++) {
		const char *name =
			json_string_value(json_object_get(irx_exec_output(r->x, i), "name"));
		irx_th *t = irx_exec_result(r->x, i);
		irx_tensor got, want_view;
		const irx_tensor *want = NULL;
		irx_compare_result c;
		irx_error err = {0};
		if (!t) {
			rc = tool_fail("%s: output %zu is not a tensor", a->run.ir, i);
			break;
		}
		irx_th_view(&got, t);
		if (expected) {
			want = run_pick(expected, i, name);
		} else if (irx_th_results_at(ref, i)->kind == IRX_TH_TENSOR) {
			irx_th_view(&want_view, irx_th_results_at(ref, i)->u.t);
			want = &want_view;
		}
		if (!want) {
			rc = tool_fail("%s: no tensor for output %zu ('%s')",
				       a->expected ? a->expected : a->reference, i, name);
			break;
		}
		if ((rc = irx_compare(&c, &got, want, a->rtol, a->atol, &err))) {
			tool_report(&err);
			rc = EXIT_ERROR;
			break;
		}
		bad += !c.match;
		if (a->json)
			json_array_append_new(report,
					      result_json(name ? name : "?", &got, want, &c));
		else
			result_text(name ? name : "?", &got, want, &c);
	}
	size_t n_mut = 0, bad_mut = 0;
	json_t *mut_report = a->mutated ? json_array() : NULL;
	if (!rc && a->mutated)
		rc = compare_mutations(a, r, mut_report, &bad_mut, &n_mut);
	if (!rc && a->json) {
		json_t *doc = json_pack("{s:s,s:i,s:b,s:I,s:I,s:o}", "format", REPORT_FORMAT,
					"format_version", REPORT_VERSION, "match", !bad && !bad_mut,
					"outputs", (json_int_t)n, "mismatched", (json_int_t)bad,
					"results", report);
		report = NULL;
		if (mut_report)
			json_object_set_new(doc, "mutations",
					    json_pack("{s:I,s:I,s:O}", "count", (json_int_t)n_mut,
						      "mismatched", (json_int_t)bad_mut, "results",
						      mut_report));
		if (per_node)
			json_object_set(doc, "per_node", per_node);
		rc = tool_write_json(NULL, doc, 0);
		json_decref(doc);
	} else if (!rc) {
		printf("%s: %zu of %zu outputs match\n", a->run.ir, n - bad, n);
		if (a->mutated)
			printf("%s: %zu of %zu mutated buffers match\n", a->run.ir, n_mut - bad_mut,
			       n_mut);
	}
	json_decref(mut_report);
	json_decref(report);
	json_decref(per_node);
	irx_tensors_free(expected);
	irx_th_results_free(ref);
	if (!rc && fflush(stdout))
		rc = tool_fail("cannot write: %s", strerror(errno));
	return rc ? rc : bad || bad_mut ? EXIT_NEGATIVE : EXIT_OK;
}

/* ---- per node ------------------------------------------------------------- */

struct per_node {
	const struct verify_args *a;
	const char *dir;
	struct nr_report rep;
};

/* The float64 trace that irx-verify writes for itself, and the files it
 * wrote there: the only ones it removes. */
struct own_trace {
	char *dir;
	char **files;
	size_t n, cap;
};

/* Note FILE (taken) as written; a file that cannot be noted is removed
 * at once, so none is left behind. */
static int note_file(struct own_trace *t, char *file)
{
	char **grown;

	if (t->n == t->cap) {
		if (!(grown = realloc(t->files, (t->cap * 2 + 16) * sizeof(*grown)))) {
			unlink(file);
			free(file);
			return tool_fail("out of memory");
		}
		t->files = grown;
		t->cap = t->cap * 2 + 16;
	}
	t->files[t->n++] = file;
	return EXIT_OK;
}

static int dump_cb(void *ctx, const json_t *node, irx_th *const *outs, size_t n, irx_error *err)
{
	struct own_trace *t = ctx;
	char *file = NULL;

	if (run_dump_node(t->dir, node, outs, n, &file) == EXIT_OK && note_file(t, file) == EXIT_OK)
		return IRX_OK;
	err->code = IRX_EIO;
	snprintf(err->text, sizeof(err->text), "cannot write the reference trace");
	return IRX_EIO;
}

/* The error a node has in the IR's run: its outputs against the record in
 * DIR, every node (the run goes on past a difference).  Tolerances are
 * those of the IR's dtype, not of a float64 trace's.  A subgraph's node
 * (GRAPH not "") called several times (a while_loop body) keeps one entry,
 * held to the record by its last call, as the record holds the last. */
static int check_node(struct per_node *p, const json_t *node, irx_th *const *outs, size_t n,
		      const char *dir, const char *graph, const char *caller,
		      const char *caller_graph, irx_error *err)
{
	const json_t *metas = json_object_get(node, "outputs");
	irx_tensors *ref = NULL;
	long k = -1;
	int rc;

	if ((rc = nr_open_record(&ref, dir, node, err)))
		return rc;
	for (size_t i = 0; *graph && i < p->rep.n && k < 0; i++)
		if (p->rep.v[i].node == node && !strcmp(p->rep.v[i].graph, graph))
			k = (long)i;
	if (k >= 0) {
		memset(&p->rep.v[k].total, 0, sizeof(p->rep.v[k].total));
	} else if ((k = nr_add(&p->rep, node, graph)) < 0 ||
		   (*graph &&
		    (!(p->rep.v[k].dir = strdup(dir)) || !(p->rep.v[k].caller = strdup(caller)) ||
		     !(p->rep.v[k].caller_graph = strdup(caller_graph))))) {
		irx_tensors_free(ref);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	for (size_t i = 0; ref && i < n && !rc; i++) {
		const char *name =
			json_string_value(json_object_get(json_array_get(metas, i), "name"));
		const irx_tensor *want = irx_tensors_find(ref, name ? name : "");
		irx_tensor got;
		if (!want || !outs[i])
			continue;
		irx_th_view(&got, outs[i]);
		rc = nr_compare(&p->rep.v[k].total, name, &got, 0, want,
				!!irx_tensors_metadata(ref, NR_STATS_KEY), p->a->rtol, p->a->atol,
				err);
	}
	irx_tensors_free(ref);
	return rc;
}

static int check_cb(void *ctx, const json_t *node, irx_th *const *outs, size_t n, irx_error *err)
{
	struct per_node *p = ctx;

	return check_node(p, node, outs, n, p->dir, "", NULL, NULL, err);
}

/* CALLERS' first N names joined by "/", as the report names graphs. */
static char *graph_path(const char *const *callers, size_t n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(callers[i]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	*s = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "/");
		strcat(s, callers[i]);
	}
	return s;
}

/* A node of a subgraph call: held to its record in the trace's
 * NODE.subgraphs/GRAPH/ (docs/trace-format.md). */
static int check_sub_cb(void *ctx, const char *const *callers, size_t depth, const json_t *node,
			irx_th *const *outs, size_t n, irx_error *err)
{
	struct per_node *p = ctx;
	char *dir = run_subgraph_dir(p->dir, callers, depth, 0);
	char *graph = graph_path(callers, 2 * depth), *cgraph = graph_path(callers, 2 * depth - 2);
	int rc = !dir || !graph || !cgraph ? irx_error_set(err, IRX_ENOMEM, "out of memory")
					   : check_node(p, node, outs, n, dir, graph,
							callers[2 * depth - 2], cgraph, err);

	free(dir);
	free(graph);
	free(cgraph);
	return rc;
}

/* ---- own error: a node alone, on the trace's values ------------------------ */

/* An IR of NODE alone: its inputs that are not weights or constants become
 * graph inputs, its outputs the graph outputs; everything else of IR
 * (weights, their mapping, symbols) is kept, so that the same weight files
 * bind. */
static json_t *one_node_ir(const json_t *ir, const json_t *node)
{
	const char *keep[] = {"format",  "format_version",      "model_name", "source",
			      "weights", "weight_name_mapping", "constants",  "symbols"};
	json_t *one = json_object(), *copy = json_deep_copy(node), *gin = json_array(), *in,
	       *seen = json_object(), *w;
	const char *lists[] = {"weights", "constants"};
	size_t i;

	if (!one || !copy || !gin || !seen)
		goto fail;
	for (size_t k = 0; k < sizeof(keep) / sizeof(*keep); k++)
		if (json_object_get(ir, keep[k]))
			json_object_set(one, keep[k], json_object_get(ir, keep[k]));
	for (int l = 0; l < 2; l++)
		json_array_foreach(json_object_get(ir, lists[l]), i, w)
			if (json_is_string(json_object_get(w, "name")))
				json_object_set_new(seen,
						    json_string_value(json_object_get(w, "name")),
						    json_true());
	json_array_foreach(json_object_get(copy, "inputs"), i, in) {
		const char *name = json_string_value(json_object_get(in, "name"));
		json_object_set_new(in, "producer_node", json_null());
		json_object_set_new(in, "producer_output_idx", json_null());
		if (!name || json_object_get(seen, name))
			continue;
		json_object_set_new(seen, name, json_true());
		json_array_append_new(gin, json_pack("{s:O,s:O,s:O,s:n,s:n}", "name",
						     json_object_get(in, "name"), "shape",
						     json_object_get(in, "shape"), "dtype",
						     json_object_get(in, "dtype"), "producer_node",
						     "producer_output_idx"));
	}
	json_object_set_new(one, "graph_inputs", gin);
	json_object_set(one, "graph_outputs", json_object_get(copy, "outputs"));
	json_object_set_new(one, "nodes", json_pack("[o]", copy));
	json_object_set_new(one, "mutations", json_array());
	json_decref(seen);
	return one;
fail:
	json_decref(one);
	json_decref(copy);
	json_decref(gin);
	json_decref(seen);
	return NULL;
}

/* The node named NAME of R's IR (top level), or NULL. */
static const json_t *find_node(const json_t *ir, const char *name)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(ir, "nodes"), i, n)
		if (json_is_string(json_object_get(n, "name")) &&
		    !strcmp(json_string_value(json_object_get(n, "name")), name))
			return n;
	return NULL;
}

/* The entry of node NAME in GRAPH of REP, or NULL. */
static const struct nr_node *entry_of(const struct nr_report *rep, const char *graph,
				      const char *name)
{
	for (size_t i = 0; name && i < rep->n; i++)
		if (!strcmp(rep->v[i].graph, graph) &&
		    json_is_string(json_object_get(rep->v[i].node, "name")) &&
		    !strcmp(json_string_value(json_object_get(rep->v[i].node, "name")), name))
			return &rep->v[i];
	return NULL;
}

/* Does the value IN that E reads already differ in the run?  Its
 * producer's error in the run; a value that enters a subgraph from its
 * caller differs when one of the caller's inputs does. */
static int input_differs(const struct nr_report *rep, const struct nr_node *e, const json_t *in)
{
	const char *producer = json_string_value(json_object_get(in, "producer_node"));
	const struct nr_node *c;
	const json_t *cin;
	size_t i;

	if (producer) {
		const struct nr_node *pe = entry_of(rep, e->graph, producer);
		return pe && pe->total.have && !pe->total.match;
	}
	if (!e->caller || !(c = entry_of(rep, e->caller_graph, e->caller)))
		return 0; /* the model's input or weight: the same in both */
	json_array_foreach(json_object_get(c->node, "inputs"), i, cin)
		if (input_differs(rep, c, cin))
			return 1;
	return 0;
}

/* A subgraph's node whose inputs the trace does not hold (they enter from
 * its caller): as --against, what it makes is its error in the run where
 * what enters it agrees with the trace. */
static void own_from_total(const struct nr_report *rep, struct nr_node *e)
{
	const json_t *in;
	size_t i;
	int differ = 0;

	if (!e->total.have)
		return;
	json_array_foreach(json_object_get(e->node, "inputs"), i, in)
		differ |= input_differs(rep, e, in);
	e->own = e->total;
	if (differ) {
		e->own.match = 1;
		e->own.max_abs = e->own.max_rel = 0;
		e->own.mismatched = 0;
		snprintf(e->own.detail, sizeof(e->own.detail), "its inputs already differ");
	}
	e->own_note[0] = '\0';
}

/* E's own figure: the node alone, on the values the trace holds for its
 * inputs (graph inputs: the run's), against the trace's outputs.  What
 * cannot be done is noted in E, not an error: the other figure stands. */
static int own_figure(struct per_node *p, struct nr_node *e, const struct run *r)
{
	const json_t *ir = r->ir, *gin, *node = e->node;
	json_t *one = one_node_ir(ir, node);
	irx_tensors **recs = NULL, *mine = NULL;
	const char *dir = e->dir ? e->dir : p->dir;
	int entering = 0; /* a subgraph's input is among its inputs */
	irx_th **ins = NULL;
	irx_exec *x = NULL;
	irx_exec_options o = {0};
	irx_error err = {0};
	size_t n = 0, i;
	int rc = EXIT_OK;

	if (!one)
		return tool_fail("out of memory");
	gin = json_object_get(one, "graph_inputs");
	n = json_array_size(gin);
	recs = calloc(n + 1, sizeof(*recs));
	ins = calloc(n + 1, sizeof(*ins));
	if (!recs || !ins) {
		rc = tool_fail("out of memory");
		goto out;
	}
	if (nr_open_record(&mine, dir, node, &err) || !mine)
		goto out; /* no record: nothing to hold the node to */
	for (i = 0; i < n; i++) {
		const char *name =
			json_string_value(json_object_get(json_array_get(gin, i), "name"));
		const char *producer = NULL;
		const json_t *in;
		size_t j;
		json_array_foreach(json_object_get(node, "inputs"), j, in)
			if (!strcmp(json_string_value(json_object_get(in, "name")), name))
				producer = json_string_value(json_object_get(in, "producer_node"));
		if (producer) {
			const struct nr_node *pe =
				e->dir ? entry_of(&p->rep, e->graph, producer) : NULL;
			const json_t *pn =
				e->dir ? (pe ? pe->node : NULL) : find_node(ir, producer);
			const irx_tensor *t;
			if (!pn || nr_open_record(&recs[i], dir, pn, &err) || !recs[i]) {
				snprintf(e->own_note, sizeof(e->own_note),
					 "the trace has no record of input '%s'", name);
				goto out;
			}
			if (irx_tensors_metadata(recs[i], NR_STATS_KEY)) {
				snprintf(e->own_note, sizeof(e->own_note),
					 "the trace holds statistics only");
				goto out;
			}
			if (!(t = irx_tensors_find(recs[i], name))) {
				snprintf(e->own_note, sizeof(e->own_note),
					 "the trace has no value of input '%s'", name);
				goto out;
			}
			if (irx_th_from_view(&ins[i], t, &err)) {
				snprintf(e->own_note, sizeof(e->own_note), "input '%s': %s", name,
					 err.text);
				goto out;
			}
		} else if (e->dir) {
			entering = 1; /* the trace holds no values entering a subgraph */
			goto out;
		} else {
			for (size_t g = 0; g < r->n_inputs && !ins[i]; g++)
				if (!strcmp(json_string_value(json_object_get(
						    irx_exec_input(r->x, g), "name")),
					    name))
					ins[i] = r->inputs[g];
			if (!ins[i]) {
				snprintf(e->own_note, sizeof(e->own_note),
					 "input '%s' is neither a node's nor a graph input", name);
				goto out;
			}
			recs[i] = NULL;
		}
	}
	if (irx_tensors_metadata(mine, NR_STATS_KEY)) {
		snprintf(e->own_note, sizeof(e->own_note), "the trace holds statistics only");
		goto out;
	}
	o.threads = p->a->run.threads;
	o.decompose = p->a->run.decompose;
	o.allow_ops = p->a->run.allow_ops;
	o.n_allow_ops = p->a->run.n_allow_ops;
	o.max_memory = p->a->run.max_memory;
	o.max_elements = p->a->run.max_elements;
	o.max_iterations = p->a->run.max_iterations;
	if (irx_exec_new(&x, one, &o, &err) ||
	    irx_exec_bind(x, (const irx_tensors *const *)r->weights, r->n_weights, &err) ||
	    irx_exec_run(x, ins, n, &err)) {
		snprintf(e->own_note, sizeof(e->own_note), "cannot run alone: %s", err.text);
		goto out;
	}
	for (i = 0; i < irx_exec_n_outputs(x); i++) {
		const char *name =
			json_string_value(json_object_get(irx_exec_output(x, i), "name"));
		const irx_tensor *want = irx_tensors_find(mine, name ? name : "");
		irx_th *t = irx_exec_result(x, i);
		irx_tensor got;
		if (!want || !t)
			continue;
		irx_th_view(&got, t);
		if (nr_compare(&e->own, name, &got, 0, want, 0, p->a->rtol, p->a->atol, &err)) {
			snprintf(err.source, sizeof(err.source), "%s", p->dir);
			tool_report(&err);
			rc = EXIT_ERROR;
			break;
		}
	}
out:
	if (entering && rc == EXIT_OK)
		own_from_total(&p->rep, e);
	irx_exec_free(x);
	for (i = 0; i < n; i++) {
		if (recs[i])
			irx_th_free(ins[i]); /* made from a record; graph inputs are the run's */
		irx_tensors_free(recs[i]);
	}
	free(recs);
	free(ins);
	irx_tensors_free(mine);
	json_decref(one);
	return rc;
}

/* The float64 trace is ours: the files its run wrote, then the
 * directory, which stays if anything else has appeared in it. */
static void remove_trace(struct own_trace *t)
{
	for (size_t i = 0; i < t->n; i++) {
		unlink(t->files[i]);
		free(t->files[i]);
	}
	if (t->dir && rmdir(t->dir))
		tool_warn(t->dir, "not removed: it holds files irx-verify did not write");
	free(t->files);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

/* The IR in float64, node by node, into a new directory in TMPDIR. */
static int float64_trace(const struct verify_args *a, struct own_trace *t)
{
	irx_exec_options o = {.warn = tool_warn, .warn_ctx = (void *)a->run.ir, .float64 = 1};
	const char *tmp = getenv("TMPDIR");
	struct run r;
	int rc;

	if (asprintf(&t->dir, "%s/irx-verify-trace.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) {
		t->dir = NULL;
		return tool_fail("out of memory");
	}
	if (!mkdtemp(t->dir)) {
		rc = tool_fail("cannot create a directory for the trace in %s: %s",
			       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		free(t->dir);
		t->dir = NULL;
		return rc;
	}
	o.on_node = dump_cb;
	o.on_node_ctx = t;
	if (!(rc = run_prepare(&r, &a->run, &o)))
		rc = run_execute(&r, &a->run);
	run_free(&r);
	return rc;
}

static int per_node(const struct verify_args *a)
{
	struct per_node p = {a, a->trace, {0}};
	irx_exec_options o = {.warn = tool_warn, .warn_ctx = (void *)a->run.ir};
	struct own_trace own = {0};
	irx_error err = {0};
	json_t *doc = NULL;
	struct run r;
	int rc;

	if (a->against)
		return nr_against(a->run.ir, a->trace, a->against, a->rtol, a->atol, a->json,
				  a->node_data);
	if (a->trace && access(a->trace, R_OK | X_OK))
		return tool_fail("%s: cannot read the trace: %s", a->trace, strerror(errno));
	if (!a->trace && (rc = float64_trace(a, &own))) {
		remove_trace(&own);
		return rc;
	}
	if (own.dir)
		p.dir = own.dir;
	p.rep.trace = a->trace ? a->trace : "float64";
	p.rep.own_how = a->trace ? "the node alone on the trace's inputs" : "not computed";
	o.on_node = check_cb;
	if (a->trace) /* irx-verify's own float64 trace holds the top level only */
		o.on_subgraph_node = check_sub_cb;
	o.on_node_ctx = &p;
	if (!(rc = run_prepare(&r, &a->run, &o))) {
		p.rep.ir = r.ir;
		if (irx_exec_run(r.x, r.inputs, r.n_inputs, &err)) {
			if (!err.where[0])
				snprintf(err.source, sizeof(err.source), "%s", a->run.ir);
			tool_report(&err);
			rc = EXIT_ERROR;
		}
		for (size_t i = 0; !rc && i < p.rep.n; i++) {
			if (!a->trace)
				snprintf(p.rep.v[i].own_note, sizeof(p.rep.v[i].own_note),
					 "the reference is irx's own float64 run");
			else
				rc = own_figure(&p, &p.rep.v[i], &r);
		}
		if (!rc)
			rc = nr_finish(&p.rep, a->run.ir, a->json,
				       a->json && (a->expected || a->reference) ? &doc : NULL);
		if ((rc == EXIT_OK || rc == EXIT_NEGATIVE) && a->node_data) {
			int wrc = nr_write_explorer(&p.rep, a->node_data);
			rc = wrc ? wrc : rc;
		}
		if (rc == EXIT_OK && (a->expected || a->reference))
			rc = compare_outputs(a, &r, doc), doc = NULL;
		else if (doc) {
			int wrc = tool_write_json(NULL, doc, 0);
			rc = wrc ? wrc : rc;
		}
	}
	json_decref(doc);
	nr_free(&p.rep);
	run_free(&r);
	remove_trace(&own);
	return rc;
}

int main(int argc, char **argv)
{
	struct verify_args a;
	irx_exec_options o = {.warn = tool_warn};
	struct run r;
	int rc;

	memset(&a, 0, sizeof(a));
	a.rtol = a.atol = -1; /* defaults by dtype */
	run_tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (a.per_node)
		return per_node(&a);
	o.warn_ctx = (void *)a.run.ir;
	if (!(rc = run_prepare(&r, &a.run, &o)) && !(rc = run_execute(&r, &a.run)))
		rc = compare_outputs(&a, &r, NULL);
	run_free(&r);
	return rc;
}
