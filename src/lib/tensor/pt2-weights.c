/*
 * pt2-weights.c: the weights (or constants) a .pt2 archive holds, where
 * formats/pt2-layout.c says they are: a nested torch.save zip (legacy,
 * torch 2.8), or (torch >= 2.9) a config naming, per state_dict key, a raw
 * storage file (shared by views and tied weights) and the tensor's
 * layout, or, with use_pickle, a torch.save file of the tensor.
 *
 * Meta tensors (an export on the meta device) have no data: 0-byte
 * payloads or device "meta".  They are listed, not refused.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tensor/tensor.h"

struct config_walk {
	irx_tensors *t;
	const irx_zip *z;
	const char *dir; /* "<prefix>data/weights/" */
	const char *config_entry;
	json_t *storage_by_entry; /* entry name -> storage index */
	int big_endian;
	irx_error *err;
};

static int fail_in(struct config_walk *w, int code, const char *fqn, const char *field,
		   const char *fmt, ...) BASE_PRINTF(5, 6);

static int fail_in(struct config_walk *w, int code, const char *fqn, const char *field,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	irx_error_vset(w->err, code, fmt, ap);
	va_end(ap);
	base_where(w->err, "entry '%s': /config/%s%s%s", w->config_entry, fqn, field ? "/" : "",
		   field ? field : "");
	return code;
}

/* A SymInt of a TensorMeta: {"as_int": n} (or a bare int in old forms). */
static int sym_int(const json_t *v, int64_t *out)
{
	if (json_is_object(v))
		v = json_object_get(v, "as_int");
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int sym_ints(irx_tensors *t, const json_t *arr, const int64_t **out, int *n)
{
	int64_t *a;
	size_t i;
	json_t *x;

	if (!json_is_array(arr) || json_array_size(arr) > IRX_TENSOR_MAX_DIMS ||
	    !(a = tensor_alloc(t, (json_array_size(arr) + 1) * sizeof(int64_t))))
		return -1;
	json_array_foreach(arr, i, x)
		if (sym_int(x, &a[i]))
			return -1;
	*out = a;
	*n = (int)json_array_size(arr);
	return 0;
}

static const char *device_of(irx_tensors *t, const json_t *dev)
{
	const char *type = json_string_value(json_object_get(dev, "type"));
	json_t *index = json_object_get(dev, "index");
	char buf[96];

	if (!type)
		return "cpu";
	if (json_is_integer(index))
		snprintf(buf, sizeof(buf), "%.60s:%lld", type,
			 (long long)json_integer_value(index));
	else
		snprintf(buf, sizeof(buf), "%.60s", type);
	return tensor_strdup(t, buf);
}

/* The set's storage for payload ENTRY, created on first use. */
static int storage_for(struct config_walk *w, const irx_zip_entry *e, int dtype, int *out)
{
	json_t *known = json_object_get(w->storage_by_entry, e->name);
	const uint8_t *data;
	size_t len;
	int idx, rc;

	if (known) {
		*out = (int)json_integer_value(known);
		return IRX_OK;
	}
	if ((rc = irx_zip_view(&data, &len, w->z, e, w->err))) {
		base_where_prefix(w->err, "entry '%s'", e->name);
		return rc;
	}
	if ((idx = tensor_add_storage(w->t, e->name, data, len, w->z, e)) < 0 ||
	    json_object_set_new(w->storage_by_entry, e->name, json_integer(idx)))
		return irx_error_set(w->err, IRX_ENOMEM, "out of memory");
	if (w->big_endian &&
	    (rc = tensor_swap_storage(w->t, idx, tensor_swap_unit(dtype), w->err))) {
		base_where(w->err, "entry '%s'", e->name);
		return rc;
	}
	*out = idx;
	return IRX_OK;
}

/* use_pickle: the payload is a torch.save file of this one tensor. */
static int pickled_tensor(struct config_walk *w, const char *fqn, const irx_zip_entry *e)
{
	size_t before = w->t->n;
	int rc;

	if ((rc = tensor_read_nested_torch_save(w->t, w->z, e, w->err)))
		return rc;
	if (w->t->n != before + 1)
		return fail_in(w, IRX_EFORMAT, fqn, "path_name",
			       "'%s': the pickled payload holds %zu tensors, not one", fqn,
			       w->t->n - before);
	w->t->tensors[before].name = fqn;
	return IRX_OK;
}

static int config_tensor(struct config_walk *w, const char *fqn, const json_t *pm)
{
	const json_t *path = json_object_get(pm, "path_name");
	const json_t *meta = json_object_get(pm, "tensor_meta");
	const irx_zip_entry *e;
	char entry[1024];
	irx_tensor *x;
	int n_strides, storage = -1, rc;

	if ((rc = base_check_name("tensor name", fqn, strlen(fqn), w->err))) {
		base_where(w->err, "entry '%s': /config/%s", w->config_entry, fqn);
		return rc;
	}
	if (!json_is_string(path) || strchr(json_string_value(path), '/'))
		return fail_in(w, IRX_EFORMAT, fqn, "path_name",
			       "'%s': path_name is not a file name", fqn);
	snprintf(entry, sizeof(entry), "%s%s", w->dir, json_string_value(path));
	if (!(e = irx_zip_find(w->z, entry)))
		return fail_in(w, IRX_EFORMAT, fqn, "path_name",
			       "'%s' refers to entry '%s', which is missing", fqn, entry);
	if (!(fqn = tensor_strdup(w->t, fqn)))
		return irx_error_set(w->err, IRX_ENOMEM, "out of memory");
	if (json_is_true(json_object_get(pm, "use_pickle")))
		return pickled_tensor(w, fqn, e);
	if (!json_is_object(meta))
		return fail_in(w, IRX_EFORMAT, fqn, "tensor_meta", "'%s' has no tensor_meta", fqn);
	if (!(x = tensor_add_tensor(w->t)))
		return irx_error_set(w->err, IRX_ENOMEM, "out of memory");
	x->name = fqn;
	x->dtype = (int)json_integer_value(json_object_get(meta, "dtype"));
	x->requires_grad = json_is_true(json_object_get(meta, "requires_grad"));
	x->is_parameter = json_is_true(json_object_get(pm, "is_param"));
	if (!(x->device = device_of(w->t, json_object_get(meta, "device"))))
		return irx_error_set(w->err, IRX_ENOMEM, "out of memory");
	if (sym_ints(w->t, json_object_get(meta, "sizes"), &x->shape, &x->ndim) ||
	    sym_ints(w->t, json_object_get(meta, "strides"), &x->strides, &n_strides) ||
	    n_strides != x->ndim || sym_int(json_object_get(meta, "storage_offset"), &x->offset))
		return fail_in(w, IRX_EFORMAT, fqn, "tensor_meta",
			       "'%s': sizes, strides and storage_offset must be integers, "
			       "as many strides as sizes",
			       fqn);
	if ((rc = tensor_check_shape(x, w->err))) {
		base_where(w->err, "entry '%s': /config/%s/tensor_meta", w->config_entry, fqn);
		return rc;
	}
	if (e->usize == 0 || !strcmp(x->device, "meta"))
		return IRX_OK; /* exported on meta: no data, by design */
	if ((rc = storage_for(w, e, x->dtype, &storage)))
		return rc;
	if ((rc = tensor_bind(w->t, x, storage, w->err)))
		base_where(w->err, "entry '%s'", entry);
	return rc;
}

static int read_config(irx_tensors *t, const irx_archive *a, const struct fmt_pt2_payloads *p,
		       irx_error *err)
{
	const irx_zip *z = irx_archive_zip(a);
	struct config_walk w = {t, z, p->dir, p->config_entry, NULL, 0, err};
	json_t *doc, *pm;
	const char *fqn;
	int rc;

	if ((rc = tensor_read_byteorder(z, irx_archive_prefix(a), &w.big_endian, err)) ||
	    (rc = fmt_pt2_load_config(a, p, &doc, err)))
		return rc;
	if (!(w.storage_by_entry = json_object())) {
		json_decref(doc);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	json_object_foreach(json_object_get(doc, "config"), fqn, pm)
		if ((rc = config_tensor(&w, fqn, pm)))
			break;
	json_decref(w.storage_by_entry);
	json_decref(doc);
	return rc;
}

int tensor_read_pt2(irx_tensors *t, const irx_archive *a, const char *model, int constants,
		    irx_error *err)
{
	struct fmt_pt2_payloads p;

	if (irx_archive_kind(a) != IRX_ARCHIVE_PT2_LEGACY) {
		if (!model && !(model = irx_archive_model(a, 0)))
			return IRX_OK;
		for (size_t i = 0;; i++) {
			if (i == irx_archive_n_models(a))
				return irx_error_set(err, IRX_EINVAL,
						     "no model '%s' in the archive", model);
			if (!strcmp(irx_archive_model(a, i), model))
				break;
		}
	}
	fmt_pt2_payloads(a, model, constants, &p);
	if (p.pickled)
		return tensor_read_nested_torch_save(t, irx_archive_zip(a), p.pickled, err);
	return p.config ? read_config(t, a, &p, err) : IRX_OK; /* nothing of this kind */
}
