/*
 * explorer.c: an IR as Model Explorer's graph JSON (a GraphCollection).
 */
#include <config.h>

#include "show/show.h"

int show_explorer(FILE *f, const json_t *ir, const irx_view_options *o, irx_error *err)
{
	(void)f, (void)ir, (void)o;
	return irx_error_set(err, IRX_EUNSUPPORTED, "--format=model-explorer is not implemented yet");
}
