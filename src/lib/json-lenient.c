/*
 * json-lenient.c: parse what torch's json.dumps wrote, quirks included.
 *
 * Two things torch writes that jansson refuses:
 *  - bare NaN, Infinity and -Infinity tokens (torch <= 2.7 float values);
 *    they become the strings "NaN", "Infinity", "-Infinity", which is how
 *    newer torch writes them, so readers see one encoding;
 *  - lone UTF-16 surrogate escapes (\udcXX from undecodable file names in
 *    stack traces); they become U+FFFD.
 * Text inside strings is never touched: a string "NaN" or "xInfinity"
 * stays as it is.  The copy is made only when a quirk is present.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irxp.h"

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Value of a \uXXXX escape at S (S points at the backslash), or -1. */
static long uescape(const char *s, size_t left)
{
	if (left < 6 || s[0] != '\\' || s[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++)
		if (!is_hex((unsigned char)s[i]))
			return -1;
	return strtol((char[]){s[2], s[3], s[4], s[5], 0}, NULL, 16);
}

static int token_at(const char *s, size_t left, const char *tok)
{
	size_t n = strlen(tok);
	return left >= n && memcmp(s, tok, n) == 0;
}

/*
 * Rewrite IN into a new buffer (*OUT, NUL-terminated) if it holds a
 * quirk; *OUT stays NULL otherwise.
 */
static int rewrite(const char *in, size_t len, char **out)
{
	char *buf = NULL;
	size_t o = 0;
	int in_string = 0;

	*out = NULL;
	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;
		size_t skip = 0;
		char c = in[i];

		if (in_string) {
			if (c == '\\' && i + 1 < len && in[i + 1] == 'u') {
				long u = uescape(in + i, len - i);
				long lo = u >= 0xd800 && u <= 0xdbff ? uescape(in + i + 6, len - i - 6) : -1;
				if (u >= 0xd800 && u <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
					/* A valid pair: copy both escapes as they are. */
					if (buf)
						memcpy(buf + o, in + i, 12), o += 12;
					i += 11;
					continue;
				} else if (u >= 0xd800 && u <= 0xdfff) {
					rep = "\\ufffd";
					skip = 6;
				}
			} else if (c == '\\') {
				if (buf)
					buf[o++] = c;
				if (++i < len && buf)
					buf[o++] = in[i];
				continue;
			} else if (c == '"') {
				in_string = 0;
			}
		} else if (c == '"') {
			in_string = 1;
		} else if (token_at(in + i, len - i, "NaN")) {
			rep = "\"NaN\"", skip = 3;
		} else if (token_at(in + i, len - i, "Infinity")) {
			rep = "\"Infinity\"", skip = 8;
		} else if (token_at(in + i, len - i, "-Infinity")) {
			rep = "\"-Infinity\"", skip = 9;
		}
		if (rep && !buf) {
			/* First quirk: every token grows by at most 2 bytes per 3. */
			size_t cap = len + len / 3 * 2 + 16;
			if (!(buf = malloc(cap)))
				return IRX_ENOMEM;
			memcpy(buf, in, i);
			o = i;
		}
		if (rep) {
			size_t n = strlen(rep);
			memcpy(buf + o, rep, n);
			o += n;
			i += skip - 1;
		} else if (buf) {
			buf[o++] = c;
		}
	}
	if (buf)
		buf[o] = '\0';
	*out = buf;
	return IRX_OK;
}

int irxp_json_parse(const uint8_t *data, size_t len, json_t **out, irx_error *err)
{
	json_error_t je;
	char *fixed = NULL;
	json_t *root;

	*out = NULL;
	if (rewrite((const char *)data, len, &fixed))
		return irxp_fail(err, IRX_ENOMEM, "cannot allocate JSON buffer");
	if (fixed)
		root = json_loads(fixed, 0, &je);
	else
		root = json_loadb((const char *)data, len, 0, &je);
	free(fixed);
	if (!root) {
		irxp_fail(err, IRX_EFORMAT, "invalid JSON: %s", je.text);
		irxp_where(err, "byte %d", je.position);
		return IRX_EFORMAT;
	}
	*out = root;
	return IRX_OK;
}
