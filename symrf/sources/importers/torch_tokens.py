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
from symrf.sources.importers.torch_axes import (
    FEATURE,
    MIXED,
    TOKENS,
    Dims,
    Flow,
    broadcast,
    is_position,
)
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
    pooled = not any(is_position(label) and length > 1
                     for label, length in zip(dims[-2:], call.shape[-2:], strict=True))
    if TOKENS in labels and pooled and not any(f.whole for f in live):
        # every position summed into one vector (GCNet's attention pooling): a global pool
        merged = _merged(call, live, (*lead, FEATURE, FEATURE), ".inputs")
        call.source = merged
        return call.emit(GlobalPool(), dims=merged.dims, reduced=True)
    if any(f.whole for f in live) or TOKENS in labels or (a.dims[-2], b.dims[-1]) == (
            TOKENS, TOKENS):
        return call.mix(live, dims)
    for (flow, index), label in zip(contracted, labels, strict=True):
        if label >= 0:
            raise call.unmapped(f"contracts spatial axis {label} (it mixes positions along "
                                "one axis only)")
        if label == MIXED:
            if len(live) > 1:
                raise call.unmapped(_windows(flow))
            return _read_all(call, flow, index, dims, Linear())
    return _merged(call, live, dims)


def _merged(call: Call, live: list[Flow], dims: Dims, suffix: str = "") -> Flow:
    """The union of the inputs' fields (a merge row named after the call, plus ``suffix``)."""
    name, call.name = call.name, call.name + suffix
    merged = call.builder.merge(call, live, Merge.CONCAT)
    call.name = name
    return merged.with_(shape=call.shape, dims=dims)


def attention(call: Call, sequence: int = -2) -> Flow:
    """``F.scaled_dot_product_attention(q, k, v)``: each query reads every key.

    ``sequence`` is the keys' sequence dimension (``nn.MultiheadAttention``: 1 with
    ``batch_first``, else 0).
    """
    q, k, v = (call.flow(call.arg(i, name)) for i, name in enumerate(("query", "key", "value")))
    flows = [f for f in (q, k, v) if isinstance(f, Flow)]
    live = [f for f in flows if f.node is not None]
    dims = q.dims if isinstance(q, Flow) else (FEATURE,) * len(call.shape)
    keys = next((f for f in (k, v) if isinstance(f, Flow) and f.node is not None), None)
    label = keys.dims[sequence] if keys is not None and keys.shape[sequence] > 1 else FEATURE
    if any(f.whole for f in live) or label == TOKENS:
        return call.mix(live, dims)
    if label >= 0:
        raise call.unmapped(f"attends along spatial axis {label} only")
    if label == MIXED:
        raise call.unmapped(_windows(keys))  # type: ignore[arg-type]  # a Flow: MIXED came from it
    return _merged(call, live, dims)


def attention_module(module: Any, call: Call) -> tuple[Flow, Flow | None]:
    """``nn.MultiheadAttention``: the output and (if asked for) the attention weights."""
    first = bool(getattr(module, "batch_first", False))
    out = attention(call, 1 if first else 0)
    meta = call.node.meta.get("tensor_meta")
    second = meta[1] if isinstance(meta, list | tuple) and len(meta) > 1 else None
    shape = tuple(getattr(second, "shape", ()))
    if not shape:
        return out, None
    return out, out.with_(shape=shape, dims=(FEATURE,) * len(shape))


def _windows(flow: Flow) -> str:
    return (f"attends over part of the positions ({flow.mixed!r} split them across "
            "dimensions: windowed attention), which symrf does not follow")


def concatenate_tokens(call: Call, flows: list[Flow], dim: int) -> Flow:
    """``torch.cat([class_token, x], dim=1)``: constant tokens before the sequence."""
    at = next((i for i, f in enumerate(flows) if f.dims[dim] == TOKENS and f.node), None)
    before, after = flows[:at], flows[at + 1:] if at is not None else []
    source = flows[at] if at is not None else None
    # tokens before the sequence: constants (a class token), or ones that read the whole
    # input when every token of the sequence does too (a class token after attention)
    if source is None or after or any(f.node is not None and not source.whole
                                      for f in before):
        raise call.unmapped("concatenates token sequences, or tokens after the sequence; "
                            "symrf follows tokens without a position before it (a class "
                            "token)")
    extra = sum(f.shape[dim] for f in before)
    call.source = source
    return call.alias(source.dims, extra=source.extra + extra)


def pick_tokens(call: Call, whole: Flow, item: Any, length: int) -> tuple[str, int, bool]:
    """An index into the token dimension: ``(kind, extra, kept)``.

    ``kind`` is ``"keep"`` (the sequence, with ``extra`` leading tokens left) or ``"drop"``
    (leading tokens without a position taken out: a class token); ``kept`` says whether the
    dimension stays (a slice) or goes (an integer). Other indices are refused.
    """
    extra = whole.extra
    if isinstance(item, slice) and item.step in (None, 1):
        start, stop, _ = item.indices(length)
        if (start, stop) == (0, length):
            return "keep", extra, True
        if start == extra and stop == length:
            return "keep", 0, True
        if start < stop <= extra:
            return "drop", 0, True
    elif isinstance(item, int) and (item % length) < extra:
        return "drop", 0, False
    raise call.unmapped(f"indexes the token sequence with {item!r}; symrf follows taking "
                        f"out the {extra} leading token(s) without a position, or the rest")


def picked_class_token(call: Call, whole: Flow, dims: Dims) -> Flow:
    """A leading token taken out: a constant before mixing, the whole input after it."""
    if not whole.whole:
        return Flow(None, call.shape, dims)
    call.source = whole
    return call.emit(GlobalPool(), dims=dims, reduced=True)
