/*
 * irx-export: a .pt2 archive in, its exported program as JSON out.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>

#include "common.h"
#include "ts-export.h"

struct args {
	const char *input, *output, *model;
	unsigned json_flags;
	struct ts_args ts;
};

enum { OPT_COMPACT = 0x100 };

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option options[] = {
	{"output", 'o', "FILE", 0, "Write to FILE instead of standard output", 0},
	{"model", 'm', "NAME", 0, "The program to export from an archive holding several (default: model)", 0},
	{"compact", OPT_COMPACT, NULL, 0, "Write the JSON on one line", 0},
	TS_EXPORT_OPTIONS,
	{0},
};
/* clang-format on */

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'o': a->output = arg; break;
	case 'm': a->model = arg; break;
	case OPT_COMPACT: a->json_flags = IRX_JSON_COMPACT; break;
	case ARGP_KEY_ARG:
		if (a->input)
			argp_error(state, "one archive at a time");
		a->input = arg;
		break;
	case ARGP_KEY_END:
		if (!a->input)
			argp_error(state, "no archive given (use - for standard input)");
		break;
	default: return ts_parse_opt(&a->ts, key, arg, state);
	}
	return 0;
}

static const struct argp argp = {
	options,
	parse_opt,
	"ARCHIVE",
	"Read a .pt2 archive written by torch.export.save (any torch from 2.1 to 2.14, "
	"either layout) and write its exported program as one normalized JSON document "
	"(the irx-program format, see irx(7)). Tensor payloads are never read.\n\n"
	"A TorchScript archive (torch.jit.save, torch.jit.trace) is read through libtorch: "
	"the method is run at the given input shapes and what ran is written in the same "
	"format (see irx-export(1)).\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

int main(int argc, char **argv)
{
	struct args a = {.json_flags = IRX_JSON_PRETTY};
	irx_export_options eo = {0};
	irx_error err = {0};
	irx_archive *ar = NULL;
	json_t *doc = NULL;
	int rc;

	tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	eo.model = a.model;
	eo.warn = tool_warn;
	eo.warn_ctx = (void *)a.input;
	if (!(rc = irx_archive_open(&ar, a.input, &err)) &&
	    (irx_archive_kind(ar) == IRX_ARCHIVE_TORCHSCRIPT ||
	     irx_archive_kind(ar) == IRX_ARCHIVE_TORCHSCRIPT_LITE)) {
		rc = ts_export(ar, &a.ts, a.input, a.output, a.json_flags == IRX_JSON_COMPACT,
			       argv[0]);
		irx_archive_free(ar);
		return rc;
	}
	if (!rc && ts_given(&a.ts)) {
		rc = tool_fail(
			"%s: --method, --input-shape, --inputs and --arg are for TorchScript archives; "
			"this is a %s archive",
			a.input, irx_archive_kind_name(irx_archive_kind(ar)));
		irx_archive_free(ar);
		return rc;
	}
	if (rc || (rc = irx_program_export(&doc, ar, &eo, &err))) {
		tool_report(&err);
		irx_archive_free(ar);
		return tool_exit_for(rc);
	}
	rc = tool_write_json(a.output, doc, a.json_flags);
	tool_keep(doc);
	irx_archive_free(ar);
	return rc;
}
