/*
 * irx/archive.h: what a PyTorch zip file is, and where its parts are.
 *
 * Recognises both torch.export layouts (legacy flat zip, torch 2.1-2.7;
 * PT2 archive with a prefix folder, torch >= 2.8), and names everything
 * else that people call .pt2 or .pt (AOTInductor packages, TorchScript,
 * torch.save checkpoints) so that a tool can say what the file is.
 */
#ifndef IRX_ARCHIVE_H
#define IRX_ARCHIVE_H

#include "irx/zip.h"

IRX_BEGIN_DECLS

enum irx_archive_kind {
	IRX_ARCHIVE_UNKNOWN = 0,      /* a zip, but not one torch writes */
	IRX_ARCHIVE_PT2_LEGACY,       /* torch.export.save, torch 2.1-2.7 */
	IRX_ARCHIVE_PT2,              /* torch.export.save, torch >= 2.8 */
	IRX_ARCHIVE_AOTI,             /* AOTInductor package: compiled code only */
	IRX_ARCHIVE_TORCHSCRIPT,      /* torch.jit.save */
	IRX_ARCHIVE_TORCHSCRIPT_LITE, /* _save_for_lite_interpreter (.ptl) */
	IRX_ARCHIVE_TORCH_SAVE,       /* torch.save (state dict, tensors) */
};

typedef struct irx_archive irx_archive;

/**
 * Open PATH ("-" for stdin) and classify it.  A file that is not a zip is
 * an error that says what it looks like (for example a torch.save file in
 * the pre-1.6 format).  @param out new archive; free with irx_archive_free().
 */
IRX_API irx_status irx_archive_open(irx_archive **out, const char *path, irx_error *err);
/** Like irx_archive_open(), from BLOB, which it takes (freed with the
 * archive, or at once on failure). */
IRX_API irx_status irx_archive_open_blob(irx_archive **out, irx_blob *blob, irx_error *err);
IRX_API void irx_archive_free(irx_archive *a);

IRX_API enum irx_archive_kind irx_archive_kind(const irx_archive *a);
/** "pt2-legacy", "pt2", "aoti", "torchscript", ... */
IRX_API const char *irx_archive_kind_name(enum irx_archive_kind kind);
/** The entry-name prefix ("mlp/" for PT2 archives, "" for legacy). */
IRX_API const char *irx_archive_prefix(const irx_archive *a);
/** The container version text ("0", "8.2", "2"), or NULL. */
IRX_API const char *irx_archive_version(const irx_archive *a);
IRX_API const irx_zip *irx_archive_zip(const irx_archive *a);
/** The archive's bytes; borrowed. */
IRX_API const irx_blob *irx_archive_blob(const irx_archive *a);
IRX_API const char *irx_archive_path(const irx_archive *a);

/** Programs in the archive: "model" for torch.export.save. */
IRX_API size_t irx_archive_n_models(const irx_archive *a);
IRX_API const char *irx_archive_model(const irx_archive *a, size_t i);

/**
 * Fail, unless the archive holds an exported program, with a message that
 * says what the file is and what to do instead.
 */
IRX_API irx_status irx_archive_require_program(const irx_archive *a, irx_error *err);

IRX_END_DECLS

#endif
