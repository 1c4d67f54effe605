/*
 * run.c: plan an IR, bind its weights, read or make its inputs, run it,
 * write tensors: the part irx-exec and irx-verify have in common.
 */
#include <config.h>

#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"

/* Packed like a table, by hand */
/* clang-format off */
enum {
	OPT_RANDOM = 0x200, OPT_SEED, OPT_STRICT, OPT_THREADS, OPT_DECOMPOSE, OPT_ALLOW_OP,
	OPT_MAX_MEMORY, OPT_MAX_ELEMENTS, OPT_MAX_ITERATIONS, OPT_BIND, OPT_PLUGIN
};
/* clang-format on */

/* The options table, laid out by hand */
/* clang-format off */
static const struct argp_option run_options[] = {
	{"weights", 'w', "FILE", 0,
	 "Weights: a torch.save state dict, a safetensors file, or a .pt2 archive that holds "
	 "them (repeat for several files; the first that has a key wins)", 1},
	{"inputs", 'i', "FILE", 0,
	 "Inputs: a torch.save list or tuple (in graph-input order) or a safetensors file or "
	 "dict (keyed by graph-input name)", 1},
	{"random-inputs", OPT_RANDOM, NULL, 0,
	 "Random inputs of the graph inputs' shapes and dtypes instead", 1},
	{"seed", OPT_SEED, "N", 0, "Seed of --random-inputs (default 0)", 1},
	{"bind", OPT_BIND, "SYMBOL=N", 0,
	 "A dynamic IR: give symbolic size SYMBOL the value N (within its range) for "
	 "--random-inputs; with --inputs, the inputs must agree (repeatable)", 1},
	{"strict", OPT_STRICT, NULL, 0, "Tensors in the weights that the IR does not use are an error", 1},
	{"threads", OPT_THREADS, "N", 0, "Intra-op threads (default: libtorch's)", 1},
	{"decompose", OPT_DECOMPOSE, NULL, 0,
	 "Run operators that irx can decompose through their decompositions even where "
	 "libtorch has them (to hold the decompositions against libtorch)", 1},
	{"plugin", OPT_PLUGIN, "LIB.so", 0,
	 "Load executors and decompositions from the shared library LIB.so through its "
	 "irx_plugin_init() (a path; repeatable)", 1},
	{NULL, 0, NULL, 0, "Untrusted IRs (irx-exec(1), section Untrusted IRs):", 2},
	{"allow-op", OPT_ALLOW_OP, "OP", 0,
	 "Run operator OP (aten.from_file.default, or aten.from_file for every overload) "
	 "although the operator policy refuses it (repeatable)", 2},
	{"max-memory", OPT_MAX_MEMORY, "BYTES", 0,
	 "Refuse a node whose outputs, or libtorch's allocations in all, would pass BYTES "
	 "(suffixes K, M, G, T; 'none'; default: half the RAM)", 2},
	{"max-elements", OPT_MAX_ELEMENTS, "N", 0,
	 "Refuse a node that reads and writes more than N elements (default 2^32; 'none')", 2},
	{"max-iterations", OPT_MAX_ITERATIONS, "N", 0,
	 "Stop a while_loop that runs more than N times (default 2^20; 'none')", 2},
	{0},
};
/* clang-format on */

static int number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*s || *end || errno || *out > max || s[0] == '-';
}

/* A bound: a count with an optional binary suffix (K, M, G, T when
 * SUFFIXES), or "none" (the largest value: no bound). */
static int bound(const char *s, int suffixes, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	char digits[32];
	const char *u;
	size_t len = strlen(s);

	if (!strcmp(s, "none")) {
		*out = UINT64_MAX;
		return 0;
	}
	if (!len || len >= sizeof(digits))
		return 1;
	memcpy(digits, s, len + 1);
	u = suffixes && len > 1 ? strchr(units, digits[len - 1]) : NULL;
	if (u && *u)
		digits[len - 1] = 0;
	if (number(digits, UINT64_MAX, &n) || !n)
		return 1;
	for (int shift = u && *u ? 10 * (int)(u - units + 1) : 0; shift; shift -= 10) {
		if (n > UINT64_MAX >> 10)
			return 1;
		n <<= 10;
	}
	*out = n;
	return 0;
}

static error_t run_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct run_args *a = state->input;
	unsigned long long n;

	switch (key) {
	case 'w':
		if (a->n_weights == sizeof(a->weights) / sizeof(a->weights[0]))
			argp_error(state, "at most 8 --weights files");
		a->weights[a->n_weights++] = arg;
		return 0;
	case 'i': a->inputs = arg; return 0;
	case OPT_RANDOM: a->random_inputs = 1; return 0;
	case OPT_SEED:
		if (number(arg, UINT64_MAX, &n))
			argp_error(state, "--seed takes a non-negative integer, not '%s'", arg);
		a->seed = n;
		return 0;
	case OPT_STRICT: a->strict = 1; return 0;
	case OPT_BIND: {
		const char *eq = strchr(arg, '=');
		struct run_bind *b = &a->binds[a->n_binds];
		if (a->n_binds == sizeof(a->binds) / sizeof(a->binds[0]))
			argp_error(state, "at most 16 --bind symbols");
		if (!eq || eq == arg || (size_t)(eq - arg) > 63 || number(eq + 1, INT64_MAX, &n))
			argp_error(state,
				   "--bind takes SYMBOL=N (N a non-negative integer), not '%s'",
				   arg);
		snprintf(b->name, sizeof(b->name), "%.*s", (int)(eq - arg), arg);
		b->value = (int64_t)n;
		a->n_binds++;
		return 0;
	}
	case OPT_ALLOW_OP:
		if (a->n_allow_ops == sizeof(a->allow_ops) / sizeof(a->allow_ops[0]))
			argp_error(state, "at most 64 --allow-op operators");
		a->allow_ops[a->n_allow_ops++] = arg;
		return 0;
	case OPT_MAX_MEMORY: {
		uint64_t b;
		if (bound(arg, 1, &b))
			argp_error(
				state,
				"--max-memory takes a positive number of bytes (K, M, G, T) or none, not '%s'",
				arg);
		a->max_memory = b > SIZE_MAX ? SIZE_MAX : (size_t)b;
		return 0;
	}
	case OPT_MAX_ELEMENTS:
		if (bound(arg, 0, &a->max_elements))
			argp_error(state,
				   "--max-elements takes a positive number or none, not '%s'", arg);
		return 0;
	case OPT_MAX_ITERATIONS:
		if (bound(arg, 0, &a->max_iterations))
			argp_error(state,
				   "--max-iterations takes a positive number or none, not '%s'",
				   arg);
		return 0;
	case OPT_DECOMPOSE: a->decompose = 1; return 0;
	case OPT_PLUGIN:
		if (a->n_plugins == sizeof(a->plugins) / sizeof(a->plugins[0]))
			argp_error(state, "at most 16 --plugin libraries");
		a->plugins[a->n_plugins++] = arg;
		return 0;
	case OPT_THREADS:
		if (number(arg, 4096, &n))
			argp_error(state, "--threads takes a number from 0 to 4096, not '%s'", arg);
		a->threads = (int)n;
		return 0;
	case ARGP_KEY_ARG:
		if (a->ir)
			argp_error(state, "one IR at a time");
		a->ir = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->ir)
			argp_error(state, "no IR given (use - for standard input)");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

void run_need_inputs(const struct run_args *a, struct argp_state *state)
{
	if (!a->n_weights)
		argp_error(state, "--weights FILE is required");
	if (!!a->inputs == !!a->random_inputs)
		argp_error(state, "give --inputs FILE or --random-inputs (one of them)");
}

const struct argp run_argp = {run_options, run_parse_opt, NULL, NULL, NULL, NULL, NULL};

int run_open_tensors(const char *path, irx_tensors **out)
{
	irx_tensors_options o = {.warn = tool_warn, .warn_ctx = (void *)path};
	irx_error err = {0};
	int rc = irx_tensors_open(out, path, &o, &err);

	if (rc) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

/* A .pt2 archive brings its constants as well as its weights: the
 * archive is opened once and both are read from it. */
static int open_weights(struct run *r, const char *path)
{
	irx_tensors_options o = {.warn = tool_warn, .warn_ctx = (void *)path};
	irx_error err = {0};
	irx_archive *a;
	irx_blob *b;

	if (irx_blob_open(&b, path, &err))
		goto fail;
	if (irx_blob_size(b) < 2 || memcmp(irx_blob_data(b), "PK", 2)) {
		if (irx_tensors_open_blob(&r->weights[r->n_weights], b, &o, &err))
			goto fail;
		r->n_weights++;
		return EXIT_OK;
	}
	if (irx_archive_open_blob(&a, b, &err))
		goto fail;
	r->archives[r->n_archives++] = a;
	if (irx_tensors_open_archive(&r->weights[r->n_weights], a, &o, &err))
		goto fail;
	if (irx_tensors_format(r->weights[r->n_weights++]) != IRX_TENSORS_PT2)
		return EXIT_OK;
	o.constants = 1;
	if (irx_tensors_open_archive(&r->weights[r->n_weights], a, &o, &err))
		goto fail;
	r->n_weights++;
	return EXIT_OK;
fail:
	tool_report(&err);
	return EXIT_ERROR;
}

const irx_tensor *run_pick(const irx_tensors *f, size_t i, const char *name)
{
	const char *c = irx_tensors_container(f);

	if (!strcmp(c, "dict") && name && irx_tensors_find(f, name))
		return irx_tensors_find(f, name);
	return strcmp(c, "dict") ? irx_tensors_at(f, i) : NULL;
}

static int make_inputs(struct run *r, const struct run_args *a)
{
	irx_error err = {0};
	size_t n = irx_exec_n_inputs(r->x);

	if (!(r->inputs = calloc(n + 1, sizeof(*r->inputs))))
		return tool_fail("out of memory");
	r->n_inputs = n;
	if (a->inputs && run_open_tensors(a->inputs, &r->input_file))
		return EXIT_ERROR;
	if (a->inputs && irx_tensors_count(r->input_file) != n &&
	    strcmp(irx_tensors_container(r->input_file), "dict"))
		return tool_fail("%s: %zu tensor%s, but the IR takes %zu input%s", a->inputs,
				 irx_tensors_count(r->input_file),
				 irx_tensors_count(r->input_file) == 1 ? "" : "s", n,
				 n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const json_t *m = irx_exec_input(r->x, i);
		const char *name = json_string_value(json_object_get(m, "name"));
		int rc;
		if (a->inputs) {
			const irx_tensor *t = run_pick(r->input_file, i, name);
			if (!t)
				return tool_fail("%s: no tensor for input %zu ('%s')", a->inputs, i,
						 name);
			if (!t->data && t->numel)
				return tool_fail(
					"%s: input '%s' has no data (saved on the meta device?)",
					a->inputs, t->name);
			rc = irx_th_from_copy(
				&r->inputs[i], t,
				&err); /* a model may update its inputs in place: each run gets them fresh */
		} else {
			int64_t dims[IRX_TENSOR_MAX_DIMS];
			int ndim;
			rc = irx_exec_input_shape(dims, &ndim, r->x, i, &err);
			if (!rc)
				rc = irx_th_random(&r->inputs[i],
						   irx_dtype_from_name(json_string_value(
							   json_object_get(m, "dtype"))),
						   dims, ndim, a->seed + i, &err);
		}
		if (rc) {
			snprintf(err.source, sizeof(err.source), "%s",
				 a->inputs ? a->inputs : "random inputs");
			tool_report(&err);
			return EXIT_ERROR;
		}
	}
	return EXIT_OK;
}

static irx_th_blas blas;

void run_tool_init(void)
{
	static char text[sizeof(blas.name) + sizeof(blas.path) + 32];

	tool_init();
	irx_th_blas_info(&blas);
	int n = snprintf(text, sizeof(text), "%s", blas.name);
	if (blas.path[0])
		n += snprintf(text + n, sizeof(text) - (size_t)n, " (%s)", blas.path);
	if (blas.threads)
		snprintf(text + n, sizeof(text) - (size_t)n, ", %d thread%s", blas.threads,
			 blas.threads == 1 ? "" : "s");
	tool_set_libtorch(irx_th_version(), text);
}

/* Once per run: matrix products on Netlib's BLAS are tens of times slower
 * than on an optimized one, which Debian's libtorch picks up when it is
 * installed. */
static void warn_reference_blas(void)
{
	const char *e = getenv("IRX_BLAS_WARNING");
	static int warned;

	if (!blas.reference || (e && !strcmp(e, "0")) || warned++)
		return;
	fprintf(stderr,
		"%s: warning: libtorch runs on the reference BLAS (%s), tens of times slower "
		"than an optimized one: install OpenBLAS (Debian: apt-get install "
		"libopenblas0-pthread); IRX_BLAS_WARNING=0 silences this\n",
		program_invocation_short_name, blas.path);
}

int run_prepare(struct run *r, const struct run_args *a, const irx_exec_options *o)
{
	irx_exec_options opts = *o;
	irx_error err = {0};
	int rc;

	memset(r, 0, sizeof(*r));
	opts.strict = a->strict;
	opts.threads = a->threads;
	opts.decompose = a->decompose;
	opts.allow_ops = a->allow_ops;
	opts.n_allow_ops = a->n_allow_ops;
	opts.max_memory = a->max_memory;
	opts.max_elements = a->max_elements;
	opts.max_iterations = a->max_iterations;
	warn_reference_blas();
	/* plugins add to the caller's executors; a run with plugins has them all */
	if (a->n_plugins) {
		if (o->executors)
			return tool_fail("--plugin: the tool has executors of its own");
		if (irx_executors_new(&r->plugins, &err))
			goto fail;
		for (size_t i = 0; i < a->n_plugins; i++)
			if (irx_executors_load_plugin(r->plugins, a->plugins[i], &err))
				goto fail;
		opts.executors = r->plugins;
	}
	irx_convert_options co = {.warn = tool_warn, .warn_ctx = (void *)a->ir};
	if (tool_load_model(&r->ir, a->ir, NULL, &co, 1, &err)) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < a->n_weights; i++)
		if ((rc = open_weights(r, a->weights[i])))
			return rc;
	snprintf(err.source, sizeof(err.source), "%s", a->ir);
	if (irx_exec_new(&r->x, r->ir, &opts, &err)) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < a->n_binds; i++)
		if (irx_exec_set_symbol(r->x, a->binds[i].name, a->binds[i].value, &err)) {
			snprintf(err.where, sizeof(err.where), "--bind %s=%lld", a->binds[i].name,
				 (long long)a->binds[i].value);
			tool_report(&err);
			return EXIT_ERROR;
		}
	if (irx_exec_bind(r->x, (const irx_tensors *const *)r->weights, r->n_weights, &err)) {
		tool_report(&err);
		return EXIT_ERROR;
	}
	return make_inputs(r, a);
fail:
	tool_report(&err);
	return EXIT_ERROR;
}

int run_execute(struct run *r, const struct run_args *a)
{
	irx_error err = {0};

	if (irx_exec_run(r->x, r->inputs, r->n_inputs, &err)) {
		snprintf(err.source, sizeof(err.source), "%s", a->ir);
		tool_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

void run_free(struct run *r)
{
	irx_exec_free(r->x);
	irx_executors_free(r->plugins); /* after the plan that runs its code */
	for (size_t i = 0; i < r->n_inputs; i++)
		irx_th_free(r->inputs[i]);
	free(r->inputs);
	irx_tensors_free(r->input_file);
	for (size_t i = 0; i < r->n_weights; i++)
		irx_tensors_free(r->weights[i]);
	for (size_t i = 0; i < r->n_archives; i++)
		irx_archive_free(r->archives[i]);
	json_decref(r->ir);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Write NAMES[i] = T[i] to PATH, with safetensors METADATA (NULL or a
 * NULL-terminated key, value list). */
static int write_tensors(const char *path, irx_th *const *t, const char *const *names, size_t n,
			 const char *const *metadata, enum irx_torch_save_container container)
{
	irx_tensor *views = calloc(n + 1, sizeof(*views));
	const irx_tensor **list = calloc(n + 1, sizeof(*list));
	irx_error err = {0};
	struct tool_out out;
	int rc;

	if (!views || !list) {
		free(views);
		free(list);
		return tool_fail("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		irx_th_view(&views[i], t[i]);
		views[i].name = names[i];
		list[i] = &views[i];
	}
	if (!ends_with(path, ".safetensors") && !ends_with(path, ".pt") && !ends_with(path, ".pth"))
		rc = tool_fail("%s: write .safetensors or .pt (the name says which)", path);
	else if (!(rc = tool_out_open(&out, path))) {
		rc = ends_with(path, ".safetensors")
			     ? irx_safetensors_write(out.f, list, n, metadata, &err)
			     : irx_torch_save_write(out.f, list, n, container, NULL, &err);
		if (rc) {
			tool_out_abort(&out);
			snprintf(err.source, sizeof(err.source), "%s", path);
			tool_report(&err);
			rc = EXIT_ERROR;
		} else {
			rc = tool_out_commit(&out);
		}
	}
	free(views);
	free(list);
	return rc;
}

int run_write(const char *path, irx_th *const *t, const char *const *names, size_t n)
{
	return write_tensors(path, t, names, n, NULL, IRX_SAVE_LIST);
}

int run_write_keyed(const char *path, irx_th *const *t, const char *const *names, size_t n)
{
	return write_tensors(path, t, names, n, NULL, IRX_SAVE_DICT);
}

int run_trace_path(const char *dir, const json_t *node, char **path, char **key, irx_error *err)
{
	const json_t *name = json_object_get(node, "name");
	char *file;
	int rc;

	*path = NULL;
	if ((rc = irx_trace_file_name(&file, key, json_string_value(name), json_string_length(name),
				      err)))
		return rc;
	if (asprintf(path, "%s/%s", dir, file) < 0) {
		*path = NULL;
		if (key)
			irx_free(*key), *key = NULL;
		rc = IRX_ENOMEM;
		snprintf(err->text, sizeof(err->text), "out of memory");
	}
	irx_free(file);
	return rc;
}

char *run_subgraph_dir(const char *dir, const char *const *callers, size_t depth, int create)
{
	char *path = strdup(dir);
	irx_error err = {0};

	if (!path) {
		tool_fail("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < 2 * depth; i++) {
		char *file = NULL, *key = NULL, *next = NULL;
		struct stat st;
		if (irx_trace_file_name(&file, &key, callers[i], strlen(callers[i]), &err)) {
			tool_report(&err);
			free(path);
			return NULL;
		}
		if (asprintf(&next, "%s/%s%s", path, key, i % 2 ? "" : ".subgraphs") < 0)
			next = NULL;
		irx_free(file);
		irx_free(key);
		free(path);
		if (!(path = next)) {
			tool_fail("out of memory");
			return NULL;
		}
		if (i % 2 == 0 || !create)
			continue;
		/* both levels: NODE.subgraphs, then GRAPH in it */
		for (int lvl = 0; lvl < 2; lvl++) {
			char *d = lvl ? path : strndup(path, (size_t)(strrchr(path, '/') - path));
			int bad = !d;
			if (d && mkdir(d, 0777) && errno != EEXIST)
				bad = tool_fail("%s: cannot create: %s", d, strerror(errno));
			else if (d && (lstat(d, &st) || !S_ISDIR(st.st_mode)))
				bad = tool_fail("%s: not a directory (links in a trace are not "
						"followed)",
						d);
			else if (!d)
				tool_fail("out of memory");
			if (lvl == 0)
				free(d);
			if (bad) {
				free(path);
				return NULL;
			}
		}
	}
	return path;
}

/* Whatever else is in the way at PATH goes: tool_out_open() writes
 * through a symlink, a FIFO or a device (as -o should), but a trace file
 * planted in DIR must be replaced, never followed out of it.  A directory
 * stays, and the rename into place fails. */
static int clear_way(const char *path)
{
	struct stat st;

	if (lstat(path, &st) || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || !unlink(path))
		return EXIT_OK;
	return tool_fail("%s: cannot replace: %s", path, strerror(errno));
}

int run_dump_node(const char *dir, const json_t *node, irx_th *const *outs, size_t n, char **file)
{
	const json_t *metas = json_object_get(node, "outputs");
	const char **names = calloc(n + 1, sizeof(*names));
	const char *metadata[] = {IRX_TRACE_METADATA_KEY, NULL, NULL};
	char *path = NULL, *key = NULL;
	irx_error err = {0};
	int rc;

	if (!names)
		return tool_fail("out of memory");
	if (run_trace_path(dir, node, &path, &key, &err)) {
		tool_report(&err);
		free(names);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = json_string_value(json_object_get(json_array_get(metas, i), "name"));
	metadata[1] = key;
	if (!(rc = clear_way(path)))
		rc = write_tensors(path, outs, names, n, metadata, IRX_SAVE_LIST);
	if (file && !rc)
		*file = path, path = NULL;
	free(path);
	irx_free(key);
	free(names);
	return rc;
}
