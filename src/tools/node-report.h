/*
 * node-report.h: irx-verify --per-node's report, node by node: the error a
 * node makes (made here) and the error it has (made here or inherited),
 * read from trace directories (docs/trace-format.md).  libirx only, so
 * that --against works in a build without libtorch.
 */
#ifndef IRX_TOOLS_NODE_REPORT_H
#define IRX_TOOLS_NODE_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "common.h"
#include "irx/tensor.h"

/* The "__metadata__" key of a record that holds statistics, not values:
 * each output a float64[6] of min, max, mean, absmax (finite elements),
 * NaN count, infinity count (irx-capture --intermediates-stats). */
#define NR_STATS_KEY "irx.stats"

/* One figure of one node, over its outputs that a record holds. */
struct nr_figure {
	int have;  /* at least one output compared */
	int match; /* every compared output within tolerance */
	double max_abs, max_rel;
	uint64_t mismatched, count;
	char detail[384]; /* the first output off, or the worst one */
};

enum nr_verdict {
	NR_NOT_COMPARED, /* no record of it */
	NR_MATCH,
	NR_DIVERGES, /* makes an error beyond tolerance (the first is the divergence) */
	NR_INHERITS, /* has an error, but makes none beyond tolerance */
};

struct nr_node {
	const json_t *node; /* borrowed from the IR */
	char *graph;        /* "" at the top level; "NODE/GRAPH" in a subgraph */
	struct nr_figure own, total;
	char own_note[200]; /* why there is no own figure, or "" */
	/* in a subgraph (irx-verify's run): the directory of its records, and
	 * the node that called the subgraph (its name, and its graph's) */
	char *dir, *caller, *caller_graph;
	enum nr_verdict verdict;
};

struct nr_report {
	const json_t *ir; /* borrowed */
	struct nr_node *v;
	size_t n, cap;
	const char *trace, *against; /* the traces, for the report */
	const char *own_how;         /* what the own figure is */
	long culprit;                /* index in v, or -1 */
	size_t compared, diverging, inheriting;
};

/* A new entry for NODE in GRAPH ("" at the top); its index, or -1 when out
 * of memory (reported). */
long nr_add(struct nr_report *r, const json_t *node, const char *graph);
void nr_free(struct nr_report *r);

/* NODE's record in DIR into *OUT (NULL when the trace has none: the file
 * is absent).  A file there that is not a regular file, cannot be read
 * as safetensors, or names another node (irx.node) is an error: a libirx
 * status, ERR filled with the file. */
int nr_open_record(irx_tensors **out, const char *dir, const json_t *node, irx_error *err);
/* DIR/NODE.subgraphs/GRAPH (free it), where a node's subgraph calls are
 * recorded; NULL when out of memory. */
char *nr_subgraph_dir(const char *dir, const char *node, const char *graph);

/* Fold output NAME, GOT against WANT (either may be a statistics record,
 * STATS set), into F; tolerances < 0 are those of GOT's dtype.  A libirx
 * status. */
int nr_compare(struct nr_figure *f, const char *name, const irx_tensor *got, int got_stats,
	       const irx_tensor *want, int want_stats, double rtol, double atol, irx_error *err);

/* Verdicts and the first divergence, then the report on stdout: text, or
 * with JSON one object; with JSON and DOC not NULL, the object goes to
 * *DOC (new) instead, for the caller to write.  An exit status: 0 when
 * every compared node matches, 1 when one does not, 2 when none was
 * compared or the report cannot be written. */
/* What irx-verify's JSON reports say they are (docs/verify-report.schema.json). */
#define REPORT_FORMAT "irx-verify-report"
#define REPORT_VERSION 1

int nr_finish(struct nr_report *r, const char *ir, int json, json_t **doc);

/* The per-node figures as Model Explorer node data (a JSON file that Model
 * Explorer's "node data" panel loads: each node's error in the IR's run,
 * with a colour scale) to PATH; an exit status. */
int nr_write_explorer(const struct nr_report *r, const char *path);

/* irx-verify --per-node --trace A --against B: two traces of the same IR,
 * node by node, no tensor run; the own figure is the node's outputs when
 * its inputs agree.  An exit status. */
int nr_against(const char *ir_path, const char *a, const char *b, double rtol, double atol,
	       int json, const char *explorer);

#endif
