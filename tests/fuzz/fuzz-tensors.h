/*
 * fuzz-tensors.h: what every tensor-file fuzz target does with a set that
 * opened.  Included by fuzz-safetensors.c, fuzz-zip.c, fuzz-torch-save.c.
 *
 * A tensor's data usually points into the fuzzer's input (a stored zip
 * entry, a safetensors payload), so a read past the end of its storage
 * but still inside the input would go unnoticed.  Each storage is
 * therefore copied into a heap block of exactly its size and every tensor
 * is re-pointed at the same place in the copy before its statistics and
 * its contiguous copy are taken: ASan reports any element read outside
 * the storage.  The two results are cross-checked (min, max, counts).
 *
 * Statistics walk every element, and a broadcast view (stride 0) may have
 * 2^62 elements over a 4-byte storage: tensors with more than
 * FUZZ_MAX_NUMEL elements are only checked for their layout, and the dump
 * (which takes statistics of every tensor) runs only when all tensors are
 * under that bound.
 */
#ifndef FUZZ_TENSORS_H
#define FUZZ_TENSORS_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "irx.h"

#define FUZZ_MAX_NUMEL ((int64_t)1 << 20)

#define FUZZ_CHECK(c)                                                                    \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #c, __FILE__, \
				__LINE__);                                               \
			__builtin_trap();                                                \
		}                                                                        \
	} while (0)

static FILE *fuzz_devnull(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

/* The last byte a layout reaches, from element [0,...,0]; -1 when empty. */
static int64_t fuzz_extent(const irx_tensor *x, size_t es)
{
	int64_t last = 0;

	for (int d = 0; d < x->ndim; d++) {
		if (x->shape[d] == 0)
			return -1;
		int64_t step;
		/* the readers check this on open: an overflow is a finding */
		FUZZ_CHECK(!__builtin_mul_overflow(x->shape[d] - 1, x->strides[d], &step) &&
			   !__builtin_add_overflow(last, step, &last));
	}
	FUZZ_CHECK(!__builtin_mul_overflow(last + 1, (int64_t)es, &last));
	return last - 1;
}

static void fuzz_one_tensor(const irx_tensors *set, const irx_tensor *x, uint8_t *const *copies)
{
	size_t es = irx_dtype_size(x->dtype);
	irx_tensor_stats st, st2;
	irx_error err = {0};
	irx_tensor y = *x;
	int64_t strides[IRX_TENSOR_MAX_DIMS];

	FUZZ_CHECK(x->name != NULL);
	FUZZ_CHECK(x->ndim >= 0 && x->ndim <= IRX_TENSOR_MAX_DIMS);
	FUZZ_CHECK(x->numel >= 0);
	FUZZ_CHECK(x->ndim == 0 || (x->shape && x->strides));
	if (x->storage < 0 || !x->data) {
		FUZZ_CHECK(x->numel == 0 || irx_tensor_stats_of(&st, x, &err) != 0);
		return;
	}
	FUZZ_CHECK(es != 0);
	FUZZ_CHECK((size_t)x->storage < irx_tensors_n_storages(set));
	const irx_storage *s = irx_tensors_storage(set, (size_t)x->storage);
	FUZZ_CHECK(s && s->data);
	/* element [0,...,0] and the last element lie inside the storage */
	FUZZ_CHECK(x->data >= s->data && (uint64_t)(x->data - s->data) <= s->nbytes);
	int64_t ext = fuzz_extent(x, es);
	FUZZ_CHECK(ext < 0 || (uint64_t)(x->data - s->data) + (uint64_t)ext < s->nbytes);
	if (x->numel > FUZZ_MAX_NUMEL)
		return;
	y.data = copies[x->storage] + (x->data - s->data);

	/* statistics of the view, read through its strides */
	FUZZ_CHECK(irx_tensor_stats_of(&st, &y, &err) == 0);
	FUZZ_CHECK(st.count + st.nonfinite == (uint64_t)y.numel);

	/* its row-major copy, and the statistics of that */
	uint64_t nbytes = irx_tensor_nbytes(&y);
	FUZZ_CHECK(nbytes == (uint64_t)y.numel * es);
	uint8_t *dense = malloc(nbytes ? nbytes : 1);
	if (!dense)
		return;
	irx_tensor_copy_contiguous(dense, &y);
	irx_tensor z = y;
	for (int64_t d = y.ndim, step = 1; d-- > 0;) {
		strides[d] = step;
		step *= y.shape[d] > 1 ? y.shape[d] : 1;
	}
	z.strides = strides;
	z.offset = 0;
	z.data = dense;
	FUZZ_CHECK(irx_tensor_is_contiguous(&z));
	FUZZ_CHECK(irx_tensor_stats_of(&st2, &z, &err) == 0);
	FUZZ_CHECK(st.count == st2.count && st.nonfinite == st2.nonfinite);
	FUZZ_CHECK(!st.count || (st.min == st2.min && st.max == st2.max));
	free(dense);
}

/* The JSON dump, which must parse and list every tensor once. */
static void fuzz_dump_json(const irx_tensors *set)
{
	irx_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *doc = NULL;

	if (!f)
		return;
	int rc = irx_dump_tensors(f, set, IRX_DUMP_JSON, 1, &err);
	fclose(f);
	if (rc == 0) {
		FUZZ_CHECK(irx_json_parse(&doc, (const uint8_t *)buf, len, &err) == 0);
		FUZZ_CHECK(json_array_size(json_object_get(doc, "tensors")) ==
			   irx_tensors_count(set));
		json_decref(doc);
	}
	free(buf);
}

/* Every tensor, then the dump in both formats; and verify when ZIPPED. */
static void fuzz_tensor_set(const irx_tensors *set, int zipped)
{
	size_t ns = irx_tensors_n_storages(set), n = irx_tensors_count(set);
	uint8_t **copies = calloc(ns ? ns : 1, sizeof(*copies));
	irx_error err = {0};
	int small = 1;

	if (!copies)
		return;
	FUZZ_CHECK(irx_tensors_container(set) != NULL);
	for (size_t i = 0; i < ns; i++) {
		const irx_storage *s = irx_tensors_storage(set, i);
		FUZZ_CHECK(s && s->key);
		if (!s->data || s->nbytes > ((uint64_t)1 << 31))
			goto out;
		/* exactly its size: malloc(0) is a block ASan guards as well */
		if (!(copies[i] = malloc((size_t)s->nbytes)) && s->nbytes)
			goto out;
		if (s->nbytes)
			memcpy(copies[i], s->data, (size_t)s->nbytes);
	}
	for (size_t i = 0; i < n; i++) {
		const irx_tensor *x = irx_tensors_at(set, i);
		FUZZ_CHECK(x != NULL);
		FUZZ_CHECK(irx_tensors_find(set, x->name) != NULL);
		if (x->numel > FUZZ_MAX_NUMEL)
			small = 0;
		fuzz_one_tensor(set, x, copies);
	}
	FUZZ_CHECK(irx_tensors_at(set, n) == NULL);
	if (small && n <= 4096) {
		irx_dump_tensors(fuzz_devnull(), set, IRX_DUMP_TEXT, 1, &err);
		irx_error_clear(&err);
		irx_dump_tensors(fuzz_devnull(), set, IRX_DUMP_TEXT, 0, &err);
		irx_error_clear(&err);
		fuzz_dump_json(set);
	}
	if (zipped)
		irx_tensors_verify(set, &err);
out:
	for (size_t i = 0; i < ns; i++)
		free(copies[i]);
	free(copies);
}

#endif
