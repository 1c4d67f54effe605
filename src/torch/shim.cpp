/*
 * shim.cpp: libirx-torch, the C ABI of irx/torch.h over libtorch.
 *
 * Operators are called boxed: arguments are matched to the live schema
 * of the linked libtorch by name, converted to IValues by the schema's
 * types, and pushed in schema order with the schema's defaults for what
 * was not given.  No operator has code of its own here.
 */
#include <config.h>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <torch/script.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "irx/dtype.h"
#include "irx/torch.h"
}
#include "blas.h"
#include "compat.h"
#include "dtypes.h"
#include "handles.h"

struct irx_th_op {
	c10::OperatorHandle handle;
	std::string schema;
	explicit irx_th_op(c10::OperatorHandle h) : handle(std::move(h)) {}
};

struct irx_th_module {
	torch::jit::Module m;
};

/*
 * A call prepared once (irx_th_call_new) and made at every run: the stack
 * of every argument that is not a tensor, converted and with the defaults
 * filled in, and where each tensor goes in it.  A run copies the stack,
 * puts the tensors in their places and calls; the stack is scratch space
 * kept between runs, emptied after each.
 */
struct irx_th_call {
	c10::OperatorHandle handle;
	std::vector<c10::IValue> constants; /* by schema position; slots None */
	struct slot {
		size_t param, arg; /* schema position, index in the caller's args */
	};
	std::vector<slot> slots; /* converted at each run */
	size_t n_args;
	torch::jit::Stack stack;
	explicit irx_th_call(c10::OperatorHandle h) : handle(std::move(h)), n_args(0) {}
};

/* ---- errors ------------------------------------------------------------- */

namespace {

/*
 * One line from a message that libtorch spreads over several: the first
 * line that says something, except that a TorchScript traceback ("The
 * following operation failed ...", then the script) ends with the cause
 * ("RuntimeError: ..."), which is the line worth showing.
 */
void set_error(irx_error *err, irx_status code, const char *what)
{
	const char *line = what, *best = NULL;

	if (!err || err->code)
		return;
	err->code = code;
	for (const char *p = what; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t n = strcspn(p, "\n");
		if (!best && n && strspn(p, " \t") < n)
			best = p;
		if (!strncmp(p, "RuntimeError: ", 14) || !strncmp(p, "Unknown builtin op", 18))
			line = p + (p[0] == 'R' ? 14 : 0);
	}
	if (line == what && best)
		line = best;
	snprintf(err->text, sizeof(err->text), "%.*s", (int)strcspn(line, "\n"), line);
	if (!err->text[0])
		snprintf(err->text, sizeof(err->text), "libtorch failed without a message");
}

/* Run F, turning every exception into an irx_error. */
template <typename F> irx_status guarded(irx_error *err, F f)
{
	try {
		return f();
	} catch (const c10::Error &e) {
		const char *m = irx_compat::message(e);
		set_error(err, IRX_EFORMAT, m && *m ? m : e.what());
	} catch (const std::bad_alloc &) {
		set_error(err, IRX_ENOMEM, "out of memory");
	} catch (const std::invalid_argument &e) {
		set_error(err, IRX_EINVAL, e.what());
	} catch (const std::exception &e) {
		set_error(err, IRX_EFORMAT, e.what());
	} catch (...) {
		set_error(err, IRX_EFORMAT, "libtorch failed with an unknown exception");
	}
	return err && err->code ? err->code : IRX_EFORMAT;
}

irx_status fail(irx_error *err, irx_status code, const std::string &text)
{
	set_error(err, code, text.c_str());
	return code;
}

/* ---- memory ----------------------------------------------------------- */

/*
 * libtorch's CPU allocator with a budget.  The IR states every output's
 * size, and the planner holds nodes to --max-memory by those claims; this
 * holds libtorch to it whatever an operator's arguments make it allocate
 * (aten::zeros of a size the IR understates), so that a lie is an error
 * naming the node instead of the kernel's OOM killer.  Each block carries
 * its size in front (64 bytes keep the 64-byte alignment alloc_cpu gives);
 * the data pointer is its own context, as the default allocator's is.
 */
class budget_allocator final : public c10::Allocator {
public:
	mutable std::atomic<size_t> limit{0}, held{0};

	c10::DataPtr allocate(size_t n) IRX_ALLOCATE_CONST override
	{
		size_t now = held.fetch_add(n) + n, max = limit.load();
		if (max && now > max) {
			held.fetch_sub(n);
			throw std::runtime_error("allocating " + std::to_string(n) +
						 " bytes would take libtorch past --max-memory (" +
						 std::to_string(max) + " bytes, " +
						 std::to_string(now - n) + " held)");
		}
		uint8_t *base;
		try {
			base = static_cast<uint8_t *>(c10::alloc_cpu(n + header));
		} catch (...) {
			held.fetch_sub(n);
			throw;
		}
		*reinterpret_cast<size_t *>(base) = n;
		return {base + header, base + header, &release, c10::Device(c10::DeviceType::CPU)};
	}
	c10::DeleterFnPtr raw_deleter() const override { return &release; }
	IRX_ALLOCATOR_COPY_DATA

	static budget_allocator &get()
	{
		static budget_allocator a;
		return a;
	}

private:
	static constexpr size_t header = 64;
	static void release(void *p)
	{
		if (!p)
			return;
		uint8_t *base = static_cast<uint8_t *>(p) - header;
		get().held.fetch_sub(*reinterpret_cast<size_t *>(base));
		c10::free_cpu(base);
	}
};

/* ---- dtypes ----------------------------------------------------------- */

bool scalar_type(int d, c10::ScalarType *out)
{
	switch (d) {
	case IRX_DTYPE_UINT8: *out = at::kByte; return true;
	case IRX_DTYPE_INT8: *out = at::kChar; return true;
	case IRX_DTYPE_INT16: *out = at::kShort; return true;
	case IRX_DTYPE_INT32: *out = at::kInt; return true;
	case IRX_DTYPE_INT64: *out = at::kLong; return true;
	case IRX_DTYPE_FLOAT16: *out = at::kHalf; return true;
	case IRX_DTYPE_FLOAT32: *out = at::kFloat; return true;
	case IRX_DTYPE_FLOAT64: *out = at::kDouble; return true;
	case IRX_DTYPE_COMPLEX32: *out = at::kComplexHalf; return true;
	case IRX_DTYPE_COMPLEX64: *out = at::kComplexFloat; return true;
	case IRX_DTYPE_COMPLEX128: *out = at::kComplexDouble; return true;
	case IRX_DTYPE_BOOL: *out = at::kBool; return true;
	case IRX_DTYPE_BFLOAT16: *out = at::kBFloat16; return true;
	default: return irx_compat::scalar_type_of(d, out);
	}
}

enum irx_dtype dtype_of(c10::ScalarType s) { return irx_dtype_of_scalar(s); }

c10::ScalarType need_scalar_type(int d)
{
	c10::ScalarType s;
	if (!scalar_type(d, &s))
		throw std::runtime_error(std::string("dtype ") +
					 (irx_dtype_name(static_cast<enum irx_dtype>(d))
						  ? irx_dtype_name(static_cast<enum irx_dtype>(d))
						  : "(unknown)") +
					 " is not in this libtorch (" TORCH_VERSION ")");
	return s;
}

/* "float32" or "torch.float32" */
c10::ScalarType scalar_type_named(const char *name)
{
	if (!strncmp(name, "torch.", 6))
		name += 6;
	int d = irx_dtype_from_name(name);
	if (d <= 0)
		throw std::runtime_error(std::string("unknown dtype '") + name + "'");
	return need_scalar_type(d);
}

int64_t layout_named(const char *name)
{
	if (!strncmp(name, "torch.", 6))
		name += 6;
	if (!strcmp(name, "strided"))
		return static_cast<int64_t>(c10::Layout::Strided);
	if (!strcmp(name, "sparse_coo"))
		return static_cast<int64_t>(c10::Layout::Sparse);
	throw std::runtime_error(std::string("unknown layout '") + name + "'");
}

int64_t memory_format_named(const char *name)
{
	static const struct {
		const char *name;
		c10::MemoryFormat f;
	} formats[] = {
		{"contiguous_format", c10::MemoryFormat::Contiguous},
		{"preserve_format", c10::MemoryFormat::Preserve},
		{"channels_last", c10::MemoryFormat::ChannelsLast},
		{"channels_last_3d", c10::MemoryFormat::ChannelsLast3d},
	};
	if (!strncmp(name, "torch.", 6))
		name += 6;
	for (const auto &x : formats)
		if (!strcmp(name, x.name))
			return static_cast<int64_t>(x.f);
	throw std::runtime_error(std::string("unknown memory format '") + name + "'");
}

/* A dtype, layout or memory format by name, as the int libtorch 1.13's
 * schemas type them. */
int64_t enum_named(const char *name)
{
	const char *bare = strncmp(name, "torch.", 6) ? name : name + 6;
	int d = irx_dtype_from_name(bare);

	if (d > 0)
		return static_cast<int64_t>(need_scalar_type(d));
	if (!strcmp(bare, "strided") || !strcmp(bare, "sparse_coo"))
		return layout_named(bare);
	return memory_format_named(bare);
}

/*
 * Range checks of the integers libtorch casts to its enums without
 * looking: a dtype of 9999 is an out-of-bounds table read inside ATen.
 * Only values this libtorch defines (and, for dtypes, that irx knows)
 * pass.  libtorch 1.13 types dtypes, layouts and memory formats as int,
 * so there the argument's name says which enum it is.
 */
enum class enum_kind { none, dtype, layout, memory_format, reduction, grid_mode };

enum_kind enum_of(c10::TypeKind k, const std::string &arg)
{
	switch (k) {
	case c10::TypeKind::ScalarTypeType: return enum_kind::dtype;
	case c10::TypeKind::LayoutType: return enum_kind::layout;
	case c10::TypeKind::MemoryFormatType: return enum_kind::memory_format;
	default: break;
	}
	if (!irx_compat::is_int_kind(k))
		return enum_kind::none;
	if (arg == "dtype" || (arg.size() > 6 && !arg.compare(arg.size() - 6, 6, "_dtype")))
		return enum_kind::dtype;
	if (arg == "layout")
		return enum_kind::layout;
	if (arg == "memory_format")
		return enum_kind::memory_format;
	if (arg == "reduction")
		return enum_kind::reduction;
	if (arg == "interpolation_mode" || arg == "padding_mode")
		return enum_kind::grid_mode;
	return enum_kind::none;
}

int64_t checked_enum(enum_kind e, int64_t i)
{
	int64_t limit = 0;
	const char *what = "";

	switch (e) {
	case enum_kind::none: return i;
	case enum_kind::dtype:
		if (i >= 0 && i < static_cast<int64_t>(c10::ScalarType::NumOptions) &&
		    dtype_of(static_cast<c10::ScalarType>(i)) != IRX_DTYPE_UNKNOWN)
			return i;
		limit = -1, what = "dtype";
		break;
	case enum_kind::layout:
		limit = static_cast<int64_t>(c10::Layout::NumOptions), what = "layout";
		break;
	case enum_kind::memory_format:
		limit = static_cast<int64_t>(c10::MemoryFormat::NumOptions), what = "memory format";
		break;
	case enum_kind::reduction: limit = at::Reduction::END, what = "reduction"; break;
	case enum_kind::grid_mode: limit = 3, what = "grid sampler mode"; break;
	}
	if (i >= 0 && i < limit)
		return i;
	throw std::runtime_error(std::to_string(i) + " is not a " + what +
				 " of libtorch " TORCH_VERSION);
}

/* Devices irx runs on: the CPU (a meta device was made the CPU already). */
c10::Device checked_device(const char *s)
{
	if (strcmp(s, "cpu") && strncmp(s, "cpu:", 4))
		throw std::runtime_error(std::string("device '") + s +
					 "' is not one irx runs on (cpu)");
	return c10::Device(std::string(s));
}

/* ---- values ----------------------------------------------------------- */

const irx_th_value none_value = {IRX_TH_NONE, {0}};

at::Tensor tensor_of(const irx_th *t)
{
	if (!t)
		throw std::runtime_error("a tensor argument is missing (NULL)");
	return t->t;
}

/* A number where the schema says Tensor: what eager mode wraps it into. */
at::Tensor wrapped_number(const irx_th_value &v)
{
	at::Tensor t = v.kind == IRX_TH_FLOAT  ? at::scalar_tensor(v.u.f, at::kDouble)
		       : v.kind == IRX_TH_BOOL ? at::scalar_tensor((bool)v.u.i, at::kBool)
					       : at::scalar_tensor(v.u.i, at::kLong);
	t.unsafeGetTensorImpl()->set_wrapped_number(true);
	return t;
}

c10::Scalar scalar_of(const irx_th_value &v)
{
	switch (v.kind) {
	case IRX_TH_BOOL: return c10::Scalar((bool)v.u.i);
	case IRX_TH_INT: return c10::Scalar(v.u.i);
	case IRX_TH_FLOAT: return c10::Scalar(v.u.f);
	default: throw std::runtime_error("a Scalar must be a number");
	}
}

std::string type_name(const c10::TypePtr &t) { return t->str(); }

/* VALUE as an IValue of schema type TYPE. */
c10::IValue to_ivalue(const c10::TypePtr &declared, const irx_th_value &v, const std::string &arg)
{
	c10::TypePtr type = declared;
	if (type->kind() == c10::TypeKind::OptionalType) {
		if (v.kind == IRX_TH_NONE)
			return c10::IValue();
		type = type->expectRef<c10::OptionalType>().getElementType();
	}
	c10::TypeKind k = type->kind();
	auto bad = [&]() {
		return std::runtime_error("type " + type_name(declared) +
					  " cannot take this value");
	};
	if (k == c10::TypeKind::TensorType) {
		if (v.kind == IRX_TH_TENSOR)
			return tensor_of(v.u.t);
		if (v.kind == IRX_TH_INT || v.kind == IRX_TH_FLOAT || v.kind == IRX_TH_BOOL)
			return wrapped_number(v);
		throw bad();
	}
	if (irx_compat::is_int_kind(k)) {
		if (v.kind == IRX_TH_INT || v.kind == IRX_TH_BOOL)
			return checked_enum(enum_of(k, arg), v.u.i);
		if (v.kind ==
		    IRX_TH_STR) /* libtorch 1.13 types dtypes, layouts and memory formats as int */
			return enum_named(v.u.s);
		throw bad();
	}
	if (irx_compat::is_float_kind(k)) {
		if (v.kind == IRX_TH_FLOAT)
			return v.u.f;
		if (v.kind == IRX_TH_INT)
			return static_cast<double>(v.u.i);
		throw bad();
	}
	if (irx_compat::is_bool_kind(k)) {
		if (v.kind == IRX_TH_BOOL || v.kind == IRX_TH_INT)
			return v.u.i != 0;
		throw bad();
	}
	switch (k) {
	case c10::TypeKind::NumberType: return scalar_of(v);
	case c10::TypeKind::StringType:
		if (v.kind == IRX_TH_STR)
			return std::string(v.u.s);
		throw bad();
	case c10::TypeKind::ScalarTypeType:
		if (v.kind == IRX_TH_STR)
			return static_cast<int64_t>(scalar_type_named(v.u.s));
		if (v.kind == IRX_TH_INT)
			return checked_enum(enum_of(k, arg), v.u.i);
		throw bad();
	case c10::TypeKind::LayoutType:
		if (v.kind == IRX_TH_STR)
			return layout_named(v.u.s);
		if (v.kind == IRX_TH_INT)
			return checked_enum(enum_of(k, arg), v.u.i);
		throw bad();
	case c10::TypeKind::MemoryFormatType:
		if (v.kind == IRX_TH_STR)
			return memory_format_named(v.u.s);
		if (v.kind == IRX_TH_INT)
			return checked_enum(enum_of(k, arg), v.u.i);
		throw bad();
	case c10::TypeKind::DeviceObjType:
		if (v.kind == IRX_TH_STR)
			return checked_device(v.u.s);
		throw bad();
	case c10::TypeKind::GeneratorType:
		if (v.kind == IRX_TH_NONE)
			return c10::IValue();
		throw bad();
	case c10::TypeKind::ListType: {
		c10::TypePtr elem = type->expectRef<c10::ListType>().getElementType();
		c10::TypeKind ek = elem->kind();
		if (irx_compat::is_int_kind(ek)) {
			std::vector<int64_t> l;
			if (v.kind == IRX_TH_INTS)
				l.assign(v.u.ints.v, v.u.ints.v + v.u.ints.n);
			else if (v.kind == IRX_TH_INT) /* int[2] stride=1 */
				l.assign(1, v.u.i);
			else
				throw bad();
			for (int64_t &i : l)
				i = checked_enum(enum_of(ek, arg), i);
			return l;
		}
		if (irx_compat::is_float_kind(ek) && v.kind == IRX_TH_FLOATS)
			return std::vector<double>(v.u.floats.v, v.u.floats.v + v.u.floats.n);
		if (irx_compat::is_bool_kind(ek) &&
		    (v.kind == IRX_TH_BOOLS || v.kind == IRX_TH_INTS)) {
			c10::List<bool> l;
			for (size_t i = 0; i < v.u.ints.n; i++)
				l.push_back(v.u.ints.v[i] != 0);
			return l;
		}
		if (ek == c10::TypeKind::TensorType && v.kind == IRX_TH_TENSORS) {
			std::vector<at::Tensor> l;
			for (size_t i = 0; i < v.u.tensors.n; i++)
				l.push_back(tensor_of(v.u.tensors.v[i]));
			return l;
		}
		if (ek == c10::TypeKind::OptionalType && v.kind == IRX_TH_TENSORS) {
			c10::List<c10::optional<at::Tensor>> l;
			for (size_t i = 0; i < v.u.tensors.n; i++)
				l.push_back(v.u.tensors.v[i]
						    ? c10::optional<at::Tensor>(v.u.tensors.v[i]->t)
						    : c10::nullopt);
			return l;
		}
		if (ek == c10::TypeKind::StringType && v.kind == IRX_TH_STR)
			return std::vector<std::string>{v.u.s};
		throw bad();
	}
	default: throw std::runtime_error("type " + type_name(declared) + " is not one irx passes");
	}
}

/* Argument P's IValue; what is wrong with it is said of the argument. */
c10::IValue arg_ivalue(const c10::Argument &p, const irx_th_value &v)
{
	try {
		return to_ivalue(p.type(), v, p.name());
	} catch (const std::exception &e) {
		throw std::runtime_error("argument '" + p.name() + "': " + e.what());
	}
}

/* Whether TYPE is Tensor or Tensor?. */
bool takes_tensor(const c10::TypePtr &type)
{
	if (type->kind() == c10::TypeKind::OptionalType)
		return type->expectRef<c10::OptionalType>().getElementType()->kind() ==
		       c10::TypeKind::TensorType;
	return type->kind() == c10::TypeKind::TensorType;
}

/* Which of ARGS gives each parameter of SCHEMA, by name (n_args: none). */
std::vector<size_t> match_args(const c10::FunctionSchema &schema, const irx_th_arg *args,
			       size_t n_args)
{
	const auto &params = schema.arguments();
	std::vector<size_t> given(params.size(), n_args);

	for (size_t i = 0; i < n_args; i++) {
		size_t p = 0;
		while (p < params.size() && params[p].name() != args[i].name)
			p++;
		if (p == params.size())
			throw std::invalid_argument(schema.name() + " has no argument '" +
						    args[i].name + "'");
		given[p] = i;
	}
	return given;
}

irx_th *own(irx_th_results *r, at::Tensor t)
{
	irx_th *h = new irx_th{std::move(t)};
	r->tensors.push_back(h);
	return h;
}

/* A returned IValue as a value of R; nested tuples and lists are flattened
 * into one value per tensor. */
void add_result(irx_th_results *r, const c10::IValue &v)
{
	irx_th_value x = none_value;

	if (v.isTensor()) {
		if (v.toTensor().defined()) {
			x.kind = IRX_TH_TENSOR;
			x.u.t = own(r, v.toTensor());
		}
	} else if (v.isTensorList()) {
		std::vector<irx_th *> l;
		for (const at::Tensor &t : v.toTensorVector())
			l.push_back(t.defined() ? own(r, t) : nullptr);
		r->lists.push_back(std::move(l));
		x.kind = IRX_TH_TENSORS;
		x.u.tensors.v = r->lists.back().data();
		x.u.tensors.n = r->lists.back().size();
	} else if (v.isInt()) {
		x.kind = IRX_TH_INT;
		x.u.i = v.toInt();
	} else if (v.isDouble()) {
		x.kind = IRX_TH_FLOAT;
		x.u.f = v.toDouble();
	} else if (v.isBool()) {
		x.kind = IRX_TH_BOOL;
		x.u.i = v.toBool();
	} else if (v.isTuple()) {
		for (const c10::IValue &e : v.toTupleRef().elements())
			add_result(r, e);
		return;
	} else if (v.isList()) {
		for (const c10::IValue &e : v.toListRef())
			add_result(r, e);
		return;
	} else if (v.isGenericDict()) {
		for (const auto &kv : v.toGenericDict())
			add_result(r, kv.value());
		return;
	} else if (!v.isNone()) {
		throw std::runtime_error("a result of type " + v.tagKind() +
					 " is not something irx reads");
	}
	r->values.push_back(x);
}

/* Lists moved into R keep their data pointers; fix them once R is full. */
void settle(irx_th_results *r)
{
	size_t l = 0;
	for (irx_th_value &x : r->values)
		if (x.kind == IRX_TH_TENSORS)
			x.u.tensors.v = r->lists[l++].data();
}

} // namespace

/* ---- C ABI --------------------------------------------------------------- */

extern "C" {

const char *irx_th_version(void) { return TORCH_VERSION; }

void irx_th_set_memory_limit(size_t bytes)
{
	static std::once_flag installed;

	budget_allocator::get().limit = bytes;
	if (bytes)
		std::call_once(installed,
			       [] { c10::SetCPUAllocator(&budget_allocator::get(), UINT8_MAX); });
}

void irx_th_set_threads(int n)
{
	if (n > 0)
		at::set_num_threads(n);
	irx_th_blas_set_threads(n);
}

irx_status irx_th_from_view(irx_th **out, const irx_tensor *t, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		auto opts = at::TensorOptions().dtype(need_scalar_type(t->dtype));
		std::vector<int64_t> shape(t->shape, t->shape + t->ndim);
		std::vector<int64_t> strides(t->strides, t->strides + t->ndim);
		at::Tensor x = t->numel && t->data ? at::from_blob(const_cast<uint8_t *>(t->data),
								   shape, strides, opts)
						   : at::empty_strided(shape, strides, opts);
		*out = new irx_th{std::move(x)};
		return IRX_OK;
	});
}

irx_status irx_th_from_copy(irx_th **out, const irx_tensor *t, irx_error *err)
{
	irx_th *view;
	irx_status rc = irx_th_from_view(&view, t, err);

	*out = nullptr;
	if (rc)
		return rc;
	rc = guarded(err, [&]() -> irx_status {
		*out = new irx_th{view->t.clone(at::MemoryFormat::Contiguous)};
		return IRX_OK;
	});
	delete view;
	return rc;
}

irx_th *irx_th_retain(const irx_th *t)
{
	try {
		return new irx_th{t->t};
	} catch (...) {
		return nullptr;
	}
}

void irx_th_free(irx_th *t) { delete t; }

void irx_th_view(irx_tensor *out, const irx_th *t)
{
	memset(out, 0, sizeof(*out));
	out->dtype = dtype_of(t->t.scalar_type());
	out->ndim = (int)t->t.dim();
	out->shape = t->t.sizes().data();
	out->strides = t->t.strides().data();
	out->numel = t->t.numel();
	out->device = "cpu";
	out->storage = -1;
	out->data = t->t.numel() ? static_cast<const uint8_t *>(t->t.data_ptr()) : nullptr;
}

const void *irx_th_storage_id(const irx_th *t)
{
	return t->t.defined() && t->t.has_storage() ? t->t.storage().unsafeGetStorageImpl()
						    : nullptr;
}

size_t irx_th_storage_nbytes(const irx_th *t)
{
	return t->t.defined() && t->t.has_storage() ? t->t.storage().nbytes() : 0;
}

irx_status irx_th_random(irx_th **out, enum irx_dtype dtype, const int64_t *shape, int ndim,
			 uint64_t seed, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		c10::ScalarType s = need_scalar_type(dtype);
		std::vector<int64_t> sz(shape, shape + ndim);
		at::Generator gen = at::detail::createCPUGenerator(seed);
		at::Tensor x;
		if (at::isFloatingType(s) || at::isComplexType(s))
			x = at::randn(sz, gen, at::TensorOptions().dtype(s));
		else if (s == at::kBool)
			x = at::randint(0, 2, sz, gen, at::TensorOptions().dtype(at::kLong)).to(s);
		else
			x = at::randint(0, 10, sz, gen, at::TensorOptions().dtype(s));
		*out = new irx_th{std::move(x)};
		return IRX_OK;
	});
}

irx_status irx_th_to_dtype(irx_th **out, const irx_th *t, enum irx_dtype dtype, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		*out = new irx_th{t->t.to(need_scalar_type(dtype))};
		return IRX_OK;
	});
}

size_t irx_th_results_count(const irx_th_results *r) { return r->values.size(); }

const irx_th_value *irx_th_results_at(const irx_th_results *r, size_t i)
{
	return i < r->values.size() ? &r->values[i] : nullptr;
}

void irx_th_results_free(irx_th_results *r) { delete r; }

irx_status irx_th_op_find(irx_th_op **out, const char *name, const char *overload, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		auto h = c10::Dispatcher::singleton().findSchema({name, overload ? overload : ""});
		if (!h)
			return fail(
				err, IRX_EUNSUPPORTED,
				std::string("libtorch ") + TORCH_VERSION + " has no operator " +
					name +
					(overload && *overload ? std::string(".") + overload : ""));
		auto *op = new irx_th_op(*h);
		std::ostringstream s;
		s << op->handle.schema();
		op->schema = s.str();
		*out = op;
		return IRX_OK;
	});
}

void irx_th_op_free(irx_th_op *op) { delete op; }

const char *irx_th_op_schema(const irx_th_op *op) { return op->schema.c_str(); }

size_t irx_th_op_n_args(const irx_th_op *op) { return op->handle.schema().arguments().size(); }

const char *irx_th_op_arg_name(const irx_th_op *op, size_t i)
{
	const auto &args = op->handle.schema().arguments();
	return i < args.size() ? args[i].name().c_str() : nullptr;
}

int irx_th_op_arg_has_default(const irx_th_op *op, size_t i)
{
	const auto &args = op->handle.schema().arguments();
	return i < args.size() && args[i].default_value().has_value();
}

irx_status irx_th_op_call(irx_th_results **out, const irx_th_op *op, const irx_th_arg *args,
			  size_t n_args, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		const c10::FunctionSchema &schema = op->handle.schema();
		const auto &params = schema.arguments();
		std::vector<size_t> given = match_args(schema, args, n_args);
		torch::jit::Stack stack;
		stack.reserve(params.size());
		for (size_t p = 0; p < params.size(); p++) {
			if (given[p] < n_args)
				stack.push_back(arg_ivalue(params[p], args[given[p]].value));
			else if (params[p].default_value())
				stack.push_back(*params[p].default_value());
			else
				return fail(err, IRX_EINVAL,
					    schema.name() + ": argument '" + params[p].name() +
						    "' has no default and was not given");
		}
		op->handle.callBoxed(&stack);
		auto *r = new irx_th_results;
		try {
			for (const c10::IValue &v : stack)
				add_result(r, v);
			settle(r);
		} catch (...) {
			delete r;
			throw;
		}
		*out = r;
		return IRX_OK;
	});
}

irx_status irx_th_op_check(const irx_th_op *op, const irx_th_arg *args, size_t n_args,
			   irx_error *err)
{
	return guarded(err, [&]() -> irx_status {
		const auto &params = op->handle.schema().arguments();
		std::vector<size_t> given = match_args(op->handle.schema(), args, n_args);
		for (size_t p = 0; p < params.size(); p++)
			if (given[p] < n_args && args[given[p]].value.kind != IRX_TH_TENSOR &&
			    args[given[p]].value.kind != IRX_TH_TENSORS)
				arg_ivalue(params[p], args[given[p]].value);
		return IRX_OK;
	});
}

irx_status irx_th_call_new(irx_th_call **out, const irx_th_op *op, const irx_th_arg *args,
			   size_t n_args, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		const c10::FunctionSchema &schema = op->handle.schema();
		const auto &params = schema.arguments();
		std::vector<size_t> given = match_args(schema, args, n_args);
		auto c = std::make_unique<irx_th_call>(op->handle);
		c->n_args = n_args;
		c->constants.reserve(params.size());
		for (size_t p = 0; p < params.size(); p++) {
			const irx_th_value *v = given[p] < n_args ? &args[given[p]].value : nullptr;
			/* tensors, and numbers where the schema says Tensor (made
			 * into a new tensor each run, as irx_th_op_call does: an
			 * operator may write to it or return it) */
			if (v && (v->kind == IRX_TH_TENSOR || v->kind == IRX_TH_TENSORS ||
				  (v->kind != IRX_TH_NONE && takes_tensor(params[p].type())))) {
				c->slots.push_back({p, given[p]});
				c->constants.emplace_back();
			} else if (v)
				c->constants.push_back(arg_ivalue(params[p], *v));
			else if (params[p].default_value())
				c->constants.push_back(*params[p].default_value());
			else
				return fail(err, IRX_EINVAL,
					    schema.name() + ": argument '" + params[p].name() +
						    "' has no default and was not given");
		}
		c->stack.reserve(params.size() + schema.returns().size());
		*out = c.release();
		return IRX_OK;
	});
}

void irx_th_call_free(irx_th_call *c) { delete c; }

irx_status irx_th_call_run(irx_th **out, irx_th_call *c, const irx_th_arg *args, size_t n_args,
			   const irx_th_pick *picks, size_t n_out, irx_error *err)
{
	for (size_t k = 0; k < n_out; k++)
		out[k] = nullptr;
	if (n_args != c->n_args)
		return fail(err, IRX_EINVAL,
			    "the call was prepared with " + std::to_string(c->n_args) +
				    " arguments, not " + std::to_string(n_args));
	irx_status rc = guarded(err, [&]() -> irx_status {
		const auto &params = c->handle.schema().arguments();
		torch::jit::Stack &stack = c->stack;
		stack.assign(c->constants.begin(), c->constants.end());
		for (const irx_th_call::slot &s : c->slots)
			stack[s.param] = arg_ivalue(params[s.param], args[s.arg].value);
		c->handle.callBoxed(&stack);
		/* one result per returned value, unless something is to be
		 * flattened (or refused): then as irx_th_op_call numbers them */
		bool flat = true;
		for (const c10::IValue &v : stack)
			flat = flat && (v.isTensor() || v.isTensorList() || v.isInt() ||
					v.isDouble() || v.isBool() || v.isNone());
		std::unique_ptr<irx_th_results> r;
		if (!flat) {
			r = std::make_unique<irx_th_results>();
			for (const c10::IValue &v : stack)
				add_result(r.get(), v);
			settle(r.get());
		}
		for (size_t k = 0; k < n_out; k++) {
			const irx_th_pick &p = picks[k];
			at::Tensor t;
			if (r) {
				const irx_th_value *v = irx_th_results_at(r.get(), p.result);
				if (v && v->kind == IRX_TH_TENSOR && !p.listed)
					t = v->u.t->t;
				else if (v && v->kind == IRX_TH_TENSORS && p.listed &&
					 p.list_index < v->u.tensors.n &&
					 v->u.tensors.v[p.list_index])
					t = v->u.tensors.v[p.list_index]->t;
			} else if (p.result < stack.size()) {
				const c10::IValue &v = stack[p.result];
				if (v.isTensor() && !p.listed)
					t = v.toTensor();
				else if (v.isTensorList() && p.listed &&
					 p.list_index < v.toTensorList().size())
					t = v.toTensorList().get(p.list_index);
			}
			if (t.defined())
				out[k] = new irx_th{std::move(t)};
		}
		stack.clear();
		return IRX_OK;
	});
	if (rc) {
		c->stack.clear(); /* no tensor kept past a failure either */
		for (size_t k = 0; k < n_out; k++) {
			delete out[k];
			out[k] = nullptr;
		}
	}
	return rc;
}

void irx_th_each_schema(void (*fn)(void *ctx, const char *schema), void *ctx)
{
	auto &d = c10::Dispatcher::singleton();

	for (const c10::OperatorName &name : d.getAllOpNames()) {
		auto h = d.findSchema(name);
		if (!h)
			continue;
		std::ostringstream s;
		s << h->schema();
		fn(ctx, s.str().c_str());
	}
}

irx_status irx_th_module_load(irx_th_module **out, const char *path, irx_error *err)
{
	*out = nullptr;
	irx_status rc = guarded(err, [&]() -> irx_status {
		auto *m = new irx_th_module{torch::jit::load(path, c10::Device(c10::kCPU))};
		m->m.eval();
		*out = m;
		return IRX_OK;
	});
	/* A trace from a newer torch calls an operator this libtorch lacks
	 * (libtorch 1.13 and a trace with attention): said as that, with the
	 * operator, rather than in the TorchScript compiler's words. */
	const char *unknown = rc && err ? strstr(err->text, "Unknown builtin op: ") : nullptr;
	if (unknown) {
		std::string op(unknown + strlen("Unknown builtin op: "));
		op.resize(std::min(op.size(), op.find_first_of(". \n")));
		err->code = IRX_OK; /* set_error keeps a first error */
		return fail(err, IRX_EUNSUPPORTED,
			    "libtorch " + std::string(irx_th_version()) +
				    " cannot load this TorchScript model: it calls " + op +
				    ", an operator of a newer torch that this libtorch lacks "
				    "(compare with --expected, torch's own outputs)");
	}
	return rc;
}

void irx_th_module_free(irx_th_module *m) { delete m; }

irx_status irx_th_module_set(irx_th_module *m, const char *name, const irx_th *t, irx_error *err)
{
	return guarded(err, [&]() -> irx_status {
		at::NoGradGuard no_grad;
		for (const auto &p : m->m.named_parameters(true))
			if (p.name == name) {
				p.value.copy_(t->t);
				return IRX_OK;
			}
		for (const auto &b : m->m.named_buffers(true))
			if (b.name == name) {
				b.value.copy_(t->t);
				return IRX_OK;
			}
		return fail(err, IRX_EINVAL,
			    std::string("the TorchScript module has no parameter or buffer '") +
				    name + "'");
	});
}

irx_status irx_th_module_forward(irx_th_results **out, irx_th_module *m, irx_th *const *inputs,
				 size_t n, irx_error *err)
{
	*out = nullptr;
	return guarded(err, [&]() -> irx_status {
		at::NoGradGuard no_grad;
		std::vector<c10::IValue> in;
		for (size_t i = 0; i < n; i++)
			in.push_back(tensor_of(inputs[i]));
		c10::IValue res = m->m.forward(in);
		auto *r = new irx_th_results;
		try {
			add_result(r, res);
			settle(r);
		} catch (...) {
			delete r;
			throw;
		}
		*out = r;
		return IRX_OK;
	});
}

} /* extern "C" */
