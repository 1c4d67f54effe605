/*
 * json-pool.c: the allocator the tools give jansson.
 *
 * A program or an IR is a tree of about a million small jansson values
 * (a Llama-70B-config program makes 1.5 million allocations), built once
 * and freed once.  Under glibc's malloc, half of irx-convert's time went
 * to the allocator and to page faults on its small heap steps
 * (bench/RESULTS.md).  Here small blocks come from free lists by size
 * class, carved from 2 MiB chunks that the kernel may back with huge pages
 * (one fault per chunk instead of 512); a block's class is in the 8 bytes
 * before it.  Blocks freed are reused by later blocks of their class,
 * chunks are never returned: the tools are short processes.
 *
 * It is installed before the first jansson value exists (tool_init) and
 * replaces malloc for jansson only, so memory jansson hands out
 * (json_dumps) is released with jansson's free function, never free().
 * Not thread-safe: the tools touch jansson from one thread.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "common.h"

#define HEADER 8 /* the class; jansson needs no more than 8-byte alignment */
#define STEP 8
#define CLASSES 128 /* blocks of up to 1 KiB; larger ones go to malloc */
#define CHUNK ((size_t)2 << 20)
#define LARGE 0

static void *free_list[CLASSES + 1];
static char *next, *limit;

/* A 2 MiB chunk aligned to 2 MiB, so that it can be one huge page. */
static int new_chunk(void)
{
	char *m = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return -1;
	char *a = (char *)(((uintptr_t)m + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
	if (a > m)
		munmap(m, (size_t)(a - m));
	munmap(a + CHUNK, (size_t)(m + 2 * CHUNK - (a + CHUNK)));
	madvise(a, CHUNK, MADV_HUGEPAGE); /* advice: refused or ignored is fine */
	next = a;
	limit = a + CHUNK;
	return 0;
}

static void *pool_malloc(size_t n)
{
	size_t c = n ? (n + STEP - 1) / STEP : 1;
	uint64_t *h;

	if (c > CLASSES) {
		if (n > SIZE_MAX - HEADER || !(h = malloc(HEADER + n)))
			return NULL;
		*h = LARGE;
		return h + 1;
	}
	if (free_list[c]) {
		void *p = free_list[c];
		free_list[c] = *(void **)p;
		return p;
	}
	if ((size_t)(limit - next) < HEADER + c * STEP && new_chunk())
		return NULL;
	h = (uint64_t *)next;
	next += HEADER + c * STEP;
	*h = c;
	return h + 1;
}

static void pool_free(void *p)
{
	if (!p)
		return;
	uint64_t *h = (uint64_t *)p - 1;
	if (*h == LARGE) {
		free(h);
		return;
	}
	*(void **)p = free_list[*h];
	free_list[*h] = p;
}

void tool_json_pool(void)
{
	/* Under AddressSanitizer every block stays malloc's, where it is
	 * watched. */
#ifdef __SANITIZE_ADDRESS__
	(void)pool_malloc, (void)pool_free;
#else
	json_set_alloc_funcs(pool_malloc, pool_free);
#endif
}
