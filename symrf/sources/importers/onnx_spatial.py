"""ONNX ops that move positions: convolutions, pools, pads, depth/space shuffles.

Resize and Upsample are handled in ``symrf.sources.importers.onnx_resize``.

Each handler reads the node's attributes in ONNX order (spatial dimensions 2, 3, ... of
its input) and writes symrf's per-axis parameters in axis order, following which dimension
holds which spatial axis (a ``Transpose`` may have swapped them). Asymmetric pads become
``padding`` (begin) and ``padding_right`` (end); ``auto_pad`` SAME_UPPER is TensorFlow's
SAME, SAME_LOWER puts the extra pixel first.

>>> pads_from_auto("SAME_LOWER", size=5, kernel=4, stride=1, dilation=1)
(2, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from symrf.errors import NetworkError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.pointwise import Crop, Identity, Pad
from symrf.layers.resample import ConvTranspose, PixelShuffle, PixelUnshuffle
from symrf.layers.whole import AdaptivePool, GlobalPool
from symrf.layers.window import AvgPool, Conv, MaxPool, Padding, Window
from symrf.sources.importers.onnx_check import attribute_error, ints, quoted
from symrf.sources.importers.onnx_dims import Atom, Map, Size

Walk = Any  # symrf.sources.importers.onnx_walk.Walk (kept loose to avoid an import cycle)


def placement(walk: Walk, node: Any, source: Map) -> list[int | None]:
    """For each spatial axis, which of the op's spatial dimensions (0 = ONNX dim 2) holds it.

    None marks an axis already reduced to one unit (global pooling).
    """
    where: list[int | None] = [None] * walk.axes
    for j in range(source.rank):
        held = source.axes_in(j)
        if not held:
            continue
        axis = min(held)
        if j < 2 or len(held) > 1 or source.spatial_dim(axis) != j:
            raise walk.error(
                node, f"its input dimension {j} holds spatial axes {sorted(held)} mixed with "
                f"other factors; symrf follows positions through dimensions 2.. of a "
                f"{node.op_type} only (reshape the positions back before it)")
        where[axis] = j - 2
    return where


def _integer(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def per_axis(values: Sequence[Any], where: Sequence[int | None], default: Any) -> tuple:
    """Per-axis parameters from the op's per-dimension list."""
    return tuple(default if k is None else values[k] for k in where)


def pads_from_auto(mode: str, *, size: Size, kernel: int, stride: int,
                   dilation: int) -> tuple[Any, Any]:
    """Begin and end padding of ``auto_pad`` SAME_UPPER/SAME_LOWER (``Padding.SAME`` if unknown).

    Raises:
        NetworkError: SAME_LOWER with a stride and an unknown length.
    """
    span = dilation * (kernel - 1)
    if stride == 1:
        total: int | None = span
    elif isinstance(size, int):
        total = max((-(-size // stride) - 1) * stride + span + 1 - size, 0)
    else:
        total = None
    if total is None:
        if mode == "SAME_UPPER":
            return Padding.SAME, Padding.SAME
        raise NetworkError("auto_pad SAME_LOWER with a stride depends on the input length; "
                           "give the input size (input_size=...)")
    first = total // 2 if mode == "SAME_UPPER" else total - total // 2
    return first, total - first


def _window_pads(walk: Walk, node: Any, source: Map, attributes: dict, kernel: Sequence[int],
                 strides: Sequence[int], dilations: Sequence[int]) -> tuple[list, list]:
    count = len(kernel)
    mode = attributes.get("auto_pad", "NOTSET")
    pads = ints(walk, node, attributes, "pads", 2 * count, 0, _sides(source))
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        pairs = []
        for k in range(count):
            try:
                pairs.append(pads_from_auto(mode, size=source.size(k + 2), kernel=kernel[k],
                                            stride=strides[k], dilation=dilations[k]))
            except NetworkError as error:
                raise walk.error(node, str(error)) from None
        if any(Padding.SAME in pair for pair in pairs):  # TF's SAME on every axis (it is
            return [Padding.SAME] * count, [Padding.SAME] * count  # SAME_UPPER, any stride)
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if mode == "VALID":
        return [0] * count, [0] * count
    return pads[:count], pads[count:]


def _axes(source: Map) -> str:
    return f"one per spatial axis of its rank-{source.rank} input"


def _sides(source: Map) -> str:
    return f"a begin and an end for each spatial axis of its rank-{source.rank} input"


def _spatial(walk: Walk, node: Any, source: Map) -> int:
    """The number of spatial dimensions (2..) of the node's input; at least one."""
    if source.rank < 3:
        raise walk.error(node, f"input 0: expected a tensor laid out as batch, channels, "
                         f"spatial axes (rank 3 or more), found rank {source.rank}")
    return source.rank - 2


def _weight(walk: Walk, node: Any, source: Map) -> list | None:
    """The shape of the weight (input 1), checked to have the input's rank, when known."""
    shape = walk.shape(node.input[1]) if len(node.input) > 1 and node.input[1] else None
    if shape is not None and len(shape) != source.rank:
        raise walk.error(node, f"input 1 (weight {quoted(node.input[1])}): expected rank "
                         f"{source.rank} (as its input), found shape {quoted(shape)}")
    return shape


def _kernel(walk: Walk, node: Any, source: Map, attributes: dict,
            weight: list | None) -> list[int]:
    """kernel_shape, which must equal the weight's spatial shape when both are known."""
    count = _spatial(walk, node, source)
    given = attributes.get("kernel_shape")
    spatial = weight[2:] if weight is not None else None
    if given is None:
        if spatial is None or any(not isinstance(k, int) for k in spatial):
            raise walk.error(node, "has no kernel_shape and its weight shape is unknown")
        return list(spatial)
    kernel = ints(walk, node, attributes, "kernel_shape", count, 1, _axes(source))
    if spatial is not None and all(isinstance(k, int) for k in spatial) and kernel != spatial:
        raise attribute_error(walk, node, "kernel_shape", f"{spatial} (the spatial shape of "
                              f"weight {quoted(node.input[1])})", quoted(kernel))
    return kernel


def _groups(walk: Walk, node: Any, source: Map, attributes: dict, weight: list | None,
            transposed: bool) -> None:
    """``group`` divides the channels, and the weight's channels match the input's."""
    group = int(attributes.get("group", 1))
    channels = source.size(1)
    if not isinstance(channels, int):
        return
    if channels % group:
        raise attribute_error(walk, node, "group", f"a divisor of the input's {channels} "
                              "channels", str(group))
    if weight is None or not all(isinstance(d, int) for d in weight[:2]):
        return
    reads = weight[0] if transposed else weight[1] * group
    if reads != channels:
        layout = "weight dimension 0" if transposed else f"group ({group}) x weight dimension 1"
        raise walk.error(node, f"input 1 (weight {quoted(node.input[1])}): expected {layout} "
                         f"to equal the input's {channels} channels, found shape "
                         f"{quoted(weight)}")


def _padding_right(walk: Walk, node: Any, cls: type, begin: tuple, end: tuple) -> dict:
    return {} if begin == end else {"padding_right": end}


def window(cls: type[Window]) -> Any:
    """A handler for Conv (``cls`` = Conv) or a pool (MaxPool, AvgPool for Average/LpPool)."""

    def handle(walk: Walk, node: Any, name: str) -> None:
        source = walk.feature(node)
        attributes = walk.attributes(node)
        weight = _weight(walk, node, source) if cls is Conv else None
        kernel = _kernel(walk, node, source, attributes, weight)
        count = len(kernel)
        if cls is Conv:
            _groups(walk, node, source, attributes, weight, transposed=False)
        strides = ints(walk, node, attributes, "strides", count, 1, _axes(source))
        dilations = ints(walk, node, attributes, "dilations", count, 1, _axes(source))
        begin, end = _window_pads(walk, node, source, attributes, kernel, strides, dilations)
        where = placement(walk, node, source)
        params: dict[str, Any] = {
            "kernel": per_axis(kernel, where, 1), "stride": per_axis(strides, where, 1),
            "dilation": per_axis(dilations, where, 1), "padding": per_axis(begin, where, 0),
        }
        params.update(_padding_right(walk, node, cls, params["padding"],
                                     per_axis(end, where, 0)))
        if attributes.get("ceil_mode", 0):
            params["ceil_mode"] = True
        dims = source.dims
        if cls is Conv:
            channels = walk.shape(node.output[0])
            dims = (dims[0], (Atom(None, channels[1] if channels else None),), *dims[2:])
        walk.emit(node, name, source, cls(**params), dims)

    return handle


def conv_transpose(walk: Walk, node: Any, name: str) -> None:
    """ConvTranspose: begin pads are symrf's padding, the end pads its output_padding."""
    source = walk.feature(node)
    attributes = walk.attributes(node)
    weight = _weight(walk, node, source)
    kernel = _kernel(walk, node, source, attributes, weight)
    _groups(walk, node, source, attributes, weight, transposed=True)
    count = len(kernel)
    strides = ints(walk, node, attributes, "strides", count, 1, _axes(source))
    dilations = ints(walk, node, attributes, "dilations", count, 1, _axes(source))
    extra = ints(walk, node, attributes, "output_padding", count, 0, _axes(source))
    pads = ints(walk, node, attributes, "pads", 2 * count, 0, _sides(source))
    mode = attributes.get("auto_pad", "NOTSET")
    shape = attributes.get("output_shape")
    if shape is not None and len(shape) not in (count, source.rank):
        raise attribute_error(walk, node, "output_shape", f"{count} values ({_axes(source)})",
                              f"{len(shape)}: {quoted(list(shape))}")
    if mode == "VALID":
        pads = [0] * 2 * count
    elif mode in ("SAME_UPPER", "SAME_LOWER") or shape:
        pairs = []
        for k in range(count):  # total padding from the output length (ONNX's formula)
            size = source.size(k + 2)
            target = shape[-count + k] if shape else (size * strides[k]
                                                      if size is not None else None)
            if not isinstance(target, int) and not shape:
                total = extra[k] + dilations[k] * (kernel[k] - 1) + 1 - strides[k]
            elif isinstance(size, int) and isinstance(target, int):
                total = (strides[k] * (size - 1) + extra[k] + dilations[k] * (kernel[k] - 1)
                         + 1 - target)
            else:
                raise walk.error(node, "output_shape needs the input size (input_size=...)")
            first = total // 2 if mode == "SAME_UPPER" else total - total // 2
            pairs.append((first, total - first))
        pads = [p[0] for p in pairs] + [p[1] for p in pairs]
    where = placement(walk, node, source)
    begin, end = pads[:count], pads[count:]
    output_padding = [extra[k] + begin[k] - end[k] for k in range(count)]
    window: dict[str, Any] = {
        "kernel": per_axis(kernel, where, 1), "stride": per_axis(strides, where, 1),
        "dilation": per_axis(dilations, where, 1)}
    layer: Layer
    if all(0 <= p < max(s, d) for p, s, d in zip(output_padding, strides, dilations,
                                                  strict=True)):
        layer = ConvTranspose(**window, padding=per_axis(begin, where, 0),
                              output_padding=per_axis(output_padding, where, 0))
    else:  # ONNX's pads and output_padding need not be PyTorch's: the full map, cut and grown
        cut = [max(e - x, 0) for e, x in zip(end, extra, strict=True)]
        grow = [max(x - e, 0) for e, x in zip(end, extra, strict=True)]
        parts: list[Layer] = [ConvTranspose(**window)]
        if any(begin) or any(cut):
            parts.append(Crop(left=per_axis(begin, where, 0), right=per_axis(cut, where, 0)))
        if any(grow):
            parts.append(Pad(left=0, right=per_axis(grow, where, 0)))
        layer = Sequential(*parts)
    channels = walk.shape(node.output[0])
    dims = (source.dims[0], (Atom(None, channels[1] if channels else None),),
            *source.dims[2:])
    walk.emit(node, name, source, layer, dims)


def reduce_positions(walk: Walk, node: Any, name: str, source: Map, reduced: set[int],
                     keep: bool) -> None:
    """A reduction over dimensions ``reduced``: whole-input along the axes they hold."""
    held = set().union(*(source.axes_in(j) for j in reduced))
    dims = tuple(() if j in reduced else atoms for j, atoms in enumerate(source.dims)
                 if keep or j not in reduced)
    layer: Layer = Identity()
    if held and held == source.axes():
        layer = GlobalPool()
    elif held:
        places = [source.spatial_dim(a) for a in range(walk.axes)]
        sizes = [1 if a in held or j is None else source.size(j) for a, j in enumerate(places)]
        if any(not isinstance(s, int) for s in sizes):
            raise walk.error(node, f"reduces spatial axes {sorted(held)} only, with the "
                             "others of unknown length; give the input size (input_size=...)")
        layer = AdaptivePool(output=tuple(sizes))
    walk.emit(node, name, source, layer, dims)


def global_pool(walk: Walk, node: Any, name: str) -> None:
    """GlobalAveragePool / GlobalMaxPool / GlobalLpPool: every position of dims 2.."""
    source = walk.feature(node)
    reduce_positions(walk, node, name, source, set(range(2, source.rank)), keep=True)


def pad(walk: Walk, node: Any, name: str) -> None:
    """Pad: a shift (Pad) or a crop (negative pads) on the spatial dimensions it touches.

    Reflect, edge and wrap modes read real pixels at the borders; the unbounded-index
    figures are the same as for zeros.
    """
    source = walk.feature(node)
    attributes = walk.attributes(node)
    if attributes.get("mode") == "wrap" and walk.opset < 19:
        raise attribute_error(walk, node, "mode", "'constant', 'reflect' or 'edge' (wrap is "
                              "opset 19's)", "'wrap'")
    if walk.opset < 11:
        pads = attributes.get("pads", attributes.get("paddings"))
        if pads is None:
            raise attribute_error(walk, node, "pads", "a list of ints", "none")
    else:
        given = walk.constant(node, 1, "pads")
        if given is None:
            raise walk.error(node, "input 1 (pads): expected a constant, found none")
        pads = list(np.asarray(given).ravel())
    if not all(_integer(p) for p in pads):
        raise attribute_error(walk, node, "pads", "integers", quoted([str(p) for p in pads]))
    pads = [int(p) for p in pads]
    axes = walk.integers(node, 3, "axes")
    dims = (list(range(source.rank)) if axes is None else
            walk.dims(node, axes, source.rank, "axes"))
    if len(set(dims)) != len(dims):
        raise attribute_error(walk, node, "axes", "distinct dimensions", quoted(dims))
    if len(pads) != 2 * len(dims):
        why = (f"a begin and an end for each dimension of its rank-{source.rank} input"
               if axes is None else f"a begin and an end for each of its {len(dims)} axes")
        raise attribute_error(walk, node, "pads", f"{2 * len(dims)} values ({why})",
                              f"{len(pads)}: {quoted(pads)}")
    grow, cut = [[0] * walk.axes for _ in range(2)], [[0] * walk.axes for _ in range(2)]
    for index, j in enumerate(dims):
        begin, end = pads[index], pads[index + len(dims)]
        if (not begin and not end) or not source.axes_in(j):
            continue
        axis = min(source.axes_in(j))
        if source.spatial_dim(axis) != j:
            raise walk.error(node, f"pads dimension {j}, which holds spatial axes mixed with "
                             "other factors")
        for side, amount in enumerate((begin, end)):
            (grow if amount > 0 else cut)[side][axis] = abs(amount)
    layers: list[Layer] = []
    if any(grow[0] + grow[1]):
        layers.append(Pad(left=tuple(grow[0]), right=tuple(grow[1])))
    if any(cut[0] + cut[1]):
        layers.append(Crop(left=tuple(cut[0]), right=tuple(cut[1])))
    layer = layers[0] if len(layers) == 1 else Sequential(*layers) if layers else Identity()
    walk.emit(node, name, source, layer)


def depth_space(cls: type[PixelShuffle] | type[PixelUnshuffle]) -> Any:
    """DepthToSpace (PixelShuffle, DCR or CRD alike) or SpaceToDepth (PixelUnshuffle)."""

    def handle(walk: Walk, node: Any, name: str) -> None:
        source = walk.feature(node)
        _spatial(walk, node, source)
        placement(walk, node, source)
        factor = int(walk.attributes(node)["blocksize"])
        depth = source.size(1)
        if cls is PixelShuffle and isinstance(depth, int) and depth % (factor * factor):
            raise attribute_error(walk, node, "blocksize", f"a block whose square divides "
                                  f"the input's {depth} channels", str(factor))
        channels = walk.shape(node.output[0])
        dims = (source.dims[0], (Atom(None, channels[1] if channels else None),),
                *source.dims[2:])
        walk.emit(node, name, source, cls(factor=factor), dims)

    return handle


SPATIAL = {
    "Conv": window(Conv),
    "MaxPool": window(MaxPool),
    "AveragePool": window(AvgPool),
    "LpPool": window(AvgPool),
    "ConvTranspose": conv_transpose,
    "GlobalAveragePool": global_pool,
    "GlobalMaxPool": global_pool,
    "GlobalLpPool": global_pool,
    "Pad": pad,
    "DepthToSpace": depth_space(PixelShuffle),
    "SpaceToDepth": depth_space(PixelUnshuffle),
}
"""Op type -> handler, for the ops that move positions."""

