/* test-json: torch's JSON quirks in, deterministic JSON out. */
#include "unit.h"

static json_t *parse(const char *text)
{
	json_t *v = NULL;
	irx_error err = {0};
	if (irx_json_parse(&v, (const uint8_t *)text, strlen(text), &err))
		fail_msg("%s: %s", err.where, err.text);
	return v;
}

static void json_bare_nan_tokens_become_strings(void **state)
{
	json_t *v = parse("{\"a\": NaN, \"b\": [Infinity, -Infinity, 1.5]}");
	assert_string_equal(json_string_value(json_object_get(v, "a")), "NaN");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "b"), 0)),
			    "Infinity");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "b"), 1)),
			    "-Infinity");
	assert_true(json_real_value(json_array_get(json_object_get(v, "b"), 2)) == 1.5);
	json_decref(v);
}

static void json_strings_holding_the_letters_are_untouched(void **state)
{
	json_t *v = parse("{\"s\": \"NaN Infinity -Infinity \\\" NaN\", \"t\": NaN}");
	assert_string_equal(json_string_value(json_object_get(v, "s")),
			    "NaN Infinity -Infinity \" NaN");
	json_decref(v);
}

static void json_lone_surrogate_is_replaced(void **state)
{
	json_t *v = parse("{\"s\": \"a\\udcff b \\ud83d\\ude00\"}");
	const char *s = json_string_value(json_object_get(v, "s"));
	assert_string_equal(s, "a\xef\xbf\xbd b \xf0\x9f\x98\x80");
	json_decref(v);
}

static void json_invalid_reports_position(void **state)
{
	json_t *v;
	irx_error err = {0};
	assert_int_equal(irx_json_parse(&v, (const uint8_t *)"{\"a\": [1, 2", 11, &err),
			 IRX_EFORMAT);
	assert_non_null(strstr(err.where, "byte"));
}

static void json_writer_shortest_floats_and_order(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *v = json_pack("{s:f,s:f,s:f,s:i,s:f}", "eps", 1e-05, "tenth", 0.1, "one", 1.0, "n",
			      3, "third", 1.0 / 3);
	irx_json_write(f, v, IRX_JSON_COMPACT, NULL);
	fclose(f);
	assert_string_equal(
		buf,
		"{\"eps\": 1e-05, \"tenth\": 0.1, \"one\": 1.0, \"n\": 3, \"third\": 0.3333333333333333}\n");
	free(buf);
	json_decref(v);
}

static void json_escapes_and_unicode(void **state)
{
	json_t *v = parse("[\"a\\n\\\"\\\\\\/\\t\", \"\\u00e9\\ud83d\\ude00\", \"\xc3\xa9 raw\", "
			  "\"plain \\u0041\"]");
	assert_string_equal(json_string_value(json_array_get(v, 0)), "a\n\"\\/\t");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(json_string_value(json_array_get(v, 2)), "\xc3\xa9 raw");
	assert_string_equal(json_string_value(json_array_get(v, 3)), "plain A");
	json_decref(v);
}

/* Plain bytes are found a word at a time: every byte that needs care, at
 * every place in and across a word, is read and written as one at a time
 * would (the expected text is built byte by byte here). */
static void json_special_bytes_at_every_offset(void **state)
{
	static const struct {
		const char *raw, *escaped; /* the string, and how it is written */
	} specials[] = {
		{"\"", "\\\""},           {"\\", "\\\\"},          {"\n", "\\n"},
		{"\x01", "\\u0001"},      {"\x1f", "\\u001f"},     {"\x7f", "\\u007f"},
		{"\xc3\xa9", "\xc3\xa9"}, {"\xc2\x85", "\\u0085"},
	};
	for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++)
		for (size_t at = 0; at < 20; at++) {
			char raw[64], want[96], doc[128];
			snprintf(raw, sizeof(raw), "%.*s%s%.*s", (int)at, "abcdefghijklmnopqrst",
				 specials[k].raw, (int)(19 - at), "ABCDEFGHIJKLMNOPQRST");
			snprintf(want, sizeof(want), "\"%.*s%s%.*s\"\n", (int)at,
				 "abcdefghijklmnopqrst", specials[k].escaped, (int)(19 - at),
				 "ABCDEFGHIJKLMNOPQRST");
			json_t *v = json_string(raw);
			char *out = NULL;
			size_t len;
			FILE *f = open_memstream(&out, &len);
			assert_non_null(v);
			assert_int_equal(irx_json_write(f, v, IRX_JSON_COMPACT, NULL), IRX_OK);
			fclose(f);
			assert_string_equal(out, want);
			/* and back: the written text reads as the string */
			snprintf(doc, sizeof(doc), "%.*s", (int)(len - 1), out);
			json_t *back = parse(doc);
			assert_string_equal(json_string_value(back), raw);
			json_decref(back), json_decref(v), free(out);
		}
}

/* What readers could read two ways is refused: a key given twice (named by
 * its JSON pointer, however deep) and \u0000 in a string or a key. */
static void json_one_reading_only(void **state)
{
	static const struct {
		const char *text, *where, *what;
	} cases[] = {
		{"{\"k\": 1, \"k\": 2}", "/k", "duplicate key 'k'"},
		{"{\"a\": [0, {\"b\": {\"k\": 1, \"j\": 2, \"k\": 1}}]}", "/a/1/b/k",
		 "duplicate key 'k'"},
		{"[[], [1, {\"x\": {}, \"x\": {}}]]", "/1/1/x", "duplicate key 'x'"},
		{"[\"a\\u0000b\"]", "byte 3", "\\u0000"},
		{"{\"a\\u0000\": 1, \"a\": 2}", "byte 3", "\\u0000"},
	};
	json_t *v;
	irx_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		irx_error_clear(&err);
		assert_int_equal(irx_json_parse(&v, (const uint8_t *)cases[i].text,
						strlen(cases[i].text), &err),
				 IRX_EFORMAT);
		assert_null(v);
		assert_string_equal(err.where, cases[i].where);
		assert_non_null(strstr(err.text, cases[i].what));
	}
	/* the same key in two objects is no duplicate */
	v = parse("[{\"k\": 1}, {\"k\": 2, \"kk\": 3}]");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 1), "kk")), 3);
	json_decref(v);
}

static void json_numbers(void **state)
{
	json_t *v = parse(
		"[9223372036854775807, -9223372036854775808, 18446744073709551615, 1e-05, -0.5, 0]");
	assert_int_equal(json_integer_value(json_array_get(v, 0)), INT64_MAX);
	assert_int_equal(json_integer_value(json_array_get(v, 1)), INT64_MIN);
	/* beyond int64: a real, not an error */
	assert_true(json_is_real(json_array_get(v, 2)));
	assert_true(json_real_value(json_array_get(v, 3)) == 1e-05);
	assert_true(json_real_value(json_array_get(v, 4)) == -0.5);
	json_decref(v);
}

static void json_rejects_hostile_input(void **state)
{
	static const char *const bad[] = {
		"[1, 2",          "{\"a\" 1}",  "{\"a\": 1,}",
		"[01]",           "[1.]",       "[1e]",
		"[1e999]",        "[\"\x01\"]", "[\"\xff\"]",
		"[\"\xc0\x80\"]", "[\"\\x\"]",  "[\"\\u12\"]",
		"[tru]",          "[Nan]",      "{} {}",
		"\"open",         "",           "[-]",
		"[+1]",
	};
	char deep[5000];
	json_t *v;
	irx_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		irx_error_clear(&err);
		if (irx_json_parse(&v, (const uint8_t *)bad[i], strlen(bad[i]), &err) !=
		    IRX_EFORMAT)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(strstr(err.where, "byte"));
	}
	memset(deep, '[', sizeof(deep));
	irx_error_clear(&err);
	assert_int_equal(irx_json_parse(&v, (const uint8_t *)deep, sizeof(deep), &err),
			 IRX_EFORMAT);
	assert_non_null(strstr(err.text, "deep"));
	/* a NUL byte inside the text is an error, not the end */
	irx_error_clear(&err);
	assert_int_equal(irx_json_parse(&v, (const uint8_t *)"[1]\0", 4, &err), IRX_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_bare_nan_tokens_become_strings),
		cmocka_unit_test(json_strings_holding_the_letters_are_untouched),
		cmocka_unit_test(json_lone_surrogate_is_replaced),
		cmocka_unit_test(json_invalid_reports_position),
		cmocka_unit_test(json_writer_shortest_floats_and_order),
		cmocka_unit_test(json_escapes_and_unicode),
		cmocka_unit_test(json_special_bytes_at_every_offset),
		cmocka_unit_test(json_one_reading_only),
		cmocka_unit_test(json_numbers),
		cmocka_unit_test(json_rejects_hostile_input),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
