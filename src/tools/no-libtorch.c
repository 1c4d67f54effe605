/*
 * no-libtorch.c: irx-exec and irx-verify in a build without libtorch.
 * They run tensors, so they need it; they say so rather than pretend,
 * whatever the command line (only --help, --usage and --version work).
 */
#include <config.h>

#include <argp.h>
#include <string.h>

#include "common.h"

static const struct argp argp = {
	NULL,
	NULL,
	"IR",
	"This irx was built without libtorch, which this tool needs to run tensors. Install "
	"libtorch (Debian: libtorch-dev) and configure with --with-libtorch.\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

int main(int argc, char **argv)
{
	tool_init();
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage") || !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "-V")) {
			char *args[] = {argv[0], argv[i], NULL};
			argp_parse(&argp, 2, args, 0, NULL, NULL);
		}
	return tool_fail("this irx was built without libtorch, which %s needs: install libtorch "
			 "(Debian: libtorch-dev) and configure with --with-libtorch",
			 program_invocation_short_name);
}
