/*
 * zip.c: the central directory through minizip, entry bytes in place.
 *
 * minizip reads through a memory "file" over the blob, so the same code
 * serves mapped files, stdin and zips nested inside zips.  minizip finds
 * and walks the central directory; each record's sizes and local header
 * offset are then read here, ZIP64 extra fields included, because
 * Debian's minizip loses them for entries of 4 GiB or more and for
 * entries that start past 4 GiB (every large checkpoint has those).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <minizip/unzip.h>
#include <zlib.h>

#include "irx/zip.h"
#include "formats/formats.h"

struct entry {
	irx_zip_entry pub;
	uint64_t local; /* offset of the local header */
};

struct irx_zip {
	const irx_blob *blob;
	unzFile uf;
	struct entry *entries;
	size_t n;
	uint32_t *by_name; /* open addressing: entry index + 1, or 0 */
	size_t slots;      /* a power of two, over twice n */
	/* A memory stream per open; minizip opens exactly one. */
	struct mem_stream {
		const uint8_t *data;
		uint64_t size, pos;
	} stream;
};

static voidpf ZCALLBACK mem_open(voidpf opaque, const void *name, int mode)
{
	struct mem_stream *s = opaque;

	s->pos = 0;
	return s;
}

static uLong ZCALLBACK mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
	struct mem_stream *s = stream;
	uint64_t left = s->pos < s->size ? s->size - s->pos : 0;

	if (size > left)
		size = (uLong)left;
	memcpy(buf, s->data + s->pos, size);
	s->pos += size;
	return size;
}

static uLong ZCALLBACK mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
	return 0;
}

static ZPOS64_T ZCALLBACK mem_tell(voidpf opaque, voidpf stream)
{
	return ((struct mem_stream *)stream)->pos;
}

static long ZCALLBACK mem_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
	struct mem_stream *s = stream;
	uint64_t base;

	switch (origin) {
	case ZLIB_FILEFUNC_SEEK_SET: base = 0; break;
	case ZLIB_FILEFUNC_SEEK_CUR: base = s->pos; break;
	case ZLIB_FILEFUNC_SEEK_END: base = s->size; break;
	default: return -1;
	}
	/* Offsets are unsigned here; minizip seeks backwards from the end
	 * by passing the distance with SEEK_END, which we treat as size-off
	 * only when it fits. */
	if (origin == ZLIB_FILEFUNC_SEEK_END) {
		if (off > s->size)
			return -1;
		s->pos = s->size - off;
		return 0;
	}
	if (off > UINT64_MAX - base || base + off > s->size)
		return -1;
	s->pos = base + off;
	return 0;
}

static int ZCALLBACK mem_close(voidpf opaque, voidpf stream) { return 0; }

static int ZCALLBACK mem_error(voidpf opaque, voidpf stream) { return 0; }

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * Sizes and local header offset from the central record at OFF: values
 * of 0xffffffff are in the ZIP64 extra field (id 1), in the order usize,
 * csize, offset, each present only when its 32-bit field says so.
 */
static int central_record(irx_zip *z, uint64_t off, struct entry *e, irx_error *err)
{
	const uint8_t *d = z->stream.data, *p, *x, *end;
	uint64_t size = z->stream.size, v[3];
	size_t name_len, extra_len;

	if (off > size || size - off < 46 || memcmp(d + off, "PK\1\2", 4))
		return irx_error_set(err, IRX_EFORMAT,
				     "central directory record of '%s' is misplaced", e->pub.name);
	p = d + off;
	name_len = (size_t)le(p + 28, 2);
	extra_len = (size_t)le(p + 30, 2);
	if (size - off - 46 < name_len + extra_len)
		return irx_error_set(err, IRX_EFORMAT,
				     "central directory record of '%s' is truncated", e->pub.name);
	v[0] = le(p + 24, 4);
	v[1] = le(p + 20, 4);
	v[2] = le(p + 42, 4);
	x = p + 46 + name_len;
	end = x + extra_len;
	while (end - x >= 4) {
		size_t id = (size_t)le(x, 2), len = (size_t)le(x + 2, 2);
		const uint8_t *f = x + 4;
		if ((size_t)(end - f) < len)
			break;
		for (int i = 0; id == 1 && i < 3; i++) {
			if (v[i] != 0xffffffffu)
				continue;
			if (f + 8 > x + 4 + len)
				return irx_error_set(err, IRX_EFORMAT,
						     "ZIP64 field of '%s' is truncated",
						     e->pub.name);
			v[i] = le(f, 8);
			f += 8;
		}
		x += 4 + len;
	}
	e->pub.usize = v[0];
	e->pub.csize = v[1];
	e->local = v[2];
	return IRX_OK;
}

/*
 * Names are looked up once per tensor: a hash table, not a scan.  A name
 * that is there twice is refused: one reader takes the first, another
 * the last.
 */
static int index_names(irx_zip *z, irx_error *err)
{
	z->slots = 16;
	while (z->slots < 2 * z->n + 2)
		z->slots *= 2;
	if (!(z->by_name = calloc(z->slots, sizeof(*z->by_name))))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate zip index");
	for (size_t i = 0; i < z->n; i++) {
		const char *name = z->entries[i].pub.name;
		size_t h = base_str_hash(name) & (z->slots - 1);
		for (; z->by_name[h]; h = (h + 1) & (z->slots - 1))
			if (!strcmp(z->entries[z->by_name[h] - 1].pub.name, name))
				return irx_error_set(
					err, IRX_EFORMAT,
					"entry '%s' is in the central directory twice "
					"(readers would disagree on which one is meant)",
					name);
		z->by_name[h] = (uint32_t)(i + 1);
	}
	return IRX_OK;
}

/*
 * What makes an entry mean different things to different readers: a name
 * with a control character (a NUL ends it early in C), a name that is not
 * a plain relative path (an absolute one, a backslash, which Windows tools
 * take for a separator, an empty, "." or ".." component, which tools that
 * normalize paths resolve and others do not), and encryption (general
 * purpose bit 0, bit 6 for strong encryption: the bytes are not what
 * they claim).  A trailing '/' (a folder entry) is fine.
 */
static int entry_name_ok(const char *name, size_t len, unsigned long flag, irx_error *err)
{
	const char *c, *slash;
	size_t n;
	int rc;

	if ((rc = base_check_name("entry name", name, len, err)))
		return rc;
	if (flag & 0x41)
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "entry '%s' is encrypted (flag 0x%04lx)", name, flag & 0xffff);
	if (strchr(name, '\\'))
		return irx_error_set(err, IRX_EFORMAT, "entry name '%s' holds a backslash", name);
	for (c = name; *c; c = slash + 1) {
		slash = strchr(c, '/');
		n = slash ? (size_t)(slash - c) : strlen(c);
		if ((n == 0 && (slash || c == name)) || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return irx_error_set(err, IRX_EFORMAT,
					     "entry name '%s' is not a plain relative path "
					     "(absolute, or an empty, '.' or '..' folder)",
					     name);
		if (!slash || !slash[1])
			break;
	}
	return IRX_OK;
}

static int collect(irx_zip *z, irx_error *err)
{
	size_t cap = 0;
	int r, rc;

	for (r = unzGoToFirstFile(z->uf); r == UNZ_OK; r = unzGoToNextFile(z->uf)) {
		unz_file_info64 fi;
		unz64_file_pos pos;
		struct entry *e;
		char *name;

		if (unzGetCurrentFileInfo64(z->uf, &fi, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK)
			return irx_error_set(err, IRX_EFORMAT,
					     "central directory record %zu is unreadable", z->n);
		if (z->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct entry *ne = ncap > UINT32_MAX - 1
						   ? NULL
						   : realloc(z->entries, ncap * sizeof(*ne));
			if (!ne)
				return irx_error_set(err, IRX_ENOMEM, "cannot allocate zip index");
			z->entries = ne;
			cap = ncap;
		}
		if (!(name = malloc(fi.size_filename + 1)))
			return irx_error_set(err, IRX_ENOMEM, "cannot allocate entry name");
		if (unzGetCurrentFileInfo64(z->uf, &fi, name, fi.size_filename + 1, NULL, 0, NULL,
					    0) != UNZ_OK) {
			free(name);
			return irx_error_set(err, IRX_EFORMAT,
					     "central directory record %zu has a bad name", z->n);
		}
		if ((rc = entry_name_ok(name, fi.size_filename, fi.flag, err))) {
			free(name);
			return rc;
		}
		e = &z->entries[z->n];
		memset(e, 0, sizeof(*e));
		e->pub.name = name;
		e->pub.method = (int)fi.compression_method;
		e->pub.crc = (uint32_t)fi.crc;
		z->n++;
		if (unzGetFilePos64(z->uf, &pos) != UNZ_OK)
			return irx_error_set(err, IRX_EFORMAT, "entry '%s' cannot be located",
					     name);
		if ((rc = central_record(z, pos.pos_in_zip_directory, e, err)))
			return rc;
	}
	if (r != UNZ_END_OF_LIST_OF_FILE)
		return irx_error_set(err, IRX_EFORMAT,
				     "central directory is truncated after %zu entries", z->n);
	return index_names(z, err);
}

/*
 * The end-of-central-directory record must end the file (after its
 * comment).  minizip also accepts a file whose classic record was cut off
 * when a ZIP64 locator or a nested zip's record is still in reach; torch's
 * reader does not, and neither do we.
 */
static int has_eocd_at_end(const uint8_t *d, size_t n)
{
	size_t lo = n > 22 + 65535 ? n - 22 - 65535 : 0;

	for (size_t p = n >= 22 ? n - 22 + 1 : 0; p-- > lo;) {
		if (memcmp(d + p, "PK\5\6", 4))
			continue;
		size_t comment = (size_t)d[p + 20] | (size_t)d[p + 21] << 8;
		if (p + 22 + comment == n)
			return 1;
	}
	return 0;
}

irx_status irx_zip_open(irx_zip **out, const irx_blob *blob, irx_error *err)
{
	zlib_filefunc64_def ff = {
		mem_open, mem_read, mem_write, mem_tell, mem_seek, mem_close, mem_error, NULL,
	};
	irx_zip *z;
	int rc;

	*out = NULL;
	if (!(z = calloc(1, sizeof(*z))))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate zip");
	z->blob = blob;
	z->stream.data = irx_blob_data(blob);
	z->stream.size = irx_blob_size(blob);
	if (!has_eocd_at_end(z->stream.data, z->stream.size)) {
		irx_zip_free(z);
		return irx_error_set(
			err, IRX_EFORMAT,
			"not a complete zip archive (no end of central directory record at its end; truncated?)");
	}
	ff.opaque = &z->stream;
	if (!(z->uf = unzOpen2_64("", &ff))) {
		irx_zip_free(z);
		return irx_error_set(err, IRX_EFORMAT,
				     "not a zip archive (no readable end of central directory)");
	}
	if ((rc = collect(z, err))) {
		irx_zip_free(z);
		return rc;
	}
	*out = z;
	return IRX_OK;
}

void irx_zip_free(irx_zip *z)
{
	if (!z)
		return;
	if (z->uf)
		unzClose(z->uf);
	for (size_t i = 0; i < z->n; i++)
		free((char *)z->entries[i].pub.name);
	free(z->entries);
	free(z->by_name);
	free(z);
}

size_t irx_zip_n_entries(const irx_zip *z) { return z->n; }

const irx_zip_entry *irx_zip_entry_at(const irx_zip *z, size_t i)
{
	return i < z->n ? &z->entries[i].pub : NULL;
}

const irx_zip_entry *irx_zip_find(const irx_zip *z, const char *name)
{
	if (!z->slots)
		return NULL;
	for (size_t h = base_str_hash(name) & (z->slots - 1); z->by_name[h];
	     h = (h + 1) & (z->slots - 1))
		if (strcmp(z->entries[z->by_name[h] - 1].pub.name, name) == 0)
			return &z->entries[z->by_name[h] - 1].pub;
	return NULL;
}

irx_status irx_zip_data_offset(uint64_t *offset, const irx_zip *z, const irx_zip_entry *pub,
			       irx_error *err)
{
	struct entry *e = (struct entry *)pub;
	uint64_t off;

	/* The local header's own name and extra lengths (not the central
	 * ones) place the data. */
	const uint8_t *p;
	if (e->local > z->stream.size || z->stream.size - e->local < 30 ||
	    memcmp(z->stream.data + e->local, "PK\3\4", 4))
		return irx_error_set(err, IRX_EFORMAT, "local header of entry '%s' is invalid",
				     pub->name);
	p = z->stream.data + e->local;
	off = e->local + 30 + le(p + 26, 2) + le(p + 28, 2);
	if (off > z->stream.size || pub->csize > z->stream.size - off)
		return irx_error_set(
			err, IRX_EFORMAT,
			"entry '%s' claims %llu bytes at offset %llu, past the end of the archive",
			pub->name, (unsigned long long)pub->csize, (unsigned long long)off);
	*offset = off;
	return IRX_OK;
}

static int inflate_entry(const irx_zip_entry *e, const uint8_t *src, uint8_t **out, irx_error *err)
{
	z_stream zs;
	uint8_t *buf;
	int r;

	uint64_t limit;
	int rc;

	/* Deflate cannot expand data by more than 1032:1; a larger claim is
	 * a lie meant to make us allocate.  A true claim is still bounded:
	 * a megabyte of deflate stream may honestly inflate to a gigabyte.
	 * Inflating stops at the declared size, so checking that bounds the
	 * work and the memory. */
	if (e->usize / 1032 > e->csize || e->usize > SIZE_MAX - 1)
		return irx_error_set(err, IRX_EFORMAT, "entry '%s' claims an impossible size %llu",
				     e->name, (unsigned long long)e->usize);
	if ((rc = base_limit(IRX_LIMIT_INFLATE, &limit, err)))
		return rc;
	if (e->usize > limit)
		return irx_error_set(
			err, IRX_EFORMAT,
			"entry '%s' inflates to %llu bytes, more than the limit of %llu (%s raises it)",
			e->name, (unsigned long long)e->usize, (unsigned long long)limit,
			base_limit_env(IRX_LIMIT_INFLATE));
	if (!(buf = malloc(e->usize ? e->usize : 1)))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate %llu bytes for entry '%s'",
				     (unsigned long long)e->usize, e->name);
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		free(buf);
		return irx_error_set(err, IRX_ENOMEM, "cannot start inflating entry '%s'", e->name);
	}
	zs.next_in = (Bytef *)src;
	zs.next_out = buf;
	/* zlib counts in uInt: feed and drain in chunks. */
	uint64_t in_left = e->csize, out_left = e->usize;
	do {
		uInt in_now = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
		uInt out_now = out_left > UINT32_MAX ? UINT32_MAX : (uInt)out_left;
		zs.avail_in = in_now;
		zs.avail_out = out_now;
		r = inflate(&zs, Z_NO_FLUSH);
		in_left -= in_now - zs.avail_in;
		out_left -= out_now - zs.avail_out;
	} while (r == Z_OK && (in_left || out_left));
	inflateEnd(&zs);
	if (r != Z_STREAM_END || out_left != 0) {
		free(buf);
		return irx_error_set(err, IRX_EFORMAT, "entry '%s' has broken deflate data",
				     e->name);
	}
	*out = buf;
	return IRX_OK;
}

irx_status irx_zip_read(const uint8_t **data, size_t *len, void **owned, const irx_zip *z,
			const irx_zip_entry *e, irx_error *err)
{
	const uint8_t *src;
	uint64_t off;
	int rc;

	*data = NULL;
	*len = 0;
	*owned = NULL;
	if (e->method != 0 && e->method != 8)
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"entry '%s' uses compression method %d (only stored and deflated are read)",
			e->name, e->method);
	if ((rc = irx_zip_data_offset(&off, z, e, err)))
		return rc;
	src = z->stream.data + off;
	if (e->method == 0) {
		if (e->csize != e->usize)
			return irx_error_set(err, IRX_EFORMAT,
					     "stored entry '%s' has different sizes (%llu, %llu)",
					     e->name, (unsigned long long)e->csize,
					     (unsigned long long)e->usize);
		*data = src;
	} else {
		uint8_t *buf = NULL;
		if ((rc = inflate_entry(e, src, &buf, err)))
			return rc;
		*data = buf;
		*owned = buf;
	}
	*len = (size_t)e->usize;
	if (e->usize <= IRX_ZIP_CRC_LIMIT && fmt_crc32(*data, (size_t)e->usize) != e->crc) {
		free(*owned);
		*owned = NULL;
		*data = NULL;
		return irx_error_set(err, IRX_EFORMAT, "entry '%s' fails its CRC-32 check",
				     e->name);
	}
	return IRX_OK;
}

irx_status irx_zip_view(const uint8_t **data, size_t *len, const irx_zip *z, const irx_zip_entry *e,
			irx_error *err)
{
	uint64_t off;
	int rc;

	if (e->method != 0 || e->csize != e->usize)
		return irx_error_set(err, IRX_EUNSUPPORTED, "entry '%s' is compressed, not stored",
				     e->name);
	if ((rc = irx_zip_data_offset(&off, z, e, err)))
		return rc;
	*data = z->stream.data + off;
	*len = (size_t)e->usize;
	return IRX_OK;
}
