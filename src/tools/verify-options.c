/*
 * verify-options.c: irx-verify's options (see verify-options.h).  What
 * goes with what is the tool's to check at ARGP_KEY_END: the build
 * without libtorch accepts fewer combinations.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verify-options.h"

enum {
	OPT_EXPECTED = 0x100,
	OPT_REFERENCE,
	OPT_RTOL,
	OPT_ATOL,
	OPT_REPORT,
	OPT_PER_NODE,
	OPT_TRACE,
	OPT_AGAINST,
	OPT_NODE_DATA,
	OPT_MUTATED
};

/* The options table, laid out by hand */
/* clang-format off */
const struct argp_option verify_options[] = {
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
	{"expected-mutated", OPT_MUTATED, "FILE", 0,
	 "Buffers as the model left them (irx-capture --train writes expected_mutated.pt): a "
	 "dict keyed by state_dict key, compared with the IR's mutations", 0},
	{"trace", OPT_TRACE, "DIR", 0,
	 "With --per-node: the reference trace, a directory written by irx-capture "
	 "--intermediates (torch's own values), irx-exec --dump-intermediates (another "
	 "machine, another backend) or anything else that writes the format", 0},
	{"against", OPT_AGAINST, "DIR", 0,
	 "With --per-node --trace A: compare trace A with trace B of the same IR, node by "
	 "node, without running anything (no libtorch needed)", 0},
	{"node-data", OPT_NODE_DATA, "FILE", 0,
	 "With --per-node: also write the per-node figures as Model Explorer node data "
	 "(colours: match, diverges, inherits)", 0},
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

error_t verify_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct verify_args *a = state->input;

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
	case OPT_AGAINST: a->against = arg; return 0;
	case OPT_NODE_DATA: a->node_data = arg; return 0;
	case OPT_MUTATED: a->mutated = arg; return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

void verify_check_against(const struct verify_args *a, struct argp_state *state)
{
	if (a->against && (a->expected || a->reference || a->mutated || a->run.n_weights ||
			   a->run.inputs || a->run.random_inputs))
		argp_error(state, "--against compares two traces and runs nothing: no "
				  "--expected, --reference, --expected-mutated, weights or "
				  "inputs");
}
