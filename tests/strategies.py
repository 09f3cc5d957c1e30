"""Hypothesis strategies: small random networks, concrete and symbolic.

:func:`networks` draws chains of convolutions, pools, pads and identity-geometry ops, with
nested ``Sequential`` and ``Repeat`` (``times`` 0..3). A budget keeps the unrolled network
small (at most ``max_layers`` primitive layers and a total jump of at most ``max_jump``) so
that the brute-force oracle stays fast.

:func:`symbolic_networks` draws a network together with a copy in which some parameters are
symbols, and the values that turn the copy back into the original.
"""

from __future__ import annotations

import dataclasses
import math

from hypothesis import strategies as st

import symrf

from oracle import WINDOWS

KERNELS = st.integers(1, 5)
STRIDES = st.integers(1, 3)
DILATIONS = st.integers(1, 3)
PADDINGS = st.one_of(
    st.integers(0, 3),
    st.sampled_from(["same", "valid", symrf.Padding.SAME, symrf.Padding.VALID]),
)
POINTWISE = st.sampled_from([
    symrf.Identity(), symrf.ReLU(), symrf.GELU(), symrf.Sigmoid(), symrf.Tanh(),
    symrf.BatchNorm(), symrf.LayerNorm(), symrf.Dropout(), symrf.ChannelShuffle(),
])

PADS = st.builds(symrf.Pad, left=st.integers(0, 3), right=st.integers(0, 3))
CONVS = st.builds(
    symrf.Conv, kernel=KERNELS, stride=STRIDES, dilation=DILATIONS, padding=PADDINGS
)
POOLS = st.sampled_from([symrf.MaxPool, symrf.AvgPool]).flatmap(
    lambda pool: st.builds(
        pool,
        kernel=KERNELS,
        stride=st.none() | STRIDES,  # None: the PyTorch default, stride = kernel
        dilation=DILATIONS,
        padding=PADDINGS,
    )
)
LEAVES = st.one_of(CONVS, POOLS, PADS, POINTWISE)
LETTERS = {"kernel": "k", "stride": "s", "dilation": "d", "padding": "p", "left": "l", "right": "r"}
"""The first letter of the symbol that may replace each parameter."""


def cost(layer: object) -> tuple[int, int]:
    """``(primitive layers, total jump)`` of ``layer`` once every ``Repeat`` is unrolled."""
    if isinstance(layer, symrf.Sequential):
        costs = [cost(item) for item in layer.layers]
        return sum(count for count, _ in costs), math.prod(jump for _, jump in costs)
    if isinstance(layer, symrf.Repeat):
        count, jump = cost(layer.block)
        return count * layer.times, jump**layer.times
    if isinstance(layer, WINDOWS):
        return 1, layer.stride
    return 1, 1


def items(depth: int) -> st.SearchStrategy:
    """One item of a chain: a leaf layer, or (above depth 0) a Repeat or nested Sequential."""
    if depth == 0:
        return LEAVES
    blocks = st.one_of(LEAVES, networks(depth - 1, max_layers=4, max_jump=9))
    repeats = st.builds(symrf.Repeat, blocks, times=st.integers(0, 3))
    return st.one_of(LEAVES, LEAVES, repeats, networks(depth - 1))


@st.composite
def networks(draw, depth: int = 2, max_layers: int = 10, max_jump: int = 27):
    """A ``Sequential`` of 1..5 items whose unrolled form stays within the budget."""
    layers, count, jump = [], 0, 1
    for _ in range(draw(st.integers(1, 5))):
        layer = draw(items(depth))
        more, factor = cost(layer)
        if count + more <= max_layers and jump * factor <= max_jump:
            layers.append(layer)
            count, jump = count + more, jump * factor
    return symrf.Sequential(*(layers or [draw(POINTWISE)]))


@st.composite
def symbolic_networks(draw, **budget):
    """``(net, symbolic, values)``: ``symbolic`` with ``values`` substituted is ``net``.

    A symbol stands for one positive value and is named after it (``k3`` is a kernel of 3),
    so equal parameters may share a symbol. Zero paddings and counts stay numbers (symbols
    are positive), and so does the count of a block with TF 'same' padding (its geometry
    depends on the input length, so it has no closed form in the count).
    """
    net = draw(networks(**budget))
    values: dict[str, int] = {}
    return net, _symbolize(draw, net, values), values


def _symbolize(draw, layer: object, values: dict[str, int]) -> object:
    if isinstance(layer, symrf.Sequential):
        return symrf.Sequential(*(_symbolize(draw, item, values) for item in layer.layers))
    if isinstance(layer, symrf.Repeat):
        block = _symbolize(draw, layer.block, values)
        times = layer.times if has_same(layer.block) else _maybe(draw, "n", layer.times, values)
        return symrf.Repeat(block, times=times)
    changes = {
        key: _maybe(draw, letter, getattr(layer, key), values)
        for key, letter in LETTERS.items()
        if isinstance(getattr(layer, key, None), int)
    }
    return dataclasses.replace(layer, **changes)


def _maybe(draw, letter: str, value: int, values: dict[str, int]) -> object:
    if value < 1 or not draw(st.booleans()):
        return value
    name = f"{letter}{value}"
    values[name] = value
    return symrf.symbols(name)[0]


def has_same(layer: object) -> bool:
    if isinstance(layer, symrf.Sequential):
        return any(has_same(item) for item in layer.layers)
    if isinstance(layer, symrf.Repeat):
        return has_same(layer.block)
    return getattr(layer, "padding", None) is symrf.Padding.SAME
