/*
 * error.c: filling the caller's irx_error record.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

const char *irx_version(void) { return PACKAGE_VERSION; }

void irx_free(void *p) { free(p); }

const char *irx_status_str(irx_status code)
{
	switch (code) {
	case IRX_OK: return "success";
	case IRX_EINVAL: return "invalid argument";
	case IRX_ENOMEM: return "out of memory";
	case IRX_EIO: return "input/output error";
	case IRX_EFORMAT: return "malformed input";
	case IRX_EUNSUPPORTED: return "unsupported input";
	case IRX_EMISMATCH: return "mismatch";
	}
	return "unknown error";
}

void irx_error_clear(irx_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

irx_status base_write_status(FILE *f, irx_error *err)
{
	return ferror(f) ? irx_error_set(err, IRX_EIO, "cannot write") : IRX_OK;
}

irx_status irx_error_vset(irx_error *e, irx_status code, const char *fmt, va_list ap)
{
	if (e && !e->code) {
		e->code = code;
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
	}
	return code;
}

irx_status irx_error_set(irx_error *e, irx_status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	irx_error_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void base_where(irx_error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->where[0])
		return;
	va_start(ap, fmt);
	vsnprintf(e->where, sizeof(e->where), fmt, ap);
	va_end(ap);
}

void base_where_prefix(irx_error *e, const char *fmt, ...)
{
	char head[sizeof(e->where)], old[sizeof(e->where)];
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->where, sizeof(old));
	if (old[0])
		snprintf(e->where, sizeof(e->where), "%s: %s", head, old);
	else
		snprintf(e->where, sizeof(e->where), "%s", head);
}

void base_source(irx_error *e, const char *source)
{
	if (e && !e->source[0] && source)
		snprintf(e->source, sizeof(e->source), "%s", source);
}

/* Paths grow on every array element and object key of a document, so
 * they are built with memcpy, not printf. */
size_t base_path_key(struct base_path *p, const char *key)
{
	size_t mark = p->len, room = sizeof(p->buf) - 1 - p->len, n = strlen(key);

	if (room == 0)
		return mark;
	p->buf[p->len++] = '/';
	if (n > room - 1)
		n = room - 1;
	memcpy(p->buf + p->len, key, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return mark;
}

size_t base_path_index(struct base_path *p, size_t i)
{
	char num[24], *d = num + sizeof(num) - 1;

	*d = '\0';
	do
		*--d = (char)('0' + i % 10);
	while (i /= 10);
	return base_path_key(p, d);
}

void base_path_pop(struct base_path *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

void base_warn(irx_warn_fn fn, void *ctx, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(ctx, msg);
}
