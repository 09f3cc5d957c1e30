"""Import a PyTorch model: :func:`from_torch` turns an ``nn.Module`` into a symrf network.

The model is captured with ``torch.fx`` symbolic tracing, and shapes are propagated on an
example input (``ShapeProp`` with fake tensors: nothing is computed). Every traced call is
then mapped to a symrf layer by type (modules) or by name (functions and methods), with the
tensor dimensions followed through every reshape so that only spatial geometry counts.
Rows are named by module qualified names (``layer1.0.conv1``) and fx node names (``add``).

Why fx and not ``torch.export``: fx keeps one node per module call, named by the module's
qualified name (the rows a user expects), traces a ResNet in milliseconds without running
it, and lets a module be kept whole as a leaf (``leaf_modules=``) or mapped by a registered
function. ``torch.export`` lowers to ATen operators (the module structure survives only as
metadata), needs the dynamo compiler and runs far slower; its gain, tracing data-dependent
Python, is rarely needed for convolutional networks, and a leaf covers those cases.

Torch is imported only when a function here is called: ``import symrf`` stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import Any

from symrf.errors import SpecError, SymrfError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.sources.importers import torch_modules, torch_timm
from symrf.sources.importers.torch_axes import BATCH, FEATURE, MIXED, Flow
from symrf.sources.importers.torch_build import Builder, Call, UnmappedError, as_network
from symrf.sources.importers.torch_functions import function_call
from symrf.sources.importers.torch_modules import module_call
from symrf.sources.importers.torch_modules import register as add
from symrf.sources.importers.torch_trace import trace, within

__all__ = ["UnmappedError", "from_torch", "load_torch_target", "register"]

_GLOBAL_CONTEXT = ("exclude", "include")


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise SpecError(
            "symrf.from_torch needs PyTorch: pip install 'symrf[torch]'"
        ) from None

    if not getattr(torch_modules, "_LOADED", False):
        torch_modules.builtins()
        torch_modules._LOADED = True  # type: ignore[attr-defined]  # a module-level flag, set once
    torch_timm.install()  # timm's SAME layers, once timm has been imported
    return torch


def register(kind: type) -> Any:
    """Register a receptive-field mapping for a module type: see :mod:`.torch_modules`.

    >>> import torch, symrf
    >>> class Smooth(torch.nn.Module):
    ...     def forward(self, x):
    ...         return x.roll(1, -1) + x
    >>> @register(Smooth)
    ... def _(module, call):
    ...     return symrf.Conv(kernel=2, padding=1, padding_right=0)
    >>> model = torch.nn.Sequential(torch.nn.Conv1d(1, 1, 3), Smooth())
    >>> symrf.evaluate(from_torch(model, example_input=torch.ones(1, 1, 8))).left
    -1
    """
    _torch()

    return add(kind)


def from_torch(
    module: Any,
    *,
    input_size: int | Sequence[int] | None = None,
    upto: str | None = None,
    global_context: str = "exclude",
    leaf_modules: Iterable[type | str] = (),
    example_input: Any = None,
    output: str | int | None = None,
) -> Layer:
    """The symrf network of a PyTorch module (a ``Sequential`` or a ``Graph``).

    Args:
        module: An ``nn.Module``; it is traced in eval mode (then restored).
        input_size: Spatial size of the example input (an int, or one per axis); default
            224. Layers fixed by sizes (``F.interpolate(size=...)``) are mapped at this size.
        upto: A module name (``"layer4"``: its last call), a row or an fx node name; the
            network then ends there.
        global_context: ``"exclude"`` (the local field; the network lists the context
            layers in ``Graph.context``) or ``"include"`` (every unit after them depends on
            the whole map).
        leaf_modules: Module types or qualified names kept whole (they need a mapping,
            see :func:`register`).
        example_input: A tensor to trace with (default: ones of the first convolution's
            channels and ``input_size``).
        output: Which output to analyse when the model returns several (a tuple, list or
            dict of tensors): its index (``1`` or ``"1"``), its key (``"out"``), or a path
            into nested results (``"1.aux"``). A model with several outputs and no
            ``output=`` is refused with a message listing them: symrf never picks one.

    Raises:
        SpecError: The model does not trace, or a call has no mapping (the message names the
            call and its source line, and says how to mark it a leaf or register it); the
            model returns several outputs and ``output=`` names none of them.

    >>> import torch, symrf
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2), torch.nn.ReLU(),
    ...                             torch.nn.MaxPool2d(2))
    >>> net = from_torch(model, input_size=32)
    >>> [layer.name for layer in net.layers], symrf.evaluate(net).rf
    (['0', '1', '2'], 5)
    """
    torch = _torch()
    if global_context not in _GLOBAL_CONTEXT:
        raise SpecError(
            f"global_context is {global_context!r}; use 'exclude' (the local field, the "
            "default) or 'include' (whole-input dependencies)."
        )
    if upto is not None and output is not None:
        raise SpecError(f"give upto= or output=, not both (upto={upto!r} ends the network "
                        f"at that module, whatever the model returns).")
    leaves = tuple(leaf_modules)
    try:
        return _import(torch, module, input_size, upto, global_context, leaves,
                       example_input, output)
    except UnmappedError:  # again, recording source lines for the message
        return _import(torch, module, input_size, upto, global_context, leaves,
                       example_input, output, lines=True)


def _import(torch: Any, module: Any, input_size: Any, upto: str | None, global_context: str,
            leaves: tuple[type | str, ...], example_input: Any, output: str | int | None,
            lines: bool = False) -> Layer:
    graph, example = trace(torch, module, input_size, leaves, example_input, upto, lines)
    axes = example.dim() - 2
    builder = Builder(axes=axes, include=global_context == "include",
                      isotropic=len(set(example.shape[2:])) <= 1)
    outputs = _walk(builder, graph, example, upto)
    name = type(module).__name__
    if upto is not None:
        end = outputs[""] if outputs.get("") else _resolve(builder, upto)
    else:
        end = _chosen(outputs, output)
    network = as_network(builder, end, name)
    if upto is not None and hasattr(network, "upto"):
        network = network.upto(end)
    elif upto is not None:
        names = [layer.name for layer in network.layers]  # type: ignore[attr-defined]  # not a Graph: a Sequential

        network = Sequential(*network.layers[: names.index(end) + 1],  # type: ignore[attr-defined]  # a Sequential
                             name=name)
    return network


def _chosen(outputs: dict[str, str], output: str | int | None) -> str:
    """The row of the output to analyse: the only one, or the one ``output`` names."""
    if not outputs:
        raise SpecError("the model's output does not depend on its input's positions.")
    listed = ", ".join(f"{key} ({row})" for key, row in list(outputs.items())[:12]) + (
        ", ..." if len(outputs) > 12 else "")
    if output is not None:
        key = str(output)
        if key not in outputs:
            raise SpecError(f"output={output!r} names no output of the model; its outputs "
                            f"(name and row): {listed}.")
        row = outputs[key]
    elif len(set(outputs.values())) > 1:
        raise SpecError(
            f"the model returns {len(outputs)} outputs: {listed}; symrf analyses one: pick "
            "it with output=NAME (command line: --output-name NAME)."
        )
    else:
        row = next(iter(outputs.values()))
    if row == "input":
        raise SpecError("the output chosen is the model's input itself; there is nothing to "
                        "analyse.")
    return row


def _walk(builder: Builder, graph: Any, example: Any, upto: str | None = None) -> dict[str, str]:
    """Map every node (up to ``upto``); return each input-dependent output's row by name.

    Names are paths into the returned value: ``""`` for a single tensor, the index or key
    for a tuple, list or dict (``"0"``, ``"out"``), dotted when nested (``"1.aux"``). With
    ``upto``, the only name is ``""``: the last row inside ``upto`` ("" if none yet).
    """
    modules = dict(graph.owning_module.named_modules())
    used: dict[str, int] = {}
    output: dict[str, str] = {}
    last = ""
    for node in graph.nodes:
        if (upto is not None and last and node.op not in ("placeholder", "get_attr", "output")
                and not within(node, upto)):
            return {"": last}
        if node.op == "placeholder":
            if builder.flows:
                builder.flows[node.name] = None
                continue
            dims = (BATCH, FEATURE, *range(example.dim() - 2))
            builder.flows[node.name] = Flow("input", tuple(example.shape), dims)
            continue
        if node.op == "output":
            output = _outputs(builder, node.args[0])
            continue
        if node.op == "get_attr":
            builder.flows[node.name] = _constant(node)
            continue
        source = _source(builder, node)
        if source is None or source.node is None:
            builder.flows[node.name] = _constant(node) if node.op != "call_function" or \
                not _is_getitem(node) else function_call(_call(builder, node, source, None))
            continue
        module = modules.get(node.target) if node.op == "call_module" else None
        name = node.target if module is not None else node.name
        if module is not None:
            count = used.get(name, 0)
            used[name] = count + 1
            name = f"{name}:{count}" if count else name
        call = _call(builder, node, source, module, name)
        builder.flows[node.name] = _mapped(call)
        builder.aliases.setdefault(node.name, _row(builder.flows[node.name]) or "input")
        if upto is not None and within(node, upto):
            last = _row(builder.flows[node.name]) or last
    if upto is not None:
        return {"": last}
    return output


def _mapped(call: Call) -> Any:
    """The call's result; arguments a handler cannot read are refused, never a traceback."""
    try:
        return module_call(call) if call.module is not None else function_call(call)
    except SymrfError:
        raise
    except (TypeError, ValueError, IndexError, KeyError, AttributeError) as error:
        reason = " ".join(str(error).split())[:200]
        raise call.unmapped(f"has arguments symrf cannot read ({type(error).__name__}: "
                            f"{reason})") from None


def _call(builder: Builder, node: Any, source: Flow | None, module: Any,
          name: str | None = None) -> Call:
    meta = node.meta.get("tensor_meta")
    first = meta[0] if not hasattr(meta, "shape") and isinstance(meta, list | tuple) and meta \
        else meta
    shape = tuple(first.shape) if hasattr(first, "shape") else ()
    return Call(builder, name or node.name, node, source, shape, module)


def _is_getitem(node: Any) -> bool:
    return getattr(node.target, "__name__", "") == "getitem"


def _row(flow: Any) -> str | None:
    return flow.node if isinstance(flow, Flow) else None


def _source(builder: Builder, node: Any) -> Flow | None:
    """The first input-dependent tensor among the node's arguments (tuples searched)."""
    found: list[Flow] = []

    def visit(value: Any) -> None:
        if hasattr(value, "op"):
            flow = builder.flows.get(value.name)
            for item in flow if isinstance(flow, tuple) else (flow,):
                if isinstance(item, Flow) and item.node is not None:
                    found.append(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)

    visit(node.args)
    visit(node.kwargs)
    return found[0] if found else None


def _constant(node: Any) -> Flow | None:
    meta = node.meta.get("tensor_meta")
    if hasattr(meta, "shape"):
        return Flow(None, tuple(meta.shape), (FEATURE,) * len(meta.shape))
    return None


def _outputs(builder: Builder, value: Any, path: str = "") -> dict[str, str]:
    """The row of each input-dependent tensor in a returned value, by its path."""
    if hasattr(value, "op"):
        flow = builder.flows.get(value.name)
        if isinstance(flow, tuple):
            return {k: v for i, item in enumerate(flow)
                    for k, v in _flow_output(item, _join(path, i)).items()}
        return _flow_output(flow, path)
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return {}
    found: dict[str, str] = {}
    for key, item in items:
        found.update(_outputs(builder, item, _join(path, key)))
    return found


def _flow_output(flow: Any, path: str) -> dict[str, str]:
    if not isinstance(flow, Flow) or flow.node is None:
        return {}
    if MIXED in flow.dims and not flow.whole and not flow.reduced:
        where = f"output {path!r}" if path else "the output"
        raise SpecError(
            f"{where} holds positions mixed with other dimensions (by {flow.mixed!r}): each "
            "of its entries reads its own position, which one field per map cannot say; "
            f"analyse the map before it (upto={flow.node!r})."
        )
    return {path: str(flow.node)}


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _resolve(builder: Builder, upto: str) -> str:
    """A row for ``upto``: a row, an alias (fx node name) or a module prefix's last row."""
    rows = [node.name for node in builder.nodes]
    if upto in rows:
        return upto
    fx_name = upto.replace(".", "_")
    for key in (upto, fx_name):
        if key in builder.aliases and builder.aliases[key] in rows:
            return builder.aliases[key]
    inside = [row for row in rows if row.startswith(upto + ".")]
    if inside:
        return inside[-1]
    near = ", ".join([*rows[:3], "...", *rows[-3:]] if len(rows) > 6 else rows)
    raise SpecError(
        f"upto={upto!r} names no module or node of the model; give a module name such as "
        f"'layer4' or a row name ({near})."
    )


def load_torch_target(text: str, *, upto: str | None = None,
                      input_size: int | Sequence[int] | None = None,
                      output: str | None = None,
                      example_shape: Sequence[int] | None = None) -> Layer:
    """The network of ``package.module:attr``: a module instance, class or factory.

    ``example_shape`` is the traced input's shape without the batch, ``(C, H, W)``
    (the command line's ``--example-shape``); ``output`` picks one of several outputs.

    >>> net = load_torch_target("torch.nn:Identity")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: cannot tell the input shape of Identity ...
    """
    module_name, _, attribute = text.partition(":")
    if not module_name or not attribute:
        raise SpecError(
            f"torch target {text!r} is not 'package.module:attr'; write e.g. "
            "'torchvision.models:resnet50'."
        )
    torch = _torch()
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise SpecError(f"torch target {text!r}: {error}; check the module path and name.") \
            from None
    except Exception as error:  # the package's own code failed while importing
        message = " ".join(str(error).split())[:300]
        raise SpecError(f"torch target {text!r}: importing {module_name} raised "
                        f"{type(error).__name__}: {message}; check that the package works "
                        "(torch and torchvision versions must match).") from None
    if not isinstance(found, torch.nn.Module):
        if not callable(found):
            raise SpecError(f"torch target {text!r} is a {type(found).__name__}, not a "
                            "module, a module class or a function returning one.")
        try:
            found = found()
        except TypeError as error:
            raise SpecError(f"torch target {text!r} needs arguments ({error}); point to a "
                            "function that takes none.") from None
        except Exception as error:  # the factory's own code failed
            message = " ".join(str(error).split())[:300]
            raise SpecError(f"torch target {text!r}: calling it raised {type(error).__name__}: "
                            f"{message}.") from None
    if not isinstance(found, torch.nn.Module):
        raise SpecError(f"torch target {text!r} gave a {type(found).__name__}, not a module.")
    example = None
    if example_shape is not None:
        spatial = list(example_shape[1:])
        given = list(input_size) if isinstance(input_size, list | tuple) else \
            [input_size] * len(spatial)
        if input_size is not None and given != spatial:
            raise SpecError(f"--input {input_size} and --example-shape "
                            f"{','.join(map(str, example_shape))} disagree on the input size; "
                            "give one of them.")
        example = torch.ones(1, *example_shape)
    return from_torch(found, upto=upto, input_size=input_size, output=output,
                      example_input=example)
