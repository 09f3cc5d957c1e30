"""Hypothesis strategies: small random networks with resampling layers and branches.

- :func:`chains`: ``Sequential`` chains mixing convolutions, pools, pads and pointwise ops
  with transposed convolutions (kernels below the stride too), upsampling (nearest and
  linear), pixel shuffle and unshuffle, nested ``Sequential`` and ``Repeat``. Any lengths:
  pair them with :func:`oracle_graph.smallest_input`.
- :func:`parallel_chains`: chains of *regular* layers (see below) and ``Parallel`` blocks of
  2-3 branches built from one multiset of strides and upsampling factors in different
  orders and realisations, so the branches' jumps agree.
- :func:`graphs`: ``Graph`` DAGs of a few nodes whose add/concat merges join nodes of equal
  jump; some nodes may be dead ends, and the nodes may be given out of order.

A *regular* layer maps length ``m`` to exactly ``m*f`` or ``m/s`` when ``s`` divides ``m``
(stride-1 layers keep it), so with an input length that is a multiple of every stride in the
network (:func:`input_multiple`), branches of equal jump also give equal lengths and no
feature map vanishes. A budget on the number of primitive layers and on the products of
strides and upsampling factors keeps the brute-force oracle fast.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

from hypothesis import strategies as st

import symrf

from oracle_graph import UPSAMPLING, WINDOWS
from strategies import PADS, POINTWISE

KERNELS = st.integers(1, 5)
STRIDES = st.integers(1, 3)
DILATIONS = st.integers(1, 2)
FACTORS = st.integers(1, 3)
MODES = st.sampled_from([symrf.Mode.NEAREST, symrf.Mode.LINEAR, "nearest", "linear"])
MERGES = st.sampled_from([symrf.Merge.ADD, symrf.Merge.CONCAT, "add", "concat"])
PADDINGS = st.one_of(
    st.integers(0, 3), st.sampled_from([symrf.Padding.SAME, symrf.Padding.VALID, "same"])
)

# -- free leaves: any parameters -------------------------------------------------------------

CONVS = st.builds(
    symrf.Conv, kernel=KERNELS, stride=STRIDES, dilation=DILATIONS, padding=PADDINGS
)
POOLS = st.sampled_from([symrf.MaxPool, symrf.AvgPool]).flatmap(
    lambda pool: st.builds(
        pool, kernel=KERNELS, stride=st.none() | STRIDES, dilation=DILATIONS, padding=PADDINGS
    )
)


@st.composite
def conv_transposes(draw, stride=STRIDES):
    """Any transposed convolution; output padding below the stride or the dilation."""
    s, d = draw(stride), draw(DILATIONS)
    return symrf.ConvTranspose(
        kernel=draw(KERNELS), stride=s, dilation=d, padding=draw(st.integers(0, 2)),
        output_padding=draw(st.integers(0, max(s, d) - 1)),
    )


UPSAMPLES = st.builds(symrf.Upsample, factor=FACTORS, mode=MODES)
SHUFFLES = st.builds(symrf.PixelShuffle, factor=FACTORS)
UNSHUFFLES = st.builds(symrf.PixelUnshuffle, factor=FACTORS)
RESAMPLING = st.one_of(conv_transposes(), UPSAMPLES, SHUFFLES, UNSHUFFLES)
LEAVES = st.one_of(CONVS, POOLS, PADS, POINTWISE, RESAMPLING, RESAMPLING)


# -- budget ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cost:
    """Primitive layers, product of strides, product of upsampling factors, paths."""

    count: int = 0
    down: int = 1
    up: int = 1
    paths: int = 1

    def then(self, other: Cost) -> Cost:
        return Cost(self.count + other.count, self.down * other.down, self.up * other.up,
                    self.paths * other.paths)

    def within(self, budget: Cost) -> bool:
        return (self.count <= budget.count and self.down <= budget.down
                and self.up <= budget.up and self.paths <= budget.paths)


def cost(layer: object) -> Cost:
    """The cost of ``layer`` unrolled; branches add their layers and multiply their factors."""
    if layer is None:
        return Cost()
    if isinstance(layer, symrf.Sequential):
        total = Cost()
        for item in layer.layers:
            total = total.then(cost(item))
        return total
    if isinstance(layer, symrf.Repeat):
        block, times = cost(layer.block), layer.times
        return Cost(block.count * times, block.down**times, block.up**times,
                    block.paths**times)
    if isinstance(layer, symrf.Parallel):
        parts = [cost(branch) for branch in layer.branches]
        return Cost(sum(p.count for p in parts) + 1, math.prod(p.down for p in parts),
                    math.prod(p.up for p in parts), sum(p.paths for p in parts))
    if isinstance(layer, symrf.Graph):
        parts = [cost(node.layer) for node in layer.nodes]
        return Cost(sum(p.count for p in parts) + len(layer.nodes),
                    math.prod(p.down for p in parts), math.prod(p.up for p in parts),
                    _graph_paths(layer))
    if isinstance(layer, WINDOWS):
        return Cost(1, layer.stride)
    if isinstance(layer, symrf.PixelUnshuffle):
        return Cost(1, layer.factor)
    if isinstance(layer, symrf.ConvTranspose):
        return Cost(1, 1, layer.stride)
    if isinstance(layer, UPSAMPLING):
        return Cost(1, 1, layer.factor)
    return Cost(1)


def _graph_paths(graph: symrf.Graph) -> int:
    counts = {"input": 1}
    for node in graph.nodes:
        inner = cost(node.layer).paths if node.layer is not None else 1
        counts[node.name] = inner * sum(counts[i] for i in dict.fromkeys(node.inputs))
    return counts[graph.output]


def input_multiple(net: object) -> int:
    """A length divisible by every stride product met along the network (all strides)."""
    return cost(net).down


CHAIN_BUDGET = Cost(count=10, down=27, up=27, paths=1)


# -- chains of free layers -------------------------------------------------------------------


def chain_items(depth: int) -> st.SearchStrategy:
    if depth == 0:
        return LEAVES
    inner = chains(depth - 1, budget=Cost(count=4, down=9, up=9, paths=1))
    repeats = st.builds(symrf.Repeat, st.one_of(LEAVES, inner), times=st.integers(0, 3))
    return st.one_of(LEAVES, LEAVES, LEAVES, repeats, inner)


@st.composite
def chains(draw, depth: int = 2, budget: Cost = CHAIN_BUDGET):
    """A ``Sequential`` of 1..6 items (resampling likely) within ``budget``."""
    layers, total = [], Cost()
    for _ in range(draw(st.integers(1, 6))):
        layer = draw(chain_items(depth))
        if total.then(cost(layer)).within(budget):
            layers.append(layer)
            total = total.then(cost(layer))
    return symrf.Sequential(*(layers or [draw(RESAMPLING)]))


# -- regular layers: exact lengths ------------------------------------------------------------


def _paddings(span: int, stride: int) -> list[int]:
    """Paddings ``p`` with ``floor((m + 2p - span - 1)/s) + 1 == m/s`` whenever ``s | m``."""
    return [p for p in range(span // 2 + 1) if span + 1 - stride <= 2 * p <= span]


@st.composite
def keeps(draw):
    """A stride-1 layer (or small block) that keeps the length."""
    kind = draw(st.sampled_from(["conv", "pool", "padconv", "point", "convt", "one"]))
    k, d = draw(KERNELS), draw(DILATIONS)
    span = d * (k - 1)
    if kind in ("conv", "pool"):
        options = _paddings(span, 1)
        padding = draw(st.sampled_from([*options, "same"] if options else ["same"]))
        layer = symrf.Conv if kind == "conv" else draw(st.sampled_from([symrf.MaxPool,
                                                                        symrf.AvgPool]))
        return layer(kernel=k, stride=1, dilation=d, padding=padding)
    if kind == "padconv":  # asymmetric padding: centres move, lengths stay
        left = draw(st.integers(0, span))
        return symrf.Sequential(symrf.Pad(left=left, right=span - left),
                                symrf.Conv(kernel=k, dilation=d))
    if kind == "convt":
        return draw(regular_conv_transposes(1))
    if kind == "one":
        return draw(st.sampled_from([
            symrf.Upsample(factor=1, mode="linear"), symrf.Upsample(factor=1),
            symrf.PixelShuffle(factor=1), symrf.PixelUnshuffle(factor=1),
        ]))
    return draw(POINTWISE)


@st.composite
def regular_conv_transposes(draw, stride: int):
    """A transposed convolution with output length exactly ``m*stride``."""
    k, d = draw(KERNELS), draw(DILATIONS)
    options = []
    for output_padding in range(max(stride, d)):
        twice = d * (k - 1) + output_padding + 1 - stride  # 2p for length m*s
        if twice >= 0 and twice % 2 == 0:
            options.append((twice // 2, output_padding))
    if not options:
        k, d, options = stride, 1, [(0, 0)]
    padding, output_padding = draw(st.sampled_from(options))
    return symrf.ConvTranspose(kernel=k, stride=stride, dilation=d, padding=padding,
                               output_padding=output_padding)


@st.composite
def downs(draw, stride: int):
    """A layer dividing the length by ``stride`` exactly (when ``stride`` divides it)."""
    kind = draw(st.sampled_from(["conv", "conv", "pool", "unshuffle"]))
    if kind == "unshuffle":
        return symrf.PixelUnshuffle(factor=stride)
    k, d = draw(KERNELS), draw(DILATIONS)
    padding = draw(st.sampled_from([*_paddings(d * (k - 1), stride), "same"]))
    layer = symrf.Conv if kind == "conv" else draw(st.sampled_from([symrf.MaxPool,
                                                                    symrf.AvgPool]))
    return layer(kernel=k, stride=stride, dilation=d, padding=padding)


@st.composite
def ups(draw, factor: int):
    """A layer multiplying the length by ``factor``."""
    kind = draw(st.sampled_from(["convt", "convt", "upsample", "shuffle"]))
    if kind == "convt":
        return draw(regular_conv_transposes(factor))
    if kind == "upsample":
        return symrf.Upsample(factor=factor, mode=draw(MODES))
    return symrf.PixelShuffle(factor=factor)


SCALE_OPS = st.tuples(st.sampled_from(["down", "up"]), st.sampled_from([2, 2, 3]))


@st.composite
def realize(draw, ops: list[tuple[str, int]], keep_count: int = 2) -> list:
    """One branch: the scale ``ops`` in a random order and realisation, with stride-1 layers."""
    ops = list(draw(st.permutations(ops))) if ops else []
    if draw(st.integers(0, 4)) == 0:
        factor = draw(st.sampled_from([2, 3]))  # a pair that cancels: resampling, same jump
        pair = [("up", factor), ("down", factor)]
        ops += pair if draw(st.booleans()) else pair[::-1]
    layers = [draw(downs(f)) if kind == "down" else draw(ups(f)) for kind, f in ops]
    for _ in range(draw(st.integers(0, keep_count))):
        layers.insert(draw(st.integers(0, len(layers))), draw(keeps()))
    return layers


def _one(layers: list) -> object:
    if not layers:
        return None
    return layers[0] if len(layers) == 1 else symrf.Sequential(*layers)


@st.composite
def parallels(draw, ops: list[tuple[str, int]] | None = None, nested: bool = True):
    """A ``Parallel`` of 2-3 branches realising the same scale ``ops`` (equal jumps)."""
    if ops is None:
        ops = draw(st.lists(SCALE_OPS, max_size=2))
    branches = []
    for _ in range(draw(st.integers(2, 3))):
        if nested and draw(st.integers(0, 5)) == 0:
            branches.append([draw(parallels(ops, nested=False))])
        elif not ops and draw(st.integers(0, 2)) == 0:
            branches.append([])  # an identity branch (skip connection)
        else:
            layers = draw(realize(ops, keep_count=2))
            branches.append(layers if draw(st.booleans()) else _one(layers) or [])
    return symrf.Parallel(*branches, merge=draw(MERGES))


PARALLEL_BUDGET = Cost(count=16, down=36, up=36, paths=12)


@st.composite
def parallel_chains(draw, budget: Cost = PARALLEL_BUDGET):
    """A ``Sequential`` of regular layers with at least one ``Parallel`` block."""
    items = st.one_of(
        parallels(), parallels(),
        st.builds(symrf.Repeat, parallels(nested=False), times=st.integers(1, 2)),
        keeps(), SCALE_OPS.flatmap(lambda op: downs(op[1]) if op[0] == "down" else ups(op[1])),
    )
    layers, total = [], Cost()
    for _ in range(draw(st.integers(1, 4))):
        layer = draw(items)
        if total.then(cost(layer)).within(budget):
            layers.append(layer)
            total = total.then(cost(layer))
    if not any(isinstance(layer, symrf.Parallel) for layer in layers):
        block = draw(parallels(nested=False))
        if total.then(cost(block)).within(budget):
            layers.insert(draw(st.integers(0, len(layers))), block)
    return symrf.Sequential(*(layers or [draw(parallels(nested=False))]))


# -- graphs ----------------------------------------------------------------------------------


def _ops_for(ratio: Fraction) -> list[tuple[str, int]] | None:
    """Scale ops (strides 2 and 3) multiplying the jump by ``ratio``, if it factors so."""
    ops = []
    for part, kind in ((ratio.numerator, "down"), (ratio.denominator, "up")):
        for prime in (2, 3):
            while part % prime == 0:
                part //= prime
                ops.append((kind, prime))
        if part != 1:
            return None
    return ops


RATIOS = st.sampled_from([Fraction(1), Fraction(1), Fraction(2), Fraction(1, 2),
                          Fraction(3), Fraction(1, 3), Fraction(2, 3), Fraction(3, 2)])
GRAPH_BUDGET = Cost(count=22, down=72, up=36, paths=16)


@st.composite
def graphs(draw, budget: Cost = GRAPH_BUDGET):
    """A ``Graph`` of 2..7 nodes; merges join 2-3 earlier nodes of equal jump."""
    jumps: dict[str, Fraction] = {"input": Fraction(1)}
    nodes: list[symrf.Node] = []
    total = Cost()
    count = draw(st.integers(2, 7))
    for index in range(count):
        name = f"n{index}"
        groups = {}
        for other, jump in jumps.items():
            groups.setdefault(jump, []).append(other)
        mergeable = [group for group in groups.values() if len(group) >= 2]
        last = index == count - 1
        if mergeable and draw(st.integers(0, 2)) < (2 if last else 1):
            group = draw(st.sampled_from(mergeable))
            inputs = draw(st.lists(st.sampled_from(group), min_size=2, max_size=3,
                                   unique=True))
            nodes.append(symrf.Node(name, tuple(inputs), merge=draw(MERGES)))
            jumps[name] = jumps[inputs[0]]
            continue
        source = draw(st.sampled_from(sorted(jumps)))
        if len(jumps) > 1 and draw(st.booleans()):  # aim at another node's jump
            target = jumps[draw(st.sampled_from(sorted(set(jumps) - {source})))]
        else:
            target = jumps[source] * draw(RATIOS)
        ops = _ops_for(target / jumps[source])
        if ops is None or len(ops) > 3:
            ops, target = [], jumps[source]
        if draw(st.integers(0, 3)) == 0:
            layer = draw(parallels(ops, nested=False))
        else:
            layer = _one(draw(realize(ops, keep_count=2))) or draw(keeps())
        if not total.then(cost(layer)).within(budget):
            layer, target = draw(keeps()), jumps[source]
        total = total.then(cost(layer))
        nodes.append(symrf.Node(name, (source,), layer))
        jumps[name] = target
    output = nodes[-1].name if draw(st.integers(0, 3)) else draw(st.sampled_from(nodes)).name
    order = draw(st.permutations(nodes)) if draw(st.integers(0, 4)) == 0 else nodes
    return symrf.Graph(order, output=output)


# -- symbolic copies -------------------------------------------------------------------------

LETTERS = {
    "kernel": "k", "stride": "s", "dilation": "d", "padding": "p", "output_padding": "q",
    "factor": "f", "left": "l", "right": "r",
}
"""The first letter of the symbol that may replace each parameter."""
SHAPE_KEYS = ("kernel", "dilation", "padding", "output_padding", "left", "right")
"""Parameters that leave the jump alone (a symbolic stride cannot be proven to match)."""


def rebuild(net: object, change) -> object:
    """``net`` with every primitive layer replaced by ``change(layer)``."""
    if net is None:
        return None
    if isinstance(net, symrf.Sequential):
        return symrf.Sequential(*(rebuild(item, change) for item in net.layers))
    if isinstance(net, symrf.Repeat):
        return symrf.Repeat(rebuild(net.block, change), times=net.times)
    if isinstance(net, symrf.Parallel):
        branches = [rebuild(b, change) if b is not None else [] for b in net.branches]
        return symrf.Parallel(*branches, merge=net.merge)
    if isinstance(net, symrf.Graph):
        nodes = [symrf.Node(n.name, n.inputs, rebuild(n.layer, change), n.merge)
                 for n in net.nodes]
        return symrf.Graph(nodes, output=net.output)
    return change(net)


def _keys(layer: object, keys: tuple[str, ...]) -> list[str]:
    return [key for key in keys
            if type(getattr(layer, key, None)) is int and getattr(layer, key) >= 1]


@st.composite
def symbolized(draw, net: object, keys: tuple[str, ...] = tuple(LETTERS)):
    """``(symbolic, values)``: ``net`` with one to three of its ``keys`` made symbols.

    A symbol is named after its value (``k3`` is a kernel of 3) and is positive, so only
    parameters of at least 1 are replaced. ``values`` is empty only when no layer has one.
    """
    values: dict[str, int] = {}
    candidates = sum(1 for layer in _layers(net) if _keys(layer, keys))
    chosen = set(draw(st.lists(st.integers(0, max(candidates - 1, 0)), min_size=1,
                               max_size=3)))
    seen = [0]

    def change(layer: object) -> object:
        options = _keys(layer, keys)
        if not options:
            return layer
        seen[0] += 1
        if seen[0] - 1 not in chosen:
            return layer
        key = draw(st.sampled_from(options))
        name = f"{LETTERS[key]}{getattr(layer, key)}"
        values[name] = getattr(layer, key)
        return dataclasses.replace(layer, **{key: symrf.symbols(name)[0]})

    return rebuild(net, change), values


def _layers(net: object) -> list:
    found: list = []
    rebuild(net, lambda layer: found.append(layer) or layer)
    return found
