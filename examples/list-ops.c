/*
 * list-ops: libirx from C.  Open a .pt2 archive, convert its program to the
 * IR in memory, and print each operator with how often it occurs:
 *
 *   cc list-ops.c $(pkg-config --cflags --libs irx) -o list-ops
 *   ./list-ops examples/resnet18.pt2
 */
#include <stdio.h>
#include <irx.h>

int main(int argc, char **argv)
{
	irx_error err = {0};
	irx_archive *archive = NULL;
	json_t *program = NULL, *ir = NULL, *counts, *node, *n;
	const char *op;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ARCHIVE.pt2\n", argv[0]);
		return 64;
	}
	if (irx_archive_open(&archive, argv[1], &err) ||
	    irx_program_export(&program, archive, NULL, &err) ||
	    irx_convert(&ir, program, NULL, &err)) {
		fprintf(stderr, "%s: %s%s%s\n", err.source[0] ? err.source : argv[1], err.where,
			err.where[0] ? ": " : "", err.text);
		irx_archive_free(archive);
		json_decref(program);
		return 2;
	}
	counts = json_object();
	json_array_foreach(json_object_get(ir, "nodes"), i, node) {
		op = json_string_value(json_object_get(node, "op_type"));
		n = json_object_get(counts, op);
		json_object_set_new(counts, op, json_integer(n ? json_integer_value(n) + 1 : 1));
	}
	printf("%s: %zu nodes\n", json_string_value(json_object_get(ir, "model_name")),
	       json_array_size(json_object_get(ir, "nodes")));
	json_object_foreach(counts, op, n)
		printf("%6lld  %s\n", (long long)json_integer_value(n), op);
	json_decref(counts);
	json_decref(ir);
	json_decref(program);
	irx_archive_free(archive);
	return 0;
}
