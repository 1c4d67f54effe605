/*
 * irx-export-ts: irx-export's TorchScript half, a helper program in
 * libexecdir.  irx-export recognises a TorchScript archive with its own
 * zip reader, checks every entry's CRC, and then runs this program, which
 * is the only part of irx-export that links libtorch: irx-export itself
 * starts in milliseconds and works without libtorch for .pt2 archives.
 *
 * Not meant to be run by hand; its options are irx-export's.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "irx/torch-ts.h"

#define MAX_INPUTS 64

struct args {
	const char *input, *output, *source, *method, *inputs_file, *container_version;
	const char *save_weights, *save_inputs;
	const char *shapes[MAX_INPUTS], *dtypes[MAX_INPUTS], *scalars[MAX_INPUTS];
	int n_shapes, n_dtypes, n_scalars;
	int allow_dd;
	unsigned json_flags;
};

enum {
	OPT_COMPACT = 0x100,
	OPT_METHOD,
	OPT_SHAPE,
	OPT_DTYPE,
	OPT_INPUTS,
	OPT_ARG,
	OPT_ALLOW_DD,
	OPT_SOURCE,
	OPT_VERSION,
	OPT_SAVE_WEIGHTS,
	OPT_SAVE_INPUTS,
};

static const struct argp_option options[] = {
	{"output", 'o', "FILE", 0, "Write to FILE instead of standard output", 0},
	{"compact", OPT_COMPACT, NULL, 0, "Write the JSON on one line", 0},
	{"method", OPT_METHOD, "NAME", 0, "The method to export (default: forward)", 0},
	{"input-shape", OPT_SHAPE, "DIMS", 0, "One tensor input's shape", 0},
	{"input-dtype", OPT_DTYPE, "DTYPE", 0, "One tensor input's dtype", 0},
	{"inputs", OPT_INPUTS, "FILE", 0, "The tensor inputs (a torch.save list)", 0},
	{"arg", OPT_ARG, "VALUE", 0, "The value of an int, float or bool argument", 0},
	{"allow-data-dependent", OPT_ALLOW_DD, NULL, 0, "Specialize data-dependent control flow",
	 0},
	{"source", OPT_SOURCE, "NAME", 0, "The file name to record", 0},
	{"container-version", OPT_VERSION, "TEXT", 0, "The archive's version entry", 0},
	{"save-weights", OPT_SAVE_WEIGHTS, "FILE", 0,
	 "Write the weights and constants (safetensors)", 0},
	{"save-inputs", OPT_SAVE_INPUTS, "FILE", 0, "Write the inputs used (torch.save list)", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'o': a->output = arg; break;
	case OPT_COMPACT: a->json_flags = IRX_JSON_COMPACT; break;
	case OPT_METHOD: a->method = arg; break;
	case OPT_SHAPE:
		if (a->n_shapes == MAX_INPUTS)
			argp_error(state, "at most %d inputs", MAX_INPUTS);
		a->shapes[a->n_shapes++] = arg;
		break;
	case OPT_DTYPE:
		if (a->n_dtypes == MAX_INPUTS)
			argp_error(state, "at most %d inputs", MAX_INPUTS);
		a->dtypes[a->n_dtypes++] = arg;
		break;
	case OPT_ARG:
		if (a->n_scalars == MAX_INPUTS)
			argp_error(state, "at most %d arguments", MAX_INPUTS);
		a->scalars[a->n_scalars++] = arg;
		break;
	case OPT_INPUTS: a->inputs_file = arg; break;
	case OPT_ALLOW_DD: a->allow_dd = 1; break;
	case OPT_SOURCE: a->source = arg; break;
	case OPT_VERSION: a->container_version = arg; break;
	case OPT_SAVE_WEIGHTS: a->save_weights = arg; break;
	case OPT_SAVE_INPUTS: a->save_inputs = arg; break;
	case ARGP_KEY_ARG:
		if (a->input)
			argp_error(state, "one archive at a time");
		a->input = arg;
		break;
	case ARGP_KEY_END:
		if (!a->input)
			argp_error(state, "no archive given");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	options,
	parse_opt,
	"ARCHIVE",
	"irx-export's TorchScript reader (run by irx-export; see irx-export(1)).\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

/* "1,3,224,224" (or "1x3x224x224"; "" or "scalar" for 0-dim) */
static int parse_shape(const char *s, int64_t *dims, int *ndim)
{
	*ndim = 0;
	if (!*s || !strcmp(s, "scalar"))
		return 0;
	for (;;) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (end == s || v < 0 || *ndim == 16)
			return -1;
		dims[(*ndim)++] = v;
		if (!*end)
			return 0;
		if (*end != ',' && *end != 'x')
			return -1;
		s = end + 1;
	}
}

/* errors read as irx-export's, naming the archive */
static const char *report_source;

static const char *report_method;

static void report(irx_error *err)
{
	if (!err->source[0] && report_source)
		snprintf(err->source, sizeof(err->source), "%s", report_source);
	if (!err->where[0])
		snprintf(err->where, sizeof(err->where), "TorchScript %s",
			 report_method ? report_method : "archive");
	tool_report(err);
}

static int make_inputs(struct args *a, irx_th_ts *m, irx_th ***out, size_t *n_out,
		       irx_th_results **traced)
{
	irx_error err = {0};
	irx_th **t = NULL;
	size_t n = 0;
	int rc;

	*traced = NULL;
	if (a->inputs_file) {
		irx_tensors *set;
		if ((rc = irx_tensors_open(&set, a->inputs_file, NULL, &err))) {
			report(&err);
			return tool_exit_for(rc);
		}
		n = irx_tensors_count(set);
		t = calloc(n + 1, sizeof(*t));
		for (size_t i = 0; t && i < n; i++)
			if ((rc = irx_th_from_copy(&t[i], irx_tensors_at(set, i), &err))) {
				irx_tensors_free(set);
				report(&err);
				return tool_exit_for(rc);
			}
		irx_tensors_free(set);
	} else if (a->n_shapes) {
		t = calloc((size_t)a->n_shapes + 1, sizeof(*t));
		for (int i = 0; t && i < a->n_shapes; i++) {
			int64_t dims[16];
			int nd, dt = IRX_DTYPE_FLOAT32;
			const char *colon = strchr(a->shapes[i], ':');
			char shape[256];
			snprintf(shape, sizeof(shape), "%.*s",
				 (int)(colon ? (size_t)(colon - a->shapes[i])
					     : strlen(a->shapes[i])),
				 a->shapes[i]);
			const char *dname = colon              ? colon + 1
					    : a->n_dtypes == 1 ? a->dtypes[0]
					    : i < a->n_dtypes  ? a->dtypes[i]
							       : NULL;
			if (parse_shape(shape, dims, &nd))
				return tool_fail(
					"--input-shape '%s' is not a list of sizes such as 1,3,224,224",
					a->shapes[i]);
			if (dname && (dt = irx_dtype_from_name(dname)) <= 0)
				return tool_fail("--input-dtype '%s' is not a dtype irx knows",
						 dname);
			if ((rc = irx_th_random(&t[i], dt, dims, nd, 0x5eed + (uint64_t)i, &err))) {
				report(&err);
				return tool_exit_for(rc);
			}
		}
		n = (size_t)a->n_shapes;
	} else {
		long need = 0;
		int shapes_only = 0;
		if ((rc = irx_th_ts_n_tensor_inputs(&need, m, a->method, &err))) {
			report(&err);
			return tool_exit_for(rc);
		}
		if (need) {
			rc = irx_th_ts_traced_inputs(traced, &shapes_only, a->input, a->method,
						     &err);
			if (rc == IRX_EMISMATCH || (rc && !*traced)) {
				char *sig = irx_th_ts_methods(m);
				const char *meth = a->method ? a->method : "forward";
				char *line = sig ? strstr(sig, meth) : NULL;
				if (line)
					line[strcspn(line, "\n")] = 0;
				tool_fail(
					"%s: TorchScript %s: the method takes %s tensor input%s and the archive does not say which it was "
					"traced with: give --input-shape (one per input) or --inputs FILE%s%s%s",
					a->source ? a->source : a->input, meth,
					need < 0    ? "a list of"
					: need == 1 ? "a"
						    : "several",
					need == 1 ? "" : "s", line ? " (" : "", line ? line : "",
					line ? ")" : "");
				free(sig);
				return EXIT_ERROR;
			}
			n = irx_th_results_count(*traced);
			t = calloc(n + 1, sizeof(*t));
			for (size_t i = 0; t && i < n; i++) {
				const irx_th *x = irx_th_results_at(*traced, i)->u.t;
				irx_tensor v;
				/* shapes without values: seeded random values at
				 * those shapes, as --input-shape draws them */
				irx_th_view(&v, x);
				if (!shapes_only)
					t[i] = irx_th_retain(x);
				else if ((rc = irx_th_random(&t[i], v.dtype, v.shape, v.ndim,
							     0x5eed + (uint64_t)i, &err))) {
					report(&err);
					return tool_exit_for(rc);
				}
			}
		}
	}
	*out = t;
	*n_out = n;
	return EXIT_OK;
}

static FILE *open_out(const char *path, struct tool_out *o)
{
	if (!path)
		return NULL;
	return tool_out_open(o, path) ? NULL : o->f;
}

int main(int argc, char **argv)
{
	struct args a = {.json_flags = IRX_JSON_PRETTY};
	irx_error err = {0};
	irx_th_ts *m = NULL;
	irx_th **inputs = NULL;
	irx_th_results *traced = NULL;
	size_t n_inputs = 0;
	json_t *doc = NULL;
	struct tool_out wo = {0}, io = {0};
	int rc;

	tool_init();
	tool_set_libtorch(irx_th_version(), NULL);
	program_invocation_short_name = (char *)"irx-export";
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	report_source = a.source ? a.source : a.input;
	if ((rc = irx_th_ts_load(&m, a.input, &err))) {
		report(&err);
		return tool_exit_for(rc);
	}
	report_method = a.method ? a.method : "forward";
	if ((rc = make_inputs(&a, m, &inputs, &n_inputs, &traced))) {
		irx_th_ts_free(m);
		return rc;
	}
	irx_th_ts_options o = {
		.method = a.method,
		.inputs = inputs,
		.n_inputs = n_inputs,
		.scalars = a.scalars,
		.n_scalars = (size_t)a.n_scalars,
		.allow_data_dependent = a.allow_dd,
	};
	irx_ts_export_options eo = {
		.source = a.source ? a.source : a.input,
		.container_version = a.container_version,
		.weights_out = open_out(a.save_weights, &wo),
		.inputs_out = open_out(a.save_inputs, &io),
	};
	if ((a.save_weights && !eo.weights_out) || (a.save_inputs && !eo.inputs_out))
		return EXIT_ERROR;
	rc = irx_ts_program(&doc, m, &o, &eo, &err);
	for (size_t i = 0; i < n_inputs; i++)
		irx_th_free(inputs[i]);
	free(inputs);
	irx_th_results_free(traced);
	irx_th_ts_free(m);
	if (rc) {
		if (eo.weights_out)
			tool_out_abort(&wo);
		if (eo.inputs_out)
			tool_out_abort(&io);
		report(&err);
		return tool_exit_for(rc);
	}
	if ((eo.weights_out && tool_out_commit(&wo)) || (eo.inputs_out && tool_out_commit(&io)))
		return EXIT_ERROR;
	rc = tool_write_json(a.output, doc, a.json_flags);
	tool_keep(doc);
	return rc;
}
