/* unit.h: what every CMocka unit test includes. */
#include <config.h>
#ifndef IRX_UNIT_H
#define IRX_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>
#include <unistd.h>

#include "irx.h"

/* A file under the source tree's tests/fixtures. */
static inline const char *fixture(const char *rel)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", IRX_SRCDIR, rel);
	return path;
}

/* Export and normalize a fixture archive; fails the test on error. */
static inline json_t *export_fixture(const char *rel)
{
	irx_archive *a = NULL;
	irx_error err = {0};
	json_t *doc = NULL;

	if (irx_archive_open(&a, fixture(rel), &err) || irx_program_export(&doc, a, NULL, &err))
		fail_msg("%s: %s: %s", rel, err.where, err.text);
	irx_archive_free(a);
	return doc;
}

/* Normalize a program JSON given as text. */
static inline int normalize_text(const char *text, json_t **out, irx_error *err)
{
	return irx_program_normalize(out, (const uint8_t *)text, strlen(text), NULL, err);
}

#endif
