/*
 * program-export.c: one model's program out of a .pt2 archive, and where
 * the archive keeps the data of each of its weights and constants.
 *
 * program.c normalizes the program JSON and lists the weights; this file
 * is what knows an archive: which model, which entry, which payloads
 * (formats/pt2-layout.c names the entries).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irx/dtype.h"
#include "irx/program.h"
#include "graph/graph.h"

static int pick_model(const irx_archive *a, const char *want, const char **model, irx_error *err)
{
	size_t nm = irx_archive_n_models(a);
	char list[512] = "";

	for (size_t i = 0; i < nm; i++) {
		const char *m = irx_archive_model(a, i);
		if (want ? !strcmp(m, want) : !strcmp(m, "model")) {
			*model = m;
			return IRX_OK;
		}
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s'%s'", i ? ", " : "", m);
	}
	if (!want && nm == 1) {
		*model = irx_archive_model(a, 0);
		return IRX_OK;
	}
	if (want)
		return irx_error_set(err, IRX_EINVAL, "no model '%s' in the archive (it holds %s)",
				     want, list);
	return irx_error_set(err, IRX_EINVAL,
			     "the archive holds several models (%s); choose one with --model",
			     list);
}

/* What the archive holds for one kind of payload (weights, constants). */
struct payload_source {
	struct fmt_pt2_payloads where;
	json_t *config;          /* the parsed config, when where.config */
	int pickled_has_storage; /* when where.pickled */
};

struct payloads {
	const irx_archive *a;
	struct payload_source kind[2]; /* weights, constants */
};

static int payload_source(const irx_archive *a, const char *model, int constants,
			  struct payload_source *ps, irx_error *err)
{
	memset(ps, 0, sizeof(*ps));
	fmt_pt2_payloads(a, model, constants, &ps->where);
	if (ps->where.config)
		return fmt_pt2_load_config(a, &ps->where, &ps->config, err);
	if (ps->where.pickled)
		return fmt_pt2_nested_has_storage(irx_archive_zip(a), ps->where.pickled,
						  &ps->pickled_has_storage, err);
	return IRX_OK;
}

/*
 * Bytes a tensor's storage must hold: (offset + sum((size-1)*stride) + 1)
 * elements, or 0 for an empty tensor.  Returns 0 with *OUT set, 1 when it
 * cannot be told (symbolic sizes), -1 when the layout is impossible
 * (negative offset or stride, overflow).
 */
static int storage_bytes(const json_t *meta, uint64_t *out)
{
	json_t *shape = json_object_get(meta, "shape"), *strides = json_object_get(meta, "strides");
	json_t *off = json_object_get(meta, "storage_offset");
	size_t es = irx_dtype_size(
		irx_dtype_from_name(json_string_value(json_object_get(meta, "dtype"))));
	uint64_t last, t;
	size_t i;
	json_t *d;

	*out = 0;
	if (!es || !json_is_array(shape) || json_array_size(shape) != json_array_size(strides) ||
	    (off && !json_is_integer(off)))
		return 1;
	if (off && json_integer_value(off) < 0)
		return -1;
	last = off ? (uint64_t)json_integer_value(off) : 0;
	json_array_foreach(shape, i, d) {
		json_t *st = json_array_get(strides, i);
		if (!json_is_integer(d) || !json_is_integer(st))
			return 1;
		if (json_integer_value(d) == 0)
			return 0;
		if (json_integer_value(st) < 0)
			return -1;
		if (!base_mul_ok((uint64_t)json_integer_value(d) - 1,
				 (uint64_t)json_integer_value(st), &t) ||
		    __builtin_add_overflow(last, t, &last))
			return -1;
	}
	if (last == UINT64_MAX || !base_mul_ok(last + 1, es, out))
		return -1;
	return 0;
}

/* graph_locate_fn: where the archive keeps FQN's data, checked against
 * the layout the graph gives it (META). */
static int locate(void *ctx, int constant, const char *fqn, const json_t *meta, json_t *w,
		  irx_error *err)
{
	struct payloads *pl = ctx;
	struct payload_source *ps = &pl->kind[constant];
	const json_t *x;

	if (ps->config && fqn &&
	    (x = json_object_get(json_object_get(ps->config, "config"), fqn)) && !json_is_null(x)) {
		json_t *path = json_object_get(x, "path_name");
		json_t *dev = json_object_get(json_object_get(x, "tensor_meta"), "device");
		const char *cfg = ps->where.config_entry;
		char entry[1024];
		const irx_zip_entry *e;
		if (!json_is_string(path)) {
			base_where(err, "entry '%s': /config/%s/path_name", cfg, fqn);
			return irx_error_set(err, IRX_EFORMAT, "'path_name' must be a string");
		}
		snprintf(entry, sizeof(entry), "%s%s", ps->where.dir, json_string_value(path));
		if (!(e = irx_zip_find(irx_archive_zip(pl->a), entry))) {
			base_where(err, "entry '%s': /config/%s/path_name", cfg, fqn);
			return irx_error_set(err, IRX_EFORMAT,
					     "'%s' refers to entry '%s', which is missing", fqn,
					     entry);
		}
		int meta_dev = json_is_string(json_object_get(dev, "type")) &&
			       !strcmp(json_string_value(json_object_get(dev, "type")), "meta");
		uint64_t need;
		int known = meta && e->usize > 0 && !meta_dev ? storage_bytes(meta, &need) : 1;
		if (known < 0) {
			base_where(err, "entry '%s'", entry);
			return irx_error_set(err, IRX_EFORMAT,
					     "'%s' has an impossible layout (offset, strides)",
					     fqn);
		}
		if (known == 0 && e->usize < need) {
			base_where(err, "entry '%s'", entry);
			return irx_error_set(
				err, IRX_EFORMAT,
				"'%s' needs %llu bytes of storage but entry '%s' holds %llu", fqn,
				(unsigned long long)need, entry, (unsigned long long)e->usize);
		}
		json_object_set_new(w, "has_data", json_boolean(e->usize > 0 && !meta_dev));
		json_object_set_new(w, "entry", json_string(entry));
		json_object_set_new(w, "bytes", json_integer((json_int_t)e->usize));
		if (json_is_true(json_object_get(x, "use_pickle")))
			json_object_set_new(w, "pickled", json_true());
	} else if (ps->where.pickled) {
		json_object_set_new(w, "has_data", json_boolean(ps->pickled_has_storage));
		json_object_set_new(w, "entry", json_string(ps->where.pickled->name));
	} else {
		json_object_set_new(w, "has_data", json_false());
	}
	return IRX_OK;
}

static int list_payloads(const irx_archive *a, const char *model, json_t *doc, irx_error *err)
{
	struct payloads pl = {.a = a};
	int rc;

	if (!(rc = payload_source(a, model, 0, &pl.kind[0], err)) &&
	    !(rc = payload_source(a, model, 1, &pl.kind[1], err)))
		rc = graph_list_payloads(doc, locate, &pl, err);
	json_decref(pl.kind[0].config);
	json_decref(pl.kind[1].config);
	return rc;
}

/* The model's name, when irx-capture stored it (torch.export.save's
 * extra_files: "extra_files/irx_model_name" in the legacy layout,
 * "PREFIX/extra/irx_model_name" in the PT2 archive): source.model_name.
 * Anything but a short name without NUL bytes is passed over. */
static void model_name(const irx_archive *a, json_t *src)
{
	char entry[512], name[257];
	const irx_zip_entry *e;
	const uint8_t *data;
	void *owned;
	size_t len;
	irx_error ignored = {0};

	/* the prefix is "" or ends with '/' */
	const char *prefix = irx_archive_prefix(a) ? irx_archive_prefix(a) : "";
	snprintf(entry, sizeof(entry), "%sextra/irx_model_name", prefix);
	if (!(e = irx_zip_find(irx_archive_zip(a), entry))) {
		snprintf(entry, sizeof(entry), "%sextra_files/irx_model_name", prefix);
		e = irx_zip_find(irx_archive_zip(a), entry);
	}
	if (!e || irx_zip_read(&data, &len, &owned, irx_archive_zip(a), e, &ignored))
		return;
	if (len && len < sizeof(name) && !memchr(data, 0, len)) {
		memcpy(name, data, len);
		name[len] = '\0';
		json_object_set_new(src, "model_name", base_json_escaped(name));
	}
	free(owned);
}

int graph_program_export_open(struct graph_program **out, const irx_archive *a,
			      const irx_export_options *o, irx_error *err)
{
	const char *model = NULL;
	char entry[1024];
	const irx_zip_entry *e;
	const uint8_t *data;
	size_t len;
	void *owned;
	struct graph_program *p;
	json_t *src, *models;
	int rc;

	*out = NULL;
	base_source(err, irx_archive_path(a));
	if ((rc = irx_archive_require_program(a, err)) ||
	    (rc = pick_model(a, o ? o->model : NULL, &model, err)))
		return rc;
	fmt_pt2_program_entry(a, model, entry, sizeof(entry));
	if (!(e = irx_zip_find(irx_archive_zip(a), entry)))
		return irx_error_set(err, IRX_EFORMAT, "entry '%s' is missing", entry);
	if ((rc = irx_zip_read(&data, &len, &owned, irx_archive_zip(a), e, err))) {
		graph_entry_context(err, entry);
		return rc;
	}
	irx_export_options local = o ? *o : (irx_export_options){0};
	if (!local.source)
		local.source = irx_archive_path(a);
	if ((rc = graph_program_open(&p, data, len, owned, irx_archive_blob(a), entry, &local,
				     err)))
		return rc;
	src = json_object_get(graph_program_doc(p), "source");
	models = json_array();
	for (size_t i = 0; i < irx_archive_n_models(a); i++)
		json_array_append_new(models, base_json_escaped(irx_archive_model(a, i)));
	json_object_set_new(src, "layout", json_string(irx_archive_kind_name(irx_archive_kind(a))));
	/* Entry and model names come from the zip: escaped like the file's. */
	json_object_set_new(src, "container_version",
			    irx_archive_version(a) ? base_json_escaped(irx_archive_version(a))
						   : json_null());
	json_object_set_new(src, "entry", base_json_escaped(entry));
	json_object_set_new(src, "model", base_json_escaped(model));
	json_object_set_new(src, "models", models);
	model_name(a, src);
	if ((rc = list_payloads(a, model, graph_program_doc(p), err))) {
		graph_program_free(p);
		return rc;
	}
	*out = p;
	return IRX_OK;
}

irx_status irx_program_export(json_t **out, const irx_archive *a, const irx_export_options *o,
			      irx_error *err)
{
	struct graph_program *p;
	int rc;

	*out = NULL;
	if ((rc = graph_program_export_open(&p, a, o, err)))
		return rc;
	rc = graph_program_finish(p, out);
	graph_program_free(p);
	return rc;
}
