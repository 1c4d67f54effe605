/* test-trace: the file names of a trace directory (irx/trace.h), the one
 * encoding irx-exec --dump-intermediates writes and irx-verify reads. */
#include "unit.h"

#define SUFFIX ".safetensors"

/* The encoding read back, as docs/trace-format.md says: %XX is a byte,
 * a lone "%" the empty name.  Returns the length, or -1 when malformed. */
static long decode(const char *key, char *out)
{
	size_t n = 0;
	unsigned v;

	if (!strcmp(key, "%"))
		return 0;
	for (const char *p = key; *p; p++) {
		if (*p != '%') {
			out[n++] = *p;
			continue;
		}
		if (sscanf(p + 1, "%2X", &v) != 1 || !p[1] || !p[2])
			return -1;
		out[n++] = (char)v;
		p += 2;
	}
	return (long)n;
}

/* NAME (LEN bytes) has FILE (without the suffix) and reads back from its
 * key; every file name is one safe path component. */
static void check(const char *name, size_t len, const char *stem)
{
	char *file = NULL, *key = NULL, back[1024];
	irx_error err = {0};
	size_t n;

	assert_int_equal(irx_trace_file_name(&file, &key, name, len, &err), IRX_OK);
	n = strlen(file);
	assert_true(n > strlen(SUFFIX) && n - strlen(SUFFIX) <= IRX_TRACE_STEM_MAX);
	assert_string_equal(file + n - strlen(SUFFIX), SUFFIX);
	file[n - strlen(SUFFIX)] = '\0';
	assert_string_equal(file, stem);
	file[n - strlen(SUFFIX)] = '.';
	assert_null(strchr(file, '/'));
	assert_true(file[0] != '.');
	for (const char *p = file; *p; p++)
		assert_true(strchr(
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.%~", *p));
	assert_int_equal(decode(key, back), (long)len);
	assert_memory_equal(back, name, len);
	irx_free(file);
	irx_free(key);
}

#define CHECK(lit, stem) check(lit, sizeof(lit) - 1, stem)

static void trace_plain_names_stay(void **state)
{
	CHECK("add_1", "add_1");
	CHECK("conv2d", "conv2d");
	CHECK("a.b-c_D9", "a.b-c_D9");
	CHECK("x.", "x.");
}

static void trace_hostile_names_are_encoded(void **state)
{
	CHECK("../../victim", "%2E.%2F..%2Fvictim"); /* only a leading '.' matters */
	CHECK("/tmp/abs", "%2Ftmp%2Fabs");
	CHECK("..", "%2E.");
	CHECK(".", "%2E");
	CHECK(".hidden", "%2Ehidden");
	CHECK("", "%");
	CHECK("a/b", "a%2Fb");
	CHECK("a%2Fb", "a%252Fb");
	CHECK("%", "%25");
	CHECK("a\nb", "a%0Ab");
	CHECK("tab\there", "tab%09here");
	CHECK("a\0b", "a%00b");      /* a JSON string may hold \u0000 */
	CHECK("a b~c", "a%20b%7Ec"); /* '~' marks a cut name */
	CHECK("\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9");
	CHECK("A\\B", "A%5CB");
}

/* NAME's file name with the digest of a cut name. */
static void check_cut(const char *name, size_t len, size_t kept, const char *digest)
{
	char *file = NULL, *key = NULL, want[512];
	irx_error err = {0};

	assert_int_equal(irx_trace_file_name(&file, &key, name, len, &err), IRX_OK);
	assert_true(strlen(key) > IRX_TRACE_STEM_MAX);
	snprintf(want, sizeof(want), "%.*s~%s", (int)kept, key, digest);
	check(name, len, want); /* safe, and the key reads back whole */
	irx_free(file);
	irx_free(key);
}

static void trace_long_names_are_cut_with_a_digest(void **state)
{
	char name[512], stem[IRX_TRACE_STEM_MAX + 1];

	memset(name, 'a', 300);
	check_cut(name, 300, 135,
		  "9835fa6bf4e20a9b9ea812506302e98982721a6cf8d2cae67af57129bf21ae90");
	/* never cut inside a %XX: "a" and 44 of them */
	name[0] = 'a';
	memset(name + 1, '/', 299);
	check_cut(name, 300, 133,
		  "70d1e677e34511dd5de4b6adf42ed9a3e5c17db3502300aac900bad2f1c47f9c");
	/* SHA-256's padding where the length fills a block, or nearly */
	memset(name, '/', 128);
	check_cut(name, 119, 135,
		  "2023db8e0ed114a3fff0e5f4ae7a8561ede88bc7eb1f1e18b868e543e5f76bef");
	check_cut(name, 120, 135,
		  "8ed77534ce09c80d52e9b4e2fd73bc6bb4518c192dbc7febabbfde4e3929eef2");
	check_cut(name, 127, 135,
		  "d37b834bb78f86568c99808e0813a5a3b794b4b113af905d77962c9e53eb66ce");
	check_cut(name, 128, 135,
		  "a85b73755224ef42365ed693f4ba95be8454da2642cd4759e3f1882d3ff7ddeb");
	/* the longest whole encoding, and one byte more */
	memset(stem, 'z', IRX_TRACE_STEM_MAX);
	stem[IRX_TRACE_STEM_MAX] = '\0';
	memset(name, 'z', IRX_TRACE_STEM_MAX + 1);
	check(name, IRX_TRACE_STEM_MAX, stem);
	check_cut(name, IRX_TRACE_STEM_MAX + 1, 135,
		  "64014b479bc17f01e3f51557956a0f0b1093777cf76aafdc96d3d812504dcb9f");
	memset(name, 'x', 250);
	name[250] = '1';
	check_cut(name, 251, 135,
		  "559b548f548be2a445de60e704ce18f1f9d2e0c906e1f6de26927195f893ffba");
	name[250] = '2'; /* the same cut, another digest */
	check_cut(name, 251, 135,
		  "c3af5d9788003e0284fa64e174d377916c7d13708423ed0165ea83fe98497a25");
}

/* Names that a naive scheme would merge have files of their own. */
static void trace_names_never_share_a_file(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} names[] = {
		{"a/b", 3},
		{"a%2Fb", 5},
		{"a%2fb", 5},
		{"a_b", 3},
		{"a", 1},
		{"a\0b", 3},
		{"a\0", 2},
		{"", 0},
		{"%", 1},
		{"%25", 3},
		{".", 1},
		{"%2E", 3},
		{"..", 2},
		{"%2E.", 4},
		{"~", 1},
		{"%7E", 3},
		{"a.safetensors", 13},
		{"a.safetensors.safetensors", 25},
	};
	size_t n = sizeof(names) / sizeof(names[0]);
	char *files[sizeof(names) / sizeof(names[0])];
	irx_error err = {0};

	for (size_t i = 0; i < n; i++)
		assert_int_equal(irx_trace_file_name(&files[i], NULL, names[i].s, names[i].n, &err),
				 IRX_OK);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(files[i], files[j]))
				fail_msg("names %zu and %zu share the file '%s'", i, j, files[i]);
	for (size_t i = 0; i < n; i++)
		irx_free(files[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace_plain_names_stay),
		cmocka_unit_test(trace_hostile_names_are_encoded),
		cmocka_unit_test(trace_long_names_are_cut_with_a_digest),
		cmocka_unit_test(trace_names_never_share_a_file),
	};
	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
