/*
 * irx/zip.h: zip archives read in place (minizip underneath).
 *
 * Entries come from the central directory (never from local headers,
 * which PT2 archives leave zeroed).  A stored entry's bytes are a pointer
 * into the blob: a multi-gigabyte weight costs nothing until it is
 * touched.  A deflated entry is inflated into new memory (irx_free()).
 *
 * What is verified: every entry's data range lies inside the blob, a
 * stored entry's sizes agree, a deflated entry inflates to exactly its
 * declared size (and at most 1032 times its compressed size), and the
 * CRC-32 of every entry read with irx_zip_read() up to
 * IRX_ZIP_CRC_LIMIT bytes.  Larger stored payloads (weights) are not
 * checksummed on read: that would touch every byte of a file that is
 * mapped precisely so it need not be.
 */
#ifndef IRX_ZIP_H
#define IRX_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "irx/blob.h"

IRX_BEGIN_DECLS

#define IRX_ZIP_CRC_LIMIT ((uint64_t)256 << 20)

typedef struct irx_zip irx_zip;

typedef struct irx_zip_entry {
	const char *name; /* UTF-8, as stored */
	int method;       /* 0 stored, 8 deflated */
	uint32_t crc;
	uint64_t csize; /* compressed size */
	uint64_t usize; /* uncompressed size */
} irx_zip_entry;

/**
 * Read the central directory of BLOB (borrowed; it must outlive the zip).
 * @param out new zip; free with irx_zip_free().
 * Fails with IRX_EFORMAT when BLOB is not a zip archive.
 */
IRX_API irx_status irx_zip_open(irx_zip **out, const irx_blob *blob, irx_error *err);
IRX_API void irx_zip_free(irx_zip *z);

IRX_API size_t irx_zip_n_entries(const irx_zip *z);
/** Entry I in central-directory order; borrowed. */
IRX_API const irx_zip_entry *irx_zip_entry_at(const irx_zip *z, size_t i);
/** The entry named NAME, or NULL; borrowed. */
IRX_API const irx_zip_entry *irx_zip_find(const irx_zip *z, const char *name);

/**
 * The bytes of entry E.  For a stored entry *DATA points into the blob and
 * *OWNED is NULL; otherwise *DATA == *OWNED, to be freed with irx_free().
 */
IRX_API irx_status irx_zip_read(const uint8_t **data, size_t *len, void **owned, const irx_zip *z,
				const irx_zip_entry *e, irx_error *err);

/**
 * The bytes of a stored entry, in place and unverified: for payloads that
 * are mapped so that nothing touches them until they are used.
 * Fails with IRX_EUNSUPPORTED for a compressed entry.
 */
IRX_API irx_status irx_zip_view(const uint8_t **data, size_t *len, const irx_zip *z,
				const irx_zip_entry *e, irx_error *err);

/**
 * Offset of a stored entry's first byte in the blob (for mapping).
 */
IRX_API irx_status irx_zip_data_offset(uint64_t *offset, const irx_zip *z, const irx_zip_entry *e,
				       irx_error *err);

IRX_END_DECLS

#endif
