/*
 * irx-exec: run an IR with real weights through libtorch.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "run.h"

struct args {
	struct run_args run;
	const char *output, *dump_dir;
};

enum { OPT_DUMP = 0x100 };

static const struct argp_option options[] = {
	{"output", 'o', "OUT", 0,
	 "Write the outputs to OUT: .safetensors (keyed by graph-output name) or .pt (a list "
	 "in graph-output order, for torch.load); without it, print a summary of each", 0},
	{"dump-intermediates", OPT_DUMP, "DIR", 0,
	 "Write every node's outputs to DIR/NODE.safetensors, keyed by IR tensor name", 0},
	{0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'o': a->output = arg; return 0;
	case OPT_DUMP: a->dump_dir = arg; return 0;
	case ARGP_KEY_INIT: state->child_inputs[0] = &a->run; return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child run_children[] = {{&run_argp, 0, NULL, 0}, {0}};

static const struct argp argp = {
	options, parse_opt, "IR",
	"Run an IR (from irx-convert) with real weights through libtorch's dispatcher: each "
	"node calls its ATen operator by name with arguments from the IR, matched to the "
	"linked libtorch's schema.\v" TOOL_EXIT_DOC,
	run_children, NULL, NULL,
};

static int on_node(void *ctx, const json_t *node, irx_th *const *outs, size_t n, irx_error *err)
{
	if (run_dump_node(ctx, node, outs, n) == EXIT_OK)
		return IRX_OK;
	err->code = IRX_EIO;
	snprintf(err->text, sizeof(err->text), "cannot write the outputs of node %s",
		 json_string_value(json_object_get(node, "name")));
	return IRX_EIO;
}

static void summary(const struct run *r)
{
	for (size_t i = 0; i < irx_exec_n_outputs(r->x); i++) {
		const char *name = json_string_value(json_object_get(irx_exec_output(r->x, i), "name"));
		irx_th *t = irx_exec_result(r->x, i);
		irx_tensor v;
		irx_tensor_stats s;
		char shape[256];
		size_t n = 0;
		if (!t) {
			printf("%s: not a tensor\n", name ? name : "?");
			continue;
		}
		irx_th_view(t, &v);
		shape[0] = '\0';
		for (int d = 0; d < v.ndim && n < sizeof(shape); d++)
			n += (size_t)snprintf(shape + n, sizeof(shape) - n, "%s%lld", d ? ", " : "",
					      (long long)v.shape[d]);
		printf("%s  %s[%s]", name ? name : "?", irx_dtype_name(v.dtype), shape);
		if (!irx_tensor_stats_of(&v, &s, NULL) && s.count)
			printf("  sum=%.9g min=%.9g max=%.9g mean=%.9g", s.sum, s.min, s.max, s.mean);
		printf("  nonfinite=%llu\n", (unsigned long long)s.nonfinite);
	}
}

int main(int argc, char **argv)
{
	struct args a;

	memset(&a, 0, sizeof(a));
	irx_exec_options o = {.warn = tool_warn};
	struct run r;
	int rc;

	tool_init();
	tool_set_libtorch(irx_th_version());
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	o.warn_ctx = (void *)a.run.ir;
	if (a.dump_dir) {
		if (mkdir(a.dump_dir, 0777) && errno != EEXIST)
			return tool_fail("%s: cannot create: %s", a.dump_dir, strerror(errno));
		o.on_node = on_node;
		o.on_node_ctx = (void *)a.dump_dir;
	}
	if ((rc = run_prepare(&r, &a.run, &o)) || (rc = run_execute(&r, &a.run))) {
		run_free(&r);
		return rc;
	}
	if (a.output) {
		size_t n = irx_exec_n_outputs(r.x);
		irx_th **t = calloc(n + 1, sizeof(*t));
		const char **names = calloc(n + 1, sizeof(*names));
		rc = t && names ? EXIT_OK : tool_fail("out of memory");
		for (size_t i = 0; i < n && !rc; i++) {
			names[i] = json_string_value(json_object_get(irx_exec_output(r.x, i), "name"));
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
