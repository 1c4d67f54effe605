/*
 * zip-write.c: a streaming zip writer laid out as PyTorchStreamWriter
 * lays out its archives.
 *
 * Entries are stored (never deflated), so readers can map tensor bytes in
 * place; each entry's data starts at a multiple of 64 bytes, padded with an
 * "FB" extra field of 'Z's as torch pads it.  The local header carries no
 * CRC or sizes (general purpose bit 3): they follow the data in a data
 * descriptor and are repeated in the central directory, so an entry can be
 * streamed in chunks to a FILE that cannot seek (a pipe, stdout).
 * ZIP64 fields appear only where a size, an offset or the entry count
 * needs them.  Offsets count from where the archive starts in F.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/formats.h"

#define ALIGN 64
#define MAX32 0xffffffffu
#define MAX16 0xffffu
#define FLAGS 0x0808    /* bit 3: data descriptor; bit 11: UTF-8 names */
#define DOS_DATE 0x0021 /* 1980-01-01, so output is reproducible */
#define VERSION_PLAIN 20
#define VERSION_ZIP64 45

struct central {
	char *name;
	uint32_t crc;
	uint64_t size, offset;
};

struct fmt_zipw {
	FILE *f;
	uint64_t pos; /* bytes written since the start */
	struct central *entries;
	size_t n, cap;
	uint64_t digest;
	/* The entry being streamed. */
	int open;
	uint64_t size, done;
	uLong crc;
};

/* Little-endian fields into a header being built. */
static uint8_t *put16(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint64_t v) { return put16(put16(p, v), v >> 16); }

static uint8_t *put64(uint8_t *p, uint64_t v) { return put32(put32(p, v), v >> 32); }

/* Write LEN bytes of WHAT (of entry NAME, when not NULL). */
static int out(struct fmt_zipw *zw, const void *p, size_t len, const char *what, const char *name,
	       irx_error *err)
{
	errno = 0;
	if (len && fwrite(p, 1, len, zw->f) != len)
		return irx_error_set(err, IRX_EIO, "cannot write %s%s%s%s: %s", what,
				     name ? " '" : "", name ? name : "", name ? "'" : "",
				     errno ? strerror(errno) : "short write");
	zw->pos += len;
	return IRX_OK;
}

/* FNV-1a over what identifies an entry: a stable, cheap fingerprint. */
static void digest(struct fmt_zipw *zw, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		zw->digest = (zw->digest ^ b[i]) * 0x100000001b3ull;
}

int fmt_zipw_open(struct fmt_zipw **outp, FILE *f, irx_error *err)
{
	struct fmt_zipw *zw = calloc(1, sizeof(*zw));

	*outp = NULL;
	if (!zw)
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate zip writer");
	zw->f = f;
	zw->digest = 0xcbf29ce484222325ull;
	*outp = zw;
	return IRX_OK;
}

void fmt_zipw_free(struct fmt_zipw *zw)
{
	if (!zw)
		return;
	for (size_t i = 0; i < zw->n; i++)
		free(zw->entries[i].name);
	free(zw->entries);
	free(zw);
}

uint64_t fmt_zipw_digest(const struct fmt_zipw *zw) { return zw->digest; }

static int add_central(struct fmt_zipw *zw, const char *name, irx_error *err)
{
	struct central *c;

	if (zw->n == zw->cap) {
		size_t ncap = zw->cap ? zw->cap * 2 : 16;
		struct central *ne = reallocarray(zw->entries, ncap, sizeof(*ne));
		if (!ne)
			return irx_error_set(err, IRX_ENOMEM, "cannot allocate zip directory");
		zw->entries = ne;
		zw->cap = ncap;
	}
	c = &zw->entries[zw->n];
	if (!(c->name = strdup(name)))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate zip entry name");
	c->offset = zw->pos;
	c->size = 0;
	c->crc = 0;
	zw->n++;
	return IRX_OK;
}

int fmt_zipw_begin(struct fmt_zipw *zw, const char *name, uint64_t size, irx_error *err)
{
	size_t nlen = strlen(name);
	int zip64 = size >= MAX32;
	uint8_t head[30], extra[4 + 20 + ALIGN], *p;
	size_t xlen, pad;
	int rc;

	if (zw->open)
		return irx_error_set(err, IRX_EINVAL, "zip entry '%s' begun inside another", name);
	if (nlen > MAX16 - sizeof(extra))
		return irx_error_set(err, IRX_EINVAL, "zip entry name '%.64s...' is too long",
				     name);
	if ((rc = add_central(zw, name, err)))
		return rc;
	/* With bit 3 set the local CRC and sizes are zero; a ZIP64 entry
	 * says so with 0xffffffff sizes and the real ones in its extra. */
	p = extra;
	if (zip64) {
		p = put16(p, 0x0001);
		p = put16(p, 16);
		p = put64(p, size);
		p = put64(p, size);
	}
	xlen = (size_t)(p - extra) + 4;
	pad = (ALIGN - (zw->pos + sizeof(head) + nlen + xlen) % ALIGN) % ALIGN;
	p = put16(p, 0x4246); /* "FB" */
	p = put16(p, pad);
	memset(p, 'Z', pad);
	xlen += pad;

	p = put32(head, 0x04034b50);
	p = put16(p, zip64 ? VERSION_ZIP64 : VERSION_PLAIN);
	p = put16(p, FLAGS);
	p = put16(p, 0); /* stored */
	p = put16(p, 0); /* time */
	p = put16(p, DOS_DATE);
	p = put32(p, 0); /* CRC: in the descriptor */
	p = put32(p, zip64 ? MAX32 : 0);
	p = put32(p, zip64 ? MAX32 : 0);
	p = put16(p, nlen);
	put16(p, xlen);
	if ((rc = out(zw, head, sizeof(head), "local header of", name, err)) ||
	    (rc = out(zw, name, nlen, "local header of", name, err)) ||
	    (rc = out(zw, extra, xlen, "local header of", name, err)))
		return rc;
	zw->open = 1;
	zw->size = size;
	zw->done = 0;
	zw->crc = crc32(0L, Z_NULL, 0);
	return IRX_OK;
}

int fmt_zipw_write(struct fmt_zipw *zw, const void *data, size_t len, irx_error *err)
{
	const uint8_t *b = data;
	const char *name;
	int rc;

	if (!zw->open)
		return irx_error_set(err, IRX_EINVAL, "no zip entry to write to");
	name = zw->entries[zw->n - 1].name;
	if (len > zw->size - zw->done)
		return irx_error_set(err, IRX_EINVAL, "zip entry '%s' written past its %llu bytes",
				     name, (unsigned long long)zw->size);
	if ((rc = out(zw, data, len, "zip entry", name, err)))
		return rc;
	/* zlib counts in uInt. */
	for (size_t done = 0; done < len;) {
		uInt n = len - done > (1u << 30) ? (1u << 30) : (uInt)(len - done);
		zw->crc = crc32(zw->crc, b + done, n);
		done += n;
	}
	zw->done += len;
	return IRX_OK;
}

int fmt_zipw_end(struct fmt_zipw *zw, irx_error *err)
{
	struct central *c;
	uint8_t desc[24], *p;

	if (!zw->open)
		return irx_error_set(err, IRX_EINVAL, "no zip entry to end");
	c = &zw->entries[zw->n - 1];
	if (zw->done != zw->size)
		return irx_error_set(err, IRX_EINVAL, "zip entry '%s' has %llu of its %llu bytes",
				     c->name, (unsigned long long)zw->done,
				     (unsigned long long)zw->size);
	zw->open = 0;
	c->crc = (uint32_t)zw->crc;
	c->size = zw->size;
	digest(zw, c->name, strlen(c->name) + 1);
	put64(put32(desc, c->crc), c->size);
	digest(zw, desc, 12);
	/* The descriptor's sizes are 8 bytes when the local header had a
	 * ZIP64 extra, 4 otherwise. */
	p = put32(desc, 0x08074b50);
	p = put32(p, c->crc);
	if (c->size >= MAX32) {
		p = put64(p, c->size);
		p = put64(p, c->size);
	} else {
		p = put32(p, c->size);
		p = put32(p, c->size);
	}
	return out(zw, desc, (size_t)(p - desc), "data descriptor of", c->name, err);
}

int fmt_zipw_add(struct fmt_zipw *zw, const char *name, const void *data, size_t len,
		 irx_error *err)
{
	int rc;

	if ((rc = fmt_zipw_begin(zw, name, len, err)) || (rc = fmt_zipw_write(zw, data, len, err)))
		return rc;
	return fmt_zipw_end(zw, err);
}

static int write_central(struct fmt_zipw *zw, const struct central *c, irx_error *err)
{
	uint8_t head[46], extra[28], *p, *x = extra;
	size_t nlen = strlen(c->name);
	int big_size = c->size >= MAX32, big_off = c->offset >= MAX32;
	int rc;

	/* A ZIP64 extra holds, in this order, only the fields whose
	 * 32-bit slots say 0xffffffff. */
	if (big_size || big_off) {
		x = put16(x, 0x0001);
		x = put16(x, 8 * (2 * big_size + big_off));
		if (big_size) {
			x = put64(x, c->size);
			x = put64(x, c->size);
		}
		if (big_off)
			x = put64(x, c->offset);
	}
	p = put32(head, 0x02014b50);
	p = put16(p, VERSION_ZIP64); /* made by: MS-DOS, spec 4.5 */
	p = put16(p, x != extra ? VERSION_ZIP64 : VERSION_PLAIN);
	p = put16(p, FLAGS);
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, DOS_DATE);
	p = put32(p, c->crc);
	p = put32(p, big_size ? MAX32 : c->size);
	p = put32(p, big_size ? MAX32 : c->size);
	p = put16(p, nlen);
	p = put16(p, (size_t)(x - extra));
	p = put16(p, 0); /* comment */
	p = put16(p, 0); /* disk */
	p = put16(p, 0); /* internal attributes */
	p = put32(p, 0); /* external attributes */
	put32(p, big_off ? MAX32 : c->offset);
	if ((rc = out(zw, head, sizeof(head), "zip central directory", NULL, err)) ||
	    (rc = out(zw, c->name, nlen, "zip central directory", NULL, err)))
		return rc;
	return out(zw, extra, (size_t)(x - extra), "zip central directory", NULL, err);
}

/* The ZIP64 end record and its locator, then the classic end record. */
static int write_end(struct fmt_zipw *zw, uint64_t cd_off, uint64_t cd_size, irx_error *err)
{
	uint8_t buf[56 + 20 + 22], *p = buf;
	uint64_t z64_off = zw->pos;
	int zip64 = zw->n >= MAX16 || cd_off >= MAX32 || cd_size >= MAX32;

	if (zip64) {
		p = put32(p, 0x06064b50);
		p = put64(p, 44); /* size of the rest of the record */
		p = put16(p, VERSION_ZIP64);
		p = put16(p, VERSION_ZIP64);
		p = put32(p, 0);
		p = put32(p, 0);
		p = put64(p, zw->n);
		p = put64(p, zw->n);
		p = put64(p, cd_size);
		p = put64(p, cd_off);
		p = put32(p, 0x07064b50);
		p = put32(p, 0);
		p = put64(p, z64_off);
		p = put32(p, 1); /* disks */
	}
	p = put32(p, 0x06054b50);
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, zw->n >= MAX16 ? MAX16 : zw->n);
	p = put16(p, zw->n >= MAX16 ? MAX16 : zw->n);
	p = put32(p, cd_size >= MAX32 ? MAX32 : cd_size);
	p = put32(p, cd_off >= MAX32 ? MAX32 : cd_off);
	p = put16(p, 0); /* comment */
	return out(zw, buf, (size_t)(p - buf), "zip end of central directory", NULL, err);
}

int fmt_zipw_finish(struct fmt_zipw *zw, irx_error *err)
{
	uint64_t cd_off = zw->pos;
	int rc;

	if (zw->open)
		return irx_error_set(err, IRX_EINVAL, "zip entry '%s' was not ended",
				     zw->entries[zw->n - 1].name);
	for (size_t i = 0; i < zw->n; i++)
		if ((rc = write_central(zw, &zw->entries[i], err)))
			return rc;
	if ((rc = write_end(zw, cd_off, zw->pos - cd_off, err)))
		return rc;
	if (fflush(zw->f))
		return irx_error_set(err, IRX_EIO, "cannot write zip archive: %s", strerror(errno));
	return IRX_OK;
}
