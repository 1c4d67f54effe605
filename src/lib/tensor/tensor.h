/*
 * tensor/tensor.h: the tensor set as the readers build it, and the
 * strided-tensor arithmetic the set, the writers and the comparison
 * share; never installed.  Private symbols here start with tensor_.
 *
 * set.c owns the set and the checks every format shares (layouts inside
 * their storages, byte order); torch-save.c, safetensors.c and
 * pt2-weights.c each fill a set from one kind of file; open.c tells the
 * kinds apart and calls the right reader.
 */
#ifndef IRX_TENSOR_TENSOR_H
#define IRX_TENSOR_TENSOR_H

#include <jansson.h>

#include "irx/tensor.h"
#include "formats/formats.h"

/* Where a storage's bytes came from, for irx_tensors_verify(). */
struct tensor_origin {
	const irx_zip *zip; /* NULL: nothing to verify (safetensors) */
	const irx_zip_entry *entry;
	const uint8_t *raw; /* the bytes as stored (before any swap) */
};

struct irx_tensors {
	enum irx_tensors_format format;
	const char *container;
	irx_tensor *tensors;
	size_t n, cap;
	irx_storage *storages;
	struct tensor_origin *origins;
	size_t n_storages, cap_storages;
	uint32_t *by_name;    /* open addressing: tensor index + 1, or 0 */
	size_t slots;         /* a power of two, over twice n */
	json_t *metadata;     /* safetensors __metadata__ */
	irx_blob *blob;       /* owned, or NULL */
	irx_archive *archive; /* owned, or NULL */
	const irx_blob *root; /* the file's bytes, for releasing pages */
	struct tensor_cleanup {
		void (*fn)(void *);
		void *p;
	} * cleanups;
	size_t n_cleanups, cap_cleanups;
	irx_warn_fn warn;
	void *warn_ctx;
};

/* Free P with FN when the set is freed.  On failure P is freed now. */
int tensor_keep(irx_tensors *t, void (*fn)(void *), void *p);
char *tensor_strdup(irx_tensors *t, const char *s);
void *tensor_alloc(irx_tensors *t, size_t size);
/* A new zeroed tensor at the end (storage -1); NULL when out of memory. */
irx_tensor *tensor_add_tensor(irx_tensors *t);
/* A new storage; returns its index or a negative status. */
int tensor_add_storage(irx_tensors *t, const char *key, const uint8_t *data, uint64_t nbytes,
		       const irx_zip *zip, const irx_zip_entry *entry);
/* Tie tensor T to storage S after checking its layout fits; names the
 * tensor in the error. */
int tensor_bind(irx_tensors *t, irx_tensor *tensor, int storage, irx_error *err);
/* Check a tensor's own fields (dtype, dims, element count); sets numel. */
int tensor_check_shape(irx_tensor *tensor, irx_error *err);
/* Byte-swap storage S in place of a copy (big-endian payloads); UNIT is
 * the size of the scalars in it (a complex64 is two 4-byte scalars). */
int tensor_swap_storage(irx_tensors *t, int storage, size_t unit, irx_error *err);
/* The scalar size to swap for DTYPE. */
size_t tensor_swap_unit(int dtype);

/* <prefix>byteorder: "little", "big", or absent (little). */
int tensor_read_byteorder(const irx_zip *z, const char *prefix, int *big, irx_error *err);

/* Readers: each appends to T. */
int tensor_read_torch_save(irx_tensors *t, const irx_zip *z, irx_error *err);
int tensor_read_safetensors(irx_tensors *t, const irx_blob *blob, irx_error *err);
int tensor_read_pt2(irx_tensors *t, const irx_archive *a, const char *model, int constants,
		    irx_error *err);
/*
 * torch-save.c: the tensors of a pickle whose storages are zip entries
 * (torch.save, TorchScript).  STORAGE_MAP has one slot per pickle storage,
 * -1 until it is mapped; a storage with key K is entry DIR K (or DIR K
 * ALT_SUFFIX), named KEY_PREFIX K in the set.
 */
struct tensor_pickled {
	irx_tensors *t;
	const irx_zip *z;
	const char *dir;        /* "archive/data/" */
	const char *alt_suffix; /* NULL, or ".storage" (lite interpreter) */
	const char *key_prefix; /* NULL, or "constants/" */
	int *storage_map;
	int big_endian;
};
/* A dotted path grown and shrunk while walking (at most 64 KiB). */
struct tensor_name {
	char *buf;
	size_t len, cap;
};
int tensor_name_push(struct tensor_name *nm, const char *part, size_t n, irx_error *err);
void tensor_name_pop(struct tensor_name *nm, size_t mark);
int tensor_map_storage(struct tensor_pickled *st, const struct pk_storage *s, int dtype, int *out,
		       irx_error *err);
/* A tensor named NAME for P, bound to its storage; *OUT (if not NULL)
 * is the new tensor. */
int tensor_add_pickled(struct tensor_pickled *st, const char *name, const struct pk_tensor *p,
		       irx_tensor **out, irx_error *err);
/* torchscript.c: the tensors of a TorchScript archive (irx/torchscript.h);
 * INFO, when not NULL, receives the module tree and methods. */
struct irx_torchscript;
int tensor_read_torchscript(irx_tensors *t, const irx_archive *a, struct irx_torchscript *info,
			    irx_error *err);

/* A nested torch.save zip stored in entry E of Z (legacy .pt2 weights). */
int tensor_read_nested_torch_save(irx_tensors *t, const irx_zip *z, const irx_zip_entry *e,
				  irx_error *err);

/* set.c: a new empty set (warnings from O), and the index of its names
 * that irx_tensors_find() uses, built once the readers are done. */
irx_tensors *tensor_set_new(const irx_tensors_options *o);
int tensor_set_index(irx_tensors *t, irx_error *err);

/* layout.c: strided tensors (struct irx_tensor, irx/tensor.h). */
/* T's element count and byte size; 0 for an unknown dtype, a bad shape
 * or a size past PTRDIFF_MAX. */
int tensor_size(const struct irx_tensor *t, uint64_t *numel, uint64_t *nbytes);
/* Row-major strides for SHAPE, as torch computes them (empty dims as 1). */
void tensor_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);
/* Elements FIRST .. FIRST+N-1 of T, in row-major order, packed into DST:
 * a big tensor is gathered a chunk at a time. */
void tensor_gather(const struct irx_tensor *t, uint64_t first, uint64_t n, void *dst);

/* stats.c: one element of DTYPE at P as a double (complex: the
 * real part, the imaginary one in *IMAG). */
double tensor_scalar(int dtype, const uint8_t *p, double *imag);

#endif
