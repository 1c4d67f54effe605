/*
 * irx-dump: show any irx file to a person; --check validates an IR.
 *
 * What FILE is comes from its content: a torch.save zip or a safetensors
 * file is a tensor file, another zip an archive, JSON with "format":
 * "irx-ir" an IR, "irx-program" an exported program.  New kinds join
 * dispatch() below.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct args {
	const char *input, *output, *model;
	const char *verdicts; /* --verdicts REPORT */
	enum irx_dump_format format;
	int picture; /* -1: none, else enum irx_picture_format */
	int check, stats;
	irx_view_options view;
};

enum {
	OPT_FORMAT = 0x100,
	OPT_CHECK,
	OPT_STATS,
	OPT_DEPTH,
	OPT_FOLD,
	OPT_NO_WEIGHTS,
	OPT_VERDICTS
};

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option options[] = {
	{"format", OPT_FORMAT, "FORMAT", 0,
	 "text (default), json, or a picture of a model: dot, mermaid, model-explorer", 0},
	{"check", OPT_CHECK, NULL, 0,
	 "Validate an IR and list every problem, or verify the CRC-32 of every payload "
	 "of a tensor file; exit 1 when there is a problem", 0},
	{"stats", OPT_STATS, NULL, 0,
	 "Models (IR, program, .pt2): parameters, FLOPs as torch counts them, activation "
	 "peak, per module and per operator; tensor files: add sum, min, max, mean and the "
	 "count of non-finite values of every tensor (JSON always has them)", 0},
	{"depth", OPT_DEPTH, "N", 0, "Statistics and pictures: modules deeper than N are merged", 0},
	{"fold", OPT_FOLD, NULL, 0, "Statistics and pictures: find repeated identical blocks", 0},
	{"no-weights", OPT_NO_WEIGHTS, NULL, 0, "Pictures: leave weights and constants out", 0},
	{"verdicts", OPT_VERDICTS, "REPORT", 0,
	 "dot and mermaid: colour each node by its verdict in REPORT, the JSON of irx-verify "
	 "--per-node --report=json (first divergence, makes an error, inherits one, match, "
	 "not compared), with a legend", 0},
	{"model", 'm', "NAME", 0, "The program to show from an archive holding several", 0},
	{"output", 'o', "FILE", 0, "Write to FILE instead of standard output", 0},
	{0},
};
/* clang-format on */

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case OPT_FORMAT:
		if (!strcmp(arg, "text"))
			a->format = IRX_DUMP_TEXT;
		else if (!strcmp(arg, "json"))
			a->format = IRX_DUMP_JSON;
		else if (!strcmp(arg, "dot"))
			a->picture = IRX_PICTURE_DOT;
		else if (!strcmp(arg, "mermaid"))
			a->picture = IRX_PICTURE_MERMAID;
		else if (!strcmp(arg, "model-explorer"))
			a->picture = IRX_PICTURE_MODEL_EXPLORER;
		else
			argp_error(state,
				   "unknown format '%s' (text, json, dot, mermaid or "
				   "model-explorer)",
				   arg);
		break;
	case OPT_DEPTH: {
		char *end;
		long d = strtol(arg, &end, 10);
		if (*end || end == arg || d < 1 || d > 1000)
			argp_error(state, "--depth wants a number from 1 to 1000, not '%s'", arg);
		a->view.depth = (int)d;
		break;
	}
	case OPT_FOLD: a->view.fold = 1; break;
	case OPT_NO_WEIGHTS: a->view.no_weights = 1; break;
	case OPT_VERDICTS: a->verdicts = arg; break;
	case OPT_CHECK: a->check = 1; break;
	case OPT_STATS: a->stats = 1; break;
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
		if (a->verdicts && a->picture != IRX_PICTURE_DOT &&
		    a->picture != IRX_PICTURE_MERMAID)
			argp_error(state, "--verdicts goes with --format=dot or --format=mermaid "
					  "(Model Explorer: irx-verify --node-data)");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	options,
	parse_opt,
	"FILE",
	"Show an irx file: for an IR, a table of nodes (name, op_type, input and output "
	"shapes, attrs), graph inputs, outputs and weights; for an exported-program "
	"document or a .pt2 archive, a summary and its weights; for a tensor file "
	"(torch.save, safetensors), its tensors; for a TorchScript archive (read without "
	"libtorch), its module tree, parameters, buffers and methods. With --check, validate an IR: references "
	"resolve, producers agree, nodes are in topological order, shapes and dtypes are "
	"well formed, names are unique.\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

struct problems {
	FILE *f;
	const char *file;
};

static void print_problem(void *ctx, const char *where, const char *msg)
{
	struct problems *p = ctx;

	irx_escape_print(p->f, p->file, 0);
	fputs(": ", p->f);
	irx_escape_print(p->f, *where ? where : "/", 0);
	fputs(": ", p->f);
	irx_escape_print(p->f, msg, 0);
	putc('\n', p->f);
}

/* Nodes of GRAPH (at PATH) and of their subgraphs that no libtorch runs
 * (irx_schema_unrunnable): listed as warnings, since the IR itself holds
 * together; *N counts them. */
static void warn_unrunnable(struct problems *p, const json_t *graph, const char *path, size_t *n)
{
	const json_t *node;
	size_t i;

	json_array_foreach(json_object_get(graph, "nodes"), i, node) {
		const char *op = json_string_value(json_object_get(node, "op_type"));
		const char *why = op ? irx_schema_unrunnable(op) : NULL, *k;
		char where[512], msg[1024];
		json_t *sub;

		snprintf(where, sizeof(where), "%s/nodes/%zu", path, i);
		if (why) {
			snprintf(msg, sizeof(msg), "warning: node '%s': %s is %s",
				 json_string_value(json_object_get(node, "name")), op, why);
			print_problem(p, where, msg);
			(*n)++;
		}
		json_object_foreach((json_t *)json_object_get(node, "subgraphs"), k, sub) {
			char sub_path[600];
			snprintf(sub_path, sizeof(sub_path), "%s/subgraphs/%s", where, k);
			warn_unrunnable(p, sub, sub_path, n);
		}
	}
}

static int check_ir(const struct args *a, const json_t *doc, FILE *f)
{
	struct problems p = {f, a->input};
	irx_error err = {0};
	size_t n, warnings = 0;

	if (irx_ir_check(&n, doc, print_problem, &p, &err)) {
		snprintf(err.source, sizeof(err.source), "%s", a->input);
		tool_report(&err);
		return EXIT_ERROR;
	}
	warn_unrunnable(&p, doc, "", &warnings);
	if (n)
		tool_fail("%s: %zu problem%s", a->input, n, n == 1 ? "" : "s");
	if (warnings) {
		char msg[96];
		snprintf(msg, sizeof(msg), "%zu node%s that no libtorch runs", warnings,
			 warnings == 1 ? "" : "s");
		tool_warn((void *)a->input, msg);
	}
	return n ? EXIT_NEGATIVE : EXIT_OK;
}

static int dump_failed(const struct args *a)
{
	return tool_fail("cannot write the summary of %s: %s", a->input,
			 errno ? strerror(errno) : "out of memory");
}

static int report(irx_error *err, int rc)
{
	tool_report(err);
	return tool_exit_for(rc);
}

/* --check on a tensor set: every payload's CRC-32; a damaged one exits 1.
 * ERR is the one the set was opened with: it names the file. */
static int verify(const irx_tensors *set, irx_error *err)
{
	int rc = irx_tensors_verify(set, err);

	if (rc == IRX_EFORMAT) {
		tool_report(err);
		return EXIT_NEGATIVE;
	}
	return rc ? report(err, rc) : EXIT_OK;
}

/*
 * A tensor file: a torch.save zip (AR, borrowed), or else a safetensors
 * file or a pre-1.6 pickle in BLOB (taken over).
 */
static int dump_tensor_file(const struct args *a, const irx_archive *ar, irx_blob *blob, FILE *f)
{
	irx_tensors_options o = {.warn = tool_warn, .warn_ctx = (void *)a->input};
	irx_error err = {0};
	irx_tensors *set;
	int rc;

	if (a->picture >= 0 || a->view.fold || a->view.depth)
		return tool_fail("%s: a tensor file has no graph to draw or fold", a->input);
	rc = ar ? irx_tensors_open_archive(&set, ar, &o, &err)
		: irx_tensors_open_blob(&set, blob, &o, &err);
	if (rc)
		return report(&err, rc);
	if (a->check) {
		rc = verify(set, &err);
	} else if ((rc = irx_dump_tensors(f, set, a->format, a->stats, &err))) {
		rc = report(&err, rc);
	}
	irx_tensors_free(set);
	return rc;
}

/* A TorchScript archive, read without libtorch: module tree, tensors,
 * methods; --check verifies the payloads' CRC-32 as for a tensor file. */
static int dump_torchscript(const struct args *a, const irx_archive *ar, FILE *f)
{
	irx_tensors_options o = {.warn = tool_warn, .warn_ctx = (void *)a->input};
	irx_error err = {0};
	irx_torchscript *ts;
	int rc;

	if ((rc = irx_torchscript_open(&ts, ar, &o, &err)))
		return report(&err, rc);
	if (a->check)
		rc = verify(irx_torchscript_tensors(ts), &err);
	else if ((rc = irx_dump_torchscript(f, ts, a->format, a->stats, &err))) {
		rc = report(&err, rc);
	}
	irx_torchscript_free(ts);
	return rc;
}

/* Statistics or a picture; --fold and --depth alone mean the statistics. */
static int model_view(const struct args *a)
{
	return a->stats || a->picture >= 0 || a->view.fold || a->view.depth;
}

/*
 * Statistics or a picture of a model: DOC is an IR, or a program document
 * converted on the way.
 */
static int dump_model(const struct args *a, const json_t *doc, FILE *f)
{
	const char *format = json_string_value(json_object_get(doc, "format"));
	irx_convert_options co = {
		.allow_dynamic = 1, .warn = tool_warn, .warn_ctx = (void *)a->input};
	irx_error err = {0};
	json_t *ir = NULL;
	int rc;

	if (a->check)
		return tool_fail("--check does not go with --stats or a picture format");
	if (format && !strcmp(format, IRX_PROGRAM_FORMAT)) {
		if ((rc = irx_convert(&ir, doc, &co, &err))) {
			snprintf(err.source, sizeof(err.source), "%s", a->input);
			return report(&err, rc);
		}
		doc = ir;
	} else if (!format || strcmp(format, IRX_IR_FORMAT)) {
		return tool_fail("%s: not a model (an IR, a program document or a .pt2 archive)",
				 a->input);
	}
	rc = a->picture >= 0 ? irx_dump_picture(f, doc, &a->view, a->picture, &err)
			     : irx_dump_stats(f, doc, &a->view, a->format, &err);
	json_decref(ir);
	if (rc) {
		if (!err.source[0])
			snprintf(err.source, sizeof(err.source), "%s", a->input);
		return report(&err, rc);
	}
	return EXIT_OK;
}

static int dump_archive(const struct args *a, irx_archive *ar, FILE *f)
{
	irx_export_options eo = {
		.model = a->model, .warn = tool_warn, .warn_ctx = (void *)a->input};
	irx_error err = {0};
	json_t *doc = NULL;
	int rc = IRX_OK;

	if (a->check)
		return tool_fail(
			"%s: --check validates an IR or a tensor file; convert the archive "
			"first (irx-export | irx-convert)",
			a->input);
	if (irx_archive_require_program(ar, NULL) == IRX_OK)
		rc = irx_program_export(&doc, ar, &eo, &err);
	if (!rc && model_view(a)) {
		if (!doc) {
			return tool_fail(
				"%s: the archive holds no program: --stats and pictures are for "
				"models",
				a->input);
		}
		/* the archive's weights are read and checked as for its summary, so
		 * that a malformed archive fails the same way whatever is asked */
		FILE *null = fopen("/dev/null", "w");
		if (!null || (rc = irx_dump_archive(null, ar, doc, IRX_DUMP_TEXT, 0, &err))) {
			if (null)
				fclose(null);
			json_decref(doc);
			return rc ? report(&err, rc)
				  : tool_fail("cannot open /dev/null: %s", strerror(errno));
		}
		fclose(null);
		rc = dump_model(a, doc, f);
		json_decref(doc);
		return rc;
	}
	if (!rc)
		rc = irx_dump_archive(f, ar, doc, a->format, a->stats, &err);
	json_decref(doc);
	return rc ? report(&err, rc) : EXIT_OK;
}

static int looks_like_tensor_file(const uint8_t *d, size_t size)
{
	return (size >= 9 && d[8] == '{') || (size >= 2 && d[0] == 0x80 && d[1] >= 2 && d[1] <= 5);
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
		if ((rc = irx_archive_open_blob(&ar, blob, &err)))
			return report(&err, rc);
		if (irx_archive_kind(ar) == IRX_ARCHIVE_TORCH_SAVE)
			rc = dump_tensor_file(a, ar, blob, f);
		else if (irx_archive_kind(ar) == IRX_ARCHIVE_TORCHSCRIPT ||
			 irx_archive_kind(ar) == IRX_ARCHIVE_TORCHSCRIPT_LITE)
			rc = dump_torchscript(a, ar, f);
		else
			rc = dump_archive(a, ar, f);
		irx_archive_free(ar);
		return rc;
	}
	if (looks_like_tensor_file(d, size))
		return dump_tensor_file(a, NULL, blob, f);
	snprintf(err.source, sizeof(err.source), "%s", a->input);
	if ((rc = irx_json_parse(&doc, d, size, &err))) {
		irx_blob_free(blob);
		return report(&err, rc);
	}
	irx_blob_free(blob);
	if (model_view(a)) {
		rc = dump_model(a, doc, f);
		json_decref(doc);
		return rc;
	}
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (format && !strcmp(format, IRX_IR_FORMAT))
		rc = a->check                               ? check_ir(a, doc, f)
		     : irx_dump_ir(f, doc, a->format, NULL) ? dump_failed(a)
							    : EXIT_OK;
	else if (format && !strcmp(format, IRX_PROGRAM_FORMAT) && !a->check)
		rc = irx_dump_program(f, doc, a->format, NULL) ? dump_failed(a) : EXIT_OK;
	else if (a->check)
		rc = tool_fail(
			"%s: not an irx IR document (no \"format\": \"irx-ir\"): nothing to check",
			a->input);
	else
		rc = tool_fail("%s: not an irx file (JSON without a known \"format\")", a->input);
	json_decref(doc);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {.picture = -1};
	struct tool_out out;
	irx_error err = {0};
	irx_blob *blob;
	int rc;

	tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (a.verdicts) { /* untrusted: checked whole before the picture */
		json_t *doc = NULL;
		if ((rc = irx_json_load(&doc, a.verdicts, &err)) ||
		    (rc = irx_view_check_verdicts(doc, &err))) {
			if (!err.source[0])
				snprintf(err.source, sizeof(err.source), "%s", a.verdicts);
			tool_report(&err);
			json_decref(doc);
			return EXIT_ERROR;
		}
		a.view.verdicts = doc;
	}
	if ((rc = irx_blob_open(&blob, a.input, &err))) {
		tool_report(&err);
		json_decref((json_t *)a.view.verdicts);
		return EXIT_ERROR;
	}
	if ((rc = tool_out_open(&out, a.output))) {
		irx_blob_free(blob);
		json_decref((json_t *)a.view.verdicts);
		return rc;
	}
	rc = dispatch(&a, blob, out.f);
	json_decref((json_t *)a.view.verdicts);
	if (rc == EXIT_ERROR) {
		tool_out_abort(&out);
		return rc;
	}
	int crc = tool_out_commit(&out);
	return crc ? crc : rc;
}
