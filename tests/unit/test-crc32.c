/* test-crc32: fmt_crc32 (carry-less multiplication where the CPU has it)
 * against zlib's crc32, the reference, and the check value of CRC-32. */
#include "unit.h"

#include <zlib.h>

#include "formats/formats.h"

static uint8_t *random_bytes(size_t n)
{
	uint8_t *b = malloc(n);
	uint32_t x = 2463534242u;

	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		b[i] = (uint8_t)x;
	}
	return b;
}

static void check_value(void **state)
{
	(void)state;
	assert_int_equal(fmt_crc32("123456789", 9), 0xcbf43926u);
	assert_int_equal(fmt_crc32("", 0), 0);
}

/* Every length up to 600 (the zlib-only lengths, one fold, several, and
 * every tail) at every alignment in a 16-byte block. */
static void lengths_and_alignments(void **state)
{
	uint8_t *b = random_bytes(600 + 16);

	(void)state;
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 600; len++)
			if (fmt_crc32(b + off, len) != (uint32_t)crc32(0, b + off, (uInt)len))
				fail_msg("length %zu at offset %zu", len, off);
	free(b);
}

static void large(void **state)
{
	size_t n = ((size_t)3 << 20) + 13;
	uint8_t *b = random_bytes(n);

	(void)state;
	assert_int_equal(fmt_crc32(b, n), (uint32_t)crc32(0, b, (uInt)n));
	b[n / 2] ^= 1; /* one bit anywhere changes it */
	assert_int_equal(fmt_crc32(b, n), (uint32_t)crc32(0, b, (uInt)n));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_value),
		cmocka_unit_test(lengths_and_alignments),
		cmocka_unit_test(large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
