/*
 * headertest: irx.h compiles as strict C99 (built with -std=c99 -pedantic
 * -Werror) and links; the version macros agree with the library; every
 * option struct has an initializer, in C99 and in C++17.  (Each header
 * alone, as C99 and as C++17, is compiled by the tests/unit/headers.stamp
 * rule, and so is this file as C++.)  Output is TAP.
 */
#include <stdio.h>
#include <string.h>

#include <irx.h>

/* irx.h is libirx's API: libirx-torch's headers are not part of it. */
#if defined(IRX_EXEC_H) || defined(IRX_TORCH_H)
#error "irx.h includes irx/exec.h or irx/torch.h"
#endif

/* Only its initializer is used: nothing of libirx-torch is linked. */
#include <irx/exec.h>

#if IRX_VERSION_NUMBER != IRX_VERSION_MAJOR * 10000 + IRX_VERSION_MINOR * 100 + IRX_VERSION_PATCH
#error "IRX_VERSION_NUMBER"
#endif

int main(void)
{
	irx_convert_options c = IRX_CONVERT_OPTIONS_INIT;
	irx_export_options e = IRX_EXPORT_OPTIONS_INIT;
	irx_tensors_options t = IRX_TENSORS_OPTIONS_INIT;
	irx_exec_options x = IRX_EXEC_OPTIONS_INIT;
	int same = !strcmp(irx_version(), IRX_VERSION_STRING);

	(void)c, (void)e, (void)t, (void)x;
	printf("1..1\n%s 1 - irx_version() is IRX_VERSION_STRING (%s)\n", same ? "ok" : "not ok",
	       IRX_VERSION_STRING);
	return same ? 0 : 1;
}
