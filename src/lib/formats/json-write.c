/*
 * json-write.c: a deterministic JSON writer.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irx/json.h"
#include "formats/formats.h"

static void write_string(FILE *f, const char *s, size_t len)
{
	size_t run = 0; /* start of the pending run of plain bytes */

	putc_unlocked('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		/* DEL and the C1 controls (U+0080..U+009F, 0xc2 0x80..0x9f) are
		 * escaped too: JSON shown on a terminal must not drive it. */
		int c1 = c == 0xc2 && i + 1 < len && ((unsigned char)s[i + 1] & 0xe0) == 0x80;
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && !c1)
			continue;
		fwrite_unlocked(s + run, 1, i - run, f);
		run = i + 1;
		if (c1) {
			fprintf(f, "\\u%04x", (unsigned char)s[++i]);
			run = i + 1;
			continue;
		}
		switch (c) {
		case '"': fputs_unlocked("\\\"", f); break;
		case '\\': fputs_unlocked("\\\\", f); break;
		case '\n': fputs_unlocked("\\n", f); break;
		case '\t': fputs_unlocked("\\t", f); break;
		case '\r': fputs_unlocked("\\r", f); break;
		default: fprintf(f, "\\u%04x", c);
		}
	}
	fwrite_unlocked(s + run, 1, len - run, f);
	putc_unlocked('"', f);
}

/* Shortest "%.Ng" that reads back to D, marked as a float. */
static void write_real(FILE *f, double d)
{
	char buf[40];

	if (isnan(d)) {
		fputs_unlocked("\"NaN\"", f);
		return;
	}
	if (isinf(d)) {
		fputs_unlocked(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (strtod_l(buf, NULL, base_c_locale()) == d)
			break;
	}
	/* whole numbers as people write them: 10.0, not 1e+01 */
	if (strchr(buf, 'e') && d == trunc(d) && fabs(d) < 1e16)
		snprintf(buf, sizeof(buf), "%.0f", d);
	fputs_unlocked(buf, f);
	if (!strpbrk(buf, ".eE"))
		fputs_unlocked(".0", f);
}

static int is_scalar(const json_t *v) { return !json_is_object(v) && !json_is_array(v); }

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
	putc_unlocked('\n', f);
	for (int i = 0; i < level; i++)
		fputs_unlocked("  ", f);
}

static void write_value(FILE *f, const json_t *v, int pretty, int level,
			const struct fmt_json_splice *sp)
{
	size_t i;
	const char *k;
	json_t *x;
	int nl = pretty && !is_flat(v, 0);

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		putc_unlocked('{', f);
		i = 0;
		json_object_foreach((json_t *)v, k, x) {
			if (i++)
				fputs_unlocked(nl ? "," : ", ", f);
			if (nl)
				indent(f, level + 1);
			write_string(f, k, strlen(k));
			fputs_unlocked(": ", f);
			write_value(f, x, pretty, level + 1, sp);
		}
		if (nl && i)
			indent(f, level);
		putc_unlocked('}', f);
		break;
	case JSON_ARRAY:
		putc_unlocked('[', f);
		if (sp && v == sp->at) {
			fwrite_unlocked(sp->text, 1, sp->len, f);
			if (pretty && sp->n)
				indent(f, level);
			putc_unlocked(']', f);
			break;
		}
		json_array_foreach(v, i, x) {
			if (i)
				fputs_unlocked(nl ? "," : ", ", f);
			if (nl)
				indent(f, level + 1);
			write_value(f, x, pretty, level + 1, sp);
		}
		if (nl && json_array_size(v))
			indent(f, level);
		putc_unlocked(']', f);
		break;
	case JSON_STRING: write_string(f, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: {
		char buf[24], *p = buf + sizeof(buf);
		long long iv = json_integer_value(v);
		unsigned long long u =
			iv < 0 ? 0ULL - (unsigned long long)iv : (unsigned long long)iv;
		do
			*--p = (char)('0' + u % 10);
		while (u /= 10);
		if (iv < 0)
			*--p = '-';
		fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
		break;
	}
	case JSON_REAL: write_real(f, json_real_value(v)); break;
	case JSON_TRUE: fputs_unlocked("true", f); break;
	case JSON_FALSE: fputs_unlocked("false", f); break;
	case JSON_NULL: fputs_unlocked("null", f); break;
	}
}

irx_status irx_json_write(FILE *f, const json_t *v, unsigned flags, irx_error *err)
{
	return fmt_json_write_spliced(f, v, NULL, flags, err);
}

void fmt_json_write_element(FILE *f, const json_t *v, unsigned flags, int level, size_t index)
{
	locale_t old = uselocale(base_c_locale());
	int pretty = flags & IRX_JSON_PRETTY;

	/* as write_value writes an array that is not flat */
	if (index)
		fputs_unlocked(pretty ? "," : ", ", f);
	if (pretty)
		indent(f, level + 1);
	write_value(f, v, pretty, level + 1, NULL);
	uselocale(old);
}

irx_status fmt_json_write_spliced(FILE *f, const json_t *v, const struct fmt_json_splice *sp,
				  unsigned flags, irx_error *err)
{
	locale_t old = uselocale(base_c_locale()); /* "0.5", never "0,5" */

	write_value(f, v, flags & IRX_JSON_PRETTY, 0, sp);
	uselocale(old);
	putc_unlocked('\n', f);
	return base_write_status(f, err);
}
