/*
 * dump.c: summaries of IRs, programs and archives, as text or JSON.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "irx/dump.h"
#include "irx/json.h"
#include "show/show.h"

/* The string member KEY of O, or "?" when a hand-edited file lacks it. */
static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "?";
}

/* "float32[3, 4]" */
static void put_meta(FILE *f, const json_t *m)
{
	json_t *d;
	size_t i;

	irx_escape_print(f, str(m, "dtype"), 0);
	putc('[', f);
	json_array_foreach(json_object_get(m, "shape"), i, d) {
		if (i)
			fputs(", ", f);
		if (json_is_integer(d))
			fprintf(f, "%lld", (long long)json_integer_value(d));
		else
			irx_escape_print(f, json_is_string(d) ? json_string_value(d) : "?", 0);
	}
	putc(']', f);
}

static void put_tensor_list(FILE *f, const json_t *list)
{
	json_t *m;
	size_t i;

	json_array_foreach(list, i, m) {
		if (i)
			fputs(", ", f);
		if (json_object_get(m, "kind") && !json_object_get(m, "dtype")) {
			irx_escape_print(f, str(m, "name"), 0);
			continue;
		}
		put_meta(f, m);
	}
}

static void put_tensor_table(FILE *f, const char *title, const json_t *list)
{
	json_t *m;
	size_t i;

	fprintf(f, "%s (%zu):\n", title, json_array_size(list));
	json_array_foreach(list, i, m) {
		fputs("  ", f);
		irx_escape_print(f, str(m, "name"), 32);
		putc(' ', f);
		put_meta(f, m);
		if (json_is_string(json_object_get(m, "kind")))
			fputs("  ", f), irx_escape_print(f, str(m, "kind"), 0);
		if (json_is_false(json_object_get(m, "has_data")))
			fputs("  (no data)", f);
		putc('\n', f);
	}
}

/* The mutations (buffer updates) that NODE makes, under it: a backend must
 * write them back, and a reader looks for them where they are made. */
static void text_node_mutations(FILE *f, const json_t *node, const json_t *mutations, int depth)
{
	static const char *const says[][2] = {{"buffer_mutation", "updates buffer"},
					      {"parameter_mutation", "updates parameter"},
					      {"user_input_mutation", "updates input"}};
	const char *name = str(node, "name");
	json_t *m;
	size_t i;

	json_array_foreach(mutations, i, m) {
		const char *kind = str(m, "kind"), *what = kind;
		if (!name || !str(m, "producer_node") || strcmp(str(m, "producer_node"), name))
			continue;
		for (size_t k = 0; kind && k < sizeof(says) / sizeof(says[0]); k++)
			if (!strcmp(kind, says[k][0]))
				what = says[k][1];
		fprintf(f, "%*s  ", depth * 2, "");
		irx_escape_print(f, what ? what : "mutation", 0);
		putc(' ', f);
		irx_escape_print(f, str(m, "target") ? str(m, "target") : "?", 0);
		fputs(" <- ", f);
		irx_escape_print(f, str(m, "name"), 0);
		putc('\n', f);
	}
}

static void text_nodes(FILE *f, const json_t *nodes, const json_t *mutations, int depth)
{
	json_t *node;
	size_t i;

	json_array_foreach(nodes, i, node) {
		fprintf(f, "%*s", depth * 2, "");
		irx_escape_print(f, str(node, "name"), 28);
		putc(' ', f);
		irx_escape_print(f, str(node, "op_type"), 40);
		fputs(" (", f);
		put_tensor_list(f, json_object_get(node, "inputs"));
		fputs(") -> (", f);
		put_tensor_list(f, json_object_get(node, "outputs"));
		fputs(")", f);
		if (json_object_size(json_object_get(node, "attrs"))) {
			fputs("  ", f);
			irx_json_write(f, json_object_get(node, "attrs"), IRX_JSON_COMPACT, NULL);
		} else {
			putc('\n', f);
		}
		text_node_mutations(f, node, mutations, depth);
		const char *k;
		json_t *sub;
		json_object_foreach(json_object_get(node, "subgraphs"), k, sub) {
			fprintf(f, "%*s  subgraph ", depth * 2, "");
			irx_escape_print(f, k, 0);
			fputs(":\n", f);
			text_nodes(f, json_object_get(sub, "nodes"), NULL, depth + 2);
		}
	}
}

static json_t *op_counts(const json_t *nodes, const char *key)
{
	json_t *counts = json_object(), *node;
	size_t i;

	json_array_foreach(nodes, i, node) {
		const char *op = json_string_value(json_object_get(node, key));
		if (!op)
			continue;
		json_t *c = json_object_get(counts, op);
		json_object_set_new(counts, op, json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	return counts;
}

static void text_counts(FILE *f, const json_t *counts)
{
	const char *k;
	json_t *v;

	fprintf(f, "operators (%zu):\n", json_object_size(counts));
	json_object_foreach((json_t *)counts, k, v)
		fprintf(f, "  %6lld  ", (long long)json_integer_value(v)),
			irx_escape_print(f, k, 0), putc('\n', f);
}

irx_status irx_dump_ir(FILE *f, const json_t *ir, enum irx_dump_format fmt, irx_error *err)
{
	const json_t *nodes = json_object_get(ir, "nodes");

	if (fmt == IRX_DUMP_JSON) {
		json_t *nlist = json_array(), *node, *counts = op_counts(nodes, "op_type");
		size_t i;
		/* Fields may be missing from a hand-edited IR: shown as null. */
		json_array_foreach(nodes, i, node)
			json_array_append_new(nlist,
					      json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?}", "name",
							json_object_get(node, "name"), "op_type",
							json_object_get(node, "op_type"), "inputs",
							json_object_get(node, "inputs"), "outputs",
							json_object_get(node, "outputs"), "attrs",
							json_object_get(node, "attrs")));
		json_t *doc = json_pack("{s:s,s:O?,s:O?,s:O?,s:O?,s:O?,s:o,s:o}", "kind", "ir",
					"model_name", json_object_get(ir, "model_name"),
					"graph_inputs", json_object_get(ir, "graph_inputs"),
					"graph_outputs", json_object_get(ir, "graph_outputs"),
					"weights", json_object_get(ir, "weights"), "constants",
					json_object_get(ir, "constants"), "operators", counts,
					"nodes", nlist);
		irx_status rc = doc ? irx_json_write(f, doc, IRX_JSON_PRETTY, err)
				    : irx_error_set(err, IRX_ENOMEM, "out of memory");
		json_decref(doc);
		return rc;
	}
	const char *model = json_string_value(json_object_get(ir, "model_name"));
	fputs("IR of model '", f);
	irx_escape_print(f, model ? model : "?", 0);
	fprintf(f, "': %zu nodes\n", json_array_size(nodes));
	put_tensor_table(f, "graph inputs", json_object_get(ir, "graph_inputs"));
	put_tensor_table(f, "graph outputs", json_object_get(ir, "graph_outputs"));
	put_tensor_table(f, "weights", json_object_get(ir, "weights"));
	put_tensor_table(f, "constants", json_object_get(ir, "constants"));
	fprintf(f, "nodes (%zu):\n", json_array_size(nodes));
	text_nodes(f, nodes, json_object_get(ir, "mutations"), 1);
	return base_write_status(f, err);
}

/* Program summary object, shared by the program and archive dumps. */
static json_t *program_summary(const json_t *p)
{
	json_t *inputs = json_object(), *spec, *outputs = json_object();
	size_t i;

	json_array_foreach(json_object_get(p, "inputs"), i, spec) {
		const char *k = json_string_value(json_object_get(spec, "kind"));
		json_t *c = json_object_get(inputs, k ? k : "?");
		json_object_set_new(inputs, k ? k : "?",
				    json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	json_array_foreach(json_object_get(p, "outputs"), i, spec) {
		const char *k = json_string_value(json_object_get(spec, "kind"));
		json_t *c = json_object_get(outputs, k ? k : "?");
		json_object_set_new(outputs, k ? k : "?",
				    json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	return json_pack(
		"{s:s,s:O,s:I,s:o,s:o,s:o,s:O,s:O}", "kind", "program", "source",
		json_object_get(p, "source"), "n_nodes",
		(json_int_t)json_array_size(json_object_get(json_object_get(p, "graph"), "nodes")),
		"operators",
		op_counts(json_object_get(json_object_get(p, "graph"), "nodes"), "target"),
		"inputs", inputs, "outputs", outputs, "weights", json_object_get(p, "weights"),
		"range_constraints", json_object_get(p, "range_constraints"));
}

static void text_program(FILE *f, const json_t *s)
{
	const json_t *src = json_object_get(s, "source");
	const json_t *sv = json_object_get(src, "schema_version");
	const char *k;
	json_t *v;

	fprintf(f, "program: %lld nodes, schema %lld.%lld, torch ",
		(long long)json_integer_value(json_object_get(s, "n_nodes")),
		(long long)json_integer_value(json_object_get(sv, "major")),
		(long long)json_integer_value(json_object_get(sv, "minor")));
	irx_escape_print(f,
			 json_is_string(json_object_get(src, "torch_version"))
				 ? str(src, "torch_version")
				 : "unknown",
			 0);
	fputs(", layout ", f);
	irx_escape_print(
		f, json_is_string(json_object_get(src, "layout")) ? str(src, "layout") : "unknown",
		0);
	fputs("\ninputs:", f);
	json_object_foreach(json_object_get(s, "inputs"), k, v)
		fprintf(f, " %lld ", (long long)json_integer_value(v)), irx_escape_print(f, k, 0);
	fputs("\noutputs:", f);
	json_object_foreach(json_object_get(s, "outputs"), k, v)
		fprintf(f, " %lld ", (long long)json_integer_value(v)), irx_escape_print(f, k, 0);
	putc('\n', f);
	json_object_foreach(json_object_get(s, "range_constraints"), k, v) {
		fputs("symbol ", f), irx_escape_print(f, k, 0), fputs(": ", f);
		irx_json_write(f, v, IRX_JSON_COMPACT, NULL);
	}
	put_tensor_table(f, "weights", json_object_get(s, "weights"));
	text_counts(f, json_object_get(s, "operators"));
}

irx_status irx_dump_program(FILE *f, const json_t *p, enum irx_dump_format fmt, irx_error *err)
{
	json_t *s = program_summary(p);
	irx_status rc;

	if (!s)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (fmt == IRX_DUMP_JSON)
		rc = irx_json_write(f, s, IRX_JSON_PRETTY, err);
	else
		text_program(f, s), rc = base_write_status(f, err);
	json_decref(s);
	return rc;
}

/* The weights and constants of a program archive, as JSON lists or tables. */
static int archive_tensors(FILE *f, const irx_archive *a, const json_t *program, json_t *doc,
			   enum irx_dump_format fmt, int stats, irx_error *err)
{
	static const char *const kinds[] = {"tensors", "constants"};
	static const char *const titles[] = {"weight data", "constant data"};
	const char *model =
		json_string_value(json_object_get(json_object_get(program, "source"), "model"));
	int rc = IRX_OK;

	for (int c = 0; c < 2 && !rc; c++) {
		irx_tensors_options o = {.model = model, .constants = c};
		irx_tensors *set;
		json_t *list;
		if ((rc = irx_tensors_open_archive(&set, a, &o, err)))
			break;
		if (fmt == IRX_DUMP_JSON) {
			if (!(rc = show_tensors_json(set, &list, err)))
				json_object_set_new(doc, kinds[c], list);
		} else if (irx_tensors_count(set)) {
			rc = show_tensors_text(f, set, titles[c], stats, err);
		}
		irx_tensors_free(set);
	}
	return rc;
}

irx_status irx_dump_archive(FILE *f, const irx_archive *a, const json_t *program,
			    enum irx_dump_format fmt, int stats, irx_error *err)
{
	const irx_zip *z = irx_archive_zip(a);
	json_t *entries = json_array(), *doc;
	int rc = IRX_OK;

	for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
		const irx_zip_entry *e = irx_zip_entry_at(z, i);
		/* An entry's name is any bytes: escaped, as JSON holds UTF-8 only. */
		json_array_append_new(entries,
				      json_pack("{s:o,s:I,s:s}", "name", base_json_escaped(e->name),
						"bytes", (json_int_t)e->usize, "method",
						e->method == 0   ? "stored"
						: e->method == 8 ? "deflated"
								 : "other"));
	}
	doc = json_pack("{s:s,s:s,s:o?,s:o}", "kind", "archive", "layout",
			irx_archive_kind_name(irx_archive_kind(a)), "container_version",
			base_json_escaped(irx_archive_version(a)), "entries", entries);
	if (program)
		json_object_set_new(doc, "program", program_summary(program));
	if (fmt == IRX_DUMP_JSON) {
		if (program)
			rc = archive_tensors(f, a, program, doc, fmt, stats, err);
		if (!rc)
			rc = irx_json_write(f, doc, IRX_JSON_PRETTY, err);
	} else {
		fputs("archive: ", f);
		irx_escape_print(f, irx_archive_path(a), 0);
		fprintf(f, " (%s), %zu entries\n", irx_archive_kind_name(irx_archive_kind(a)),
			irx_zip_n_entries(z));
		for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
			const irx_zip_entry *e = irx_zip_entry_at(z, i);
			fprintf(f, "  %12llu  ", (unsigned long long)e->usize);
			irx_escape_print(f, e->name, 0);
			fputs(e->method == 8 ? "  (deflated)\n" : "\n", f);
		}
		if (program) {
			text_program(f, json_object_get(doc, "program"));
			rc = archive_tensors(f, a, program, doc, fmt, stats, err);
		}
		if (!rc)
			rc = base_write_status(f, err);
	}
	json_decref(doc);
	return rc;
}
