/*
 * run.h: what irx-exec and irx-verify share: an IR planned, its weights
 * bound, its inputs read or made, and tensors written out.
 */
#ifndef IRX_TOOLS_RUN_H
#define IRX_TOOLS_RUN_H

#include <argp.h>

#include "common.h"
#include "irx/exec.h"

struct run_args {
	const char *ir;
	const char *weights[8]; /* --weights, repeatable */
	size_t n_weights;
	const char *inputs; /* --inputs FILE, or NULL */
	int random_inputs;
	uint64_t seed;
	int strict, threads, decompose;
	const char *allow_ops[64]; /* --allow-op, repeatable */
	size_t n_allow_ops;
	size_t max_memory; /* 0: the library's defaults */
	uint64_t max_elements, max_iterations;
	struct run_bind {
		char name[64];
		int64_t value;
	} binds[16]; /* --bind SYMBOL=N, repeatable */
	size_t n_binds;
	const char *plugins[16]; /* --plugin, repeatable */
	size_t n_plugins;
};

struct run {
	json_t *ir;
	irx_tensors *weights[16];
	size_t n_weights;
	irx_archive *archives[8]; /* .pt2 weights: opened once, read twice */
	size_t n_archives;
	irx_tensors *input_file;
	irx_th **inputs;
	size_t n_inputs;
	irx_exec *x;
	irx_executors *plugins; /* what --plugin libraries registered, or NULL */
};

/* The options every running tool takes, as an argp child whose input is
 * a struct run_args (set child_inputs[0] at ARGP_KEY_INIT). */
extern const struct argp run_argp;
/* At the tool's ARGP_KEY_END (after run_argp's, which checks only the IR),
 * when it runs the IR: weights and inputs given, or a usage error.  A mode
 * that runs nothing (irx-verify --against) does not call it. */
void run_need_inputs(const struct run_args *a, struct argp_state *state);

/* Plan, bind and make inputs; an exit status (errors reported). */
/* tool_init() for a tool that runs models: --version names libtorch and
 * the BLAS it runs on. */
void run_tool_init(void);

int run_prepare(struct run *r, const struct run_args *a, const irx_exec_options *o);
/* Run once; an exit status. */
int run_execute(struct run *r, const struct run_args *a);
void run_free(struct run *r);

/* Tensors NAMES[i] = T[i] to PATH: .safetensors (keyed by name) or .pt
 * (a list in order); an exit status. */
int run_write(const char *path, irx_th *const *t, const char *const *names, size_t n);
/* The same keyed by name in both formats (.pt: a dict, like a state dict). */
int run_write_keyed(const char *path, irx_th *const *t, const char *const *names, size_t n);
/* --dump-intermediates: NODE's outputs to DIR/FILE, FILE the node's name
 * encoded by irx_trace_file_name() (docs/trace-format.md), keyed by the
 * IR's tensor names; an exit status.  FILE, when not NULL, receives the
 * path written (free it). */
int run_dump_node(const char *dir, const json_t *node, irx_th *const *outs, size_t n, char **file);
/* DIR/FILE of NODE's trace record into *PATH (free it), and the name's
 * whole encoding into *KEY unless KEY is NULL (irx_free it); a libirx
 * status, ERR filled. */
int run_trace_path(const char *dir, const json_t *node, char **path, char **key, irx_error *err);
/* The directory of a subgraph call's records in trace DIR (free it):
 * DIR/NODE.subgraphs/GRAPH/... for the 2 * DEPTH names of CALLERS (caller
 * node, subgraph; irx_exec_options.on_subgraph_node), each encoded whole
 * by irx_trace_file_name().  With CREATE the levels are made as needed;
 * one that stands there and is not a directory (a symlink) is an error,
 * never followed.  NULL on error (reported). */
char *run_subgraph_dir(const char *dir, const char *const *callers, size_t depth, int create);
/* Read a tensor file of expected values or inputs; an exit status. */
int run_open_tensors(const char *path, irx_tensors **out);
/* The tensor of F for graph value I named NAME: by name when F is keyed
 * (safetensors, a dict), by position otherwise. */
const irx_tensor *run_pick(const irx_tensors *f, size_t i, const char *name);

#endif
