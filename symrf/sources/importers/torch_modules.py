"""How each kind of ``torch.nn`` module maps to a symrf layer: one dispatch table.

:func:`register` is the extension point: ``@register(MyBlock)`` over a function
``(module, call) -> Layer | None`` teaches the importer a module type (subclasses included),
and makes that type a leaf of the trace. The function returns the block's layer (per-axis
tuples for N-D blocks), or ``None`` when the block keeps every position. ``call.sizes()``
gives the input's length on each spatial axis and ``call.shape`` the result's shape.

Built-in mappings use PyTorch's exact semantics: padding modes (zeros, reflect, replicate,
circular) read the same positions, so they do not change the figures; only where a border
unit's field is clipped differs, and symrf's figures are those of the unbounded signal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from symrf.layers.base import Layer
from symrf.layers.pointwise import (
    GELU,
    BatchNorm,
    ChannelShuffle,
    Dropout,
    Identity,
    LayerNorm,
    ReLU,
    Sigmoid,
    Tanh,
)
from symrf.layers.resample import ConvTranspose, PixelShuffle, PixelUnshuffle
from symrf.layers.window import AvgPool, Conv, MaxPool
from symrf.sources.importers.torch_axes import Flow, is_position
from symrf.sources.importers.torch_build import Call, pointwise
from symrf.sources.importers.torch_functions import adaptive, interpolation, pad, pool
from symrf.sources.importers.torch_layout import reshaped
from symrf.sources.importers.torch_tokens import attention_module, linear

Mapping = Callable[[Any, Call], "Layer | Flow | tuple[Flow | None, ...] | None"]

_USER: set[type] = set()
"""Module types registered from outside: leaves of the trace."""


@functools.singledispatch
def map_module(module: Any, call: Call) -> Layer | Flow | tuple[Flow | None, ...] | None:
    """The layer of one module call (dispatch on the module's type)."""
    raise call.unmapped("has no receptive-field mapping")


def register(kind: type) -> Callable[[Mapping], Mapping]:
    """Register a receptive-field mapping for a module type (and make it a trace leaf).

    >>> import torch, symrf
    >>> class Blur(torch.nn.Module):
    ...     def forward(self, x):
    ...         return torch.nn.functional.avg_pool2d(x, 3, 1, 1)
    >>> @register(Blur)
    ... def _(module, call):
    ...     return symrf.AvgPool(kernel=3, stride=1, padding=1)
    >>> net = symrf.sources.importers.torch.from_torch(torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3),
    ...                                                             Blur()), input_size=32)
    >>> symrf.evaluate(net).rf
    5
    """

    def decorator(function: Mapping) -> Mapping:
        if kind.__module__.split(".")[0] != "torch":
            _USER.add(kind)
        map_module.register(kind)(function)
        return function

    return decorator


def is_registered(module: Any) -> bool:
    """Whether ``module`` has a mapping registered from outside (a trace leaf)."""
    return any(isinstance(module, kind) for kind in _USER)


def builtins() -> None:
    """Register the mappings of ``torch.nn`` (called once, after torch is imported)."""
    import torch.nn as nn

    for kind, layer in _POINTWISE_KINDS.items():
        found = getattr(nn, kind, None)
        if found is not None:
            register(found)(functools.partial(_pointwise, layer))
    for kinds, mapping in _TABLE.items():
        for kind in kinds.split():
            register(getattr(nn, kind))(mapping)
    # torchvision's StochasticDepth needs no entry: in eval mode it traces to its input.


def _pointwise(layer: type[Layer], module: Any, call: Call) -> Layer:
    return layer()


def _conv(module: Any, call: Call) -> Layer:
    n = len(module.kernel_size)
    padding = module.padding if isinstance(module.padding, str) else call.per_axis(
        module.padding, "padding", n)
    return Conv(kernel=call.per_axis(module.kernel_size, "kernel", n),
                stride=call.per_axis(module.stride, "stride", n),
                dilation=call.per_axis(module.dilation, "dilation", n), padding=padding)


def _conv_transpose(module: Any, call: Call) -> Layer:
    n = len(module.kernel_size)
    return ConvTranspose(
        kernel=call.per_axis(module.kernel_size, "kernel", n),
        stride=call.per_axis(module.stride, "stride", n),
        dilation=call.per_axis(module.dilation, "dilation", n),
        padding=call.per_axis(module.padding, "padding", n),
        output_padding=call.per_axis(module.output_padding, "output_padding", n),
    )


def _maxpool(module: Any, call: Call) -> Layer:
    return pool(MaxPool, call, module.kernel_size, module.stride, module.padding,
                module.dilation, module.ceil_mode)


def _avgpool(module: Any, call: Call) -> Layer:
    return pool(AvgPool, call, module.kernel_size, module.stride, module.padding, 1,
                module.ceil_mode)


def _lppool(module: Any, call: Call) -> Layer:
    return pool(AvgPool, call, module.kernel_size, module.stride, 0, 1, module.ceil_mode)


def _adaptive(module: Any, call: Call) -> Flow:
    return adaptive(call, module.output_size)


def _pad_module(module: Any, call: Call) -> Flow:
    return pad(call, module.padding)


def _pixel_shuffle(module: Any, call: Call) -> Layer:
    return PixelShuffle(factor=module.upscale_factor)


def _pixel_unshuffle(module: Any, call: Call) -> Layer:
    return PixelUnshuffle(factor=module.downscale_factor)


def _upsample(module: Any, call: Call) -> Flow:
    align = module.align_corners
    if type(module).__name__ == "UpsamplingBilinear2d":
        align = True
    return interpolation(call, module.mode, bool(align))


def _linear(module: Any, call: Call) -> Layer | Flow:
    return linear(call)


def _layer_norm(module: Any, call: Call) -> Layer | Flow:
    source = call.require()
    count = len(module.normalized_shape)
    if not source.whole and any(map(is_position, source.dims[len(source.dims) - count:])):
        return call.context()
    return LayerNorm()


def _norm_with_statistics(module: Any, call: Call) -> Layer | Flow:
    if getattr(module, "track_running_stats", False) and not module.training:
        return BatchNorm()
    return call.context()


def _softmax(module: Any, call: Call) -> Layer | Flow:
    source = call.require()
    dim = module.dim if module.dim is not None else len(source.dims) - 1
    return call.context() if is_position(source.dims[dim]) and not source.whole else Identity()


def _flatten(module: Any, call: Call) -> Flow:
    return reshaped(call)


def _channel_shuffle(module: Any, call: Call) -> Layer:
    return ChannelShuffle()


_POINTWISE_KINDS: dict[str, type[Layer]] = {
    "ReLU": ReLU, "ReLU6": ReLU, "LeakyReLU": ReLU, "PReLU": ReLU, "RReLU": ReLU, "ELU": ReLU,
    "SELU": ReLU, "CELU": ReLU, "GELU": GELU, "SiLU": GELU, "Mish": GELU, "Hardswish": GELU,
    "Hardsigmoid": Sigmoid, "Sigmoid": Sigmoid, "LogSigmoid": Sigmoid, "Hardtanh": Tanh,
    "Tanh": Tanh, "Softplus": ReLU, "Softsign": Tanh, "Tanhshrink": Tanh, "Threshold": ReLU,
    "Hardshrink": Identity, "Softshrink": Identity,
    "BatchNorm1d": BatchNorm, "BatchNorm2d": BatchNorm, "BatchNorm3d": BatchNorm,
    "SyncBatchNorm": BatchNorm, "LocalResponseNorm": BatchNorm,
    "Dropout": Dropout, "Dropout1d": Dropout, "Dropout2d": Dropout, "Dropout3d": Dropout,
    "AlphaDropout": Dropout, "FeatureAlphaDropout": Dropout, "Identity": Identity,
}
"""Modules that keep every position: their symrf op."""

_TABLE: dict[str, Mapping] = {
    "Conv1d Conv2d Conv3d": _conv,
    "ConvTranspose1d ConvTranspose2d ConvTranspose3d": _conv_transpose,
    "MaxPool1d MaxPool2d MaxPool3d": _maxpool,
    "AvgPool1d AvgPool2d AvgPool3d": _avgpool,
    "LPPool1d LPPool2d": _lppool,
    "AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d "
    "AdaptiveMaxPool2d AdaptiveMaxPool3d": _adaptive,
    "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d "
    "ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d "
    "CircularPad1d CircularPad2d CircularPad3d": _pad_module,
    "PixelShuffle": _pixel_shuffle,
    "PixelUnshuffle": _pixel_unshuffle,
    "Upsample UpsamplingNearest2d UpsamplingBilinear2d": _upsample,
    "Linear LazyLinear": _linear,
    "LayerNorm": _layer_norm,
    "GroupNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d": _norm_with_statistics,
    "Softmax LogSoftmax Softmin": _softmax,
    "Flatten Unflatten": _flatten,
    "ChannelShuffle": _channel_shuffle,
    "MultiheadAttention": attention_module,
}
"""Modules with geometry of their own, by ``torch.nn`` class name."""


_WINDOWS = frozenset({"_ConvNd", "_MaxPoolNd", "_AvgPoolNd"})
"""Base classes of the modules that slide a window (convolutions and pools)."""


def module_call(call: Call) -> Flow:
    """Map one module call to the Flow of its result.

    A convolution or pool applied to a tensor whose positions were all pooled away (ECA's
    ``Conv1d`` over the channels of a pooled vector), or to one every entry of which reads
    the whole map and whose positions are not laid out as a grid (a convolution over
    attention's heads), keeps its input's field: a row, no geometry.
    """
    source = call.source
    windows = {kind.__name__ for kind in type(call.module).__mro__} & _WINDOWS
    if windows and source is not None and source.node is not None and len(call.shape) == len(
            source.dims) and ((source.reduced and not source.positions())
                              or (source.whole and not source.spatial())):
        return pointwise(call)
    result = map_module(call.module, call)
    if isinstance(result, tuple):
        return result  # type: ignore[return-value]  # the flows of several results
    if isinstance(result, Flow):
        return result
    if result is None:
        return pointwise(call)
    return call.emit(result)
