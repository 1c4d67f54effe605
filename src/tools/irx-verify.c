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

#include "run.h"

/* The JSON report: docs/verify-report.schema.json.  The version changes
 * only when a field changes meaning or goes; new fields may appear. */
#define REPORT_FORMAT "irx-verify-report"
#define REPORT_VERSION 1

struct args {
	struct run_args run;
	const char *expected, *reference, *trace;
	double rtol, atol;
	int json, per_node;
};

enum {
	OPT_EXPECTED = 0x100,
	OPT_REFERENCE,
	OPT_RTOL,
	OPT_ATOL,
	OPT_REPORT,
	OPT_PER_NODE,
	OPT_TRACE
};

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option options[] = {
	{"expected", OPT_EXPECTED, "FILE", 0,
	 "Outputs recorded from the model in PyTorch: a torch.save list (graph-output order) "
	 "or a safetensors file (keyed by graph-output name)", 0},
	{"reference", OPT_REFERENCE, "MODEL", 0,
	 "The original model as a TorchScript archive, run with the same weights and inputs", 0},
	{"rtol", OPT_RTOL, "R", 0, "Relative tolerance (default 1e-4; looser for half precision)", 0},
	{"atol", OPT_ATOL, "A", 0, "Absolute tolerance (default 1e-4; looser for half precision)", 0},
	{"report", OPT_REPORT, "FORMAT", 0, "text (default) or json: one JSON object on stdout", 0},
	{"per-node", OPT_PER_NODE, NULL, 0,
	 "Find the first node whose outputs diverge from a reference trace: the IR run in "
	 "float64, or --trace DIR", 0},
	{"trace", OPT_TRACE, "DIR", 0,
	 "With --per-node: the reference trace, a directory written by irx-exec "
	 "--dump-intermediates (another machine, another backend)", 0},
	{0},
};
/* clang-format on */

static double tolerance(const char *arg, struct argp_state *state)
{
	char *end;
	double v = strtod(arg, &end);

	if (!*arg || *end || !(v >= 0) || isinf(v))
		argp_error(state, "a tolerance is a non-negative number, not '%s'", arg);
	return v;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case OPT_EXPECTED: a->expected = arg; return 0;
	case OPT_REFERENCE: a->reference = arg; return 0;
	case OPT_RTOL: a->rtol = tolerance(arg, state); return 0;
	case OPT_ATOL: a->atol = tolerance(arg, state); return 0;
	case OPT_REPORT:
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			argp_error(state, "unknown report format '%s' (text or json)", arg);
		a->json = !strcmp(arg, "json");
		return 0;
	case OPT_PER_NODE: a->per_node = 1; return 0;
	case OPT_TRACE: a->trace = arg; return 0;
	case ARGP_KEY_INIT: state->child_inputs[0] = &a->run; return 0;
	case ARGP_KEY_END:
		if (a->expected && a->reference)
			argp_error(state, "give --expected FILE or --reference MODEL, not both");
		if (!a->per_node && !a->expected && !a->reference)
			argp_error(state,
				   "give --expected FILE or --reference MODEL (or --per-node)");
		if (a->trace && !a->per_node)
			argp_error(state, "--trace goes with --per-node");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child children[] = {{&run_argp, 0, NULL, 0}, {0}};

static const struct argp argp = {
	options,
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
static int run_reference(const struct args *a, const struct run *r, irx_th_results **out)
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

/* Compare the outputs of run R; PER_NODE (taken) joins a JSON report. */
static int compare_outputs(const struct args *a, const struct run *r, json_t *per_node)
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
	if (!rc && a->json) {
		json_t *doc =
			json_pack("{s:s,s:i,s:b,s:I,s:I,s:o}", "format", REPORT_FORMAT,
				  "format_version", REPORT_VERSION, "match", !bad, "outputs",
				  (json_int_t)n, "mismatched", (json_int_t)bad, "results", report);
		report = NULL;
		if (per_node)
			json_object_set(doc, "per_node", per_node);
		rc = tool_write_json(NULL, doc, 0);
		json_decref(doc);
	} else if (!rc) {
		printf("%s: %zu of %zu outputs match\n", a->run.ir, n - bad, n);
	}
	json_decref(report);
	json_decref(per_node);
	irx_tensors_free(expected);
	irx_th_results_free(ref);
	if (!rc && fflush(stdout))
		rc = tool_fail("cannot write: %s", strerror(errno));
	return rc ? rc : bad ? EXIT_NEGATIVE : EXIT_OK;
}

/* ---- per node ------------------------------------------------------------- */

struct per_node {
	const struct args *a;
	const char *dir;
	size_t compared;       /* nodes whose outputs the trace had a record of */
	const json_t *culprit; /* the first node beyond tolerance */
	char detail[512];
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

/* A trace file that cannot be the node's record: a format error naming it. */
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

/* Whose record REF is, by its irx.node (KEY when it is the node's); a
 * trace written before irx.node existed holds whole names only, and its
 * file names are then enough. */
static int whose_record(const irx_tensors *ref, const char *key, const char *path, irx_error *err)
{
	const char *got = irx_tensors_metadata(ref, IRX_TRACE_METADATA_KEY);

	if (got && strcmp(got, key))
		return bad_record(err, path, "the record of node '%s', not of '%s' (names encoded)",
				  got, key);
	if (!got && strlen(key) > IRX_TRACE_STEM_MAX)
		return bad_record(err, path,
				  "a cut name without %s metadata: whose record it is "
				  "cannot be told",
				  IRX_TRACE_METADATA_KEY);
	return IRX_OK;
}

/* Compare a node's outputs with the trace; stop at the first that differs.
 * Tolerances are those of the IR's dtype, not of a float64 trace's. */
static int check_cb(void *ctx, const json_t *node, irx_th *const *outs, size_t n, irx_error *err)
{
	struct per_node *p = ctx;
	const json_t *metas = json_object_get(node, "outputs");
	irx_tensors *ref = NULL;
	char *path = NULL, *key = NULL;
	struct stat st;
	int rc;

	if ((rc = run_trace_path(p->dir, node, &path, &key, err)))
		return rc;
	/* lstat: a symlink planted in the trace is not followed out of it */
	if (!lstat(path, &st) && !S_ISREG(st.st_mode))
		rc = bad_record(err, path,
				"not a regular file (links in a trace are not followed)");
	else if (access(path, R_OK) || irx_tensors_open(&ref, path, NULL, NULL))
		rc = IRX_OK; /* the trace has no record of this node: nothing to hold it to */
	else
		rc = whose_record(ref, key, path, err);
	free(path);
	irx_free(key);
	if (rc || !ref) {
		irx_tensors_free(ref);
		return rc;
	}
	/* a node counts as compared when its record held one of its outputs */
	for (size_t i = 0, counted = 0; i < n; i++) {
		const char *name =
			json_string_value(json_object_get(json_array_get(metas, i), "name"));
		const irx_tensor *want = irx_tensors_find(ref, name ? name : "");
		double rtol = p->a->rtol, atol = p->a->atol;
		irx_compare_result c;
		irx_tensor got;
		if (!want)
			continue;
		p->compared += !counted++;
		irx_th_view(&got, outs[i]);
		if (rtol < 0 || atol < 0) {
			double r, t;
			irx_compare_defaults(&r, &t, got.dtype);
			rtol = rtol < 0 ? r : rtol;
			atol = atol < 0 ? t : atol;
		}
		if (irx_compare(&c, &got, want, rtol, atol, err))
			break;
		/* float32 against a float64 trace: compared by value, dtypes may differ */
		if (c.shape_differs || c.mismatched) {
			p->culprit = node;
			snprintf(p->detail, sizeof(p->detail),
				 "output '%s': max abs %.3g, max rel %.3g, "
				 "%llu of %llu elements beyond rtol %g, atol %g%s",
				 name, c.max_abs, c.max_rel, (unsigned long long)c.mismatched,
				 (unsigned long long)c.count, c.rtol, c.atol,
				 c.shape_differs ? " (shapes differ)" : "");
			irx_tensors_free(ref);
			return IRX_EMISMATCH;
		}
	}
	irx_tensors_free(ref);
	return err->code ? err->code : IRX_OK;
}

static json_t *culprit_json(const struct per_node *p)
{
	const json_t *n = p->culprit, *in;
	json_t *inputs = json_array();
	size_t i;

	json_array_foreach(json_object_get(n, "inputs"), i, in)
		json_array_append_new(
			inputs,
			json_pack("{s:O,s:O,s:O}", "name", json_object_get(in, "name"), "arg",
				  json_object_get(in, "arg") ? json_object_get(in, "arg")
							     : json_null(),
				  "producer_node",
				  json_object_get(in, "producer_node")
					  ? json_object_get(in, "producer_node")
					  : json_null()));
	return json_pack(
		"{s:O,s:O,s:s,s:O,s:O,s:o}", "node", json_object_get(n, "name"), "op_type",
		json_object_get(n, "op_type"), "detail", p->detail, "module_path",
		json_object_get(n, "module_path") ? json_object_get(n, "module_path") : json_null(),
		"source", json_object_get(n, "source") ? json_object_get(n, "source") : json_null(),
		"inputs", inputs);
}

static void explain(const struct per_node *p)
{
	const json_t *n = p->culprit, *in;
	const char *module = json_string_value(json_object_get(n, "module_path"));
	size_t i;

	printf("first divergence: node %s (%s)\n  %s\n",
	       json_string_value(json_object_get(n, "name")),
	       json_string_value(json_object_get(n, "op_type")), p->detail);
	if (module)
		printf("  module: %s (%s)\n", *module ? module : "(the model itself)",
		       json_is_string(json_object_get(n, "module_type"))
			       ? json_string_value(json_object_get(n, "module_type"))
			       : "?");
	if (json_is_string(json_object_get(n, "source")))
		printf("  source: %s\n", json_string_value(json_object_get(n, "source")));
	json_array_foreach(json_object_get(n, "inputs"), i, in) {
		const char *producer = json_string_value(json_object_get(in, "producer_node"));
		printf("  input %s (%s): %s\n", json_string_value(json_object_get(in, "name")),
		       json_string_value(json_object_get(in, "arg")),
		       producer ? producer : "a graph input or weight");
	}
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
static int float64_trace(const struct args *a, struct own_trace *t)
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

static int per_node(const struct args *a)
{
	struct per_node p = {a, a->trace, 0, NULL, ""};
	irx_exec_options o = {.warn = tool_warn, .warn_ctx = (void *)a->run.ir};
	struct own_trace own = {0};
	irx_error err = {0};
	struct run r;
	int rc;

	if (a->trace && access(a->trace, R_OK | X_OK))
		return tool_fail("%s: cannot read the trace: %s", a->trace, strerror(errno));
	if (!a->trace && (rc = float64_trace(a, &own))) {
		remove_trace(&own);
		return rc;
	}
	if (own.dir)
		p.dir = own.dir;
	o.on_node = check_cb;
	o.on_node_ctx = &p;
	if (!(rc = run_prepare(&r, &a->run, &o))) {
		rc = irx_exec_run(r.x, r.inputs, r.n_inputs, &err);
		if (rc == IRX_EMISMATCH && p.culprit) {
			rc = EXIT_NEGATIVE;
		} else if (rc) {
			snprintf(err.source, sizeof(err.source), "%s", a->run.ir);
			tool_report(&err);
			rc = EXIT_ERROR;
		} else if (!p.compared) {
			rc = tool_fail("%s: the trace has no record of any node of %s", p.dir,
				       a->run.ir);
		}
	}
	if (rc == EXIT_NEGATIVE || rc == EXIT_OK) {
		json_t *doc =
			a->json ? json_pack("{s:s,s:i,s:b,s:s,s:I}", "format", REPORT_FORMAT,
					    "format_version", REPORT_VERSION, "match", !p.culprit,
					    "trace", a->trace ? a->trace : "float64",
					    "nodes_compared", (json_int_t)p.compared)
				: NULL;
		if (doc && p.culprit)
			json_object_set_new(doc, "first_divergence", culprit_json(&p));
		if (!a->json && p.culprit)
			explain(&p);
		else if (!a->json)
			printf("%s: every node matches the reference trace (%s; %zu nodes compared)\n",
			       a->run.ir, a->trace ? a->trace : "float64", p.compared);
		if (rc == EXIT_OK && (a->expected || a->reference))
			rc = compare_outputs(a, &r, doc);
		else if (doc) {
			int wrc = tool_write_json(NULL, doc, 0);
			json_decref(doc);
			rc = wrc ? wrc : rc;
		}
	}
	run_free(&r);
	remove_trace(&own);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;
	irx_exec_options o = {.warn = tool_warn};
	struct run r;
	int rc;

	memset(&a, 0, sizeof(a));
	a.rtol = a.atol = -1; /* defaults by dtype */
	tool_init();
	tool_set_libtorch(irx_th_version());
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (a.per_node)
		return per_node(&a);
	o.warn_ctx = (void *)a.run.ir;
	if (!(rc = run_prepare(&r, &a.run, &o)) && !(rc = run_execute(&r, &a.run)))
		rc = compare_outputs(&a, &r, NULL);
	run_free(&r);
	return rc;
}
