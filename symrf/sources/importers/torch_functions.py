"""How traced function and method calls map to symrf: one table from names to handlers.

Function calls (``torch.flatten``, ``F.interpolate``, ``operator.add``) and tensor methods
(``x.view``, ``x.mean``) are looked up by name in :data:`FUNCTIONS`. Layout calls (view,
permute, chunk, ...) only move dimension labels (:mod:`symrf.sources.importers.torch_axes`);
elementwise calls carry their input's field; merges go through the builder; pooling,
padding, interpolation, flatten and spatial reductions become rows.
"""

from __future__ import annotations

import math
from typing import Any

from symrf.layers.base import Layer
from symrf.layers.parallel import Merge
from symrf.layers.pointwise import Crop, LayerNorm, Pad
from symrf.layers.resample import Mode, PixelShuffle, PixelUnshuffle, Upsample
from symrf.layers.whole import AdaptivePool, GlobalPool
from symrf.layers.window import AvgPool, Conv, MaxPool
from symrf.sources.importers.torch_axes import (
    FEATURE,
    MIXED,
    TOKENS,
    Flow,
    is_position,
)
from symrf.sources.importers.torch_build import Call, Handler
from symrf.sources.importers.torch_layout import (
    concatenate,
    getitem,
    permute,
    reshaped,
    split,
    unsqueeze,
)
from symrf.sources.importers.torch_tokens import attention, linear, matmul

_ELEMENTWISE = frozenset({
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu",
    "gelu", "silu", "mish", "hardswish", "hardsigmoid", "hardtanh", "hardtanh_", "sigmoid",
    "sigmoid_", "tanh", "tanh_", "softplus", "softsign", "logsigmoid", "tanhshrink",
    "threshold", "rrelu", "prelu", "glu_channels", "dropout", "dropout1d", "dropout2d",
    "dropout3d", "alpha_dropout", "feature_alpha_dropout", "neg", "abs", "exp", "log",
    "sqrt", "rsqrt", "clamp", "clamp_", "clip", "clamp_min", "clamp_max", "contiguous",
    "clone", "detach", "float", "double", "half", "to", "type", "type_as", "batch_norm",
    "square", "reciprocal", "sign", "erf", "pos", "stochastic_depth",
})
"""Calls that keep every position (activations, casts, copies, batch norm at inference)."""

_ARITHMETIC = frozenset({
    "add", "add_", "iadd", "sub", "sub_", "isub", "rsub", "mul", "mul_", "imul", "truediv",
    "div", "div_", "itruediv", "floordiv", "pow", "maximum", "minimum", "where", "addcmul",
})
"""Elementwise calls of several tensors: merges (the union of their fields)."""


def pool(kind: type[MaxPool | AvgPool], call: Call, kernel: Any, stride: Any, padding: Any,
         dilation: Any, ceil_mode: bool) -> Layer:
    """A max or average pool with PyTorch's parameters (the stride defaults to the kernel)."""
    n = call.axes
    return kind(kernel=call.per_axis(kernel, "kernel", n),
                stride=call.per_axis(stride if stride not in (None, [], ()) else kernel,
                                     "stride", n),
                padding=call.per_axis(padding, "padding", n),
                dilation=call.per_axis(dilation, "dilation", n), ceil_mode=bool(ceil_mode))


def adaptive(call: Call, output: Any) -> Flow:
    """Adaptive pooling to ``output`` (``None`` entries keep the length)."""
    sizes = call.sizes()
    wanted = list(output) if isinstance(output, list | tuple) else [output] * call.axes
    outputs = [size if want is None else int(want) for size, want in zip(
        sizes, _in_axis_order(call, wanted), strict=True)]
    layer = AdaptivePool(output=call.squeeze(outputs))
    return call.emit(layer, reduced=all(o == 1 for o in outputs))


def _in_axis_order(call: Call, items: list[Any]) -> list[Any]:
    labels = call.require().dims[len(call.require().dims) - len(items):]
    if sorted(labels) != list(range(call.axes)):
        raise call.unmapped(f"pools dimensions {labels} rather than the spatial axes")
    return [items[labels.index(axis)] for axis in range(call.axes)]


def pad(call: Call, amounts: Any) -> Flow:
    """``F.pad`` amounts (last dimension first, negative crops) as a Pad or Crop layer."""
    amounts = list(amounts)
    source = call.require()
    lefts, rights = [0] * call.axes, [0] * call.axes
    for index in range(len(amounts) // 2):
        label = source.dims[len(source.dims) - 1 - index]
        left, right = amounts[2 * index], amounts[2 * index + 1]
        if label < 0:
            if left or right:
                raise call.unmapped(f"pads a non-spatial dimension by {left, right}")
            continue
        lefts[label], rights[label] = left, right
    values = lefts + rights
    kind: type[Layer] = Pad if all(v >= 0 for v in values) else Crop
    if kind is Crop and any(v > 0 for v in values):
        raise call.unmapped(f"pads some sides and crops others ({amounts})")
    sign = 1 if kind is Pad else -1
    squeeze = call.squeeze
    return call.emit(kind(left=squeeze([sign * v for v in lefts]),  # type: ignore[call-arg]  # kind is Pad or Crop
                          right=squeeze([sign * v for v in rights])))


def elementwise(call: Call) -> Flow:
    """No geometry: the result carries the input's field."""
    return call.alias()


def arithmetic(call: Call) -> Flow:
    """Elementwise arithmetic of tensors: a merge (constants drop out)."""
    flows = [f for f in (call.flow(a) for a in _tensors(call)) if isinstance(f, Flow)]
    return call.builder.merge(call, flows, Merge.ADD)


_REDUCTION_ARGS = {"std": (1, 3), "var": (1, 3), "norm": (2, 3)}
"""Positions of ``dim`` and ``keepdim`` where they are not the 2nd and 3rd arguments."""


def reduction(call: Call) -> Any:
    """mean/sum/amax/... over some dimensions: spatial ones make a pooling row.

    With ``keepdim`` the reduced dimensions keep their labels (a spatial axis of length 1):
    an SE gate's ``x.mean((2, 3), keepdim=True)`` is then a 1x1 map, as after
    ``AdaptiveAvgPool2d(1)``, and the gate multiplying it back is global context.
    """
    source = call.require()
    target = call.node.target if isinstance(call.node.target, str) else call.node.target.__name__
    at, keep_at = _REDUCTION_ARGS.get(target, (1, 2))
    dim = call.arg(at, "dim", None)
    keep = bool(call.arg(keep_at, "keepdim", False))
    count = len(source.dims)
    reduced = range(count) if dim is None else [
        int(d) % count for d in (dim if isinstance(dim, list | tuple) else [dim])]
    spatial = {source.dims[d] for d in reduced if source.dims[d] >= 0}
    held = {source.dims[d] for d in reduced if source.dims[d] in (TOKENS, MIXED)
            and source.shape[d] > 1}
    if MIXED in held and not set(source.positions()) <= set(reduced):
        raise call.unmapped(f"reduces part of the positions ({source.mixed!r} split them "
                            "across dimensions)")
    if held:
        spatial = set(range(call.axes))
    if keep:
        dims = tuple(FEATURE if d in reduced and label in (TOKENS, MIXED) else label
                     for d, label in enumerate(source.dims))
    elif dim is None:
        dims = ()
    else:
        dims = tuple(label for d, label in enumerate(source.dims) if d not in reduced)
    names = {"max", "min", "median", "mode", "kthvalue", "sort"}
    outputs = [1 if axis in spatial else source.size(axis) for axis in range(call.axes)]
    if not any(source.size(axis) > 1 for axis in spatial):
        result = call.alias(dims)
    elif all(output == 1 for output in outputs):
        result = call.emit(GlobalPool() if len(spatial) == call.axes else
                           AdaptivePool(output=call.squeeze(outputs)), dims=dims, reduced=True)
    else:
        result = call.emit(AdaptivePool(output=call.squeeze(outputs)), dims=dims)
    pair = target in names and dim is not None
    return (result, result) if pair else result


def interpolation(call: Call, mode: str, align: bool) -> Flow:
    """Upsampling by whole factors (from a scale factor or an output size)."""
    source = call.require()
    before = call.sizes()
    after = call.sizes(source, call.shape)
    if source.reduced and all(b == 1 for b in before):
        return call.alias()  # a pooled map broadcast back: stays global context
    if mode == "area" and all(a <= b for a, b in zip(after, before, strict=True)):
        return call.emit(AdaptivePool(output=call.squeeze(after)))
    if any(a % b for a, b in zip(after, before, strict=True)):
        raise call.unmapped(
            f"resizes {tuple(before)} to {tuple(after)}, not by whole factors; symrf maps "
            "upsampling by integer factors (choose an input size that the sizes divide)"
        )
    factors = [a // b for a, b in zip(after, before, strict=True)]
    kind = "nearest" if mode == "area" else mode
    try:
        chosen = Mode(_MODES.get(kind, kind))
    except ValueError:
        raise call.unmapped(f"interpolates with mode {mode!r}") from None
    if align and any(b < 2 for b, f in zip(before, factors, strict=True) if f > 1):
        raise call.unmapped("aligns corners of a map of length 1")
    length = call.squeeze([max(b, 2) for b in before]) if align else None
    return call.emit(Upsample(factor=call.squeeze(factors), mode=chosen, align_corners=align,
                              length=length))


_MODES = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic",
          "nearest-exact": "nearest"}


def interpolate(call: Call) -> Flow:
    """``F.interpolate(x, size, scale_factor, mode, align_corners)``."""
    mode = call.arg(3, "mode", "nearest")
    return interpolation(call, mode, bool(call.arg(4, "align_corners", False)))


def conv(call: Call) -> Flow:
    """``F.conv1d/2d/3d`` with a traced weight: the kernel is the weight's shape."""
    weight = call.node.args[1] if len(call.node.args) > 1 else call.node.kwargs["weight"]
    kernel = tuple(weight.meta["tensor_meta"].shape[2:])
    n = len(kernel)
    padding = call.arg(4, "padding", 0)
    return call.emit(Conv(
        kernel=call.per_axis(kernel, "kernel", n),
        stride=call.per_axis(call.arg(3, "stride", 1), "stride", n),
        padding=padding if isinstance(padding, str) else call.per_axis(padding, "padding", n),
        dilation=call.per_axis(call.arg(5, "dilation", 1), "dilation", n)))


def _pool(kind: type[MaxPool | AvgPool]) -> Handler:
    def handler(call: Call) -> Flow:
        dilation = call.arg(4, "dilation", 1) if kind is MaxPool else 1
        ceil_at = 5 if kind is MaxPool else 4
        return call.emit(pool(kind, call, call.arg(1, "kernel_size"), call.arg(2, "stride"),
                              call.arg(3, "padding", 0), dilation,
                              bool(call.arg(ceil_at, "ceil_mode", False))))
    return handler


def _layer_norm(call: Call) -> Flow:
    source = call.require()
    count = len(call.arg(1, "normalized_shape"))
    if not source.whole and any(map(is_position, source.dims[len(source.dims) - count:])):
        return call.context()
    return call.emit(LayerNorm())


def _normalize(call: Call) -> Flow:
    """``F.normalize(x, p, dim)``: statistics over positions are global context."""
    source = call.require()
    dim = call.arg(2, "dim", 1)
    return call.context() if is_position(source.dims[dim]) and not source.whole \
        else call.alias()


def _softmax(call: Call) -> Flow:
    source = call.require()
    dim = call.arg(1, "dim", -1)
    return call.context() if is_position(source.dims[dim]) and not source.whole \
        else call.alias()


def _expand(call: Call) -> Flow:
    source = call.require()
    if source.reduced or math.prod(source.shape) == math.prod(call.shape):
        dims = tuple(source.dims)
        if len(call.shape) == len(dims):
            other = [call.flow(a) for a in call.node.args[1:]]
            target = next((f for f in other if isinstance(f, Flow)), None)
            dims = target.dims if target is not None else dims
        return call.alias(dims)
    raise call.unmapped("expands a local map")


def _none(call: Call) -> None:
    return None




FUNCTIONS: dict[str, Handler] = {
    **{name: elementwise for name in _ELEMENTWISE},
    **{name: arithmetic for name in _ARITHMETIC},
    "cat": concatenate, "concat": concatenate, "concatenate": concatenate,
    "stack": lambda call: concatenate(call, stack=True),
    "flatten": reshaped, "view": reshaped, "reshape": reshaped, "unflatten": reshaped,
    "view_as": reshaped, "reshape_as": reshaped,
    "permute": permute, "transpose": permute, "swapaxes": permute, "swapdims": permute,
    "movedim": permute,
    "unsqueeze": unsqueeze, "squeeze": unsqueeze,
    "chunk": split, "split": split, "tensor_split": split, "unbind": split,
    "getitem": getitem,
    "mean": reduction, "sum": reduction, "amax": reduction, "amin": reduction,
    "max": reduction, "min": reduction, "std": reduction, "var": reduction,
    "logsumexp": reduction, "norm": reduction, "prod": reduction,
    "adaptive_avg_pool1d": lambda call: adaptive(call, call.arg(1, "output_size")),
    "adaptive_avg_pool2d": lambda call: adaptive(call, call.arg(1, "output_size")),
    "adaptive_avg_pool3d": lambda call: adaptive(call, call.arg(1, "output_size")),
    "adaptive_max_pool1d": lambda call: adaptive(call, call.arg(1, "output_size")),
    "adaptive_max_pool2d": lambda call: adaptive(call, call.arg(1, "output_size")),
    "adaptive_max_pool3d": lambda call: adaptive(call, call.arg(1, "output_size")),
    "max_pool1d": _pool(MaxPool), "max_pool2d": _pool(MaxPool), "max_pool3d": _pool(MaxPool),
    "avg_pool1d": _pool(AvgPool), "avg_pool2d": _pool(AvgPool), "avg_pool3d": _pool(AvgPool),
    "interpolate": interpolate, "upsample": interpolate,
    "pad": lambda call: pad(call, call.arg(1, "pad")),
    "pixel_shuffle": lambda call: call.emit(PixelShuffle(factor=call.arg(1, "upscale_factor"))),
    "pixel_unshuffle": lambda call: call.emit(
        PixelUnshuffle(factor=call.arg(1, "downscale_factor"))),
    "conv1d": conv, "conv2d": conv, "conv3d": conv,
    "layer_norm": _layer_norm,
    "group_norm": lambda call: call.context(), "instance_norm": lambda call: call.context(),
    "softmax": _softmax, "log_softmax": _softmax, "normalize": _normalize,
    "linear": linear, "matmul": matmul, "bmm": matmul,
    "scaled_dot_product_attention": attention,
    "expand": _expand, "expand_as": _expand,
    "size": _none, "dim": _none, "numel": _none, "getattr": _none,
}
"""Function and method names -> handlers."""


def function_call(call: Call) -> Any:
    """Map one function or method call (looked up by name)."""
    target = call.node.target
    name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
    handler = FUNCTIONS.get(name)
    if handler is None:
        if call.source is None:
            return None
        raise call.unmapped("has no receptive-field mapping")
    return handler(call)


def _tensors(call: Call) -> list[Any]:
    return [a for a in (*call.node.args, *call.node.kwargs.values()) if hasattr(a, "op")]
