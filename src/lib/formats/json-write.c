/*
 * json-write.c: a deterministic JSON writer.
 *
 * Bytes go to a buffer of our own and reach the FILE in large blocks: a
 * document is a million small pieces (keys, ": ", numbers), and a stdio
 * call for each was a tenth of irx-convert's run.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irx/json.h"
#include "formats/formats.h"

struct out {
	FILE *f;
	size_t n;
	char buf[1 << 14];
};

static void flush(struct out *o)
{
	fwrite_unlocked(o->buf, 1, o->n, o->f);
	o->n = 0;
}

static void put(struct out *o, char c)
{
	if (o->n == sizeof(o->buf))
		flush(o);
	o->buf[o->n++] = c;
}

static void putn(struct out *o, const char *s, size_t n)
{
	if (n > sizeof(o->buf) - o->n) {
		flush(o);
		if (n > sizeof(o->buf)) {
			fwrite_unlocked(s, 1, n, o->f);
			return;
		}
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
}

#define PUTS(o, lit) putn(o, lit, sizeof(lit) - 1)

static void put_u4(struct out *o, unsigned c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = {'\\', 'u', '0', '0', hex[(c >> 4) & 15], hex[c & 15]};

	putn(o, u, sizeof(u));
}

static void write_string(struct out *o, const char *s, size_t len)
{
	size_t run = 0; /* start of the pending run of plain bytes */

	put(o, '"');
	for (size_t i = fmt_json_plain_run(s, len); i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		/* DEL and the C1 controls (U+0080..U+009F, 0xc2 0x80..0x9f) are
		 * escaped too: JSON shown on a terminal must not drive it. */
		int c1 = c == 0xc2 && i + 1 < len && ((unsigned char)s[i + 1] & 0xe0) == 0x80;
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && !c1)
			continue;
		putn(o, s + run, i - run);
		run = i + 1;
		if (c1) {
			put_u4(o, (unsigned char)s[++i]);
			run = i + 1;
			continue;
		}
		switch (c) {
		case '"': PUTS(o, "\\\""); break;
		case '\\': PUTS(o, "\\\\"); break;
		case '\n': PUTS(o, "\\n"); break;
		case '\t': PUTS(o, "\\t"); break;
		case '\r': PUTS(o, "\\r"); break;
		default: put_u4(o, c);
		}
	}
	putn(o, s + run, len - run);
	put(o, '"');
}

/* Shortest "%.Ng" that reads back to D, marked as a float. */
static void write_real(struct out *o, double d)
{
	char buf[40];

	if (isnan(d)) {
		PUTS(o, "\"NaN\"");
		return;
	}
	if (isinf(d)) {
		if (d > 0)
			PUTS(o, "\"Infinity\"");
		else
			PUTS(o, "\"-Infinity\"");
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
	putn(o, buf, strlen(buf));
	if (!strpbrk(buf, ".eE"))
		PUTS(o, ".0");
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

static void indent(struct out *o, int level)
{
	put(o, '\n');
	for (int i = 0; i < level; i++)
		PUTS(o, "  ");
}

static void separator(struct out *o, int nl)
{
	if (nl)
		put(o, ',');
	else
		PUTS(o, ", ");
}

static void write_value(struct out *o, const json_t *v, int pretty, int level,
			const struct fmt_json_splice *sp)
{
	size_t i;
	const char *k;
	json_t *x;
	int nl = pretty && !is_flat(v, 0);

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put(o, '{');
		i = 0;
		json_object_foreach((json_t *)v, k, x) {
			if (i++)
				separator(o, nl);
			if (nl)
				indent(o, level + 1);
			write_string(o, k, strlen(k));
			PUTS(o, ": ");
			write_value(o, x, pretty, level + 1, sp);
		}
		if (nl && i)
			indent(o, level);
		put(o, '}');
		break;
	case JSON_ARRAY:
		put(o, '[');
		if (sp && v == sp->at) {
			if (sp->len) /* no nodes: no text, and memcpy must not see NULL */
				putn(o, sp->text, sp->len);
			if (pretty && sp->n)
				indent(o, level);
			put(o, ']');
			break;
		}
		json_array_foreach(v, i, x) {
			if (i)
				separator(o, nl);
			if (nl)
				indent(o, level + 1);
			write_value(o, x, pretty, level + 1, sp);
		}
		if (nl && json_array_size(v))
			indent(o, level);
		put(o, ']');
		break;
	case JSON_STRING: write_string(o, json_string_value(v), json_string_length(v)); break;
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
		putn(o, p, (size_t)(buf + sizeof(buf) - p));
		break;
	}
	case JSON_REAL: write_real(o, json_real_value(v)); break;
	case JSON_TRUE: PUTS(o, "true"); break;
	case JSON_FALSE: PUTS(o, "false"); break;
	case JSON_NULL: PUTS(o, "null"); break;
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
	struct out o; /* not "= {...}": that would clear the buffer */

	o.f = f;
	o.n = 0;
	/* as write_value writes an array that is not flat */
	if (index)
		separator(&o, pretty);
	if (pretty)
		indent(&o, level + 1);
	write_value(&o, v, pretty, level + 1, NULL);
	flush(&o);
	uselocale(old);
}

irx_status fmt_json_write_spliced(FILE *f, const json_t *v, const struct fmt_json_splice *sp,
				  unsigned flags, irx_error *err)
{
	locale_t old = uselocale(base_c_locale()); /* "0.5", never "0,5" */
	struct out o;

	o.f = f;
	o.n = 0;
	write_value(&o, v, flags & IRX_JSON_PRETTY, 0, sp);
	put(&o, '\n');
	flush(&o);
	uselocale(old);
	return base_write_status(f, err);
}
