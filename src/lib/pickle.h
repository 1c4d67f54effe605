/*
 * pickle.h: the pickle subset torch.save writes, read into plain values.
 *
 * The reader is a stack machine over the opcodes torch emits (protocol 2,
 * and the protocol 4 forms a user may ask for).  It builds data and never
 * executes anything: a GLOBAL is looked up in an allowlist of the names
 * torch writes for plain tensors and containers, and anything else is
 * refused by its name.  Calls to allowed globals (REDUCE) construct
 * tensors, storages, ordered dicts and devices directly.  Tensor kinds irx
 * does not read (quantized, sparse, nested, subclasses) become "refused"
 * values, so the error can name the tensor once its place is known.
 *
 * Never installed; used by torch-save.c.
 */
#ifndef IRX_PICKLE_H
#define IRX_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "irx/error.h"

enum pk_kind {
	PK_NONE, PK_BOOL, PK_INT, PK_FLOAT, PK_STR, PK_BYTES,
	PK_TUPLE, PK_LIST, PK_DICT,
	PK_GLOBAL,   /* an allowed global used as a value (dtype, class) */
	PK_STORAGE,  /* from a persistent id */
	PK_TENSOR,
	PK_REFUSED,  /* a tensor kind irx does not read; text says which */
};

struct pk_storage {
	const char *key;      /* "0": the entry <prefix>/data/<key> */
	const char *location; /* "cpu", "cuda:0" */
	int dtype;            /* enum irx_dtype; UNKNOWN for UntypedStorage */
	uint64_t numel;       /* elements of dtype (bytes when untyped) */
	int index;            /* position in the reader's storage list */
};

struct pk_tensor {
	struct pk_storage *storage; /* NULL: no data (meta, fake) */
	int dtype;
	int ndim;
	int64_t *shape, *strides, offset;
	int requires_grad, is_parameter;
	const char *device;
};

struct pk_value {
	enum pk_kind kind;
	size_t offset;              /* pickle offset of the opcode that made it */
	union {
		int64_t i;          /* BOOL, INT */
		double f;
		struct { const char *s; size_t len; } str; /* STR, BYTES, GLOBAL ("module.name"), REFUSED */
		struct { struct pk_value **v; size_t n, cap; } seq; /* TUPLE, LIST; DICT: key, value, ... */
		struct pk_storage *storage;
		struct pk_tensor *tensor;
	} u;
	int ordered;                /* DICT: an OrderedDict */
	int global;                 /* GLOBAL: what it is (pickle.c) */
};

struct pk_reader;

/**
 * Run the pickle DATA (borrowed; values point into it only through copies).
 * *ROOT is owned by the reader; free both with pk_free().  Errors name
 * the pickle offset in err->where.
 */
int pk_load(struct pk_reader **out, const uint8_t *data, size_t len,
	    struct pk_value **root, irx_error *err);
void pk_free(struct pk_reader *r);
size_t pk_n_storages(const struct pk_reader *r);
struct pk_storage *pk_storage_at(const struct pk_reader *r, size_t i);

#endif
