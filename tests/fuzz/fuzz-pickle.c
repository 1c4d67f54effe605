/* fuzz-pickle: bytes as a torch.save data.pkl through the pickle reader,
 * then as a TorchScript data.pkl (its TorchScript mode); every value it builds is visited (strings read to their length, tensor
 * shapes and strides to their ndim, storages' keys) so that a value that
 * points at freed or foreign memory is reported. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "irx.h"
#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static volatile size_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += b[i];
	sink += s;
}

static void visit_storage(const struct pk_storage *s)
{
	if (!s)
		return;
	touch(s->key, strlen(s->key) + 1);
	if (s->location)
		touch(s->location, strlen(s->location) + 1);
	sink += (size_t)s->numel + (size_t)s->dtype + (size_t)s->index;
}

/* Containers may refer to themselves (memo): a budget bounds the walk. */
static void visit(const struct pk_value *v, int depth, size_t *budget)
{
	if (!v || depth > 64 || !*budget)
		return;
	--*budget;
	switch (v->kind) {
	case PK_STR:
	case PK_BYTES:
	case PK_GLOBAL:
	case PK_REFUSED: touch(v->u.str.s, v->u.str.len); break;
	case PK_TUPLE:
	case PK_LIST:
	case PK_DICT:
		if (v->u.seq.n > v->u.seq.cap && v->u.seq.cap)
			__builtin_trap();
		for (size_t i = 0; i < v->u.seq.n; i++)
			visit(v->u.seq.v[i], depth + 1, budget);
		break;
	case PK_STORAGE: visit_storage(v->u.storage); break;
	case PK_TENSOR: {
		const struct pk_tensor *t = v->u.tensor;
		if (t->ndim < 0)
			__builtin_trap();
		touch(t->shape, (size_t)t->ndim * sizeof(int64_t));
		touch(t->strides, (size_t)t->ndim * sizeof(int64_t));
		if (t->device)
			touch(t->device, strlen(t->device) + 1);
		visit_storage(t->storage);
		break;
	}
	case PK_OBJECT:
		touch(v->u.str.s, v->u.str.len);
		visit(v->state, depth + 1, budget);
		break;
	default: break;
	}
}

static void one(const uint8_t *d, size_t n, enum fmt_pickle_mode mode)
{
	struct pk_reader *r = NULL;
	struct pk_value *root = NULL;
	irx_error err = {0};

	if (fmt_pickle_load_mode(&r, d, n, mode, &root, &err) == 0) {
		size_t budget = 4 * n + 1024;
		if (!root)
			__builtin_trap();
		visit(root, 0, &budget);
		for (size_t i = 0; i < fmt_pickle_n_storages(r); i++) {
			struct pk_storage *s = fmt_pickle_storage_at(r, i);
			if (!s || s->index != (int)i)
				__builtin_trap();
			visit_storage(s);
		}
	} else if (!err.code || !err.text[0]) {
		__builtin_trap();
	}
	fmt_pickle_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	one(d, n, FMT_PICKLE_TORCH_SAVE);
	one(d, n, FMT_PICKLE_TORCHSCRIPT);
	return 0;
}
