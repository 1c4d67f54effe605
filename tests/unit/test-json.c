/* test-json: torch's JSON quirks in, deterministic JSON out. */
#include "unit.h"

static json_t *parse(const char *text)
{
	json_t *v = NULL;
	irx_error err = {0};
	if (irx_json_parse((const uint8_t *)text, strlen(text), &v, &err))
		fail_msg("%s: %s", err.where, err.text);
	return v;
}

static void json_bare_nan_tokens_become_strings(void **state)
{
	json_t *v = parse("{\"a\": NaN, \"b\": [Infinity, -Infinity, 1.5]}");
	assert_string_equal(json_string_value(json_object_get(v, "a")), "NaN");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "b"), 0)), "Infinity");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "b"), 1)), "-Infinity");
	assert_true(json_real_value(json_array_get(json_object_get(v, "b"), 2)) == 1.5);
	json_decref(v);
}

static void json_strings_holding_the_letters_are_untouched(void **state)
{
	json_t *v = parse("{\"s\": \"NaN Infinity -Infinity \\\" NaN\", \"t\": NaN}");
	assert_string_equal(json_string_value(json_object_get(v, "s")), "NaN Infinity -Infinity \" NaN");
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
	assert_int_equal(irx_json_parse((const uint8_t *)"{\"a\": [1, 2", 11, &v, &err), IRX_EFORMAT);
	assert_non_null(strstr(err.where, "byte"));
}

static void json_writer_shortest_floats_and_order(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *v = json_pack("{s:f,s:f,s:f,s:i,s:f}", "eps", 1e-05, "tenth", 0.1, "one", 1.0,
			      "n", 3, "third", 1.0 / 3);
	irx_json_write(f, v, IRX_JSON_COMPACT);
	fclose(f);
	assert_string_equal(buf, "{\"eps\": 1e-05, \"tenth\": 0.1, \"one\": 1.0, \"n\": 3, \"third\": 0.3333333333333333}\n");
	free(buf);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_bare_nan_tokens_become_strings),
		cmocka_unit_test(json_strings_holding_the_letters_are_untouched),
		cmocka_unit_test(json_lone_surrogate_is_replaced),
		cmocka_unit_test(json_invalid_reports_position),
		cmocka_unit_test(json_writer_shortest_floats_and_order),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
