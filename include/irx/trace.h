/*
 * irx/trace.h: the file names of a trace directory.
 *
 * irx-exec --dump-intermediates writes one safetensors file per node into
 * a directory, and irx-verify --per-node --trace reads them back.  A node's
 * name comes from the IR, which is untrusted: it may be "../../victim",
 * "/etc/x", "." or empty, hold '/', control characters or NUL, or be too
 * long for a file name.  Its file name is an encoding that is always one
 * plain path component, and no two names share one (docs/trace-format.md):
 *   - bytes A-Z a-z 0-9 _ - stay, and so does '.' except first;
 *     every other byte is %XX (upper-case hex): "a/b" is "a%2Fb",
 *     "%" is "%25", ".." is "%2E.";
 *   - the empty name is "%";
 *   - an encoding longer than IRX_TRACE_STEM_MAX is cut (never inside a
 *     %XX) and ends in "~" and the SHA-256 of the name's bytes, in hex.
 * The file is the encoding and ".safetensors".  Its "__metadata__" holds
 * the whole encoding under IRX_TRACE_METADATA_KEY, so a cut name can be
 * read back, and a reader can tell a file that is not the node's.
 */
#ifndef IRX_TRACE_H
#define IRX_TRACE_H

#include <stddef.h>

#include "irx/error.h"

IRX_BEGIN_DECLS

/** The longest encoding kept whole: a file name with ".safetensors" and a
 * writer's temporary suffix stays far below NAME_MAX (255). */
#define IRX_TRACE_STEM_MAX 200

/** The "__metadata__" key of a trace file that holds the node's name, encoded whole. */
#define IRX_TRACE_METADATA_KEY "irx.node"

/**
 * The trace file of the node named NAME (LEN bytes: a JSON string may
 * hold NUL).  @param file new string, the file name inside the trace
 * directory ("add_1.safetensors"); @param key NULL, or a new string, the
 * whole encoding of NAME for IRX_TRACE_METADATA_KEY.  Free with irx_free().
 */
IRX_API irx_status irx_trace_file_name(char **file, char **key, const char *name, size_t len,
				       irx_error *err);

IRX_END_DECLS

#endif
