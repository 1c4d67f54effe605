/*
 * verify-traces.c: irx-verify in a build without libtorch.  It cannot run
 * an IR, but it can hold two traces of one IR to each other
 * (--per-node --trace A --against B, node-report.c); anything else says
 * that this irx lacks libtorch.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "node-report.h"
#include "verify-options.h"

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct verify_args *a = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (a->run.ir)
			argp_error(state, "one IR only");
		a->run.ir = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->run.ir)
			argp_error(state, "no IR given");
		if (!a->per_node || !a->trace || !a->against)
			argp_error(state, "give --per-node --trace A --against B");
		verify_check_against(a, state);
		return 0;
	}
	return verify_parse_opt(key, arg, state);
}

static const struct argp argp = {
	verify_options,
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
	struct verify_args a;
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
	return nr_against(a.run.ir, a.trace, a.against, a.rtol, a.atol, a.json, a.node_data);
}
