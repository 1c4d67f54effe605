/*
 * irx-dump: show any irx file to a person; --check validates an IR.
 *
 * What FILE is comes from its content: a zip is an archive, JSON with
 * "format": "irx-ir" an IR, "irx-program" an exported program.  New kinds
 * (tensor files, pictures) join dispatch() below.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct args {
	const char *input, *output, *model;
	enum irx_dump_format format;
	int check;
};

enum { OPT_FORMAT = 0x100, OPT_CHECK };

static const struct argp_option options[] = {
	{"format", OPT_FORMAT, "FORMAT", 0, "text (default) or json", 0},
	{"check", OPT_CHECK, NULL, 0,
	 "Validate an IR and list every problem; exit 1 when there is one", 0},
	{"model", 'm', "NAME", 0, "The program to show from an archive holding several", 0},
	{"output", 'o', "FILE", 0, "Write to FILE instead of standard output", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case OPT_FORMAT:
		if (!strcmp(arg, "text"))
			a->format = IRX_DUMP_TEXT;
		else if (!strcmp(arg, "json"))
			a->format = IRX_DUMP_JSON;
		else
			argp_error(state, "unknown format '%s' (text or json)", arg);
		break;
	case OPT_CHECK: a->check = 1; break;
	case 'm': a->model = arg; break;
	case 'o': a->output = arg; break;
	case ARGP_KEY_ARG:
		if (a->input)
			argp_error(state, "one file at a time");
		a->input = arg;
		break;
	case ARGP_KEY_END:
		if (!a->input)
			argp_error(state, "no file given (use - for standard input)");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	options, parse_opt, "FILE",
	"Show an irx file: for an IR, a table of nodes (name, op_type, input and output "
	"shapes, attrs), graph inputs, outputs and weights; for an exported-program "
	"document or a .pt2 archive, a summary. With --check, validate an IR: references "
	"resolve, producers agree, nodes are in topological order, shapes and dtypes are "
	"well formed, names are unique.\v" TOOL_EXIT_DOC,
	NULL, NULL, NULL,
};

struct problems {
	FILE *f;
	const char *file;
};

static void print_problem(void *ctx, const char *where, const char *msg)
{
	struct problems *p = ctx;

	fprintf(p->f, "%s: %s: %s\n", p->file, *where ? where : "/", msg);
}

static int check_ir(const struct args *a, const json_t *doc, FILE *f)
{
	struct problems p = {f, a->input};
	irx_error err = {0};
	size_t n;
	int rc;

	if ((rc = irx_ir_check(doc, print_problem, &p, &n, &err))) {
		snprintf(err.source, sizeof(err.source), "%s", a->input);
		tool_report(&err);
		return EXIT_ERROR;
	}
	if (n)
		fprintf(stderr, "%s: %s: %zu problem%s\n", program_invocation_short_name, a->input, n,
			n == 1 ? "" : "s");
	return n ? EXIT_NEGATIVE : EXIT_OK;
}

static int dump_failed(const struct args *a)
{
	return tool_fail("cannot write the summary of %s: %s", a->input,
			 errno ? strerror(errno) : "out of memory");
}

static int dispatch(const struct args *a, irx_blob *blob, FILE *f)
{
	const uint8_t *d = irx_blob_data(blob);
	size_t size = irx_blob_size(blob);
	irx_error err = {0};
	json_t *doc = NULL;
	int rc;

	if (size >= 2 && d[0] == 'P' && d[1] == 'K') {
		irx_archive *ar;
		irx_export_options eo = {.model = a->model, .warn = tool_warn, .warn_ctx = (void *)a->input};
		if (a->check) {
			irx_blob_free(blob);
			return tool_fail("%s: --check validates an IR; convert the archive first "
					 "(irx-export | irx-convert)", a->input);
		}
		if ((rc = irx_archive_open_blob(&ar, blob, &err))) {
			tool_report(&err);
			return tool_exit_for(rc);
		}
		if (irx_archive_require_program(ar, NULL) == IRX_OK &&
		    (rc = irx_program_export(ar, &eo, &doc, &err))) {
			tool_report(&err);
			irx_archive_free(ar);
			return tool_exit_for(rc);
		}
		rc = irx_dump_archive(f, ar, doc, a->format) ? dump_failed(a) : EXIT_OK;
		json_decref(doc);
		irx_archive_free(ar);
		return rc;
	}
	snprintf(err.source, sizeof(err.source), "%s", a->input);
	if ((rc = irx_json_parse(d, size, &doc, &err))) {
		irx_blob_free(blob);
		tool_report(&err);
		return tool_exit_for(rc);
	}
	irx_blob_free(blob);
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (format && !strcmp(format, IRX_IR_FORMAT))
		rc = a->check ? check_ir(a, doc, f)
			      : irx_dump_ir(f, doc, a->format) ? dump_failed(a) : EXIT_OK;
	else if (format && !strcmp(format, IRX_PROGRAM_FORMAT) && !a->check)
		rc = irx_dump_program(f, doc, a->format) ? dump_failed(a) : EXIT_OK;
	else if (a->check)
		rc = tool_fail("%s: not an irx IR document (no \"format\": \"irx-ir\"): nothing to check",
			       a->input);
	else
		rc = tool_fail("%s: not an irx file (JSON without a known \"format\")", a->input);
	json_decref(doc);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct tool_out out;
	irx_error err = {0};
	irx_blob *blob;
	int rc;

	tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if ((rc = irx_blob_open(&blob, a.input, &err))) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	if ((rc = tool_out_open(&out, a.output))) {
		irx_blob_free(blob);
		return rc;
	}
	rc = dispatch(&a, blob, out.f);
	if (rc == EXIT_ERROR) {
		tool_out_abort(&out);
		return rc;
	}
	int crc = tool_out_commit(&out);
	return crc ? crc : rc;
}
