/*
 * show/show.h: libirx's dumps for people (irx/dump.h); never installed.
 * Private symbols here start with show_ (see base/base.h for the layers).
 */
#ifndef IRX_SHOW_H
#define IRX_SHOW_H

#include <stdio.h>

#include "graph/graph.h"
#include "tensor/tensor.h"

/* tensor-dump.c: a tensor set as a JSON list of {name, dtype, shape,
 * stats}, or as a table under TITLE (NULL: the file's kind). */
int show_tensors_json(const struct irx_tensors *set, json_t **out, irx_error *err);
/* "[2, 3]" */
void show_put_shape(char *buf, size_t size, const irx_tensor *t);
/* "  sum=... min=... max=... mean=... nonfinite=..." of T (with data). */
int show_stats_text(FILE *f, const struct irx_tensors *set, const irx_tensor *t, irx_error *err);
int show_tensors_text(FILE *f, const struct irx_tensors *set, const char *title, int with_stats,
		      irx_error *err);

#endif
