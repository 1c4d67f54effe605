/*
 * formats/formats.h: the containers libirx reads and writes (zip, pickle,
 * JSON) and where a .pt2 archive keeps things; never installed.  Private
 * symbols here start with fmt_ (see base/base.h for the layers).
 */
#ifndef IRX_FORMATS_H
#define IRX_FORMATS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "irx/archive.h"
#include "irx/json.h"
#include "irx/zip.h"
#include "base/base.h"

/*
 * pickle.c: the pickle subset torch.save writes, read into plain values.
 *
 * The reader is a stack machine over the opcodes torch emits (protocol 2,
 * and the protocol 4 forms a user may ask for).  It builds data and never
 * executes anything: a GLOBAL is looked up in an allowlist of the names
 * torch writes for plain tensors and containers, and anything else is
 * refused by its name.  Calls to allowed globals (REDUCE) construct
 * tensors, storages, ordered dicts and devices directly.  Tensor kinds irx
 * does not read (quantized, sparse, nested, subclasses) become "refused"
 * values, so the error can name the tensor once its place is known.
 */
enum pk_kind {
	PK_NONE,
	PK_BOOL,
	PK_INT,
	PK_FLOAT,
	PK_STR,
	PK_BYTES,
	PK_TUPLE,
	PK_LIST,
	PK_DICT,
	PK_GLOBAL,  /* an allowed global used as a value (dtype, class) */
	PK_STORAGE, /* from a persistent id */
	PK_TENSOR,
	PK_REFUSED, /* a tensor kind irx does not read; text says which */
	PK_OBJECT,  /* TorchScript mode: an instance of a __torch__ class;
		      * str is its class, state what BUILD gave it */
};

/*
 * The TorchScript mode (data.pkl and constants.pkl of torch.jit.save
 * archives, never torch.save files) also accepts: any __torch__.* class,
 * made by NEWOBJ into a PK_OBJECT whose BUILD dict is its attributes;
 * custom classes (__torch__.torch.classes.*) as opaque PK_OBJECTs keeping
 * what __setstate__ would get; the torch.jit._pickle helpers
 * (restore_type_tag, build_intlist, ...) as their first argument.  It
 * still runs nothing.
 */
enum fmt_pickle_mode { FMT_PICKLE_TORCH_SAVE = 0, FMT_PICKLE_TORCHSCRIPT };

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
	size_t offset; /* pickle offset of the opcode that made it */
	union {
		int64_t i; /* BOOL, INT */
		double f;
		struct {
			const char *s;
			size_t len;
		} str; /* STR, BYTES, GLOBAL ("module.name"), REFUSED */
		struct {
			struct pk_value **v;
			size_t n, cap;
		} seq; /* TUPLE, LIST; DICT: key, value, ... */
		struct pk_storage *storage;
		struct pk_tensor *tensor;
	} u;
	struct pk_value *state; /* OBJECT: its BUILD argument, or NULL */
	int opaque;             /* OBJECT: a custom class */
	int ordered;            /* DICT: an OrderedDict */
	int global;             /* GLOBAL: what it is (pickle.c) */
};

struct pk_reader;

/**
 * Run the pickle DATA (borrowed; values point into it only through copies).
 * *ROOT is owned by the reader; free both with fmt_pickle_free().  Errors
 * name the pickle offset in err->where.
 */
int fmt_pickle_load(struct pk_reader **out, const uint8_t *data, size_t len, struct pk_value **root,
		    irx_error *err);
int fmt_pickle_load_mode(struct pk_reader **out, const uint8_t *data, size_t len,
			 enum fmt_pickle_mode mode, struct pk_value **root, irx_error *err);
void fmt_pickle_free(struct pk_reader *r);
size_t fmt_pickle_n_storages(const struct pk_reader *r);
struct pk_storage *fmt_pickle_storage_at(const struct pk_reader *r, size_t i);

/* crc32.c: the zip CRC-32 of BUF[0..LEN), LEN of any size. */
uint32_t fmt_crc32(const void *buf, size_t len);

/*
 * zip-write.c: a zip written front to back into a FILE, as torch writes
 * one: stored entries, data 64-byte aligned, data descriptors, ZIP64 where
 * needed.  An entry is added whole (fmt_zipw_add) or streamed: begin with
 * its final size, write chunks, end.  Then finish writes the directory;
 * F stays open and the caller closes it.
 */
struct fmt_zipw;
int fmt_zipw_open(struct fmt_zipw **out, FILE *f, irx_error *err);
int fmt_zipw_add(struct fmt_zipw *zw, const char *name, const void *data, size_t len,
		 irx_error *err);
int fmt_zipw_begin(struct fmt_zipw *zw, const char *name, uint64_t size, irx_error *err);
int fmt_zipw_write(struct fmt_zipw *zw, const void *data, size_t len, irx_error *err);
int fmt_zipw_end(struct fmt_zipw *zw, irx_error *err);
int fmt_zipw_finish(struct fmt_zipw *zw, irx_error *err);
/* A fingerprint of the names, CRCs and sizes of the entries so far. */
uint64_t fmt_zipw_digest(const struct fmt_zipw *zw);
void fmt_zipw_free(struct fmt_zipw *zw);

/*
 * pt2-layout.c: where a .pt2 archive keeps each model's program and the
 * data of its weights (CONSTANTS 0) or constants (1); the only file that
 * knows the entry names of the layouts torch 2.1-2.14 writes.
 */
#define FMT_PT2_LEGACY_PROGRAM "serialized_exported_program.json"
#define FMT_PT2_MODELS "models/"
void fmt_pt2_program_entry(const irx_archive *a, const char *model, char *buf, size_t size);

struct fmt_pt2_payloads {
	/* legacy and torch 2.8: one nested torch.save zip, or NULL */
	const irx_zip_entry *pickled;
	/* torch >= 2.9: the config JSON (NULL when absent), its name, and
	 * the folder its "path_name"s are relative to */
	const irx_zip_entry *config;
	char config_entry[1024];
	char dir[512];
};
void fmt_pt2_payloads(const irx_archive *a, const char *model, int constants,
		      struct fmt_pt2_payloads *out);
/* The config JSON of P (P->config not NULL), checked to hold a "config"
 * object; errors name the entry. */
int fmt_pt2_load_config(const irx_archive *a, const struct fmt_pt2_payloads *p, json_t **out,
			irx_error *err);
/* Does the nested torch.save zip in entry E hold any storage?  Reads its
 * listing only (in place when stored, as torch stores it). */
int fmt_pt2_nested_has_storage(const irx_zip *z, const irx_zip_entry *e, int *has, irx_error *err);

/*
 * The length of the run of plain bytes at P (at most N): printable ASCII
 * other than '"', '\\' and DEL, the bytes JSON text holds as they are.
 * Eight at a time: most of a program's text is such runs.
 */
static inline size_t fmt_json_plain_run(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		/* a byte >= 0x80, < 0x20, or equal to '"', '\\' or DEL gets its
		 * high bit set (zero-byte tests of w and of w ^ c); a borrow can
		 * mark bytes above a marked one, never below, so the lowest mark
		 * is the first such byte where the first byte is the lowest. */
		uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\'), d = w ^ (ones * 0x7f);
		uint64_t m = (w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) |
			      ((d - ones) & ~d)) &
			     highs;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (m)
			return i + ((size_t)__builtin_ctzll(m) >> 3);
#else
		if (m) /* the bytes in the word's order: found one by one */
			break;
#endif
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			break;
	}
	return i;
}

/*
 * json-read.c: a document with values left unparsed: each value at the
 * key path PATH (the keys from the root, NULL-terminated) is empty in
 * *OUT, and its elements' (an array's) or members' (an object's, "key":
 * value) byte ranges are in SPANS (free()), N of them, each read later
 * with fmt_json_parse_span (a member's value after fmt_json_member_key
 * has read its key).  Byte offsets in errors are DATA's; a duplicate
 * key's JSON pointer starts with PREFIX.
 * Keys given twice among deferred members are the caller's to refuse.
 */
#define FMT_JSON_MAX_DEFERRED 4
struct fmt_json_span {
	size_t start, end;
};
struct fmt_json_deferred {
	const char *const *path;
	struct fmt_json_span *spans;
	size_t n;
};
int fmt_json_parse_deferred(json_t **out, const uint8_t *data, size_t len,
			    struct fmt_json_deferred *defer, size_t n, irx_error *err);
int fmt_json_parse_span(json_t **out, const uint8_t *data, struct fmt_json_span span,
			const char *prefix, irx_error *err);
/* @param key new string (free()); VALUE, the member's value, unparsed */
int fmt_json_member_key(char **key, struct fmt_json_span *value, const uint8_t *data,
			struct fmt_json_span span, irx_error *err);

/*
 * json-write.c: a document written in parts, for an array too large to
 * hold as values.  fmt_json_write_element writes V as element INDEX of an
 * array of objects (never on one line) at LEVEL, its separator and
 * indentation included, as irx_json_write would; fmt_json_write_spliced
 * writes V with the text of such elements as the value of the empty array
 * AT in it.
 */
struct fmt_json_splice {
	const json_t *at;
	const char *text;
	size_t len, n; /* bytes, elements */
};
void fmt_json_write_element(FILE *f, const json_t *v, unsigned flags, int level, size_t index);
irx_status fmt_json_write_spliced(FILE *f, const json_t *v, const struct fmt_json_splice *sp,
				  unsigned flags, irx_error *err);

#endif
