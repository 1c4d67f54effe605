/*
 * fold.c: repeated, structurally identical blocks of an IR.
 */
#include <config.h>

#include "show/show.h"

int show_fold(const json_t *ir, json_t **out, irx_error *err)
{
	(void)ir;
	*out = NULL;
	return irx_error_set(err, IRX_EUNSUPPORTED, "--fold is not implemented yet");
}

void show_fold_text(FILE *f, const json_t *blocks)
{
	(void)f;
	(void)blocks;
}
