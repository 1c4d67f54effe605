/*
 * convert-archive.c: an archive's program to the IR's JSON text, one node
 * at a time.
 *
 * Through the documents (irx_program_export, then irx_convert, then
 * irx_json_write), the parsed program, the normalized program and the IR
 * are all in memory at once: about seven times the program's JSON for a
 * large model.  Here each top-graph node is parsed, normalized, converted
 * and written before the next one is read; only the rest of the program
 * (its tensor values, signature, weights) is held as values, and the
 * nodes' text until the IR's other members, which the nodes decide
 * (graph_outputs names their producers), can be written before it.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "irx/convert.h"
#include "graph/graph.h"

/*
 * The nodes' text (4.7 MB for a Llama-70B program), in memory mapped for
 * it: it grows by mremap (no copy), is not cleared first (open_memstream
 * copies and zeroes the whole buffer each time it doubles: a fifth of the
 * run), and asks for huge pages, since a page fault for each 4 KiB of it
 * was a tenth of the run.
 */
#define TEXT_STEP ((size_t)2 << 20) /* a huge page */

struct text {
	char *p;
	size_t len, cap;
};

static ssize_t text_write(void *cookie, const char *buf, size_t n)
{
	struct text *t = cookie;

	if (t->cap - t->len < n) {
		size_t cap = t->cap ? t->cap : TEXT_STEP;
		while (cap - t->len < n)
			if (__builtin_mul_overflow(cap, 2, &cap)) {
				errno = ENOMEM;
				return -1;
			}
		void *p = t->p ? mremap(t->p, t->cap, cap, MREMAP_MAYMOVE)
			       : mmap(NULL, cap, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		madvise(p, cap, MADV_HUGEPAGE); /* advice: refused or ignored is fine */
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, buf, n);
	t->len += n;
	return (ssize_t)n;
}

irx_status irx_convert_archive_write(FILE *f, const irx_archive *a, const irx_export_options *eo,
				     const irx_convert_options *co, unsigned flags, irx_error *err)
{
	struct graph_program *p;
	struct graph_conv *c = NULL;
	struct text text = {0};
	size_t n = 0;
	FILE *nodes = NULL;
	json_t *node, *converted;
	int rc;

	if ((rc = graph_program_export_open(&p, a, eo, err)))
		return rc;
	if ((rc = graph_convert_begin(&c, graph_program_doc(p), co, err)))
		goto out;
	if (!(nodes = fopencookie(&text, "w", (cookie_io_functions_t){.write = text_write}))) {
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
		goto out;
	}
	setvbuf(nodes, NULL, _IOFBF, (size_t)1 << 16);
	while (!(rc = graph_program_node(p, &node)) && node) {
		rc = graph_convert_node(c, node, &converted);
		json_decref(node);
		if (rc)
			goto out;
		fmt_json_write_element(nodes, converted, flags, 1, n++);
		json_decref(converted);
	}
	if (rc || (rc = graph_convert_end(c)))
		goto out;
	if (ferror(nodes) | fclose(nodes)) {
		nodes = NULL;
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
		goto out;
	}
	nodes = NULL;
	json_t *ir = graph_convert_ir(c);
	struct fmt_json_splice sp = {json_object_get(ir, "nodes"), text.p, text.len, n};
	rc = fmt_json_write_spliced(f, ir, &sp, flags, err);
out:
	if (nodes)
		fclose(nodes);
	if (text.p)
		munmap(text.p, text.cap);
	graph_convert_free(c);
	graph_program_free(p);
	return rc;
}
