/*
 * irx/dump.h: show irx files to a person.
 *
 * Every kind of file irx reads or writes has a summary, as text (a table)
 * or as one JSON object; irx-dump picks the right one by content.  F is
 * the caller's; every dump fails with IRX_EIO ("cannot write") when F has
 * its error flag set at the end.
 */
#ifndef IRX_DUMP_H
#define IRX_DUMP_H

#include <stdio.h>
#include <jansson.h>

#include "irx/archive.h"
#include "irx/tensor.h"

IRX_BEGIN_DECLS

enum irx_dump_format { IRX_DUMP_TEXT = 0, IRX_DUMP_JSON = 1 };

/** An IR: nodes (name, op_type, input and output shapes, attrs), inputs,
 * outputs, weights. */
IRX_API irx_status irx_dump_ir(FILE *f, const json_t *ir, enum irx_dump_format fmt, irx_error *err);

/** An irx-program document: provenance, signature, op counts, weights. */
IRX_API irx_status irx_dump_program(FILE *f, const json_t *program, enum irx_dump_format fmt,
				    irx_error *err);

/**
 * Any archive: its kind, entries and, for a program, the program and the
 * tensors of its weights and constants ("tensors" and "constants" in JSON,
 * with statistics; in text, statistics when STATS is nonzero).
 */
IRX_API irx_status irx_dump_archive(FILE *f, const irx_archive *a, const json_t *program,
				    enum irx_dump_format fmt, int stats, irx_error *err);

/**
 * A tensor file: per tensor its name, dtype, shape, bytes, storage sharing
 * and whether data is present; STATS adds sum, min, max, mean and the
 * count of non-finite values (read from every element).  JSON is
 *   {"tensors": [{"name", "dtype", "shape", "stats": {"sum", "min", "max",
 *                 "mean", "nonfinite"} or null without data}, ...]}
 * and always carries the statistics.
 */
IRX_API irx_status irx_dump_tensors(FILE *f, const irx_tensors *t, enum irx_dump_format fmt,
				    int stats, irx_error *err);

IRX_END_DECLS

#endif
