/*
 * irx/common.h: export macros, C++ guards and the library version.
 *
 * Every public header includes this one.  Public functions are marked
 * IRX_API; everything else in libirx is hidden.  libirx(3) describes the
 * conventions every header follows.
 */
#ifndef IRX_COMMON_H
#define IRX_COMMON_H

#include "irx/version.h"

#ifdef __cplusplus
#define IRX_BEGIN_DECLS extern "C" {
#define IRX_END_DECLS }
#else
#define IRX_BEGIN_DECLS
#define IRX_END_DECLS
#endif

#if defined(__GNUC__)
#define IRX_API __attribute__((visibility("default")))
#else
#define IRX_API
#endif

IRX_BEGIN_DECLS

/** The running library's version, e.g. "0.1.0" (static storage); the
 * headers' is IRX_VERSION_STRING. */
IRX_API const char *irx_version(void);

/**
 * Free new memory that libirx handed to the caller through a `char **` or
 * `void **`.  Ownership words in the header comments (libirx(3)): new (the
 * caller frees it, with the named _free function or irx_free()), borrowed
 * (valid while its owner lives; not freed by the caller), takes (the
 * callee takes the caller's reference, on failure too).
 */
IRX_API void irx_free(void *p);

IRX_END_DECLS

#endif
