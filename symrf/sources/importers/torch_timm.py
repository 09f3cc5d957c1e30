"""timm's layers: TensorFlow SAME convolutions and pools, space-to-depth, and what timm keeps whole.

timm (``pip install timm``) builds TF-ported models (``tf_efficientnet_*``, NFNets, ViT
hybrids) with ``Conv2dSame``, ``StdConv2dSame``, ``ScaledStdConv2dSame`` (or their
``same_pad`` twins), ``MaxPool2dSame`` and ``AvgPool2dSame``: a ``pad_same`` of the input
(size-dependent, asymmetric) before a padding-free window. Each maps to the symrf window
with ``padding="same"``, TensorFlow's SAME: exact at every input size, no user code.
TResNet's ``SpaceToDepth`` (and ``DepthToSpace``) are pixel (un)shuffles written with
``view`` and ``permute``.

timm also lists the modules and functions that ``torch.fx`` cannot trace (its own feature
extraction keeps them whole). :func:`wrapped` hands the functions to the tracer (each
becomes one call); a module of a type :func:`leaves` lists is kept whole when its code
fails to trace, and is then mapped by its ``torch.nn`` base class (a ``BatchNormAct2d`` is
a batch norm) or refused with the way to register it.

Nothing here imports timm: the mappings are registered when a model's module is timm's
(:func:`install`, called by the importer when ``timm`` has been imported).

>>> sorted(_CONVS)[:2]
['timm.layers.conv2d_same.Conv2dSame', 'timm.layers.std_conv.ScaledStdConv2d']
"""

from __future__ import annotations

import sys
from typing import Any

from symrf.layers.base import Layer
from symrf.layers.resample import PixelShuffle, PixelUnshuffle
from symrf.layers.window import AvgPool, Conv, MaxPool
from symrf.sources.importers.torch_build import Call
from symrf.sources.importers.torch_functions import FUNCTIONS, arithmetic
from symrf.sources.importers.torch_modules import map_module, register

_CONVS = (
    "timm.layers.conv2d_same.Conv2dSame",
    "timm.layers.std_conv.StdConv2d",
    "timm.layers.std_conv.StdConv2dSame",
    "timm.layers.std_conv.ScaledStdConv2d",
    "timm.layers.std_conv.ScaledStdConv2dSame",
)
"""Convolutions that pad with ``pad_same`` (always, or when ``same_pad`` is set)."""

_POOLS = {
    "timm.layers.pool2d_same.MaxPool2dSame": MaxPool,
    "timm.layers.pool2d_same.AvgPool2dSame": AvgPool,
}
"""Pools that pad with ``pad_same`` before a padding-free window."""


def _same(module: Any) -> bool:
    """Whether the module pads with ``pad_same`` (its ``same_pad`` flag, else its name)."""
    if hasattr(module, "same_pad"):
        return bool(module.same_pad)
    return type(module).__name__.endswith("Same")


def _conv(module: Any, call: Call) -> Layer:
    n = len(module.kernel_size)
    padding = "same" if _same(module) else call.per_axis(module.padding, "padding", n)
    return Conv(kernel=call.per_axis(module.kernel_size, "kernel", n),
                stride=call.per_axis(module.stride, "stride", n),
                dilation=call.per_axis(module.dilation, "dilation", n), padding=padding)


def _pool(module: Any, call: Call) -> Layer:
    n = len(module.kernel_size)
    kind = _POOLS[f"{type(module).__module__}.{type(module).__name__}"]
    dilation = getattr(module, "dilation", 1)
    return kind(kernel=call.per_axis(module.kernel_size, "kernel", n),
                stride=call.per_axis(module.stride, "stride", n),
                dilation=call.per_axis(dilation, "dilation", n), padding="same",
                ceil_mode=bool(module.ceil_mode))


_BLOCKS = {
    "timm.layers.space_to_depth.SpaceToDepth": PixelUnshuffle,
    "timm.layers.space_to_depth.DepthToSpace": PixelShuffle,
}
"""TResNet's stem: blocks of positions moved into channels (and back) by view/permute."""


def _block(module: Any, call: Call) -> Layer:
    kind = _BLOCKS[f"{type(module).__module__}.{type(module).__name__}"]
    return kind(factor=int(module.bs))


_INSTALLED: list[bool] = []


def install() -> None:
    """Register the mappings of timm's SAME layers (once; only if timm is imported)."""
    if _INSTALLED or "timm" not in sys.modules:
        return
    _INSTALLED.append(True)
    for path in (*_CONVS, *_POOLS, *_BLOCKS):
        kind = _find(path)
        if kind is not None:  # registered: a leaf of the trace
            register(kind)(_conv if path in _CONVS else _pool if path in _POOLS else _block)
    FUNCTIONS.setdefault("maybe_add_mask", arithmetic)


def _find(path: str) -> type | None:
    module_name, _, name = path.rpartition(".")
    module = sys.modules.get(module_name)
    if module is None:
        try:
            module = __import__(module_name, fromlist=[name])
        except ImportError:  # another timm version: that layer does not exist
            return None
    found = getattr(module, name, None)
    return found if isinstance(found, type) else None


def leaves() -> tuple[type, ...]:
    """The module types timm keeps whole when it traces (none without timm)."""
    fx = sys.modules.get("timm.layers._fx")
    if fx is None:
        return ()
    return tuple(kind for kind in fx.get_notrace_modules() if isinstance(kind, type))


def mapped() -> tuple[type, ...]:
    """The module types timm keeps whole that subclass a mapped ``torch.nn`` type.

    ``BatchNormAct2d`` is a batch norm (and an activation): kept whole from the start, it
    maps as its base class, which is faster than tracing through it.
    """
    default = map_module.dispatch(object)
    return tuple(kind for kind in leaves() if map_module.dispatch(kind) is not default)


def wrapped() -> tuple[Any, ...]:
    """The functions timm keeps whole when it traces: they become one call each."""
    fx = sys.modules.get("timm.layers._fx")
    if fx is None:
        return ()
    return tuple(function for function in fx.get_notrace_functions() if callable(function))
