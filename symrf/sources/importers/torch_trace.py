"""Capture a PyTorch model: ``torch.fx`` symbolic tracing and shape propagation.

The tracer keeps registered module types and ``leaf_modules`` whole; shapes are propagated
on fake tensors (nothing is computed) and, where a call needs real data, on the example
input. Failures become one-line :class:`~symrf.errors.SpecError` messages that name the
call, its source line and the way out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from symrf.errors import SpecError
from symrf.sources.importers.torch_modules import is_registered

_DEFAULT_SIZE = 224
"""Spatial size of the example input when none is given."""


def trace(torch: Any, module: Any, input_size: Any, leaves: Iterable[type | str],
           example: Any, upto: str | None = None) -> tuple[Any, Any]:
    """The fx graph of ``module`` with shapes propagated on the example input."""
    from torch.fx import GraphModule, Tracer
    from torch.fx.passes.shape_prop import ShapeProp


    leaves = tuple(leaves)
    kinds = tuple(item for item in leaves if isinstance(item, type))
    names = {item for item in leaves if isinstance(item, str)}

    class _Tracer(Tracer):
        record_stack_traces = True

        def is_leaf_module(self, m: Any, qualified_name: str) -> bool:
            return (isinstance(m, kinds) or qualified_name in names or is_registered(m)
                    or super().is_leaf_module(m, qualified_name))

    if example is None:
        example = _example(torch, module, input_size)
    was_training = module.training
    module.train(False)  # evaluation mode
    try:
        graph = _Tracer().trace(module)
        if upto is not None:
            _truncate(graph, upto)
        traced = GraphModule(module, graph)
        _propagate(torch, ShapeProp, traced, example)
    except SpecError:
        raise
    except Exception as error:  # any tracing failure becomes one message
        raise SpecError(_trace_failure(error)) from None
    finally:
        module.train(was_training)
    return traced.graph, example


def _truncate(graph: Any, upto: str) -> None:
    """Drop the nodes after ``upto``, so that shapes are propagated only that far."""
    nodes = list(graph.nodes)
    inside = [i for i, node in enumerate(nodes) if node.op != "output" and within(node, upto)]
    if not inside:
        return  # reported by the walk, which lists the names it knows
    nodes[-1].args = (nodes[inside[-1]],)
    for node in reversed(nodes[inside[-1] + 1: -1]):
        graph.erase_node(node)


def _propagate(torch: Any, shape_prop: Any, traced: Any, example: Any) -> None:
    """Shapes on fake tensors (nothing computed); on real ones if a call needs real data."""
    import logging

    from torch._subclasses.fake_tensor import FakeTensorMode

    log = logging.getLogger("torch._subclasses.fake_tensor")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a failing fake op is retried for real below
    try:
        with torch.no_grad():
            try:
                mode = FakeTensorMode(allow_non_fake_inputs=True)
                shape_prop(traced, fake_mode=mode).propagate(mode.from_tensor(example))
            except Exception:  # data-dependent code: run it for real
                shape_prop(traced).propagate(example)
    except Exception as error:  # reported with the node that failed
        raise SpecError(_shape_failure(traced, error)) from None
    finally:
        log.setLevel(level)


def _shape_failure(traced: Any, error: Exception) -> str:
    text = str(error)
    name = text.split("node=%", 1)[1].split(" ", 1)[0] if "node=%" in text else "?"
    node = next((n for n in traced.graph.nodes if n.name == name), None)
    label = f"{node.target}" if node is not None and node.op == "call_module" else name
    cause = error.__cause__ or error
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return (
        f"the model fails on the example input at {label!r}: {reason}; give a larger "
        "input_size (or an example_input the model accepts)."
    )


def _trace_failure(error: Exception) -> str:
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    user = [f for f in frames if "/torch/" not in f.filename] or frames
    where = f" at {user[-1].filename}:{user[-1].lineno} ({user[-1].line})" if user else ""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"the model does not trace with torch.fx{where}: {text}; mark the module that "
        "contains this call a leaf (leaf_modules=[ModuleType] or ['qualified.name']) and "
        "register its receptive field with @symrf.sources.importers.torch.register(ModuleType)."
    )


def _example(torch: Any, module: Any, input_size: Any) -> Any:
    """Ones of shape (1, channels, *size), from the first layer that states its channels."""
    first = next((m for m in module.modules() if hasattr(m, "in_channels")), None)
    if first is None or not hasattr(first, "kernel_size"):
        raise SpecError(
            f"cannot tell the input shape of {type(module).__name__} (no convolution states "
            "its in_channels); pass example_input=torch.ones(1, C, H, W)."
        )
    axes = len(first.kernel_size)
    size = _DEFAULT_SIZE if input_size is None else input_size
    sizes = list(size) if isinstance(size, list | tuple) else [size] * axes
    if len(sizes) != axes or not all(isinstance(s, int) and s >= 1 for s in sizes):
        raise SpecError(
            f"input_size is {input_size!r}; give a positive int or {axes} of them (the first "
            f"layer, {type(first).__name__}, has {axes} spatial axes)."
        )
    return torch.ones(1, first.in_channels, *sizes)


def within(node: Any, upto: str) -> bool:
    """Whether ``node`` is ``upto`` or runs inside the module ``upto``."""
    paths = [str(node.target)] if node.op == "call_module" else []
    paths += [path for path, _ in (node.meta.get("nn_module_stack") or {}).values()]
    names = (node.name, upto.replace(".", "_"))
    return node.name in names[1:] or node.name == upto or any(
        path == upto or path.startswith(upto + ".") for path in paths)
