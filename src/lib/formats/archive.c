/*
 * archive.c: classify a torch zip and find the program in it.
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

struct irx_archive {
	char *path;
	irx_blob *blob;
	irx_zip *zip;
	enum irx_archive_kind kind;
	char *prefix;
	char *version;
	char **models;
	size_t n_models;
};

static int has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Small text entry, trimmed, as a new string; NULL when absent or big. */
static char *small_text(const irx_zip *z, const char *name)
{
	const irx_zip_entry *e = irx_zip_find(z, name);
	const uint8_t *data;
	size_t len;
	void *owned;
	char *s;

	if (!e || e->usize > 256 || irx_zip_read(&data, &len, &owned, z, e, NULL))
		return NULL;
	while (len && isspace(data[len - 1]))
		len--;
	if ((s = malloc(len + 1))) {
		memcpy(s, data, len);
		s[len] = '\0';
	}
	free(owned);
	return s;
}

/* An entry named SUFFIX at the root or directly inside one folder. */
static const char *find_suffix(const irx_zip *z, const char *suffix)
{
	for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
		const char *n = irx_zip_entry_at(z, i)->name;
		size_t dir = strlen(n) - strlen(suffix);
		if (!ends_with(n, suffix))
			continue;
		if (dir == 0 || (n[dir - 1] == '/' && strchr(n, '/') == n + dir - 1))
			return n;
	}
	return NULL;
}

static int add_model(irx_archive *a, const char *name, size_t len)
{
	char **nm = realloc(a->models, (a->n_models + 1) * sizeof(*nm));
	if (!nm)
		return IRX_ENOMEM;
	a->models = nm;
	if (!(nm[a->n_models] = strndup(name, len)))
		return IRX_ENOMEM;
	a->n_models++;
	return IRX_OK;
}

static int classify(irx_archive *a, irx_error *err)
{
	const irx_zip *z = a->zip;
	const char *legacy, *first, *slash;
	char name[1024];

	if (irx_zip_n_entries(z) == 0) {
		a->kind = IRX_ARCHIVE_UNKNOWN;
		a->prefix = strdup("");
		return IRX_OK;
	}
	first = irx_zip_entry_at(z, 0)->name;
	slash = strchr(first, '/');
	a->prefix = slash ? strndup(first, (size_t)(slash - first + 1)) : strdup("");
	if (!a->prefix)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");

	snprintf(name, sizeof(name), "%sarchive_format", a->prefix);
	char *format = small_text(z, name);
	if (!format) /* torch 2.6 AOTInductor packages keep it at the root */
		format = small_text(z, "archive_format");
	if (format && strcmp(format, "pt2") == 0) {
		size_t plen = strlen(a->prefix);
		free(format);
		snprintf(name, sizeof(name), "%sarchive_version", a->prefix);
		a->version = small_text(z, name);
		for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
			const char *n = irx_zip_entry_at(z, i)->name;
			if (has_prefix(n, a->prefix) && has_prefix(n + plen, FMT_PT2_MODELS) &&
			    ends_with(n, ".json") &&
			    !strchr(n + plen + strlen(FMT_PT2_MODELS), '/')) {
				const char *m = n + plen + strlen(FMT_PT2_MODELS);
				if (add_model(a, m, strlen(m) - 5))
					return irx_error_set(err, IRX_ENOMEM, "out of memory");
			}
		}
		a->kind = IRX_ARCHIVE_PT2;
		if (!a->n_models) {
			a->kind = IRX_ARCHIVE_UNKNOWN;
			for (size_t i = 0; i < irx_zip_n_entries(z); i++)
				if (strstr(irx_zip_entry_at(z, i)->name, "data/aotinductor/"))
					a->kind = IRX_ARCHIVE_AOTI;
		}
		return IRX_OK;
	}
	free(format);
	/* Legacy: at the root, or in one folder of a re-zipped archive (the
	 * PT2 test comes first: its extra/ folder may hold anything). */
	if ((legacy = find_suffix(z, FMT_PT2_LEGACY_PROGRAM))) {
		a->kind = IRX_ARCHIVE_PT2_LEGACY;
		free(a->prefix);
		a->prefix = strndup(legacy, strlen(legacy) - strlen(FMT_PT2_LEGACY_PROGRAM));
		snprintf(name, sizeof(name), "%sversion", a->prefix ? a->prefix : "");
		a->version = small_text(z, name);
		return a->prefix && add_model(a, "model", 5) == 0
			       ? IRX_OK
			       : irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	snprintf(name, sizeof(name), "%sbytecode.pkl", a->prefix);
	if (irx_zip_find(z, name)) {
		a->kind = IRX_ARCHIVE_TORCHSCRIPT_LITE;
		return IRX_OK;
	}
	snprintf(name, sizeof(name), "%sconstants.pkl", a->prefix);
	int has_constants = irx_zip_find(z, name) != NULL;
	snprintf(name, sizeof(name), "%scode/", a->prefix);
	int has_code = 0;
	for (size_t i = 0; i < irx_zip_n_entries(z); i++)
		has_code |= has_prefix(irx_zip_entry_at(z, i)->name, name);
	snprintf(name, sizeof(name), "%sdata.pkl", a->prefix);
	if (irx_zip_find(z, name))
		a->kind = has_constants || has_code ? IRX_ARCHIVE_TORCHSCRIPT
						    : IRX_ARCHIVE_TORCH_SAVE;
	else
		a->kind = IRX_ARCHIVE_UNKNOWN;
	return IRX_OK;
}

/* Name what a non-zip file looks like, for the error message. */
static const char *sniff(const uint8_t *d, size_t n)
{
	if (n == 0)
		return "an empty file";
	if (n >= 2 && d[0] == 0x80 && d[1] >= 2 && d[1] <= 5)
		return "a pickle (a torch.save file in the pre-1.6 format? re-save it with a current torch, then export the model with torch.export.save)";
	if (n >= 4 && memcmp(d, "PK\3\4", 4) == 0)
		return "a damaged zip archive (its end of central directory is missing)";
	if (n >= 1 && (d[0] == '{' || d[0] == '['))
		return "JSON, not an archive (irx-convert reads irx-export's JSON)";
	if (n >= 4 && memcmp(d, "\177ELF", 4) == 0)
		return "an ELF binary";
	return "not a zip archive";
}

irx_status irx_archive_open_blob(irx_archive **out, irx_blob *blob, irx_error *err)
{
	const uint8_t *d = irx_blob_data(blob);
	size_t n = irx_blob_size(blob);
	irx_error zerr = {0};
	irx_archive *a;
	int rc;

	*out = NULL;
	base_source(err, irx_blob_name(blob));
	if (!(a = calloc(1, sizeof(*a))) || !(a->path = strdup(irx_blob_name(blob)))) {
		free(a);
		irx_blob_free(blob);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	a->blob = blob;
	if ((rc = irx_zip_open(&a->zip, a->blob, &zerr))) {
		if (n >= 4 && memcmp(d, "PK", 2) == 0)
			rc = irx_error_set(err, rc, "%s", zerr.text);
		else
			rc = irx_error_set(err, IRX_EUNSUPPORTED, "%s", sniff(d, n));
		goto fail;
	}
	if ((rc = classify(a, err)))
		goto fail;
	*out = a;
	return IRX_OK;
fail:
	irx_archive_free(a);
	return rc;
}

irx_status irx_archive_open(irx_archive **out, const char *path, irx_error *err)
{
	irx_blob *b;
	int rc;

	*out = NULL;
	if ((rc = irx_blob_open(&b, path, err)))
		return rc;
	return irx_archive_open_blob(out, b, err);
}

void irx_archive_free(irx_archive *a)
{
	if (!a)
		return;
	irx_zip_free(a->zip);
	irx_blob_free(a->blob);
	for (size_t i = 0; i < a->n_models; i++)
		free(a->models[i]);
	free(a->models);
	free(a->prefix);
	free(a->version);
	free(a->path);
	free(a);
}

enum irx_archive_kind irx_archive_kind(const irx_archive *a) { return a->kind; }
const char *irx_archive_prefix(const irx_archive *a) { return a->prefix; }
const char *irx_archive_version(const irx_archive *a) { return a->version; }
const irx_zip *irx_archive_zip(const irx_archive *a) { return a->zip; }
const irx_blob *irx_archive_blob(const irx_archive *a) { return a->blob; }
const char *irx_archive_path(const irx_archive *a) { return a->path; }
size_t irx_archive_n_models(const irx_archive *a) { return a->n_models; }

const char *irx_archive_model(const irx_archive *a, size_t i)
{
	return i < a->n_models ? a->models[i] : NULL;
}

const char *irx_archive_kind_name(enum irx_archive_kind kind)
{
	switch (kind) {
	case IRX_ARCHIVE_PT2_LEGACY: return "pt2-legacy";
	case IRX_ARCHIVE_PT2: return "pt2";
	case IRX_ARCHIVE_AOTI: return "aoti";
	case IRX_ARCHIVE_TORCHSCRIPT: return "torchscript";
	case IRX_ARCHIVE_TORCHSCRIPT_LITE: return "torchscript-lite";
	case IRX_ARCHIVE_TORCH_SAVE: return "torch-save";
	case IRX_ARCHIVE_UNKNOWN: break;
	}
	return "unknown";
}

irx_status irx_archive_require_program(const irx_archive *a, irx_error *err)
{
	switch (a->kind) {
	case IRX_ARCHIVE_PT2_LEGACY: return IRX_OK;
	case IRX_ARCHIVE_PT2:
		/* torch's load_pt2 refuses every archive_version but 0, so do we */
		if (a->version && strcmp(a->version, "0"))
			return irx_error_set(
				err, IRX_EUNSUPPORTED,
				"archive_version '%.40s' is not one irx reads (0, torch 2.8 to 2.14)",
				a->version);
		return IRX_OK;
	case IRX_ARCHIVE_AOTI:
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"an AOTInductor package (compiled code, no exported program); "
			"save the program itself with torch.export.save(ep, path) and read that");
	case IRX_ARCHIVE_TORCHSCRIPT:
	case IRX_ARCHIVE_TORCHSCRIPT_LITE:
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"a TorchScript archive%s, not a torch.export program; "
			"TorchScript input is not supported yet: export the model with "
			"torch.export.export and save it with torch.export.save",
			a->kind == IRX_ARCHIVE_TORCHSCRIPT_LITE ? " (lite interpreter)" : "");
	case IRX_ARCHIVE_TORCH_SAVE:
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"a torch.save checkpoint (tensors or a state dict), not an exported "
			"program: export the model with torch.export.export and save it with "
			"torch.export.save");
	case IRX_ARCHIVE_UNKNOWN: break;
	}
	return irx_error_set(
		err, IRX_EUNSUPPORTED,
		"a zip archive with no exported program (no serialized_exported_program.json, "
		"no models/*.json)");
}
