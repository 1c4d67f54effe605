/*
 * graph/graph.h: the program and IR side of libirx (normalization,
 * symbolic sizes, schemas, conversion, checks); never installed.  Private
 * symbols here start with graph_ (see base/base.h for the layers).
 */
#ifndef IRX_GRAPH_H
#define IRX_GRAPH_H

#include "irx/program.h"
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
typedef int (*graph_locate_fn)(void *ctx, int constant, const char *fqn, const json_t *meta,
			       json_t *w, irx_error *err);
int graph_list_payloads(json_t *doc, graph_locate_fn locate, void *ctx, irx_error *err);

/* symexpr.c: sympy srepr ("Mul(Integer(2), Symbol('s0', ...))") to infix
 * ("2*s0"); text that is not srepr comes back unchanged.  New string. */
char *graph_symexpr(const char *srepr);

/* schema-table.c: the built-in schemas, sorted by the text before '('. */
extern const char *const graph_schema_table[];
extern const size_t graph_schema_table_size;

#endif
