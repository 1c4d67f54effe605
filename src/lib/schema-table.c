/*
 * schema-table.c: the built-in schema table, sorted by the text before
 * '(' (bytewise), so a lookup is a binary search.
 */
#include <config.h>

#include <stddef.h>

#include "irxp.h"

const char *const irxp_schema_table[] = {
#include "aten-schemas.inc"
};

const size_t irxp_schema_table_size = sizeof(irxp_schema_table) / sizeof(irxp_schema_table[0]);
