/*
 * irx-exec: run an IR with real weights through libtorch.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "irx/schema.h"
#include "run.h"

struct args {
	struct run_args run;
	const char *output, *dump_dir, *mutated;
	unsigned long repeat;
	int memory;
};

enum { OPT_DUMP = 0x100, OPT_REPEAT, OPT_MEMORY, OPT_LIST_REFUSED, OPT_MUTATED };

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option options[] = {
	{"output", 'o', "OUT", 0,
	 "Write the outputs to OUT: .safetensors (keyed by graph-output name) or .pt (a list "
	 "in graph-output order, for torch.load); without it, print a summary of each", 0},
	{"mutated", OPT_MUTATED, "FILE", 0,
	 "Write the IR's mutations (buffer updates: batch norm statistics, in-place updates) as "
	 "they are after the run to FILE, keyed by the buffer's state_dict key: .safetensors or "
	 ".pt (a dict, like a state dict)", 0},
	{"dump-intermediates", OPT_DUMP, "DIR", 0,
	 "Write every node's outputs to DIR, one NODE.safetensors per node keyed by IR tensor "
	 "name (NODE: the node's name with unsafe bytes as %XX, docs/trace-format.md)", 0},
	{"repeat", OPT_REPEAT, "N", 0,
	 "After the run, run N more times and report their median and fastest time on "
	 "standard error (for benchmarks: reading, planning and binding are not timed)", 0},
	{"memory", OPT_MEMORY, NULL, 0,
	 "Report on standard error the bytes of the weights and of the largest set of "
	 "intermediate values alive at once", 0},
	{"list-refused-ops", OPT_LIST_REFUSED, NULL, 0,
	 "List the operators of the linked libtorch that the operator policy refuses, with "
	 "the reason, and exit", 0},
	{0},
};
/* clang-format on */

/* The refused operators, as "op_type<TAB>reason" lines. */
struct refused {
	char **lines;
	size_t n, cap;
	int failed;
};

static void note_refused(void *ctx, const char *text)
{
	struct refused *r = ctx;
	irx_schema *s;
	const char *why;
	char *line = NULL;

	if (irx_schema_parse(&s, text, NULL)) {
		r->failed = 1;
		return;
	}
	if ((why = irx_schema_refusal(s))) {
		const char *colons = strstr(s->name, "::");
		if (r->n == r->cap) {
			char **l = realloc(r->lines, (r->cap = r->cap * 2 + 64) * sizeof(*l));
			if (!l)
				r->failed = 1;
			else
				r->lines = l;
		}
		if (r->n < r->cap &&
		    asprintf(&line, "%.*s.%s.%s\t%s", colons ? (int)(colons - s->name) : 0, s->name,
			     colons ? colons + 2 : s->name, *s->overload ? s->overload : "default",
			     why) >= 0)
			r->lines[r->n++] = line;
		else
			r->failed = 1;
	}
	irx_schema_free(s);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --list-refused-ops: an exit status. */
static int list_refused(void)
{
	struct refused r = {NULL, 0, 0, 0};

	irx_th_each_schema(note_refused, &r);
	qsort(r.lines, r.n, sizeof(*r.lines), by_string);
	for (size_t i = 0; i < r.n; i++) {
		puts(r.lines[i]);
		free(r.lines[i]);
	}
	free(r.lines);
	if (r.failed)
		return tool_fail("libtorch %s: some schemas could not be read", irx_th_version());
	return fflush(stdout) ? tool_fail("cannot write: %s", strerror(errno)) : EXIT_OK;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'o': a->output = arg; return 0;
	case OPT_DUMP: a->dump_dir = arg; return 0;
	case OPT_MUTATED: a->mutated = arg; return 0;
	case OPT_MEMORY: a->memory = 1; return 0;
	case OPT_LIST_REFUSED: exit(list_refused());
	case OPT_REPEAT: {
		char *end;
		errno = 0;
		a->repeat = strtoul(arg, &end, 10);
		if (!*arg || *end || errno || a->repeat < 1 || a->repeat > 1000000 || arg[0] == '-')
			argp_error(state, "--repeat takes a number from 1 to 1000000, not '%s'",
				   arg);
		return 0;
	}
	case ARGP_KEY_INIT: state->child_inputs[0] = &a->run; return 0;
	case ARGP_KEY_END: run_need_inputs(&a->run, state); return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child run_children[] = {{&run_argp, 0, NULL, 0}, {0}};

static const struct argp argp = {
	options,
	parse_opt,
	"IR",
	"Run an IR (from irx-convert) with real weights through libtorch's dispatcher: each "
	"node calls its ATen operator by name with arguments from the IR, matched to the "
	"linked libtorch's schema.\v" TOOL_EXIT_DOC,
	run_children,
	NULL,
	NULL,
};

static int on_node(void *ctx, const json_t *node, irx_th *const *outs, size_t n, irx_error *err)
{
	if (run_dump_node(ctx, node, outs, n, NULL) == EXIT_OK)
		return IRX_OK;
	err->code = IRX_EIO;
	snprintf(err->text, sizeof(err->text), "cannot write the outputs of node %s",
		 json_string_value(json_object_get(node, "name")));
	return IRX_EIO;
}

/* A node of a subgraph call: its record in DIR/NODE.subgraphs/GRAPH/ (the
 * last call's values when there are several), as irx-capture writes it. */
static int on_subgraph_node(void *ctx, const char *const *callers, size_t depth, const json_t *node,
			    irx_th *const *outs, size_t n, irx_error *err)
{
	char *dir = run_subgraph_dir(ctx, callers, depth, 1);
	int rc = dir ? on_node(dir, node, outs, n, err) : IRX_EIO;

	if (!dir) {
		err->code = IRX_EIO;
		snprintf(err->text, sizeof(err->text), "cannot write the outputs of node %s",
			 json_string_value(json_object_get(node, "name")));
	}
	free(dir);
	return rc;
}

static void summary(const struct run *r)
{
	for (size_t i = 0; i < irx_exec_n_outputs(r->x); i++) {
		const char *name =
			json_string_value(json_object_get(irx_exec_output(r->x, i), "name"));
		irx_th *t = irx_exec_result(r->x, i);
		irx_tensor v;
		irx_tensor_stats s;
		char shape[256];
		size_t n = 0;
		if (!t) {
			printf("%s: not a tensor\n", name ? name : "?");
			continue;
		}
		irx_th_view(&v, t);
		shape[0] = '\0';
		for (int d = 0; d < v.ndim && n < sizeof(shape); d++)
			n += (size_t)snprintf(shape + n, sizeof(shape) - n, "%s%lld", d ? ", " : "",
					      (long long)v.shape[d]);
		printf("%s  %s[%s]", name ? name : "?", irx_dtype_name(v.dtype), shape);
		if (!irx_tensor_stats_of(&s, &v, NULL) && s.count)
			printf("  sum=%.9g min=%.9g max=%.9g mean=%.9g", s.sum, s.min, s.max,
			       s.mean);
		printf("  nonfinite=%llu\n", (unsigned long long)s.nonfinite);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* --repeat: N more runs, timed one by one. */
static int time_runs(struct run *r, const struct args *a)
{
	double *ms = calloc(a->repeat, sizeof(*ms));
	int rc = ms ? EXIT_OK : tool_fail("out of memory");

	for (unsigned long i = 0; i < a->repeat && !rc; i++) {
		double t0 = now_ms();
		rc = run_execute(r, &a->run);
		ms[i] = now_ms() - t0;
	}
	if (!rc) {
		qsort(ms, a->repeat, sizeof(*ms), by_value);
		fprintf(stderr, "%s: %lu runs: median %.3f ms, fastest %.3f ms\n",
			program_invocation_short_name, a->repeat, ms[a->repeat / 2], ms[0]);
	}
	free(ms);
	return rc;
}

/* --mutated: every mutation that is a tensor, by target (state_dict key). */
static int write_mutated(const struct run *r, const char *ir, const char *path)
{
	size_t n = irx_exec_n_mutations(r->x), k = 0;
	irx_th **t = calloc(n + 1, sizeof(*t));
	const char **names = calloc(n + 1, sizeof(*names));
	int rc = t && names ? EXIT_OK : tool_fail("out of memory");

	if (!rc && !n)
		rc = tool_fail("%s: the IR has no mutations to write to %s (a model captured in "
			       "train mode has its buffer updates there)",
			       ir, path);
	for (size_t i = 0; i < n && !rc; i++) {
		const json_t *m = irx_exec_mutation(r->x, i);
		const char *target = json_string_value(json_object_get(m, "target"));
		if (!(t[k] = irx_exec_mutation_result(r->x, i)))
			continue; /* a token: no tensor */
		names[k++] = target ? target : json_string_value(json_object_get(m, "name"));
	}
	if (!rc)
		rc = run_write_keyed(path, t, names, k);
	free(t);
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;

	memset(&a, 0, sizeof(a));
	irx_exec_options o = {.warn = tool_warn};
	struct run r;
	int rc;

	run_tool_init();
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	o.warn_ctx = (void *)a.run.ir;
	if (a.dump_dir) {
		if (mkdir(a.dump_dir, 0777) && errno != EEXIST)
			return tool_fail("%s: cannot create: %s", a.dump_dir, strerror(errno));
		o.on_node = on_node;
		o.on_subgraph_node = on_subgraph_node;
		o.on_node_ctx = (void *)a.dump_dir;
	}
	o.measure = a.memory;
	if ((rc = run_prepare(&r, &a.run, &o)) || (rc = run_execute(&r, &a.run)) ||
	    (a.repeat && (rc = time_runs(&r, &a)))) {
		run_free(&r);
		return rc;
	}
	if (a.memory) {
		size_t w, live;
		irx_exec_memory(&w, &live, r.x);
		fprintf(stderr, "%s: weights %zu bytes, largest live set %zu bytes\n",
			program_invocation_short_name, w, live);
	}
	if (a.mutated && (rc = write_mutated(&r, a.run.ir, a.mutated))) {
		run_free(&r);
		return rc;
	}
	if (a.output) {
		size_t n = irx_exec_n_outputs(r.x);
		irx_th **t = calloc(n + 1, sizeof(*t));
		const char **names = calloc(n + 1, sizeof(*names));
		rc = t && names ? EXIT_OK : tool_fail("out of memory");
		for (size_t i = 0; i < n && !rc; i++) {
			names[i] =
				json_string_value(json_object_get(irx_exec_output(r.x, i), "name"));
			if (!(t[i] = irx_exec_result(r.x, i)))
				rc = tool_fail("%s: output %zu is not a tensor", a.run.ir, i);
		}
		if (!rc)
			rc = run_write(a.output, t, names, n);
		free(t);
		free(names);
	} else {
		summary(&r);
		rc = fflush(stdout) ? tool_fail("cannot write: %s", strerror(errno)) : EXIT_OK;
	}
	run_free(&r);
	return rc;
}
