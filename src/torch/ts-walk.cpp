/*
 * ts-walk.cpp: run a TorchScript method node by node and report what ran
 * (irx/torch-ts.h).
 *
 * libtorch's static shape and dtype passes cover only part of a real
 * graph (and the dtype pass asserts on ordinary ones), so the graph is
 * run: a small specializing interpreter of our own over the inlined graph.
 * aten nodes run through node->getOperation(); the container prims, which
 * libtorch implements as interpreter instructions without an operator,
 * are implemented here; prim::If takes the branch the inputs select and
 * prim::Loop is unrolled, as torch.jit.trace would.  Values live in an
 * environment keyed by graph Value and are dropped after their last use.
 *
 * Scalars read from tensor contents (aten::Int, item, Bool, ...) are
 * data-dependent; shapes are not.  A branch or loop on a data-dependent
 * condition is refused unless the caller allows it.  0-dim tensors made
 * from non-tensor scalars (prim::NumToTensor, traced shape arithmetic) are
 * "shape tensors": arithmetic on them is consumed, and where one meets a
 * real operator it is passed as the number it holds.
 */
#include <config.h>

#include <torch/csrc/jit/frontend/source_range.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/ir/scope.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/csrc/jit/serialization/import_read.h>
#include <torch/script.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <caffe2/serialize/inline_container.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
#include "irx/dtype.h"
#include "irx/torch-ts.h"
}
#include "compat.h"
#include "dtypes.h"
#include "handles.h"

struct irx_th_ts {
	torch::jit::Module m;
};

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

namespace {

/* A refusal: one line, IRX_EUNSUPPORTED. */
struct refusal : std::runtime_error {
	using std::runtime_error::runtime_error;
};

void set_error(irx_error *err, irx_status code, const std::string &what)
{
	if (!err || err->code)
		return;
	err->code = code;
	/* one line: a TorchScript traceback ends with the cause */
	std::string line, best;
	std::istringstream in(what);
	for (std::string l; std::getline(in, l);) {
		if (best.empty() && l.find_first_not_of(" \t") != std::string::npos)
			best = l;
		if (!l.compare(0, 14, "RuntimeError: "))
			line = l.substr(14);
		else if (!l.compare(0, 18, "Unknown builtin op") ||
			 !l.compare(0, 17, "Unknown type name"))
			line = l;
	}
	if (line.empty())
		line = best.empty() ? "libtorch failed without a message" : best;
	snprintf(err->text, sizeof(err->text), "%s", line.c_str());
}

template <typename F> irx_status guarded(irx_error *err, F f)
{
	try {
		return static_cast<irx_status>(f());
	} catch (const refusal &e) {
		set_error(err, IRX_EUNSUPPORTED, e.what());
	} catch (const c10::Error &e) {
		const char *m = irx_compat::message(e);
		set_error(err, IRX_EFORMAT, m && *m ? m : e.what());
	} catch (const std::bad_alloc &) {
		set_error(err, IRX_ENOMEM, "out of memory");
	} catch (const std::exception &e) {
		set_error(err, IRX_EFORMAT, e.what());
	} catch (...) {
		set_error(err, IRX_EFORMAT, "libtorch failed with an unknown exception");
	}
	return err && err->code ? err->code : IRX_EFORMAT;
}

int dtype_of(c10::ScalarType s) { return irx_dtype_of_scalar(s); }

std::string dtype_name(int64_t code)
{
	if (code < 0 || code >= static_cast<int64_t>(c10::ScalarType::NumOptions))
		throw std::runtime_error("dtype code " + std::to_string(code) + " is out of range");
	int d = dtype_of(static_cast<c10::ScalarType>(code));
	const char *n = d > 0 ? irx_dtype_name(static_cast<irx_dtype>(d)) : nullptr;
	if (!n)
		throw refusal(std::string("dtype ") +
			      c10::toString(static_cast<c10::ScalarType>(code)) +
			      " is not one irx knows");
	return n;
}

std::string layout_name(int64_t code)
{
	switch (static_cast<c10::Layout>(code)) {
	case c10::Layout::Strided: return "strided";
	case c10::Layout::Sparse: return "sparse_coo";
	default: return "unknown";
	}
}

std::string memory_format_name(int64_t code)
{
	switch (static_cast<c10::MemoryFormat>(code)) {
	case c10::MemoryFormat::Contiguous: return "contiguous_format";
	case c10::MemoryFormat::Preserve: return "preserve_format";
	case c10::MemoryFormat::ChannelsLast: return "channels_last";
	case c10::MemoryFormat::ChannelsLast3d: return "channels_last_3d";
	default: return "unknown";
	}
}

bool mentions_tensor(const c10::TypePtr &t) { return t->str().find("Tensor") != std::string::npos; }

bool is_custom_class(const c10::TypePtr &t)
{
	auto c = t->cast<c10::ClassType>();
	return c && !c->is_module() && c->name() &&
	       c->name()->qualifiedName().rfind("__torch__.torch.classes.", 0) == 0;
}

/* "aten::conv2d" + "" -> "aten.conv2d.default" */
std::string target_of(const c10::FunctionSchema &s)
{
	std::string name = s.name();
	size_t colon = name.find("::");
	if (colon != std::string::npos)
		name.replace(colon, 2, ".");
	return name + "." + (s.overload_name().empty() ? "default" : s.overload_name());
}

/* scalars computed without reading tensor contents */
const std::set<std::string> &shape_ops()
{
	static const std::set<std::string> ops = {
		"aten::size",          "aten::dim",           "aten::numel",
		"aten::len",           "aten::stride",        "aten::sym_size",
		"aten::sym_numel",     "aten::sym_stride",    "aten::is_floating_point",
		"aten::is_complex",    "aten::element_size",  "aten::__is__",
		"aten::__isnot__",     "aten::is_contiguous", "aten::device",
		"prim::dtype",         "prim::device",        "prim::layout",
		"prim::shape",         "prim::is_cuda",       "prim::is_quantized",
		"prim::requires_grad", "prim::is_sparse",     "prim::is_mkldnn",
		"prim::is_meta",       "prim::is_xpu",        "prim::is_vulkan",
		"prim::is_mps",        "prim::name",          "aten::get_device",
		"prim::grad",          "prim::data",
	};
	return ops;
}

struct val {
	c10::IValue iv;
	bool dd = false;    /* derived from tensor contents */
	bool shape = false; /* a 0-dim tensor holding a non-tensor scalar */
};

/* Where a tensor came from: the name it has in the IR. */
struct tensor_name {
	c10::weak_intrusive_ptr<c10::TensorImpl> impl;
	std::string name;
	bool shape;
};

std::string sanitize(const std::string &s)
{
	std::string r;
	for (char c : s)
		r += (isalnum((unsigned char)c) || c == '_') ? c : '_';
	if (r.empty() || isdigit((unsigned char)r[0]))
		r = "v" + r;
	return r;
}

std::string no_method(const torch::jit::Module &m, const std::string &method)
{
	std::string have;
	for (const auto &meth : m.get_methods())
		have += (have.empty() ? "" : ", ") + meth.name();
	return "the module has no method '" + method +
	       "' (it has: " + (have.empty() ? "none" : have) + "; choose one with --method)";
}

class walker {
public:
	walker(irx_th_ts *mod, const irx_th_ts_options *o, const irx_th_ts_sink *s, irx_error *e)
	    : m(mod), opts(o), sink(s), err(e)
	{
	}
	void run();

private:
	void bind_attr(const at::Tensor &t, std::string key, enum irx_th_ts_input kind);
	irx_th_ts *m;
	const irx_th_ts_options *opts;
	const irx_th_ts_sink *sink;
	irx_error *err;
	std::shared_ptr<torch::jit::Graph> graph;
	std::unordered_map<const Value *, val> env;
	std::unordered_map<const Node *, std::vector<const Value *>> frees_after;
	std::unordered_map<c10::TensorImpl *, tensor_name> names;
	std::unordered_map<const c10::ivalue::Object *, std::string> paths;
	std::set<std::string> used_names;
	std::map<std::string, std::string> weight_names; /* key -> graph name */
	/* the class of every submodule by its path ("" for the root), as the
	 * .pt2 spells module_type: "torch.nn.modules.conv.Conv2d" */
	std::map<std::string, std::string> module_types;
	/* the module's parameters and buffers by tensor: their state_dict key */
	std::unordered_map<const c10::TensorImpl *, std::pair<std::string, enum irx_th_ts_input>>
		state;
	unsigned long iterations = 0;
	unsigned n_constants = 0;

	void check(int rc)
	{
		if (rc)
			throw sink_failed();
	}
	struct sink_failed {};

	std::string fresh(const std::string &base)
	{
		std::string b = sanitize(base), n = b;
		for (int i = 1; used_names.count(n); i++)
			n = b + "_" + std::to_string(i);
		used_names.insert(n);
		return n;
	}
	void name_tensor(const at::Tensor &t, const std::string &n, bool shape = false)
	{
		if (!t.defined())
			return;
		c10::TensorImpl *p = t.unsafeGetTensorImpl();
		names.erase(p);
		names.emplace(p, tensor_name{c10::weak_intrusive_ptr<c10::TensorImpl>(
						     t.getIntrusivePtr()),
					     n, shape});
	}
	const tensor_name *lookup(const at::Tensor &t)
	{
		auto it = names.find(t.unsafeGetTensorImpl());
		if (it == names.end() || it->second.impl.expired())
			return nullptr;
		return &it->second;
	}
	const std::string &name_of(const at::Tensor &t);
	void plan_frees(Block *b);
	void exec_block(Block *b);
	void exec_node(Node *n);
	void exec_op(Node *n);
	void exec_get_attr(Node *n);
	val &get(const Value *v);
	void put(const Value *v, val x) { env[v] = std::move(x); }
	std::string where(const Node *n);
	std::string module_path(const Node *n, bool *known);
	std::string child_path(const std::string &path, const std::string &inst);
	void data_dependent(const Node *n, const std::string &what);
	void bind_inputs();
	void emit_outputs();
	void output_value(const c10::IValue &v, const std::string &what);
	irx_th_ts_arg arg_of(const c10::Argument &a, const val &x,
			     std::vector<std::vector<const char *>> &pool,
			     std::deque<std::string> &strs, std::vector<std::vector<int64_t>> &ints,
			     std::vector<std::vector<double>> &floats,
			     std::vector<std::vector<irx_th *>> &handles, std::vector<irx_th> &keep,
			     const Node *n);
};

val &walker::get(const Value *v)
{
	auto it = env.find(v);
	if (it == env.end())
		throw std::runtime_error("value %" + v->debugName() +
					 " is used before it has a value");
	return it->second;
}

/* A TorchScript class name as Python spells it: "__torch__.torch.nn.
 * modules.conv.___torch_mangle_3.Conv2d" -> "torch.nn.modules.conv.Conv2d"
 * (a class of the script's own __main__ keeps only its name). */
std::string python_class_name(const std::string &q)
{
	std::string out, part;
	std::istringstream in(q);
	while (std::getline(in, part, '.')) {
		if (part == "__torch__" || part.rfind("___torch_mangle_", 0) == 0)
			continue;
		out += (out.empty() ? "" : ".") + part;
	}
	return out;
}

/* The path of the submodule called INST from the module at PATH.  A call
 * stack names only modules that are called: the child of a container that
 * is not (a ModuleList, a Sequential indexed by hand) is found one level
 * down, so that BERT's encoder.layer.0 is not encoder.0. */
std::string walker::child_path(const std::string &path, const std::string &inst)
{
	std::string prefix = path.empty() ? "" : path + ".";
	std::string direct = prefix + inst, found;
	if (module_types.count(direct) || module_types.empty())
		return direct;
	for (const auto &mt : module_types) {
		const std::string &q = mt.first;
		size_t dot = q.find('.', prefix.size());
		if (q.compare(0, prefix.size(), prefix) || dot == std::string::npos ||
		    q.compare(dot + 1, std::string::npos, inst))
			continue;
		if (!found.empty())
			return direct; /* two containers hold one: say what the stack says */
		found = q;
	}
	return found.empty() ? direct : found;
}

std::string walker::module_path(const Node *n, bool *known)
{
	std::string path;
	*known = false;
	auto cs = n->callstack();
	if (cs) {
		c10::optional<torch::jit::InlinedCallStackPtr> p = *cs;
		while (p) {
			auto mi = (*p)->module_instance();
			if (mi) {
				const std::string &inst = mi->instance_name();
				if (!inst.empty())
					path = child_path(path, inst);
				*known = true;
			}
			p = (*p)->callee();
		}
		return path;
	}
	/* traced graphs before inlining kept scopes: __module.a/__module.a.b */
	auto scope = const_cast<Node *>(n)->scope();
	if (scope && !scope->isBlank()) {
		std::string s = scope->name().toUnqualString();
		if (!s.compare(0, 9, "__module.")) {
			*known = true;
			return s.substr(9);
		}
	}
	return path;
}

std::string walker::where(const Node *n)
{
	std::ostringstream s;
	s << n->kind().toQualString();
	try {
		const auto &r = n->sourceRange();
		auto orig = r.findSourceRangeThatGenerated();
		const torch::jit::SourceRange &use = orig ? *orig : r;
		auto flc = use.file_line_col();
		if (flc)
			s << " at " << std::get<0>(*flc) << ":" << std::get<1>(*flc);
	} catch (...) {
	}
	return s.str();
}

void walker::data_dependent(const Node *n, const std::string &what)
{
	std::string w = where(n);
	if (!opts->allow_data_dependent)
		throw refusal(
			"data-dependent control flow: " + w + " " + what +
			" depends on tensor values (--allow-data-dependent specializes it to these inputs)");
	check(sink->note ? sink->note(sink->ctx, "data_dependent", (w + " " + what).c_str(), err)
			 : 0);
}

const std::string &walker::name_of(const at::Tensor &t)
{
	if (const tensor_name *tn = lookup(t))
		return tn->name;
	/* a tensor nothing named: a constant of the run */
	std::string n = fresh("_tensor_constant" + std::to_string(n_constants++));
	name_tensor(t, n);
	irx_th h{t};
	check(sink->input(sink->ctx, IRX_TH_TS_CONSTANT, n.c_str(), n.c_str(), &h, err));
	return lookup(t)->name;
}

void walker::plan_frees(Block *b)
{
	auto consider = [&](const Value *v) {
		const Node *last = nullptr;
		for (const auto &u : v->uses()) {
			const Node *n = u.user;
			while (n->owningBlock() != b)
				n = n->owningBlock()->owningNode();
			if (!last || n == b->return_node() ||
			    (last != b->return_node() && n->isAfter(last)))
				last = n;
		}
		frees_after[last ? last : v->node()].push_back(v);
	};
	for (const Value *v : b->inputs())
		if (b->owningNode()) /* a block parameter: dropped after its last use */
			consider(v);
	for (Node *n : b->nodes()) {
		for (const Value *v : n->outputs())
			consider(v);
		for (Block *sub : n->blocks())
			plan_frees(sub);
	}
}

void walker::exec_block(Block *b)
{
	for (Node *n : b->nodes()) {
		exec_node(n);
		auto it = frees_after.find(n);
		if (it != frees_after.end())
			for (const Value *v : it->second)
				env.erase(v);
	}
}

/* block B's outputs, read before the values die */
std::vector<val> block_outputs(walker *, Block *b, std::unordered_map<const Value *, val> &env)
{
	std::vector<val> out;
	for (const Value *v : b->outputs())
		out.push_back(env.at(v));
	return out;
}

void walker::exec_get_attr(Node *n)
{
	val &obj = get(n->input(0));
	if (!obj.iv.isObject())
		throw std::runtime_error(where(n) + ": GetAttr of something that is not an object");
	auto o = obj.iv.toObject();
	const std::string &field = n->s(torch::jit::attr::name);
	auto cls = o->type();
	auto slot = cls->findAttributeSlot(field);
	if (!slot)
		throw std::runtime_error(where(n) + ": no attribute '" + field + "'");
	c10::IValue v = o->getSlot(*slot);
	auto pit = paths.find(o.get());
	bool from_module = pit != paths.end();
	std::string key =
		from_module ? (pit->second.empty() ? field : pit->second + "." + field) : field;
	val r;
	r.iv = v;
	r.dd = obj.dd;
	if (v.isObject()) {
		auto t = v.toObject()->type();
		if (is_custom_class(t))
			throw refusal("attribute '" + key + "' is an object of the custom class " +
				      t->name()->qualifiedName() + ", which the IR cannot hold");
		if (from_module)
			paths[v.toObject().get()] = key;
	} else if (v.isCapsule() || (v.isObject() && is_custom_class(v.type()))) {
		throw refusal("attribute '" + key + "' is a custom-class object");
	} else if (from_module && v.isTensor() && v.toTensor().defined()) {
		bind_attr(v.toTensor(), key,
			  cls->is_parameter(*slot) ? IRX_TH_TS_PARAMETER
			  : cls->is_buffer(*slot)  ? IRX_TH_TS_BUFFER
						   : IRX_TH_TS_CONSTANT);
	} else if (from_module && v.isTensorList()) {
		auto l = v.toTensorList();
		for (size_t i = 0; i < l.size(); i++) {
			at::Tensor t = l.get(i);
			if (t.defined())
				bind_attr(t, key + "." + std::to_string(i), IRX_TH_TS_CONSTANT);
		}
	}
	put(n->output(), std::move(r));
}

/* A tensor reached through the attribute chain KEY becomes a graph input of
 * KIND the first time it is seen.  One the module also holds as a parameter
 * or buffer (an RNN's _flat_weights list) is that parameter or buffer, under
 * its state_dict key; one seen before under another key (tied weights)
 * keeps its first name. */
void walker::bind_attr(const at::Tensor &t, std::string key, enum irx_th_ts_input kind)
{
	auto sit = state.find(t.unsafeGetTensorImpl());
	if (sit != state.end()) {
		key = sit->second.first;
		kind = sit->second.second;
	}
	const tensor_name *known = lookup(t);
	if (known && (weight_names.count(key) || weight_names.count("\x01" + known->name)))
		return;
	const char *prefix = kind == IRX_TH_TS_PARAMETER ? "p_"
			     : kind == IRX_TH_TS_BUFFER  ? "b_"
							 : "c_";
	std::string gn = fresh(prefix + key);
	name_tensor(t, gn);
	weight_names[key] = gn;
	weight_names["\x01" + gn] = key;
	irx_th h{t};
	check(sink->input(sink->ctx, kind, gn.c_str(), key.c_str(), &h, err));
}

/* does V hold a tensor anywhere (lists, tuples, dicts, optionals)? */
bool holds_tensor(const c10::IValue &v)
{
	if (v.isTensor())
		return v.toTensor().defined();
	if (v.isTensorList())
		return true;
	if (v.isList()) {
		for (const c10::IValue &e : v.toListRef())
			if (holds_tensor(e))
				return true;
		return false;
	}
	if (v.isTuple()) {
		for (const c10::IValue &e : v.toTupleRef().elements())
			if (holds_tensor(e))
				return true;
	}
	return false;
}

irx_th_ts_arg walker::arg_of(const c10::Argument &a, const val &x,
			     std::vector<std::vector<const char *>> &pool,
			     std::deque<std::string> &strs, std::vector<std::vector<int64_t>> &ints,
			     std::vector<std::vector<double>> &floats,
			     std::vector<std::vector<irx_th *>> &handles, std::vector<irx_th> &keep,
			     const Node *n)
{
	irx_th_ts_arg r;
	memset(&r, 0, sizeof(r));
	r.name = a.name().c_str();
	strs.push_back(a.type()->annotation_str());
	r.type = strs.back().c_str();
	const c10::IValue &v = x.iv;
	c10::TypePtr type = a.type();
	if (type->kind() == c10::TypeKind::OptionalType)
		type = type->expectRef<c10::OptionalType>().getElementType();
	c10::TypeKind k = type->kind();
	if (x.dd && !v.isTensor() && !v.isTensorList() && !v.isNone())
		data_dependent(n, "argument '" + a.name() + "'");
	auto push_str = [&](const std::string &s) {
		strs.push_back(s);
		r.value.kind = IRX_TH_STR;
		r.value.u.s = strs.back().c_str();
	};
	if (v.isNone()) {
		r.value.kind = IRX_TH_NONE;
	} else if (v.isTensor()) {
		const at::Tensor &t = v.toTensor();
		const tensor_name *tn = t.defined() ? lookup(t) : nullptr;
		if (!t.defined()) {
			r.value.kind = IRX_TH_NONE;
		} else if ((tn && tn->shape) || (!tn && x.shape)) {
			/* a shape scalar meets a real operator: the number it holds */
			c10::Scalar s = t.item();
			if (s.isFloatingPoint())
				r.value.kind = IRX_TH_FLOAT, r.value.u.f = s.toDouble();
			else if (s.isBoolean())
				r.value.kind = IRX_TH_BOOL, r.value.u.i = s.toBool();
			else
				r.value.kind = IRX_TH_INT, r.value.u.i = s.toLong();
		} else {
			r.value.kind = IRX_TH_TENSOR;
			keep.push_back(irx_th{t});
			r.value.u.t = nullptr; /* fixed up later */
			strs.push_back(name_of(t));
			pool.push_back({strs.back().c_str()});
			r.names = reinterpret_cast<const char *const *>(
				pool.size()); /* index+1, fixed up later */
		}
	} else if (v.isTensorList() ||
		   (v.isList() && (k == c10::TypeKind::ListType) && mentions_tensor(type))) {
		std::vector<const char *> ns;
		std::vector<irx_th *> hs;
		for (const c10::IValue &e : v.toListRef()) {
			if (e.isTensor() && e.toTensor().defined()) {
				strs.push_back(name_of(e.toTensor()));
				ns.push_back(strs.back().c_str());
				keep.push_back(irx_th{e.toTensor()});
				hs.push_back(nullptr);
			} else {
				ns.push_back(nullptr);
				hs.push_back(nullptr);
			}
		}
		pool.push_back(ns);
		handles.push_back(hs);
		r.value.kind = IRX_TH_TENSORS;
		r.names = reinterpret_cast<const char *const *>(pool.size());
		r.value.u.tensors.n = ns.size();
	} else if (v.isBool()) {
		r.value.kind = IRX_TH_BOOL, r.value.u.i = v.toBool();
	} else if (v.isInt()) {
		int64_t i = v.toInt();
		if (k == c10::TypeKind::ScalarTypeType ||
		    (irx_compat::is_int_kind(k) &&
		     (a.name() == "dtype" ||
		      (a.name().size() > 6 &&
		       !a.name().compare(a.name().size() - 6, 6, "_dtype")))))
			push_str(dtype_name(i));
		else if (k == c10::TypeKind::LayoutType ||
			 (irx_compat::is_int_kind(k) && a.name() == "layout"))
			push_str(layout_name(i));
		else if (k == c10::TypeKind::MemoryFormatType ||
			 (irx_compat::is_int_kind(k) && a.name() == "memory_format"))
			push_str(memory_format_name(i));
		else
			r.value.kind = IRX_TH_INT, r.value.u.i = i;
	} else if (v.isDouble()) {
		r.value.kind = IRX_TH_FLOAT, r.value.u.f = v.toDouble();
	} else if (v.isString()) {
		push_str(v.toStringRef());
	} else if (v.isDevice()) {
		push_str(v.toDevice().str());
	} else if (v.isIntList()) {
		ints.push_back(v.toIntVector());
		r.value.kind = IRX_TH_INTS;
		r.value.u.ints.n = ints.size() - 1; /* fixed up later */
	} else if (v.isDoubleList()) {
		floats.push_back(v.toDoubleVector());
		r.value.kind = IRX_TH_FLOATS;
		r.value.u.floats.n = floats.size() - 1;
	} else if (v.isBoolList()) {
		std::vector<int64_t> b;
		for (bool e : v.toBoolList())
			b.push_back(e);
		ints.push_back(b);
		r.value.kind = IRX_TH_BOOLS;
		r.value.u.ints.n = ints.size() - 1;
	} else if (v.isGenerator()) {
		r.value.kind = IRX_TH_NONE;
	} else if (v.isList() && v.toListRef().empty()) {
		ints.push_back({});
		r.value.kind = IRX_TH_INTS;
		r.value.u.ints.n = ints.size() - 1;
	} else {
		throw refusal(where(n) + ": argument '" + a.name() + "' is a " + v.tagKind() +
			      ", which the IR cannot hold");
	}
	return r;
}

void walker::exec_op(Node *n)
{
	const torch::jit::Operator *op = n->maybeOperator();
	if (!op)
		throw refusal(where(n) + ": TorchScript node " + n->kind().toQualString() +
			      " has no operator in libtorch " TORCH_VERSION);
	const c10::FunctionSchema &schema = n->schema();
	bool tensor_result = false, tensor_arg = false, real_tensor_in = false, any_dd = false,
	     all_shape = true;
	for (const auto &r : schema.returns())
		tensor_result |= mentions_tensor(r.type());
	for (const auto &a : schema.arguments())
		tensor_arg |= mentions_tensor(a.type());
	torch::jit::Stack stack;
	std::vector<val *> ins;
	for (const Value *v : n->inputs()) {
		val &x = get(v);
		ins.push_back(&x);
		stack.push_back(x.iv);
		any_dd |= x.dd;
		if (holds_tensor(x.iv)) {
			bool shape = x.shape;
			if (x.iv.isTensor()) {
				const tensor_name *tn = lookup(x.iv.toTensor());
				shape = tn ? tn->shape : x.shape;
			}
			if (!shape)
				real_tensor_in = true;
			all_shape &= shape;
		}
	}
	std::string kind = n->kind().toQualString();
	/* shape scalars made tensors, and arithmetic on them only */
	bool consumed = !tensor_result || (n->kind() == c10::prim::NumToTensor) ||
			(!real_tensor_in && tensor_arg && all_shape && !ins.empty() && [&] {
				for (val *x : ins)
					if (holds_tensor(x->iv))
						return true;
				return false;
			}());
	/* an operator only TorchScript has (aten::tensor.int, ...), on no
	 * tensors: what it makes is a constant of the run */
	bool jit_only =
		!c10::Dispatcher::singleton().findSchema(schema.operator_name()).has_value();
	if (jit_only && !real_tensor_in && !any_dd)
		consumed = true;
	bool shape_op = shape_ops().count(kind) > 0;
	at::NoGradGuard no_grad;
	n->getOperation()(stack);
	if (stack.size() != n->outputs().size())
		throw std::runtime_error(where(n) + ": returned " + std::to_string(stack.size()) +
					 " values, not " + std::to_string(n->outputs().size()));
	if (consumed) {
		bool dd = any_dd || (real_tensor_in && !shape_op);
		for (size_t i = 0; i < stack.size(); i++) {
			val r;
			r.iv = stack[i];
			r.dd = dd;
			if (r.iv.isTensor() && tensor_result && r.iv.toTensor().defined() &&
			    (r.iv.toTensor().dim() == 0 || !jit_only)) {
				r.shape = true;
				std::string nm = fresh(n->output(i)->debugName());
				name_tensor(r.iv.toTensor(), nm, true);
			}
			put(n->output(i), std::move(r));
		}
		return;
	}
	/* an operator of the IR */
	std::vector<std::vector<const char *>> pool;
	std::deque<std::string> strs;
	std::vector<std::vector<int64_t>> ints;
	std::vector<std::vector<double>> floats;
	std::vector<std::vector<irx_th *>> handles;
	std::vector<irx_th> keep;
	keep.reserve(64);
	std::vector<irx_th_ts_arg> args;
	const auto &params = schema.arguments();
	if (n->inputs().size() < params.size() && !schema.is_vararg())
		throw std::runtime_error(where(n) + ": fewer inputs than its schema has arguments");
	for (size_t i = 0; i < params.size() && i < ins.size(); i++) {
		args.push_back(
			arg_of(params[i], *ins[i], pool, strs, ints, floats, handles, keep, n));
	}
	/* outputs: name every tensor result */
	std::vector<irx_th_ts_arg> outs;
	std::vector<std::vector<const char *>> out_names;
	std::deque<std::string> out_strs;
	for (size_t i = 0; i < stack.size(); i++) {
		irx_th_ts_arg o;
		memset(&o, 0, sizeof(o));
		const c10::IValue &v = stack[i];
		std::string base = n->output(i)->debugName();
		if (v.isTensor() && v.toTensor().defined()) {
			out_strs.push_back(fresh(base));
			name_tensor(v.toTensor(), out_strs.back());
			keep.push_back(irx_th{v.toTensor()});
			out_names.push_back({out_strs.back().c_str()});
			o.value.kind = IRX_TH_TENSOR;
		} else if (v.isTensorList()) {
			std::vector<const char *> ns;
			auto l = v.toTensorVector();
			for (size_t j = 0; j < l.size(); j++) {
				out_strs.push_back(fresh(base + "_" + std::to_string(j)));
				name_tensor(l[j], out_strs.back());
				keep.push_back(irx_th{l[j]});
				ns.push_back(out_strs.back().c_str());
			}
			out_names.push_back(ns);
			o.value.kind = IRX_TH_TENSORS;
			o.value.u.tensors.n = l.size();
		} else {
			out_names.push_back({});
			o.value.kind = IRX_TH_NONE;
			if (v.isInt())
				o.value.kind = IRX_TH_INT, o.value.u.i = v.toInt();
			else if (v.isDouble())
				o.value.kind = IRX_TH_FLOAT, o.value.u.f = v.toDouble();
			else if (v.isBool())
				o.value.kind = IRX_TH_BOOL, o.value.u.i = v.toBool();
		}
		outs.push_back(o);
		val r;
		r.iv = v;
		r.dd = any_dd || (!v.isTensor() && !v.isTensorList());
		put(n->output(i), std::move(r));
	}
	/* fix up pointers now that the vectors no longer move */
	std::vector<std::vector<irx_th *>> arg_tensors;
	arg_tensors.reserve(args.size() + outs.size());
	size_t k = 0;
	for (size_t i = 0; i < args.size(); i++) {
		irx_th_ts_arg &a = args[i];
		if (a.value.kind == IRX_TH_INTS || a.value.kind == IRX_TH_BOOLS) {
			size_t j = a.value.u.ints.n;
			a.value.u.ints.v = ints[j].data(), a.value.u.ints.n = ints[j].size();
		} else if (a.value.kind == IRX_TH_FLOATS) {
			size_t j = a.value.u.floats.n;
			a.value.u.floats.v = floats[j].data(),
			a.value.u.floats.n = floats[j].size();
		}
		if (a.value.kind == IRX_TH_TENSOR || a.value.kind == IRX_TH_TENSORS) {
			const std::vector<const char *> &ns = pool[(uintptr_t)a.names - 1];
			a.names = ns.data();
			std::vector<irx_th *> hs;
			for (const char *nm : ns)
				hs.push_back(nm ? &keep[k++] : nullptr);
			arg_tensors.push_back(hs);
			if (a.value.kind == IRX_TH_TENSOR)
				a.value.u.t = hs[0];
			else
				a.value.u.tensors.v = arg_tensors.back().data(),
				a.value.u.tensors.n = hs.size();
		}
	}
	for (size_t i = 0; i < outs.size(); i++) {
		irx_th_ts_arg &o = outs[i];
		o.names = out_names[i].data();
		std::vector<irx_th *> hs;
		for (size_t j = 0; j < out_names[i].size(); j++)
			hs.push_back(&keep[k++]);
		arg_tensors.push_back(hs);
		if (o.value.kind == IRX_TH_TENSOR)
			o.value.u.t = hs[0];
		else if (o.value.kind == IRX_TH_TENSORS)
			o.value.u.tensors.v = arg_tensors.back().data();
	}
	std::string target = target_of(schema);
	bool known = false;
	std::string mp = module_path(n, &known);
	std::string src;
	try {
		auto orig = n->sourceRange().findSourceRangeThatGenerated();
		const torch::jit::SourceRange &r = orig ? *orig : n->sourceRange();
		auto flc = r.file_line_col();
		if (flc) {
			std::string text = r.text().str();
			size_t nl = text.find('\n');
			if (nl != std::string::npos)
				text.resize(nl);
			src = std::get<0>(*flc) + ":" + std::to_string(std::get<1>(*flc)) + ": " +
			      text;
		}
	} catch (...) {
		src.clear();
	}
	irx_th_ts_node node;
	node.target = target.c_str();
	node.args = args.data();
	node.n_args = args.size();
	node.outputs = outs.data();
	node.n_outputs = outs.size();
	node.module_path = known ? mp.c_str() : nullptr;
	auto type = known ? module_types.find(mp) : module_types.end();
	node.module_type = type != module_types.end() ? type->second.c_str() : nullptr;
	node.source = src.empty() ? nullptr : src.c_str();
	check(sink->node(sink->ctx, &node, err));
}

void walker::exec_node(Node *n)
{
	using namespace c10;
	torch::jit::NodeKind k = n->kind();
	auto pass = [&](size_t in, size_t out) { put(n->output(out), get(n->input(in))); };
	auto dd_of_inputs = [&]() {
		bool dd = false;
		for (const Value *v : n->inputs())
			dd |= get(v).dd;
		return dd;
	};
	if (k == prim::Constant) {
		val r;
		r.iv = torch::jit::toIValue(n->output()).value();
		/* a 0-dim tensor constant is a number like any other; larger
		 * ones become _tensor_constantN where an operator uses them */
		if (r.iv.isTensor() && r.iv.toTensor().defined() && r.iv.toTensor().dim() == 0 &&
		    !lookup(r.iv.toTensor())) {
			r.shape = true;
			name_tensor(r.iv.toTensor(), fresh(n->output()->debugName()), true);
		}
		put(n->output(), std::move(r));
	} else if (k == prim::GetAttr) {
		exec_get_attr(n);
	} else if (k == prim::SetAttr) {
		val &obj = get(n->input(0));
		if (obj.iv.isObject() && obj.iv.toObject()->type()->is_module())
			throw refusal(where(n) + ": forward writes module state (attribute '" +
				      n->s(torch::jit::attr::name) +
				      "'): a stateful model, which a static IR cannot hold");
		obj.iv.toObject()->setAttr(n->s(torch::jit::attr::name), get(n->input(1)).iv);
	} else if (k == prim::CreateObject) {
		auto cls = n->output()->type()->expect<ClassType>();
		val r;
		r.iv = IValue(ivalue::Object::create(StrongTypePtr(cls->compilation_unit(), cls),
						     cls->numAttributes()));
		put(n->output(), std::move(r));
	} else if (k == prim::ListConstruct) {
		auto lt = n->output()->type()->expect<ListType>();
		c10::impl::GenericList l(lt->getElementType());
		l.reserve(n->inputs().size());
		for (const Value *v : n->inputs())
			l.push_back(get(v).iv);
		val r;
		r.dd = dd_of_inputs();
		r.iv = IValue(l);
		put(n->output(), std::move(r));
	} else if (k == prim::ListUnpack) {
		val &l = get(n->input(0));
		auto elems = l.iv.toListRef();
		if (elems.size() != n->outputs().size())
			throw std::runtime_error(where(n) + ": the list has " +
						 std::to_string(elems.size()) + " elements, not " +
						 std::to_string(n->outputs().size()));
		std::vector<IValue> copy(elems.begin(), elems.end());
		bool dd = l.dd;
		for (size_t i = 0; i < copy.size(); i++) {
			val r;
			r.iv = copy[i];
			r.dd = dd;
			put(n->output(i), std::move(r));
		}
	} else if (k == prim::TupleConstruct) {
		std::vector<IValue> e;
		for (const Value *v : n->inputs())
			e.push_back(get(v).iv);
		val r;
		r.dd = dd_of_inputs();
		r.iv = IValue(ivalue::Tuple::create(std::move(e)));
		put(n->output(), std::move(r));
	} else if (k == prim::TupleUnpack) {
		val &t = get(n->input(0));
		std::vector<IValue> e = t.iv.toTupleRef().elements().vec();
		bool dd = t.dd;
		for (size_t i = 0; i < n->outputs().size(); i++) {
			val r;
			r.iv = e.at(i);
			r.dd = dd;
			put(n->output(i), std::move(r));
		}
	} else if (k == prim::TupleIndex) {
		val &t = get(n->input(0));
		val &ix = get(n->input(1));
		int64_t i = ix.iv.toInt();
		const auto &e = t.iv.toTupleRef().elements();
		if (i < 0)
			i += e.size();
		val r;
		r.iv = e.at(i);
		r.dd = t.dd || ix.dd;
		put(n->output(), std::move(r));
	} else if (k == prim::TupleSlice) {
		val &t = get(n->input(0));
		const auto &e = t.iv.toTupleRef().elements();
		int64_t b = n->i(torch::jit::attr::beg), en = n->i(torch::jit::attr::end);
		std::vector<IValue> s(e.begin() + b, e.begin() + en);
		val r;
		r.iv = IValue(ivalue::Tuple::create(std::move(s)));
		r.dd = t.dd;
		put(n->output(), std::move(r));
	} else if (k == prim::DictConstruct) {
		auto dt = n->output()->type()->expect<DictType>();
		c10::impl::GenericDict d(dt->getKeyType(), dt->getValueType());
		for (size_t i = 0; i + 1 < n->inputs().size(); i += 2)
			d.insert_or_assign(get(n->input(i)).iv, get(n->input(i + 1)).iv);
		val r;
		r.iv = IValue(d);
		r.dd = dd_of_inputs();
		put(n->output(), std::move(r));
	} else if (k == prim::isinstance) {
		val &x = get(n->input(0));
		bool yes = false;
		TypePtr actual = x.iv.type();
		for (const TypePtr &t : n->tys(torch::jit::attr::types))
			if (actual->isSubtypeOf(*t)) {
				yes = true;
				break;
			}
		val r;
		r.iv = yes;
		put(n->output(), std::move(r));
	} else if (k == prim::unchecked_cast || k == prim::unchecked_unwrap_optional) {
		pass(0, 0);
	} else if (k == prim::Uninitialized) {
		put(n->output(), val());
	} else if (k == prim::Enter || k == prim::Exit) {
		throw refusal(where(n) + ": with-statements are not supported");
	} else if (k == prim::fork || k == aten::wait) {
		throw refusal(where(n) + ": fork/wait (asynchronous TorchScript) is not supported");
	} else if (k == prim::CallMethod || k == prim::CallFunction) {
		throw refusal(
			where(n) +
			": a call that could not be inlined (an interface or a function value)");
	} else if (k == prim::RaiseException) {
		std::string msg = n->inputs().size() ? (get(n->input(0)).iv.isString()
								? get(n->input(0)).iv.toStringRef()
								: get(n->input(0)).iv.tagKind())
						     : "an exception";
		throw refusal(where(n) + ": the model raised: " + msg);
	} else if (k == prim::If) {
		val &c = get(n->input(0));
		bool cond = c.iv.toBool();
		if (c.dd)
			data_dependent(n, std::string("condition (taken: ") +
						  (cond ? "true" : "false") + ")");
		Block *b = n->blocks()[cond ? 0 : 1];
		exec_block(b);
		std::vector<val> out = block_outputs(this, b, env);
		auto it = frees_after.find(b->return_node());
		if (it != frees_after.end())
			for (const Value *v : it->second)
				env.erase(v);
		for (size_t i = 0; i < out.size(); i++)
			put(n->output(i), std::move(out[i]));
	} else if (k == prim::Loop) {
		val &maxv = get(n->input(0));
		val &c0 = get(n->input(1));
		int64_t max = maxv.iv.toInt();
		bool dd = maxv.dd || c0.dd;
		bool cond = c0.iv.toBool();
		Block *b = n->blocks()[0];
		std::vector<val> carried;
		for (size_t i = 2; i < n->inputs().size(); i++)
			carried.push_back(get(n->input(i)));
		unsigned long limit = opts->max_iterations ? opts->max_iterations : 1000000;
		for (int64_t i = 0; i < max && cond; i++) {
			if (dd)
				data_dependent(n, "trip count or condition");
			dd = false;
			if (++iterations > limit)
				throw refusal(where(n) + ": more than " + std::to_string(limit) +
					      " loop iterations to unroll");
			val iv;
			iv.iv = i;
			iv.dd = maxv.dd;
			put(b->inputs()[0], iv);
			for (size_t j = 0; j < carried.size(); j++)
				put(b->inputs()[j + 1], carried[j]);
			exec_block(b);
			std::vector<val> out = block_outputs(this, b, env);
			auto it = frees_after.find(b->return_node());
			if (it != frees_after.end())
				for (const Value *v : it->second)
					env.erase(v);
			for (const Value *v : b->inputs())
				env.erase(v);
			cond = out[0].iv.toBool();
			dd = out[0].dd;
			carried.assign(out.begin() + 1, out.end());
		}
		for (size_t i = 0; i < carried.size(); i++)
			put(n->output(i), std::move(carried[i]));
	} else if (k == prim::NumToTensor) {
		val &x = get(n->input(0));
		val r;
		r.iv = c10::scalar_to_tensor(x.iv.toScalar());
		r.shape = true;
		r.dd = x.dd;
		name_tensor(r.iv.toTensor(), fresh(n->output()->debugName()), true);
		put(n->output(), std::move(r));
	} else {
		exec_op(n);
	}
}

/* fixed argument I from text */
c10::IValue scalar_arg(const c10::TypePtr &t, const char *text, const std::string &name)
{
	char *end;
	if (irx_compat::is_bool_kind(t->kind())) {
		if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "True"))
			return true;
		if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "False"))
			return false;
	} else if (irx_compat::is_int_kind(t->kind())) {
		errno = 0;
		long long v = strtoll(text, &end, 0);
		if (!*end && end != text && !errno)
			return (int64_t)v;
	} else if (irx_compat::is_float_kind(t->kind())) {
		double v = strtod(text, &end);
		if (!*end && end != text)
			return v;
	}
	throw std::invalid_argument("argument '" + name + "' (" + t->annotation_str() +
				    ") cannot be '" + text + "'");
}

void walker::bind_inputs()
{
	const auto &in = graph->inputs();
	val self;
	self.iv = m->m._ivalue();
	paths[m->m._ivalue().get()] = "";
	for (const auto &sub : m->m.named_modules()) {
		auto name = sub.value.type()->name();
		if (name)
			module_types[sub.name] = python_class_name(name->qualifiedName());
	}
	for (const auto &p : m->m.named_parameters(true))
		state.emplace(p.value.unsafeGetTensorImpl(),
			      std::make_pair(p.name, IRX_TH_TS_PARAMETER));
	for (const auto &b : m->m.named_buffers(true))
		state.emplace(b.value.unsafeGetTensorImpl(),
			      std::make_pair(b.name, IRX_TH_TS_BUFFER));
	put(in[0], self);
	size_t ti = 0, si = 0;
	auto next_tensor = [&](const std::string &what) {
		if (ti >= opts->n_inputs)
			throw std::invalid_argument(
				"the method takes more tensors than were given (" + what +
				" is tensor " + std::to_string(ti + 1) + ")");
		return opts->inputs[ti++]->t;
	};
	auto user = [&](const at::Tensor &t, const std::string &name) {
		std::string nm = fresh(name);
		name_tensor(t, nm);
		irx_th h{t};
		check(sink->input(sink->ctx, IRX_TH_TS_USER_INPUT, nm.c_str(), nullptr, &h, err));
	};
	for (size_t i = 1; i < in.size(); i++) {
		const Value *v = in[i];
		std::string name = v->debugName();
		size_t dot = name.find('.');
		if (dot != std::string::npos && dot)
			name.resize(dot);
		c10::TypePtr t = v->type();
		val x;
		if (t->kind() == c10::TypeKind::TensorType) {
			x.iv = next_tensor(name);
			user(x.iv.toTensor(), name);
		} else if (t->kind() == c10::TypeKind::TupleType) {
			std::vector<c10::IValue> e;
			size_t j = 0;
			for (const c10::TypePtr &et : t->containedTypes()) {
				if (et->kind() != c10::TypeKind::TensorType)
					throw refusal("argument '" + name + "' is a " +
						      t->annotation_str() +
						      ": only tuples of tensors are flattened");
				e.push_back(next_tensor(name));
				user(e.back().toTensor(), name + "_" + std::to_string(j++));
			}
			x.iv = c10::ivalue::Tuple::create(std::move(e));
		} else if (t->kind() == c10::TypeKind::ListType &&
			   t->containedTypes()[0]->kind() == c10::TypeKind::TensorType) {
			if (i + 1 != in.size())
				throw refusal(
					"argument '" + name +
					"' is a list of tensors before other arguments: its length is unknown");
			c10::List<at::Tensor> l;
			for (size_t j = 0; ti < opts->n_inputs; j++) {
				l.push_back(next_tensor(name));
				user(l.get(j), name + "_" + std::to_string(j));
			}
			x.iv = l;
		} else if (irx_compat::is_int_kind(t->kind()) ||
			   irx_compat::is_float_kind(t->kind()) ||
			   irx_compat::is_bool_kind(t->kind())) {
			if (si >= opts->n_scalars)
				throw std::invalid_argument(
					"argument '" + name + "' (" + t->annotation_str() +
					") needs a value (--arg " + name + "=VALUE)");
			x.iv = scalar_arg(t, opts->scalars[si++], name);
			std::ostringstream s;
			s << name << "=" << x.iv;
			check(sink->note ? sink->note(sink->ctx, "fixed_argument", s.str().c_str(),
						      err)
					 : 0);
		} else if (t->kind() == c10::TypeKind::OptionalType) {
			x.iv = c10::IValue();
			check(sink->note ? sink->note(sink->ctx, "fixed_argument",
						      (name + "=None").c_str(), err)
					 : 0);
		} else {
			throw refusal(
				"argument '" + name + "' is a " + t->annotation_str() +
				": only tensors, tuples and lists of tensors, int, float and bool can be inputs");
		}
		put(v, std::move(x));
	}
	if (ti != opts->n_inputs)
		throw std::invalid_argument(std::to_string(opts->n_inputs) +
					    " tensors given, the method takes " +
					    std::to_string(ti));
	if (si != opts->n_scalars)
		throw std::invalid_argument(std::to_string(opts->n_scalars) +
					    " argument values given, the method takes " +
					    std::to_string(si));
}

void walker::output_value(const c10::IValue &v, const std::string &what)
{
	irx_th_value x;
	memset(&x, 0, sizeof(x));
	if (v.isTensor()) {
		const at::Tensor &t = v.toTensor();
		if (!t.defined()) {
			check(sink->output(sink->ctx, nullptr, &x, err));
			return;
		}
		const tensor_name *tn = lookup(t);
		std::string nm;
		if (tn && tn->shape) {
			/* a shape scalar returned as a tensor: a constant of the run */
			std::string c = fresh("_tensor_constant" + std::to_string(n_constants++));
			name_tensor(t, c);
			irx_th h{t};
			check(sink->input(sink->ctx, IRX_TH_TS_CONSTANT, c.c_str(), c.c_str(), &h,
					  err));
			nm = c;
		} else {
			nm = name_of(t);
		}
		irx_th h{t};
		x.kind = IRX_TH_TENSOR;
		x.u.t = &h;
		check(sink->output(sink->ctx, nm.c_str(), &x, err));
	} else if (v.isTuple()) {
		for (const c10::IValue &e : v.toTupleRef().elements())
			output_value(e, what);
	} else if (v.isList()) {
		for (const c10::IValue &e : v.toListRef())
			output_value(e, what);
	} else if (v.isInt() || v.isBool() || v.isDouble() || v.isNone()) {
		x.kind = v.isInt()      ? IRX_TH_INT
			 : v.isBool()   ? IRX_TH_BOOL
			 : v.isDouble() ? IRX_TH_FLOAT
					: IRX_TH_NONE;
		if (v.isInt())
			x.u.i = v.toInt();
		else if (v.isBool())
			x.u.i = v.toBool();
		else if (v.isDouble())
			x.u.f = v.toDouble();
		check(sink->output(sink->ctx, nullptr, &x, err));
	} else {
		std::string type = v.isObject() ? "an object of class " + v.type()->annotation_str()
				   : v.isGenericDict()
					   ? "a dict (" + v.type()->annotation_str() + ")"
				   : v.isString() ? "a str"
						  : "a " + v.tagKind();
		throw refusal("the method returns " + type +
			      ": only tensors, numbers and tuples or lists of them can be outputs");
	}
}

void walker::emit_outputs()
{
	for (const Value *v : graph->outputs())
		output_value(get(v).iv, v->debugName());
}

void walker::run()
{
	const char *method = opts->method ? opts->method : "forward";
	auto fn = m->m.find_method(method);
	if (!fn)
		throw refusal(no_method(m->m, method));
	graph = fn->graph()->copy();
	torch::jit::Inline(*graph);
	torch::jit::LowerSimpleTuples(graph);
	torch::jit::RemoveListMutation(graph);
	torch::jit::ConstantPropagation(graph);
	torch::jit::EliminateDeadCode(graph);
	/* refuse what can never run, before running anything */
	std::function<void(Block *)> scan = [&](Block *b) {
		for (Node *n : b->nodes()) {
			if (n->kind() == c10::prim::fork || n->kind() == c10::aten::wait)
				throw refusal(
					where(n) +
					": fork/wait (asynchronous TorchScript) is not supported");
			for (const Value *v : n->outputs())
				if (is_custom_class(v->type()))
					throw refusal(where(n) +
						      ": uses an object of the custom class " +
						      v->type()->annotation_str() +
						      ", which the IR cannot hold");
			for (Block *sub : n->blocks())
				scan(sub);
		}
	};
	scan(graph->block());
	plan_frees(graph->block());
	at::NoGradGuard no_grad;
	bind_inputs();
	exec_block(graph->block());
	emit_outputs();
}

/* "Unknown builtin op: aten::scaled_dot_product_attention." -> a line that says what to do */
std::string load_failure(const std::string &what)
{
	std::istringstream in(what);
	for (std::string l; std::getline(in, l);) {
		size_t p;
		if ((p = l.find("Unknown builtin op: ")) != std::string::npos) {
			std::string op = l.substr(p + 20);
			while (!op.empty() && (op.back() == '.' || op.back() == ' '))
				op.pop_back();
			return "the archive uses the operator " + op +
			       ", which the linked libtorch " TORCH_VERSION
			       " does not have: a libtorch at least as new as the torch that wrote it reads it";
		}
		if ((p = l.find("Unknown type name '")) != std::string::npos) {
			std::string t = l.substr(p + 19);
			t.resize(std::min(t.size(), t.find('\'')));
			if (t.rfind("__torch__.torch.classes.", 0) == 0)
				return "the archive holds an object of the custom class " + t +
				       ", which libtorch " TORCH_VERSION
				       " does not know and the IR cannot hold";
			return "the archive names the type " + t +
			       ", which libtorch " TORCH_VERSION " does not know";
		}
	}
	return "";
}

/* a load failure: a refusal when irx can say what is missing, else
 * libtorch's own first line, said of the TorchScript archive */
[[noreturn]] void refuse_load(const std::string &what)
{
	std::string why = load_failure(what);
	if (!why.empty())
		throw refusal(why);
	irx_error e = {};
	set_error(&e, IRX_EFORMAT, what);
	std::string line = e.text;
	size_t p;
	if (!line.compare(0, 14, "[enforce fail ") && (p = line.find("] ")) != std::string::npos)
		line = line.substr(p + 2);
	while (!line.empty() && (line[0] == '.' || line[0] == ' '))
		line.erase(0, 1);
	throw std::runtime_error(
		"libtorch " TORCH_VERSION " cannot load this TorchScript archive: " + line);
}

} // namespace

extern "C" {

irx_status irx_th_ts_load(irx_th_ts **out, const char *path, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> int {
		try {
			auto *m = new irx_th_ts{torch::jit::load(path, c10::Device(c10::kCPU))};
			m->m.eval();
			*out = m;
		} catch (const c10::Error &e) {
			refuse_load(irx_compat::message(e));
		} catch (const std::exception &e) {
			refuse_load(e.what());
		}
		return IRX_OK;
	});
}

void irx_th_ts_free(irx_th_ts *m) { delete m; }

char *irx_th_ts_methods(const irx_th_ts *m)
{
	try {
		std::ostringstream s;
		for (const auto &meth : m->m.get_methods()) {
			const auto &schema = meth.function().getSchema();
			s << meth.name() << "(";
			for (size_t i = 1; i < schema.arguments().size(); i++)
				s << (i > 1 ? ", " : "") << schema.arguments()[i].name() << ": "
				  << schema.arguments()[i].type()->annotation_str();
			s << ")";
			if (schema.returns().size() == 1)
				s << " -> " << schema.returns()[0].type()->annotation_str();
			s << "\n";
		}
		return strdup(s.str().c_str());
	} catch (...) {
		return nullptr;
	}
}

irx_status irx_th_ts_n_tensor_inputs(long *out, const irx_th_ts *m, const char *method,
				     irx_error *err)
{
	*out = 0;
	return guarded(err, [&]() -> int {
		auto fn = const_cast<torch::jit::Module &>(m->m).find_method(method ? method
										    : "forward");
		if (!fn)
			throw refusal(no_method(m->m, method ? method : "forward"));
		const auto &args = fn->function().getSchema().arguments();
		long n = 0;
		for (size_t i = 1; i < args.size(); i++) {
			c10::TypePtr t = args[i].type();
			if (t->kind() == c10::TypeKind::TensorType)
				n++;
			else if (t->kind() == c10::TypeKind::TupleType)
				for (const auto &e : t->containedTypes())
					n += e->kind() == c10::TypeKind::TensorType;
			else if (t->kind() == c10::TypeKind::ListType &&
				 t->containedTypes()[0]->kind() == c10::TypeKind::TensorType)
				n = -1;
			if (n < 0)
				break;
		}
		*out = n;
		return IRX_OK;
	});
}

irx_status irx_th_ts_traced_inputs(irx_th_results **out, int *shapes_only, const char *path,
				   const char *method, irx_error *err)
{
	*out = nullptr;
	*shapes_only = 0;
	return guarded(err, [&]() -> int {
		caffe2::serialize::PyTorchStreamReader reader(path);
		if (!reader.hasRecord("traced_inputs.pkl")) {
			set_error(err, IRX_EMISMATCH, "the archive has no traced_inputs.pkl");
			return IRX_EMISMATCH;
		}
		c10::IValue v = torch::jit::readArchiveAndTensors(
			"traced_inputs", "", "traced_inputs/", c10::nullopt, c10::nullopt,
			c10::Device(c10::kCPU), reader);
		if (!v.isGenericDict())
			throw std::runtime_error("traced_inputs.pkl is not a dict");
		auto d = v.toGenericDict();
		auto it = d.find(std::string(method ? method : "forward"));
		if (it == d.end()) {
			set_error(err, IRX_EMISMATCH,
				  "traced_inputs.pkl has no inputs for this method");
			return IRX_EMISMATCH;
		}
		auto *r = new irx_th_results;
		std::function<void(const c10::IValue &)> add = [&](const c10::IValue &x) {
			if (x.isTensor()) {
				at::Tensor t = x.toTensor();
				/* torch 2.6 and 2.14 write traced_inputs/N entries of 0
				 * bytes: the shapes are there, the values are not */
				if (t.numel() > 0 &&
				    (!t.has_storage() || !t.storage().data() ||
				     t.storage().nbytes() <
					     static_cast<size_t>(t.numel()) * t.element_size())) {
					*shapes_only = 1;
					t = at::empty(t.sizes(), t.options().device(c10::kMeta));
				}
				irx_th_value tv;
				memset(&tv, 0, sizeof(tv));
				tv.kind = IRX_TH_TENSOR;
				r->tensors.push_back(new irx_th{t});
				tv.u.t = r->tensors.back();
				r->values.push_back(tv);
			} else if (x.isTuple()) {
				for (const auto &e : x.toTupleRef().elements())
					add(e);
			} else if (x.isList()) {
				for (const auto &e : x.toListRef())
					add(e);
			}
		};
		try {
			add(it->value());
		} catch (...) {
			delete r;
			throw;
		}
		*out = r;
		return IRX_OK;
	});
}

irx_status irx_th_ts_walk(irx_th_ts *m, const irx_th_ts_options *opts, const irx_th_ts_sink *sink,
			  irx_error *err)
{
	return guarded(err, [&]() -> int {
		walker w(m, opts, sink, err);
		try {
			w.run();
		} catch (const std::invalid_argument &e) {
			set_error(err, IRX_EINVAL, e.what());
			return IRX_EINVAL;
		} catch (...) {
			if (err && err->code) /* the sink failed, and said why */
				return err->code;
			throw;
		}
		return IRX_OK;
	});
}

} /* extern "C" */
