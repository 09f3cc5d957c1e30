"""Tokens: a map's positions flattened into a sequence, and the operations that mix them.

A vision transformer flattens its patch grid into a sequence of tokens
(``conv(x).flatten(2).transpose(1, 2)``): the sequence dimension is labelled
:data:`~symrf.sources.importers.torch_axes.TOKENS` and each token keeps its patch's field
through every operation on features (``Linear`` over channels, ``LayerNorm``, the MLP).
An operation that mixes tokens reads every position of the map:

- a matrix product contracting the tokens, or producing token-by-token scores (attention's
  ``q @ k.transpose(-2, -1)``, then ``attn @ v``), and ``F.scaled_dot_product_attention``
  over tokens;
- a ``Linear`` over the token dimension (MLP-Mixer's token mixing).

Each becomes one ``Context(include=True)`` row (:meth:`~symrf.sources.importers.
torch_build.Call.mix`): every unit after it depends on the whole input, exactly, and the
grid is kept so that a later reshape back to ``(H, W)`` and convolutions compose. Leading
tokens without a position (a class token concatenated before the sequence) are counted in
``Flow.extra``: they read nothing before the first mixing and everything after it.

Positions held as :data:`~symrf.sources.importers.torch_axes.MIXED` (a flatten of channels
and positions, a window partition) may only be read all at once: a ``Linear``, product or
reduction over the single dimension holding all of them reads the whole input; over part
of them (windowed attention) the call is refused with the reason.

>>> from symrf.sources.importers.torch_axes import BATCH, FEATURE
>>> _shown_kind(TOKENS), _shown_kind(MIXED), _shown_kind(0)
('the token sequence', 'positions mixed with other dimensions', 'spatial axis 0')
"""

from __future__ import annotations

from typing import Any

from symrf.layers.parallel import Merge
from symrf.layers.pointwise import Identity
from symrf.layers.whole import GlobalPool, Linear
from symrf.sources.importers.torch_axes import FEATURE, MIXED, TOKENS, Dims, Flow, broadcast
from symrf.sources.importers.torch_build import Call


def _shown_kind(label: int) -> str:
    if label == TOKENS:
        return "the token sequence"
    if label == MIXED:
        return "positions mixed with other dimensions"
    return f"spatial axis {label}"


def keep(call: Call, dims: Dims | None = None) -> Flow:
    """No geometry: a module's row (``Identity``, named by the module) or an alias."""
    source = call.require()
    if call.module is not None:
        return call.emit(Identity(), dims=dims)
    return call.alias(dims if dims is not None else source.dims)


def linear(call: Call) -> Flow:
    """A ``Linear`` over the last dimension (``nn.Linear`` or ``F.linear``)."""
    source = call.require()
    last, length = source.dims[-1], source.shape[-1]
    after = (*source.dims[:-1], FEATURE)
    if source.whole:
        return keep(call, after)
    if last == TOKENS:
        return call.mix([source], after)
    if last >= 0 and length > 1:
        raise call.unmapped(f"is a linear map over spatial axis {last} (it mixes positions "
                            "along one axis only)")
    if last == MIXED and length > 1:
        return _read_all(call, source, len(source.dims) - 1, after, Linear())
    if source.positions():
        return keep(call)
    return call.emit(Linear(), reduced=True)


def _read_all(call: Call, source: Flow, dim: int, dims: Dims, layer: Any) -> Flow:
    """An operation reading a :data:`MIXED` dimension whole.

    That is the whole input if the dimension holds every position; refused if a reshape
    split the positions across dimensions.
    """
    if source.positions() != [dim]:
        raise call.unmapped(
            f"reads dimension {dim} of a tensor laid out as {_layout(source)}, which holds "
            f"only part of the positions ({source.mixed!r} split them across dimensions: a "
            "window partition?); symrf cannot say which positions each entry reads"
        )
    return call.emit(layer, dims=dims, reduced=True)


def _layout(flow: Flow) -> str:
    names = {-2: "batch", -1: "feature", TOKENS: "tokens", MIXED: "mixed"}
    return "(" + ", ".join(names.get(d, f"space{d}") for d in flow.dims) + ")"


def matmul(call: Call) -> Flow:
    """``a @ b``: a merge of their fields, or a mixing of every position over tokens."""
    a, b = (call.flow(arg) for arg in call.node.args[:2])
    if not isinstance(a, Flow) or not isinstance(b, Flow) or min(len(a.dims), len(b.dims)) < 2:
        raise call.unmapped("is a matrix-vector product symrf does not follow")
    live = [f for f in (a, b) if f.node is not None]
    lead = broadcast([a.with_(dims=a.dims[:-2]), b.with_(dims=b.dims[:-2])],
                     call.shape[:-2])
    rows, columns = a.dims[-2], b.dims[-1]
    if rows == TOKENS and columns == TOKENS:  # token-by-token scores
        columns = FEATURE
    dims = (*lead, rows, columns)
    contracted = [(f, index) for f, index in ((a, len(a.dims) - 1), (b, len(b.dims) - 2))
                  if f.node is not None and f.shape[index] > 1]
    labels = [f.dims[index] for f, index in contracted]
    if any(f.whole for f in live) or TOKENS in labels or (a.dims[-2], b.dims[-1]) == (
            TOKENS, TOKENS):
        return call.mix(live, dims)
    for (flow, index), label in zip(contracted, labels, strict=True):
        if label >= 0:
            raise call.unmapped(f"contracts spatial axis {label} (it mixes positions along "
                                "one axis only)")
        if label == MIXED:
            if len(live) > 1:
                raise call.unmapped("multiplies two tensors over mixed positions")
            return _read_all(call, flow, index, dims, Linear())
    return _merged(call, live, dims)


def _merged(call: Call, live: list[Flow], dims: Dims) -> Flow:
    merged = call.builder.merge(call, live, Merge.CONCAT)
    return merged.with_(shape=call.shape, dims=dims)


def attention(call: Call) -> Flow:
    """``F.scaled_dot_product_attention(q, k, v)``: each query reads every key."""
    q, k, v = (call.flow(call.arg(i, name)) for i, name in enumerate(("query", "key", "value")))
    flows = [f for f in (q, k, v) if isinstance(f, Flow)]
    live = [f for f in flows if f.node is not None]
    dims = q.dims if isinstance(q, Flow) else (FEATURE,) * len(call.shape)
    keys = next((f for f in (k, v) if isinstance(f, Flow) and f.node is not None), None)
    label = keys.dims[-2] if keys is not None and keys.shape[-2] > 1 else FEATURE
    if any(f.whole for f in live) or label == TOKENS:
        return call.mix(live, dims)
    if label >= 0:
        raise call.unmapped(f"attends along spatial axis {label} only")
    if label == MIXED:
        raise call.unmapped(
            f"attends over part of the positions ({keys.mixed!r} split them across "  # type: ignore[union-attr]  # keys is a Flow when label is MIXED
            "dimensions: windowed attention), which symrf does not follow"
        )
    return _merged(call, live, dims)


def concatenate_tokens(call: Call, flows: list[Flow], dim: int) -> Flow:
    """``torch.cat([class_token, x], dim=1)``: constant tokens before the sequence."""
    live = [i for i, f in enumerate(flows) if f.node is not None]
    if len(live) != 1 or any(f.node is None for f in flows[live[0] + 1:]):
        raise call.unmapped("concatenates token sequences, or tokens after the sequence; "
                            "symrf follows constant tokens (a class token) before it")
    source = flows[live[0]]
    extra = sum(f.shape[dim] for f in flows[: live[0]])
    return call.alias(source.dims, extra=source.extra + extra)


def pick_tokens(call: Call, whole: Flow, item: Any, length: int) -> tuple[str, int]:
    """An index into the token dimension: ``("keep", extra)`` or ``("drop", 0)``.

    ``"drop"`` takes a leading token (a class token) out; other indices are refused.
    """
    extra = whole.extra
    if isinstance(item, slice) and item.step in (None, 1):
        start, stop, _ = item.indices(length)
        if (start, stop) == (0, length):
            return "keep", extra
        if start == extra and stop == length:
            return "keep", 0
    elif isinstance(item, int) and (item % length) < extra:
        return "drop", 0
    raise call.unmapped(f"indexes the token sequence with {item!r}; symrf follows taking "
                        f"out the {extra} leading token(s) without a position, or the rest")


def picked_class_token(call: Call, whole: Flow, dims: Dims) -> Flow:
    """A leading token taken out: a constant before mixing, the whole input after it."""
    if not whole.whole:
        return Flow(None, call.shape, dims)
    call.source = whole
    return call.emit(GlobalPool(), dims=dims, reduced=True)
