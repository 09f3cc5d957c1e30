"""Capture a PyTorch model: ``torch.fx`` symbolic tracing and shape propagation.

The tracer keeps registered module types and ``leaf_modules`` whole; shapes are propagated
on fake tensors (nothing is computed) and, where a call needs real data, on the example
input. Failures become one-line :class:`~symrf.errors.SpecError` messages that name the
call, its source line and the way out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any

from symrf.errors import SpecError
from symrf.sources.importers import torch_timm
from symrf.sources.importers.torch_build import VALUE, way_out
from symrf.sources.importers.torch_modules import is_registered

_DEFAULT_SIZE = 224
"""Spatial size of the example input when none is given."""


def trace(torch: Any, module: Any, input_size: Any, leaves: Iterable[type | str],
          example: Any, upto: str | None = None, lines: bool = False) -> tuple[Any, Any]:
    """The fx graph of ``module`` with shapes propagated on the example input.

    With ``upto``, a module whose code does not trace is kept whole if it runs outside
    ``upto`` (a classifier head after the features asked for), and the graph is cut after
    ``upto`` before shapes are propagated. ``lines`` records each call's source line (for
    error messages; it costs about a third of the import).
    """
    from torch.fx import GraphModule
    from torch.fx.passes.shape_prop import ShapeProp

    was_training = module.training
    module.train(False)  # evaluation mode
    try:
        graph = _graph(module, tuple(leaves), upto, lines)
        guessed = example is None
        if guessed:
            example = _example(torch, module, graph, input_size)
        if upto is not None:
            _truncate(graph, upto)
        traced = GraphModule(module, graph)
        _propagate(torch, ShapeProp, traced, example, guessed)
    finally:
        module.train(was_training)
    return traced.graph, example


_RETRIES = 64
"""Failed traces retried with one more module kept whole, at most."""


def _graph(module: Any, leaves: tuple[type | str, ...], upto: str | None,
           lines: bool = False) -> Any:
    """Trace ``module``, keeping whole what does not trace and need not be traced.

    A module fails to trace (data-dependent Python): if timm lists its type as one it keeps
    whole, every module of that type becomes a leaf (mapped by its ``torch.nn`` base class,
    or refused with the way to register it); if it runs outside ``upto``, it becomes a leaf
    and is cut away with the rest of the tail. Otherwise the failure is reported.
    """
    from torch.fx import Tracer

    kinds = (*(item for item in leaves if isinstance(item, type)), *torch_timm.mapped())
    names = {item for item in leaves if isinstance(item, str)}
    timm_kinds = torch_timm.leaves()

    class _Tracer(Tracer):
        record_stack_traces = lines

        def is_leaf_module(self, m: Any, qualified_name: str) -> bool:
            return (isinstance(m, kinds) or qualified_name in names or is_registered(m)
                    or super().is_leaf_module(m, qualified_name))

    for _ in range(_RETRIES):
        try:
            with _tracing():
                return _Tracer(autowrap_functions=torch_timm.wrapped()).trace(module)
        except Exception as error:  # any tracing failure becomes one message
            stack = _failing_modules(module, error)
            kept = [kind for _, kind in stack if kind in timm_kinds and kind not in kinds]
            outside = [name for name, _ in stack if upto is not None and _outside(name, upto)]
            if kept:
                kinds = (*kinds, kept[-1])
            elif outside and outside[0] not in names:
                names.add(outside[0])  # past upto: kept whole, then cut away
            else:
                raise SpecError(_trace_failure(error, stack[-1] if stack else None)) from None
    raise SpecError(f"the model does not trace with torch.fx: more than {_RETRIES} modules "
                    "fail; give the module to analyse itself, or leaf_modules=.")


@contextlib.contextmanager
def _tracing() -> Iterator[None]:
    """``torch.jit.is_tracing()`` is true while fx traces.

    Libraries skip data-dependent checks of the input then (segmentation_models_pytorch's
    input-shape check), as they do for ``torch.jit.trace``.
    """
    import torch

    found = torch.jit.is_tracing
    torch.jit.is_tracing = lambda: True
    try:
        yield
    finally:
        torch.jit.is_tracing = found


def _outside(name: str, upto: str) -> bool:
    """Whether module ``name`` is neither ``upto``, inside it, nor one of its parents."""
    return bool(name) and not (name == upto or name.startswith(upto + ".")
                               or upto.startswith(name + "."))


def _failing_modules(root: Any, error: Exception) -> list[tuple[str, type]]:
    """The modules of ``root`` whose code raised ``error``: names and types, outermost first."""
    names = {id(m): name for name, m in root.named_modules()}
    found: list[tuple[str, type]] = []
    tb = error.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if id(owner) in names and (not found or found[-1][0] != names[id(owner)]):
            found.append((names[id(owner)], type(owner)))
        tb = tb.tb_next
    return found


def _truncate(graph: Any, upto: str) -> None:
    """Drop the nodes after ``upto``, so that shapes are propagated only that far."""
    nodes = list(graph.nodes)
    inside = [i for i, node in enumerate(nodes) if node.op != "output" and within(node, upto)]
    if not inside:
        return  # reported by the walk, which lists the names it knows
    nodes[-1].args = (nodes[inside[-1]],)
    for node in reversed(nodes[inside[-1] + 1: -1]):
        graph.erase_node(node)


def _propagate(torch: Any, shape_prop: Any, traced: Any, example: Any, guessed: bool) -> None:
    """Shapes on fake tensors (nothing computed); on real ones if a call needs real data."""
    import logging

    from torch._subclasses.fake_tensor import FakeTensorMode

    class Recorder(shape_prop):  # type: ignore[misc, valid-type]  # ShapeProp, imported lazily
        """Shape propagation that also keeps the numbers the model computes from shapes."""

        def run_node(self, n: Any) -> Any:
            result = super().run_node(n)
            if _is_number(result):
                n.meta[VALUE] = result
            return result

    log = logging.getLogger("torch._subclasses.fake_tensor")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a failing fake op is retried for real below
    try:
        with torch.no_grad():
            try:
                mode = FakeTensorMode(allow_non_fake_inputs=True)
                Recorder(traced, fake_mode=mode).propagate(mode.from_tensor(example))
            except Exception:  # data-dependent code: run it for real
                Recorder(traced).propagate(example)
    except Exception as error:  # reported with the node that failed
        raise SpecError(_shape_failure(traced, error, example, guessed)) from None
    finally:
        log.setLevel(level)


def _is_number(value: Any) -> bool:
    """An int, float or bool, or a tuple of them (``x.shape`` included)."""
    if isinstance(value, bool | int | float):
        return True
    return isinstance(value, tuple | list) and all(
        isinstance(item, bool | int | float) for item in value)


def _shape_failure(traced: Any, error: Exception, example: Any, guessed: bool) -> str:
    text = str(error)
    name = text.split("node=%", 1)[1].split(" ", 1)[0] if "node=%" in text else "?"
    node = next((n for n in traced.graph.nodes if n.name == name), None)
    label = f"{node.target}" if node is not None and node.op == "call_module" else name
    cause = error.__cause__ or error
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    shape = tuple(example.shape)
    if guessed:
        return (
            f"the model fails on the example input {shape} at {label!r}: {reason}; the "
            "input shape was guessed from the first convolution: give it as "
            "example_input=torch.ones(1, C, H, W) (command line: --example-shape C,H,W), "
            "or a larger input_size."
        )
    return (
        f"the model fails on the example input {shape} at {label!r}: {reason}; give a "
        "larger input_size (or an example_input the model accepts)."
    )


def _trace_failure(error: Exception, failed: tuple[str, type] | None) -> str:
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    user = [f for f in frames if "/torch/" not in f.filename] or frames
    where = f" at {user[-1].filename}:{user[-1].lineno} ({user[-1].line})" if user else ""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if failed is None or not failed[0]:
        return f"the model does not trace with torch.fx{where}: {text}; {way_out('YourModule')}"
    name, kind = failed
    return (f"the model does not trace with torch.fx{where}: {text}; the call is inside "
            f"module {name!r} ({kind.__name__}): {way_out(kind.__name__)}")


def _example(torch: Any, module: Any, graph: Any, input_size: Any) -> Any:
    """Ones of shape (1, channels, *size), from the first convolution the input reaches."""
    first = _first_convolution(module, graph)
    if first is None:
        raise SpecError(
            f"cannot tell the input shape of {type(module).__name__} (no convolution reads "
            "its input); pass example_input=torch.ones(1, C, H, W) (command line: "
            "--example-shape C,H,W)."
        )
    channels, axes, label = first
    size = _DEFAULT_SIZE if input_size is None else input_size
    sizes = list(size) if isinstance(size, list | tuple) else [size] * axes
    if len(sizes) != axes or not all(isinstance(s, int) and s >= 1 for s in sizes):
        raise SpecError(
            f"input_size is {input_size!r}; give a positive int or {axes} of them (the first "
            f"convolution, {label}, has {axes} spatial axes)."
        )
    return torch.ones(1, channels, *sizes)


def _first_convolution(module: Any, graph: Any) -> tuple[int, int, str] | None:
    """``(in_channels, spatial axes, label)`` of the first convolution fed by the input.

    Walks the traced calls in order, so that a wrapper stating ``in_channels`` without a
    kernel (timm's ``ConvNormAct``) or a module defined before the stem does not count.
    """
    import torch.nn as nn

    scale: dict[str, Fraction] = {}  # channels here / channels of the input
    for node in graph.nodes:
        if node.op == "placeholder":
            if not scale:
                scale[node.name] = Fraction(1)
            continue
        fed = [scale[arg.name] for arg in node.all_input_nodes if arg.name in scale]
        if not fed:
            continue
        scale[node.name] = fed[0] * _channel_factor(module, node)
        found = None
        if node.op == "call_module":
            called = module.get_submodule(node.target)
            if isinstance(called, nn.modules.conv._ConvNd):
                found = (called.in_channels, len(called.kernel_size),
                         f"{node.target} ({type(called).__name__})")
        elif node.op == "call_function" and getattr(node.target, "__name__", "") in (
                "conv1d", "conv2d", "conv3d"):
            weight = _attribute(module, node.args[1] if len(node.args) > 1 else
                                node.kwargs.get("weight"))
            groups = node.args[6] if len(node.args) > 6 else node.kwargs.get("groups", 1)
            if weight is not None and isinstance(groups, int):
                found = (weight.shape[1] * groups, weight.dim() - 2, node.name)
        if found is not None:
            channels = found[0] / fed[0]
            if channels.denominator == 1:
                return int(channels), found[1], found[2]
            return found
    return None


def _channel_factor(module: Any, node: Any) -> Fraction:
    """How a call multiplies the channels: pixel (un)shuffle and space-to-depth by r**2."""
    if node.op == "call_module":
        called = module.get_submodule(node.target)
        kind = type(called).__name__
        if kind in ("PixelUnshuffle", "SpaceToDepth"):
            return Fraction(int(getattr(called, "downscale_factor", getattr(called, "bs", 1)))
                            ** 2)
        if kind in ("PixelShuffle", "DepthToSpace"):
            return 1 / Fraction(int(getattr(called, "upscale_factor", getattr(called, "bs", 1)))
                                ** 2)
    name = getattr(node.target, "__name__", node.target)
    if name in ("pixel_unshuffle", "pixel_shuffle") and len(node.args) > 1 and \
            isinstance(node.args[1], int):
        factor = Fraction(node.args[1] ** 2)
        return factor if name == "pixel_unshuffle" else 1 / factor
    return Fraction(1)


def _attribute(module: Any, node: Any) -> Any:
    """The weight a convolution's weight argument is computed from (``get_attr``, >= 3-D).

    A standardised weight (timm's ``StdConv2d`` traced through) is the parameter reshaped
    and normalised: its shape is still the parameter's.
    """
    pending, seen = [node], set()
    while pending:
        current = pending.pop()
        if not hasattr(current, "op") or current.name in seen:
            continue
        seen.add(current.name)
        if current.op == "get_attr":
            found = module
            for part in str(current.target).split("."):
                found = getattr(found, part, None)
            if getattr(found, "dim", lambda: 0)() >= 3:
                return found
        pending.extend(current.all_input_nodes)
    return None


def within(node: Any, upto: str) -> bool:
    """Whether ``node`` is ``upto`` or runs inside the module ``upto``."""
    paths = [str(node.target)] if node.op == "call_module" else []
    paths += [path for path, _ in (node.meta.get("nn_module_stack") or {}).values()]
    names = (node.name, upto.replace(".", "_"))
    return node.name in names[1:] or node.name == upto or any(
        path == upto or path.startswith(upto + ".") for path in paths)
