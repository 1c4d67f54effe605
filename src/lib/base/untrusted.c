/*
 * untrusted.c: what libirx accepts from files it does not trust, in one
 * place: how much it reads into memory, and which names it takes.
 *
 * A regular file is mapped and costs nothing until touched, so it needs no
 * bound.  Two reads allocate what the file asks for: a pipe or FIFO read
 * whole into memory, and a deflated zip entry inflated whole.  Each is
 * bounded by a limit: set by the caller (irx_limit_set), else by the
 * environment (IRX_MAX_STDIN, IRX_MAX_INFLATE; the tools have no option
 * of their own, so every tool is configured the same way), else the
 * default in irx/blob.h.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irx/blob.h"
#include "base/base.h"

static const struct {
	const char *env;
	uint64_t fallback;
} limit_defs[] = {
	[IRX_LIMIT_INFLATE] = {"IRX_MAX_INFLATE", IRX_DEFAULT_MAX_INFLATE},
	[IRX_LIMIT_STREAM] = {"IRX_MAX_STDIN", IRX_DEFAULT_MAX_STDIN},
};

static uint64_t limit_set[2];

void irx_limit_set(enum irx_limit which, uint64_t bytes)
{
	if ((unsigned)which < 2)
		limit_set[which] = bytes;
}

/* "1048576", "512K", "64M", "2G", "1T" (powers of 1024); 0 on error. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (*end || (v << shift) >> shift != v)
		return 0;
	return (uint64_t)v << shift;
}

int base_limit(enum irx_limit which, uint64_t *out, irx_error *err)
{
	const char *env = getenv(limit_defs[which].env);

	if (limit_set[which]) {
		*out = limit_set[which];
	} else if (env) {
		if (!(*out = parse_size(env)))
			return irx_error_set(
				err, IRX_EINVAL,
				"%s='%.40s' is not a size (a positive number of bytes, "
				"or with K, M, G or T)",
				limit_defs[which].env, env);
	} else {
		*out = limit_defs[which].fallback;
	}
	return IRX_OK;
}

const char *base_limit_env(enum irx_limit which) { return limit_defs[which].env; }

/*
 * A name is printed, compared and used as a C string: a NUL would end it
 * early for one reader and not another, and other control characters
 * print as something they are not.  The name is quoted with those shown
 * as '?', cut after 80 bytes.
 */
int base_check_name(const char *what, const char *name, size_t len, irx_error *err)
{
	char shown[84];
	size_t i, n;

	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] == 0x7f)
			break;
	if (i == len)
		return IRX_OK;
	for (n = 0; n < len && n < 80; n++)
		shown[n] = (unsigned char)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n];
	shown[n] = '\0';
	return irx_error_set(err, IRX_EFORMAT,
			     "%s '%s%s' holds control character 0x%02x at byte %zu", what, shown,
			     len > n ? "..." : "", (unsigned char)name[i], i);
}
