/*
 * schema-table.c: the built-in schema table, sorted by the text before
 * '(' (bytewise), so a lookup is a binary search.
 */
#include <config.h>

#include <stddef.h>

#include "graph/graph.h"

const char *const graph_schema_table[] = {
#include "aten-schemas.inc"
};

const size_t graph_schema_table_size = sizeof(graph_schema_table) / sizeof(graph_schema_table[0]);
