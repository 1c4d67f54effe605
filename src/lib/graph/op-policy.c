/*
 * op-policy.c: which operators an IR may have irx run.
 *
 * An IR is data from elsewhere, and ATen is not only tensor arithmetic:
 * aten::from_file maps a named file (writable with shared=True, grown by
 * a large size), aten::save writes one, aten::_print and aten::warn write
 * to the terminal, aten::manual_seed and aten::set_grad_enabled change
 * the process's state.  The rule is read from the schema, so that it
 * holds for operators libtorch adds later:
 *
 *   1. only the aten and prims namespaces (the operators torch.export
 *      writes); prim::, profiler::, quantized:: and the rest are
 *      interpreter, profiler and backend machinery;
 *   2. no str argument that names a file (filename, path, dir, ...);
 *   3. at least one result or one tensor it writes: an operator with
 *      neither acts only outside the tensors (printing, saving, seeding,
 *      grad mode; the assertions the exporter writes run as irx's own
 *      executors instead).
 */
#include <config.h>

#include <string.h>

#include "irx/schema.h"
#include "graph/graph.h"

/* Argument names that mean a place in the file system. */
static int names_a_path(const char *name)
{
	static const char *const parts[] = {"file", "path", "dir", "url", "uri"};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(name, parts[i]))
			return 1;
	return 0;
}

/* "str", "str?", "str[]", "str[]?" */
static int is_str_type(const char *type)
{
	return !strncmp(type, "str", 3) && (!type[3] || type[3] == '?' || type[3] == '[');
}

const char *irx_schema_refusal(const irx_schema *s)
{
	int writes = 0;

	if (strncmp(s->name, "aten::", 6) && strncmp(s->name, "prims::", 7))
		return "its namespace is not aten or prims";
	for (size_t i = 0; i < s->n_args; i++) {
		const irx_schema_arg *a = &s->args[i];
		if (is_str_type(a->type) && names_a_path(a->name))
			return "it takes a file name";
		if (strchr(a->type, '!'))
			writes = 1;
	}
	if (!s->n_returns && !writes)
		return "it returns nothing and writes no tensor: it acts outside the tensors";
	return NULL;
}
