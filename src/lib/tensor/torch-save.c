/*
 * torch-save.c: tensors of a torch.save zip (torch >= 1.6).
 *
 *   <prefix>/data.pkl     the pickled object (pickle.c runs it)
 *   <prefix>/data/<key>   raw storage bytes, named by persistent ids
 *   <prefix>/byteorder    "little" or "big"; absent means little
 *
 * The pickled object is walked depth first; tensors are named by dict key,
 * list position, or the dotted path through nested containers.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tensor/tensor.h"

/* How deep containers may nest: deeper is hostile, not a state dict. */
#define MAX_DEPTH 200
/* Names: each at most this long, and all of them together at most
 * NAME_FACTOR times the pickle's length (each tensor copies its path). */
#define MAX_NAME 65536
#define NAME_FACTOR 64

struct walk {
	struct tensor_pickled st; /* where storages are, and which are mapped */
	struct pk_reader *r;
	size_t visits, max_visits;
	char *name; /* the dotted path being walked */
	size_t len, cap;
	uint64_t name_bytes, max_name_bytes;
	irx_error *err;
};

int tensor_name_push(struct tensor_name *nm, const char *part, size_t n, irx_error *err)
{
	size_t need = nm->len + (nm->len ? 1 : 0) + n + 1;

	if (need > MAX_NAME)
		return irx_error_set(err, IRX_EFORMAT, "a tensor's name is longer than %d bytes",
				     MAX_NAME);
	if (need > nm->cap) {
		size_t cap = need * 2;
		char *p = realloc(nm->buf, cap);
		if (!p)
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		nm->buf = p;
		nm->cap = cap;
	}
	if (nm->len)
		nm->buf[nm->len++] = '.';
	memcpy(nm->buf + nm->len, part, n);
	nm->len += n;
	nm->buf[nm->len] = '\0';
	return IRX_OK;
}

void tensor_name_pop(struct tensor_name *nm, size_t mark)
{
	nm->len = mark;
	if (nm->buf)
		nm->buf[mark] = '\0';
}

static int name_push(struct walk *w, const char *part, size_t n)
{
	struct tensor_name nm = {w->name, w->len, w->cap};
	int rc = tensor_name_push(&nm, part, n, w->err);

	w->name = nm.buf;
	w->len = nm.len;
	w->cap = nm.cap;
	return rc;
}

/* The set's storage for pickle storage S: the entry's bytes, mapped. */
int tensor_map_storage(struct tensor_pickled *st, const struct pk_storage *s, int dtype, int *out,
		       irx_error *err)
{
	char entry[1024];
	const irx_zip_entry *e;
	const uint8_t *data;
	uint64_t bytes;
	size_t len;
	void *owned = NULL;
	int idx, rc;

	if ((*out = st->storage_map[s->index]) >= 0)
		return IRX_OK;
	if (!base_mul_ok(s->numel, s->dtype ? irx_dtype_size(s->dtype) : 1, &bytes))
		return irx_error_set(err, IRX_EFORMAT, "storage '%s': its size overflows", s->key);
	snprintf(entry, sizeof(entry), "%s%s", st->dir, s->key);
	if (!(e = irx_zip_find(st->z, entry)) && st->alt_suffix) {
		snprintf(entry, sizeof(entry), "%s%s%s", st->dir, s->key, st->alt_suffix);
		if (!(e = irx_zip_find(st->z, entry)))
			snprintf(entry, sizeof(entry), "%s%s", st->dir, s->key);
	}
	if (!e)
		return irx_error_set(err, IRX_EFORMAT, "storage '%s': entry '%s' is missing",
				     s->key, entry);
	if (e->usize < bytes)
		return irx_error_set(
			err, IRX_EFORMAT, "storage '%s' holds %llu bytes but entry '%s' has %llu",
			s->key, (unsigned long long)bytes, entry, (unsigned long long)e->usize);
	rc = e->method == 0 ? irx_zip_view(&data, &len, st->z, e, err)
			    : irx_zip_read(&data, &len, &owned, st->z, e, err);
	if (rc || (owned && (rc = tensor_keep(st->t, free, owned)))) {
		base_where_prefix(err, "entry '%s'", entry);
		return rc ? rc : irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	snprintf(entry, sizeof(entry), "%s%s", st->key_prefix ? st->key_prefix : "", s->key);
	if ((idx = tensor_add_storage(st->t, entry, data, bytes, st->z, e)) < 0)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (st->big_endian &&
	    (rc = tensor_swap_storage(st->t, idx, tensor_swap_unit(s->dtype ? s->dtype : dtype),
				      err)))
		return rc;
	*out = st->storage_map[s->index] = idx;
	return IRX_OK;
}

int tensor_add_pickled(struct tensor_pickled *st, const char *name, const struct pk_tensor *p,
		       irx_tensor **out, irx_error *err)
{
	size_t dims = (size_t)(p->ndim ? p->ndim : 1) * sizeof(int64_t);
	irx_tensor *x = tensor_add_tensor(st->t);
	int64_t *shape, *strides;
	int storage, rc;

	if (out)
		*out = x;
	if (!x || !(x->name = tensor_strdup(st->t, name)) ||
	    !(x->device = tensor_strdup(st->t, p->device ? p->device : "cpu")) ||
	    !(shape = tensor_alloc(st->t, dims)) || !(strides = tensor_alloc(st->t, dims)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	memcpy(shape, p->shape, (size_t)p->ndim * sizeof(int64_t));
	memcpy(strides, p->strides, (size_t)p->ndim * sizeof(int64_t));
	x->shape = shape;
	x->strides = strides;
	x->dtype = p->dtype;
	x->ndim = p->ndim;
	x->offset = p->offset;
	x->requires_grad = p->requires_grad;
	x->is_parameter = p->is_parameter;
	if ((rc = tensor_check_shape(x, err)))
		return rc;
	if (!p->storage)
		return IRX_OK;
	if ((rc = tensor_map_storage(st, p->storage, p->dtype, &storage, err)))
		return rc;
	return tensor_bind(st->t, x, storage, err);
}

static int add_tensor(struct walk *w, const struct pk_tensor *p)
{
	if ((w->name_bytes += w->len + 1) > w->max_name_bytes)
		return irx_error_set(w->err, IRX_EFORMAT,
				     "the tensors' names take more than %d times "
				     "the pickle's length",
				     NAME_FACTOR);
	return tensor_add_pickled(&w->st, w->len ? w->name : "0", p, NULL, w->err);
}

static int walk(struct walk *w, const struct pk_value *v, int depth);

/* A dict key as a name part: strings as they are, numbers in decimal. */
static int key_text(struct walk *w, const struct pk_value *k, char *buf, size_t size,
		    const char **text, size_t *n)
{
	switch (k->kind) {
	case PK_STR:
		/* a pickle string may hold anything; a name may not */
		if (base_check_name("dict key", k->u.str.s, k->u.str.len, w->err))
			return IRX_EFORMAT;
		*text = k->u.str.s;
		*n = k->u.str.len;
		return IRX_OK;
	case PK_INT:
		*n = (size_t)snprintf(buf, size, "%lld", (long long)k->u.i);
		*text = buf;
		return IRX_OK;
	default:
		return irx_error_set(w->err, IRX_EUNSUPPORTED,
				     "'%s': a dict key that is not a string or an int",
				     w->len ? w->name : "(top)");
	}
}

static int walk_items(struct walk *w, const struct pk_value *v, int depth)
{
	int dict = v->kind == PK_DICT;
	size_t step = dict ? 2 : 1;

	for (size_t i = 0; i < v->u.seq.n; i += step) {
		size_t mark = w->len, n = 0;
		char buf[32];
		const char *part = "";
		int rc;
		if (dict) {
			if ((rc = key_text(w, v->u.seq.v[i], buf, sizeof(buf), &part, &n)))
				return rc;
		} else {
			n = (size_t)snprintf(buf, sizeof(buf), "%zu", i);
			part = buf;
		}
		if ((rc = name_push(w, part, n)) ||
		    (rc = walk(w, v->u.seq.v[i + step - 1], depth + 1)))
			return rc;
		w->len = mark;
		w->name[w->len] = '\0';
	}
	return IRX_OK;
}

static int walk(struct walk *w, const struct pk_value *v, int depth)
{
	if (depth > MAX_DEPTH)
		return irx_error_set(w->err, IRX_EUNSUPPORTED,
				     "containers nest deeper than %d levels", MAX_DEPTH);
	if (++w->visits > w->max_visits)
		return irx_error_set(
			w->err, IRX_EFORMAT,
			"containers refer to each other more often than the pickle is long");
	switch (v->kind) {
	case PK_TENSOR: return add_tensor(w, v->u.tensor);
	case PK_TUPLE:
	case PK_LIST:
	case PK_DICT: return walk_items(w, v, depth);
	case PK_REFUSED:
		return irx_error_set(w->err, IRX_EUNSUPPORTED, "tensor '%s': %s",
				     w->len ? w->name : "0", v->u.str.s);
	case PK_STORAGE:
		return irx_error_set(w->err, IRX_EUNSUPPORTED,
				     "'%s' is a bare storage, not a tensor; save tensors instead",
				     w->len ? w->name : "(top)");
	default: return IRX_OK; /* numbers, strings, None: not tensors, skipped */
	}
}

static const char *container_name(const struct pk_value *v)
{
	switch (v->kind) {
	case PK_DICT: return "dict";
	case PK_LIST: return "list";
	case PK_TUPLE: return "tuple";
	case PK_TENSOR: return "tensor";
	default: return "object";
	}
}

/* The folder every entry lives in ("archive/"), found from data.pkl. */
static int find_prefix(const irx_zip *z, char *prefix, size_t size, irx_error *err)
{
	for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
		const char *n = irx_zip_entry_at(z, i)->name;
		const char *slash = strchr(n, '/');
		if (!strcmp(n, "data.pkl")) {
			prefix[0] = '\0';
			return IRX_OK;
		}
		if (slash && !strcmp(slash, "/data.pkl") && (size_t)(slash - n) + 2 < size) {
			snprintf(prefix, size, "%.*s/", (int)(slash - n), n);
			return IRX_OK;
		}
	}
	return irx_error_set(err, IRX_EFORMAT, "no data.pkl entry: not a torch.save file");
}

int tensor_read_byteorder(const irx_zip *z, const char *prefix, int *big, irx_error *err)
{
	char name[1024];
	const irx_zip_entry *e;
	const uint8_t *d;
	size_t len;
	void *owned;
	int rc;

	*big = 0;
	snprintf(name, sizeof(name), "%sbyteorder", prefix);
	if (!(e = irx_zip_find(z, name)))
		return IRX_OK;
	if (e->usize > 64)
		return irx_error_set(err, IRX_EFORMAT, "entry '%s' is %llu bytes long", name,
				     (unsigned long long)e->usize);
	if ((rc = irx_zip_read(&d, &len, &owned, z, e, err))) {
		base_where_prefix(err, "entry '%s'", name);
		return rc;
	}
	while (len && (d[len - 1] == '\n' || d[len - 1] == ' '))
		len--;
	if (len == 3 && !memcmp(d, "big", 3))
		*big = 1;
	else if (!(len == 6 && !memcmp(d, "little", 6)))
		rc = irx_error_set(err, IRX_EFORMAT,
				   "byte order '%.*s' is neither 'little' nor 'big'",
				   (int)(len > 20 ? 20 : len), (const char *)d);
	free(owned);
	if (rc)
		base_where(err, "entry '%s'", name);
	return rc;
}

int tensor_read_torch_save(irx_tensors *t, const irx_zip *z, irx_error *err)
{
	struct walk w = {.st = {.t = t, .z = z}, .err = err};
	char prefix[512], entry[1024], dir[1024];
	const irx_zip_entry *e;
	struct pk_value *root;
	const uint8_t *data;
	size_t len;
	void *owned = NULL;
	int rc;

	if ((rc = find_prefix(z, prefix, sizeof(prefix), err)) ||
	    (rc = tensor_read_byteorder(z, prefix, &w.st.big_endian, err)))
		return rc;
	snprintf(entry, sizeof(entry), "%sdata.pkl", prefix);
	e = irx_zip_find(z, entry);
	if ((rc = irx_zip_read(&data, &len, &owned, z, e, err)) ||
	    (rc = fmt_pickle_load(&w.r, data, len, &root, err)))
		goto done;
	snprintf(dir, sizeof(dir), "%sdata/", prefix);
	w.st.dir = dir;
	w.max_visits = len + 1024;
	w.max_name_bytes = (uint64_t)len * NAME_FACTOR + 65536;
	if (!(w.st.storage_map = malloc((fmt_pickle_n_storages(w.r) + 1) * sizeof(int)))) {
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
		goto done;
	}
	memset(w.st.storage_map, 0xff, (fmt_pickle_n_storages(w.r) + 1) * sizeof(int));
	if (!t->container)
		t->container = container_name(root);
	rc = walk(&w, root, 0);
done:
	if (rc)
		base_where_prefix(err, "entry '%s'", entry);
	fmt_pickle_free(w.r);
	free(w.st.storage_map);
	free(w.name);
	free(owned);
	return rc;
}

static void free_zip(void *p) { irx_zip_free(p); }
static void free_blob(void *p) { irx_blob_free(p); }

int tensor_read_nested_torch_save(irx_tensors *t, const irx_zip *z, const irx_zip_entry *e,
				  irx_error *err)
{
	const uint8_t *data;
	size_t len;
	void *owned = NULL;
	irx_blob *b;
	irx_zip *inner;
	int rc;

	if ((rc = e->method == 0 ? irx_zip_view(&data, &len, z, e, err)
				 : irx_zip_read(&data, &len, &owned, z, e, err)) ||
	    (owned && (rc = tensor_keep(t, free, owned))))
		goto fail;
	if ((rc = irx_blob_wrap(&b, data, len, e->name, err)) ||
	    (rc = tensor_keep(t, free_blob, b)) || (rc = irx_zip_open(&inner, b, err)) ||
	    (rc = tensor_keep(t, free_zip, inner)) || (rc = tensor_read_torch_save(t, inner, err)))
		goto fail;
	return IRX_OK;
fail:
	if (rc == IRX_ENOMEM)
		irx_error_set(err, rc, "out of memory");
	base_where_prefix(err, "entry '%s'", e->name);
	return rc;
}
