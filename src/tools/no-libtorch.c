/*
 * no-libtorch.c: irx-exec and irx-verify in a build without libtorch.
 * They run tensors, so they need it; they say so rather than pretend.
 */
#include <config.h>

#include <argp.h>

#include "common.h"

static const struct argp argp = {
	NULL, NULL, "IR",
	"This irx was built without libtorch, which this tool needs to run tensors. Install "
	"libtorch (Debian: libtorch-dev) and configure with --with-libtorch.\v" TOOL_EXIT_DOC,
	NULL, NULL, NULL,
};

int main(int argc, char **argv)
{
	tool_init();
	argp_parse(&argp, argc, argv, ARGP_NO_ARGS | ARGP_IN_ORDER, NULL, NULL);
	return tool_fail("this irx was built without libtorch, which %s needs: install libtorch "
			 "(Debian: libtorch-dev) and configure with --with-libtorch",
			 program_invocation_short_name);
}
