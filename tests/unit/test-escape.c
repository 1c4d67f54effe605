/* test-escape: irx_escape, the one escaping of names in messages and JSON. */
#include "unit.h"

static const char *esc(const char *s, size_t len)
{
	static char out[256];
	size_t n = irx_escape(out, sizeof(out), s, len);

	assert_int_equal(n, strlen(out));
	return out;
}

static void controls_and_backslash(void **state)
{
	(void)state;
	assert_string_equal(esc("plain.pt2", 9), "plain.pt2");
	assert_string_equal(esc("a\nb\tc\rd", 7), "a\\nb\\tc\\rd");
	assert_string_equal(esc("\033[2J", 4), "\\x1b[2J");
	assert_string_equal(esc("x\177y", 3), "x\\x7fy");
	assert_string_equal(esc("a\\nb", 4), "a\\\\nb"); /* a real backslash stays distinct */
	assert_string_equal(esc("nul\0after", 9), "nul\\x00after");
}

static void utf8(void **state)
{
	(void)state;
	/* valid UTF-8 is kept: Korean, an emoji, U+00A0 (the first non-C1) */
	assert_string_equal(esc("모델", 6), "모델");
	assert_string_equal(esc("\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80");
	assert_string_equal(esc("\xc2\xa0", 2), "\xc2\xa0");
	/* C1 controls (CSI is U+009B) by their two bytes */
	assert_string_equal(esc("\xc2\x9b"
				"2J",
				4),
			    "\\xc2\\x9b2J");
	assert_string_equal(esc("\xc2\x80", 2), "\\xc2\\x80");
	/* not UTF-8: a lone byte, a cut sequence, overlong, a surrogate, past U+10FFFF */
	assert_string_equal(esc("f\xff", 2), "f\\xff");
	assert_string_equal(esc("\xe2\x82", 2), "\\xe2\\x82");
	assert_string_equal(esc("\xc0\xaf", 2), "\\xc0\\xaf");
	assert_string_equal(esc("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	assert_string_equal(esc("\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80");
}

static void truncation(void **state)
{
	char out[6];

	(void)state;
	/* the whole length is returned; the copy never ends inside an escape */
	assert_int_equal(irx_escape(out, sizeof(out), "ab\033cd", 5), 8);
	assert_string_equal(out, "ab");
	assert_int_equal(irx_escape(out, sizeof(out), "a모", 4), 4);
	assert_string_equal(out, "a모");
	assert_int_equal(irx_escape(out, 3, "a모", 4), 4);
	assert_string_equal(out, "a");
	assert_int_equal(irx_escape(NULL, 0, "\xff", 1), 4);
}

static void dup_and_print(void **state)
{
	char *s = irx_escape_dup("x\ny"), buf[64] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	assert_string_equal(s, "x\\ny");
	irx_free(s);
	assert_non_null(f);
	irx_escape_print(f, "a\033", 8);
	putc('|', f);
	fclose(f);
	assert_string_equal(buf, "a\\x1b   |");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(controls_and_backslash),
		cmocka_unit_test(utf8),
		cmocka_unit_test(truncation),
		cmocka_unit_test(dup_and_print),
	};
	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
