/*
 * write.c: safetensors and torch.save files from tensors in memory.
 *
 * Every tensor is written contiguous, in its own storage.  Payloads go out
 * straight from t->data when they are already dense, and otherwise are
 * gathered a chunk at a time, so a strided view of a huge storage never
 * needs a second full copy.  Output is a function of the input alone (no
 * times, no random ids): the same tensors give the same bytes.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "irx/tensor.h"
#include "tensor/tensor.h"

#define CHUNK ((size_t)1 << 20)

/* ---- shared by both formats ---------------------------------------------- */

struct sized {
	uint64_t numel, nbytes;
};

/* "tensor 'name'", or "tensor 3" for one without a name. */
static const char *label(const irx_tensor *t, size_t i, char *buf, size_t size)
{
	if (t && t->name)
		snprintf(buf, size, "tensor '%s'", t->name);
	else
		snprintf(buf, size, "tensor %zu", i);
	return buf;
}

static int check_tensor(const irx_tensor *t, size_t i, struct sized *sz, irx_error *err)
{
	char what[160];

	if (!t)
		return irx_error_set(err, IRX_EINVAL, "tensor %zu is NULL", i);
	label(t, i, what, sizeof(what));
	if (!irx_dtype_size(t->dtype))
		return irx_error_set(err, IRX_EUNSUPPORTED, "%s has unknown dtype %d", what,
				     t->dtype);
	if (t->ndim < 0 || t->ndim > IRX_TENSOR_MAX_DIMS || (t->ndim && !t->shape))
		return irx_error_set(err, IRX_EINVAL, "%s has %d dimensions", what, t->ndim);
	if (!tensor_size(t, &sz->numel, &sz->nbytes))
		return irx_error_set(err, IRX_EINVAL, "%s has a negative or too large shape", what);
	/* An empty tensor needs no bytes, so one without storage is fine. */
	if (!t->data && sz->nbytes)
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"%s has no data (device '%s'); only tensors with data can be written", what,
			t->device ? t->device : "meta");
	return IRX_OK;
}

static int check_all(const irx_tensor *const *ts, size_t n, struct sized **out, irx_error *err)
{
	struct sized *sz;
	int rc;

	*out = NULL;
	if (n && !ts)
		return irx_error_set(err, IRX_EINVAL, "no tensor array for %zu tensors", n);
	if (!(sz = calloc(n ? n : 1, sizeof(*sz))))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate %zu tensor sizes", n);
	for (size_t i = 0; i < n; i++)
		if ((rc = check_tensor(ts[i], i, &sz[i], err))) {
			free(sz);
			return rc;
		}
	*out = sz;
	return IRX_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys must be present, UTF-8 (both formats store text) and unique. */
static int check_names(const irx_tensor *const *ts, size_t n, irx_error *err)
{
	const char **v;
	int rc = IRX_OK;

	if (!(v = malloc((n ? n : 1) * sizeof(*v))))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate %zu names", n);
	for (size_t i = 0; i < n && !rc; i++) {
		json_t *s;

		if (!(v[i] = ts[i]->name)) {
			rc = irx_error_set(err, IRX_EINVAL, "tensor %zu has no name", i);
			break;
		}
		if (strlen(v[i]) > UINT32_MAX) { /* BINUNICODE's length field */
			rc = irx_error_set(err, IRX_EINVAL,
					   "tensor %zu has a name too long to store", i);
			break;
		}
		/* jansson refuses what is not UTF-8: our validator. */
		if (!(s = json_string(v[i])))
			rc = irx_error_set(err, IRX_EINVAL,
					   "tensor %zu has a name that is not UTF-8", i);
		json_decref(s);
	}
	if (!rc)
		qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 1; i < n && !rc; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			rc = irx_error_set(err, IRX_EINVAL, "two tensors are named '%s'", v[i]);
	free(v);
	return rc;
}

typedef int (*sink_fn)(void *ctx, const void *p, size_t len, irx_error *err);

/* T's bytes in row-major order, to SINK. */
static int write_payload(const irx_tensor *t, const struct sized *sz, sink_fn sink, void *ctx,
			 irx_error *err)
{
	size_t es = irx_dtype_size(t->dtype), per = CHUNK / es;
	uint8_t *buf;
	int rc = IRX_OK;

	if (!sz->nbytes)
		return IRX_OK;
	if (irx_tensor_is_contiguous(t))
		return sink(ctx, t->data, (size_t)sz->nbytes, err);
	if (!(buf = malloc(sz->nbytes < CHUNK ? (size_t)sz->nbytes : per * es)))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate a copy buffer");
	for (uint64_t first = 0; first < sz->numel && !rc; first += per) {
		uint64_t k = sz->numel - first < per ? sz->numel - first : per;

		tensor_gather(t, first, k, buf);
		rc = sink(ctx, buf, (size_t)k * es, err);
	}
	free(buf);
	return rc;
}

/* ---- safetensors ------------------------------------------------------------ */

static const char *st_dtype(int dtype)
{
	switch (dtype) {
	case IRX_DTYPE_FLOAT64: return "F64";
	case IRX_DTYPE_FLOAT32: return "F32";
	case IRX_DTYPE_FLOAT16: return "F16";
	case IRX_DTYPE_BFLOAT16: return "BF16";
	case IRX_DTYPE_INT64: return "I64";
	case IRX_DTYPE_INT32: return "I32";
	case IRX_DTYPE_INT16: return "I16";
	case IRX_DTYPE_INT8: return "I8";
	case IRX_DTYPE_UINT8: return "U8";
	case IRX_DTYPE_BOOL: return "BOOL";
	case IRX_DTYPE_UINT16: return "U16";
	case IRX_DTYPE_UINT32: return "U32";
	case IRX_DTYPE_UINT64: return "U64";
	case IRX_DTYPE_FLOAT8_E4M3FN: return "F8_E4M3";
	case IRX_DTYPE_FLOAT8_E5M2: return "F8_E5M2";
	case IRX_DTYPE_FLOAT8_E8M0FNU: return "F8_E8M0";
	case IRX_DTYPE_COMPLEX64: return "C64";
	}
	return NULL;
}

/* safetensors' own limit: its readers refuse a longer header. */
#define ST_MAX_HEADER 100000000u

static json_t *st_entry(const irx_tensor *t, uint64_t begin, uint64_t end)
{
	json_t *e = json_object(), *shape = json_array(), *offs = json_array();
	int bad = !e || !shape || !offs;

	for (int d = 0; d < t->ndim && !bad; d++)
		bad = json_array_append_new(shape, json_integer(t->shape[d]));
	bad = bad || json_array_append_new(offs, json_integer((json_int_t)begin)) ||
	      json_array_append_new(offs, json_integer((json_int_t)end)) ||
	      json_object_set_new(e, "dtype", json_string(st_dtype(t->dtype))) ||
	      json_object_set(e, "shape", shape) || json_object_set(e, "data_offsets", offs);
	json_decref(shape);
	json_decref(offs);
	if (bad) {
		json_decref(e);
		return NULL;
	}
	return e;
}

static int st_metadata(json_t *hdr, const char *const *md, irx_error *err)
{
	json_t *m = json_object();

	if (!m || json_object_set_new(hdr, "__metadata__", m))
		return irx_error_set(err, IRX_ENOMEM, "cannot build safetensors metadata");
	for (; *md; md += 2) {
		if (!md[1])
			return irx_error_set(err, IRX_EINVAL, "metadata key '%s' has no value",
					     md[0]);
		if (json_object_set_new(m, md[0], json_string(md[1])))
			return irx_error_set(err, IRX_EINVAL,
					     "metadata key '%s' or its value is not UTF-8", md[0]);
	}
	return IRX_OK;
}

/* The JSON header, in input order, as new text. */
static int st_header(const irx_tensor *const *ts, size_t n, const struct sized *sz,
		     const char *const *md, char **text, irx_error *err)
{
	json_t *hdr = json_object();
	uint64_t off = 0;
	char what[160];
	int rc = IRX_OK;

	if (!hdr)
		return irx_error_set(err, IRX_ENOMEM, "cannot build safetensors header");
	if (md)
		rc = st_metadata(hdr, md, err);
	for (size_t i = 0; i < n && !rc; i++) {
		json_t *e;

		label(ts[i], i, what, sizeof(what));
		if (!st_dtype(ts[i]->dtype))
			rc = irx_error_set(err, IRX_EUNSUPPORTED,
					   "%s is %s, which safetensors cannot store", what,
					   irx_dtype_name(ts[i]->dtype));
		else if (strcmp(ts[i]->name, "__metadata__") == 0)
			rc = irx_error_set(err, IRX_EINVAL, "%s: the name is safetensors' own",
					   what);
		else if (sz[i].nbytes > (uint64_t)INT64_MAX - off)
			rc = irx_error_set(err, IRX_EINVAL, "%s ends past 2^63 bytes", what);
		else if (!(e = st_entry(ts[i], off, off + sz[i].nbytes)) ||
			 json_object_set_new(hdr, ts[i]->name, e))
			rc = irx_error_set(err, IRX_ENOMEM, "cannot build safetensors header");
		else
			off += sz[i].nbytes;
	}
	if (!rc && !(*text = json_dumps(hdr, JSON_COMPACT)))
		rc = irx_error_set(err, IRX_ENOMEM, "cannot build safetensors header");
	json_decref(hdr);
	return rc;
}

static int file_sink(void *ctx, const void *p, size_t len, irx_error *err)
{
	errno = 0;
	if (fwrite(p, 1, len, ctx) != len)
		return irx_error_set(err, IRX_EIO, "cannot write safetensors data: %s",
				     errno ? strerror(errno) : "short write");
	return IRX_OK;
}

static int st_write_header(FILE *f, const char *text, irx_error *err)
{
	static const char spaces[] = "        ";
	size_t len = strlen(text), padded = (len + 7) & ~(size_t)7;
	uint8_t head[8];
	int rc;

	/* Padding the header to 8 bytes aligns every payload's start. */
	if (padded > ST_MAX_HEADER)
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"safetensors header would be %zu bytes (readers take at most %u)", padded,
			ST_MAX_HEADER);
	for (int k = 0; k < 8; k++)
		head[k] = (uint8_t)((uint64_t)padded >> (8 * k));
	if ((rc = file_sink(f, head, sizeof(head), err)) || (rc = file_sink(f, text, len, err)))
		return rc;
	return file_sink(f, spaces, padded - len, err);
}

irx_status irx_safetensors_write(FILE *f, const irx_tensor *const *tensors, size_t n,
				 const char *const *metadata, irx_error *err)
{
	struct sized *sz;
	char *text = NULL;
	char what[160];
	int rc;

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	/* NEEDSWORK: swap each element on the way out. */
	return irx_error_set(err, IRX_EUNSUPPORTED,
			     "safetensors files are little-endian; this host is not");
#endif
	if ((rc = check_all(tensors, n, &sz, err)))
		return rc;
	if ((rc = check_names(tensors, n, err)) ||
	    (rc = st_header(tensors, n, sz, metadata, &text, err)) ||
	    (rc = st_write_header(f, text, err)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = write_payload(tensors[i], &sz[i], file_sink, f, err))) {
			base_where(err, "%s", label(tensors[i], i, what, sizeof(what)));
			goto out;
		}
	if (fflush(f))
		rc = irx_error_set(err, IRX_EIO, "cannot write safetensors data: %s",
				   strerror(errno));
out:
	base_json_free(text);
	free(sz);
	return rc;
}

/* ---- torch.save: data.pkl ------------------------------------------------- */

/*
 * A protocol-2 pickle written as Python's pickler writes the objects
 * torch.save pickles: every string, tuple, global and reduced object is
 * memoized (BINPUT), and an object pickled again (a global, or the
 * 'storage' and 'cpu' constants, which are one object in torch) is
 * fetched back (BINGET).  torch.load needs none of that, but the bytes
 * then match torch's own.
 */
/* Packed like a table, by hand */
/* clang-format off */
enum {
	OP_MARK = '(', OP_STOP = '.', OP_BININT = 'J', OP_BININT1 = 'K', OP_BININT2 = 'M',
	OP_BINPERSID = 'Q', OP_REDUCE = 'R', OP_BINUNICODE = 'X', OP_APPEND = 'a',
	OP_GLOBAL = 'c', OP_APPENDS = 'e', OP_BINGET = 'h', OP_LONG_BINGET = 'j',
	OP_BINPUT = 'q', OP_LONG_BINPUT = 'r', OP_SETITEM = 's', OP_TUPLE = 't',
	OP_SETITEMS = 'u', OP_EMPTY_LIST = ']', OP_EMPTY_TUPLE = ')', OP_PROTO = 0x80,
	OP_TUPLE1 = 0x85, OP_TUPLE2 = 0x86, OP_TUPLE3 = 0x87, OP_NEWFALSE = 0x89,
	OP_LONG1 = 0x8a,
};
/* clang-format on */

#define PW_SEEN 48
#define PW_BATCH 1000 /* _pickle.c's BATCHSIZE */

struct pw {
	uint8_t *buf;
	size_t len, cap;
	int oom;
	uint32_t memo; /* next memo slot */
	/* Objects memoized once and fetched afterwards: globals by module
	 * and name, shared strings by text (module NULL). */
	struct {
		const char *module, *name;
		uint32_t slot;
	} seen[PW_SEEN];
	size_t n_seen;
};

static void pw_bytes(struct pw *w, const void *p, size_t n)
{
	if (w->oom)
		return;
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *nb;

		while (cap - w->len < n && cap <= SIZE_MAX / 2)
			cap *= 2;
		if (cap - w->len < n || !(nb = realloc(w->buf, cap))) {
			w->oom = 1;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void pw_op(struct pw *w, uint8_t op) { pw_bytes(w, &op, 1); }

/* OP and a little-endian operand of N bytes. */
static void pw_op_le(struct pw *w, uint8_t op, uint64_t v, int n)
{
	uint8_t b[9];

	b[0] = op;
	for (int k = 0; k < n; k++)
		b[1 + k] = (uint8_t)(v >> (8 * k));
	pw_bytes(w, b, 1 + (size_t)n);
}

static uint32_t pw_put(struct pw *w)
{
	uint32_t slot = w->memo++;

	if (slot < 256)
		pw_op_le(w, OP_BINPUT, slot, 1);
	else
		pw_op_le(w, OP_LONG_BINPUT, slot, 4);
	return slot;
}

static void pw_get(struct pw *w, uint32_t slot)
{
	if (slot < 256)
		pw_op_le(w, OP_BINGET, slot, 1);
	else
		pw_op_le(w, OP_LONG_BINGET, slot, 4);
}

/* The smallest encoding, as pickle.py's save_long picks it. */
static void pw_int(struct pw *w, int64_t v)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	uint8_t b[11];
	int nb;

	if (v >= 0 && v <= 0xffff) {
		pw_op_le(w, v <= 0xff ? OP_BININT1 : OP_BININT2, (uint64_t)v, v <= 0xff ? 1 : 2);
		return;
	}
	if (v >= INT32_MIN && v <= INT32_MAX) {
		pw_op_le(w, OP_BININT, (uint64_t)v, 4);
		return;
	}
	/* LONG1: two's complement, little-endian, as few bytes as hold the
	 * sign (encode_long). */
	nb = ((64 - __builtin_clzll(mag)) >> 3) + 1;
	b[0] = OP_LONG1;
	for (int k = 0; k < nb; k++)
		b[2 + k] = k < 8 ? (uint8_t)((uint64_t)v >> (8 * k)) : (v < 0 ? 0xff : 0);
	if (v < 0 && nb > 1 && b[1 + nb] == 0xff && (b[nb] & 0x80))
		nb--;
	b[1] = (uint8_t)nb;
	pw_bytes(w, b, 2 + (size_t)nb);
}

static void pw_str(struct pw *w, const char *s)
{
	size_t n = strlen(s);

	pw_op_le(w, OP_BINUNICODE, n, 4);
	pw_bytes(w, s, n);
	pw_put(w);
}

/* A global or shared string (MODULE NULL): its memo slot after the first
 * time. */
static void pw_once(struct pw *w, const char *module, const char *name)
{
	size_t i;

	for (i = 0; i < w->n_seen; i++) {
		const char *m = w->seen[i].module;

		if (!strcmp(w->seen[i].name, name) &&
		    (m && module ? !strcmp(m, module) : m == module)) {
			pw_get(w, w->seen[i].slot);
			return;
		}
	}
	if (module) {
		pw_op(w, OP_GLOBAL);
		pw_bytes(w, module, strlen(module));
		pw_op(w, '\n');
		pw_bytes(w, name, strlen(name));
		pw_op(w, '\n');
		pw_put(w);
	} else {
		pw_str(w, name);
	}
	/* A full table only costs bytes: the object is pickled again. */
	if (i < PW_SEEN) {
		w->seen[i].module = module;
		w->seen[i].name = name;
		w->seen[i].slot = w->memo - 1;
		w->n_seen++;
	}
}

/* A tuple of N items, saved by the caller between the two calls. */
static void pw_tuple_open(struct pw *w, size_t n)
{
	if (n > 3)
		pw_op(w, OP_MARK);
}

static void pw_tuple_close(struct pw *w, size_t n)
{
	static const uint8_t ops[] = {OP_EMPTY_TUPLE, OP_TUPLE1, OP_TUPLE2, OP_TUPLE3};

	pw_op(w, n <= 3 ? ops[n] : OP_TUPLE);
	if (n) /* () is a singleton pickle.py never memoizes */
		pw_put(w);
}

static void pw_int_tuple(struct pw *w, const int64_t *v, int n)
{
	pw_tuple_open(w, (size_t)n);
	for (int k = 0; k < n; k++)
		pw_int(w, v[k]);
	pw_tuple_close(w, (size_t)n);
}

static void pw_ordered_dict(struct pw *w)
{
	pw_once(w, "collections", "OrderedDict");
	pw_op(w, OP_EMPTY_TUPLE);
	pw_op(w, OP_REDUCE);
	pw_put(w);
}

/* torch/storage.py _dtype_to_storage_type_map; NULL: a dtype torch pickles
 * as an UntypedStorage with _rebuild_tensor_v3. */
static const char *storage_class(int dtype)
{
	switch (dtype) {
	case IRX_DTYPE_FLOAT64: return "DoubleStorage";
	case IRX_DTYPE_FLOAT32: return "FloatStorage";
	case IRX_DTYPE_FLOAT16: return "HalfStorage";
	case IRX_DTYPE_BFLOAT16: return "BFloat16Storage";
	case IRX_DTYPE_INT64: return "LongStorage";
	case IRX_DTYPE_INT32: return "IntStorage";
	case IRX_DTYPE_INT16: return "ShortStorage";
	case IRX_DTYPE_INT8: return "CharStorage";
	case IRX_DTYPE_UINT8: return "ByteStorage";
	case IRX_DTYPE_BOOL: return "BoolStorage";
	case IRX_DTYPE_COMPLEX64: return "ComplexFloatStorage";
	case IRX_DTYPE_COMPLEX128: return "ComplexDoubleStorage";
	}
	return NULL;
}

/*
 * Tensor T over storage KEY, as Tensor._reduce_ex_internal reduces it:
 * _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()), or
 * for the newer dtypes _rebuild_tensor_v3(..., dtype) over untyped bytes.
 */
static void pw_tensor(struct pw *w, const irx_tensor *t, size_t key, const struct sized *sz)
{
	const char *cls = storage_class(t->dtype);
	int64_t strides[IRX_TENSOR_MAX_DIMS];
	char keystr[24];

	pw_once(w, "torch._utils", cls ? "_rebuild_tensor_v2" : "_rebuild_tensor_v3");
	pw_tuple_open(w, cls ? 6 : 7);
	/* The persistent id ('storage', class, key, location, numel). */
	pw_tuple_open(w, 5);
	pw_once(w, NULL, "storage");
	/* torch.save names UntypedStorage by its defining module, and
	 * torch.load(weights_only=True) allows only that name. */
	pw_once(w, cls ? "torch" : "torch.storage", cls ? cls : "UntypedStorage");
	snprintf(keystr, sizeof(keystr), "%zu", key);
	pw_str(w, keystr);
	pw_once(w, NULL, "cpu"); /* the bytes are the host copy */
	pw_int(w, (int64_t)(cls ? sz->numel : sz->nbytes));
	pw_tuple_close(w, 5);
	pw_op(w, OP_BINPERSID);
	pw_int(w, 0);
	pw_int_tuple(w, t->shape, t->ndim);
	tensor_contiguous_strides(t->ndim, t->shape, strides);
	pw_int_tuple(w, strides, t->ndim);
	pw_op(w, OP_NEWFALSE); /* requires_grad */
	pw_ordered_dict(w);    /* backward hooks */
	if (!cls)
		pw_once(w, "torch", irx_dtype_name(t->dtype));
	pw_tuple_close(w, cls ? 6 : 7);
	pw_op(w, OP_REDUCE);
	pw_put(w);
}

/*
 * The items of a list or dict, in _pickle.c's batches of 1000 between MARK
 * and APPENDS or SETITEMS.  An OrderedDict, pickled through an iterator,
 * ends with a lone last item as key, value, SETITEM; a list writes APPEND
 * only when it holds one item.
 */
static void pw_items(struct pw *w, const irx_tensor *const *ts, size_t n, const struct sized *sz,
		     int dict)
{
	for (size_t i = 0; i < n; i += PW_BATCH) {
		size_t m = n - i < PW_BATCH ? n - i : PW_BATCH;
		int lone = dict ? m == 1 : n == 1;

		if (!lone)
			pw_op(w, OP_MARK);
		for (size_t k = i; k < i + m; k++) {
			if (dict)
				pw_str(w, ts[k]->name);
			pw_tensor(w, ts[k], k, &sz[k]);
		}
		if (dict)
			pw_op(w, lone ? OP_SETITEM : OP_SETITEMS);
		else
			pw_op(w, lone ? OP_APPEND : OP_APPENDS);
	}
}

static int pickle_tensors(const irx_tensor *const *ts, size_t n, const struct sized *sz,
			  enum irx_torch_save_container c, struct pw *w, irx_error *err)
{
	pw_op_le(w, OP_PROTO, 2, 1);
	if (c == IRX_SAVE_TUPLE) {
		pw_tuple_open(w, n);
		for (size_t i = 0; i < n; i++)
			pw_tensor(w, ts[i], i, &sz[i]);
		pw_tuple_close(w, n);
	} else {
		if (c == IRX_SAVE_DICT) {
			pw_ordered_dict(w);
		} else {
			pw_op(w, OP_EMPTY_LIST);
			pw_put(w);
		}
		pw_items(w, ts, n, sz, c == IRX_SAVE_DICT);
	}
	pw_op(w, OP_STOP);
	if (w->oom)
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate data.pkl");
	return IRX_OK;
}

/* ---- torch.save: the zip ----------------------------------------------------- */

#define MAX_ARCHIVE_NAME 1024

static int zip_sink(void *ctx, const void *p, size_t len, irx_error *err)
{
	return fmt_zipw_write(ctx, p, len, err);
}

static int add_record(struct fmt_zipw *zw, const char *prefix, const char *rel, const void *data,
		      size_t len, irx_error *err)
{
	char name[MAX_ARCHIVE_NAME + 64];

	snprintf(name, sizeof(name), "%s/%s", prefix, rel);
	return fmt_zipw_add(zw, name, data, len, err);
}

static int add_storage(struct fmt_zipw *zw, const char *prefix, const irx_tensor *t, size_t i,
		       const struct sized *sz, irx_error *err)
{
	char name[MAX_ARCHIVE_NAME + 64];
	int rc;

	snprintf(name, sizeof(name), "%s/data/%zu", prefix, i);
	if ((rc = fmt_zipw_begin(zw, name, sz->nbytes, err)) ||
	    (rc = write_payload(t, sz, zip_sink, zw, err)))
		return rc;
	return fmt_zipw_end(zw, err);
}

/* The records in torch's order: data.pkl, byteorder, storages, then the
 * two PyTorchStreamWriter adds on closing. */
static int write_zip(FILE *f, const char *prefix, const struct pw *pkl, const irx_tensor *const *ts,
		     size_t n, const struct sized *sz, irx_error *err)
{
	const char *order = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "little" : "big";
	struct fmt_zipw *zw;
	char id[41];
	uint64_t total = 0;
	int rc;

	if ((rc = fmt_zipw_open(&zw, f, err)))
		return rc;
	if ((rc = add_record(zw, prefix, "data.pkl", pkl->buf, pkl->len, err)) ||
	    (rc = add_record(zw, prefix, "byteorder", order, strlen(order), err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rc = add_storage(zw, prefix, ts[i], i, &sz[i], err)))
			goto out;
		total += sz[i].nbytes;
	}
	/* torch draws this id at random; ours is a fingerprint of the
	 * records, so the same tensors make the same file. */
	snprintf(id, sizeof(id), "%020" PRIu64 "%020" PRIu64, fmt_zipw_digest(zw), total);
	if ((rc = add_record(zw, prefix, "version", "3\n", 2, err)) ||
	    (rc = add_record(zw, prefix, ".data/serialization_id", id, strlen(id), err)))
		goto out;
	rc = fmt_zipw_finish(zw, err);
out:
	fmt_zipw_free(zw);
	return rc;
}

/* torch's reader takes the archive name from the first entry up to its
 * first '/'. */
static int check_archive_name(const char *name, irx_error *err)
{
	if (!name[0] || strlen(name) > MAX_ARCHIVE_NAME || strpbrk(name, "/\\"))
		return irx_error_set(
			err, IRX_EINVAL,
			"archive name '%.64s' must be 1 to %d characters without '/' or '\\'", name,
			MAX_ARCHIVE_NAME);
	return IRX_OK;
}

irx_status irx_torch_save_write(FILE *f, const irx_tensor *const *tensors, size_t n,
				enum irx_torch_save_container container, const char *archive_name,
				irx_error *err)
{
	struct pw pkl = {0};
	struct sized *sz;
	int rc;

	if (container != IRX_SAVE_LIST && container != IRX_SAVE_TUPLE && container != IRX_SAVE_DICT)
		return irx_error_set(err, IRX_EINVAL, "unknown torch.save container %d",
				     (int)container);
	if (!archive_name)
		archive_name = "archive";
	if ((rc = check_archive_name(archive_name, err)) || (rc = check_all(tensors, n, &sz, err)))
		return rc;
	if ((container != IRX_SAVE_DICT || !(rc = check_names(tensors, n, err))) &&
	    !(rc = pickle_tensors(tensors, n, sz, container, &pkl, err)))
		rc = write_zip(f, archive_name, &pkl, tensors, n, sz, err);
	free(pkl.buf);
	free(sz);
	return rc;
}
