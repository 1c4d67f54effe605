/* test-tensor-write: the layout helpers and the safetensors and torch.save
 * writers, read back through the zip reader and jansson. */
#include "unit.h"
#include "irx/tensor.h"

static const float f6[6] = {0, 1, 2, 3, 4, 5};
static const uint16_t bf4[4] = {0x3f80, 0x4000, 0x4040, 0x4080}; /* 1 2 3 4 */
static const uint8_t mask_base[4] = {1, 1, 0, 0};
static const int64_t step = (int64_t)1 << 40;
static const uint16_t u2[2] = {7, 65535};

static const int64_t s23[] = {2, 3}, st23[] = {3, 1}, s32[] = {3, 2}, st32[] = {1, 3};
static const int64_t s22[] = {2, 2}, st22t[] = {1, 2}, s4[] = {4}, s2[] = {2}, s3[] = {3};
static const int64_t st1[] = {1}, stm1[] = {-1}, s03[] = {0, 3}, st03[] = {3, 1};
static const int64_t st23b[] = {0, 1};

/* Tensors of every layout the writers meet, with their row-major bytes. */
enum { N_SAMPLES = 9 };
static const struct sample {
	irx_tensor t;
	const void *want;
	size_t nbytes;
} samples[N_SAMPLES] = {
	{{.name = "w",
	  .dtype = IRX_DTYPE_FLOAT32,
	  .ndim = 2,
	  .shape = s23,
	  .strides = st23,
	  .data = (const uint8_t *)f6},
	 (const float[]){0, 1, 2, 3, 4, 5},
	 24},
	{{.name = "w.T",
	  .dtype = IRX_DTYPE_FLOAT32,
	  .ndim = 2,
	  .shape = s32,
	  .strides = st32,
	  .data = (const uint8_t *)f6},
	 (const float[]){0, 3, 1, 4, 2, 5},
	 24},
	{{.name = "bf",
	  .dtype = IRX_DTYPE_BFLOAT16,
	  .ndim = 1,
	  .shape = s4,
	  .strides = st1,
	  .data = (const uint8_t *)bf4},
	 bf4,
	 8},
	{{.name = "mask",
	  .dtype = IRX_DTYPE_BOOL,
	  .ndim = 2,
	  .shape = s22,
	  .strides = st22t,
	  .data = mask_base},
	 (const uint8_t[]){1, 0, 1, 0},
	 4},
	{{.name = "step", .dtype = IRX_DTYPE_INT64, .ndim = 0, .data = (const uint8_t *)&step},
	 &step,
	 8},
	{{.name = "empty", .dtype = IRX_DTYPE_FLOAT32, .ndim = 2, .shape = s03, .strides = st03},
	 "",
	 0},
	{{.name = "u16",
	  .dtype = IRX_DTYPE_UINT16,
	  .ndim = 1,
	  .shape = s2,
	  .strides = st1,
	  .data = (const uint8_t *)u2},
	 u2,
	 4},
	{{.name = "bcast",
	  .dtype = IRX_DTYPE_FLOAT32,
	  .ndim = 2,
	  .shape = s23,
	  .strides = st23b,
	  .data = (const uint8_t *)f6},
	 (const float[]){0, 1, 2, 0, 1, 2},
	 24},
	{{.name = "flip",
	  .dtype = IRX_DTYPE_FLOAT32,
	  .ndim = 1,
	  .shape = s3,
	  .strides = stm1,
	  .data = (const uint8_t *)&f6[2]},
	 (const float[]){2, 1, 0},
	 12},
};

static void sample_ptrs(const irx_tensor **p)
{
	for (int i = 0; i < N_SAMPLES; i++)
		p[i] = &samples[i].t;
}

/* Output captured in memory. */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	return m->f;
}

static void mem_close(struct mem *m) { assert_int_equal(fclose(m->f), 0); }

static void layout_nbytes_and_contiguity(void **state)
{
	static const int64_t s31[] = {3, 1}, st31odd[] = {1, 99};
	irx_tensor t = {.dtype = IRX_DTYPE_FLOAT32, .ndim = 2, .shape = s31, .strides = st31odd};

	assert_int_equal(irx_tensor_nbytes(&samples[0].t), 24);
	assert_int_equal(irx_tensor_nbytes(&samples[4].t), 8); /* 0-d: one element */
	assert_int_equal(irx_tensor_nbytes(&samples[5].t), 0); /* empty */
	assert_true(irx_tensor_is_contiguous(&samples[0].t));
	assert_false(irx_tensor_is_contiguous(&samples[1].t));
	assert_true(irx_tensor_is_contiguous(&samples[4].t));
	assert_true(irx_tensor_is_contiguous(&samples[5].t));
	assert_false(irx_tensor_is_contiguous(&samples[7].t)); /* stride 0 */
	assert_false(irx_tensor_is_contiguous(&samples[8].t)); /* stride -1 */
	/* A size-1 dimension's stride moves nothing. */
	assert_true(irx_tensor_is_contiguous(&t));
	/* Unknown dtypes and overflowing shapes have no size. */
	static const int64_t huge[] = {INT64_MAX, 4};
	t.shape = huge;
	assert_int_equal(irx_tensor_nbytes(&t), 0);
	t.dtype = 99;
	t.shape = s31;
	assert_int_equal(irx_tensor_nbytes(&t), 0);
}

static void layout_copy_contiguous_every_layout(void **state)
{
	for (int i = 0; i < N_SAMPLES; i++) {
		uint8_t buf[64];

		memset(buf, 0xee, sizeof(buf));
		irx_tensor_copy_contiguous(buf, &samples[i].t);
		assert_memory_equal(buf, samples[i].want, samples[i].nbytes);
		assert_int_equal(buf[samples[i].nbytes], 0xee); /* nothing past the end */
	}
}

/* A transposed 700x800 float32 view: more than one 1 MiB chunk. */
static float *transposed_big(irx_tensor *t, int64_t *shape, int64_t *strides)
{
	float *base = malloc(700 * 800 * sizeof(float));

	assert_non_null(base);
	for (int i = 0; i < 700 * 800; i++)
		base[i] = (float)i;
	shape[0] = 800;
	shape[1] = 700;
	strides[0] = 1;
	strides[1] = 800;
	*t = (irx_tensor){.name = "big",
			  .dtype = IRX_DTYPE_FLOAT32,
			  .ndim = 2,
			  .shape = shape,
			  .strides = strides,
			  .data = (const uint8_t *)base};
	return base;
}

static void check_transposed_big(const float *got)
{
	for (int r = 0; r < 800; r++)
		for (int c = 0; c < 700; c++)
			if (got[r * 700 + c] != (float)(c * 800 + r))
				fail_msg("element [%d,%d] is %g", r, c, (double)got[r * 700 + c]);
}

static void layout_copy_contiguous_big(void **state)
{
	int64_t shape[2], strides[2];
	irx_tensor t;
	float *base = transposed_big(&t, shape, strides);
	float *dst = malloc(700 * 800 * sizeof(float));

	assert_non_null(dst);
	irx_tensor_copy_contiguous(dst, &t);
	check_transposed_big(dst);
	free(dst);
	free(base);
}

/* ---- safetensors ---- */

static json_t *st_parse(const struct mem *m, size_t *data_start)
{
	uint64_t n = 0;
	json_error_t je;
	json_t *hdr;

	assert_true(m->len >= 8);
	for (int k = 7; k >= 0; k--)
		n = n << 8 | (uint8_t)m->buf[k];
	assert_int_equal(n % 8, 0);
	assert_true(8 + n <= m->len);
	assert_int_equal(m->buf[8], '{');
	hdr = json_loadb(m->buf + 8, n, 0, &je);
	if (!hdr)
		fail_msg("header: %s", je.text);
	*data_start = 8 + n;
	return hdr;
}

static void safetensors_header_and_bytes(void **state)
{
	static const char *const dtypes[N_SAMPLES] = {"F32", "F32", "BF16", "BOOL", "I64",
						      "F32", "U16", "F32",  "F32"};
	const char *const md[] = {"format", "pt", "note", "\"quoted\"\n", NULL};
	const irx_tensor *p[N_SAMPLES];
	irx_error err = {0};
	struct mem m;
	size_t start, i = 0;
	uint64_t off = 0;
	const char *key;
	json_t *hdr, *v;

	sample_ptrs(p);
	assert_int_equal(irx_safetensors_write(mem_open(&m), p, N_SAMPLES, md, &err), IRX_OK);
	mem_close(&m);
	hdr = st_parse(&m, &start);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(hdr, "__metadata__"), "note")),
		"\"quoted\"\n");
	/* Keys in input order, payloads back to back. */
	json_object_foreach(hdr, key, v) {
		if (!strcmp(key, "__metadata__")) {
			assert_int_equal(i, 0);
			continue;
		}
		const struct sample *s = &samples[i];
		assert_string_equal(key, s->t.name);
		assert_string_equal(json_string_value(json_object_get(v, "dtype")), dtypes[i]);
		json_t *shape = json_object_get(v, "shape"),
		       *offs = json_object_get(v, "data_offsets");
		assert_int_equal(json_array_size(shape), s->t.ndim);
		for (int d = 0; d < s->t.ndim; d++)
			assert_int_equal(json_integer_value(json_array_get(shape, d)),
					 s->t.shape[d]);
		assert_int_equal(json_integer_value(json_array_get(offs, 0)), off);
		assert_int_equal(json_integer_value(json_array_get(offs, 1)), off + s->nbytes);
		assert_memory_equal(m.buf + start + off, s->want, s->nbytes);
		off += s->nbytes;
		i++;
	}
	assert_int_equal(i, N_SAMPLES);
	assert_int_equal(start + off, m.len);
	json_decref(hdr);
	free(m.buf);
}

static void safetensors_no_metadata_and_chunks(void **state)
{
	int64_t shape[2], strides[2];
	irx_tensor t;
	float *base = transposed_big(&t, shape, strides);
	const irx_tensor *p[] = {&t};
	irx_error err = {0};
	struct mem m;
	size_t start;
	json_t *hdr;

	assert_int_equal(irx_safetensors_write(mem_open(&m), p, 1, NULL, &err), IRX_OK);
	mem_close(&m);
	hdr = st_parse(&m, &start);
	assert_null(json_object_get(hdr, "__metadata__"));
	assert_int_equal(m.len - start, 700 * 800 * sizeof(float));
	/* cppcheck-suppress invalidPointerCast ; malloc'd buffer, payload 8-aligned by the writer */
	check_transposed_big((const float *)(m.buf + start));
	json_decref(hdr);
	free(m.buf);
	free(base);
}

static void safetensors_refuses_what_it_cannot_store(void **state)
{
	static const double c[2] = {1, 2};
	irx_tensor cplx = {
		.name = "z", .dtype = IRX_DTYPE_COMPLEX128, .ndim = 0, .data = (const uint8_t *)c};
	irx_tensor ghost = samples[0].t, dup = samples[1].t, meta = samples[0].t;
	const irx_tensor *p[2];
	irx_error err = {0};
	struct mem m;

	p[0] = &cplx;
	assert_int_equal(irx_safetensors_write(mem_open(&m), p, 1, NULL, &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "'z'"));
	assert_non_null(strstr(err.text, "complex128"));
	mem_close(&m);
	free(m.buf);

	ghost.name = "ghost";
	ghost.data = NULL;
	ghost.device = "meta";
	p[0] = &ghost;
	irx_error_clear(&err);
	assert_int_equal(irx_safetensors_write(mem_open(&m), p, 1, NULL, &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "'ghost' has no data"));
	mem_close(&m);
	free(m.buf);

	dup.name = "w";
	p[0] = &samples[0].t;
	p[1] = &dup;
	irx_error_clear(&err);
	assert_int_equal(irx_safetensors_write(mem_open(&m), p, 2, NULL, &err), IRX_EINVAL);
	assert_non_null(strstr(err.text, "two tensors are named 'w'"));
	mem_close(&m);
	free(m.buf);

	meta.name = "__metadata__";
	p[0] = &meta;
	irx_error_clear(&err);
	assert_int_equal(irx_safetensors_write(mem_open(&m), p, 1, NULL, &err), IRX_EINVAL);
	mem_close(&m);
	free(m.buf);

	const char *const odd[] = {"key", NULL, NULL};
	irx_error_clear(&err);
	assert_int_equal(irx_safetensors_write(mem_open(&m), p, 0, odd, &err), IRX_EINVAL);
	assert_non_null(strstr(err.text, "'key'"));
	mem_close(&m);
	free(m.buf);
}

/* ---- torch.save ---- */

struct zipped {
	irx_blob *blob;
	irx_zip *zip;
};

static void zip_of(const struct mem *m, struct zipped *z)
{
	irx_error err = {0};

	assert_int_equal(irx_blob_wrap(&z->blob, m->buf, m->len, "mem", &err), IRX_OK);
	if (irx_zip_open(&z->zip, z->blob, &err))
		fail_msg("zip: %s", err.text);
}

static void zip_done(struct zipped *z)
{
	irx_zip_free(z->zip);
	irx_blob_free(z->blob);
}

/* Entry NAME's bytes, CRC checked; fails the test when it is missing. */
static const uint8_t *entry(const struct zipped *z, const char *name, size_t *len)
{
	const irx_zip_entry *e = irx_zip_find(z->zip, name);
	const uint8_t *data;
	irx_error err = {0};
	uint64_t off;
	void *owned;

	if (!e)
		fail_msg("no entry '%s'", name);
	assert_int_equal(e->method, 0);
	assert_int_equal(irx_zip_data_offset(&off, z->zip, e, &err), IRX_OK);
	assert_int_equal(off % 64, 0);
	if (irx_zip_read(&data, len, &owned, z->zip, e, &err))
		fail_msg("%s: %s", name, err.text);
	assert_null(owned);
	return data;
}

static void torch_save_entries_and_bytes(void **state)
{
	const irx_tensor *p[N_SAMPLES];
	irx_error err = {0};
	struct zipped z;
	struct mem m;
	const uint8_t *d;
	char name[64];
	size_t len;

	sample_ptrs(p);
	assert_int_equal(
		irx_torch_save_write(mem_open(&m), p, N_SAMPLES, IRX_SAVE_DICT, NULL, &err),
		IRX_OK);
	mem_close(&m);
	zip_of(&m, &z);
	/* torch's record order. */
	assert_int_equal(irx_zip_n_entries(z.zip), N_SAMPLES + 4);
	assert_string_equal(irx_zip_entry_at(z.zip, 0)->name, "archive/data.pkl");
	assert_string_equal(irx_zip_entry_at(z.zip, 1)->name, "archive/byteorder");
	assert_string_equal(irx_zip_entry_at(z.zip, 2)->name, "archive/data/0");
	assert_string_equal(irx_zip_entry_at(z.zip, N_SAMPLES + 2)->name, "archive/version");
	assert_string_equal(irx_zip_entry_at(z.zip, N_SAMPLES + 3)->name,
			    "archive/.data/serialization_id");
	d = entry(&z, "archive/data.pkl", &len);
	assert_true(len > 2 && d[0] == 0x80 && d[1] == 2 && d[len - 1] == '.');
	assert_non_null(memmem(d, len, "torch\nBFloat16Storage\n", 22));
	assert_non_null(memmem(d, len, "torch._utils\n_rebuild_tensor_v3\n", 32));
	assert_non_null(memmem(d, len, "torch\nuint16\n", 13));
	d = entry(&z, "archive/byteorder", &len);
	assert_int_equal(len, 6);
	assert_memory_equal(d, "little", 6);
	d = entry(&z, "archive/version", &len);
	assert_int_equal(len, 2);
	assert_memory_equal(d, "3\n", 2);
	d = entry(&z, "archive/.data/serialization_id", &len);
	assert_int_equal(len, 40);
	for (size_t k = 0; k < len; k++)
		assert_true(d[k] >= '0' && d[k] <= '9');
	for (int i = 0; i < N_SAMPLES; i++) {
		snprintf(name, sizeof(name), "archive/data/%d", i);
		d = entry(&z, name, &len);
		assert_int_equal(len, samples[i].nbytes);
		assert_memory_equal(d, samples[i].want, len);
	}
	zip_done(&z);
	free(m.buf);
}

/* data.pkl as CPython's pickler writes it for torch.save of the same
 * tensors (its memo, its batching, its smallest integer opcodes). */
static void torch_save_pickle_matches_python(void **state)
{
	static const char dict_w[] =
		"\x80\x02\x63\x63\x6f\x6c\x6c\x65\x63\x74\x69\x6f\x6e\x73\x0a\x4f"
		"\x72\x64\x65\x72\x65\x64\x44\x69\x63\x74\x0a\x71\x00\x29\x52\x71"
		"\x01\x58\x01\x00\x00\x00\x77\x71\x02\x63\x74\x6f\x72\x63\x68\x2e"
		"\x5f\x75\x74\x69\x6c\x73\x0a\x5f\x72\x65\x62\x75\x69\x6c\x64\x5f"
		"\x74\x65\x6e\x73\x6f\x72\x5f\x76\x32\x0a\x71\x03\x28\x28\x58\x07"
		"\x00\x00\x00\x73\x74\x6f\x72\x61\x67\x65\x71\x04\x63\x74\x6f\x72"
		"\x63\x68\x0a\x46\x6c\x6f\x61\x74\x53\x74\x6f\x72\x61\x67\x65\x0a"
		"\x71\x05\x58\x01\x00\x00\x00\x30\x71\x06\x58\x03\x00\x00\x00\x63"
		"\x70\x75\x71\x07\x4b\x06\x74\x71\x08\x51\x4b\x00\x4b\x02\x4b\x03"
		"\x86\x71\x09\x4b\x03\x4b\x01\x86\x71\x0a\x89\x68\x00\x29\x52\x71"
		"\x0b\x74\x71\x0c\x52\x71\x0d\x73\x2e";
	static const char list_v3[] =
		"\x80\x02\x5d\x71\x00\x28\x63\x74\x6f\x72\x63\x68\x2e\x5f\x75\x74"
		"\x69\x6c\x73\x0a\x5f\x72\x65\x62\x75\x69\x6c\x64\x5f\x74\x65\x6e"
		"\x73\x6f\x72\x5f\x76\x33\x0a\x71\x01\x28\x28\x58\x07\x00\x00\x00"
		"\x73\x74\x6f\x72\x61\x67\x65\x71\x02\x63\x74\x6f\x72\x63\x68\x2e"
		"\x73\x74\x6f\x72\x61\x67\x65\x0a\x55\x6e\x74\x79\x70\x65\x64\x53"
		"\x74\x6f\x72\x61\x67\x65\x0a\x71\x03\x58\x01\x00\x00\x00\x30\x71"
		"\x04\x58\x03\x00\x00\x00\x63\x70\x75\x71\x05\x4b\x04\x74\x71\x06"
		"\x51\x4b\x00\x4b\x02\x85\x71\x07\x4b\x01\x85\x71\x08\x89\x63\x63"
		"\x6f\x6c\x6c\x65\x63\x74\x69\x6f\x6e\x73\x0a\x4f\x72\x64\x65\x72"
		"\x65\x64\x44\x69\x63\x74\x0a\x71\x09\x29\x52\x71\x0a\x63\x74\x6f"
		"\x72\x63\x68\x0a\x75\x69\x6e\x74\x31\x36\x0a\x71\x0b\x74\x71\x0c"
		"\x52\x71\x0d\x63\x74\x6f\x72\x63\x68\x2e\x5f\x75\x74\x69\x6c\x73"
		"\x0a\x5f\x72\x65\x62\x75\x69\x6c\x64\x5f\x74\x65\x6e\x73\x6f\x72"
		"\x5f\x76\x32\x0a\x71\x0e\x28\x28\x68\x02\x63\x74\x6f\x72\x63\x68"
		"\x0a\x46\x6c\x6f\x61\x74\x53\x74\x6f\x72\x61\x67\x65\x0a\x71\x0f"
		"\x58\x01\x00\x00\x00\x31\x71\x10\x68\x05\x4b\x01\x74\x71\x11\x51"
		"\x4b\x00\x29\x29\x89\x68\x09\x29\x52\x71\x12\x74\x71\x13\x52\x71"
		"\x14\x65\x2e";
	static const float one = 1;
	irx_tensor scalar = {.dtype = IRX_DTYPE_FLOAT32, .ndim = 0, .data = (const uint8_t *)&one};
	const irx_tensor *p[2] = {&samples[0].t};
	irx_error err = {0};
	struct zipped z;
	struct mem m;
	const uint8_t *d;
	size_t len;

	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 1, IRX_SAVE_DICT, "sd", &err),
			 IRX_OK);
	mem_close(&m);
	zip_of(&m, &z);
	d = entry(&z, "sd/data.pkl", &len);
	assert_int_equal(len, sizeof(dict_w) - 1);
	assert_memory_equal(d, dict_w, len);
	zip_done(&z);
	free(m.buf);

	p[0] = &samples[6].t;
	p[1] = &scalar;
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 2, IRX_SAVE_LIST, NULL, &err),
			 IRX_OK);
	mem_close(&m);
	zip_of(&m, &z);
	d = entry(&z, "archive/data.pkl", &len);
	assert_int_equal(len, sizeof(list_v3) - 1);
	assert_memory_equal(d, list_v3, len);
	zip_done(&z);
	free(m.buf);
}

static void torch_save_containers(void **state)
{
	const irx_tensor *p[N_SAMPLES];
	irx_error err = {0};
	struct zipped z;
	struct mem m;
	const uint8_t *d;
	size_t len;

	sample_ptrs(p);
	/* (t0, t1): TUPLE2, BINPUT, STOP */
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 2, IRX_SAVE_TUPLE, NULL, &err),
			 IRX_OK);
	mem_close(&m);
	zip_of(&m, &z);
	d = entry(&z, "archive/data.pkl", &len);
	assert_int_equal(d[len - 4], 0x86);
	assert_int_equal(d[len - 3], 'q');
	zip_done(&z);
	free(m.buf);
	/* () and []: nothing but the container */
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 0, IRX_SAVE_TUPLE, NULL, &err),
			 IRX_OK);
	mem_close(&m);
	zip_of(&m, &z);
	d = entry(&z, "archive/data.pkl", &len);
	assert_int_equal(len, 4);
	assert_memory_equal(d, "\x80\x02).", 4);
	assert_int_equal(irx_zip_n_entries(z.zip), 4);
	zip_done(&z);
	free(m.buf);
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 0, IRX_SAVE_LIST, NULL, &err),
			 IRX_OK);
	mem_close(&m);
	zip_of(&m, &z);
	d = entry(&z, "archive/data.pkl", &len);
	assert_memory_equal(d, "\x80\x02]q\x00.", len);
	zip_done(&z);
	free(m.buf);
}

static void torch_save_is_reproducible(void **state)
{
	const irx_tensor *p[N_SAMPLES];
	irx_error err = {0};
	struct mem a, b;

	sample_ptrs(p);
	assert_int_equal(
		irx_torch_save_write(mem_open(&a), p, N_SAMPLES, IRX_SAVE_LIST, NULL, &err),
		IRX_OK);
	mem_close(&a);
	assert_int_equal(
		irx_torch_save_write(mem_open(&b), p, N_SAMPLES, IRX_SAVE_LIST, NULL, &err),
		IRX_OK);
	mem_close(&b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	free(a.buf);
	free(b.buf);
}

static void torch_save_errors(void **state)
{
	irx_tensor ghost = samples[0].t, dup = samples[1].t, nameless = samples[0].t;
	const irx_tensor *p[2] = {&samples[0].t, &dup};
	irx_error err = {0};
	struct mem m;

	/* cppcheck-suppress unreadVariable ; false positive: read through p[1] == &dup */
	dup.name = "w";
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 2, IRX_SAVE_DICT, NULL, &err),
			 IRX_EINVAL);
	assert_non_null(strstr(err.text, "'w'"));
	mem_close(&m);
	free(m.buf);
	/* A list does not care about names. */
	irx_error_clear(&err);
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 2, IRX_SAVE_LIST, NULL, &err),
			 IRX_OK);
	mem_close(&m);
	free(m.buf);

	nameless.name = NULL;
	p[0] = &nameless;
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 1, IRX_SAVE_DICT, NULL, &err),
			 IRX_EINVAL);
	assert_non_null(strstr(err.text, "no name"));
	mem_close(&m);
	free(m.buf);

	ghost.name = "ghost";
	ghost.data = NULL;
	p[0] = &ghost;
	irx_error_clear(&err);
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 1, IRX_SAVE_LIST, NULL, &err),
			 IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "'ghost'"));
	mem_close(&m);
	free(m.buf);

	p[0] = &samples[0].t;
	irx_error_clear(&err);
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, 1, IRX_SAVE_LIST, "a/b", &err),
			 IRX_EINVAL);
	assert_non_null(strstr(err.text, "'a/b'"));
	irx_error_clear(&err);
	assert_int_equal(irx_torch_save_write(m.f, p, 1, 7, NULL, &err), IRX_EINVAL);
	mem_close(&m);
	assert_int_equal(m.len, 0); /* refused before writing anything */
	free(m.buf);
}

/* A full disk is reported, not ignored. */
static void writers_report_write_errors(void **state)
{
	const irx_tensor *p[N_SAMPLES];
	irx_error err = {0};
	FILE *f;

	if (!(f = fopen("/dev/full", "w")))
		return; /* no such device here: nothing to test */
	sample_ptrs(p);
	assert_int_equal(irx_torch_save_write(f, p, N_SAMPLES, IRX_SAVE_LIST, NULL, &err), IRX_EIO);
	assert_non_null(strstr(err.text, "cannot write"));
	fclose(f);
	assert_non_null(f = fopen("/dev/full", "w"));
	irx_error_clear(&err);
	assert_int_equal(irx_safetensors_write(f, p, N_SAMPLES, NULL, &err), IRX_EIO);
	assert_non_null(strstr(err.text, "cannot write"));
	fclose(f);
}

/* 66,001 storages: more entries than a classic end record can count, and
 * a last batch of one, which a list still ends with APPENDS. */
static void torch_save_zip64_entry_count(void **state)
{
	enum { N = 66001 };
	static const int8_t v = -5;
	irx_tensor t = {.dtype = IRX_DTYPE_INT8, .ndim = 0, .data = (const uint8_t *)&v};
	const irx_tensor **p = malloc(N * sizeof(*p));
	irx_error err = {0};
	struct zipped z;
	struct mem m;
	const uint8_t *d;
	size_t len;

	assert_non_null(p);
	for (int i = 0; i < N; i++)
		p[i] = &t;
	assert_int_equal(irx_torch_save_write(mem_open(&m), p, N, IRX_SAVE_LIST, NULL, &err),
			 IRX_OK);
	mem_close(&m);
	assert_non_null(memmem(m.buf + m.len - 98, 98, "PK\6\6", 4)); /* ZIP64 end record */
	zip_of(&m, &z);
	assert_int_equal(irx_zip_n_entries(z.zip), N + 4);
	d = entry(&z, "archive/data/66000", &len);
	assert_int_equal(len, 1);
	assert_int_equal((int8_t)d[0], -5);
	d = entry(&z, "archive/data.pkl", &len);
	assert_true(d[len - 1] == '.' && d[len - 2] == 'e'); /* APPENDS */
	zip_done(&z);
	free(m.buf);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_nbytes_and_contiguity),
		cmocka_unit_test(layout_copy_contiguous_every_layout),
		cmocka_unit_test(layout_copy_contiguous_big),
		cmocka_unit_test(safetensors_header_and_bytes),
		cmocka_unit_test(safetensors_no_metadata_and_chunks),
		cmocka_unit_test(safetensors_refuses_what_it_cannot_store),
		cmocka_unit_test(torch_save_entries_and_bytes),
		cmocka_unit_test(torch_save_pickle_matches_python),
		cmocka_unit_test(torch_save_containers),
		cmocka_unit_test(torch_save_is_reproducible),
		cmocka_unit_test(torch_save_errors),
		cmocka_unit_test(writers_report_write_errors),
		cmocka_unit_test(torch_save_zip64_entry_count),
	};
	return cmocka_run_group_tests_name("tensor-write", tests, NULL, NULL);
}
