/*
 * open.c: open any tensor file as a set of tensors.
 *
 * Which reader runs is decided by content, never by the file name: a zip
 * is torch.save or a .pt2 archive, eight bytes of header length and a '{'
 * is safetensors.
 */
#include <config.h>

#include "tensor/tensor.h"

static int open_archive(irx_tensors *t, const irx_archive *a, const irx_tensors_options *o,
			irx_error *err)
{
	switch (irx_archive_kind(a)) {
	case IRX_ARCHIVE_TORCH_SAVE:
		t->format = IRX_TENSORS_TORCH_SAVE;
		return tensor_read_torch_save(t, irx_archive_zip(a), err);
	case IRX_ARCHIVE_PT2_LEGACY:
	case IRX_ARCHIVE_PT2:
		t->format = IRX_TENSORS_PT2;
		t->container = "dict";
		return tensor_read_pt2(t, a, o && o->model ? o->model : NULL, o && o->constants,
				       err);
	case IRX_ARCHIVE_TORCHSCRIPT:
	case IRX_ARCHIVE_TORCHSCRIPT_LITE:
		t->format = IRX_TENSORS_TORCHSCRIPT;
		return tensor_read_torchscript(t, a, NULL, err);
	case IRX_ARCHIVE_AOTI:
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "an AOTInductor package, not a tensor file");
	default:
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "a zip archive that holds no tensors irx knows (no data.pkl, "
				     "no exported program)");
	}
}

irx_status irx_tensors_open_archive(irx_tensors **out, const irx_archive *a,
				    const irx_tensors_options *o, irx_error *err)
{
	irx_tensors *t = tensor_set_new(o);
	int rc;

	*out = NULL;
	base_source(err, irx_archive_path(a));
	if (!t)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	t->root = irx_archive_blob(a);
	if ((rc = open_archive(t, a, o, err)) || (rc = tensor_set_index(t, err))) {
		irx_tensors_free(t);
		return rc;
	}
	*out = t;
	return IRX_OK;
}

static int is_safetensors(const uint8_t *d, size_t n)
{
	uint64_t hlen = 0;

	if (n < 9)
		return 0;
	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | d[i];
	return d[8] == '{' && hlen >= 2;
}

irx_status irx_tensors_open_blob(irx_tensors **out, irx_blob *blob, const irx_tensors_options *o,
				 irx_error *err)
{
	const uint8_t *d = irx_blob_data(blob);
	size_t n = irx_blob_size(blob);
	irx_tensors *t;
	int rc;

	*out = NULL;
	base_source(err, irx_blob_name(blob));
	if (!(t = tensor_set_new(o))) {
		irx_blob_free(blob);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	if (n >= 2 && d[0] == 'P' && d[1] == 'K') {
		if (!(rc = irx_archive_open_blob(&t->archive, blob, err))) {
			t->root = irx_archive_blob(t->archive);
			rc = open_archive(t, t->archive, o, err);
		}
	} else {
		t->root = t->blob = blob;
		if (is_safetensors(d, n)) {
			t->format = IRX_TENSORS_SAFETENSORS;
			t->container = "dict";
			rc = tensor_read_safetensors(t, blob, err);
		} else if (n >= 2 && d[0] == 0x80 && d[1] >= 2 && d[1] <= 5) {
			rc = irx_error_set(
				err, IRX_EUNSUPPORTED,
				"a torch.save file in the pre-1.6 format (a bare pickle, not a "
				"zip): load it in Python and save it again with torch.save "
				"(torch >= 1.6 writes the zip format irx reads)");
		} else {
			rc = irx_error_set(
				err, IRX_EUNSUPPORTED,
				"not a tensor file (not a torch.save zip, a safetensors file "
				"or a .pt2 archive)");
		}
	}
	if (rc || (rc = tensor_set_index(t, err))) {
		irx_tensors_free(t);
		return rc;
	}
	*out = t;
	return IRX_OK;
}

irx_status irx_tensors_open(irx_tensors **out, const char *path, const irx_tensors_options *o,
			    irx_error *err)
{
	irx_blob *b;
	int rc;

	*out = NULL;
	if ((rc = irx_blob_open(&b, path, err)))
		return rc;
	return irx_tensors_open_blob(out, b, o, err);
}
