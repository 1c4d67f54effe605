/*
 * irx/tensor.h: tensor files read in place and written back.
 *
 * Reads the containers that weights, inputs and outputs come in:
 *   - torch.save files (the zip format of torch >= 1.6): state dicts,
 *     lists, tuples and dicts of tensors, nested; read by a pickle reader
 *     that builds data and never executes anything (globals outside an
 *     allowlist are refused by name, as torch.load(weights_only=True) does);
 *   - safetensors files;
 *   - the weights and constants inside .pt2 archives, in every layout;
 *   - the tensors of TorchScript archives (torch.jit.save), named by their
 *     state_dict keys; constants as "CONSTANTS.c<N>" (irx/torchscript.h).
 *
 * Storage bytes are pointers into the mapped file: opening a multi-gigabyte
 * state dict touches only its metadata.  Tensors that share a storage
 * (tied weights, views) point into the same bytes.  Big-endian payloads
 * are byte-swapped into memory on open, so numbers are never wrong.
 *
 * What is verified on open: the CRC-32 of every metadata entry (data.pkl,
 * byteorder, configs), that every storage lies inside its zip entry or
 * file, and that every tensor's offset, sizes and strides stay inside its
 * storage.  Payload CRCs are verified only by irx_tensors_verify(), which
 * reads every byte.
 */
#ifndef IRX_TENSOR_H
#define IRX_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "irx/archive.h"
#include "irx/dtype.h"

IRX_BEGIN_DECLS

/** Dimensions a tensor may have. */
#define IRX_TENSOR_MAX_DIMS 64

enum irx_tensors_format {
	IRX_TENSORS_TORCH_SAVE = 1, /* torch.save zip */
	IRX_TENSORS_SAFETENSORS,
	IRX_TENSORS_PT2,         /* weights and constants of a .pt2 archive */
	IRX_TENSORS_TORCHSCRIPT, /* parameters, buffers, attributes and constants
				     * of a TorchScript archive (irx/torchscript.h) */
};

/**
 * One tensor: a strided view of a storage.  Everything is borrowed from
 * the irx_tensors that holds it.
 */
typedef struct irx_tensor {
	const char *name; /* state_dict key, position ("0"), or dotted path */
	enum irx_dtype dtype;
	int ndim;
	const int64_t *shape;
	const int64_t *strides; /* in elements */
	int64_t offset;         /* in elements, from the start of the storage */
	int64_t numel;
	const char *device; /* as recorded: "cpu", "cuda:0", "meta" */
	int requires_grad;
	int is_parameter;    /* saved as nn.Parameter */
	int storage;         /* index of its storage, or -1: no data (meta) */
	const uint8_t *data; /* element [0,...,0], or NULL without data */
} irx_tensor;

/** The bytes several tensors may view. */
typedef struct irx_storage {
	const char *key;     /* zip entry or safetensors name */
	const uint8_t *data; /* mapped (or swapped/inflated copy) */
	uint64_t nbytes;
	int n_views; /* tensors that view it */
} irx_storage;

typedef struct irx_tensors irx_tensors;

typedef struct irx_tensors_options {
	/* .pt2 archives: the program ("model" by default) and which payloads */
	const char *model;
	int constants; /* nonzero: read constants, not weights */
	irx_warn_fn warn;
	void *warn_ctx;
} irx_tensors_options;

/** Every option at its default. */
#define IRX_TENSORS_OPTIONS_INIT    \
	{                           \
		NULL, 0, NULL, NULL \
	}

/**
 * Open PATH ("-" for stdin): a torch.save file, a safetensors file or a
 * .pt2 archive.  @param out new set; free with irx_tensors_free().
 */
IRX_API irx_status irx_tensors_open(irx_tensors **out, const char *path,
				    const irx_tensors_options *o, irx_error *err);
/** Like irx_tensors_open(), from BLOB, which it takes (freed with the set,
 * or at once on failure). */
IRX_API irx_status irx_tensors_open_blob(irx_tensors **out, irx_blob *blob,
					 const irx_tensors_options *o, irx_error *err);
/** From an open archive (borrowed; it must outlive the set). */
IRX_API irx_status irx_tensors_open_archive(irx_tensors **out, const irx_archive *a,
					    const irx_tensors_options *o, irx_error *err);
IRX_API void irx_tensors_free(irx_tensors *t);

IRX_API enum irx_tensors_format irx_tensors_format(const irx_tensors *t);
/** What was saved at the top: "dict", "list", "tuple", "tensor". */
IRX_API const char *irx_tensors_container(const irx_tensors *t);
IRX_API size_t irx_tensors_count(const irx_tensors *t);
/** Tensor I in file order; borrowed. */
IRX_API const irx_tensor *irx_tensors_at(const irx_tensors *t, size_t i);
/** The tensor named NAME, or NULL. */
IRX_API const irx_tensor *irx_tensors_find(const irx_tensors *t, const char *name);
IRX_API size_t irx_tensors_n_storages(const irx_tensors *t);
IRX_API const irx_storage *irx_tensors_storage(const irx_tensors *t, size_t i);
/** safetensors "__metadata__" value for KEY, or NULL. */
IRX_API const char *irx_tensors_metadata(const irx_tensors *t, const char *key);
/** The number of "__metadata__" entries, and the key of entry I (NULL past the end). */
IRX_API size_t irx_tensors_n_metadata(const irx_tensors *t);
IRX_API const char *irx_tensors_metadata_key(const irx_tensors *t, size_t i);

/**
 * Done with bytes [P, P+N) of a tensor's data: pages mapped from the file
 * leave this process's memory (see irx_blob_release()), so a pass over
 * every tensor keeps a resident size far below the file size.
 */
IRX_API void irx_tensors_release(const irx_tensors *t, const void *p, size_t n);

/**
 * Read every payload byte and check it against the zip CRC-32 (torch.save
 * and .pt2): the check that opening skips.  Fails with IRX_EFORMAT naming
 * the first entry that does not match.
 */
IRX_API irx_status irx_tensors_verify(const irx_tensors *t, irx_error *err);

/* Tensors without a file: helpers for writers and executors. */

/** Bytes of the elements of T (numel x element size); 0 on overflow. */
IRX_API uint64_t irx_tensor_nbytes(const irx_tensor *t);
/** Nonzero when T's elements are dense in row-major order. */
IRX_API int irx_tensor_is_contiguous(const irx_tensor *t);
/** Copy T's elements, in row-major order, into DST (irx_tensor_nbytes). */
IRX_API void irx_tensor_copy_contiguous(void *dst, const irx_tensor *t);

typedef struct irx_tensor_stats {
	double sum, min, max, mean; /* over the finite values (complex: |z|, in its precision) */
	uint64_t count;             /* finite values */
	uint64_t nonfinite;         /* NaN and infinities */
} irx_tensor_stats;

/** Statistics over T's elements (which must have data). */
IRX_API irx_status irx_tensor_stats_of(irx_tensor_stats *out, const irx_tensor *t, irx_error *err);

/* Writers.  Tensors are written contiguous, one storage each; output goes
 * to F, which the caller opened (and renames into place). */

/** safetensors; METADATA is NULL or a NULL-terminated key, value list. */
IRX_API irx_status irx_safetensors_write(FILE *f, const irx_tensor *const *tensors, size_t n,
					 const char *const *metadata, irx_error *err);

enum irx_torch_save_container {
	IRX_SAVE_LIST = 0, /* [t0, t1, ...] */
	IRX_SAVE_TUPLE,    /* (t0, t1, ...) */
	IRX_SAVE_DICT,     /* OrderedDict {name: tensor}, like a state dict */
};

/**
 * A torch.save file loadable with torch.load(weights_only=True) by torch
 * 1.13 and later.  ARCHIVE_NAME is the zip folder ("archive" when NULL).
 */
IRX_API irx_status irx_torch_save_write(FILE *f, const irx_tensor *const *tensors, size_t n,
					enum irx_torch_save_container container,
					const char *archive_name, irx_error *err);

IRX_END_DECLS

#endif
