/* test-archive: what a zip from torch is (irx_archive_kind), on real files
 * from torch 1.13, 2.6 and 2.14: exported programs in both layouts,
 * torch.save checkpoints, TorchScript traces; and what the error says
 * when a file holds no program. */
#include "unit.h"

/* FILE opens as KIND with PREFIX and N models; then require_program gives
 * IRX_OK, or an error whose text holds SAYS. */
static void classify(const char *rel, enum irx_archive_kind kind, const char *prefix,
		     size_t n_models, const char *says)
{
	irx_archive *a;
	irx_error err = {0};

	if (irx_archive_open(&a, fixture(rel), &err) != IRX_OK)
		fail_msg("%s: %s", rel, err.text);
	if (irx_archive_kind(a) != kind)
		fail_msg("%s: %s, expected %s", rel, irx_archive_kind_name(irx_archive_kind(a)),
			 irx_archive_kind_name(kind));
	if (prefix)
		assert_string_equal(irx_archive_prefix(a), prefix);
	assert_int_equal(irx_archive_n_models(a), n_models);
	assert_string_equal(irx_archive_path(a), fixture(rel));
	if (!says) {
		assert_int_equal(irx_archive_require_program(a, &err), IRX_OK);
	} else {
		assert_int_not_equal(irx_archive_require_program(a, &err), IRX_OK);
		if (!strstr(err.text, says))
			fail_msg("%s: '%s' does not say '%s'", rel, err.text, says);
	}
	irx_archive_free(a);
}

static void archive_programs(void **state)
{
	classify("t26/mlp.pt2", IRX_ARCHIVE_PT2_LEGACY, "", 1, NULL);
	classify("t26/resnet18.pt2", IRX_ARCHIVE_PT2_LEGACY, "", 1, NULL);
	classify("t214/mlp.pt2", IRX_ARCHIVE_PT2, "mlp/", 1, NULL);
	classify("t214/dynamic.pt2", IRX_ARCHIVE_PT2, "dynamic/", 1, NULL);
	classify("tensors/t214/weights.pt2", IRX_ARCHIVE_PT2, "weights/", 1, NULL);
	classify("rt26/mlp.pt2", IRX_ARCHIVE_PT2_LEGACY, "", 1, NULL);
}

static void archive_not_programs(void **state)
{
	classify("tensors/t214/state_dict.pt", IRX_ARCHIVE_TORCH_SAVE, NULL, 0, "torch.save");
	classify("tensors/t26/tensor.pt", IRX_ARCHIVE_TORCH_SAVE, NULL, 0, "torch.save");
	classify("tensors/t113/state_dict.pt", IRX_ARCHIVE_TORCH_SAVE, NULL, 0, "torch.save");
	classify("rt214/mlp.reference.pt", IRX_ARCHIVE_TORCHSCRIPT, NULL, 0, "TorchScript");
	classify("rt26/mlp.reference.pt", IRX_ARCHIVE_TORCHSCRIPT, NULL, 0, "TorchScript");
}

/* Not a zip: the open fails and says what the file looks like. */
static void archive_not_zips(void **state)
{
	irx_archive *a = NULL;
	irx_error err = {0};

	assert_int_not_equal(irx_archive_open(&a, fixture("tensors/t214/legacy_format.pt"), &err),
			     IRX_OK);
	assert_null(a);
	assert_non_null(strstr(err.text, "pre-1.6"));
	irx_error_clear(&err);
	/* a JSON file is named as JSON */
	assert_int_equal(irx_archive_open(&a, fixture("t214/mlp.oracle.json"), &err),
			 IRX_EUNSUPPORTED);
	assert_null(a);
	assert_non_null(strstr(err.text, "JSON, not an archive"));
}

/* Every kind has its own name. */
static void archive_kind_names(void **state)
{
	static const struct {
		enum irx_archive_kind kind;
		const char *name;
	} names[] = {
		{IRX_ARCHIVE_UNKNOWN, "unknown"},
		{IRX_ARCHIVE_PT2_LEGACY, "pt2-legacy"},
		{IRX_ARCHIVE_PT2, "pt2"},
		{IRX_ARCHIVE_AOTI, "aoti"},
		{IRX_ARCHIVE_TORCHSCRIPT, "torchscript"},
		{IRX_ARCHIVE_TORCHSCRIPT_LITE, "torchscript-lite"},
		{IRX_ARCHIVE_TORCH_SAVE, "torch-save"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(irx_archive_kind_name(names[i].kind), names[i].name);
	assert_string_equal(irx_archive_kind_name((enum irx_archive_kind)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(archive_programs),
		cmocka_unit_test(archive_not_programs),
		cmocka_unit_test(archive_not_zips),
		cmocka_unit_test(archive_kind_names),
	};
	return cmocka_run_group_tests_name("archive", tests, NULL, NULL);
}
