/*
 * pt2-layout.c: where a .pt2 archive keeps a model's program, weights and
 * constants.  Under the archive's prefix (its root folder):
 *
 *   legacy (2.1-2.7)  serialized_exported_program.json; the weights in
 *                     serialized_state_dict.pt and the constants in
 *                     serialized_constants.pt (2.1/2.2: the same bytes
 *                     named .json), both torch.save zips
 *   torch 2.8         models/<model>.json; data/weights/<model>.pt and
 *                     data/constants/<model>.pt, torch.save zips
 *   torch >= 2.9      models/<model>.json; data/weights/<model>_weights_config.json
 *                     (and data/constants/<model>_constants_config.json)
 *                     naming, per state_dict key, a file in data/weights/
 *                     (data/constants/) and the tensor's layout
 *
 * archive.c tells the layouts apart by FMT_PT2_LEGACY_PROGRAM and
 * FMT_PT2_MODELS; every other entry name is made here.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

void fmt_pt2_program_entry(const irx_archive *a, const char *model, char *buf, size_t size)
{
	if (irx_archive_kind(a) == IRX_ARCHIVE_PT2_LEGACY)
		snprintf(buf, size, "%s%s", irx_archive_prefix(a), FMT_PT2_LEGACY_PROGRAM);
	else
		snprintf(buf, size, "%s%s%s.json", irx_archive_prefix(a), FMT_PT2_MODELS, model);
}

void fmt_pt2_payloads(const irx_archive *a, const char *model, int constants,
		      struct fmt_pt2_payloads *out)
{
	const irx_zip *z = irx_archive_zip(a);
	const char *p = irx_archive_prefix(a), *kind = constants ? "constants" : "weights";
	char name[1024];

	memset(out, 0, sizeof(*out));
	if (irx_archive_kind(a) == IRX_ARCHIVE_PT2_LEGACY) {
		const char *stem = constants ? "serialized_constants" : "serialized_state_dict";
		snprintf(name, sizeof(name), "%s%s.pt", p, stem);
		if (!(out->pickled = irx_zip_find(z, name))) {
			snprintf(name, sizeof(name), "%s%s.json", p, stem);
			out->pickled = irx_zip_find(z, name);
		}
		return;
	}
	snprintf(name, sizeof(name), "%sdata/%s/%s.pt", p, kind, model);
	if ((out->pickled = irx_zip_find(z, name)))
		return;
	snprintf(out->config_entry, sizeof(out->config_entry), "%sdata/%s/%s_%s_config.json", p,
		 kind, model, kind);
	snprintf(out->dir, sizeof(out->dir), "%sdata/%s/", p, kind);
	out->config = irx_zip_find(z, out->config_entry);
}

int fmt_pt2_load_config(const irx_archive *a, const struct fmt_pt2_payloads *p, json_t **out,
			irx_error *err)
{
	const uint8_t *data;
	size_t len;
	void *owned = NULL;
	int rc;

	*out = NULL;
	if ((rc = irx_zip_read(&data, &len, &owned, irx_archive_zip(a), p->config, err)) ||
	    (rc = irx_json_parse(out, data, len, err))) {
		base_where_prefix(err, "entry '%s'", p->config_entry);
		free(owned);
		return rc;
	}
	free(owned);
	if (!json_is_object(json_object_get(*out, "config"))) {
		json_decref(*out);
		*out = NULL;
		base_where(err, "entry '%s': /config", p->config_entry);
		return irx_error_set(err, IRX_EFORMAT, "'config' must be an object");
	}
	return IRX_OK;
}

int fmt_pt2_nested_has_storage(const irx_zip *z, const irx_zip_entry *e, int *has, irx_error *err)
{
	const uint8_t *data;
	size_t len;
	void *owned = NULL;
	irx_blob *b = NULL;
	irx_zip *inner = NULL;
	int rc;

	*has = 0;
	/* Stored (always, as torch writes it): look at the listing in place,
	 * without reading the weights; deflated: there is no other way. */
	if (e->method == 0)
		rc = irx_zip_view(&data, &len, z, e, err);
	else
		rc = irx_zip_read(&data, &len, &owned, z, e, err);
	if (rc)
		return rc;
	if (len == 0)
		goto done;
	if ((rc = irx_blob_wrap(&b, data, len, e->name, err)) ||
	    (rc = irx_zip_open(&inner, b, err)))
		goto done;
	for (size_t i = 0; i < irx_zip_n_entries(inner); i++) {
		const char *nm = irx_zip_entry_at(inner, i)->name;
		const char *d = strstr(nm, "/data/");
		if (d && d[6] && !strchr(d + 6, '/') && strcmp(d + 6, "version"))
			*has = 1;
	}
done:
	if (rc)
		base_where_prefix(err, "entry '%s'", e->name);
	irx_zip_free(inner);
	irx_blob_free(b);
	free(owned);
	return rc;
}
