/*
 * irx/view.h: seeing a model: statistics (parameters, FLOPs, activation
 * memory, per module and per operator), repeated blocks, and pictures
 * (graphviz dot, mermaid, Model Explorer's graph JSON) of an IR.
 *
 * Every function takes an IR document (irx/convert.h; borrowed) and
 * returns IRX_OK or a negative enum irx_status with ERR filled.
 */
#ifndef IRX_VIEW_H
#define IRX_VIEW_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "irx/dump.h"
#include "irx/error.h"

IRX_BEGIN_DECLS

typedef struct irx_view_options {
	int depth;      /* modules deeper than DEPTH are merged into their ancestor; <= 0: all */
	int fold;       /* find repeated, structurally identical blocks */
	int no_weights; /* pictures: leave weights and constants out */
	/* dot and mermaid pictures: colour each node by its verdict in this
	 * report of irx-verify --per-node --report=json (borrowed; NULL: no
	 * colours), with a legend; a merged or folded box takes the worst
	 * verdict of the nodes it stands for.  See irx_view_check_verdicts(). */
	const json_t *verdicts;
} irx_view_options;

/**
 * FLOPs of one IR node as torch.utils.flop_counter.FlopCounterMode counts
 * them on the CPU (docs/statistics.md has the mapping): FLOPS, and in
 * COUNTED_AS the operator torch charges them to ("aten.addmm"; NULL when
 * none).  OTHER is irx's count of the remaining work (element-wise,
 * reductions, normalizations; 0 for views).  Subgraphs of higher-order
 * operators are included.  A symbolic size gives IRX_EUNSUPPORTED.
 */
IRX_API irx_status irx_node_flops(uint64_t *flops, const char **counted_as, uint64_t *other,
				  const json_t *node, irx_error *err);

/**
 * Statistics of IR as one JSON document (new reference in *OUT):
 *   {"model_name", "totals": {...}, "by_module": [...], "by_op": [...],
 *    "blocks": [...] (with OPTS->fold)}
 * docs/statistics.md describes every field.
 */
IRX_API irx_status irx_stats(json_t **out, const json_t *ir, const irx_view_options *opts,
			     irx_error *err);

/** irx_stats() written to F as text (tables) or JSON. */
IRX_API irx_status irx_dump_stats(FILE *f, const json_t *ir, const irx_view_options *opts,
				  enum irx_dump_format fmt, irx_error *err);

enum irx_picture_format {
	IRX_PICTURE_DOT = 0,
	IRX_PICTURE_MERMAID = 1,
	IRX_PICTURE_MODEL_EXPLORER = 2,
};

/**
 * Whether REPORT can colour a picture (irx_view_options.verdicts): an
 * irx-verify --per-node --report=json document, or one of its reports
 * that holds it as "per_node".  IRX_EFORMAT with the JSON path of the
 * first bad field in ERR's where ("$.nodes[3].verdict") otherwise.
 */
IRX_API irx_status irx_view_check_verdicts(const json_t *report, irx_error *err);

/**
 * A picture of IR written to F (see irx-dump(1), --format=dot).  Verdicts
 * (OPTS->verdicts) are checked before anything is written; they colour
 * dot and mermaid, and are IRX_EINVAL with Model Explorer's format (its
 * node data comes from irx-verify --node-data).
 */
IRX_API irx_status irx_dump_picture(FILE *f, const json_t *ir, const irx_view_options *opts,
				    enum irx_picture_format fmt, irx_error *err);

IRX_END_DECLS

#endif
