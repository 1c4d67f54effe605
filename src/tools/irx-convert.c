/*
 * irx-convert: a .pt2 archive or irx-export's JSON in, the IR out.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>

#include "common.h"

struct args {
	const char *input, *output, *name, *model;
	const char *schemas[32];
	size_t n_schemas;
	int allow_dynamic;
	unsigned json_flags;
};

enum { OPT_ALLOW_DYNAMIC = 0x100, OPT_NAME, OPT_COMPACT, OPT_SCHEMAS, OPT_MODEL };

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option options[] = {
	{"output", 'o', "FILE", 0, "Write to FILE instead of standard output", 0},
	{"schemas", OPT_SCHEMAS, "FILE", 0,
	 "Operator schemas for custom operators, one per line (repeatable)", 0},
	{"allow-dynamic", OPT_ALLOW_DYNAMIC, NULL, 0,
	 "Keep symbolic sizes (\"s0\", \"2*s0\") and their ranges instead of failing", 0},
	{"model", OPT_MODEL, "NAME", 0,
	 "The program to convert from a .pt2 archive holding several", 0},
	{"name", OPT_NAME, "NAME", 0, "The IR's model_name (default: the archive's base name)", 0},
	{"compact", OPT_COMPACT, NULL, 0, "Write the JSON on one line", 0},
	{0},
};
/* clang-format on */

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'o': a->output = arg; break;
	case OPT_SCHEMAS:
		if (a->n_schemas == sizeof(a->schemas) / sizeof(a->schemas[0]))
			argp_error(state, "too many --schemas files");
		a->schemas[a->n_schemas++] = arg;
		break;
	case OPT_ALLOW_DYNAMIC: a->allow_dynamic = 1; break;
	case OPT_NAME: a->name = arg; break;
	case OPT_MODEL: a->model = arg; break;
	case OPT_COMPACT: a->json_flags = IRX_JSON_COMPACT; break;
	case ARGP_KEY_ARG:
		if (a->input)
			argp_error(state, "one input at a time");
		a->input = arg;
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	options,
	parse_opt,
	"[FILE]",
	"Convert an exported program to the irx IR: a .pt2 archive (read in this "
	"process, as irx-export reads it) or the JSON irx-export writes, found by "
	"content; standard input when FILE is absent or -. The IR has ATen operator nodes with every attribute "
	"by its schema name, producers of every tensor, weights and their state_dict "
	"keys (see irx(7)).\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

int main(int argc, char **argv)
{
	struct args a = {.json_flags = IRX_JSON_PRETTY};
	irx_convert_options co = {0};
	irx_error err = {0};
	int rc;

	tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (!a.input)
		a.input = "-";
	if ((rc = irx_schema_registry_new(&co.schemas, &err)))
		goto fail;
	for (size_t i = 0; i < a.n_schemas; i++)
		if ((rc = irx_schema_registry_add_file(co.schemas, a.schemas[i], &err)))
			goto fail;
	co.allow_dynamic = a.allow_dynamic;
	co.model_name = a.name;
	co.warn = tool_warn;
	co.warn_ctx = (void *)a.input;
	rc = tool_convert_write(a.input, a.model, &co, a.output, a.json_flags);
	irx_schema_registry_free(co.schemas);
	return rc;
fail:
	tool_report(&err);
	irx_schema_registry_free(co.schemas);
	return tool_exit_for(rc);
}
