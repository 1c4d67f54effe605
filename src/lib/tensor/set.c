/*
 * set.c: a set of tensors, as the readers build it, and the checks every
 * format shares.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tensor/tensor.h"

/* ---- ownership -------------------------------------------------------- */

int tensor_keep(irx_tensors *t, void (*fn)(void *), void *p)
{
	if (t->n_cleanups == t->cap_cleanups) {
		size_t cap = t->cap_cleanups ? t->cap_cleanups * 2 : 16;
		struct tensor_cleanup *c = realloc(t->cleanups, cap * sizeof(*c));
		if (!c) {
			fn(p);
			return IRX_ENOMEM;
		}
		t->cleanups = c;
		t->cap_cleanups = cap;
	}
	t->cleanups[t->n_cleanups].fn = fn;
	t->cleanups[t->n_cleanups++].p = p;
	return IRX_OK;
}

void *tensor_alloc(irx_tensors *t, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	return p && !tensor_keep(t, free, p) ? p : NULL;
}

char *tensor_strdup(irx_tensors *t, const char *s)
{
	char *p = strdup(s);

	return p && !tensor_keep(t, free, p) ? p : NULL;
}

irx_tensor *tensor_add_tensor(irx_tensors *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		irx_tensor *n = realloc(t->tensors, cap * sizeof(*n));
		if (!n)
			return NULL;
		t->tensors = n;
		t->cap = cap;
	}
	memset(&t->tensors[t->n], 0, sizeof(t->tensors[0]));
	t->tensors[t->n].storage = -1;
	t->tensors[t->n].device = "cpu";
	return &t->tensors[t->n++];
}

int tensor_add_storage(irx_tensors *t, const char *key, const uint8_t *data, uint64_t nbytes,
		       const irx_zip *zip, const irx_zip_entry *entry)
{
	if (t->n_storages == t->cap_storages) {
		size_t cap = t->cap_storages ? t->cap_storages * 2 : 16;
		irx_storage *s = realloc(t->storages, cap * sizeof(*s));
		if (!s)
			return IRX_ENOMEM;
		t->storages = s;
		struct tensor_origin *o = realloc(t->origins, cap * sizeof(*o));
		if (!o)
			return IRX_ENOMEM;
		t->origins = o;
		t->cap_storages = cap;
	}
	if (!(key = tensor_strdup(t, key)))
		return IRX_ENOMEM;
	t->storages[t->n_storages] = (irx_storage){key, data, nbytes, 0};
	t->origins[t->n_storages] = (struct tensor_origin){zip, entry, data};
	return (int)t->n_storages++;
}

/* ---- layouts ----------------------------------------------------------- */

int tensor_check_shape(irx_tensor *x, irx_error *err)
{
	uint64_t numel = 1;

	if (!irx_dtype_size(x->dtype))
		return irx_error_set(
			err, IRX_EUNSUPPORTED, "tensor '%s' has dtype %s, which irx does not read",
			x->name, irx_dtype_name(x->dtype) ? irx_dtype_name(x->dtype) : "(unknown)");
	if (x->ndim < 0 || x->ndim > IRX_TENSOR_MAX_DIMS)
		return irx_error_set(err, IRX_EFORMAT, "tensor '%s' has %d dimensions (at most %d)",
				     x->name, x->ndim, IRX_TENSOR_MAX_DIMS);
	for (int i = 0; i < x->ndim; i++) {
		if (x->shape[i] < 0 || x->strides[i] < 0)
			return irx_error_set(err, IRX_EFORMAT,
					     "tensor '%s' has a negative size or stride", x->name);
		if (!base_mul_ok(numel, (uint64_t)x->shape[i], &numel) || numel > INT64_MAX)
			return irx_error_set(err, IRX_EFORMAT,
					     "tensor '%s': its element count overflows", x->name);
	}
	if (!base_mul_ok(numel, irx_dtype_size(x->dtype), &(uint64_t){0}))
		return irx_error_set(err, IRX_EFORMAT, "tensor '%s': its byte count overflows",
				     x->name);
	x->numel = (int64_t)numel;
	return IRX_OK;
}

/*
 * The bytes a view needs from the start of its storage: (offset + sum of
 * (size-1)*stride + 1) elements; 0 for an empty tensor.  Fails on overflow.
 */
static int view_extent(const irx_tensor *x, uint64_t *bytes)
{
	uint64_t last = (uint64_t)x->offset, step;

	*bytes = 0;
	for (int i = 0; i < x->ndim; i++) {
		if (x->shape[i] == 0)
			return 0;
		if (!base_mul_ok((uint64_t)x->shape[i] - 1, (uint64_t)x->strides[i], &step) ||
		    __builtin_add_overflow(last, step, &last))
			return -1;
	}
	return last == UINT64_MAX || !base_mul_ok(last + 1, irx_dtype_size(x->dtype), bytes) ? -1
											     : 0;
}

int tensor_bind(irx_tensors *t, irx_tensor *x, int storage, irx_error *err)
{
	const irx_storage *s = &t->storages[storage];
	uint64_t need, start;
	int rc;

	if ((rc = tensor_check_shape(x, err)))
		return rc;
	if (x->offset < 0)
		return irx_error_set(err, IRX_EFORMAT, "tensor '%s' has a negative storage offset",
				     x->name);
	if (view_extent(x, &need))
		return irx_error_set(err, IRX_EFORMAT,
				     "tensor '%s': its offset and strides overflow", x->name);
	if (need > s->nbytes)
		return irx_error_set(
			err, IRX_EFORMAT,
			"tensor '%s' reaches byte %llu of storage '%s', which holds %llu", x->name,
			(unsigned long long)need, s->key, (unsigned long long)s->nbytes);
	x->storage = storage;
	t->storages[storage].n_views++;
	start = x->numel ? (uint64_t)x->offset * irx_dtype_size(x->dtype) : 0;
	x->data = s->data ? s->data + start : NULL;
	return IRX_OK;
}

/* ---- byte order -------------------------------------------------------- */

size_t tensor_swap_unit(int dtype)
{
	size_t es = irx_dtype_size(dtype);

	switch (dtype) {
	case IRX_DTYPE_COMPLEX32:
	case IRX_DTYPE_COMPLEX64:
	case IRX_DTYPE_COMPLEX128: return es / 2;
	}
	return es;
}

int tensor_swap_storage(irx_tensors *t, int storage, size_t unit, irx_error *err)
{
	irx_storage *s = &t->storages[storage];
	uint8_t *copy;

	if (unit <= 1 || !s->nbytes)
		return IRX_OK;
	if (s->nbytes % unit)
		return irx_error_set(err, IRX_EFORMAT,
				     "storage '%s' is not a whole number of %zu-byte values",
				     s->key, unit);
	if (s->nbytes > SIZE_MAX || !(copy = malloc((size_t)s->nbytes)) ||
	    tensor_keep(t, free, copy))
		return irx_error_set(err, IRX_ENOMEM, "out of memory swapping storage '%s'",
				     s->key);
	for (uint64_t i = 0; i < s->nbytes; i += unit)
		for (size_t b = 0; b < unit; b++)
			copy[i + b] = s->data[i + unit - 1 - b];
	s->data = copy;
	return IRX_OK;
}

/* ---- the set ----------------------------------------------------------- */

irx_tensors *tensor_set_new(const irx_tensors_options *o)
{
	irx_tensors *t = calloc(1, sizeof(*t));

	if (t && o) {
		t->warn = o->warn;
		t->warn_ctx = o->warn_ctx;
	}
	return t;
}

int tensor_set_index(irx_tensors *t, irx_error *err)
{
	t->slots = 16;
	while (t->slots < 2 * t->n + 2)
		t->slots *= 2;
	if (!(t->by_name = calloc(t->slots, sizeof(*t->by_name))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		size_t h = base_str_hash(t->tensors[i].name) & (t->slots - 1);
		while (t->by_name[h])
			h = (h + 1) & (t->slots - 1);
		t->by_name[h] = (uint32_t)(i + 1);
	}
	return IRX_OK;
}

void irx_tensors_free(irx_tensors *t)
{
	if (!t)
		return;
	/* last kept, first freed: nested zips go before the blobs they read */
	while (t->n_cleanups--)
		t->cleanups[t->n_cleanups].fn(t->cleanups[t->n_cleanups].p);
	free(t->cleanups);
	free(t->tensors);
	free(t->by_name);
	free(t->storages);
	free(t->origins);
	json_decref(t->metadata);
	irx_archive_free(t->archive);
	irx_blob_free(t->blob);
	free(t);
}

/* ---- access ------------------------------------------------------------ */

enum irx_tensors_format irx_tensors_format(const irx_tensors *t) { return t->format; }
const char *irx_tensors_container(const irx_tensors *t) { return t->container; }
size_t irx_tensors_count(const irx_tensors *t) { return t->n; }
size_t irx_tensors_n_storages(const irx_tensors *t) { return t->n_storages; }

const irx_tensor *irx_tensors_at(const irx_tensors *t, size_t i)
{
	return i < t->n ? &t->tensors[i] : NULL;
}

/* The first tensor of that name (a file may repeat one: [x, x]). */
const irx_tensor *irx_tensors_find(const irx_tensors *t, const char *name)
{
	const irx_tensor *found = NULL;

	for (size_t h = base_str_hash(name) & (t->slots - 1); t->by_name[h];
	     h = (h + 1) & (t->slots - 1)) {
		const irx_tensor *x = &t->tensors[t->by_name[h] - 1];
		if (!strcmp(x->name, name) && (!found || x < found))
			found = x;
	}
	return found;
}

const irx_storage *irx_tensors_storage(const irx_tensors *t, size_t i)
{
	return i < t->n_storages ? &t->storages[i] : NULL;
}

const char *irx_tensors_metadata(const irx_tensors *t, const char *key)
{
	return json_string_value(json_object_get(t->metadata, key));
}

void irx_tensors_release(const irx_tensors *t, const void *p, size_t n)
{
	if (t->root)
		irx_blob_release(t->root, p, n);
}

size_t irx_tensors_n_metadata(const irx_tensors *t) { return json_object_size(t->metadata); }

const char *irx_tensors_metadata_key(const irx_tensors *t, size_t i)
{
	void *it = json_object_iter(t->metadata);

	while (it && i--)
		it = json_object_iter_next(t->metadata, it);
	return it ? json_object_iter_key(it) : NULL;
}

irx_status irx_tensors_verify(const irx_tensors *t, irx_error *err)
{
	for (size_t i = 0; i < t->n_storages; i++) {
		const struct tensor_origin *o = &t->origins[i];
		if (!o->zip || !o->entry || o->entry->method != 0)
			continue; /* inflated entries were checked when read */
		if (fmt_crc32(o->raw, (size_t)o->entry->usize) != o->entry->crc) {
			irx_error_set(err, IRX_EFORMAT, "CRC-32 mismatch: the payload is damaged");
			base_where(err, "entry '%s'", o->entry->name);
			return IRX_EFORMAT;
		}
	}
	return IRX_OK;
}
