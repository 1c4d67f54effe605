/*
 * pickle.c: a pickle reader for what torch.save writes; builds, never runs.
 *
 * Memory is bounded by the input: every value costs at least one opcode
 * byte, memo indices beyond the input length are refused, and nothing is
 * recursive, so a deeply nested pickle cannot exhaust the C stack.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irx/dtype.h"
#include "irx/tensor.h"
#include "formats/formats.h"

/* What an allowed global is. */
/* Packed like a table, by hand */
/* clang-format off */
enum {
	G_ORDERED_DICT = 1, G_REBUILD_V2, G_REBUILD_V3, G_REBUILD_OLD, G_REBUILD_PARAM,
	G_REBUILD_PARAM_STATE, G_REBUILD_META, G_FROM_TYPE_V2, G_DEVICE, G_SIZE,
	G_CODECS_ENCODE, G_FAKE_TENSOR, G_GET_LAYOUT,
	G_REFUSE_QUANTIZED, G_REFUSE_SPARSE, G_REFUSE_NESTED, G_REFUSE_SUBCLASS,
	G_STORAGE,      /* a typed storage class; .dtype says which */
	G_DTYPE,        /* torch.float32 and friends */
	G_TENSOR_CLASS, /* torch.Tensor, torch.nn.parameter.Parameter */
	G_INERT,        /* only meaningful to refused tensors (qschemes, layouts) */
	/* TorchScript mode only (fmt_pickle_load_mode) */
	G_TS_CLASS,     /* a __torch__.* class: a generic object */
	G_TS_CUSTOM,    /* a __torch__.torch.classes.* custom class: opaque */
	G_TS_IDENTITY,  /* torch.jit._pickle helpers: their first argument */
};
/* clang-format on */

struct global_def {
	const char *name;
	int what, dtype;
};

static const struct global_def globals[] = {
	{"collections.OrderedDict", G_ORDERED_DICT, 0},
	{"torch._utils._rebuild_tensor_v2", G_REBUILD_V2, 0},
	{"torch._utils._rebuild_tensor_v3", G_REBUILD_V3, 0},
	{"torch._utils._rebuild_tensor", G_REBUILD_OLD, 0},
	{"torch._utils._rebuild_parameter", G_REBUILD_PARAM, 0},
	{"torch._utils._rebuild_parameter_with_state", G_REBUILD_PARAM_STATE, 0},
	{"torch._utils._rebuild_meta_tensor_no_storage", G_REBUILD_META, 0},
	{"torch._tensor._rebuild_from_type_v2", G_FROM_TYPE_V2, 0},
	{"torch.device", G_DEVICE, 0},
	{"torch.Size", G_SIZE, 0},
	{"_codecs.encode", G_CODECS_ENCODE, 0},
	{"torch._export.serde.serialize._reconstruct_fake_tensor", G_FAKE_TENSOR, 0},
	{"torch._utils._rebuild_qtensor", G_REFUSE_QUANTIZED, 0},
	{"torch._utils._rebuild_sparse_tensor", G_REFUSE_SPARSE, 0},
	{"torch._utils._rebuild_sparse_csr_tensor", G_REFUSE_SPARSE, 0},
	{"torch._utils._rebuild_nested_tensor", G_REFUSE_NESTED, 0},
	{"torch._utils._rebuild_wrapper_subclass", G_REFUSE_SUBCLASS, 0},
	{"torch._utils._rebuild_device_tensor_from_numpy", G_REFUSE_SUBCLASS, 0},
	{"torch.Tensor", G_TENSOR_CLASS, 0},
	{"torch.nn.parameter.Parameter", G_TENSOR_CLASS, 0},
	{"torch.DoubleStorage", G_STORAGE, IRX_DTYPE_FLOAT64},
	{"torch.FloatStorage", G_STORAGE, IRX_DTYPE_FLOAT32},
	{"torch.HalfStorage", G_STORAGE, IRX_DTYPE_FLOAT16},
	{"torch.BFloat16Storage", G_STORAGE, IRX_DTYPE_BFLOAT16},
	{"torch.LongStorage", G_STORAGE, IRX_DTYPE_INT64},
	{"torch.IntStorage", G_STORAGE, IRX_DTYPE_INT32},
	{"torch.ShortStorage", G_STORAGE, IRX_DTYPE_INT16},
	{"torch.CharStorage", G_STORAGE, IRX_DTYPE_INT8},
	{"torch.ByteStorage", G_STORAGE, IRX_DTYPE_UINT8},
	{"torch.BoolStorage", G_STORAGE, IRX_DTYPE_BOOL},
	{"torch.ComplexFloatStorage", G_STORAGE, IRX_DTYPE_COMPLEX64},
	{"torch.ComplexDoubleStorage", G_STORAGE, IRX_DTYPE_COMPLEX128},
	{"torch.UntypedStorage", G_STORAGE, IRX_DTYPE_UNKNOWN},
	{"torch.storage.UntypedStorage", G_STORAGE, IRX_DTYPE_UNKNOWN},
	/* sparse tensors name their layout through this; they are refused */
	{"torch.serialization._get_layout", G_GET_LAYOUT, 0},
	/* quantized storages and schemes: accepted so that the tensor they
	 * build can be refused by name rather than the global by its own */
	{"torch.QInt8Storage", G_STORAGE, -1},
	{"torch.QUInt8Storage", G_STORAGE, -1},
	{"torch.QInt32Storage", G_STORAGE, -1},
	{"torch.QUInt4x2Storage", G_STORAGE, -1},
	{"torch.QUInt2x4Storage", G_STORAGE, -1},
	{"torch.qint8", G_INERT, 0},
	{"torch.quint8", G_INERT, 0},
	{"torch.qint32", G_INERT, 0},
	{"torch.quint4x2", G_INERT, 0},
	{"torch.quint2x4", G_INERT, 0},
	{"torch.per_tensor_affine", G_INERT, 0},
	{"torch.per_channel_affine", G_INERT, 0},
	{"torch.per_tensor_symmetric", G_INERT, 0},
	{"torch.per_channel_symmetric", G_INERT, 0},
	{"torch.per_channel_affine_float_qparams", G_INERT, 0},
	{"torch.sparse_coo", G_INERT, 0},
	{"torch.sparse_csr", G_INERT, 0},
	{"torch.sparse_csc", G_INERT, 0},
	{"torch.sparse_bsr", G_INERT, 0},
	{"torch.sparse_bsc", G_INERT, 0},
	{"torch.strided", G_INERT, 0},
	/* TorchScript mode: the first two stand for every name they prefix */
	{"__torch__", G_TS_CLASS, 0},
	{"__torch__.torch.classes", G_TS_CUSTOM, 0},
	{"torch.jit._pickle.restore_type_tag", G_TS_IDENTITY, 0},
	{"torch.jit._pickle.build_intlist", G_TS_IDENTITY, 0},
	{"torch.jit._pickle.build_tensorlist", G_TS_IDENTITY, 0},
	{"torch.jit._pickle.build_doublelist", G_TS_IDENTITY, 0},
	{"torch.jit._pickle.build_boollist", G_TS_IDENTITY, 0},
};

#define N_GLOBALS (sizeof(globals) / sizeof(globals[0]))

struct pk_reader {
	const uint8_t *data;
	size_t len, pos, op_pos;
	struct pk_value **stack;
	size_t n_stack, cap_stack;
	size_t *marks;
	size_t n_marks, cap_marks;
	struct pk_value **memo;
	size_t n_memo, memo_set;
	void **allocs; /* everything allocated, freed together */
	size_t n_allocs, cap_allocs;
	struct pk_value **values; /* values whose sequences own arrays */
	size_t n_values, cap_values;
	struct pk_storage **storages;
	size_t n_storages, cap_storages;
	uint32_t *by_key; /* open addressing: storage index + 1, or 0 */
	size_t key_slots; /* a power of two, over twice n_storages */
	enum fmt_pickle_mode mode;
	irx_error *err;
};

/* ---- memory ---------------------------------------------------------- */

#define GROW BASE_GROW

static int oom(struct pk_reader *r) { return irx_error_set(r->err, IRX_ENOMEM, "out of memory"); }

static void *pk_alloc(struct pk_reader *r, size_t size)
{
	void *p;

	if (GROW(r->allocs, r->cap_allocs, r->n_allocs + 1) || !(p = calloc(1, size ? size : 1)))
		return NULL;
	r->allocs[r->n_allocs++] = p;
	return p;
}

static struct pk_value *pk_new(struct pk_reader *r, enum pk_kind kind)
{
	struct pk_value *v;

	if (GROW(r->values, r->cap_values, r->n_values + 1) || !(v = pk_alloc(r, sizeof(*v))))
		return NULL;
	r->values[r->n_values++] = v;
	v->kind = kind;
	v->offset = r->op_pos;
	return v;
}

static char *pk_strdup(struct pk_reader *r, const void *s, size_t len)
{
	char *p = pk_alloc(r, len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

static int seq_push(struct pk_value *seq, struct pk_value *item)
{
	if (GROW(seq->u.seq.v, seq->u.seq.cap, seq->u.seq.n + 1))
		return -1;
	seq->u.seq.v[seq->u.seq.n++] = item;
	return 0;
}

void fmt_pickle_free(struct pk_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_values; i++)
		free(r->values[i]->kind == PK_TUPLE || r->values[i]->kind == PK_LIST ||
				     r->values[i]->kind == PK_DICT
			     ? r->values[i]->u.seq.v
			     : NULL);
	for (size_t i = 0; i < r->n_allocs; i++)
		free(r->allocs[i]);
	free(r->allocs);
	free(r->values);
	free(r->stack);
	free(r->marks);
	free(r->memo);
	free(r->storages);
	free(r->by_key);
	free(r);
}

size_t fmt_pickle_n_storages(const struct pk_reader *r) { return r->n_storages; }
struct pk_storage *fmt_pickle_storage_at(const struct pk_reader *r, size_t i)
{
	return r->storages[i];
}

/* ---- errors and input ------------------------------------------------ */

static int fail_at(struct pk_reader *r, size_t offset, int code, const char *fmt, ...)
	BASE_PRINTF(4, 5);

static int fail_at(struct pk_reader *r, size_t offset, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	irx_error_vset(r->err, code, fmt, ap);
	va_end(ap);
	base_where(r->err, "pickle offset %zu", offset);
	return code;
}

#define FAIL(r, ...) fail_at((r), (r)->op_pos, IRX_EFORMAT, __VA_ARGS__)

static int need(struct pk_reader *r, size_t n)
{
	if (r->len - r->pos < n)
		return fail_at(r, r->op_pos, IRX_EFORMAT, "truncated: opcode needs %zu more bytes",
			       n);
	return 0;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A little-endian unsigned argument of N bytes. */
static int arg_uint(struct pk_reader *r, int n, uint64_t *out)
{
	if (need(r, (size_t)n))
		return -1;
	*out = le(r->data + r->pos, n);
	r->pos += (size_t)n;
	return 0;
}

/* ---- the stack ------------------------------------------------------- */

static int push(struct pk_reader *r, struct pk_value *v)
{
	if (!v)
		return oom(r);
	if (GROW(r->stack, r->cap_stack, r->n_stack + 1))
		return oom(r);
	r->stack[r->n_stack++] = v;
	return 0;
}

static size_t floor_of_stack(const struct pk_reader *r)
{
	return r->n_marks ? r->marks[r->n_marks - 1] : 0;
}

static struct pk_value *pop(struct pk_reader *r)
{
	if (r->n_stack <= floor_of_stack(r)) {
		FAIL(r, "stack underflow");
		return NULL;
	}
	return r->stack[--r->n_stack];
}

static struct pk_value *top(struct pk_reader *r)
{
	if (r->n_stack <= floor_of_stack(r)) {
		FAIL(r, "stack underflow");
		return NULL;
	}
	return r->stack[r->n_stack - 1];
}

/* Pop back to the last MARK; *FIRST is where the marked items begin. */
static int pop_mark(struct pk_reader *r, size_t *first)
{
	if (!r->n_marks)
		return FAIL(r, "no MARK to pop to");
	*first = r->marks[--r->n_marks];
	return 0;
}

static struct pk_value *make_seq(struct pk_reader *r, enum pk_kind kind, struct pk_value **items,
				 size_t n)
{
	struct pk_value *v = pk_new(r, kind);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (seq_push(v, items[i]))
			return NULL;
	return v;
}

/* ---- globals and calls ----------------------------------------------- */

static const char *kind_name(enum pk_kind k)
{
	static const char *const names[] = {
		"None", "bool", "int",    "float",   "str",    "bytes",  "tuple",
		"list", "dict", "global", "storage", "tensor", "tensor", "object",
	};
	return names[k];
}

static int lookup_global(struct pk_reader *r, const char *module, size_t mlen, const char *name,
			 size_t nlen)
{
	char full[256];
	const char *dn;

	if (mlen + nlen + 2 > sizeof(full))
		return FAIL(r, "global name too long");
	memcpy(full, module, mlen);
	full[mlen] = '.';
	memcpy(full + mlen + 1, name, nlen);
	full[mlen + 1 + nlen] = '\0';
	for (size_t i = 0; i < N_GLOBALS; i++) {
		int what = globals[i].what;
		size_t glen = strlen(globals[i].name);
		if (what >= G_TS_CLASS && r->mode != FMT_PICKLE_TORCHSCRIPT)
			continue;
		/* classes match every name under their prefix; the custom
		 * classes' entry comes later and wins */
		if (what == G_TS_CLASS || what == G_TS_CUSTOM) {
			if (strncmp(full, globals[i].name, glen) || full[glen] != '.' ||
			    (what == G_TS_CLASS && !strncmp(full, "__torch__.torch.classes.", 24)))
				continue;
		} else if (strcmp(globals[i].name, full)) {
			continue;
		}
		struct pk_value *v = pk_new(r, PK_GLOBAL);
		if (!v || !(v->u.str.s = pk_strdup(r, full, strlen(full))))
			return oom(r);
		v->u.str.len = strlen(full);
		v->global = (int)i;
		return push(r, v);
	}
	/* torch.<dtype>: every dtype irx knows, by its canonical name */
	if (!strncmp(full, "torch.", 6) && (dn = full + 6) && irx_dtype_from_name(dn) > 0 &&
	    !strcmp(irx_dtype_name(irx_dtype_from_name(dn)), dn)) {
		struct pk_value *v = pk_new(r, PK_GLOBAL);
		if (!v || !(v->u.str.s = pk_strdup(r, full, strlen(full))))
			return oom(r);
		v->u.str.len = strlen(full);
		v->global = -irx_dtype_from_name(dn); /* negative: a dtype */
		return push(r, v);
	}
	for (char *p = full; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return fail_at(r, r->op_pos, IRX_EUNSUPPORTED,
		       "global '%s' is not allowed: irx reads tensors and containers only, "
		       "and never runs code from a file",
		       full);
}

static int global_what(const struct pk_value *v)
{
	if (v->kind != PK_GLOBAL)
		return 0;
	return v->global < 0 ? G_DTYPE : globals[v->global].what;
}

static int global_dtype(const struct pk_value *v)
{
	return v->global < 0 ? -v->global : globals[v->global].dtype;
}

static int arg_check(struct pk_reader *r, const struct pk_value *args, size_t min, size_t max,
		     const char *fn)
{
	if (args->kind != PK_TUPLE)
		return FAIL(r, "arguments of %s are a %s, not a tuple", fn, kind_name(args->kind));
	if (args->u.seq.n < min || args->u.seq.n > max)
		return FAIL(r, "%s takes %zu to %zu arguments, got %zu", fn, min, max,
			    args->u.seq.n);
	return 0;
}

static int as_int(struct pk_reader *r, const struct pk_value *v, const char *what, int64_t *out)
{
	if (v->kind != PK_INT && v->kind != PK_BOOL)
		return FAIL(r, "%s must be an int, not a %s", what, kind_name(v->kind));
	*out = v->u.i;
	return 0;
}

/* A tuple of non-negative ints (sizes, strides) into a new array. */
static int int_tuple(struct pk_reader *r, const struct pk_value *v, const char *what, int64_t **out,
		     int *n)
{
	if (v->kind != PK_TUPLE && v->kind != PK_LIST)
		return FAIL(r, "%s must be a tuple, not a %s", what, kind_name(v->kind));
	if (v->u.seq.n > IRX_TENSOR_MAX_DIMS)
		return FAIL(r, "%s has %zu dimensions (at most %d)", what, v->u.seq.n,
			    IRX_TENSOR_MAX_DIMS);
	if (!(*out = pk_alloc(r, (v->u.seq.n ? v->u.seq.n : 1) * sizeof(int64_t))))
		return oom(r);
	for (size_t i = 0; i < v->u.seq.n; i++) {
		if (as_int(r, v->u.seq.v[i], what, &(*out)[i]))
			return -1;
		if ((*out)[i] < 0)
			return FAIL(r, "%s has a negative entry (%lld)", what,
				    (long long)(*out)[i]);
	}
	*n = (int)v->u.seq.n;
	return 0;
}

static int refuse(struct pk_reader *r, const char *why, struct pk_value **res)
{
	struct pk_value *v = pk_new(r, PK_REFUSED);

	if (!v)
		return oom(r);
	v->u.str.s = why;
	v->u.str.len = strlen(why);
	*res = v;
	return 0;
}

static struct pk_tensor *new_tensor(struct pk_reader *r, struct pk_value **res)
{
	struct pk_value *v = pk_new(r, PK_TENSOR);

	if (!v || !(v->u.tensor = pk_alloc(r, sizeof(struct pk_tensor)))) {
		oom(r);
		return NULL;
	}
	*res = v;
	return v->u.tensor;
}

/* _rebuild_tensor[_v2|_v3](storage, offset, size, stride, ...) */
static int rebuild_tensor(struct pk_reader *r, int what, const struct pk_value *args,
			  struct pk_value **res)
{
	static const char *const fn[] = {"_rebuild_tensor_v2", "_rebuild_tensor_v3",
					 "_rebuild_tensor"};
	const char *name = fn[what == G_REBUILD_V2 ? 0 : what == G_REBUILD_V3 ? 1 : 2];
	struct pk_value *const *a;
	struct pk_tensor *t;
	int nstride;

	if (arg_check(r, args,
		      what == G_REBUILD_OLD  ? 4
		      : what == G_REBUILD_V3 ? 7
					     : 6,
		      what == G_REBUILD_OLD ? 4 : 8, name))
		return -1;
	a = args->u.seq.v;
	if (a[0]->kind != PK_STORAGE)
		return FAIL(r, "%s: first argument is a %s, not a storage", name,
			    kind_name(a[0]->kind));
	if (!(t = new_tensor(r, res)))
		return -1;
	t->storage = a[0]->u.storage;
	t->device = t->storage->location;
	t->dtype = t->storage->dtype;
	if (what == G_REBUILD_V3) {
		if (global_what(a[6]) != G_DTYPE)
			return FAIL(r, "%s: argument 7 is not a dtype", name);
		t->dtype = global_dtype(a[6]);
	}
	if (t->dtype < 0)
		return refuse(r, "quantized tensors are not supported", res);
	if (t->dtype == IRX_DTYPE_UNKNOWN)
		return FAIL(r, "%s: an untyped storage needs _rebuild_tensor_v3", name);
	if (as_int(r, a[1], "storage_offset", &t->offset) ||
	    int_tuple(r, a[2], "size", &t->shape, &t->ndim) ||
	    int_tuple(r, a[3], "stride", &t->strides, &nstride))
		return -1;
	if (t->offset < 0)
		return FAIL(r, "%s: negative storage offset", name);
	if (nstride != t->ndim)
		return FAIL(r, "%s: %d sizes but %d strides", name, t->ndim, nstride);
	if (what != G_REBUILD_OLD)
		t->requires_grad = a[4]->kind == PK_BOOL && a[4]->u.i;
	return 0;
}

static int rebuild_meta(struct pk_reader *r, const struct pk_value *args, struct pk_value **res)
{
	struct pk_value *const *a;
	struct pk_tensor *t;
	int nstride;

	if (arg_check(r, args, 4, 6, "_rebuild_meta_tensor_no_storage"))
		return -1;
	a = args->u.seq.v;
	if (global_what(a[0]) != G_DTYPE)
		return FAIL(r, "_rebuild_meta_tensor_no_storage: first argument is not a dtype");
	if (!(t = new_tensor(r, res)))
		return -1;
	t->dtype = global_dtype(a[0]);
	t->device = "meta";
	if (int_tuple(r, a[1], "size", &t->shape, &t->ndim) ||
	    int_tuple(r, a[2], "stride", &t->strides, &nstride))
		return -1;
	if (nstride != t->ndim)
		return FAIL(r, "_rebuild_meta_tensor_no_storage: %d sizes but %d strides", t->ndim,
			    nstride);
	t->requires_grad = a[3]->kind == PK_BOOL && a[3]->u.i;
	return 0;
}

/* _rebuild_parameter[_with_state](data, requires_grad, hooks[, state]) */
static int rebuild_parameter(struct pk_reader *r, const struct pk_value *args, int with_state,
			     struct pk_value **res)
{
	struct pk_value *const *a;
	struct pk_tensor *t;

	if (arg_check(r, args, with_state ? 4 : 3, with_state ? 4 : 3, "_rebuild_parameter"))
		return -1;
	a = args->u.seq.v;
	if (a[0]->kind == PK_REFUSED) {
		*res = a[0];
		return 0;
	}
	if (a[0]->kind != PK_TENSOR)
		return FAIL(r, "_rebuild_parameter: data is a %s, not a tensor",
			    kind_name(a[0]->kind));
	if (!(t = new_tensor(r, res)))
		return -1;
	*t = *a[0]->u.tensor;
	t->is_parameter = 1;
	t->requires_grad = a[1]->kind == PK_BOOL && a[1]->u.i;
	return 0;
}

/* torch.device("cuda", 0) or torch.device("cuda:0") -> "cuda:0" */
static int make_device(struct pk_reader *r, const struct pk_value *args, struct pk_value **res)
{
	struct pk_value *v;
	char buf[96];

	if (arg_check(r, args, 1, 2, "torch.device"))
		return -1;
	if (args->u.seq.v[0]->kind != PK_STR)
		return FAIL(r, "torch.device: the type is not a string");
	if (args->u.seq.n == 2 && args->u.seq.v[1]->kind == PK_INT)
		snprintf(buf, sizeof(buf), "%.60s:%lld", args->u.seq.v[0]->u.str.s,
			 (long long)args->u.seq.v[1]->u.i);
	else
		snprintf(buf, sizeof(buf), "%.60s", args->u.seq.v[0]->u.str.s);
	if (!(v = pk_new(r, PK_STR)) || !(v->u.str.s = pk_strdup(r, buf, strlen(buf))))
		return oom(r);
	v->u.str.len = strlen(buf);
	*res = v;
	return 0;
}

/* _codecs.encode(text, "latin1"): how protocol 2 pickles bytes. */
static int codecs_encode(struct pk_reader *r, const struct pk_value *args, struct pk_value **res)
{
	const struct pk_value *s, *enc;
	struct pk_value *v;
	uint8_t *out;
	size_t n = 0;

	if (arg_check(r, args, 2, 2, "_codecs.encode"))
		return -1;
	s = args->u.seq.v[0];
	enc = args->u.seq.v[1];
	if (s->kind != PK_STR || enc->kind != PK_STR ||
	    (strcmp(enc->u.str.s, "latin1") && strcmp(enc->u.str.s, "latin-1")))
		return FAIL(r, "_codecs.encode: only (str, 'latin1') is read");
	if (!(v = pk_new(r, PK_BYTES)) || !(out = pk_alloc(r, s->u.str.len + 1)))
		return oom(r);
	for (size_t i = 0; i < s->u.str.len; i++) {
		uint8_t c = (uint8_t)s->u.str.s[i];
		if (c < 0x80) {
			out[n++] = c;
		} else if ((c == 0xc2 || c == 0xc3) && i + 1 < s->u.str.len) {
			out[n++] = (uint8_t)((c & 0x03) << 6 | ((uint8_t)s->u.str.s[++i] & 0x3f));
		} else {
			return FAIL(r, "_codecs.encode: text outside latin-1");
		}
	}
	v->u.str.s = (const char *)out;
	v->u.str.len = n;
	*res = v;
	return 0;
}

static int tensor_meta_int(const json_t *v, int64_t *out)
{
	if (json_is_object(v))
		v = json_object_get(v, "as_int");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int tensor_meta_ints(struct pk_reader *r, const json_t *arr, int64_t **out, int *n)
{
	size_t i;
	json_t *x;

	if (!json_is_array(arr) || json_array_size(arr) > IRX_TENSOR_MAX_DIMS)
		return -1;
	if (!(*out = pk_alloc(r, (json_array_size(arr) + 1) * sizeof(int64_t))))
		return -1;
	json_array_foreach(arr, i, x)
		if (tensor_meta_int(x, &(*out)[i]))
			return -1;
	*n = (int)json_array_size(arr);
	return 0;
}

/* torch 2.x legacy export of a fake state dict: a TensorMeta as JSON bytes. */
static int fake_tensor(struct pk_reader *r, const struct pk_value *args, struct pk_value **res)
{
	const struct pk_value *js;
	struct pk_tensor *t;
	json_t *meta = NULL;
	int nstride, ok;

	if (arg_check(r, args, 1, 2, "_reconstruct_fake_tensor"))
		return -1;
	js = args->u.seq.v[0];
	if (js->kind != PK_BYTES && js->kind != PK_STR)
		return FAIL(r, "_reconstruct_fake_tensor: the tensor metadata is not bytes");
	if (irx_json_parse(&meta, (const uint8_t *)js->u.str.s, js->u.str.len, NULL))
		return FAIL(r, "_reconstruct_fake_tensor: the tensor metadata is not JSON");
	if (!(t = new_tensor(r, res))) {
		json_decref(meta);
		return -1;
	}
	t->dtype = (int)json_integer_value(json_object_get(meta, "dtype"));
	t->device = "meta";
	t->is_parameter =
		args->u.seq.n == 2 && args->u.seq.v[1]->kind == PK_BOOL && args->u.seq.v[1]->u.i;
	ok = irx_dtype_name(t->dtype) &&
	     !tensor_meta_ints(r, json_object_get(meta, "sizes"), &t->shape, &t->ndim) &&
	     !tensor_meta_ints(r, json_object_get(meta, "strides"), &t->strides, &nstride) &&
	     nstride == t->ndim;
	json_decref(meta);
	return ok ? 0 : FAIL(r, "_reconstruct_fake_tensor: malformed tensor metadata");
}

static int call(struct pk_reader *r, const struct pk_value *fn, struct pk_value *args,
		struct pk_value **res);

/* _rebuild_from_type_v2(func, type, args, state): tensor subclasses; only
 * plain tensors and parameters are read. */
static int from_type_v2(struct pk_reader *r, struct pk_value *args, struct pk_value **res)
{
	struct pk_value *const *a;

	if (arg_check(r, args, 4, 4, "_rebuild_from_type_v2"))
		return -1;
	a = args->u.seq.v;
	if (global_what(a[1]) != G_TENSOR_CLASS)
		return refuse(r, "tensor subclasses are not supported", res);
	/* torch never nests it; refusing that keeps call() from recursing
	 * once per level of a hostile pickle (a stack overflow) */
	if (a[0]->kind != PK_GLOBAL || a[2]->kind != PK_TUPLE ||
	    global_what(a[0]) == G_FROM_TYPE_V2)
		return FAIL(r, "_rebuild_from_type_v2: malformed arguments");
	return call(r, a[0], a[2], res);
}

static int call(struct pk_reader *r, const struct pk_value *fn, struct pk_value *args,
		struct pk_value **res)
{
	int what = global_what(fn);

	switch (what) {
	case G_ORDERED_DICT: {
		struct pk_value *d = pk_new(r, PK_DICT);
		if (!d)
			return oom(r);
		d->ordered = 1;
		*res = d;
		if (arg_check(r, args, 0, 1, "OrderedDict"))
			return -1;
		if (args->u.seq.n == 0)
			return 0;
		const struct pk_value *items = args->u.seq.v[0];
		if (items->kind != PK_LIST && items->kind != PK_TUPLE)
			return FAIL(r, "OrderedDict: items are not a list");
		for (size_t i = 0; i < items->u.seq.n; i++) {
			const struct pk_value *kv = items->u.seq.v[i];
			if (kv->kind != PK_TUPLE || kv->u.seq.n != 2)
				return FAIL(r, "OrderedDict: an item is not a pair");
			if (seq_push(d, kv->u.seq.v[0]) || seq_push(d, kv->u.seq.v[1]))
				return oom(r);
		}
		return 0;
	}
	case G_REBUILD_V2:
	case G_REBUILD_V3:
	case G_REBUILD_OLD: return rebuild_tensor(r, what, args, res);
	case G_REBUILD_PARAM:
	case G_REBUILD_PARAM_STATE:
		return rebuild_parameter(r, args, what == G_REBUILD_PARAM_STATE, res);
	case G_REBUILD_META: return rebuild_meta(r, args, res);
	case G_FROM_TYPE_V2: return from_type_v2(r, args, res);
	case G_DEVICE: return make_device(r, args, res);
	case G_SIZE:
		if (arg_check(r, args, 1, 1, "torch.Size"))
			return -1;
		*res = args->u.seq.v[0];
		return 0;
	case G_CODECS_ENCODE: return codecs_encode(r, args, res);
	case G_FAKE_TENSOR: return fake_tensor(r, args, res);
	case G_GET_LAYOUT: /* a layout by name: only sparse tensors use it */
		if (arg_check(r, args, 1, 1, "_get_layout"))
			return -1;
		*res = args->u.seq.v[0];
		return 0;
	case G_REFUSE_QUANTIZED: return refuse(r, "quantized tensors are not supported", res);
	case G_TS_CLASS:
	case G_TS_CUSTOM: {
		/* cls.__new__(cls): an object with no attributes until BUILD */
		struct pk_value *o = pk_new(r, PK_OBJECT);
		if (!o)
			return oom(r);
		if (args->kind != PK_TUPLE)
			return FAIL(r, "arguments of %s are a %s, not a tuple", fn->u.str.s,
				    kind_name(args->kind));
		o->u.str = fn->u.str;
		o->opaque = what == G_TS_CUSTOM;
		*res = o;
		return 0;
	}
	case G_TS_IDENTITY:
		if (arg_check(r, args, 1, 2, fn->u.str.s))
			return -1;
		*res = args->u.seq.v[0];
		return 0;
	case G_REFUSE_SPARSE: return refuse(r, "sparse tensors are not supported", res);
	case G_REFUSE_NESTED: return refuse(r, "nested tensors are not supported", res);
	case G_REFUSE_SUBCLASS:
		return refuse(r, "tensor subclasses and numpy-backed tensors are not supported",
			      res);
	}
	if (fn->kind == PK_GLOBAL)
		return FAIL(r, "'%s' cannot be called", fn->u.str.s);
	return FAIL(r, "REDUCE on a %s, not a global", kind_name(fn->kind));
}

/* ---- persistent ids: ('storage', class, key, location, numel) -------- */

/*
 * Storages by key: every tensor names its storage again, and a state dict
 * may hold tens of thousands, so the lookup is a hash table.
 */
static struct pk_storage *find_storage(const struct pk_reader *r, const char *key)
{
	if (!r->key_slots)
		return NULL;
	for (size_t i = base_str_hash(key) & (r->key_slots - 1); r->by_key[i];
	     i = (i + 1) & (r->key_slots - 1))
		if (!strcmp(r->storages[r->by_key[i] - 1]->key, key))
			return r->storages[r->by_key[i] - 1];
	return NULL;
}

/* Enter the newest storage, rebuilding the table when it is half full. */
static int index_storages(struct pk_reader *r)
{
	size_t from = r->n_storages - 1;

	if (r->n_storages * 2 > r->key_slots) {
		size_t slots = r->key_slots ? r->key_slots * 2 : 64;
		uint32_t *t = calloc(slots, sizeof(*t));
		if (!t)
			return -1;
		free(r->by_key);
		r->by_key = t;
		r->key_slots = slots;
		from = 0;
	}
	for (size_t s = from; s < r->n_storages; s++) {
		size_t i = base_str_hash(r->storages[s]->key) & (r->key_slots - 1);
		while (r->by_key[i])
			i = (i + 1) & (r->key_slots - 1);
		r->by_key[i] = (uint32_t)(s + 1);
	}
	return 0;
}

static int persistent_load(struct pk_reader *r, const struct pk_value *pid, struct pk_value **res)
{
	struct pk_value *const *a = pid->u.seq.v;
	struct pk_storage *s = NULL;
	struct pk_value *v;
	int64_t numel = 0;

	if (pid->kind != PK_TUPLE || pid->u.seq.n != 5 || a[0]->kind != PK_STR ||
	    strcmp(a[0]->u.str.s, "storage"))
		return FAIL(r, "persistent id is not ('storage', class, key, location, size)");
	if (global_what(a[1]) != G_STORAGE)
		return FAIL(r, "persistent id: the storage class is not a storage class");
	if (a[2]->kind != PK_STR || a[3]->kind != PK_STR || as_int(r, a[4], "storage size", &numel))
		return FAIL(r, "persistent id: key and location must be strings");
	if (numel < 0)
		return FAIL(r, "persistent id: negative storage size");
	if (!(s = find_storage(r, a[2]->u.str.s))) {
		if (!(s = pk_alloc(r, sizeof(*s))) ||
		    GROW(r->storages, r->cap_storages, r->n_storages + 1))
			return oom(r);
		s->key = a[2]->u.str.s;
		s->location = a[3]->u.str.s;
		s->dtype = global_dtype(a[1]);
		s->numel = (uint64_t)numel;
		s->index = (int)r->n_storages;
		r->storages[r->n_storages++] = s;
		if (index_storages(r))
			return oom(r);
	} else if (s->dtype != global_dtype(a[1]) || s->numel != (uint64_t)numel) {
		return FAIL(r, "storage '%s' is described twice, differently", s->key);
	}
	if (!(v = pk_new(r, PK_STORAGE)))
		return oom(r);
	v->u.storage = s;
	*res = v;
	return 0;
}

/* ---- opcodes ---------------------------------------------------------- */

static int op_string(struct pk_reader *r, int width, enum pk_kind kind)
{
	struct pk_value *v;
	uint64_t n;

	if (arg_uint(r, width, &n))
		return -1;
	if (width == 4 && kind == PK_STR && r->data[r->op_pos] == 'T' && (n & 0x80000000u))
		return FAIL(r, "negative string length");
	if (n > r->len - r->pos)
		return FAIL(r, "truncated: a %llu-byte string runs past the end",
			    (unsigned long long)n);
	if (!(v = pk_new(r, kind)) || !(v->u.str.s = pk_strdup(r, r->data + r->pos, (size_t)n)))
		return oom(r);
	v->u.str.len = (size_t)n;
	r->pos += (size_t)n;
	return push(r, v);
}

static int op_int(struct pk_reader *r, int64_t i, enum pk_kind kind)
{
	struct pk_value *v = pk_new(r, kind);

	if (!v)
		return oom(r);
	v->u.i = i;
	return push(r, v);
}

/* LONG1 / LONG4: little-endian two's complement of N bytes. */
static int op_long(struct pk_reader *r, int width)
{
	uint64_t n, u;

	if (arg_uint(r, width, &n))
		return -1;
	if (n > 8)
		return FAIL(r, "integer of %llu bytes is wider than 64 bits",
			    (unsigned long long)n);
	if (need(r, (size_t)n))
		return -1;
	u = n ? le(r->data + r->pos, (int)n) : 0;
	if (n && n < 8 && (r->data[r->pos + n - 1] & 0x80))
		u |= ~(uint64_t)0 << (8 * n);
	r->pos += (size_t)n;
	return op_int(r, (int64_t)u, PK_INT);
}

static int op_float(struct pk_reader *r)
{
	struct pk_value *v;
	uint64_t bits = 0;
	double d;

	if (need(r, 8))
		return -1;
	for (int i = 0; i < 8; i++)
		bits = bits << 8 | r->data[r->pos + (size_t)i];
	r->pos += 8;
	memcpy(&d, &bits, sizeof(d));
	if (!(v = pk_new(r, PK_FLOAT)))
		return oom(r);
	v->u.f = d;
	return push(r, v);
}

static int op_global(struct pk_reader *r)
{
	const uint8_t *m = r->data + r->pos, *end = r->data + r->len;
	const uint8_t *nl1 = memchr(m, '\n', (size_t)(end - m)), *nl2;

	if (!nl1 || !(nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1))))
		return FAIL(r, "truncated GLOBAL");
	r->pos = (size_t)(nl2 + 1 - r->data);
	return lookup_global(r, (const char *)m, (size_t)(nl1 - m), (const char *)nl1 + 1,
			     (size_t)(nl2 - nl1 - 1));
}

static int op_stack_global(struct pk_reader *r)
{
	struct pk_value *name = pop(r), *module = name ? pop(r) : NULL;

	if (!module)
		return -1;
	if (module->kind != PK_STR || name->kind != PK_STR)
		return FAIL(r, "STACK_GLOBAL needs two strings");
	return lookup_global(r, module->u.str.s, module->u.str.len, name->u.str.s, name->u.str.len);
}

static int op_put(struct pk_reader *r, uint64_t idx)
{
	struct pk_value *v = top(r);
	size_t cap = r->n_memo;

	if (!v)
		return -1;
	if (idx >= r->len)
		return FAIL(r, "memo index %llu is out of range", (unsigned long long)idx);
	if (idx >= r->n_memo) {
		if (GROW(r->memo, cap, idx + 1))
			return oom(r);
		memset(r->memo + r->n_memo, 0, (cap - r->n_memo) * sizeof(*r->memo));
		r->n_memo = cap;
	}
	if (!r->memo[idx])
		r->memo_set++;
	r->memo[idx] = v;
	return 0;
}

static int op_get(struct pk_reader *r, uint64_t idx)
{
	if (idx >= r->n_memo || !r->memo[idx])
		return FAIL(r, "memo index %llu was never stored", (unsigned long long)idx);
	return push(r, r->memo[idx]);
}

/* APPEND, APPENDS, SETITEM, SETITEMS: items from FIRST on go into the
 * container below them. */
static int add_items(struct pk_reader *r, size_t first, int pairs)
{
	struct pk_value *c;
	size_t n = r->n_stack - first;

	if (first == 0 || first - 1 < floor_of_stack(r))
		return FAIL(r, "no container below the items");
	c = r->stack[first - 1];
	if (pairs ? c->kind != PK_DICT : c->kind != PK_LIST)
		return FAIL(r, "%s into a %s", pairs ? "SETITEMS" : "APPENDS", kind_name(c->kind));
	if (pairs && n % 2)
		return FAIL(r, "SETITEMS with an odd number of items");
	for (size_t i = first; i < r->n_stack; i++)
		if (seq_push(c, r->stack[i]))
			return oom(r);
	r->n_stack = first;
	return 0;
}

static int op_build(struct pk_reader *r)
{
	struct pk_value *state = pop(r), *obj = state ? top(r) : NULL;

	if (!obj)
		return -1;
	/* OrderedDict attributes (a state dict's _metadata) and tensor state
	 * carry nothing irx needs; anything else has no business here. */
	if (obj->kind == PK_DICT || obj->kind == PK_TENSOR || obj->kind == PK_REFUSED)
		return 0;
	/* a TorchScript object: its attributes (a dict), or what its class's
	 * __setstate__ would take (custom classes, scripted classes that
	 * define one); set once */
	if (obj->kind == PK_OBJECT) {
		if (obj->state)
			return FAIL(r, "BUILD twice on an object of class '%s'", obj->u.str.s);
		obj->state = state;
		return 0;
	}
	return FAIL(r, "BUILD on a %s", kind_name(obj->kind));
}

static int step(struct pk_reader *r, int *stop)
{
	struct pk_value *v, *a, *b;
	size_t first = 0;
	uint64_t n;
	uint8_t op;

	r->op_pos = r->pos;
	if (r->pos >= r->len)
		return FAIL(r, "truncated: no STOP opcode");
	op = r->data[r->pos++];
	switch (op) {
	case 0x80: /* PROTO */
		if (arg_uint(r, 1, &n))
			return -1;
		if (n > 5)
			return FAIL(r, "pickle protocol %llu is newer than any irx knows",
				    (unsigned long long)n);
		return 0;
	case 0x95: /* FRAME */
		/* Python's unpickler reads a frame's bytes ahead and fails when
		 * they are not all there: a frame running past the end is a
		 * truncated pickle, whatever its opcodes would say. */
		if (arg_uint(r, 8, &n))
			return -1;
		if (n > r->len - r->pos)
			return FAIL(
				r,
				"FRAME of %llu bytes runs past the end of the pickle (%zu bytes left)",
				(unsigned long long)n, r->len - r->pos);
		return 0;
	case '.': /* STOP */ *stop = 1; return 0;
	case '(': /* MARK */
		if (GROW(r->marks, r->cap_marks, r->n_marks + 1))
			return oom(r);
		r->marks[r->n_marks++] = r->n_stack;
		return 0;
	case '0': /* POP */ return pop(r) ? 0 : -1;
	case '1': /* POP_MARK */
		if (pop_mark(r, &first))
			return -1;
		r->n_stack = first;
		return 0;
	case '2': /* DUP */ return (v = top(r)) ? push(r, v) : -1;
	case 'N': return push(r, pk_new(r, PK_NONE));
	case 0x88: return op_int(r, 1, PK_BOOL);
	case 0x89: return op_int(r, 0, PK_BOOL);
	case 'J': /* BININT */
		return arg_uint(r, 4, &n) ? -1 : op_int(r, (int32_t)(uint32_t)n, PK_INT);
	case 'K': /* BININT1 */ return arg_uint(r, 1, &n) ? -1 : op_int(r, (int64_t)n, PK_INT);
	case 'M': /* BININT2 */ return arg_uint(r, 2, &n) ? -1 : op_int(r, (int64_t)n, PK_INT);
	case 0x8a: return op_long(r, 1);
	case 0x8b: return op_long(r, 4);
	case 'G': return op_float(r);
	case 'X': return op_string(r, 4, PK_STR);    /* BINUNICODE */
	case 0x8c: return op_string(r, 1, PK_STR);   /* SHORT_BINUNICODE */
	case 0x8d: return op_string(r, 8, PK_STR);   /* BINUNICODE8 */
	case 'U': return op_string(r, 1, PK_STR);    /* SHORT_BINSTRING */
	case 'T': return op_string(r, 4, PK_STR);    /* BINSTRING */
	case 'C': return op_string(r, 1, PK_BYTES);  /* SHORT_BINBYTES */
	case 'B': return op_string(r, 4, PK_BYTES);  /* BINBYTES */
	case 0x8e: return op_string(r, 8, PK_BYTES); /* BINBYTES8 */
	case ')': return push(r, pk_new(r, PK_TUPLE));
	case ']': return push(r, pk_new(r, PK_LIST));
	case '}': return push(r, pk_new(r, PK_DICT));
	case 't': /* TUPLE */
	case 'l': /* LIST */
	case 'd': /* DICT */
		if (pop_mark(r, &first))
			return -1;
		if (op == 'd' && (r->n_stack - first) % 2)
			return FAIL(r, "DICT with an odd number of items");
		v = make_seq(r,
			     op == 't'   ? PK_TUPLE
			     : op == 'l' ? PK_LIST
					 : PK_DICT,
			     r->stack ? r->stack + first : NULL, r->n_stack - first);
		r->n_stack = first;
		return push(r, v);
	case 0x85:
	case 0x86:
	case 0x87: /* TUPLE1..3 */
		n = (uint64_t)(op - 0x84);
		if (r->n_stack - floor_of_stack(r) < n)
			return FAIL(r, "stack underflow");
		v = make_seq(r, PK_TUPLE, r->stack + r->n_stack - n, (size_t)n);
		r->n_stack -= (size_t)n;
		return push(r, v);
	case 'a': /* APPEND */
		if (r->n_stack <= floor_of_stack(r))
			return FAIL(r, "stack underflow");
		return add_items(r, r->n_stack - 1, 0);
	case 's': /* SETITEM */
		return r->n_stack < 2 ? FAIL(r, "stack underflow")
				      : add_items(r, r->n_stack - 2, 1);
	case 'e': /* APPENDS */
	case 'u': /* SETITEMS */
		if (pop_mark(r, &first))
			return -1;
		return add_items(r, first, op == 'u');
	case 'q': return arg_uint(r, 1, &n) ? -1 : op_put(r, n); /* BINPUT */
	case 'r': return arg_uint(r, 4, &n) ? -1 : op_put(r, n); /* LONG_BINPUT */
	case 0x94: return op_put(r, r->memo_set);                /* MEMOIZE */
	case 'h': return arg_uint(r, 1, &n) ? -1 : op_get(r, n); /* BINGET */
	case 'j': return arg_uint(r, 4, &n) ? -1 : op_get(r, n); /* LONG_BINGET */
	case 'c': return op_global(r);
	case 0x93: return op_stack_global(r);
	case 'R':  /* REDUCE */
	case 0x81: /* NEWOBJ: cls(*args), the same for the classes allowed */
		if (!(b = pop(r)) || !(a = pop(r)))
			return -1;
		if (call(r, a, b, &v))
			return -1;
		return push(r, v);
	case 'b': return op_build(r);
	case 'Q': /* BINPERSID */
		if (!(a = pop(r)) || persistent_load(r, a, &v))
			return -1;
		return push(r, v);
	}
	if (op >= 0x20 && op < 0x7f)
		return FAIL(r, "opcode '%c' (0x%02x) is not one torch.save writes", op, op);
	return FAIL(r, "unknown opcode 0x%02x", op);
}

int fmt_pickle_load(struct pk_reader **out, const uint8_t *data, size_t len, struct pk_value **root,
		    irx_error *err)
{
	return fmt_pickle_load_mode(out, data, len, FMT_PICKLE_TORCH_SAVE, root, err);
}

int fmt_pickle_load_mode(struct pk_reader **out, const uint8_t *data, size_t len,
			 enum fmt_pickle_mode mode, struct pk_value **root, irx_error *err)
{
	struct pk_reader *r = calloc(1, sizeof(*r));
	int stop = 0;

	*out = r;
	*root = NULL;
	if (!r)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	r->data = data;
	r->len = len;
	r->mode = mode;
	r->err = err;
	while (!stop)
		if (step(r, &stop))
			return err && err->code ? err->code : IRX_EFORMAT;
	if (r->n_marks || r->n_stack != 1)
		return FAIL(r, "STOP with %zu values and %zu marks on the stack (want one value)",
			    r->n_stack, r->n_marks);
	*root = r->stack[0];
	return IRX_OK;
}
