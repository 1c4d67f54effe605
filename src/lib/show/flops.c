/*
 * flops.c: the FLOPs of an IR node as torch.utils.flop_counter's
 * FlopCounterMode counts them on the CPU, and irx's "other work" column.
 *
 * FlopCounterMode sees operators at dispatch level, after the
 * CompositeImplicitAutograd decompositions, and only charges the operators
 * in its registry (mm, addmm, bmm, baddbmm, _scaled_mm, convolution and
 * friends, the fused attention kernels).  An IR node is charged as what it
 * becomes there; docs/statistics.md lists the mapping and why.
 */
#include <config.h>

#include <string.h>

#include "irx/view.h"
#include "show/show.h"

static int get_shape(const json_t *m, struct show_layout *s) { return show_shape(m, s); }

static uint64_t prod(const int64_t *d, int n)
{
	uint64_t p = 1;

	for (int i = 0; i < n; i++)
		p *= (uint64_t)d[i];
	return p;
}

/* The input of NODE for schema argument ARG (the first element of a list). */
static const json_t *arg_in(const json_t *node, const char *arg)
{
	const json_t *in;
	size_t i;

	json_array_foreach(json_object_get(node, "inputs"), i, in) {
		const char *a = json_string_value(json_object_get(in, "arg"));
		if (a && !strcmp(a, arg))
			return in;
	}
	return NULL;
}

static int arg_shape(const json_t *node, const char *arg, struct show_layout *s)
{
	const json_t *in = arg_in(node, arg);

	return in ? get_shape(in, s) : -1;
}

static int out_shape(const json_t *node, struct show_layout *s)
{
	return get_shape(json_array_get(json_object_get(node, "outputs"), 0), s);
}

static const json_t *attr(const json_t *node, const char *name)
{
	return json_object_get(json_object_get(node, "attrs"), name);
}

/* "aten.linear.default" -> "aten.linear" in BUF. */
static const char *base_name(const char *op, char *buf, size_t size)
{
	const char *dot1 = strchr(op, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	size_t n = dot2 ? (size_t)(dot2 - op) : strlen(op);

	if (n >= size)
		n = size - 1;
	memcpy(buf, op, n);
	buf[n] = 0;
	return buf;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int add(json_t *by, const char *op, uint64_t n)
{
	json_t *v = json_object_get(by, op);

	if (v)
		return json_integer_set(v, json_integer_value(v) + (json_int_t)n);
	return json_object_set_new(by, op, json_integer((json_int_t)n));
}

/* bmm of [b, m, k] x [b, k, n], as flop_counter's bmm_flop. */
static uint64_t bmm(uint64_t b, uint64_t m, uint64_t k, uint64_t n) { return b * m * n * 2 * k; }

static int flops_mm(const json_t *node, const char *a, const char *b, int batched, const char *as,
		    json_t *by)
{
	struct show_layout x, y;

	if (arg_shape(node, a, &x) || arg_shape(node, b, &y))
		return -1;
	if (!batched && x.nd == 2 && y.nd == 2)
		return add(by, as, bmm(1, x.size[0], x.size[1], y.size[1]));
	if (batched && x.nd == 3 && y.nd == 3)
		return add(by, as, bmm(x.size[0], x.size[1], x.size[2], y.size[2]));
	return -1;
}

/* aten.linear: addmm for a 2-d or 3-d input with a bias (Linear.cpp's
 * addmm and _flatten_nd_linear), else matmul, which folds into mm. */
static int flops_linear(const json_t *node, json_t *by)
{
	struct show_layout x, w;
	int bias = arg_in(node, "bias") != NULL;

	if (arg_shape(node, "input", &x) || arg_shape(node, "weight", &w) || w.nd != 2 || x.nd < 1)
		return -1;
	uint64_t m = prod(x.size, x.nd - 1);
	return add(by, bias && (x.nd == 2 || x.nd == 3) ? "aten.addmm" : "aten.mm",
		   bmm(1, m, (uint64_t)w.size[1], (uint64_t)w.size[0]));
}

/* The broadcast of the batch dimensions of X and Y (all but the last two). */
static uint64_t batch_of(const struct show_layout *x, const struct show_layout *y)
{
	int nx = x->nd - 2 > 0 ? x->nd - 2 : 0, ny = y->nd - 2 > 0 ? y->nd - 2 : 0;
	int n = nx > ny ? nx : ny;
	uint64_t b = 1;

	for (int i = 0; i < n; i++) {
		int ix = i - (n - nx), iy = i - (n - ny);
		int64_t dx = ix >= 0 ? x->size[ix] : 1, dy = iy >= 0 ? y->size[iy] : 1;
		b *= (uint64_t)(dx > dy ? dx : dy);
	}
	return b;
}

/* aten.matmul as at::matmul dispatches it (LinearAlgebra.cpp): dot and mv
 * are not charged; a matrix times a matrix, and a batch of matrices times
 * a matrix (folded), is mm; the rest is bmm over the broadcast batch. */
static int flops_matmul(const json_t *node, json_t *by)
{
	struct show_layout x, y;

	if (arg_shape(node, "self", &x) || arg_shape(node, "other", &y) || !x.nd || !y.nd)
		return -1;
	if (y.nd == 1)
		return 0; /* dot, mv, or a folded mv */
	uint64_t k = (uint64_t)y.size[y.nd - 2], n = (uint64_t)y.size[y.nd - 1];
	if (x.nd <= 2 && y.nd == 2)
		return add(by, "aten.mm", bmm(1, x.nd == 1 ? 1 : x.size[0], k, n));
	if (y.nd == 2)
		return add(by, "aten.mm", bmm(1, prod(x.size, x.nd - 1), k, n));
	uint64_t m = x.nd == 1 ? 1 : (uint64_t)x.size[x.nd - 2];
	return add(by, "aten.bmm", bmm(batch_of(&x, &y), m, k, n));
}

/* flop_counter's conv_flop_count. */
static int flops_conv(const json_t *node, int transposed, json_t *by)
{
	struct show_layout x, w, o;

	if ((arg_shape(node, "input", &x) && arg_shape(node, "self", &x)) ||
	    arg_shape(node, "weight", &w) || out_shape(node, &o) || x.nd < 2 || w.nd < 2 ||
	    o.nd < 2)
		return -1;
	const struct show_layout *c = transposed ? &x : &o;
	uint64_t f = prod(c->size + 2, c->nd - 2) * prod(w.size + 2, w.nd - 2) *
		     (uint64_t)x.size[0] * (uint64_t)w.size[0] * (uint64_t)w.size[1] * 2;
	return add(by, "aten.convolution", f);
}

static double num(const json_t *v, double dflt)
{
	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* The two bmm of attention (flop_counter's sdpa_flop_count). */
static uint64_t sdpa_count(const struct show_layout *q, const struct show_layout *k,
			   const struct show_layout *v)
{
	uint64_t b = prod(q->size, q->nd - 2);
	uint64_t sq = q->size[q->nd - 2], d = q->size[q->nd - 1], sk = k->size[k->nd - 2];
	uint64_t dv = v->size[v->nd - 1];

	return bmm(b, sq, d, sk) + bmm(b, sq, sk, dv);
}

/*
 * aten.scaled_dot_product_attention on the CPU: the flash kernel
 * (_scaled_dot_product_flash_attention_for_cpu, not in flop_counter's
 * registry: 0 FLOPs) when sdp_utils_cpp.cpp's use_flash_attention_cpp
 * allows it (4-d dense q, k, v with equal batch, equal heads unless GQA is
 * off, equal head sizes, no dropout, floating dtype); else the math
 * kernel, whose two matmuls are bmm.
 */
static int flops_sdpa(const json_t *node, json_t *by)
{
	struct show_layout q, k, v;
	const char *dt = json_string_value(json_object_get(arg_in(node, "query"), "dtype"));

	if (arg_shape(node, "query", &q) || arg_shape(node, "key", &k) ||
	    arg_shape(node, "value", &v) || q.nd < 2 || k.nd < 2 || v.nd < 2)
		return -1;
	int flash = q.nd == 4 && k.nd == 4 && v.nd == 4 && q.size[0] == k.size[0] &&
		    q.size[0] == v.size[0] && q.size[1] == k.size[1] && k.size[1] == v.size[1] &&
		    q.size[3] == k.size[3] && k.size[3] == v.size[3] && q.size[2] > 0 &&
		    k.size[2] > 0 && num(attr(node, "dropout_p"), 0) == 0 && dt &&
		    (!strcmp(dt, "float32") || !strcmp(dt, "float64") || !strcmp(dt, "bfloat16") ||
		     !strcmp(dt, "float16"));
	if (flash)
		return 0;
	return add(by, "aten.bmm", sdpa_count(&q, &k, &v));
}

static int flops_fused_sdpa(const json_t *node, const char *as, json_t *by)
{
	struct show_layout q, k, v;

	if (arg_shape(node, "query", &q) || arg_shape(node, "key", &k) ||
	    arg_shape(node, "value", &v) || q.nd != 4 || k.nd != 4 || v.nd != 4)
		return -1;
	return add(by, as, sdpa_count(&q, &k, &v));
}

/* ---- other work ---------------------------------------------------------- */

/* No arithmetic: views (show_is_view), copies, data movement, creation, checks. */
static const char *const zero_work[] = {
	"aten.clone",
	"aten.to",
	"aten._to_copy",
	"aten.type_as",
	"aten.cat",
	"aten.stack",
	"aten.concat",
	"aten.index",
	"aten.index_select",
	"aten.gather",
	"aten.embedding",
	"aten.repeat",
	"aten.repeat_interleave",
	"aten.constant_pad_nd",
	"aten.pad",
	"aten.roll",
	"aten.flip",
	"aten.dropout",
	"aten.lift_fresh_copy",
	"aten._assert_tensor_metadata",
	"aten._assert_scalar",
	"aten.sym_size",
	"aten.empty",
	"aten.zeros",
	"aten.ones",
	"aten.full",
	"aten.arange",
	"aten.new_ones",
	"aten.new_zeros",
	"aten.new_full",
	"aten.new_empty",
	"aten.zeros_like",
	"aten.ones_like",
	"aten.full_like",
	"aten.empty_like",
	"aten.scalar_tensor",
	"aten.copy",
	"aten.copy_",
	"aten.slice_scatter",
	"aten.select_scatter",
	"aten.index_put",
	"aten.index_put_",
	"aten.masked_select",
	"aten.tril",
	"aten.triu",
	"aten.view_as_real",
	NULL,
};

/* One unit of work per input element: reductions, softmax, pooling and
 * normalizations (plus the matmul family, convolutions and attention,
 * whose work is in the FLOPs column and which are not counted here). */
static const char *const per_input[] = {
	"aten.sum",
	"aten.mean",
	"aten.amax",
	"aten.amin",
	"aten.max",
	"aten.min",
	"aten.argmax",
	"aten.argmin",
	"aten.prod",
	"aten.var",
	"aten.std",
	"aten.var_mean",
	"aten.std_mean",
	"aten.norm",
	"aten.linalg_vector_norm",
	"aten.logsumexp",
	"aten.softmax",
	"aten._softmax",
	"aten.log_softmax",
	"aten._log_softmax",
	"aten.cumsum",
	"aten.cumprod",
	"aten.any",
	"aten.all",
	"aten.topk",
	"aten.sort",
	"aten.max_pool1d",
	"aten.max_pool2d",
	"aten.max_pool3d",
	"aten.max_pool2d_with_indices",
	"aten.avg_pool1d",
	"aten.avg_pool2d",
	"aten.avg_pool3d",
	"aten.adaptive_avg_pool1d",
	"aten.adaptive_avg_pool2d",
	"aten.adaptive_avg_pool3d",
	"aten._adaptive_avg_pool2d",
	"aten.adaptive_max_pool2d",
	"aten.layer_norm",
	"aten.native_layer_norm",
	"aten.batch_norm",
	"aten.native_batch_norm",
	"aten._native_batch_norm_legit_no_training",
	"aten._native_batch_norm_legit_functional",
	"aten._native_batch_norm_legit",
	"aten.group_norm",
	"aten.native_group_norm",
	"aten.rms_norm",
	"aten._fused_rms_norm",
	"aten.instance_norm",
	NULL,
};

/* Operators whose FLOPs torch counts and irx does not model (their FLOPs
 * are reported as 0 and the node is listed in totals.flops_unmodelled). */
static const char *const unmodelled[] = {
	"aten.einsum",
	"aten.tensordot",
	"aten.bilinear",
	"aten.chain_matmul",
	"aten.linalg_multi_dot",
	"aten.convolution_backward",
	"aten._flash_attention_forward",
	"aten._efficient_attention_forward",
	NULL,
};

/* Operators of the FLOPs column: no other work. */
static const char *const flop_ops[] = {
	"aten.mm",
	"aten.addmm",
	"aten._scaled_mm",
	"aten.bmm",
	"aten.baddbmm",
	"aten.linear",
	"aten.matmul",
	"aten.conv1d",
	"aten.conv2d",
	"aten.conv3d",
	"aten._slow_conv2d_forward",
	"aten.cudnn_convolution",
	"aten.conv_transpose1d",
	"aten.conv_transpose2d",
	"aten.conv_transpose3d",
	"aten.convolution",
	"aten._convolution",
	"aten.convolution_overrideable",
	"aten.scaled_dot_product_attention",
	"aten._scaled_dot_product_flash_attention",
	"aten._scaled_dot_product_efficient_attention",
	"aten._scaled_dot_product_cudnn_attention",
	"aten._scaled_dot_product_flash_attention_for_cpu",
	"aten.einsum",
	"aten.tensordot",
	"aten.bilinear",
	"aten.dot",
	"aten.mv",
	"aten.addmv",
	"aten.vdot",
	NULL,
};

static uint64_t elements(const json_t *m)
{
	struct show_layout s;

	return get_shape(m, &s) ? 0 : prod(s.size, s.nd);
}

static const char *const views[] = {
	"aten.view",
	"aten._unsafe_view",
	"aten.reshape",
	"aten.transpose",
	"aten.t",
	"aten.permute",
	"aten.expand",
	"aten.expand_as",
	"aten.slice",
	"aten.select",
	"aten.squeeze",
	"aten.unsqueeze",
	"aten.unflatten",
	"aten.flatten",
	"aten.alias",
	"aten.detach",
	"aten.split",
	"aten.split_with_sizes",
	"aten.chunk",
	"aten.unbind",
	"aten.narrow",
	"aten.as_strided",
	"aten.diagonal",
	"aten.view_as",
	"aten.contiguous",
	"aten.movedim",
	"aten.unfold",
	"aten.view_as_real",
	"aten.view_as_complex",
	"aten.real",
	"aten.imag",
	"aten.dropout",
	"aten.feature_dropout",
	"aten.lift_fresh_copy",
	NULL,
};

static int is_view(const char *base) { return in_list(base, views); }

int show_is_view(const char *op_type)
{
	char b[128];

	return is_view(base_name(op_type, b, sizeof(b)));
}

static uint64_t other_work(const json_t *node, const char *base)
{
	const json_t *outs = json_object_get(node, "outputs"), *o;
	uint64_t n = 0;
	size_t i;

	if (!strncmp(base, "higher_order.", 13) || in_list(base, zero_work) || is_view(base))
		return 0;
	if (in_list(base, per_input)) {
		const json_t *in = json_array_get(json_object_get(node, "inputs"), 0);
		return in ? elements(in) : 0;
	}
	json_array_foreach(outs, i, o)
		n += elements(o);
	return n;
}

/* ---- nodes and subgraphs --------------------------------------------------- */

static int graph_flops(const json_t *graph, json_t *by, uint64_t *other, uint64_t *unknown);

/* Per-operator maximum of A and B into BY (FlopCounterMode's rule for cond). */
static int merge_max(json_t *by, const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) {
		json_int_t x = json_integer_value(v), y = json_integer_value(json_object_get(b, k));
		if (add(by, k, (uint64_t)(x > y ? x : y)))
			return -1;
	}
	json_object_foreach((json_t *)b, k, v)
		if (!json_object_get(a, k) && add(by, k, (uint64_t)json_integer_value(v)))
			return -1;
	return 0;
}

static int hop_flops(const json_t *node, const char *base, json_t *by, uint64_t *other,
		     uint64_t *unknown)
{
	const json_t *subs = json_object_get(node, "subgraphs"), *g;
	const char *name;

	if (!strcmp(base, "higher_order.cond")) {
		const char *t = json_string_value(json_object_get(attr(node, "true_fn"), "graph"));
		const char *f = json_string_value(json_object_get(attr(node, "false_fn"), "graph"));
		json_t *a = json_object(), *b = json_object();
		int rc = !a || !b ||
			 graph_flops(json_object_get(subs, t ? t : ""), a, other, unknown) ||
			 graph_flops(json_object_get(subs, f ? f : ""), b, other, unknown) ||
			 merge_max(by, a, b);
		json_decref(a);
		json_decref(b);
		return rc ? -1 : 0;
	}
	uint64_t times = 1;
	if (!strcmp(base, "higher_order.map_impl")) {
		struct show_layout s;
		if (!arg_shape(node, "xs", &s) && s.nd)
			times = (uint64_t)s.size[0];
	}
	json_object_foreach((json_t *)subs, name, g) {
		json_t *a = json_object();
		uint64_t o = 0;
		const char *k;
		json_t *v;
		if (!a || graph_flops(g, a, &o, unknown)) {
			json_decref(a);
			return -1;
		}
		json_object_foreach(a, k, v)
			add(by, k, (uint64_t)json_integer_value(v) * times);
		*other += o * times;
		json_decref(a);
	}
	return 0;
}

/* Add NODE's FLOPs to BY (counted operator -> FLOPs); -1 for a shape irx
 * cannot read (symbolic), counted in *UNKNOWN. */
int show_node_flops(const json_t *node, json_t *by, uint64_t *other, uint64_t *unknown)
{
	const char *op = json_string_value(json_object_get(node, "op_type"));
	char b[128];
	int rc = 0;

	if (!op)
		return 0;
	base_name(op, b, sizeof(b));
	if (!strncmp(b, "higher_order.", 13))
		return hop_flops(node, b, by, other, unknown);
	if (!in_list(b, flop_ops))
		*other += other_work(node, b);
	if (!strcmp(b, "aten.mm"))
		rc = flops_mm(node, "self", "mat2", 0, "aten.mm", by);
	else if (!strcmp(b, "aten.addmm"))
		rc = flops_mm(node, "mat1", "mat2", 0, "aten.addmm", by);
	else if (!strcmp(b, "aten._scaled_mm"))
		rc = flops_mm(node, "self", "mat2", 0, "aten._scaled_mm", by);
	else if (!strcmp(b, "aten.bmm"))
		rc = flops_mm(node, "self", "mat2", 1, "aten.bmm", by);
	else if (!strcmp(b, "aten.baddbmm"))
		rc = flops_mm(node, "batch1", "batch2", 1, "aten.baddbmm", by);
	else if (!strcmp(b, "aten.linear"))
		rc = flops_linear(node, by);
	else if (!strcmp(b, "aten.matmul"))
		rc = flops_matmul(node, by);
	else if (!strcmp(b, "aten.conv1d") || !strcmp(b, "aten.conv2d") ||
		 !strcmp(b, "aten.conv3d") || !strcmp(b, "aten._slow_conv2d_forward") ||
		 !strcmp(b, "aten.cudnn_convolution"))
		rc = flops_conv(node, 0, by);
	else if (!strcmp(b, "aten.conv_transpose1d") || !strcmp(b, "aten.conv_transpose2d") ||
		 !strcmp(b, "aten.conv_transpose3d"))
		rc = flops_conv(node, 1, by);
	else if (!strcmp(b, "aten.convolution") || !strcmp(b, "aten._convolution") ||
		 !strcmp(b, "aten.convolution_overrideable"))
		rc = flops_conv(node, json_is_true(attr(node, "transposed")), by);
	else if (!strcmp(b, "aten.scaled_dot_product_attention"))
		rc = flops_sdpa(node, by);
	else if (!strcmp(b, "aten._scaled_dot_product_flash_attention") ||
		 !strcmp(b, "aten._scaled_dot_product_efficient_attention") ||
		 !strcmp(b, "aten._scaled_dot_product_cudnn_attention"))
		rc = flops_fused_sdpa(node, b, by);
	else if (in_list(b, unmodelled))
		rc = -1;
	if (rc < 0)
		++*unknown;
	return 0;
}

static int graph_flops(const json_t *graph, json_t *by, uint64_t *other, uint64_t *unknown)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(graph, "nodes"), i, n)
		if (show_node_flops(n, by, other, unknown))
			return -1;
	return 0;
}

irx_status irx_node_flops(uint64_t *flops, const char **counted_as, uint64_t *other,
			  const json_t *node, irx_error *err)
{
	json_t *by = json_object(), *v;
	uint64_t unknown = 0, o = 0, total = 0;
	const char *k;
	static const char *const names[] = {
		"aten.mm",
		"aten.addmm",
		"aten.bmm",
		"aten.baddbmm",
		"aten._scaled_mm",
		"aten.convolution",
		"aten._scaled_dot_product_flash_attention",
		"aten._scaled_dot_product_efficient_attention",
		"aten._scaled_dot_product_cudnn_attention",
		NULL,
	};

	if (!by)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (show_node_flops(node, by, &o, &unknown)) {
		json_decref(by);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	if (counted_as)
		*counted_as = NULL;
	json_object_foreach(by, k, v) {
		total += (uint64_t)json_integer_value(v);
		for (size_t i = 0; counted_as && names[i]; i++)
			if (!strcmp(names[i], k) && !*counted_as)
				*counted_as = names[i];
	}
	json_decref(by);
	if (flops)
		*flops = total;
	if (other)
		*other = o;
	if (unknown)
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"node %s: FLOPs unknown (a symbolic size, or an operator irx does not model)",
			json_string_value(json_object_get(node, "name"))
				? json_string_value(json_object_get(node, "name"))
				: "?");
	return IRX_OK;
}
