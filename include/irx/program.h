/*
 * irx/program.h: an archive's exported program as one normalized JSON
 * document (what irx-export writes; docs/program-format.md describes it).
 *
 * Normalized means that nothing downstream needs to know which torch wrote
 * the archive: one union encoding, dtypes by name, non-finite floats as
 * the strings "NaN", "Infinity", "-Infinity", omitted fields filled in,
 * symbolic sizes as readable expressions, node names always present.
 * Tensor payloads are never read.
 */
#ifndef IRX_PROGRAM_H
#define IRX_PROGRAM_H

#include <jansson.h>

#include "irx/archive.h"

IRX_BEGIN_DECLS

/** The document's "format" and "format_version" fields. */
#define IRX_PROGRAM_FORMAT "irx-program"
#define IRX_PROGRAM_FORMAT_VERSION 1

/** The newest torch.export schema this library knows (torch 2.14). */
#define IRX_SCHEMA_MAJOR 8
#define IRX_SCHEMA_MINOR 20

typedef struct irx_export_options {
	const char *model;  /* NULL: "model", or the only one */
	const char *source; /* file name recorded as provenance; NULL: the path */
	irx_warn_fn warn;   /* warnings (unknown union tags, ...); may be NULL */
	void *warn_ctx;
} irx_export_options;

/** Every option at its default. */
#define IRX_EXPORT_OPTIONS_INIT        \
	{                              \
		NULL, NULL, NULL, NULL \
	}

/**
 * Read the exported program of archive A.  @param out new reference.
 * On failure, ERR names the zip entry and JSON path.
 */
IRX_API irx_status irx_program_export(json_t **out, const irx_archive *a,
				      const irx_export_options *opts, irx_error *err);

/**
 * Normalize a program JSON document (the bytes of models/model.json or
 * serialized_exported_program.json) without an archive: weights and
 * constants are listed from the signature, with "has_data": null (unknown).
 * @param out new reference.
 */
IRX_API irx_status irx_program_normalize(json_t **out, const uint8_t *json, size_t len,
					 const irx_export_options *opts, irx_error *err);

IRX_END_DECLS

#endif
