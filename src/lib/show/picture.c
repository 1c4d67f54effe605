/*
 * picture.c: an IR as a picture (graphviz dot, mermaid, Model Explorer).
 */
#include <config.h>

#include "irx/view.h"
#include "show/show.h"

enum irx_status irx_dump_picture(FILE *f, const json_t *ir, const irx_view_options *opts,
				 enum irx_picture_format fmt, irx_error *err)
{
	(void)f, (void)ir, (void)opts, (void)fmt;
	return irx_error_set(err, IRX_EUNSUPPORTED, "pictures are not implemented yet");
}
