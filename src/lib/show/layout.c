/*
 * layout.c: strides of the IR's values, followed through view operators as
 * ATen computes them, so that the activation peak knows, like irx-exec
 * --memory measuring libtorch's storages, which outputs share their
 * input's storage (a view; reshape and contiguous when no copy is needed)
 * and which have one of their own.
 */
#include <config.h>

#include <string.h>

#include "show/show.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t attr_int(const json_t *node, const char *name, int64_t dflt)
{
	const json_t *v = json_object_get(json_object_get(node, "attrs"), name);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int show_shape(const json_t *meta, struct show_layout *l)
{
	const json_t *sh = json_object_get(meta, "shape"), *d;
	size_t i;

	l->nd = 0;
	if (!json_is_array(sh) || json_array_size(sh) > SHOW_MAXD)
		return -1;
	json_array_foreach(sh, i, d) {
		if (!json_is_integer(d) || json_integer_value(d) < 0)
			return -1;
		l->size[l->nd++] = json_integer_value(d);
	}
	return 0;
}

static void contiguous(struct show_layout *l)
{
	int64_t s = 1;

	for (int d = l->nd - 1; d >= 0; d--) {
		l->stride[d] = s;
		s *= l->size[d] > 1 ? l->size[d] : 1;
	}
}

void show_layout_of(const json_t *meta, struct show_layout *l)
{
	if (show_shape(meta, l))
		l->nd = 0;
	contiguous(l);
}

/* c10's is_contiguous: size-1 dimensions have any stride. */
static int is_contiguous(const struct show_layout *l)
{
	int64_t want = 1;

	for (int d = l->nd - 1; d >= 0; d--) {
		if (l->size[d] == 0)
			return 1;
		if (l->size[d] != 1) {
			if (l->stride[d] != want)
				return 0;
			want *= l->size[d];
		}
	}
	return 1;
}

/* ATen's computeStride (TensorUtils.cpp): the strides of a view of OLD
 * with NEW's sizes, or -1 when it needs a copy. */
static int compute_stride(const struct show_layout *old, struct show_layout *nw)
{
	int64_t numel = 1;

	for (int d = 0; d < old->nd; d++)
		numel *= old->size[d];
	if (!old->nd || !numel) {
		contiguous(nw);
		return 0;
	}
	int view_d = nw->nd - 1;
	int64_t chunk = old->stride[old->nd - 1], tn = 1, vn = 1;
	for (int td = old->nd - 1; td >= 0; td--) {
		tn *= old->size[td];
		if (td == 0 || (old->size[td - 1] != 1 && old->stride[td - 1] != tn * chunk)) {
			while (view_d >= 0 && (vn < tn || nw->size[view_d] == 1)) {
				nw->stride[view_d] = vn * chunk;
				vn *= nw->size[view_d];
				view_d--;
			}
			if (vn != tn)
				return -1;
			if (td > 0) {
				chunk = old->stride[td - 1];
				tn = vn = 1;
			}
		}
	}
	return view_d == -1 ? 0 : -1;
}

static int wrap(int64_t d, int nd)
{
	if (d < 0)
		d += nd;
	return d < 0 ? 0 : d >= nd ? (nd ? nd - 1 : 0) : (int)d;
}

static int base_is(const char *op, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(op, name, n) && (op[n] == '.' || !op[n]);
}

int show_view_layout(const json_t *node, size_t k, const struct show_layout *src,
		     struct show_layout *out)
{
	const char *op = str(node, "op_type") ? str(node, "op_type") : "";
	const json_t *meta = json_array_get(json_object_get(node, "outputs"), k);
	const json_t *in0 = json_array_get(json_object_get(node, "inputs"), 0);

	if (show_shape(meta, out) || !src) {
		show_layout_of(meta, out);
		return 0;
	}
	if (base_is(op, "aten.view") || base_is(op, "aten._unsafe_view") ||
	    base_is(op, "aten.view_as") || base_is(op, "aten.alias") ||
	    base_is(op, "aten.detach") || base_is(op, "aten.lift_fresh_copy") ||
	    base_is(op, "aten.dropout") || base_is(op, "aten.feature_dropout")) {
		if (compute_stride(src, out))
			contiguous(out); /* a view that ATen would refuse: keep going */
		return 1;
	}
	if (base_is(op, "aten.reshape") || base_is(op, "aten.flatten") ||
	    base_is(op, "aten.unflatten"))
		return compute_stride(src, out) ? (contiguous(out), 0) : 1;
	if (base_is(op, "aten.contiguous")) {
		*out = *src;
		return is_contiguous(src) ? 1 : (contiguous(out), 0);
	}
	if (base_is(op, "aten.to") || base_is(op, "aten.type_as")) {
		/* to() returns self when nothing changes */
		const char *a = str(in0, "dtype"), *b = str(meta, "dtype");
		if (a && b && !strcmp(a, b) &&
		    !json_is_true(json_object_get(json_object_get(node, "attrs"), "copy"))) {
			*out = *src;
			return 1;
		}
		contiguous(out);
		return 0;
	}
	if (base_is(op, "aten.transpose") || base_is(op, "aten.t")) {
		int a = base_is(op, "aten.t") ? 0 : wrap(attr_int(node, "dim0", 0), src->nd);
		int b = base_is(op, "aten.t") ? (src->nd > 1)
					      : wrap(attr_int(node, "dim1", 1), src->nd);
		*out = *src;
		out->size[a] = src->size[b], out->stride[a] = src->stride[b];
		out->size[b] = src->size[a], out->stride[b] = src->stride[a];
		return 1;
	}
	if (base_is(op, "aten.permute")) {
		const json_t *dims = json_object_get(json_object_get(node, "attrs"), "dims"), *d;
		size_t i;
		if (json_array_size(dims) != (size_t)src->nd)
			return contiguous(out), 1;
		json_array_foreach(dims, i, d) {
			int s = wrap(json_integer_value(d), src->nd);
			out->stride[i] = src->stride[s];
		}
		return 1;
	}
	if (base_is(op, "aten.unsqueeze")) {
		int d = (int)attr_int(node, "dim", 0);
		if (d < 0)
			d += src->nd + 1;
		if (d < 0 || d > src->nd || out->nd != src->nd + 1)
			return contiguous(out), 1;
		for (int i = 0, j = 0; i < out->nd; i++)
			out->stride[i] = i == d ? (d < src->nd ? src->size[d] * src->stride[d] : 1)
						: src->stride[j++];
		return 1;
	}
	if (base_is(op, "aten.squeeze")) {
		/* drop size-1 dimensions of SRC until the ranks agree */
		int drop = src->nd - out->nd;
		for (int i = 0, j = 0; i < src->nd && j < out->nd; i++) {
			if (drop > 0 && src->size[i] == 1 &&
			    (src->size[i] != out->size[j] || src->nd - i > out->nd - j)) {
				drop--;
				continue;
			}
			out->stride[j++] = src->stride[i];
		}
		return 1;
	}
	if (base_is(op, "aten.expand") || base_is(op, "aten.expand_as")) {
		int lead = out->nd - src->nd;
		for (int i = 0; i < out->nd; i++) {
			int j = i - lead;
			out->stride[i] = j < 0 || (src->size[j] == 1 && out->size[i] != 1)
						 ? 0
						 : src->stride[j];
		}
		return 1;
	}
	if (base_is(op, "aten.slice") || base_is(op, "aten.narrow") || base_is(op, "aten.split") ||
	    base_is(op, "aten.split_with_sizes") || base_is(op, "aten.chunk")) {
		int d = wrap(attr_int(node, "dim", 0), src->nd);
		int64_t step = base_is(op, "aten.slice") ? attr_int(node, "step", 1) : 1;
		if (out->nd != src->nd)
			return contiguous(out), 1;
		for (int i = 0; i < out->nd; i++)
			out->stride[i] = src->stride[i] * (i == d ? step : 1);
		return 1;
	}
	if (base_is(op, "aten.select") || base_is(op, "aten.unbind")) {
		int d = wrap(attr_int(node, "dim", 0), src->nd);
		if (out->nd != src->nd - 1)
			return contiguous(out), 1;
		for (int i = 0, j = 0; i < src->nd; i++)
			if (i != d)
				out->stride[j++] = src->stride[i];
		return 1;
	}
	if (show_is_view(op)) { /* other views: strides not followed */
		contiguous(out);
		out->stride[out->nd ? out->nd - 1 : 0] = out->nd ? 0 : 1; /* not contiguous */
		return 1;
	}
	contiguous(out);
	return 0;
}

uint64_t show_storage_bytes(const json_t *node, size_t k, const json_t *meta)
{
	const char *op = str(node, "op_type") ? str(node, "op_type") : "";

	/* ATen's CPU batch norm in inference returns empty save_mean and
	 * save_invstd (the meta kernel, and so the IR, give them [C]) */
	if (k > 0 && (base_is(op, "aten._native_batch_norm_legit_no_training") ||
		      (base_is(op, "aten.native_batch_norm") &&
		       !json_is_true(json_object_get(json_object_get(node, "attrs"), "training")))))
		return 0;
	return show_bytes(meta, NULL);
}
