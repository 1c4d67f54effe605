#!/usr/bin/env python3
"""Capture a PyTorch model for irx: a meta-device export plus real weights,
inputs and the outputs eager PyTorch gives for them.

    python3 src/tools/irx-capture.py [options] MODULE:FACTORY OUTDIR
    python3 src/tools/irx-capture.py [options] path/to/file.py:FACTORY OUTDIR

FACTORY is called with no arguments and returns (model, inputs), or
(model, inputs, dynamic_shapes), or a dict with the keys model, args,
kwargs, dynamic_shapes and name (all but model optional): inputs is a
tensor, a tuple of the model's positional arguments (tensors, possibly
nested in tuples, lists and dicts) or a dict of its keyword arguments
(forward(input_ids=..., attention_mask=...)); dynamic_shapes is what
torch.export.export takes (torch.export.Dim). The weights are whatever the
factory made; the random generators are seeded (--seed, default 0) before it
is called.

How the values are kept without the weights: the model is exported with its
parameters as fake tensors on the CPU (FakeTensor over meta storage: no
memory, whatever their size) and its buffers real, while the default device
stays the CPU. Tensors forward makes (T5's position buckets and mask minimum,
ALiBi slopes, relative positions, grids) are then real and torch.export
lifts them as constants with their values; non-persistent buffers (Llama's
inv_freq) keep theirs. Both go to constants.pt. With --meta the factory
runs with nn.Module.register_parameter patched (as accelerate's
init_empty_weights(include_buffers=False)): every parameter is moved to the
meta device as it is registered, before anything writes it, so a model of
any size is built and captured in memory independent of its parameters;
there are then no weights, outputs or reference to write (the weights come
from the model's checkpoint).

OUTDIR then holds (with --name NAME every file is NAME.<file> instead):

  model.pt2               torch.export.save of the exported model: the
                          program, no tensor data (every parameter, buffer
                          and constant is on the meta device in it)
  state_dict.pt           torch.save(model.state_dict()), real weights
  state_dict.safetensors  the same in safetensors, when the safetensors module
                          is there (tied weights are written once per name)
  constants.pt            only for models that have them: the values of the
                          non-persistent buffers and tensor constants (lifted
                          from forward) the program reads (not in a state
                          dict, and meta in the archive), torch.save of a
                          dict keyed by their names in the program
  inputs.pt               torch.save(list of the input tensors), the pytree
                          leaves of the inputs, in the program's input order
  expected.pt             torch.save(list of the output tensors) of the eager
                          model on those inputs, in the program's output order
                          (the pytree leaves of the output)
  reference.pt            torch.jit.trace of the real model (TorchScript, real
                          weights inside) returning the same flat outputs;
                          left out, with a note, when tracing fails
  intermediates/          with --intermediates: every node's outputs from torch's
                          run of model.pt2 with the real weights and inputs, one
                          safetensors file per node keyed by the IR's tensor names
                          (docs/trace-format.md; subgraph calls in
                          NODE.subgraphs/GRAPH/); --intermediates-stats: only
                          each output's statistics; irx-verify --per-node
                          --trace OUTDIR/intermediates reads either
  expected_mutated.pt     only for models that update buffers: torch.save of a
                          dict, buffer's state_dict key -> its value after the
                          eager forward (batch norm statistics with --train,
                          in-place updates such as buf.add_(1) in either mode),
                          for every buffer the program updates (irx-verify
                          --expected-mutated)
  capture.json            what was captured: model name (--model-name,
                          default the module's class name), torch version, inputs and outputs
                          (shape, dtype), operators in the program (and those
                          that name the meta device in an argument, such as
                          arange(device=meta): an executor must run them on
                          its own device), notes

Then convert the meta export and check it with the real weights:

    irx-export OUTDIR/model.pt2 | irx-convert > model.ir.json
    irx-verify -w OUTDIR/state_dict.pt -w OUTDIR/constants.pt \\
        -i OUTDIR/inputs.pt --expected=OUTDIR/expected.pt model.ir.json
    irx-verify -w OUTDIR/state_dict.pt -i OUTDIR/inputs.pt \\
        --reference=OUTDIR/reference.pt model.ir.json

As a module (the file name has a dash, so load it by path):

    spec = importlib.util.spec_from_file_location("irx_capture", "src/tools/irx-capture.py")
    cap = importlib.util.module_from_spec(spec); spec.loader.exec_module(cap)
    cap.capture(model, (x,), "out/")

Needs Python >= 3.9 and torch >= 2.1 (torch.export); 2.6 and 2.14 are
tested. The model name is also stored in the archive (extra file
irx_model_name), where irx-export finds it for the IR's model_name.
"""

import argparse
import contextlib
import copy
import importlib
import importlib.util
import json
import os
import random
import sys
import warnings

__all__ = ["CaptureError", "capture", "capture_intermediates", "check_capture", "empty_weights", "load_factory",
           "main", "trace_file_name"]

_SUFFIX = {
    "pt2": "model.pt2",
    "state_dict": "state_dict.pt",
    "safetensors": "state_dict.safetensors",
    "constants": "constants.pt",
    "inputs": "inputs.pt",
    "expected": "expected.pt",
    "mutated": "expected_mutated.pt",
    "reference": "reference.pt",
    "json": "capture.json",
}


class CaptureError(RuntimeError):
    """A model that cannot be captured, or a torch that cannot capture."""


def _torch():
    try:
        import torch
    except ImportError as e:
        raise CaptureError(f"needs PyTorch >= 2.1 (torch.export) in the Python that runs it "
                           f"({sys.executable}, Python {sys.version.split()[0]}): {e}; install torch "
                           "there, or run irx-capture with a Python that has it") from None
    ver = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2] if p.isdigit())
    if ver < (2, 1) or not hasattr(torch, "export") and not _has_export():
        raise CaptureError(
            f"needs torch >= 2.1 (torch.export); {sys.executable} has torch {torch.__version__}")
    return torch


def _has_export():
    try:
        import torch.export  # noqa: F401
    except ImportError:
        return False
    return True


def paths(out_dir, name=None):
    """The files capture() writes, {kind: path}: kinds pt2, state_dict,
    safetensors, constants, inputs, expected, reference, json."""
    if name:
        return {k: os.path.join(out_dir, f"{name}.{v[len('model.'):] if k == 'pt2' else v}")
                for k, v in _SUFFIX.items()}
    return {k: os.path.join(out_dir, v) for k, v in _SUFFIX.items()}


def seed_all(seed=0):
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy

        numpy.random.seed(seed)
    except ImportError:
        pass


def _dtype_str(dt):
    s = str(dt)
    return s[len("torch."):] if s.startswith("torch.") else s


def _own(t):
    """A detached, contiguous copy with its own storage (outputs may be views
    of an input or of each other; torch.save would write the whole storage)."""
    import torch

    return t.detach().clone(memory_format=torch.contiguous_format)


def _leaves(tree, what):
    import torch
    import torch.utils._pytree as pytree

    leaves = pytree.tree_leaves(tree)
    for i, v in enumerate(leaves):
        if not isinstance(v, torch.Tensor):
            raise CaptureError(f"{what} leaf {i} is a {type(v).__name__}, not a tensor; "
                               "irx-capture handles tensor inputs and outputs only")
    return leaves


def _clone_tree(tree):
    import torch
    import torch.utils._pytree as pytree

    return pytree.tree_map(lambda v: _own(v) if isinstance(v, torch.Tensor) else v, tree)


def _to_meta_tree(tree):
    import torch
    import torch.utils._pytree as pytree

    return pytree.tree_map(lambda v: v.to("meta") if isinstance(v, torch.Tensor) else v, tree)


def _to_meta_model(model, notes):
    """A copy of model on the meta device. Module.to() moves parameters and
    buffers; plain tensor attributes (lifted as constants by torch.export)
    are moved here too."""
    import torch

    m = copy.deepcopy(model).to("meta")
    moved = []
    for mname, mod in m.named_modules():
        for k, v in list(vars(mod).items()):
            if isinstance(v, torch.Tensor) and not isinstance(v, torch.nn.Parameter) and v.device.type != "meta":
                setattr(mod, k, v.to("meta"))
                moved.append(f"{mname}.{k}" if mname else k)
    if moved:
        notes.append("plain tensor attributes moved to meta (values in constants.pt): " + ", ".join(moved))
    return m


def _export(model, args, kwargs, dynamic_shapes, strict):
    import torch

    kw = {} if dynamic_shapes is None else {"dynamic_shapes": dynamic_shapes}
    modes = [False, True] if strict is None else [bool(strict)]
    first = None
    for s in modes:
        try:
            return torch.export.export(model, args, kwargs or None, strict=s, **kw), f"strict={s}"
        except Exception as e:  # try the other tracer (torch 2.6 sometimes needs strict=True)
            first = first or e
    raise first


def _resolve(model, target):
    obj = model
    for part in target.split("."):
        if not hasattr(obj, part):
            return None
        obj = getattr(obj, part)
    return obj


def _graph_ops(ep):
    """Unique call_function targets: top-level graph, then nested graphs
    (the branches and bodies of higher-order operators), then those of them
    that name the meta device in an argument (arange(device=meta), ...)."""
    import operator

    import torch
    import torch.fx

    def name(t):
        if isinstance(t, torch._ops.OpOverload):
            return str(t)
        if isinstance(t, torch._ops.HigherOrderOperator):
            return "higher_order." + t.name()
        return f"{getattr(t, '__module__', None) or 'builtins'}.{getattr(t, '__name__', str(t))}"

    meta = torch.device("meta")
    found = []

    def see(a):
        if isinstance(a, torch.device) and a == meta:
            found.append(a)
        return a

    top, nested, on_meta = set(), set(), set()
    for gm_name, gm in ep.graph_module.named_modules():
        graph = getattr(gm, "graph", None)
        if graph is None:
            continue
        for n in graph.nodes:
            if n.op == "call_function" and n.target is not operator.getitem:
                (nested if gm_name else top).add(name(n.target))
                found.clear()
                torch.fx.node.map_aggregate((n.args, n.kwargs), see)
                if found:
                    on_meta.add(name(n.target))
    return sorted(top), sorted(nested - top), sorted(on_meta)


def _tensor_desc(t):
    import torch

    d = {"shape": list(t.shape), "dtype": _dtype_str(t.dtype)}
    if t.dtype.is_floating_point or t.dtype.is_complex:
        f = t.detach().to(torch.float64) if not t.dtype.is_complex else t.detach().abs().to(torch.float64)
        fin = torch.isfinite(f)
        d["nonfinite"] = int((~fin).sum())
        d["max_abs"] = float(f[fin].abs().max()) if bool(fin.any()) else None
    return d


def _check_signature(ep, inputs, outputs):
    """The program's user inputs and outputs must line up with the flattened
    eager ones: count, dtype, and every static dimension."""
    import torch
    from torch.export.graph_signature import InputKind, OutputKind

    nodes = {n.name: n for n in ep.graph.nodes}
    user_in = [s.arg.name for s in ep.graph_signature.input_specs
               if s.kind == InputKind.USER_INPUT and hasattr(s.arg, "name")]
    user_out = [getattr(s.arg, "name", None) for s in ep.graph_signature.output_specs
                if s.kind == OutputKind.USER_OUTPUT]
    for what, names, tensors in (("input", user_in, inputs), ("output", user_out, outputs)):
        if len(names) != len(tensors):
            raise CaptureError(f"the program has {len(names)} user {what}s, the eager model {len(tensors)}")
        for i, (n, t) in enumerate(zip(names, tensors)):
            v = nodes[n].meta.get("val") if n in nodes else None
            if not isinstance(v, torch.Tensor):
                continue
            if v.dtype != t.dtype or v.dim() != t.dim():
                raise CaptureError(f"{what} {i} ({n}): program has {v.dtype} rank {v.dim()}, "
                                   f"eager {t.dtype} rank {t.dim()}")
            for a, b in zip(v.shape, t.shape):
                if isinstance(a, int) and a != b:
                    raise CaptureError(f"{what} {i} ({n}): program shape {list(v.shape)}, eager {list(t.shape)}")


class _Flat:
    """Built lazily (needs torch): a wrapper whose forward returns the flat
    tuple of output leaves, so that a trace returns what expected.pt holds."""

    cls = None

    @classmethod
    def make(cls, model, in_spec=None):
        """in_spec: the pytree spec of (args, kwargs) when the model takes
        keyword inputs; the wrapper then takes the flat input leaves."""
        import torch
        import torch.utils._pytree as pytree

        if cls.cls is None:
            class IrxFlatOutputs(torch.nn.Module):
                def __init__(self, inner, in_spec):
                    super().__init__()
                    self.inner = inner
                    self.in_spec = in_spec

                def forward(self, *args):
                    if self.in_spec is not None:
                        a, k = pytree.tree_unflatten(list(args), self.in_spec)
                        return tuple(pytree.tree_leaves(self.inner(*a, **k)))
                    return tuple(pytree.tree_leaves(self.inner(*args)))

            cls.cls = IrxFlatOutputs
        return cls.cls(model, in_spec)


def _is_flat(out):
    import torch

    if isinstance(out, torch.Tensor):
        return True
    return type(out) in (tuple, list) and all(isinstance(v, torch.Tensor) for v in out)


def _trace(pristine, args, kwargs, eager_out, path, notes):
    """torch.jit.trace a copy of the model and save it; returns a short status.
    A model with keyword inputs is traced through a wrapper that takes the
    flat inputs (those of inputs.pt)."""
    import torch
    import torch.utils._pytree as pytree

    m = copy.deepcopy(pristine)
    wrapped = not _is_flat(eager_out) or bool(kwargs)
    if kwargs:
        leaves, spec = pytree.tree_flatten((args, kwargs))
        m = _Flat.make(m, spec)
        targs = tuple(_own(t) for t in leaves)
    else:
        if wrapped:
            m = _Flat.make(m)
        targs = tuple(_clone_tree(args))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(m, targs, strict=False, check_trace=False)
            # tracing ran forward once: undo what it did to the buffers
            # (in-place updates) so the saved module starts where the model did
            ref = dict(pristine.state_dict(keep_vars=True))
            for k, v in traced.state_dict().items():
                src = ref.get(k[len("inner."):] if wrapped else k)
                if src is not None and src.shape == v.shape:
                    v.copy_(src)
            torch.jit.save(traced, path)
    except Exception as e:
        if os.path.exists(path):
            os.unlink(path)
        msg = str(e).strip().splitlines()
        notes.append(f"no reference.pt: torch.jit.trace failed: {type(e).__name__}: {msg[0] if msg else ''}"[:400])
        return "failed"
    if wrapped:
        notes.append("reference.pt wraps the model (submodule 'inner') to return the flat tuple of outputs")
    return "wrapped" if wrapped else "ok"


def _safetensors(sd, path, notes):
    try:
        from safetensors.torch import save_file
    except ImportError:
        notes.append("no state_dict.safetensors: the safetensors module is not installed")
        return False
    out, seen, tied = {}, {}, []
    for k, v in sd.items():
        v = v.detach()
        key = (v.untyped_storage().data_ptr(), v.untyped_storage().nbytes()) if v.numel() else None
        if key is not None and key in seen:
            tied.append(f"{k}={seen[key]}")
        elif key is not None:
            seen[key] = k
        out[k] = _own(v)   # safetensors refuses shared storages: one copy per name
    meta = {"format": "pt"}
    if tied:
        meta["irx_tied"] = ",".join(tied)
        notes.append("state_dict.safetensors: tied weights written once per name (" + ", ".join(tied) + ")")
    save_file(out, path, metadata=meta)
    return True


@contextlib.contextmanager
def empty_weights():
    """Build models inside this with every parameter on the meta device and
    the buffers real (accelerate's init_empty_weights(include_buffers=False)):
    register_parameter moves each parameter to meta as it is registered.
    Its CPU tensor was only allocated, never written (the initialisation
    runs after registration, on meta), so memory does not grow with the
    model's size."""
    import torch

    old = torch.nn.Module.register_parameter

    def register(self, name, param):
        old(self, name, param)
        p = self._parameters.get(name)
        if p is not None and p.device.type != "meta":
            cls = type(p) if isinstance(p, torch.nn.Parameter) else torch.nn.Parameter
            self._parameters[name] = cls(p.detach().to("meta"), requires_grad=p.requires_grad)

    torch.nn.Module.register_parameter = register
    try:
        yield
    finally:
        torch.nn.Module.register_parameter = old


def _fake_model(model, notes):
    """A copy of model whose parameters are FakeTensors that say "cpu" over
    meta storage (no memory): torch.export traces them like real CPU
    tensors, so whatever forward makes on the input's device or from Python
    data is real and lifted with its value. Buffers stay real; meta buffers
    (a factory that built everything on meta) become fake too and have no
    value. Tied parameters stay tied (one copy per tensor)."""
    import torch
    from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode

    try:
        from torch.fx.experimental.symbolic_shapes import ShapeEnv
        fm = FakeTensorMode(allow_non_fake_inputs=True, shape_env=ShapeEnv())
    except ImportError:
        fm = FakeTensorMode(allow_non_fake_inputs=True)
    cpu = torch.device("cpu")

    def fake(t):
        dev = cpu if t.device.type == "meta" else t.device
        return FakeTensor(fm, torch.empty(t.shape, dtype=t.dtype, device="meta"), dev)

    memo, meta_bufs = {}, []
    for p in model.parameters():
        memo[id(p)] = torch.nn.Parameter(fake(p), requires_grad=p.requires_grad)
    for n, b in model.named_buffers():
        if b.device.type == "meta":
            memo[id(b)] = fake(b)
            meta_bufs.append(n)
    if meta_bufs:
        notes.append("buffers built on the meta device (no values; build with --meta instead "
                     "of torch.device('meta')): " + ", ".join(meta_bufs))
    return copy.deepcopy(model, memo)


def _is_real(t):
    import torch

    if not isinstance(t, torch.Tensor) or t.device.type == "meta":
        return False
    try:
        from torch._subclasses.fake_tensor import FakeTensor
    except ImportError:
        return True
    return not isinstance(t, FakeTensor)


def _strip_data(ep):
    """Every parameter, buffer and constant of the program on meta: the
    archive holds the program only (values: state_dict.pt, constants.pt)."""
    import torch

    def meta(v):
        return torch.empty(tuple(int(d) for d in v.shape), dtype=v.dtype, device="meta")

    sd = ep.state_dict
    for k, v in list(sd.items()):
        sd[k] = torch.nn.Parameter(meta(v), requires_grad=v.requires_grad) \
            if isinstance(v, torch.nn.Parameter) else meta(v)
    cs = ep.constants
    for k, v in list(cs.items()):
        if isinstance(v, torch.Tensor):
            cs[k] = meta(v)


def _order_kwargs(model, kwargs):
    """Keyword inputs in the order of forward's parameters, as torch.export
    orders them: the program's user inputs, inputs.pt and the reference
    all follow it."""
    import inspect

    try:
        names = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        names = []
    out = {k: kwargs[k] for k in names if k in kwargs}
    out.update({k: v for k, v in kwargs.items() if k not in out})
    return out


def capture(model, example_inputs, out_dir, name=None, dynamic_shapes=None, *, kwargs=None,
            train=False, model_name=None, seed=0, decompose=False, strict=None, reference=True,
            safetensors=True):
    """Capture model for irx into out_dir (see the module docstring for the
    files). example_inputs: a tensor, a tuple of positional arguments or a
    dict of keyword arguments; kwargs: keyword arguments besides. train:
    capture in train mode (the program is functionalized so that buffer
    updates are mutations; expected_mutated.pt holds the updated buffers).
    A model whose parameters are on the meta device (built in
    empty_weights()) is captured without weights: no state dict, outputs or
    reference. decompose: save ep.run_decompositions() (core ATen).
    strict: None tries torch.export's non-strict tracer, then the strict
    one. Returns the capture.json document (a dict)."""
    torch = _torch()
    import torch.utils._pytree as pytree
    from torch.export.graph_signature import InputKind, OutputKind

    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    if isinstance(example_inputs, dict):
        kwargs = {**example_inputs, **(kwargs or {})}
        example_inputs = ()
    args = tuple(example_inputs)
    kwargs = _order_kwargs(model, kwargs or {})
    model_name = model_name or type(model).__name__
    os.makedirs(out_dir, exist_ok=True)
    p = paths(out_dir, name)
    for f in p.values():
        if os.path.exists(f):
            os.unlink(f)
    notes = []
    no_weights = any(t.device.type == "meta" for t in model.parameters())

    # (a) seed, mode; a pristine copy that nothing runs on
    seed_all(seed)
    model.train(bool(train))
    pristine = model if no_weights else copy.deepcopy(model)
    in_leaves = [_own(t) for t in _leaves((args, kwargs), "input")]

    # (e) the program, saved below once checked against the eager outputs:
    # exported first, before anything whose memory use may vary from run to
    # run (torch writes the id() of graphs into a decomposed program's node
    # metadata; with address randomisation off they then repeat)
    seed_all(seed)
    try:
        ep, how = _export(_fake_model(pristine, notes), args, kwargs, dynamic_shapes, strict)
        how += ", fake cpu parameters"
    except Exception as e:
        if no_weights:
            raise CaptureError(f"torch.export failed: {type(e).__name__}: {str(e).strip()[:400]}") from None
        msg = str(e).strip().splitlines()
        notes.append(f"export with fake CPU parameters failed ({type(e).__name__}: "
                     f"{msg[0] if msg else ''}), exported on meta: tensors forward makes on "
                     "the input's device have no values")
        ep, how = _export(_to_meta_model(pristine, notes), _to_meta_tree(args),
                          _to_meta_tree(kwargs), dynamic_shapes, strict)
    if decompose:
        ep = ep.run_decompositions()
    elif train:
        # functionalize only: in-place buffer updates become mutation outputs
        ep = ep.run_decompositions({})
    mutated_targets = [s.target for s in ep.graph_signature.output_specs
                       if s.kind == OutputKind.BUFFER_MUTATION]

    # constants the program reads that no state dict holds: forward-made
    # tensors and non-persistent buffers, real in the fake-parameter export
    consts, missing = {}, []
    for s in ep.graph_signature.input_specs:
        if s.kind == InputKind.CONSTANT_TENSOR or (s.kind == InputKind.BUFFER and not s.persistent):
            c = ep.constants.get(s.target)
            if not _is_real(c):
                c = _resolve(pristine, s.target)
            if _is_real(c):
                consts[s.target] = _own(c)
            else:
                missing.append(s.target)
    _strip_data(ep)

    out_leaves, mutated, sd = None, {}, {}
    if no_weights:
        notes.append("parameters on the meta device: no state_dict, expected outputs or reference "
                     "(the weights come from the model's checkpoint)")
    else:
        # (b) eager outputs, on a copy (forward may update buffers or inputs in place)
        eager = copy.deepcopy(pristine)
        with torch.no_grad():
            seed_all(seed)
            a2, k2 = _clone_tree((args, kwargs))
            eager_out = eager(*a2, **k2)
        out_leaves = [_own(t) for t in _leaves(eager_out, "output")]
        for t in mutated_targets:
            v = _resolve(eager, t)
            if isinstance(v, torch.Tensor):
                mutated[t] = _own(v)
        # in-place buffer updates that the export keeps as in-place nodes
        # (eval mode: not in the signature; irx-convert lists them as
        # mutations too): the buffers forward changed
        for k, v in eager.named_buffers():
            before = _resolve(pristine, k)
            if (k not in mutated and isinstance(before, torch.Tensor) and before.shape == v.shape
                    and not torch.equal(before, v)):
                mutated[k] = _own(v)
                mutated_targets.append(k)

        # (c) state dict (+ safetensors)
        sd = {k: v.detach() for k, v in pristine.state_dict().items()}
        torch.save(pristine.state_dict(), p["state_dict"])
        has_st = safetensors and _safetensors(sd, p["safetensors"], notes)
        torch.save(out_leaves, p["expected"])
        if mutated:
            torch.save(mutated, p["mutated"])

    # (d) inputs
    torch.save(in_leaves, p["inputs"])

    # (e) continued: the program's inputs and outputs must line up with these
    if out_leaves is not None:
        _check_signature(ep, in_leaves, out_leaves)
    try:
        torch.export.save(ep, p["pt2"], extra_files={"irx_model_name": model_name})
    except TypeError:
        torch.export.save(ep, p["pt2"])

    if consts:
        torch.save(consts, p["constants"])
    if missing:
        notes.append("constants with no value anywhere (meta in the archive, not attributes of the model): "
                     + ", ".join(missing))

    # (f) TorchScript reference
    if no_weights or not reference:
        ref = "not asked" if not no_weights else "no weights"
    elif train:
        ref = "not in train mode"
        notes.append("no reference.pt in train mode (a trace would update its own buffers)")
    else:
        ref = _trace(pristine, args, kwargs, eager_out, p["reference"], notes)

    top, nested, on_meta = _graph_ops(ep)
    doc = {
        "name": name or "model",
        "model_name": model_name,
        "torch_version": torch.__version__,
        "export": how + (", run_decompositions" if decompose else ", functionalized" if train else ""),
        "mode": "train" if train else "eval",
        "seed": seed,
        "files": {k: os.path.basename(v) for k, v in p.items() if os.path.exists(v) or k == "json"},
        "inputs": [_tensor_desc(t) for t in in_leaves],
        "keyword_inputs": list(kwargs),
        "outputs": [_tensor_desc(t) for t in out_leaves] if out_leaves is not None else [],
        "state_dict": len(sd),
        "constants": sorted(consts),
        "mutations": mutated_targets,
        "reference": ref,
        "ops": top,
        "subgraph_ops": nested,
        "meta_device_ops": on_meta,
        "notes": notes,
    }
    if no_weights or not has_st:
        doc["files"].pop("safetensors", None)
    with open(p["json"], "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    return doc



# ---- --intermediates: torch's own value of every node (docs/trace-format.md) ----
#
# Kept apart from capture() so that the option stays one block: the program
# is run node by node with torch.fx.Interpreter, with the real weights and the
# captured inputs, and each node's outputs are written where irx-verify
# --per-node --trace reads them.

_TRACE_STEM_MAX = 200   # irx/trace.h IRX_TRACE_STEM_MAX
_TRACE_CUT = _TRACE_STEM_MAX - 1 - 64
STATS_FIELDS = ("min", "max", "mean", "absmax", "nan", "inf")


def trace_file_name(name):
    """(file, key): the file of node NAME's record in a trace directory and
    the name's whole encoding (its irx.node), as irx_trace_file_name()."""
    import hashlib

    raw = name.encode("utf-8", "surrogateescape")
    enc = []
    for i, c in enumerate(raw):
        ch = chr(c)
        if ch.isascii() and (ch.isalnum() or ch in "_-" or (ch == "." and i)):
            enc.append(ch)
        else:
            enc.append("%%%02X" % c)
    key = "".join(enc) if raw else "%"
    if len(key) <= _TRACE_STEM_MAX:
        return key + ".safetensors", key
    n, cut = 0, 0
    for piece in enc:
        if n + len(piece) > _TRACE_CUT:
            break
        n += len(piece)
        cut += 1
    return "".join(enc[:cut]) + "~" + hashlib.sha256(raw).hexdigest() + ".safetensors", key


def _node_outputs(node, value):
    """{IR tensor name: tensor} of an fx node's value: the node's own name for
    one tensor; for a tuple or list, the names of the getitem nodes that take
    its elements (the IR's names for them)."""
    import operator

    import torch

    if isinstance(value, torch.Tensor):
        return {node.name: value}
    out = {}
    if isinstance(value, (tuple, list)):
        for u in node.users:
            if u.op == "call_function" and u.target is operator.getitem and isinstance(u.args[1], int):
                v = value[u.args[1]]
                if isinstance(v, torch.Tensor):
                    out[u.name] = v
    return out


def tensor_stats(t):
    """float64[6]: min, max, mean, absmax over the finite elements (NaN when
    there are none), then the counts of NaN and of infinities."""
    import torch

    f = t.detach().to(torch.float64) if not t.is_complex() else t.detach().abs().to(torch.float64)
    f = f.reshape(-1)
    fin = f[torch.isfinite(f)]
    nan = float("nan")
    return torch.tensor([float(fin.min()) if fin.numel() else nan, float(fin.max()) if fin.numel() else nan,
                         float(fin.mean()) if fin.numel() else nan,
                         float(fin.abs().max()) if fin.numel() else nan,
                         float(torch.isnan(f).sum()), float(torch.isinf(f).sum())], dtype=torch.float64)


def _run_recorded(ep, sd, consts, in_leaves):
    """Run the exported program (meta device made CPU) with the real values;
    returns {"nodes": [(name, {tensor: value})], "subgraphs": {node: {graph:
    the same, for the last call}}}."""
    import operator

    import torch
    import torch.fx
    from torch.export.graph_signature import InputKind, TensorArgument

    gm = copy.deepcopy(ep.graph_module)
    _demeta_graph(gm)
    user = iter(in_leaves)
    vals = []
    for s in ep.graph_signature.input_specs:
        if s.kind == InputKind.USER_INPUT:
            vals.append(next(user).clone() if isinstance(s.arg, TensorArgument) else getattr(s.arg, "value", None))
        elif s.target in sd and s.kind in (InputKind.PARAMETER, InputKind.BUFFER):
            vals.append(sd[s.target].clone())
        elif s.target in consts:
            vals.append(consts[s.target].clone())
        elif s.target in ep.constants:
            c = ep.constants[s.target]
            vals.append(c.clone() if isinstance(c, torch.Tensor) else c)
        else:
            raise CaptureError(f"--intermediates: no value for program input {s.target}")

    stack = []

    class Recorder(torch.fx.Interpreter):
        def __init__(self, mod, rec):
            super().__init__(mod)
            self.rec = rec

        def run_node(self, n):
            stack.append((self.rec, n.name))
            try:
                res = super().run_node(n)
            finally:
                stack.pop()
            # getitem takes an element of a node's results: the IR has no
            # such node, its value is recorded under the node that made it
            if n.op == "call_function" and n.target is not operator.getitem:
                outs = _node_outputs(n, res)
                if outs:
                    self.rec["nodes"].append((n.name, {k: _own(v) for k, v in outs.items()}))
            return res

    def patch(mod):
        # a higher-order operator calls its subgraph as a module: record
        # that call under the node that made it
        for gname, sub in mod.named_children():
            if isinstance(sub, torch.fx.GraphModule):
                patch(sub)

                def fwd(*args, _sub=sub, _g=gname):
                    rec, node = stack[-1]
                    mine = {"nodes": [], "subgraphs": {}}
                    rec["subgraphs"].setdefault(node, {})[_g] = mine
                    return Recorder(_sub, mine).run(*args)

                sub.forward = fwd

    patch(gm)
    top = {"nodes": [], "subgraphs": {}}
    with torch.no_grad():
        Recorder(gm, top).run(*vals)
    return top


_ST_DTYPES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16", "int64": "I64",
              "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
              "complex64": "C64"}


def save_file(tensors, path, metadata):
    """A safetensors file written here rather than by the safetensors module,
    whose header order (a hash map) changes from run to run: the same
    values then give the same bytes."""
    import torch

    header, blobs, off = {"__metadata__": dict(sorted(metadata.items()))}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous()
        dt = _ST_DTYPES.get(_dtype_str(t.dtype))
        if dt is None:
            raise CaptureError(f"--intermediates: {k}: no safetensors dtype for {t.dtype}")
        b = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[k] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def _write_trace(rec, out_dir, stats):
    """One safetensors file per node (docs/trace-format.md) in out_dir, and a
    directory NODE.subgraphs/GRAPH/ per subgraph call."""
    os.makedirs(out_dir, exist_ok=True)
    n = 0
    for name, outs in rec["nodes"]:
        fname, key = trace_file_name(name)
        meta = {"irx.node": key}
        if stats:
            meta["irx.stats"] = ",".join(STATS_FIELDS)
            outs = {k: tensor_stats(v) for k, v in outs.items()}
        save_file(outs, os.path.join(out_dir, fname), metadata=meta)
        n += 1
    for node, graphs in rec["subgraphs"].items():
        for g, sub in graphs.items():
            n += _write_trace(sub, os.path.join(out_dir, trace_file_name(node)[1] + ".subgraphs",
                                                trace_file_name(g)[1]), stats)
    return n


def capture_intermediates(ep, out_dir, name=None, stats=False, where=None):
    """Write every node's outputs from torch's run of EP (the captured
    program) with the captured weights, constants and inputs to
    out_dir/intermediates/ (NAME.intermediates/ with a name; WHERE when
    given); with stats, only their statistics. Returns the number of files
    written."""
    import shutil

    import torch

    p = paths(out_dir, name)
    kw = {"weights_only": True} if "weights_only" in torch.load.__code__.co_varnames else {}
    sd = torch.load(p["state_dict"], **kw)
    consts = torch.load(p["constants"], **kw) if os.path.exists(p["constants"]) else {}
    inputs = torch.load(p["inputs"], **kw)
    where = where or intermediates_dir(out_dir, name)
    if os.path.isdir(where):
        shutil.rmtree(where)
    rec = _run_recorded(ep, sd, consts, inputs)
    return _write_trace(rec, where, stats)


def intermediates_dir(out_dir, name=None):
    return os.path.join(out_dir, f"{name}.intermediates" if name else "intermediates")


def _same(a, b, exact):
    import torch

    if a.shape != b.shape or a.dtype != b.dtype:
        return False, f"{list(a.shape)} {a.dtype} vs {list(b.shape)} {b.dtype}"
    if a.dtype.is_floating_point or a.dtype.is_complex:
        if exact:
            ok = torch.equal(torch.nan_to_num(a, nan=0.0), torch.nan_to_num(b, nan=0.0)) and \
                torch.equal(torch.isnan(a), torch.isnan(b))
        else:
            ok = torch.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
        fa, fb = a.to(torch.float64), b.to(torch.float64)
        fin = torch.isfinite(fa) & torch.isfinite(fb)
        diff = float((fa[fin] - fb[fin]).abs().max()) if bool(fin.any()) else 0.0
        return ok, f"max |diff| {diff:.3g}"
    return torch.equal(a, b), "integer/bool"


def _compare(got, want, exact):
    if len(got) != len(want):
        return False, f"{len(got)} outputs, expected {len(want)}"
    worst = []
    for i, (g, w) in enumerate(zip(got, want)):
        ok, why = _same(g, w, exact)
        if not ok:
            return False, f"output {i}: {why}"
        worst.append(why)
    return True, "; ".join(worst)


def _demeta_graph(gm):
    """A meta export names the meta device wherever an operator takes one
    (arange(..., device=meta), _assert_tensor_metadata(device=meta), ...):
    run it on the CPU instead, as an executor of the program must."""
    import torch
    import torch.fx

    meta = torch.device("meta")
    cpu = torch.device("cpu")

    def fix(a):
        return cpu if isinstance(a, torch.device) and a == meta else a

    for mod in gm.modules():
        graph = getattr(mod, "graph", None)
        if not isinstance(graph, torch.fx.Graph):
            continue
        changed = False
        for n in graph.nodes:
            args = torch.fx.node.map_aggregate(n.args, fix)
            kwargs = torch.fx.node.map_aggregate(n.kwargs, fix)
            if args != n.args or kwargs != n.kwargs:
                n.args, n.kwargs = args, kwargs
                changed = True
        if changed:
            mod.recompile()


def check_capture(fresh_model, out_dir, name=None):
    """Check a capture with torch itself: load state_dict.pt (and
    constants.pt) into fresh_model (built like the captured one, any weights),
    run inputs.pt and compare with expected.pt bit for bit; run reference.pt
    (allclose); load model.pt2 back, put the real weights into it and run it
    (allclose). Returns {"eager": ..., "reference": ..., "pt2": ...}, each
    (ok, detail) or None when not applicable; raises nothing for a mismatch."""
    torch = _torch()
    import torch.utils._pytree as pytree

    p = paths(out_dir, name)
    kw = {"weights_only": True} if "weights_only" in torch.load.__code__.co_varnames else {}
    sd = torch.load(p["state_dict"], **kw)
    inputs = torch.load(p["inputs"], **kw)
    expected = torch.load(p["expected"], **kw)
    consts = torch.load(p["constants"], **kw) if os.path.exists(p["constants"]) else {}
    res = {}

    with open(p["json"]) as f:
        doc = json.load(f)
    kwnames = doc.get("keyword_inputs") or []
    train = doc.get("mode") == "train"

    def run(m, flat=False):
        xs = [t.clone() for t in inputs]
        with torch.no_grad():
            if kwnames and not flat:   # one tensor per keyword input
                npos = len(xs) - len(kwnames)
                out = m(*xs[:npos], **dict(zip(kwnames, xs[npos:])))
            else:
                out = m(*xs)
        return [t.detach() for t in pytree.tree_leaves(out)]

    fresh_model.train(train)
    fresh_model.load_state_dict(sd, strict=True)
    with torch.no_grad():
        for k, v in consts.items():
            t = _resolve(fresh_model, k)
            if isinstance(t, torch.Tensor) and t.shape == v.shape:
                t.copy_(v)
    res["eager"] = _compare(run(fresh_model), expected, exact=True)
    if os.path.exists(p["mutated"]):
        want = torch.load(p["mutated"], **kw)
        got = [_resolve(fresh_model, k) for k in want]
        res["mutated"] = _compare([g.detach() for g in got], list(want.values()), exact=True)

    res["reference"] = None
    if os.path.exists(p["reference"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # Python 3.14: "torch.jit.load is not supported"
            ts = torch.jit.load(p["reference"])
        res["reference"] = _compare(run(ts, flat=True), expected, exact=False)

    try:
        ep = torch.export.load(p["pt2"])
        gm = ep.module()   # runs the graph as captured (train mode included)
        _demeta_graph(gm)
        gm.load_state_dict(sd, strict=False, assign=True)
        for k, v in consts.items():
            parent, _, leaf = k.rpartition(".")
            owner = _resolve(gm, parent) if parent else gm
            if owner is None:
                raise CaptureError(f"constant {k} has no place in the unlifted module")
            if leaf in getattr(owner, "_buffers", {}):
                owner._buffers[leaf] = v.clone()
            else:
                setattr(owner, leaf, v.clone())
        left = [n for n, t in list(gm.named_parameters()) + list(gm.named_buffers()) if t.device.type == "meta"]
        left += [n for n, t in vars(gm).items() if isinstance(t, torch.Tensor) and t.device.type == "meta"]
        if left:
            res["pt2"] = (False, "meta tensors left after loading the weights: " + ", ".join(left))
        else:
            res["pt2"] = _compare(run(gm), expected, exact=False)
    except Exception as e:
        msg = str(e).strip().splitlines()
        res["pt2"] = (None, f"not checked: {type(e).__name__}: {msg[0] if msg else ''}"[:300])
    return res


def load_factory(spec):
    """'pkg.module:factory' or 'path/to/file.py:factory' -> the callable."""
    mod_name, sep, attr = spec.rpartition(":")
    if not sep or not mod_name or not attr:
        raise CaptureError(f"{spec}: expected MODULE:FACTORY or FILE.py:FACTORY")
    if mod_name.endswith(".py") or os.sep in mod_name:
        if not os.path.isfile(mod_name):
            raise CaptureError(f"{mod_name}: no such file")
        modname = "irx_capture_user_" + os.path.splitext(os.path.basename(mod_name))[0].replace("-", "_")
        s = importlib.util.spec_from_file_location(modname, mod_name)
        mod = importlib.util.module_from_spec(s)
        sys.modules[modname] = mod
        sys.path.insert(0, os.path.dirname(os.path.abspath(mod_name)))
        s.loader.exec_module(mod)
    else:
        mod = importlib.import_module(mod_name)
    fn = getattr(mod, attr, None)
    if not callable(fn):
        raise CaptureError(f"{spec}: {attr} is not a callable in {mod_name}")
    return fn


def _call_factory(fn, spec, meta):
    """FACTORY() -> {"model", "args", "kwargs", "dynamic_shapes", "name"}."""
    try:
        with empty_weights() if meta else contextlib.nullcontext():
            made = fn()
    except Exception as e:
        raise CaptureError(f"{spec}(): {type(e).__name__}: {e}") from None
    if isinstance(made, dict) and "model" in made:
        unknown = set(made) - {"model", "args", "kwargs", "dynamic_shapes", "name"}
        if unknown:
            raise CaptureError(f"{spec}() returned unknown keys: {', '.join(sorted(unknown))}")
        return made
    if not isinstance(made, tuple) or len(made) not in (2, 3):
        raise CaptureError(f"{spec}() must return (model, inputs), (model, inputs, dynamic_shapes) "
                           "or a dict with model, args, kwargs, dynamic_shapes, name")
    return {"model": made[0], "args": made[1], "dynamic_shapes": made[2] if len(made) == 3 else None}


def main(argv=None):
    if sys.version_info < (3, 9):
        print(f"irx-capture: needs Python >= 3.9; {sys.executable} is {sys.version.split()[0]}",
              file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(
        prog="irx-capture",
        description="Export a model on the meta device and save real weights, inputs and "
                    "eager outputs for irx-verify.",
        epilog="FACTORY() returns (model, inputs) or (model, inputs, dynamic_shapes).")
    ap.add_argument("factory", metavar="MODULE:FACTORY", help="e.g. mymodels:make or path/to/file.py:make")
    ap.add_argument("out_dir", metavar="OUTDIR")
    ap.add_argument("--name", help="file prefix: NAME.pt2, NAME.state_dict.pt, ... (default model.pt2, state_dict.pt, ...)")
    ap.add_argument("--seed", type=int, default=0, help="seed for random, torch and numpy (default 0)")
    ap.add_argument("--decompose", action="store_true", help="save ep.run_decompositions() (core ATen)")
    ap.add_argument("--strict", choices=("auto", "yes", "no"), default="auto",
                    help="torch.export tracer (default: non-strict, then strict)")
    ap.add_argument("--no-reference", action="store_true", help="do not write the TorchScript reference.pt")
    ap.add_argument("--no-safetensors", action="store_true", help="do not write state_dict.safetensors")
    ap.add_argument("--meta", action="store_true",
                    help="build the model with its parameters on the meta device (buffers real): "
                         "memory independent of the model's size; writes the program, constants.pt "
                         "and inputs.pt, no weights or outputs")
    ap.add_argument("--train", action="store_true",
                    help="capture in train mode: buffer updates (batch norm statistics) become "
                         "mutations, their values after forward go to expected_mutated.pt")
    ap.add_argument("--model-name", metavar="NAME",
                    help="the model's name, stored in the archive for the IR's model_name "
                         "(default: the factory's name, else the module's class name)")
    ap.add_argument("--check", action="store_true",
                    help="then load what was written back with torch and compare (builds the model again)")
    # --intermediates: one block, its work in capture_intermediates()
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--intermediates", action="store_true",
                   help="also write OUTDIR/intermediates/: every node's outputs from torch's run of the "
                        "program with the real weights and inputs (a trace for irx-verify --per-node)")
    g.add_argument("--intermediates-stats", action="store_true",
                   help="the same with only each output's min, max, mean, absmax, NaN and inf counts")
    a = ap.parse_args(argv)
    try:
        _torch()
        if a.meta and a.check:
            raise CaptureError("--check needs the weights: not with --meta")
        fn = load_factory(a.factory)
        seed_all(a.seed)
        made = _call_factory(fn, a.factory, a.meta)
        strict = {"auto": None, "yes": True, "no": False}[a.strict]
        doc = capture(made["model"], made.get("args", ()), a.out_dir, name=a.name,
                      dynamic_shapes=made.get("dynamic_shapes"), kwargs=made.get("kwargs"),
                      train=a.train, model_name=a.model_name or made.get("name"), seed=a.seed,
                      decompose=a.decompose, strict=strict, reference=not a.no_reference,
                      safetensors=not a.no_safetensors)
        if a.intermediates or a.intermediates_stats:
            import torch

            n = capture_intermediates(torch.export.load(paths(a.out_dir, a.name)["pt2"]), a.out_dir, a.name,
                                      stats=a.intermediates_stats)
            doc["notes"].append(f"{intermediates_dir(a.out_dir, a.name)}: {n} node records"
                                + (" (statistics only)" if a.intermediates_stats else ""))
    except CaptureError as e:
        print(f"irx-capture: {e}", file=sys.stderr)
        return 2
    print(f"irx-capture: {a.out_dir}: {', '.join(sorted(doc['files'].values()))}", file=sys.stderr)
    for n in doc["notes"]:
        print(f"irx-capture: note: {n}", file=sys.stderr)
    if a.check:
        seed_all(a.seed + 1)
        res = check_capture(_call_factory(fn, a.factory, False)["model"], a.out_dir, a.name)
        bad = False
        for k, v in res.items():
            if v is None:
                continue
            print(f"irx-capture: check {k}: {'ok' if v[0] else 'skipped' if v[0] is None else 'FAILED'}: {v[1]}",
                  file=sys.stderr)
            bad |= v[0] is False
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
