/*
 * irx/ir.h: validating an IR document.
 */
#ifndef IRX_IR_H
#define IRX_IR_H

#include <stddef.h>
#include <jansson.h>

#include "irx/error.h"

IRX_BEGIN_DECLS

/** Called once per problem: WHERE is a JSON path, MSG what is wrong. */
typedef void (*irx_problem_fn)(void *ctx, const char *where, const char *msg);

/**
 * Check IR (borrowed): required fields and types, well-formed shapes and
 * dtypes, unique node and value names, every input resolving to an earlier
 * producer whose output really has that name, shape and dtype, graph
 * outputs and weight mappings that resolve; subgraphs likewise.
 * Every problem is reported to FN; *N_PROBLEMS counts them.  Returns
 * IRX_OK when the check ran (whatever it found), an error when IR is not
 * an irx IR document at all.
 */
IRX_API irx_status irx_ir_check(size_t *n_problems, const json_t *ir, irx_problem_fn fn, void *ctx,
				irx_error *err);

IRX_END_DECLS

#endif
