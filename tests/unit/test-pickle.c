/* test-pickle: the pickle reader on the data.pkl of real torch.save files
 * (tests/fixtures/tensors, written by torch 1.13, 2.6 and 2.14, with
 * oracles beside them), and on hand-made malformed pickles. */
#include "unit.h"

#include "formats/formats.h"

/* The data.pkl of a fixture zip, copied out (free it). */
static uint8_t *data_pkl(const char *rel, const char *entry, size_t *len)
{
	irx_blob *b;
	irx_zip *z;
	irx_error err = {0};
	const irx_zip_entry *e;
	const uint8_t *data;
	void *owned;
	uint8_t *copy;

	assert_int_equal(irx_blob_open(&b, fixture(rel), &err), IRX_OK);
	assert_int_equal(irx_zip_open(&z, b, &err), IRX_OK);
	assert_non_null(e = irx_zip_find(z, entry));
	assert_int_equal(irx_zip_read(&data, len, &owned, z, e, &err), IRX_OK);
	copy = malloc(*len);
	memcpy(copy, data, *len);
	free(owned);
	irx_zip_free(z);
	irx_blob_free(b);
	return copy;
}

/* The oracle of a fixture: {"tensors": [{name, dtype, shape, strides, offset}]}. */
static json_t *oracle(const char *rel)
{
	char path[1024];
	json_error_t je;
	json_t *o;

	snprintf(path, sizeof(path), "%s.oracle.json", fixture(rel));
	o = json_load_file(path, 0, &je);
	if (!o)
		fail_msg("%s: %s", path, je.text);
	return o;
}

static const char *str_of(const struct pk_value *v)
{
	assert_int_equal(v->kind, PK_STR);
	return v->u.str.s;
}

/* A state dict: an OrderedDict of name -> tensor, in the oracle's order,
 * each tensor with the oracle's dtype, shape, strides and offset, and a
 * typed storage of its own holding exactly its elements. */
static void check_state_dict(const char *rel, const char *entry)
{
	size_t len;
	uint8_t *pkl = data_pkl(rel, entry, &len);
	json_t *o = oracle(rel), *tensors = json_object_get(o, "tensors"), *t;
	struct pk_reader *r = NULL;
	struct pk_value *root = NULL;
	irx_error err = {0};
	size_t i;

	if (fmt_pickle_load(&r, pkl, len, &root, &err) != IRX_OK)
		fail_msg("%s: %s: %s", rel, err.where, err.text);
	assert_int_equal(root->kind, PK_DICT);
	assert_true(root->ordered);
	assert_int_equal(root->u.seq.n, 2 * json_array_size(tensors));
	assert_true(json_array_size(tensors) > 0);
	assert_int_equal(fmt_pickle_n_storages(r), json_array_size(tensors));
	json_array_foreach(tensors, i, t) {
		const struct pk_value *k = root->u.seq.v[2 * i], *v = root->u.seq.v[2 * i + 1];
		json_t *shape = json_object_get(t, "shape"),
		       *strides = json_object_get(t, "strides");
		int64_t numel = 1;

		assert_string_equal(str_of(k), json_string_value(json_object_get(t, "name")));
		assert_int_equal(v->kind, PK_TENSOR);
		const struct pk_tensor *pt = v->u.tensor;
		assert_int_equal(pt->dtype, irx_dtype_from_name(json_string_value(
						    json_object_get(t, "dtype"))));
		assert_int_equal(pt->ndim, json_array_size(shape));
		for (int d = 0; d < pt->ndim; d++) {
			assert_int_equal(pt->shape[d],
					 json_integer_value(json_array_get(shape, d)));
			assert_int_equal(pt->strides[d],
					 json_integer_value(json_array_get(strides, d)));
			numel *= pt->shape[d];
		}
		assert_int_equal(pt->offset, json_integer_value(json_object_get(t, "offset")));
		assert_non_null(pt->storage);
		assert_string_equal(pt->storage->location, "cpu");
		assert_int_equal(pt->storage->dtype, pt->dtype);
		assert_int_equal(pt->storage->numel, numel);
		assert_ptr_equal(fmt_pickle_storage_at(r, pt->storage->index), pt->storage);
	}
	fmt_pickle_free(r);
	json_decref(o);
	free(pkl);
}

static void pickle_state_dicts(void **state)
{
	check_state_dict("tensors/t214/state_dict.pt", "state_dict/data.pkl");
	check_state_dict("tensors/t26/state_dict.pt", "state_dict/data.pkl");
	check_state_dict("tensors/t113/state_dict.pt", "state_dict/data.pkl");
}

/* tied.pt: two tensors over one storage: one storage, shared. */
static void pickle_shared_storage(void **state)
{
	size_t len;
	uint8_t *pkl = data_pkl("tensors/t214/tied.pt", "tied/data.pkl", &len);
	struct pk_reader *r = NULL;
	struct pk_value *root = NULL;
	irx_error err = {0};

	assert_int_equal(fmt_pickle_load(&r, pkl, len, &root, &err), IRX_OK);
	assert_int_equal(root->kind, PK_DICT);
	assert_int_equal(root->u.seq.n, 4);
	assert_string_equal(str_of(root->u.seq.v[0]), "emb.weight");
	assert_string_equal(str_of(root->u.seq.v[2]), "head.weight");
	assert_int_equal(fmt_pickle_n_storages(r), 1);
	assert_ptr_equal(root->u.seq.v[1]->u.tensor->storage, root->u.seq.v[3]->u.tensor->storage);
	assert_string_equal(root->u.seq.v[1]->u.tensor->storage->key, "0");
	fmt_pickle_free(r);
	free(pkl);
}

/* fmt_pickle_load on hand-made bytes: the status, and the text it must hold. */
static void load_fails(const char *bytes, size_t len, const char *says, const char *where)
{
	struct pk_reader *r = NULL;
	struct pk_value *root = NULL;
	irx_error err = {0};

	assert_int_not_equal(fmt_pickle_load(&r, (const uint8_t *)bytes, len, &root, &err), IRX_OK);
	assert_true(err.code != 0);
	if (!strstr(err.text, says))
		fail_msg("error '%s' does not say '%s'", err.text, says);
	if (where && !strstr(err.where, where))
		fail_msg("error place '%s' is not '%s'", err.where, where);
	fmt_pickle_free(r);
}

static void pickle_scalars(void **state)
{
	static const char k7[] = "\x80\x02K\x07.", none[] = "\x80\x02N.", t[] = "\x80\x02\x88.";
	struct pk_reader *r = NULL;
	struct pk_value *root = NULL;
	irx_error err = {0};

	assert_int_equal(fmt_pickle_load(&r, (const uint8_t *)k7, sizeof(k7) - 1, &root, &err),
			 IRX_OK);
	assert_int_equal(root->kind, PK_INT);
	assert_int_equal(root->u.i, 7);
	assert_int_equal(fmt_pickle_n_storages(r), 0);
	fmt_pickle_free(r);
	assert_int_equal(fmt_pickle_load(&r, (const uint8_t *)none, sizeof(none) - 1, &root, &err),
			 IRX_OK);
	assert_int_equal(root->kind, PK_NONE);
	fmt_pickle_free(r);
	assert_int_equal(fmt_pickle_load(&r, (const uint8_t *)t, sizeof(t) - 1, &root, &err),
			 IRX_OK);
	assert_int_equal(root->kind, PK_BOOL);
	assert_int_equal(root->u.i, 1);
	fmt_pickle_free(r);
}

static void pickle_malformed(void **state)
{
	load_fails("", 0, "truncated", NULL);
	load_fails("\x80\x02K", 3, "truncated", "pickle offset 2");
	load_fails("\x80\x02K\x07", 4, "no STOP", NULL);
	load_fails("\x80\x02\xff.", 4, "0xff", "pickle offset 2");
	load_fails("\x80\x02h\x05.", 5, "5", "pickle offset 2");
	/* globals outside the allowlist are refused by name, never looked up */
	load_fails("\x80\x02"
		   "cos\nsystem\n.",
		   14, "os.system", "pickle offset 2");
	load_fails("\x80\x02"
		   "cbuiltins\neval\n.",
		   17, "builtins.eval", "pickle offset 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pickle_state_dicts),
		cmocka_unit_test(pickle_shared_storage),
		cmocka_unit_test(pickle_scalars),
		cmocka_unit_test(pickle_malformed),
	};
	return cmocka_run_group_tests_name("pickle", tests, NULL, NULL);
}
