/*
 * irx/convert.h: an irx-program document to the IR.
 *
 * The IR keeps the original framework's fields and names (model_name,
 * nodes, graph_inputs, graph_outputs, weights, weight_name_mapping,
 * constants; OpNode = name, op_type, inputs, outputs, attrs; TensorMeta =
 * name, shape, dtype, producer_node, producer_output_idx) and adds what a
 * backend needs to execute every node exactly; docs/ir-format.md is the
 * reference.
 */
#ifndef IRX_CONVERT_H
#define IRX_CONVERT_H

#include <stdio.h>
#include <jansson.h>

#include "irx/program.h"
#include "irx/schema.h"

IRX_BEGIN_DECLS

#define IRX_IR_FORMAT "irx-ir"
#define IRX_IR_FORMAT_VERSION 1

typedef struct irx_convert_hooks irx_convert_hooks;

typedef struct irx_convert_options {
	irx_schema_registry *schemas;   /* NULL: the built-in table only; borrowed */
	const irx_convert_hooks *hooks; /* NULL: none; borrowed */
	int allow_dynamic;              /* keep symbolic sizes instead of failing */
	const char *model_name;         /* NULL: from the source file name */
	irx_warn_fn warn;
	void *warn_ctx;
} irx_convert_options;

/** Every option at its default: `irx_convert_options o = IRX_CONVERT_OPTIONS_INIT;`. */
#define IRX_CONVERT_OPTIONS_INIT                \
	{                                       \
		NULL, NULL, 0, NULL, NULL, NULL \
	}

/**
 * A conversion hook (the original framework's register_op): called with
 * each node of OP_TYPE after irx has converted it, with the program's node
 * (borrowed) and the IR node (NODE, to change in place: rename op_type,
 * rewrite attrs, add fields a backend wants).  Nonzero fails the
 * conversion, naming the node.
 */
typedef irx_status (*irx_convert_hook)(const json_t *program_node, json_t *node, void *user,
				       irx_error *err);

/**
 * A set of conversion hooks, given to irx_convert() in the options
 * (irx_convert_options.hooks).  @param out new set; free with
 * irx_convert_hooks_free() after the last conversion that uses it.
 */
IRX_API irx_status irx_convert_hooks_new(irx_convert_hooks **out, irx_error *err);
/**
 * Run HOOK (with USER, borrowed) on every node whose op_type is OP_TYPE
 * ("*": every node), in the order they were added.  Add every hook before
 * the set is used; a set that is no longer changed may be shared by
 * conversions in several threads.
 */
IRX_API irx_status irx_convert_hooks_add(irx_convert_hooks *hooks, const char *op_type,
					 irx_convert_hook hook, void *user, irx_error *err);
IRX_API void irx_convert_hooks_free(irx_convert_hooks *hooks);

/** Convert PROGRAM (borrowed).  @param out new reference to the IR. */
IRX_API irx_status irx_convert(json_t **out, const json_t *program, const irx_convert_options *opts,
			       irx_error *err);

/**
 * Convert the program of archive A (the model EO picks, as
 * irx_program_export() does) and write the IR to F as
 * irx_json_write(F, IR, FLAGS) would write irx_convert()'s result, byte
 * for byte, without holding either document: each node is read, converted
 * and written in turn, in a fraction of the memory.  Nothing is written
 * unless the whole conversion succeeds; F's write errors are IRX_EIO.
 */
IRX_API irx_status irx_convert_archive_write(FILE *f, const irx_archive *a,
					     const irx_export_options *eo,
					     const irx_convert_options *co, unsigned flags,
					     irx_error *err);

IRX_END_DECLS

#endif
