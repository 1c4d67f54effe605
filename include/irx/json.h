/*
 * irx/json.h: writing irx documents.
 *
 * Documents are jansson values (json_t; new/borrowed references as in
 * jansson's documentation).  The writer is irx's own so that output is
 * byte-for-byte deterministic and floats are written in the shortest form
 * that reads back to the same double (1e-05, not 1.0000000000000001e-05).
 */
#ifndef IRX_JSON_H
#define IRX_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "irx/error.h"

IRX_BEGIN_DECLS

enum irx_json_flags {
	IRX_JSON_COMPACT = 0,     /* one line */
	IRX_JSON_PRETTY = 1 << 0, /* indented; short arrays and flat objects stay on one line */
};

/** Write V and a newline to F.  Fails with IRX_EIO ("cannot write") when F
 * has its error flag set afterwards. */
IRX_API irx_status irx_json_write(FILE *f, const json_t *v, unsigned flags, irx_error *err);

/**
 * Read a JSON document from PATH ("-" for stdin) the way torch writes
 * JSON (bare NaN/Infinity accepted).  @param out new reference.
 */
IRX_API irx_status irx_json_load(json_t **out, const char *path, irx_error *err);

/** The same from memory.  @param out new reference. */
IRX_API irx_status irx_json_parse(json_t **out, const uint8_t *data, size_t len, irx_error *err);

IRX_END_DECLS

#endif
