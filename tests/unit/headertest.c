/*
 * headertest: the public headers compile on their own, as strict C99
 * (built with -std=c99 -pedantic -Werror), and the library links.
 */
#include <irx.h>

int main(void)
{
	return irx_version()[0] ? 0 : 1;
}
