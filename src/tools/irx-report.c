/*
 * irx-report: one report over many models: a row per model (nodes,
 * parameters, FLOPs, activation peak, operators, IR check, verify result),
 * the operator coverage matrix, and a picture per model; markdown, JSON
 * or HTML.  Deterministic: the same files give the same bytes.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum fmt { F_MARKDOWN, F_JSON, F_HTML };

struct args {
	const char *output;
	enum fmt format;
	int no_pictures;
	char **files;
	size_t n;
};

enum { OPT_FORMAT = 0x100, OPT_NO_PICTURES };

static const struct argp_option options[] = {
	{"format", OPT_FORMAT, "FORMAT", 0, "markdown (default), json or html", 0},
	{"output", 'o', "FILE", 0, "Write to FILE instead of standard output", 0},
	{"no-pictures", OPT_NO_PICTURES, NULL, 0, "Leave the pictures out", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case OPT_FORMAT:
		if (!strcmp(arg, "markdown"))
			a->format = F_MARKDOWN;
		else if (!strcmp(arg, "json"))
			a->format = F_JSON;
		else if (!strcmp(arg, "html"))
			a->format = F_HTML;
		else
			argp_error(state, "unknown format '%s' (markdown, json or html)", arg);
		break;
	case 'o': a->output = arg; break;
	case OPT_NO_PICTURES: a->no_pictures = 1; break;
	case ARGP_KEY_ARG: {
		char **f = realloc(a->files, (a->n + 1) * sizeof(*f));
		if (!f)
			argp_failure(state, EXIT_ERROR, ENOMEM, "out of memory");
		a->files = f;
		a->files[a->n++] = arg;
		break;
	}
	case ARGP_KEY_END:
		if (!a->n)
			argp_error(state, "no file given");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	options,
	parse_opt,
	"FILE...",
	"Report over a set of models: IRs, irx-program documents and .pt2 archives "
	"(converted on the way), and the JSON reports of irx-verify (irx-verify --report=json), "
	"which join the model whose file name starts the same (resnet18.verify.json joins "
	"resnet18.pt2). One row per model, the operator coverage matrix (each operator x "
	"each model), and a picture per model (mermaid in markdown, SVG from graphviz's dot "
	"in HTML when dot is installed).\v" TOOL_EXIT_DOC,
	NULL,
	NULL,
	NULL,
};

/* "dir/resnet18.verify.json" -> "resnet18" */
static char *stem(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strchr(b, '.');

	return strndup(b, dot ? (size_t)(dot - b) : strlen(b));
}

static int is_verify_report(const json_t *doc)
{
	return json_is_boolean(json_object_get(doc, "match")) &&
	       (json_object_get(doc, "results") || json_object_get(doc, "per_node") ||
		json_object_get(doc, "trace"));
}

/* Read FILE as an IR (converting a .pt2 or program) or a verify report. */
static int load(const char *file, json_t **ir, json_t **verify)
{
	irx_error err = {0};
	irx_blob *blob;
	json_t *doc = NULL;
	int rc;

	*ir = *verify = NULL;
	if ((rc = irx_blob_open(&blob, file, &err))) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	const uint8_t *d = irx_blob_data(blob);
	size_t size = irx_blob_size(blob);
	if (size >= 2 && d[0] == 'P' && d[1] == 'K') {
		irx_archive *ar;
		irx_export_options eo = {.warn = tool_warn, .warn_ctx = (void *)file};
		if ((rc = irx_archive_open_blob(&ar, blob, &err))) {
			tool_report(&err);
			return EXIT_ERROR;
		}
		rc = irx_program_export(&doc, ar, &eo, &err);
		irx_archive_free(ar);
	} else {
		rc = irx_json_parse(&doc, d, size, &err);
		irx_blob_free(blob);
	}
	if (rc) {
		if (!err.source[0])
			snprintf(err.source, sizeof(err.source), "%s", file);
		tool_report(&err);
		return EXIT_ERROR;
	}
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (format && !strcmp(format, IRX_PROGRAM_FORMAT)) {
		irx_convert_options co = {
			.allow_dynamic = 1, .warn = tool_warn, .warn_ctx = (void *)file};
		rc = irx_convert(ir, doc, &co, &err);
		json_decref(doc);
		if (rc) {
			snprintf(err.source, sizeof(err.source), "%s", file);
			tool_report(&err);
			return EXIT_ERROR;
		}
	} else if (format && !strcmp(format, IRX_IR_FORMAT)) {
		*ir = doc;
	} else if (is_verify_report(doc)) {
		*verify = doc;
	} else {
		json_decref(doc);
		return tool_fail("%s: neither a model (IR, program, .pt2) nor an irx-verify report",
				 file);
	}
	return EXIT_OK;
}

/* A name from the input as a JSON string, escaped by irx_escape(). */
static json_t *escaped(const char *s)
{
	char *e = irx_escape_dup(s ? s : "?");
	json_t *v = json_string(e ? e : "?");

	free(e);
	return v;
}

static void count_problem(void *ctx, const char *where, const char *msg)
{
	(void)where, (void)msg;
	++*(size_t *)ctx;
}

/* op_type -> count, over NODES and their subgraphs. */
static void op_counts(const json_t *nodes, json_t *ops)
{
	const json_t *n, *g;
	const char *k;
	size_t i;

	json_array_foreach(nodes, i, n) {
		const char *op = json_string_value(json_object_get(n, "op_type"));
		json_t *c = json_object_get(ops, op ? op : "?");
		if (c)
			json_integer_set(c, json_integer_value(c) + 1);
		else
			json_object_set_new(ops, op ? op : "?", json_integer(1));
		json_object_foreach((json_t *)json_object_get(n, "subgraphs"), k, g)
			op_counts(json_object_get(g, "nodes"), ops);
	}
}

/* A picture of IR as text (NULL on failure): big models folded and cut. */
static char *picture(const json_t *ir, enum irx_picture_format fmt)
{
	irx_view_options o = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (json_array_size(json_object_get(ir, "nodes")) > 300)
		o.fold = 1, o.depth = 2;
	int rc = irx_dump_picture(f, ir, &o, fmt, NULL);
	if (fclose(f) || rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The row of one model. */
static json_t *model_row(const char *file, const json_t *ir)
{
	irx_view_options o = {0};
	json_t *st = NULL, *ops = json_object();
	size_t problems = 0, n;

	if (irx_stats(&st, ir, &o, NULL) || !ops ||
	    irx_ir_check(&n, ir, count_problem, &problems, NULL) != IRX_OK) {
		json_decref(st);
		json_decref(ops);
		return NULL;
	}
	op_counts(json_object_get(ir, "nodes"), ops);
	const json_t *t = json_object_get(st, "totals");
	json_t *row =
		json_pack("{s:o,s:o,s:O,s:O,s:O,s:O,s:O,s:I,s:o,s:I,s:n}", "name",
			  escaped(json_string_value(json_object_get(ir, "model_name"))), "file",
			  escaped(file), "nodes", json_object_get(t, "nodes"), "params",
			  json_object_get(t, "params"), "flops", json_object_get(t, "flops"),
			  "other_work", json_object_get(t, "other_work"), "activation_peak_bytes",
			  json_object_get(t, "activation_peak_bytes"), "operators",
			  (json_int_t)json_object_size(ops), "op_counts", ops, "check_problems",
			  (json_int_t)problems, "verify");
	json_decref(st);
	return row;
}

/* Join verify report V (from FILE) to the model whose file stem is FILE's. */
static void join_verify(json_t *models, const char *file, const json_t *v)
{
	char *s = stem(file);
	const json_t *m, *r;
	size_t i, k;

	json_array_foreach(models, i, m) {
		char *t = stem(json_string_value(json_object_get(m, "file")));
		int same = s && t && !strcmp(s, t);
		free(t);
		if (!same)
			continue;
		double max_abs = 0, max_rel = 0;
		json_array_foreach(json_object_get(v, "results"), k, r) {
			double a = json_number_value(json_object_get(r, "max_abs"));
			double b = json_number_value(json_object_get(r, "max_rel"));
			if (a > max_abs)
				max_abs = a;
			if (b > max_rel)
				max_rel = b;
		}
		json_object_set_new((json_t *)m, "verify",
				    json_pack("{s:b,s:O?,s:O?,s:f,s:f,s:o}", "match",
					      json_is_true(json_object_get(v, "match")), "outputs",
					      json_object_get(v, "outputs"), "mismatched",
					      json_object_get(v, "mismatched"), "worst_max_abs",
					      max_abs, "worst_max_rel", max_rel, "report",
					      escaped(file)));
		break;
	}
	free(s);
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The coverage matrix: [{"op", "counts": [per model], "models": N}], by op name. */
static json_t *coverage(const json_t *models)
{
	json_t *all = json_object(), *list = json_array(), *m, *v;
	const char *op;
	size_t i;

	json_array_foreach(models, i, m)
		json_object_foreach(json_object_get(m, "op_counts"), op, v)
			json_object_set_new(all, op, json_true());
	const char **names = calloc(json_object_size(all) + 1, sizeof(*names));
	size_t n = 0;
	json_object_foreach(all, op, v)
		names[n++] = op;
	qsort(names, n, sizeof(*names), strcmp_ptr);
	for (size_t k = 0; k < n; k++) {
		json_t *counts = json_array();
		json_int_t users = 0;
		json_array_foreach(models, i, m) {
			json_int_t c = json_integer_value(
				json_object_get(json_object_get(m, "op_counts"), names[k]));
			users += c > 0;
			json_array_append_new(counts, json_integer(c));
		}
		json_array_append_new(list, json_pack("{s:o,s:o,s:I}", "op", escaped(names[k]),
						      "counts", counts, "models", users));
	}
	free(names);
	json_decref(all);
	return list;
}

/* ---- markdown and HTML ---------------------------------------------------------- */

/* Text for a markdown table cell or HTML: no markup from the input. */
static void put_text(FILE *f, const char *s, int md)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '|': fputs(md ? "\\|" : "|", f); break;
		case '`': fputs("&#96;", f); break;
		case '*':
		case '_':
		case '[':
		case ']':
		case '\\':
		case '#':
			if (md)
				putc('\\', f);
			putc(*s, f);
			break;
		default: putc(*s, f);
		}
	}
}

static void put_int(FILE *f, const json_t *v)
{
	char raw[32], out[48];
	int len = snprintf(raw, sizeof(raw), "%lld", (long long)json_integer_value(v)), k = 0;

	for (int i = 0; i < len; i++) {
		if (i && raw[i - 1] != '-' && (len - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = raw[i];
	}
	out[k] = 0;
	fputs(out, f);
}

static void put_verify(FILE *f, const json_t *v)
{
	if (!json_is_object(v)) {
		fputs("-", f);
		return;
	}
	fprintf(f, "%s (max abs %.3g, max rel %.3g)",
		json_is_true(json_object_get(v, "match")) ? "match" : "MISMATCH",
		json_number_value(json_object_get(v, "worst_max_abs")),
		json_number_value(json_object_get(v, "worst_max_rel")));
}

static const char *const cols[] = {
	"model",     "nodes",    "parameters", "FLOPs", "activation peak (bytes)",
	"operators", "IR check", "verify",     NULL};

static void row_cells(FILE *f, const json_t *m, const char *open, const char *sep,
		      const char *close, int md)
{
	fputs(open, f);
	put_text(f, json_string_value(json_object_get(m, "name")), md);
	const char *keys[] = {"nodes", "params", "flops", "activation_peak_bytes", "operators"};
	for (int i = 0; i < 5; i++) {
		fputs(sep, f);
		put_int(f, json_object_get(m, keys[i]));
	}
	fputs(sep, f);
	json_int_t p = json_integer_value(json_object_get(m, "check_problems"));
	if (p)
		fprintf(f, "%lld problem%s", (long long)p, p == 1 ? "" : "s");
	else
		fputs("ok", f);
	fputs(sep, f);
	put_verify(f, json_object_get(m, "verify"));
	fputs(close, f);
}

static void write_markdown(FILE *f, const json_t *doc, char **pics)
{
	const json_t *models = json_object_get(doc, "models"), *m, *r, *c;
	size_t i, k;

	fputs("# irx report\n\n## Models\n\n|", f);
	for (i = 0; cols[i]; i++)
		fprintf(f, " %s |", cols[i]);
	fputs("\n|", f);
	for (i = 0; cols[i]; i++)
		fputs(i ? "---:|" : "---|", f);
	fputc('\n', f);
	json_array_foreach(models, i, m)
		row_cells(f, m, "| ", " | ", " |\n", 1);
	fputs("\n## Operator coverage\n\nNodes of each operator in each model (subgraphs included); "
	      "the last column counts the models that use it.\n\n| operator |",
	      f);
	json_array_foreach(models, i, m) {
		fputc(' ', f);
		put_text(f, json_string_value(json_object_get(m, "name")), 1);
		fputs(" |", f);
	}
	fputs(" models |\n|---|", f);
	json_array_foreach(models, i, m)
		fputs("---:|", f);
	fputs("---:|\n", f);
	json_array_foreach(json_object_get(doc, "operators"), i, r) {
		fputs("| ", f);
		put_text(f, json_string_value(json_object_get(r, "op")), 1);
		fputs(" |", f);
		json_array_foreach(json_object_get(r, "counts"), k, c) {
			fputc(' ', f);
			if (json_integer_value(c))
				put_int(f, c);
			fputs(" |", f);
		}
		fprintf(f, " %lld |\n",
			(long long)json_integer_value(json_object_get(r, "models")));
	}
	if (!pics)
		return;
	fputs("\n## Pictures\n", f);
	json_array_foreach(models, i, m) {
		fputs("\n### ", f);
		put_text(f, json_string_value(json_object_get(m, "name")), 1);
		fputs("\n\n", f);
		if (pics[i])
			fprintf(f, "```mermaid\n%s```\n", pics[i]);
		else
			fputs("(no picture)\n", f);
	}
}

static void write_html(FILE *f, const json_t *doc, char **pics)
{
	const json_t *models = json_object_get(doc, "models"), *m, *r, *c;
	size_t i, k;

	fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>irx report</title>\n"
	      "<style>body{font-family:sans-serif} table{border-collapse:collapse} "
	      "td,th{border:1px solid #ccc;padding:2px 6px} td{text-align:right} "
	      "td:first-child{text-align:left}</style></head><body>\n<h1>irx report</h1>\n"
	      "<h2>Models</h2>\n<table>\n<tr>",
	      f);
	for (i = 0; cols[i]; i++)
		fprintf(f, "<th>%s</th>", cols[i]);
	fputs("</tr>\n", f);
	json_array_foreach(models, i, m)
		row_cells(f, m, "<tr><td>", "</td><td>", "</td></tr>\n", 0);
	fputs("</table>\n<h2>Operator coverage</h2>\n<table>\n<tr><th>operator</th>", f);
	json_array_foreach(models, i, m) {
		fputs("<th>", f);
		put_text(f, json_string_value(json_object_get(m, "name")), 0);
		fputs("</th>", f);
	}
	fputs("<th>models</th></tr>\n", f);
	json_array_foreach(json_object_get(doc, "operators"), i, r) {
		fputs("<tr><td>", f);
		put_text(f, json_string_value(json_object_get(r, "op")), 0);
		fputs("</td>", f);
		json_array_foreach(json_object_get(r, "counts"), k, c) {
			fputs("<td>", f);
			if (json_integer_value(c))
				put_int(f, c);
			fputs("</td>", f);
		}
		fprintf(f, "<td>%lld</td></tr>\n",
			(long long)json_integer_value(json_object_get(r, "models")));
	}
	fputs("</table>\n", f);
	if (pics) {
		fputs("<h2>Pictures</h2>\n", f);
		json_array_foreach(models, i, m) {
			fputs("<h3>", f);
			put_text(f, json_string_value(json_object_get(m, "name")), 0);
			fputs("</h3>\n", f);
			if (pics[i] && !strncmp(pics[i], "<svg", 4))
				fputs(pics[i], f);
			else if (pics[i]) {
				fputs("<pre>", f);
				put_text(f, pics[i], 0);
				fputs("</pre>\n", f);
			}
		}
	}
	fputs("</body></html>\n", f);
}

/* DOT through graphviz's dot -Tsvg, or DOT itself when dot is missing. */
static char *to_svg(char *dot)
{
	char tmp[] = "/tmp/irx-report.XXXXXX";
	int fd = mkstemp(tmp);
	char *svg = NULL, cmd[128];
	size_t len = 0, cap = 0;

	if (fd < 0)
		return dot;
	FILE *w = fdopen(fd, "w");
	if (!w || fputs(dot, w) == EOF || fclose(w)) {
		unlink(tmp);
		return dot;
	}
	snprintf(cmd, sizeof(cmd), "dot -Tsvg %s 2>/dev/null | sed -n '/^<svg/,$p'", tmp);
	FILE *p = popen(cmd, "r");
	if (p) {
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
			if (len + n + 1 > cap) {
				char *g = realloc(svg, cap = 2 * (len + n + 1));
				if (!g)
					break;
				svg = g;
			}
			memcpy(svg + len, buf, n);
			len += n;
			svg[len] = 0;
		}
		if (pclose(p) || !svg || strncmp(svg, "<svg", 4)) {
			free(svg);
			svg = NULL;
		}
	}
	unlink(tmp);
	if (!svg)
		return dot;
	free(dot);
	return svg;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct tool_out out;
	json_t *models, *verifies, *doc;
	char **pics = NULL;
	int rc = EXIT_OK;
	json_t **irs;

	tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	models = json_array();
	verifies = json_array();
	irs = calloc(a.n + 1, sizeof(*irs));
	if (!models || !verifies || !irs)
		return tool_fail("out of memory");
	size_t nm = 0;
	for (size_t i = 0; i < a.n && rc == EXIT_OK; i++) {
		json_t *ir, *v;
		if ((rc = load(a.files[i], &ir, &v)))
			break;
		if (v) {
			json_array_append_new(verifies, json_pack("[s,o]", a.files[i], v));
			continue;
		}
		json_t *row = model_row(a.files[i], ir);
		if (!row) {
			json_decref(ir);
			rc = tool_fail("%s: cannot compute its statistics", a.files[i]);
			break;
		}
		json_array_append_new(models, row);
		irs[nm++] = ir;
	}
	if (rc)
		return rc;
	const json_t *v;
	size_t i;
	json_array_foreach(verifies, i, v)
		join_verify(models, json_string_value(json_array_get(v, 0)), json_array_get(v, 1));
	doc = json_pack("{s:o,s:o}", "models", models, "operators", coverage(models));
	if (!doc)
		return tool_fail("out of memory");
	if (a.format != F_JSON && !a.no_pictures && (pics = calloc(nm + 1, sizeof(*pics)))) {
		for (i = 0; i < nm; i++) {
			pics[i] = picture(irs[i], a.format == F_HTML ? IRX_PICTURE_DOT
								     : IRX_PICTURE_MERMAID);
			if (pics[i] && a.format == F_HTML)
				pics[i] = to_svg(pics[i]);
		}
	}
	if ((rc = tool_out_open(&out, a.output)))
		return rc;
	if (a.format == F_JSON) {
		json_t *m;
		json_array_foreach(models, i, m)
			json_object_del(m, "op_counts");
		irx_json_write(out.f, doc, IRX_JSON_PRETTY, NULL);
	} else if (a.format == F_MARKDOWN) {
		write_markdown(out.f, doc, pics);
	} else {
		write_html(out.f, doc, pics);
	}
	for (i = 0; pics && i < nm; i++)
		free(pics[i]);
	free(pics);
	for (i = 0; i < nm; i++)
		json_decref(irs[i]);
	free(irs);
	free(a.files);
	json_decref(doc);
	json_decref(verifies);
	return tool_out_commit(&out);
}
