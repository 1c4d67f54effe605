/*
 * ts-dump.c: a TorchScript archive read without libtorch (irx/torchscript.h)
 * shown to a person or a program: the module tree, the tensors with their
 * state_dict keys and kinds, the opaque values, the methods.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irx/json.h"
#include "irx/torchscript.h"
#include "show/show.h"

static int text(FILE *f, const irx_torchscript *ts, int stats, irx_error *err)
{
	const irx_tensors *set = irx_torchscript_tensors(ts);
	size_t nm = irx_torchscript_n_modules(ts), nt = irx_tensors_count(set);
	const irx_ts_module *root = irx_torchscript_module(ts, 0);
	int w = 4;

	fprintf(f, "TorchScript archive, version %s: ", irx_torchscript_version(ts));
	irx_escape_print(f, root ? root->class_name : "?", 0);
	fprintf(f, ", %zu module%s, %zu tensor%s, %zu method%s\n", nm, nm == 1 ? "" : "s", nt,
		nt == 1 ? "" : "s", irx_torchscript_n_methods(ts),
		irx_torchscript_n_methods(ts) == 1 ? "" : "s");
	fputs("\nmodules:\n", f);
	for (size_t i = 0; i < nm; i++) {
		const irx_ts_module *m = irx_torchscript_module(ts, i);
		int d = m->depth < 30 ? m->depth : 30;
		fprintf(f, "  %*s", 2 * d, "");
		irx_escape_print(f,
				 *m->path ? strrchr(m->path, '.') ? strrchr(m->path, '.') + 1
								  : m->path
					  : "(root)",
				 0);
		fputs(": ", f);
		irx_escape_print(f, m->display, 0);
		if (strcmp(m->display, m->class_name))
			fputs(" (", f), irx_escape_print(f, m->class_name, 0), putc(')', f);
		putc('\n', f);
	}
	for (size_t i = 0; i < nt; i++) {
		const char *name = irx_tensors_at(set, i)->name;
		int n = (int)irx_escape(NULL, 0, name, strlen(name));
		w = n > w ? (n < 60 ? n : 60) : w;
	}
	fprintf(f, "\ntensors:\n  %-*s  %-9s %-13s %-20s %12s\n", w, "name", "kind", "dtype",
		"shape", "bytes");
	for (size_t i = 0; i < nt; i++) {
		const irx_tensor *t = irx_tensors_at(set, i);
		char shape[256];
		show_put_shape(shape, sizeof(shape), t);
		fputs("  ", f);
		irx_escape_print(f, t->name, w);
		fprintf(f, "  %-9s %-13s %-20s %12llu",
			irx_ts_tensor_kind_name(irx_torchscript_tensor_kind(ts, i)),
			irx_dtype_name(t->dtype), shape, (unsigned long long)irx_tensor_nbytes(t));
		if (stats && t->storage >= 0) {
			int rc = show_stats_text(f, set, t, err);
			if (rc)
				return rc;
		}
		putc('\n', f);
	}
	if (irx_torchscript_n_opaque(ts)) {
		fputs("\nopaque:\n", f);
		for (size_t i = 0; i < irx_torchscript_n_opaque(ts); i++) {
			const irx_ts_opaque *o = irx_torchscript_opaque(ts, i);
			fputs("  ", f), irx_escape_print(f, o->path, 0), fputs(": ", f);
			irx_escape_print(f, o->class_name, 0), fputs(" (", f);
			irx_escape_print(f, o->why, 0), fputs(")\n", f);
		}
	}
	fputs("\nmethods:\n", f);
	for (size_t i = 0; i < irx_torchscript_n_methods(ts); i++) {
		const irx_ts_method *m = irx_torchscript_method(ts, i);
		fputs("  ", f), irx_escape_print(f, m->class_name, 0), putc('.', f);
		irx_escape_print(f, m->name, 0), irx_escape_print(f, m->signature, 0),
			putc('\n', f);
	}
	return ferror(f) ? irx_error_set(err, IRX_EIO, "cannot write") : IRX_OK;
}

/* A string from the file as JSON: escaped, so that any bytes fit. */
static json_t *str(const char *s)
{
	json_t *v = json_string(s);

	return v ? v : base_json_escaped(s);
}

irx_status irx_dump_torchscript(FILE *f, const irx_torchscript *ts, enum irx_dump_format fmt,
				int stats, irx_error *err)
{
	const irx_tensors *set = irx_torchscript_tensors(ts);
	json_t *doc, *tensors, *modules, *methods, *opaque;
	const irx_ts_module *root = irx_torchscript_module(ts, 0);
	int rc;

	if (fmt == IRX_DUMP_TEXT)
		return text(f, ts, stats, err);
	if ((rc = show_tensors_json(set, &tensors, err)))
		return rc;
	for (size_t i = 0; i < json_array_size(tensors); i++) {
		json_t *o = json_array_get(tensors, i);
		json_object_set_new(
			o, "kind",
			json_string(irx_ts_tensor_kind_name(irx_torchscript_tensor_kind(ts, i))));
		json_object_set_new(
			o, "bytes",
			json_integer((json_int_t)irx_tensor_nbytes(irx_tensors_at(set, i))));
	}
	modules = json_array();
	for (size_t i = 0; i < irx_torchscript_n_modules(ts); i++) {
		const irx_ts_module *m = irx_torchscript_module(ts, i);
		json_array_append_new(modules,
				      json_pack("{s:o,s:o,s:o}", "path", str(m->path), "class",
						str(m->class_name), "display", str(m->display)));
	}
	methods = json_array();
	for (size_t i = 0; i < irx_torchscript_n_methods(ts); i++) {
		const irx_ts_method *m = irx_torchscript_method(ts, i);
		json_array_append_new(methods, json_pack("{s:o,s:o,s:o}", "class",
							 str(m->class_name), "name", str(m->name),
							 "signature", str(m->signature)));
	}
	opaque = json_array();
	for (size_t i = 0; i < irx_torchscript_n_opaque(ts); i++) {
		const irx_ts_opaque *o = irx_torchscript_opaque(ts, i);
		json_array_append_new(opaque,
				      json_pack("{s:o,s:o,s:o}", "path", str(o->path), "class",
						str(o->class_name), "why", str(o->why)));
	}
	doc = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "format", "torchscript", "version",
			str(irx_torchscript_version(ts)), "root",
			root ? str(root->class_name) : json_null(), "modules", modules, "tensors",
			tensors, "opaque", opaque, "methods", methods);
	if (!doc)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	rc = irx_json_write(f, doc, IRX_JSON_PRETTY, err);
	json_decref(doc);
	return rc;
}
