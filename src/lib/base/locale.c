/*
 * locale.c: the "C" locale that numbers are read and written in.
 */
#include <config.h>

#include "base/base.h"

locale_t base_c_locale(void)
{
	static locale_t c;
	locale_t l = __atomic_load_n(&c, __ATOMIC_ACQUIRE), fresh;

	if (l)
		return l;
	fresh = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	l = NULL;
	if (!__atomic_compare_exchange_n(&c, &l, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		freelocale(fresh); /* another thread won */
		return l;
	}
	return fresh;
}
