/*
 * tensor-dump.c: a tensor file shown to a person (a table) or a program
 * (one JSON object).
 *
 * Statistics read every element, so they are taken in slices of a large
 * tensor whose pages are released as soon as they are summed: the
 * resident size of `irx-dump --stats` stays far below the file size.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irx/dump.h"
#include "irx/json.h"
#include "show/show.h"

/* Elements summed per slice of a large contiguous tensor (64 MiB of f32). */
#define SLICE ((int64_t)16 << 20)

static void merge(irx_tensor_stats *into, const irx_tensor_stats *s)
{
	if (s->count) {
		into->min = into->count && into->min < s->min ? into->min : s->min;
		into->max = into->count && into->max > s->max ? into->max : s->max;
	}
	into->sum += s->sum;
	into->count += s->count;
	into->nonfinite += s->nonfinite;
}

static int stats_of(const irx_tensors *set, const irx_tensor *t, irx_tensor_stats *out,
		    irx_error *err)
{
	size_t es = irx_dtype_size(t->dtype);
	int rc;

	if (!irx_tensor_is_contiguous(t) || t->numel <= SLICE) {
		rc = irx_tensor_stats_of(out, t, err);
		if (!rc && irx_tensor_is_contiguous(t))
			irx_tensors_release(set, t->data, (size_t)t->numel * es);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	for (int64_t at = 0; at < t->numel; at += SLICE) {
		int64_t n = t->numel - at < SLICE ? t->numel - at : SLICE, one = 1;
		irx_tensor slice = *t;
		irx_tensor_stats s;
		slice.ndim = 1;
		slice.shape = &n;
		slice.strides = &one;
		slice.numel = n;
		slice.data = t->data + at * (int64_t)es;
		if ((rc = irx_tensor_stats_of(&s, &slice, err)))
			return rc;
		merge(out, &s);
		irx_tensors_release(set, slice.data, (size_t)n * es);
	}
	out->mean = out->count ? out->sum / (double)out->count : 0;
	return IRX_OK;
}

/*
 * The first two tensors on each storage and how many there are, in one
 * pass: asking every tensor for its sharers by a scan is quadratic, and a
 * small file can hold 10^5 views of one storage.  FIRST holds 3 entries
 * per storage.
 */
static size_t *sharers(const irx_tensors *set)
{
	size_t ns = irx_tensors_n_storages(set), *first = calloc(3 * ns + 1, sizeof(*first));

	for (size_t j = 0; first && j < irx_tensors_count(set); j++) {
		const irx_tensor *u = irx_tensors_at(set, j);
		size_t *f =
			u->storage >= 0 && (size_t)u->storage < ns ? first + 3 * u->storage : NULL;
		if (f && f[2] < 2)
			f[f[2]] = j;
		if (f)
			f[2]++;
	}
	return first;
}

/* The first other tensor on T's storage, and how many others there are. */
static const char *sharer(const irx_tensors *set, const size_t *first, size_t i, size_t *others)
{
	const irx_tensor *t = irx_tensors_at(set, i);
	const size_t *f;

	*others = 0;
	if (t->storage < 0 || (f = first + 3 * t->storage)[2] < 2)
		return NULL;
	*others = f[2] - 1;
	return irx_tensors_at(set, f[0] != i ? f[0] : f[1])->name;
}

static json_t *stats_json(const irx_tensor_stats *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "sum", json_real(s->sum));
	json_object_set_new(o, "min", s->count ? json_real(s->min) : json_null());
	json_object_set_new(o, "max", s->count ? json_real(s->max) : json_null());
	json_object_set_new(o, "mean", s->count ? json_real(s->mean) : json_null());
	json_object_set_new(o, "nonfinite", json_integer((json_int_t)s->nonfinite));
	return o;
}

static json_t *shape_json(const irx_tensor *t)
{
	json_t *a = json_array();

	for (int d = 0; d < t->ndim; d++)
		json_array_append_new(a, json_integer(t->shape[d]));
	return a;
}

int show_tensors_json(const irx_tensors *set, json_t **out, irx_error *err)
{
	json_t *list = json_array();
	int rc = IRX_OK;

	for (size_t i = 0; i < irx_tensors_count(set) && !rc; i++) {
		const irx_tensor *t = irx_tensors_at(set, i);
		irx_tensor_stats s;
		json_t *o = json_pack("{s:s,s:s,s:o}", "name", t->name, "dtype",
				      irx_dtype_name(t->dtype), "shape", shape_json(t));
		if (!o) { /* JSON holds UTF-8 only: fail rather than leave the tensor out */
			rc = irx_error_set(err, IRX_EFORMAT,
					   "tensor %zu: its name is not valid UTF-8", i);
			break;
		}
		if (t->storage >= 0) {
			if (!(rc = stats_of(set, t, &s, err)))
				json_object_set_new(o, "stats", stats_json(&s));
		} else {
			json_object_set_new(o, "stats", json_null());
		}
		json_array_append_new(list, o);
	}
	if (rc)
		json_decref(list);
	*out = rc ? NULL : list;
	return rc;
}

void show_put_shape(char *buf, size_t size, const irx_tensor *t)
{
	size_t n = (size_t)snprintf(buf, size, "[");

	for (int d = 0; d < t->ndim && n < size; d++)
		n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
				      (long long)t->shape[d]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

static const char *format_name(enum irx_tensors_format f)
{
	switch (f) {
	case IRX_TENSORS_TORCH_SAVE: return "torch.save file";
	case IRX_TENSORS_SAFETENSORS: return "safetensors file";
	case IRX_TENSORS_PT2: return ".pt2 archive";
	case IRX_TENSORS_TORCHSCRIPT: return "TorchScript archive";
	}
	return "tensor file";
}

static void put_header(FILE *f, const irx_tensors *set, const char *title, int w_name)
{
	uint64_t bytes = 0;
	size_t no_data = 0;

	for (size_t i = 0; i < irx_tensors_n_storages(set); i++)
		bytes += irx_tensors_storage(set, i)->nbytes;
	for (size_t i = 0; i < irx_tensors_count(set); i++)
		no_data += irx_tensors_at(set, i)->storage < 0;
	fprintf(f, "%s: %s of %zu tensor%s, %zu storage%s, %llu bytes of data",
		title ? title : format_name(irx_tensors_format(set)), irx_tensors_container(set),
		irx_tensors_count(set), irx_tensors_count(set) == 1 ? "" : "s",
		irx_tensors_n_storages(set), irx_tensors_n_storages(set) == 1 ? "" : "s",
		(unsigned long long)bytes);
	if (no_data)
		fprintf(f, ", %zu without data", no_data);
	fputc('\n', f);
	for (size_t i = 0; i < irx_tensors_n_metadata(set); i++) {
		const char *k = irx_tensors_metadata_key(set, i);
		fputs("metadata ", f), irx_escape_print(f, k, 0), fputs(": ", f);
		irx_escape_print(f, irx_tensors_metadata(set, k), 0), putc('\n', f);
	}
	fprintf(f, "%-*s  %-13s %-20s %12s  %s\n", w_name, "name", "dtype", "shape", "bytes",
		"data");
}

int show_stats_text(FILE *f, const irx_tensors *set, const irx_tensor *t, irx_error *err)
{
	irx_tensor_stats s;
	int rc = stats_of(set, t, &s, err);

	if (rc)
		return rc;
	if (s.count)
		fprintf(f, "  sum=%.9g min=%.9g max=%.9g mean=%.9g", s.sum, s.min, s.max, s.mean);
	else
		fputs("  sum=0 min=- max=- mean=-", f);
	fprintf(f, " nonfinite=%llu", (unsigned long long)s.nonfinite);
	return IRX_OK;
}

int show_tensors_text(FILE *f, const irx_tensors *set, const char *title, int with_stats,
		      irx_error *err)
{
	int w_name = 4;

	for (size_t i = 0; i < irx_tensors_count(set); i++) {
		const char *name = irx_tensors_at(set, i)->name;
		/* names are printed escaped: the column fits what is printed */
		int n = (int)irx_escape(NULL, 0, name, strlen(name));
		w_name = n > w_name ? (n < 60 ? n : 60) : w_name;
	}
	size_t *first = sharers(set);
	if (!first)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	put_header(f, set, title, w_name);
	for (size_t i = 0; i < irx_tensors_count(set); i++) {
		const irx_tensor *t = irx_tensors_at(set, i);
		char shape[256];
		size_t others;
		const char *with = sharer(set, first, i, &others);
		show_put_shape(shape, sizeof(shape), t);
		irx_escape_print(f, t->name, w_name);
		fprintf(f, "  %-13s %-20s %12llu  ", irx_dtype_name(t->dtype), shape,
			(unsigned long long)irx_tensor_nbytes(t));
		if (t->storage < 0)
			fputs("no data (", f), irx_escape_print(f, t->device, 0), putc(')', f);
		else if (with)
			fputs("shares storage with ", f), irx_escape_print(f, with, 0),
				fputs(others > 1 ? " and others" : "", f);
		else
			fputs("yes", f);
		if (with_stats && t->storage >= 0) {
			int rc = show_stats_text(f, set, t, err);
			if (rc) {
				free(first);
				return rc;
			}
		}
		fputc('\n', f);
	}
	free(first);
	return base_write_status(f, err);
}

irx_status irx_dump_tensors(FILE *f, const irx_tensors *set, enum irx_dump_format fmt,
			    int with_stats, irx_error *err)
{
	json_t *doc, *list;
	int rc;

	if (fmt == IRX_DUMP_TEXT)
		return show_tensors_text(f, set, NULL, with_stats, err);
	if ((rc = show_tensors_json(set, &list, err)))
		return rc;
	doc = json_pack("{s:o}", "tensors", list);
	rc = irx_json_write(f, doc, IRX_JSON_PRETTY, err);
	json_decref(doc);
	return rc;
}
