/*
 * blob.c: map a file, or read a stream, into one contiguous byte range.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irx/blob.h"
#include "base/base.h"

enum blob_kind { BLOB_MAPPED, BLOB_HEAP, BLOB_BORROWED };

struct irx_blob {
	const uint8_t *data;
	size_t size;
	enum blob_kind kind;
	char *name;
};

/*
 * A pipe or FIFO read whole into memory, at most the stream limit: the
 * buffer never grows past limit + 1 bytes, and holding that many means
 * the input is too large.
 */
static int read_stream(int fd, uint8_t **out, size_t *outlen, irx_error *err)
{
	size_t cap = 1 << 16, len = 0;
	uint64_t limit;
	uint8_t *buf, *nbuf;
	ssize_t n;
	int rc;

	if ((rc = base_limit(IRX_LIMIT_STREAM, &limit, err)))
		return rc;
	if (limit >= SIZE_MAX)
		limit = SIZE_MAX - 1;
	if (!(buf = malloc(cap)))
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate input buffer");
	for (;;) {
		if (len > limit) {
			free(buf);
			return irx_error_set(
				err, IRX_EFORMAT,
				"input from a pipe or other non-regular file is larger than "
				"the limit of %llu bytes (%s raises it)",
				(unsigned long long)limit, base_limit_env(IRX_LIMIT_STREAM));
		}
		if (len == cap) {
			size_t ncap = cap > (limit + 1) / 2 ? (size_t)limit + 1 : cap * 2;
			if (!(nbuf = realloc(buf, ncap))) {
				free(buf);
				return irx_error_set(err, IRX_ENOMEM, "input too large for memory");
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return irx_error_set(err, IRX_EIO, "cannot read: %s", strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	return IRX_OK;
}

static int blob_new(irx_blob **out, const char *name, irx_error *err)
{
	irx_blob *b = calloc(1, sizeof(*b));

	if (!b || !(b->name = strdup(name))) {
		free(b);
		return irx_error_set(err, IRX_ENOMEM, "cannot allocate blob");
	}
	*out = b;
	return IRX_OK;
}

irx_status irx_blob_open(irx_blob **out, const char *path, irx_error *err)
{
	irx_blob *b = NULL;
	struct stat st;
	int fd, rc;

	*out = NULL;
	base_source(err, path);
	if ((rc = blob_new(&b, path, err)))
		return rc;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = irx_error_set(err, IRX_EIO, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		rc = irx_error_set(err, IRX_EIO, "cannot stat: %s", strerror(errno));
		goto fail_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = irx_error_set(err, IRX_EIO, "is a directory, not a file");
		goto fail_fd;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		/* Private and writable: pages are shared with the page cache until
		 * written, and a write (an operator updating a tensor in place)
		 * goes to a private copy, never to the file. */
		void *p =
			mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			rc = irx_error_set(err, IRX_EIO, "cannot map: %s", strerror(errno));
			goto fail_fd;
		}
		b->data = p;
		b->size = (size_t)st.st_size;
		b->kind = BLOB_MAPPED;
	} else {
		uint8_t *buf = NULL;
		if ((rc = read_stream(fd, &buf, &b->size, err)))
			goto fail_fd;
		b->data = buf;
		b->kind = BLOB_HEAP;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	*out = b;
	return IRX_OK;
fail_fd:
	if (fd != STDIN_FILENO)
		close(fd);
fail:
	irx_blob_free(b);
	return rc;
}

irx_status irx_blob_wrap(irx_blob **out, const void *data, size_t size, const char *name,
			 irx_error *err)
{
	int rc = blob_new(out, name ? name : "(memory)", err);

	if (rc)
		return rc;
	(*out)->data = data;
	(*out)->size = size;
	(*out)->kind = BLOB_BORROWED;
	return IRX_OK;
}

const uint8_t *irx_blob_data(const irx_blob *b) { return b->data; }
size_t irx_blob_size(const irx_blob *b) { return b->size; }
const char *irx_blob_name(const irx_blob *b) { return b->name; }

void irx_blob_release(const irx_blob *b, const void *p, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo = (uintptr_t)p, hi = lo + n;
	uintptr_t start = (uintptr_t)b->data, end = start + b->size;

	if (b->kind != BLOB_MAPPED || lo < start || hi > end || hi < lo)
		return;
	lo = (lo + page - 1) & ~(page - 1); /* whole pages inside the range only */
	hi &= ~(page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void irx_blob_free(irx_blob *b)
{
	if (!b)
		return;
	if (b->kind == BLOB_MAPPED)
		munmap((void *)b->data, b->size);
	else if (b->kind == BLOB_HEAP)
		free((void *)b->data);
	free(b->name);
	free(b);
}
