/*
 * trace.c: the file name of a node's record in a trace directory, the one
 * encoding that irx-exec --dump-intermediates writes and irx-verify
 * --trace reads (irx/trace.h, docs/trace-format.md).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/tensor.h"
#include "irx/trace.h"

#define SUFFIX ".safetensors"
#define HASH_HEX 64

/* ---- SHA-256 (FIPS 180-4): a cut name keeps a digest of the whole ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10);
	memcpy(v, h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
			      ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
		uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
			      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += v[i];
}

/* The digest of P[0..N) as 64 lower-case hex digits and a NUL. */
static void sha256_hex(const uint8_t *p, size_t n, char out[HASH_HEX + 1])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	uint8_t last[128] = {0};
	size_t tail = n % 64, blocks = tail < 56 ? 1 : 2;
	uint64_t bits = (uint64_t)n * 8;

	for (size_t i = 0; i + 64 <= n; i += 64)
		sha256_block(h, p + i);
	memcpy(last, p + n - tail, tail);
	last[tail] = 0x80;
	for (int i = 0; i < 8; i++)
		last[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (size_t b = 0; b < blocks; b++)
		sha256_block(h, last + 64 * b);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", h[i]);
}

/* ---- the encoding ---------------------------------------------------- */

/* A byte that stands for itself: never '/', never a leading '.', never
 * '%' or '~', which the encoding itself uses. */
static int plain(unsigned char c, size_t at)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || (c == '.' && at);
}

/* The whole encoding of NAME, or NULL when out of memory. */
static char *encode(const char *name, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = len < SIZE_MAX / 3 ? malloc(len * 3 + 2) : NULL, *o = out;

	if (!out)
		return NULL;
	if (!len)
		*o++ = '%'; /* no other encoding is a lone '%' */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (plain(c, i)) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* The encoding cut to fit IRX_TRACE_STEM_MAX with the digest: at most
 * STEM_MAX - 65 bytes of it, never ending inside a %XX. */
static size_t cut(const char *enc)
{
	size_t n = 0, max = IRX_TRACE_STEM_MAX - 1 - HASH_HEX;

	while (enc[n]) {
		size_t step = enc[n] == '%' ? 3 : 1;
		if (n + step > max)
			break;
		n += step;
	}
	return n;
}

irx_status irx_trace_file_name(char **file, char **key, const char *name, size_t len,
			       irx_error *err)
{
	char *enc, digest[HASH_HEX + 1];
	size_t n;
	int rc = IRX_OK;

	*file = NULL;
	if (key)
		*key = NULL;
	if (!name && len)
		return irx_error_set(err, IRX_EINVAL, "no node name");
	if (!(enc = encode(name ? name : "", len)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	n = strlen(enc);
	if (n <= IRX_TRACE_STEM_MAX) {
		if (asprintf(file, "%s" SUFFIX, enc) < 0)
			*file = NULL;
	} else {
		sha256_hex((const uint8_t *)name, len, digest);
		if (asprintf(file, "%.*s~%s" SUFFIX, (int)cut(enc), enc, digest) < 0)
			*file = NULL;
	}
	if (!*file)
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
	else if (key)
		*key = enc, enc = NULL;
	free(enc);
	return rc;
}
