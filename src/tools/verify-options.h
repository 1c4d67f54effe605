/*
 * verify-options.h: irx-verify's own options, one table for both of its
 * builds: with libtorch (irx-verify.c) and without it (verify-traces.c,
 * which only compares two traces), so that an option cannot be added to
 * one and forgotten in the other.
 */
#ifndef IRX_TOOLS_VERIFY_OPTIONS_H
#define IRX_TOOLS_VERIFY_OPTIONS_H

#include <argp.h>

#include "run.h"

struct verify_args {
	struct run_args run; /* the running options (run.c); without libtorch, the IR only */
	const char *expected, *reference, *trace, *against, *node_data, *mutated;
	double rtol, atol;
	int json, per_node;
};

extern const struct argp_option verify_options[];

/* Parse one of verify_options into STATE->input, a struct verify_args;
 * ARGP_ERR_UNKNOWN for any other key, which the tool's parser handles. */
error_t verify_parse_opt(int key, char *arg, struct argp_state *state);

/* At ARGP_KEY_END: with --against, nothing that runs the IR (a usage
 * error). */
void verify_check_against(const struct verify_args *a, struct argp_state *state);

#endif
