/*
 * irx/torchscript.h: what a TorchScript archive holds, read without
 * libtorch.
 *
 * A torch.jit.save archive (full, or a lite-interpreter .ptl that still
 * carries code/) is read as data: data.pkl and constants.pkl by the pickle
 * reader in its TorchScript mode (every __torch__ class becomes a generic
 * object with its attributes; nothing is run), the classes' code/ files
 * only for their __parameters__ and __buffers__ lines and the signatures
 * of their methods.  Tensors are read in place, as irx_tensors_open()
 * reads them (which also opens TorchScript archives, naming tensors by
 * their state_dict keys).  Custom-class objects (TensorRT engines, packed
 * quantized parameters) and quantized tensors are kept opaque with their
 * class name.
 */
#ifndef IRX_TORCHSCRIPT_H
#define IRX_TORCHSCRIPT_H

#include <stdio.h>

#include "irx/archive.h"
#include "irx/dump.h"
#include "irx/tensor.h"

IRX_BEGIN_DECLS

/** What a tensor of a TorchScript archive is to its module. */
enum irx_ts_tensor_kind {
	IRX_TS_PARAMETER = 1, /* in its class's __parameters__ */
	IRX_TS_BUFFER,        /* in its class's __buffers__ */
	IRX_TS_UNKNOWN,       /* a buffer or a plain attribute: the file does not say
			       * (version-2 files have no __buffers__ lines) */
	IRX_TS_ATTRIBUTE,     /* another tensor attribute (not in the state_dict) */
	IRX_TS_CONSTANT,      /* a tensor of constants.pkl, named "CONSTANTS.c<N>" */
};

/** One module (or other scripted object) of the tree, parents first. */
typedef struct irx_ts_module {
	const char *path;       /* "" for the root, else "encoder.0.conv" */
	const char *class_name; /* as saved: "__torch__.___torch_mangle_3.Block" */
	const char *display;    /* without "__torch__." and manglings: "Block" */
	int depth;              /* 0 for the root */
} irx_ts_module;

/** A method of a class, from its code/ file. */
typedef struct irx_ts_method {
	const char *class_name; /* as saved */
	const char *name;       /* "forward" */
	const char *signature;  /* "(self, x: Tensor, k: int=2) -> Tensor" */
} irx_ts_method;

/** A value kept opaque: a custom-class object or a quantized tensor. */
typedef struct irx_ts_opaque {
	const char *path;       /* attribute path: "engine", "fc._packed_params" */
	const char *class_name; /* "__torch__.torch.classes.tensorrt.Engine" */
	const char *why;        /* "a custom-class object" */
} irx_ts_opaque;

typedef struct irx_torchscript irx_torchscript;

/**
 * Read archive A (borrowed; it must outlive the result).  Fails with
 * IRX_EUNSUPPORTED for a bytecode-only .ptl and an archive of another
 * kind, IRX_EFORMAT for a damaged one (no code/, a version outside 2 to
 * 10, a pickle that is not TorchScript's or lies about its storages).
 */
IRX_API irx_status irx_torchscript_open(irx_torchscript **out, const irx_archive *a,
					const irx_tensors_options *o, irx_error *err);
IRX_API void irx_torchscript_free(irx_torchscript *ts);

/** The archive's file format version ("3"). */
IRX_API const char *irx_torchscript_version(const irx_torchscript *ts);
/** Its tensors, named by state_dict key; borrowed. */
IRX_API const irx_tensors *irx_torchscript_tensors(const irx_torchscript *ts);
/** What tensor I of irx_torchscript_tensors() is. */
IRX_API enum irx_ts_tensor_kind irx_torchscript_tensor_kind(const irx_torchscript *ts, size_t i);
/** "parameter", "buffer", "unknown", "attribute", "constant". */
IRX_API const char *irx_ts_tensor_kind_name(enum irx_ts_tensor_kind kind);

IRX_API size_t irx_torchscript_n_modules(const irx_torchscript *ts);
IRX_API const irx_ts_module *irx_torchscript_module(const irx_torchscript *ts, size_t i);
/** Methods of every class the module tree uses, in the tree's order. */
IRX_API size_t irx_torchscript_n_methods(const irx_torchscript *ts);
IRX_API const irx_ts_method *irx_torchscript_method(const irx_torchscript *ts, size_t i);
IRX_API size_t irx_torchscript_n_opaque(const irx_torchscript *ts);
IRX_API const irx_ts_opaque *irx_torchscript_opaque(const irx_torchscript *ts, size_t i);

/**
 * The listing irx-dump shows: module tree, tensors (state_dict key, kind,
 * dtype, shape, bytes; STATS adds statistics), opaque values, methods.
 * JSON is one object: {"format": "torchscript", "version", "root",
 * "modules": [{"path", "class", "display"}], "tensors": [{"name", "kind",
 * "dtype", "shape", "bytes", "stats"}], "opaque": [...], "methods":
 * [{"class", "name", "signature"}]}.
 */
IRX_API irx_status irx_dump_torchscript(FILE *f, const irx_torchscript *ts,
					enum irx_dump_format fmt, int stats, irx_error *err);

IRX_END_DECLS

#endif
