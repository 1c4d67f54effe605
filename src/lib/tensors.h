/*
 * tensors.h: the tensor set as the readers build it; never installed.
 *
 * tensors.c owns the set and the checks every format shares (layouts
 * inside their storages, byte order); torch-save.c, safetensors.c and
 * pt2-weights.c each fill a set from one kind of file.
 */
#ifndef IRX_TENSORS_H
#define IRX_TENSORS_H

#include <jansson.h>

#include "irx/tensor.h"

/* Where a storage's bytes came from, for irx_tensors_verify(). */
struct ts_origin {
	const irx_zip *zip;          /* NULL: nothing to verify (safetensors) */
	const irx_zip_entry *entry;
	const uint8_t *raw;          /* the bytes as stored (before any swap) */
};

struct irx_tensors {
	enum irx_tensors_format format;
	const char *container;
	irx_tensor *tensors;
	size_t n, cap;
	irx_storage *storages;
	struct ts_origin *origins;
	size_t n_storages, cap_storages;
	uint32_t *by_name;           /* open addressing: tensor index + 1, or 0 */
	size_t slots;                /* a power of two, over twice n */
	json_t *metadata;            /* safetensors __metadata__ */
	irx_blob *blob;              /* owned, or NULL */
	irx_archive *archive;        /* owned, or NULL */
	const irx_blob *root;        /* the file's bytes, for releasing pages */
	struct ts_cleanup { void (*fn)(void *); void *p; } *cleanups;
	size_t n_cleanups, cap_cleanups;
	irx_warn_fn warn;
	void *warn_ctx;
};

/* Free P with FN when the set is freed.  On failure P is freed now. */
int ts_keep(irx_tensors *t, void (*fn)(void *), void *p);
char *ts_strdup(irx_tensors *t, const char *s);
void *ts_alloc(irx_tensors *t, size_t size);
/* A new zeroed tensor at the end (storage -1); NULL when out of memory. */
irx_tensor *ts_add_tensor(irx_tensors *t);
/* A new storage; returns its index or a negative status. */
int ts_add_storage(irx_tensors *t, const char *key, const uint8_t *data, uint64_t nbytes,
		   const irx_zip *zip, const irx_zip_entry *entry);
/* Tie tensor T to storage S after checking its layout fits; names the
 * tensor in the error. */
int ts_bind(irx_tensors *t, irx_tensor *tensor, int storage, irx_error *err);
/* Check a tensor's own fields (dtype, dims, element count); sets numel. */
int ts_check_shape(irx_tensor *tensor, irx_error *err);
/* Byte-swap storage S in place of a copy (big-endian payloads); UNIT is
 * the size of the scalars in it (a complex64 is two 4-byte scalars). */
int ts_swap_storage(irx_tensors *t, int storage, size_t unit, irx_error *err);
/* The scalar size to swap for DTYPE. */
size_t ts_swap_unit(int dtype);

/* <prefix>byteorder: "little", "big", or absent (little). */
int ts_read_byteorder(const irx_zip *z, const char *prefix, int *big, irx_error *err);

/* Readers: each appends to T. */
int ts_read_torch_save(irx_tensors *t, const irx_zip *z, irx_error *err);
int ts_read_safetensors(irx_tensors *t, const irx_blob *blob, irx_error *err);
int ts_read_pt2(irx_tensors *t, const irx_archive *a, const char *model, int constants,
		irx_error *err);
/* A nested torch.save zip stored in entry E of Z (legacy .pt2 weights). */
int ts_read_nested_torch_save(irx_tensors *t, const irx_zip *z, const irx_zip_entry *e,
			      irx_error *err);

#endif
