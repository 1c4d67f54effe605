/*
 * verify-traces.c: irx-verify in a build without libtorch.  It cannot run
 * an IR, but it can hold two traces of one IR to each other
 * (--per-node --trace A --against B, node-report.c); anything else says
 * that this irx lacks libtorch.
 */
#include <config.h>

#include <argp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node-report.h"

struct args {
	const char *ir, *trace, *against, *node_data;
	double rtol, atol;
	int json, per_node;
};

enum {
	OPT_RTOL = 0x100,
	OPT_ATOL,
	OPT_REPORT,
	OPT_PER_NODE,
	OPT_TRACE,
	OPT_AGAINST,
	OPT_NODE_DATA
};

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option options[] = {
	{"per-node", OPT_PER_NODE, NULL, 0, "Compare node by node (needed)", 0},
	{"trace", OPT_TRACE, "DIR", 0, "Trace A (docs/trace-format.md)", 0},
	{"against", OPT_AGAINST, "DIR", 0, "Trace B, of the same IR", 0},
	{"rtol", OPT_RTOL, "R", 0, "Relative tolerance (default by dtype)", 0},
	{"atol", OPT_ATOL, "A", 0, "Absolute tolerance (default by dtype)", 0},
	{"report", OPT_REPORT, "FORMAT", 0, "text (default) or json", 0},
	{"node-data", OPT_NODE_DATA, "FILE", 0, "Also write Model Explorer node data", 0},
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
	case ARGP_KEY_ARG:
		if (a->ir)
			argp_error(state, "one IR only");
		a->ir = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->ir)
			argp_error(state, "no IR given");
		if (!a->per_node || !a->trace || !a->against)
			argp_error(state, "give --per-node --trace A --against B");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	options,
	parse_opt,
	"IR",
	"This irx was built without libtorch: irx-verify cannot run the IR here, only compare "
	"two traces of it node by node (--per-node --trace A --against B). Install libtorch "
	"(Debian: libtorch-dev) and configure with --with-libtorch for the rest.\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

int main(int argc, char **argv)
{
	struct args a;
	int against = 0;

	memset(&a, 0, sizeof(a));
	a.rtol = a.atol = -1; /* defaults by dtype */
	tool_init();
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--against") || !strncmp(argv[i], "--against=", 10))
			against = 1;
	for (int i = 1; i < argc && !against; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage") || !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "-V"))
			against = 1; /* argp answers them */
	if (!against)
		return tool_fail("this irx was built without libtorch, which %s needs to run an "
				 "IR (it compares two traces with --per-node --trace A --against "
				 "B): install libtorch (Debian: libtorch-dev) and configure with "
				 "--with-libtorch",
				 program_invocation_short_name);
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	return nr_against(a.ir, a.trace, a.against, a.rtol, a.atol, a.json, a.node_data);
}
