/*
 * graph/graph.h: the program and IR side of libirx (normalization,
 * symbolic sizes, schemas, conversion, checks); never installed.  Private
 * symbols here start with graph_ (see base/base.h for the layers).
 */
#ifndef IRX_GRAPH_H
#define IRX_GRAPH_H

#include "irx/convert.h"
#include "irx/program.h"
#include "irx/schema.h"
#include "formats/formats.h"

/*
 * program.c: the program JSON DATA normalized into a new irx-program
 * document, without its weights and constants; then those listed
 * ("weights", "constants": name, graph_name, kind, dtype, shape), each
 * with what LOCATE (when not NULL) says of its data ("has_data", "entry",
 * ...); without LOCATE "has_data" is null.  Normalization never sees an
 * archive: program-export.c passes the LOCATE that reads one.
 */
int graph_normalize(const uint8_t *data, size_t len, const irx_export_options *o, json_t **out,
		    irx_error *err);

/*
 * The same one top-graph node at a time.  open normalizes all but the
 * nodes (graph_program_doc, borrowed: its graph.nodes is empty); each
 * graph_program_node gives the next normalized node (new reference), or
 * NULL after the last; finish puts the rest into the document and gives
 * it (new reference).  DATA must live as long as the reader; OWNED (may be
 * NULL) is freed with it.  When DATA lies in MAPPED (may be NULL), the
 * pages of the nodes read leave memory (irx_blob_release).  Errors name ENTRY (may be NULL), the archive
 * entry DATA came from.
 */
struct graph_program;
int graph_program_open(struct graph_program **out, const uint8_t *data, size_t len, void *owned,
		       const irx_blob *mapped, const char *entry, const irx_export_options *o,
		       irx_error *err);
json_t *graph_program_doc(struct graph_program *p);
int graph_program_node(struct graph_program *p, json_t **out);
int graph_program_finish(struct graph_program *p, json_t **out);
void graph_program_free(struct graph_program *p);

/* "entry 'E': ..." in front of ERR's place, unless it names E already. */
void graph_entry_context(irx_error *err, const char *entry);

/* program-export.c: irx_program_export's reader, before any node: the
 * archive's facts in the document's source, its weights listed. */
int graph_program_export_open(struct graph_program **out, const irx_archive *a,
			      const irx_export_options *o, irx_error *err);

typedef int (*graph_locate_fn)(void *ctx, int constant, const char *fqn, const json_t *meta,
			       json_t *w, irx_error *err);
int graph_list_payloads(json_t *doc, graph_locate_fn locate, void *ctx, irx_error *err);

/* symexpr.c: sympy srepr ("Mul(Integer(2), Symbol('s0', ...))") to infix
 * ("2*s0"); text that is not srepr comes back unchanged.  New string. */
char *graph_symexpr(const char *srepr);

/*
 * convert.c: the conversion one top-graph node at a time, for a program
 * whose nodes are not all in memory (irx_convert is the same loop over
 * the document's nodes).  begin takes PROGRAM without its nodes (borrowed
 * until free; its range_constraints may grow meanwhile); each node in
 * turn gives its IR node (new reference); end completes the IR document
 * (graph_convert_ir, borrowed), whose "nodes" stays as the caller left it.
 */
struct graph_conv;
int graph_convert_begin(struct graph_conv **out, const json_t *program,
			const irx_convert_options *opts, irx_error *err);
int graph_convert_node(struct graph_conv *c, const json_t *node, json_t **out);
int graph_convert_end(struct graph_conv *c);
json_t *graph_convert_ir(struct graph_conv *c);
void graph_convert_free(struct graph_conv *c);

/*
 * schema-alias.c: ATen's alias annotations in schema S.  Whether the
 * operator writes its argument ARG ("Tensor(a!) self"), and whether its
 * return RET may share the storage of argument ARG (an alias set in
 * common: "Tensor(a) self -> Tensor(a)", "Tensor(a -> *) self ->
 * Tensor(a)[]", or the return of an in-place "Tensor(a!)").  Both are 0
 * for a value that is not a tensor, an index out of range, or a type
 * without annotation.
 */
int graph_schema_writes_arg(const irx_schema *s, size_t arg);
int graph_schema_return_aliases_arg(const irx_schema *s, size_t ret, size_t arg);

/* schema-table.c: the built-in schemas, sorted by the text before '('. */
extern const char *const graph_schema_table[];
extern const size_t graph_schema_table_size;

#endif
