/*
 * json-read.c: parse what torch's json.dumps wrote, quirks included,
 * into jansson values.
 *
 * Two things torch writes that jansson's parser refuses:
 *  - bare NaN, Infinity and -Infinity tokens (torch <= 2.7 float values);
 *    they become the strings "NaN", "Infinity", "-Infinity", which is how
 *    newer torch writes them, so readers see one encoding;
 *  - lone UTF-16 surrogate escapes (\udcXX from undecodable file names in
 *    stack traces); they become U+FFFD.
 * The reader is irx's own rather than jansson's for speed as well: a
 * program's JSON is mostly plain ASCII strings, which are copied once,
 * straight from the input, instead of character by character.  Input is
 * hostile: depth is bounded, UTF-8 is validated, numbers are checked, and
 * every error names its byte offset.  What two readers could read two
 * ways is refused: a key given twice in one object (the error names its
 * JSON pointer) and \u0000 (irx holds strings as C strings).
 *
 * Arrays and objects of a document can be left unparsed
 * (fmt_json_parse_deferred): their elements or members are only
 * delimited, and each is parsed on its own later (fmt_json_parse_span,
 * fmt_json_member_key).  A program's nodes and tensor values are most of
 * its bytes, and ten times that as values; read one at a time, they never
 * all exist as values at once.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irx/json.h"
#include "formats/formats.h"

#define MAX_DEPTH 2048

struct reader {
	const char *start, *p, *end;
	int depth;
	irx_error *err;
	char *scratch; /* decoding buffer for strings with escapes */
	size_t scratch_cap;
	/* A duplicate key's JSON pointer, built from the inside out while
	 * the error unwinds: nothing is spent on paths when all is well. */
	int dup;
	char at[480];
	size_t at_len;
	/* The values left unparsed, and for each how many keys of its path
	 * the objects around the current value match (-1: not all, or the
	 * value is inside an array). */
	struct fmt_json_deferred *defer;
	size_t n_defer;
	int match[FMT_JSON_MAX_DEFERRED];
	/* Found: once only, so that a second key of that name is a
	 * duplicate, parsed whole to be refused. */
	int found[FMT_JSON_MAX_DEFERRED];
};

/* Put "/SEG" in front of the duplicate's path (dropped when it is full:
 * the innermost part is the useful one). */
static void at_prepend(struct reader *r, const char *seg, size_t n)
{
	if (!r->dup || r->at_len + n + 1 >= sizeof(r->at))
		return;
	memmove(r->at + n + 1, r->at, r->at_len + 1);
	r->at[0] = '/';
	memcpy(r->at + 1, seg, n);
	r->at_len += n + 1;
}

static json_t *bad(struct reader *r, const char *what)
{
	if (!r->err || !r->err->code) {
		irx_error_set(r->err, IRX_EFORMAT, "invalid JSON: %s", what);
		base_where(r->err, "byte %zu", (size_t)(r->p - r->start));
	}
	return NULL;
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static int literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return 0;
	r->p += n;
	return 1;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at S (at most LEFT bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Room for N more bytes at offset O of the scratch buffer. */
static int reserve(struct reader *r, size_t o, size_t n)
{
	if (r->scratch && o + n <= r->scratch_cap)
		return 0;
	size_t cap = r->scratch_cap ? r->scratch_cap : 256;
	while (cap < o + n + 1)
		cap *= 2;
	char *s = realloc(r->scratch, cap);
	if (!s)
		return -1;
	r->scratch = s;
	r->scratch_cap = cap;
	return 0;
}

static int put_utf8(struct reader *r, size_t *o, unsigned cp)
{
	if (reserve(r, *o, 4))
		return -1;
	char *d = r->scratch + *o;
	if (cp < 0x80) {
		d[0] = (char)cp, *o += 1;
	} else if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6), d[1] = (char)(0x80 | (cp & 0x3f)), *o += 2;
	} else if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12), d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f)), *o += 3;
	} else {
		d[0] = (char)(0xf0 | cp >> 18), d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		d[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), d[3] = (char)(0x80 | (cp & 0x3f)),
		*o += 4;
	}
	return 0;
}

/*
 * A string at r->p (on the opening quote).  S and LEN point either into the
 * input (no escapes: the common case) or into r->scratch.
 */
static int string(struct reader *r, const char **s, size_t *len)
{
	const char *q = ++r->p;
	size_t o = 0;
	int escaped = 0;

	for (;;) {
		/* Plain ASCII runs: the bulk of a program. */
		const char *run = q;
		q += fmt_json_plain_run(q, (size_t)(r->end - q));
		while (q < r->end && *q == 0x7f) /* DEL is plain here, not in the output */
			q += 1 + fmt_json_plain_run(q + 1, (size_t)(r->end - q - 1));
		if (escaped && q > run) {
			if (reserve(r, o, (size_t)(q - run)))
				return irx_error_set(r->err, IRX_ENOMEM, "out of memory"), -1;
			memcpy(r->scratch + o, run, (size_t)(q - run));
			o += (size_t)(q - run);
		}
		if (q >= r->end) {
			r->p = q;
			return bad(r, "unterminated string"), -1;
		}
		unsigned char c = (unsigned char)*q;
		if (c == '"' && !escaped) {
			*s = r->p;
			*len = (size_t)(q - r->p);
			r->p = q + 1;
			return 0;
		}
		if (c >= 0x80) { /* raw UTF-8: validated, then kept as it is */
			size_t n = utf8_len((const unsigned char *)q, (size_t)(r->end - q));
			if (!n) {
				r->p = q;
				return bad(r, "invalid UTF-8"), -1;
			}
			if (escaped) {
				if (reserve(r, o, n))
					return irx_error_set(r->err, IRX_ENOMEM, "out of memory"),
					       -1;
				memcpy(r->scratch + o, q, n);
				o += n;
			}
			q += n;
			continue;
		}
		if (!escaped) { /* the first escape: decode from here on */
			escaped = 1;
			o = (size_t)(q - r->p);
			if (reserve(r, 0, o))
				return irx_error_set(r->err, IRX_ENOMEM, "out of memory"), -1;
			memcpy(r->scratch, r->p, o);
		}
		if (c == '"') {
			*s = r->scratch;
			*len = o;
			r->p = q + 1;
			return 0;
		}
		if (c < 0x20) {
			r->p = q;
			return bad(r, "control character in string"), -1;
		}
		/* a backslash escape */
		if (q + 1 >= r->end) {
			r->p = q;
			return bad(r, "unterminated escape"), -1;
		}
		unsigned cp;
		switch (q[1]) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u': {
			int u = r->end - q >= 6 ? hex4(q + 2) : -1, lo;
			if (u < 0) {
				r->p = q;
				return bad(r, "bad \\u escape"), -1;
			}
			if (u == 0) { /* strings are C strings: it would end them early */
				r->p = q;
				return bad(r, "\\u0000 in a string"), -1;
			}
			if (u >= 0xd800 && u <= 0xdbff && r->end - q >= 12 && q[6] == '\\' &&
			    q[7] == 'u' && (lo = hex4(q + 8)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((unsigned)(u - 0xd800) << 10) +
				     (unsigned)(lo - 0xdc00);
				q += 6;
			} else if (u >= 0xd800 && u <= 0xdfff) {
				cp = 0xfffd; /* a lone surrogate */
			} else {
				cp = (unsigned)u;
			}
			q += 4;
			break;
		}
		default: r->p = q; return bad(r, "bad escape"), -1;
		}
		if (put_utf8(r, &o, cp))
			return irx_error_set(r->err, IRX_ENOMEM, "out of memory"), -1;
		q += 2;
	}
}

static json_t *number(struct reader *r)
{
	const char *q = r->p;
	char buf[64];
	int real = 0;

	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || *q < '0' || *q > '9')
		return bad(r, "unexpected character");
	if (*q == '0')
		q++;
	else
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	if (q < r->end && *q == '.') {
		real = 1;
		if (++q >= r->end || *q < '0' || *q > '9')
			return bad(r, "bad number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		real = 1;
		if (++q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || *q < '0' || *q > '9')
			return bad(r, "bad number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	size_t n = (size_t)(q - r->p);
	if (n >= sizeof(buf))
		return bad(r, "number too long");
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	errno = 0;
	if (!real) {
		long long v = strtoll(buf, NULL, 10);
		if (errno != ERANGE) {
			r->p = q;
			return json_integer(v);
		}
		/* beyond int64 (a uint64 fill value): keep it as a real */
	}
	errno = 0;
	double d = strtod_l(buf, NULL, base_c_locale());
	if (errno == ERANGE && (d > 1 || d < -1))
		return bad(r, "number out of range");
	r->p = q;
	return json_real(d);
}

static json_t *value(struct reader *r);

static json_t *array(struct reader *r)
{
	json_t *a = json_array(), *v;
	int match[FMT_JSON_MAX_DEFERRED];

	memcpy(match, r->match, sizeof(match));
	memset(r->match, -1, sizeof(r->match));
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		memcpy(r->match, match, sizeof(match));
		return a;
	}
	for (size_t i = 0;; i++) {
		if (!(v = value(r)) || json_array_append_new(a, v)) {
			char num[24];
			size_t len = (size_t)snprintf(num, sizeof(num), "%zu", i);
			at_prepend(r, num, len);
			json_decref(a);
			return NULL;
		}
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			memcpy(r->match, match, sizeof(match));
			return a;
		}
		json_decref(a);
		return bad(r, "expected ',' or ']'");
	}
}

/*
 * The end of the value at r->p, for a deferred array's element (or an
 * object's member, "key": value): strings and brackets are followed,
 * nothing else is looked at.  What this lets through (a bad number, '['
 * closed by '}') fails when the element itself is parsed.
 */
static int skip_value(struct reader *r)
{
	int depth = 0;

	while (r->p < r->end) {
		switch (*r->p) {
		case '"':
			for (const char *q = r->p + 1;; q++) {
				if (!(q = memchr(q, '"', (size_t)(r->end - q))))
					return bad(r, "unterminated string"), -1;
				const char *b = q;
				while (b[-1] == '\\')
					b--;
				if ((q - b) % 2 == 0) { /* not escaped */
					r->p = q + 1;
					break;
				}
			}
			continue;
		case '[':
		case '{':
			if (++depth > MAX_DEPTH)
				return bad(r, "nested too deeply"), -1;
			break;
		case ']':
		case '}':
			if (depth == 0)
				return 0;
			if (--depth == 0) {
				r->p++;
				return 0;
			}
			break;
		case ',':
			if (depth == 0)
				return 0;
			break;
		}
		r->p++;
	}
	return bad(r, "unexpected end of input"), -1;
}

/* The deferred value whose path the current value is at, if any. */
static struct fmt_json_deferred *deferred_here(struct reader *r)
{
	for (size_t d = 0; d < r->n_defer; d++)
		if (!r->found[d] && r->match[d] >= 0 && r->defer[d].path &&
		    !r->defer[d].path[r->match[d]])
			return &r->defer[d];
	return NULL;
}

/* Deferred value D: empty in the document, its elements' (or members')
 * places kept. */
static json_t *deferred(struct reader *r, struct fmt_json_deferred *d)
{
	char close = *r->p == '[' ? ']' : '}';
	size_t cap = 0;

	r->found[d - r->defer] = 1;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return close == ']' ? json_array() : json_object();
	}
	for (;;) {
		skip_ws(r);
		size_t start = (size_t)(r->p - r->start);
		if (close == '}' && (r->p >= r->end || *r->p != '"'))
			return bad(r, "expected a string key");
		if (skip_value(r))
			return NULL;
		if (d->n == cap) {
			cap = cap ? 2 * cap : 1024;
			struct fmt_json_span *s = realloc(d->spans, cap * sizeof(*s));
			if (!s) {
				irx_error_set(r->err, IRX_ENOMEM, "out of memory");
				return NULL;
			}
			d->spans = s;
		}
		d->spans[d->n++] = (struct fmt_json_span){start, (size_t)(r->p - r->start)};
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return close == ']' ? json_array() : json_object();
		}
		return bad(r, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
	}
}

/*
 * A key given twice: jansson keeps the last value, Python's json the last,
 * other readers the first.  Refused, so that there is one reading.
 */
static int duplicate(struct reader *r, const char *key)
{
	irx_error_set(r->err, IRX_EFORMAT, "duplicate key '%.200s'", key);
	r->dup = 1;
	return -1;
}

static json_t *object(struct reader *r)
{
	json_t *o = json_object(), *v;
	char small[128], *key;
	const char *s;
	size_t len;

	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	for (;;) {
		skip_ws(r);
		if (r->p >= r->end || *r->p != '"') {
			json_decref(o);
			return bad(r, "expected a string key");
		}
		if (string(r, &s, &len)) {
			json_decref(o);
			return NULL;
		}
		/* The key must outlive the value's parse (which reuses scratch). */
		key = len < sizeof(small) ? small : malloc(len + 1);
		if (!key) {
			json_decref(o);
			irx_error_set(r->err, IRX_ENOMEM, "out of memory");
			return NULL;
		}
		memcpy(key, s, len);
		key[len] = '\0';
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':') {
			if (key != small)
				free(key);
			json_decref(o);
			return bad(r, "expected ':'");
		}
		r->p++;
		int match[FMT_JSON_MAX_DEFERRED];
		memcpy(match, r->match, sizeof(match));
		for (size_t d = 0; d < r->n_defer; d++) {
			const char *const *path = r->defer[d].path;
			r->match[d] = match[d] >= 0 && path && path[match[d]] &&
						      !strcmp(key, path[match[d]])
					      ? match[d] + 1
					      : -1;
		}
		v = value(r);
		memcpy(r->match, match, sizeof(match));
		size_t before = json_object_size(o);
		int rc = v ? json_object_setn_new_nocheck(o, key, len, v) : -1;
		if (!rc && json_object_size(o) == before)
			rc = duplicate(r, key);
		if (rc)
			at_prepend(r, key, len);
		if (key != small)
			free(key);
		if (rc) {
			json_decref(o);
			return NULL;
		}
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return o;
		}
		json_decref(o);
		return bad(r, "expected ',' or '}'");
	}
}

static json_t *value(struct reader *r)
{
	json_t *v;
	const char *s;
	size_t len;

	skip_ws(r);
	if (r->p >= r->end)
		return bad(r, "unexpected end of input");
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > MAX_DEPTH)
			return bad(r, "nested too deeply");
		struct fmt_json_deferred *d = deferred_here(r);
		v = d ? deferred(r, d) : *r->p == '{' ? object(r) : array(r);
		r->depth--;
		return v;
	case '"':
		if (string(r, &s, &len))
			return NULL;
		return json_stringn_nocheck(s, len);
	case 't': return literal(r, "true") ? json_true() : bad(r, "unexpected character");
	case 'f': return literal(r, "false") ? json_false() : bad(r, "unexpected character");
	case 'n': return literal(r, "null") ? json_null() : bad(r, "unexpected character");
	case 'N': return literal(r, "NaN") ? json_string("NaN") : bad(r, "unexpected character");
	case 'I':
		return literal(r, "Infinity") ? json_string("Infinity")
					      : bad(r, "unexpected character");
	case '-':
		if (literal(r, "-Infinity"))
			return json_string("-Infinity");
		return number(r);
	default: return number(r);
	}
}

/* The value from R->p to R->end, then the end: the whole of it. */
static irx_status parse(struct reader *r, json_t **out, const char *prefix)
{
	json_t *v;

	*out = NULL;
	v = value(r);
	if (v) {
		skip_ws(r);
		if (r->p != r->end) {
			json_decref(v);
			v = bad(r, "text after the end of the document");
		}
	}
	free(r->scratch);
	if (r->dup)
		base_where(r->err, "%s%s", prefix, r->at);
	if (!v)
		return r->err && r->err->code ? r->err->code : IRX_EFORMAT;
	*out = v;
	return IRX_OK;
}

irx_status irx_json_parse(json_t **out, const uint8_t *data, size_t len, irx_error *err)
{
	struct reader r = {.start = (const char *)data,
			   .p = (const char *)data,
			   .end = (const char *)data + len,
			   .err = err};

	return parse(&r, out, "");
}

int fmt_json_parse_deferred(json_t **out, const uint8_t *data, size_t len,
			    struct fmt_json_deferred *defer, size_t n, irx_error *err)
{
	struct reader r = {.start = (const char *)data,
			   .p = (const char *)data,
			   .end = (const char *)data + len,
			   .err = err,
			   .defer = defer,
			   .n_defer = n};
	int rc;

	if (n > FMT_JSON_MAX_DEFERRED)
		return irx_error_set(err, IRX_EINVAL, "too many deferred values");
	for (size_t d = 0; d < n; d++) {
		defer[d].spans = NULL;
		defer[d].n = 0;
	}
	if ((rc = parse(&r, out, "")))
		for (size_t d = 0; d < n; d++) {
			free(defer[d].spans);
			defer[d].spans = NULL;
			defer[d].n = 0;
		}
	return rc;
}

int fmt_json_parse_span(json_t **out, const uint8_t *data, struct fmt_json_span span,
			const char *prefix, irx_error *err)
{
	struct reader r = {.start = (const char *)data,
			   .p = (const char *)data + span.start,
			   .end = (const char *)data + span.end,
			   .err = err};

	return parse(&r, out, prefix);
}

int fmt_json_member_key(char **key, struct fmt_json_span *value, const uint8_t *data,
			struct fmt_json_span span, irx_error *err)
{
	struct reader r = {.start = (const char *)data,
			   .p = (const char *)data + span.start,
			   .end = (const char *)data + span.end,
			   .err = err};
	const char *s;
	size_t len;
	int rc = IRX_OK;

	*key = NULL;
	if (string(&r, &s, &len))
		rc = err && err->code ? err->code : IRX_EFORMAT;
	else if (!(*key = strndup(s, len)))
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
	else {
		skip_ws(&r);
		if (r.p >= r.end || *r.p != ':') {
			bad(&r, "expected ':'");
			rc = IRX_EFORMAT;
		}
	}
	free(r.scratch);
	if (rc) {
		free(*key);
		*key = NULL;
		return rc;
	}
	*value = (struct fmt_json_span){(size_t)(r.p + 1 - r.start), span.end};
	return IRX_OK;
}

irx_status irx_json_load(json_t **out, const char *path, irx_error *err)
{
	irx_blob *b;
	int rc;

	*out = NULL;
	base_source(err, path);
	if ((rc = irx_blob_open(&b, path, err)))
		return rc;
	rc = irx_json_parse(out, irx_blob_data(b), irx_blob_size(b), err);
	irx_blob_free(b);
	return rc;
}
