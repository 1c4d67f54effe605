/*
 * escape.c: names from untrusted input made safe to print and to put in
 * JSON.
 *
 * A file or tensor name may hold a newline (a message then seems to end
 * and a forged one to begin), a terminal escape sequence (ESC or the C1
 * control CSI, U+009B, which rewrite the screen) or bytes that are not
 * UTF-8 (which JSON cannot hold).  Every printer and every JSON string made
 * from such a name goes through irx_escape(); the result is reversible, so
 * nothing is lost.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* Length of the valid UTF-8 sequence at P (N bytes left), or 0: overlong
 * forms, surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* The escaped form of the character at P into PIECE; returns the bytes
 * of input it stands for. */
static size_t escape_one(const unsigned char *p, size_t n, char piece[16], size_t *plen)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = utf8_len(p, n), e = 0;

	if (p[0] == '\\' || p[0] == '\n' || p[0] == '\t' || p[0] == '\r') {
		piece[0] = '\\';
		piece[1] = p[0] == '\\' ? '\\' : p[0] == '\n' ? 'n' : p[0] == '\t' ? 't' : 'r';
		*plen = 2;
		return 1;
	}
	/* Controls (C0, DEL, and C1 as U+0080..U+009F) and bytes outside
	 * valid UTF-8 become \xNN, one per byte. */
	int control = p[0] < 0x20 || p[0] == 0x7f || (k == 2 && p[0] == 0xc2 && p[1] < 0xa0);
	if (!control && k) {
		memcpy(piece, p, k);
		*plen = k;
		return k;
	}
	for (size_t i = 0; i < (k ? k : 1); i++) {
		piece[e++] = '\\';
		piece[e++] = 'x';
		piece[e++] = hex[p[i] >> 4];
		piece[e++] = hex[p[i] & 15];
	}
	*plen = e;
	return k ? k : 1;
}

size_t irx_escape(char *dst, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t total = 0, out = 0, i = 0;
	char piece[16];
	int full = size == 0;

	while (i < len) {
		size_t plen;
		i += escape_one(p + i, len - i, piece, &plen);
		/* Never half an escape or half a character. */
		if (!full && out + plen < size)
			memcpy(dst + out, piece, plen), out += plen;
		else
			full = 1;
		total += plen;
	}
	if (size)
		dst[out] = '\0';
	return total;
}

char *irx_escape_dup(const char *s)
{
	size_t len = strlen(s), n = irx_escape(NULL, 0, s, len);
	char *out = malloc(n + 1);

	if (out)
		irx_escape(out, n + 1, s, len);
	return out;
}

json_t *base_json_escaped(const char *s)
{
	char *e = s ? irx_escape_dup(s) : NULL;
	json_t *j = e ? json_string(e) : NULL;

	free(e);
	return j;
}

void irx_escape_print(FILE *f, const char *s, int width)
{
	char small[256], *e = small;
	size_t n;

	if (!s)
		s = "?";
	n = irx_escape(small, sizeof(small), s, strlen(s));

	/* cppcheck-suppress redundantInitialization ; false positive: read when n fits */
	if (n >= sizeof(small) && !(e = irx_escape_dup(s)))
		e = small; /* out of memory: the name cut short */
	fprintf(f, "%-*s", width, e);
	if (e != small)
		free(e);
}
