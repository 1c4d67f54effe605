/*
 * show/show.h: libirx's dumps for people (irx/dump.h); never installed.
 * Private symbols here start with show_ (see base/base.h for the layers).
 */
#ifndef IRX_SHOW_H
#define IRX_SHOW_H

#include <stdio.h>

#include "irx/view.h"
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

/* flops.c: add NODE's FLOPs (FlopCounterMode's rule) to BY (counted
 * operator -> FLOPs) and its other work to *OTHER; a node whose FLOPs irx
 * cannot know (a symbolic size, an operator it does not model) adds one to
 * *UNKNOWN.  -1 when out of memory.  show_is_view: OP_TYPE returns a view
 * of its first input (no storage of its own). */
int show_node_flops(const json_t *node, json_t *by, uint64_t *other, uint64_t *unknown);
int show_is_view(const char *op_type);

/* stats.c: elements and bytes of a TensorMeta (0 and *SYM = 1 when a size
 * is symbolic; SYM may be NULL). */
uint64_t show_elements(const json_t *m, int *sym);
uint64_t show_bytes(const json_t *m, int *sym);

/* layout.c: sizes and strides of a value (SHOW_MAXD dimensions at most). */
#define SHOW_MAXD 16
struct show_layout {
	int nd;
	int64_t size[SHOW_MAXD], stride[SHOW_MAXD];
};
/* The sizes of META into L: 0, or -1 when one is symbolic (or negative)
 * or there are more than SHOW_MAXD. */
int show_shape(const json_t *meta, struct show_layout *l);
/* The contiguous layout of a TensorMeta (no dimensions when symbolic). */
void show_layout_of(const json_t *meta, struct show_layout *l);
/* Output K of NODE: 1 when it is a view of the node's first input (layout
 * SRC, NULL when unknown), with its layout in OUT; 0 when it has a storage
 * of its own (OUT contiguous). */
int show_view_layout(const json_t *node, size_t k, const struct show_layout *src,
		     struct show_layout *out);
/* Bytes of the storage of output K (META) of NODE as the CPU kernels
 * allocate it. */
uint64_t show_storage_bytes(const json_t *node, size_t k, const json_t *meta);

/* verdicts.c: irx-verify's per-node report (irx_view_options.verdicts) as
 * {GRAPH: {NODE: rank}} (new reference), the rank one of these, worse
 * higher; a node the report does not list is not compared.  IRX_EFORMAT
 * with the JSON path in ERR's where for a report that is not one. */
enum show_verdict {
	SHOW_VERDICT_NOT_COMPARED = 0,
	SHOW_VERDICT_MATCH,
	SHOW_VERDICT_INHERITS,
	SHOW_VERDICT_DIVERGES,
	SHOW_VERDICT_FIRST, /* the first divergence */
};
int show_verdicts(json_t **out, const json_t *report, irx_error *err);

/* fold.c: the repeated blocks of IR as a JSON list (new reference); with
 * MAP (one entry per top-level node), MAP[i] is the node of the block's
 * template that node i stands for (i itself outside blocks). */
int show_fold(const json_t *ir, json_t **out, irx_error *err);
int show_fold_map(const json_t *ir, json_t **out, size_t *map, irx_error *err);
void show_fold_text(FILE *f, const json_t *blocks);

/* explorer.c: IR as Model Explorer's graph JSON. */
int show_explorer(FILE *f, const json_t *ir, const irx_view_options *o, irx_error *err);

#endif
