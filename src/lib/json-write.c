/*
 * json-write.c: a deterministic JSON writer and a file loader.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irx/blob.h"
#include "irx/json.h"
#include "irxp.h"

static void write_string(FILE *f, const char *s, size_t len)
{
	putc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				putc(c, f);
		}
	}
	putc('"', f);
}

/* Shortest "%.Ng" that reads back to D, marked as a float. */
static void write_real(FILE *f, double d)
{
	char buf[40];

	if (isnan(d)) {
		fputs("\"NaN\"", f);
		return;
	}
	if (isinf(d)) {
		fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, f);
	if (!strpbrk(buf, ".eE"))
		fputs(".0", f);
}

static int is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* Fits on one line: scalars, arrays of scalars, objects of those. */
static int is_flat(const json_t *v, int depth)
{
	size_t i;
	const char *k;
	json_t *x;

	if (is_scalar(v))
		return 1;
	if (depth > 1)
		return 0;
	if (json_is_array(v)) {
		if (json_array_size(v) > 16)
			return 0;
		json_array_foreach(v, i, x)
			if (!is_scalar(x))
				return 0;
		return 1;
	}
	if (json_object_size(v) > 8)
		return 0;
	json_object_foreach((json_t *)v, k, x)
		if (!is_flat(x, depth + 1))
			return 0;
	return 1;
}

static void indent(FILE *f, int level)
{
	putc('\n', f);
	for (int i = 0; i < level; i++)
		fputs("  ", f);
}

static void write_value(FILE *f, const json_t *v, int pretty, int level)
{
	size_t i;
	const char *k;
	json_t *x;
	int nl = pretty && !is_flat(v, 0);

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		putc('{', f);
		i = 0;
		json_object_foreach((json_t *)v, k, x) {
			if (i++)
				fputs(nl ? "," : ", ", f);
			if (nl)
				indent(f, level + 1);
			write_string(f, k, strlen(k));
			fputs(": ", f);
			write_value(f, x, pretty, level + 1);
		}
		if (nl && i)
			indent(f, level);
		putc('}', f);
		break;
	case JSON_ARRAY:
		putc('[', f);
		json_array_foreach(v, i, x) {
			if (i)
				fputs(nl ? "," : ", ", f);
			if (nl)
				indent(f, level + 1);
			write_value(f, x, pretty, level + 1);
		}
		if (nl && json_array_size(v))
			indent(f, level);
		putc(']', f);
		break;
	case JSON_STRING:
		write_string(f, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		write_real(f, json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		fputs("null", f);
		break;
	}
}

int irx_json_write(FILE *f, const json_t *v, unsigned flags)
{
	write_value(f, v, flags & IRX_JSON_PRETTY, 0);
	putc('\n', f);
	return ferror(f) ? -1 : 0;
}

int irx_json_load(const char *path, json_t **out, irx_error *err)
{
	irx_blob *b;
	int rc;

	*out = NULL;
	irxp_source(err, path);
	if ((rc = irx_blob_open(&b, path, err)))
		return rc;
	rc = irxp_json_parse(irx_blob_data(b), irx_blob_size(b), out, err);
	irx_blob_free(b);
	return rc;
}

int irx_json_parse(const uint8_t *data, size_t len, json_t **out, irx_error *err)
{
	return irxp_json_parse(data, len, out, err);
}
