"""Layout calls: where each traced tensor's dimensions go, and indexing into them.

``view``/``reshape``/``flatten``, ``permute``/``transpose``, ``squeeze``/``unsqueeze``,
``chunk``/``split``/``unbind``, ``cat``/``stack`` and indexing move the dimension labels of
:mod:`symrf.sources.importers.torch_axes`; most make no row (their fx names are aliases of
the row they carry). Indexing a spatial axis is a crop (a unit-step slice) or a subsampling
(``x[:, ::2]``); indexing the token sequence takes class tokens out.
"""

from __future__ import annotations

from typing import Any

from symrf.layers.parallel import Merge
from symrf.layers.pointwise import Crop
from symrf.layers.window import Conv
from symrf.sources.importers.torch_axes import (
    FEATURE,
    MIXED,
    TOKENS,
    Flow,
    after_view,
    is_position,
    permuted,
    pooled_map,
)
from symrf.sources.importers.torch_build import Call, concrete
from symrf.sources.importers.torch_tokens import (
    concatenate_tokens,
    pick_tokens,
    picked_class_token,
)


def concatenate(call: Call, stack: bool = False) -> Flow:
    """``torch.cat``/``torch.stack`` along a non-spatial dimension."""
    items = call.arg(0, "tensors")
    dim = call.arg(1, "dim", 0)
    flows = [f for f in (call.flow(a) for a in items) if isinstance(f, Flow)]
    live = [f for f in flows if f.node is not None]
    if not stack and any(f.dims[dim] == TOKENS for f in live):
        return concatenate_tokens(call, flows, dim)
    if not stack and any(is_position(f.dims[dim]) for f in live):
        raise call.unmapped(f"concatenates along spatial axis {live[0].dims[dim]}")
    if not stack:
        return call.builder.merge(call, flows, Merge.CONCAT)
    at = dim % len(call.shape)  # a new dimension: the pieces merge, then it is inserted
    piece = call.shape[:at] + call.shape[at + 1:]
    result = call.builder.merge(call, flows, Merge.CONCAT, shape=piece)
    dims = list(result.dims)
    dims.insert(at, FEATURE)
    return result.with_(shape=call.shape, dims=tuple(dims))


def reshaped(call: Call) -> Flow:
    """view/reshape/flatten: relabel, or a whole-input row where positions are mixed."""
    source = call.require()
    dims, grid = after_view(source, call.shape)
    mixed = call.name if MIXED in dims and MIXED not in source.dims else source.mixed
    return call.alias(pooled_map(source, dims, call.shape, call.axes), grid=grid, mixed=mixed)


def permute(call: Call) -> Flow:
    """Permute / transpose / movedim: the labels move with the dimensions."""
    source = call.require()
    count = len(source.dims)
    args = concrete(list(call.node.args[1:]) or list(call.node.kwargs.values()))
    target = call.node.target if isinstance(call.node.target, str) else call.node.target.__name__
    if target in ("transpose", "swapaxes", "swapdims"):
        order = list(range(count))
        a, b = (int(x) % count for x in args[:2])
        order[a], order[b] = order[b], order[a]
    elif target == "movedim":
        order = [i for i in range(count) if i != int(args[0]) % count]
        order.insert(int(args[1]) % count, int(args[0]) % count)
    else:
        order = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else args
    return call.alias(permuted(source.dims, [int(i) for i in order]))


def unsqueeze(call: Call) -> Flow:
    """Insert or remove size-1 dimensions (a squeezed spatial axis of size 1 goes too)."""
    return reshaped(call)


def split(call: Call) -> tuple[Flow, ...]:
    """Chunk / split / unbind along a non-spatial dimension: one flow per piece."""
    source = call.require()
    name = call.node.target if isinstance(call.node.target, str) else call.node.target.__name__
    dim = call.arg(1 if name == "unbind" else 2, "dim", 0)
    if is_position(source.dims[dim]):
        raise call.unmapped(f"splits spatial axis {source.dims[dim]}")
    shapes = [tuple(m.shape) for m in call.node.meta["tensor_meta"]]
    if source.node is not None:
        call.builder.aliases[call.name] = source.node
    if name == "unbind":
        dims = tuple(d for i, d in enumerate(source.dims) if i != dim % len(source.dims))
        return tuple(source.with_(shape=s, dims=dims) for s in shapes)
    return tuple(source.with_(shape=s) for s in shapes)


def getitem(call: Call) -> Any:
    """An element of a tuple result, or tensor indexing (channel slices, crops, None)."""
    whole = call.flow(call.node.args[0])
    index = call.arg(1, "index")
    if isinstance(whole, tuple):
        return whole[index]
    if not isinstance(whole, Flow):
        return None
    items = list(index) if isinstance(index, tuple) else [index]
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = len(whole.dims) - (len(items) - 1 - items.count(None))
        items[at: at + 1] = [slice(None)] * fill
    dims: list[int] = []
    lefts, rights, steps = [0] * call.axes, [0] * call.axes, [1] * call.axes
    position, extra, dropped = 0, whole.extra, False
    for item in items:
        if item is None:
            dims.append(FEATURE)
            continue
        label, length = whole.dims[position], whole.shape[position]
        position += 1
        if label == TOKENS:
            kind, extra, kept = pick_tokens(call, whole, item, length)
            dropped = dropped or kind == "drop"
            dims.extend([(TOKENS if kind == "keep" else FEATURE)] if kept else [])
            continue
        if label == MIXED and item != slice(None):
            raise call.unmapped(f"indexes mixed positions with {item!r}")
        if label < 0:
            if not isinstance(item, int):
                dims.append(label)
            continue
        if isinstance(item, slice) and item.step in (None, 1):
            start, stop, _ = item.indices(length)
            lefts[label], rights[label] = start, length - stop
            dims.append(label)
            continue
        if isinstance(item, slice) and isinstance(item.step, int) and item.step > 1 \
                and item.indices(length)[0] == 0:
            steps[label] = item.step  # x[:, ::2]: unit x reads 2x
            dims.append(label)
            continue
        raise call.unmapped(f"indexes spatial axis {label} with {item!r}")
    dims.extend(whole.dims[position:])
    if dropped:
        return picked_class_token(call, whole, tuple(dims))
    if any(s > 1 for s in steps):
        if any(lefts + rights):
            raise call.unmapped("crops some spatial axes and subsamples others")
        return call.emit(Conv(kernel=1, stride=call.squeeze(steps)), dims=tuple(dims))
    if not any(lefts + rights):
        return call.alias(tuple(dims), extra=extra)
    return call.emit(Crop(left=call.squeeze(lefts), right=call.squeeze(rights)), dims=tuple(dims))
