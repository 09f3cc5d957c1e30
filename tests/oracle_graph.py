"""Brute-force dependency sets for networks with resampling layers and branches.

This oracle extends :mod:`oracle` (chains of convolutions, pools, pads and pointwise ops) to
transposed convolutions, upsampling (nearest and linear), pixel shuffle and unshuffle,
``Parallel`` blocks and ``Graph`` DAGs. It is written from DESIGN.md section 2 and the layers'
attributes alone: it never imports ``symrf.engine.exact``, ``report``, ``algebra`` or ``numeric``,
and never calls a layer's ``reads()`` or ``geometry()``.

The network is lowered to a DAG of primitive one-axis layers and merges (every ``Repeat``
unrolled, every ``Sequential`` flattened, each ``Parallel`` a merge of its branches, each graph
node a sub-DAG). Feature-map lengths follow the PyTorch formulas, forwards from the input
length; then, for each output unit ``x``, the index sets are walked backwards to give ``D(x)``,
the input pixels that unit depends on (a merge takes the union of its inputs' sets). With
``Q`` a period of the hulls (built from the upsampling factors along every path, see
:meth:`Lowered.phases`) the figures are read off units ``0 .. 2Q-1``:

- ``rf`` and ``rf_min``: the largest and smallest hull over units ``0 .. Q-1`` (0 when empty);
- ``left``, ``right``, ``center``, ``padding``: unit 0's hull (``None`` when it is empty);
- ``jump``: product of strides over product of upsampling factors (a ``Fraction``);
- ``period``: the least ``p`` dividing ``Q`` with ``hull(x + p) = hull(x) + p*jump``;
- ``rf_min_path``: over the input-to-output paths, the smallest of (the largest hull of a
  unit along that path alone);
- ``offset``: over the merges feeding the feature map and the merge's phases, the largest
  distance between the centres of the merged inputs' hulls of one unit (``aligned`` is
  ``offset == 0``).

>>> import symrf
>>> net = symrf.Sequential(symrf.Conv(kernel=3, stride=2, padding=1),
...                        symrf.ConvTranspose(kernel=2, stride=2))
>>> [sorted(dependency(net, x, 8)) for x in range(4)]
[[-1, 0, 1], [-1, 0, 1], [1, 2, 3], [1, 2, 3]]
>>> found = figures(net, 8)
>>> found.rf, found.rf_min, found.jump, found.period, found.size
(3, 3, Fraction(1, 1), 2, 8)
>>> found = figures(symrf.ConvTranspose(kernel=1, stride=2), 4)
>>> found.rf, found.rf_min, found.left, found.period
(1, 0, 0, 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import symrf

WINDOWS = (symrf.Conv, symrf.MaxPool, symrf.AvgPool)
UPSAMPLING = (symrf.ConvTranspose, symrf.Upsample, symrf.PixelShuffle)
"""Layers that divide the jump (their factor multiplies the period)."""

Hull = tuple[int, int] | None
INPUT = -1
"""The id of the network input in a lowered DAG."""


class Invalid(Exception):
    """The network cannot run at this input length (symrf must raise ``NetworkError``)."""


class Vanished(Invalid):
    """Some feature map has no unit left (length below 1)."""


class LengthMismatch(Invalid):
    """A merge joins feature maps whose lengths differ."""


@dataclass(frozen=True)
class Figures:
    rf: int
    rf_min: int
    rf_min_path: int
    jump: Fraction
    left: int | None
    right: int | None
    center: Fraction | None
    padding: int | None
    period: int
    offset: Fraction
    aligned: bool
    size: int


@dataclass
class Prim:
    """One node of the lowered DAG: a primitive layer (one source) or a merge (several)."""

    sources: tuple[int, ...]
    layer: object | None  # None: a merge
    size: int = 0
    jump: Fraction | None = Fraction(1)  # None: branches of different jumps merged before
    phases: int | None = 1  # lcm over the paths to this node of their upsampling products
    left_pad: int = 0  # a window's left padding at its input length
    length: int = 0  # the input length of a primitive layer


# -- the primitive layers: what a unit reads, lengths, factors -------------------------------


def _padding(layer: object, n: int) -> int:
    """A window's left padding for input length ``n`` (TF SAME is length-dependent)."""
    k, s, d = layer.kernel, layer.stride, layer.dilation
    if layer.padding is symrf.Padding.SAME:
        total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
        return total // 2
    if layer.padding is symrf.Padding.VALID:
        return 0
    return layer.padding


def output_length(layer: object, n: int) -> int:
    """The PyTorch output length of a primitive layer for input length ``n``."""
    if isinstance(layer, WINDOWS):
        k, s, d = layer.kernel, layer.stride, layer.dilation
        if layer.padding is symrf.Padding.SAME:
            return -(-n // s)
        p = _padding(layer, n)
        return (n + 2 * p - d * (k - 1) - 1) // s + 1
    if isinstance(layer, symrf.ConvTranspose):
        k, s, d = layer.kernel, layer.stride, layer.dilation
        return (n - 1) * s - 2 * layer.padding + d * (k - 1) + layer.output_padding + 1
    if isinstance(layer, symrf.Upsample | symrf.PixelShuffle):
        return n * layer.factor
    if isinstance(layer, symrf.Resize | symrf.AdaptivePool):
        return layer.output
    if isinstance(layer, symrf.PixelUnshuffle):
        return n // layer.factor
    if isinstance(layer, symrf.Pad):
        return n + layer.left + layer.right
    if isinstance(layer, symrf.Identity):
        return n
    raise TypeError(f"the oracle does not know {type(layer).__name__}")


def step(layer: object, n: int | None = None) -> Fraction:
    """Input pixels per output unit of one primitive layer (``n``: its input length)."""
    if isinstance(layer, WINDOWS):
        return Fraction(layer.stride)
    if isinstance(layer, symrf.ConvTranspose):
        return Fraction(1, layer.stride)
    if isinstance(layer, symrf.Upsample) and layer.align_corners:
        return Fraction(n - 1, layer.factor * n - 1)
    if isinstance(layer, symrf.Upsample | symrf.PixelShuffle):
        return Fraction(1, layer.factor)
    if isinstance(layer, symrf.Resize):
        return slope(layer)
    if isinstance(layer, symrf.AdaptivePool):
        return Fraction(n, layer.output)
    if isinstance(layer, symrf.PixelUnshuffle):
        return Fraction(layer.factor)
    return Fraction(1)


def slope(layer: object) -> Fraction:
    """A resize's source positions per output unit: ``m/o``, or ``(m-1)/(o-1)`` with corners."""
    m, o = layer.length, layer.output
    if not layer.align_corners:
        return Fraction(m, o)
    return Fraction(m - 1, o - 1) if o > 1 else Fraction(0)


def up_factor(layer: object, n: int | None = None) -> int:
    """Units after which a primitive layer's reads repeat, shifted (1 for most layers)."""
    if isinstance(layer, symrf.ConvTranspose):
        return layer.stride
    if isinstance(layer, symrf.Upsample) and layer.align_corners:
        return step(layer, n).denominator
    if isinstance(layer, symrf.Upsample | symrf.PixelShuffle):
        return layer.factor
    if isinstance(layer, symrf.Resize):
        return slope(layer).denominator
    if isinstance(layer, symrf.AdaptivePool):  # window x + o starts n units after window x
        return layer.output
    return 1


def interpolated(source: Fraction, mode: object) -> list[int]:
    """The taps with non-zero weight around a source position (PyTorch's kernels).

    Linear weights ``1 - |t - source|`` for the two pixels around it; cubic (Keys, a =
    -0.75) weights that vanish only at whole distances 1 and 2: four taps, or one when the
    position is a pixel.
    """
    low = math.floor(source)
    if source == low:
        return [low]
    if mode is symrf.Mode.CUBIC:
        return [low - 1, low, low + 1, low + 2]
    return [low, low + 1]


def read(prim: Prim, x: int) -> list[int]:
    """The input units that output unit ``x`` of a primitive layer reads (DESIGN.md 2)."""
    layer = prim.layer
    if isinstance(layer, WINDOWS):
        return [layer.stride * x - prim.left_pad + t * layer.dilation
                for t in range(layer.kernel)]
    if isinstance(layer, symrf.ConvTranspose):
        # every i with i*s + t*d == x + p for some tap t
        s, d, p = layer.stride, layer.dilation, layer.padding
        return [(x + p - t * d) // s for t in range(layer.kernel) if (x + p - t * d) % s == 0]
    if isinstance(layer, symrf.Upsample):
        f = layer.factor
        if layer.mode is symrf.Mode.NEAREST:
            return [x // f]
        if layer.align_corners:  # PyTorch: x*(n_in - 1)/(n_out - 1)
            return interpolated(x * step(layer, prim.length), layer.mode)
        return interpolated((x + Fraction(1, 2)) / f - Fraction(1, 2), layer.mode)
    if isinstance(layer, symrf.Resize):
        r = slope(layer)
        if layer.mode is symrf.Mode.NEAREST and layer.centred:  # PyTorch's nearest-exact
            return [math.floor((x + Fraction(1, 2)) * r)]
        if layer.mode is symrf.Mode.NEAREST:  # PyTorch: floor(x*n_in/n_out)
            return [math.floor(x * r)]
        if layer.align_corners:
            return interpolated(x * r, layer.mode)
        return interpolated((x + Fraction(1, 2)) * r - Fraction(1, 2), layer.mode)
    if isinstance(layer, symrf.PixelShuffle):
        return [x // layer.factor]
    if isinstance(layer, symrf.AdaptivePool):  # PyTorch: floor(x*n/o) .. ceil((x+1)*n/o) - 1
        n, o = prim.length, layer.output
        return list(range(x * n // o, -(-(x + 1) * n // o)))
    if isinstance(layer, symrf.PixelUnshuffle):
        r = layer.factor
        return [r * x + t for t in range(r)]
    if isinstance(layer, symrf.Pad):
        return [x - layer.left]
    if isinstance(layer, symrf.Identity):
        return [x]
    raise TypeError(f"the oracle does not know {type(layer).__name__}")


# -- lowering -------------------------------------------------------------------------------


class Lowered:
    """A network as a DAG of primitive layers and merges, with lengths and jumps.

    ``rows`` holds the node id of each report row: after each top-level layer of a chain, or
    each graph node in ``graph.nodes`` order.

    Raises:
        Invalid: A feature map vanishes, or a merge joins maps of different jumps or lengths.
    """

    def __init__(self, net: object, input_size: int) -> None:
        self.prims: list[Prim] = []
        self.input_size = input_size
        if isinstance(net, symrf.Graph):
            names = self._graph(net, INPUT)
            self.rows = [names[node.name] for node in net.nodes]
            self.output = names[net.output]
        elif isinstance(net, symrf.Sequential):
            self.rows, current = [], INPUT
            for layer in net.layers:
                current = self._lower(layer, current)
                self.rows.append(current)
            self.output = current
        else:
            self.output = self._lower(net, INPUT)
            self.rows = [self.output]

    # building

    def _add(self, sources: tuple[int, ...], layer: object | None) -> int:
        prim = Prim(sources, layer)
        if layer is None:
            lengths = {self.size(i) for i in sources}
            jumps = {self.jump(i) for i in sources}
            if len(lengths) > 1:
                raise LengthMismatch(f"merge of lengths {sorted(lengths)}")
            prim.size = lengths.pop()
            if len(jumps) == 1 and None not in jumps:
                prim.jump = jumps.pop()
                prim.phases = math.lcm(*(self.phases(i) for i in sources))
            else:  # the fields follow no single grid: no jump, no period
                prim.jump = prim.phases = None
        else:
            (source,) = sources
            n = self.size(source)
            prim.length = n
            if isinstance(layer, WINDOWS):
                prim.left_pad = _padding(layer, n)
            prim.size = output_length(layer, n)
            if prim.size < 1:
                raise Vanished(f"{layer} maps length {n} to {prim.size}")
            jump, phases = self.jump(source), self.phases(source)
            prim.jump = None if jump is None else jump * step(layer, n)
            prim.phases = None if phases is None else phases * up_factor(layer, n)
        self.prims.append(prim)
        return len(self.prims) - 1

    def _lower(self, layer: object, source: int) -> int:
        """Append ``layer`` reading node ``source``; return the id of its output."""
        if layer is None:
            return source  # an identity branch
        if isinstance(layer, symrf.Sequential):
            for item in layer.layers:
                source = self._lower(item, source)
            return source
        if isinstance(layer, symrf.Repeat):
            for number in range(layer.times):
                block = layer.block
                if layer.index is not None:
                    block = block.substitute({layer.index: number})
                source = self._lower(block, source)
            return source
        if isinstance(layer, symrf.Parallel):
            outputs = tuple(self._lower(branch, source) for branch in layer.branches)
            return self._add(outputs, None)
        if isinstance(layer, symrf.Graph):
            names = self._graph(layer, source)
            return names[layer.output]
        return self._add((source,), layer)

    def _graph(self, graph: symrf.Graph, source: int) -> dict[str, int]:
        """Lower every node of ``graph`` (its "input" is node ``source``), in a valid order."""
        names = {"input": source}
        pending = list(graph.nodes)
        while pending:
            node = next(n for n in pending if all(i in names for i in n.inputs))
            pending.remove(node)
            if node.layer is None:
                names[node.name] = self._add(tuple(names[i] for i in node.inputs), None)
            else:
                (origin,) = node.inputs
                names[node.name] = self._lower(node.layer, names[origin])
        return names

    # per-node facts

    def size(self, node: int) -> int:
        return self.input_size if node == INPUT else self.prims[node].size

    def jump(self, node: int) -> Fraction:
        return Fraction(1) if node == INPUT else self.prims[node].jump

    def phases(self, node: int) -> int:
        """A period of node ``node``'s hulls: lcm over paths of their upsampling products."""
        return 1 if node == INPUT else self.prims[node].phases

    # walking back

    def dependency(self, node: int, x: int, path: dict[int, int] | None = None) -> set[int]:
        """``D(x)`` of unit ``x`` of node ``node``; only along ``path`` if given."""
        needed: dict[int, set[int]] = {node: {x}}
        for current in range(node, -1, -1):
            units = needed.pop(current, None)
            if not units:
                continue
            prim = self.prims[current]
            sources = prim.sources if path is None else (path[current],)
            if prim.layer is None:
                found = units
            else:
                found = {index for unit in units for index in read(prim, unit)}
            for source in sources:
                needed.setdefault(source, set()).update(found)
        return needed.get(INPUT, set())

    def hull(self, node: int, x: int, path: dict[int, int] | None = None) -> Hull:
        if node == INPUT:
            return (x, x)
        found = self.dependency(node, x, path)
        return (min(found), max(found)) if found else None

    def ancestors(self, node: int) -> set[int]:
        """``node`` and every node it depends on (not the input)."""
        seen, todo = set(), [node]
        while todo:
            current = todo.pop()
            if current != INPUT and current not in seen:
                seen.add(current)
                todo.extend(self.prims[current].sources)
        return seen

    def paths(self, node: int) -> Iterator[dict[int, int]]:
        """Every input-to-``node`` path, as a map from each of its nodes to its predecessor."""
        if node == INPUT:
            yield {}
            return
        for source in dict.fromkeys(self.prims[node].sources):
            for path in self.paths(source):
                yield {**path, node: source}

    # figures

    def figures(self, node: int | None = None) -> Figures:
        """The figures of node ``node``'s feature map (default: the network output)."""
        node = self.output if node is None else node
        if node == INPUT:
            return Figures(1, 1, 1, Fraction(1), 0, 0, Fraction(0), 0, 1, Fraction(0), True,
                           self.input_size)
        q, jump = self.phases(node), self.jump(node)
        if q is None:  # no period: the figures range over the map's own units
            hulls = [self.hull(node, x) for x in range(self.size(node))]
            sizes, period = [width(hull) for hull in hulls], None
        else:
            hulls = [self.hull(node, x) for x in range(2 * q)]
            for x in range(q):  # the oracle's own check that q is a period
                assert hulls[x + q] == shift(hulls[x], q * jump), (x, q, hulls)
            sizes = [width(hull) for hull in hulls[:q]]
            period = next(
                p for p in range(1, q + 1)
                if q % p == 0 and all(hulls[x + p] == shift(hulls[x], p * jump)
                                      for x in range(q))
            )
        first = hulls[0]
        offset = self.offset(node)
        return Figures(
            rf=max(sizes),
            rf_min=min(sizes),
            rf_min_path=self.rf_min_path(node),
            jump=jump,
            left=None if first is None else first[0],
            right=None if first is None else first[1],
            center=None if first is None else Fraction(first[0] + first[1], 2),
            padding=None if first is None else -first[0],
            period=period,
            offset=offset,
            aligned=offset == 0,
            size=self.size(node),
        )

    def rf_min_path(self, node: int) -> int:
        """Over the paths to ``node``: the least (largest hull along that path alone)."""
        best = None
        for path in self.paths(node):
            q = math.prod(up_factor(self.prims[i].layer, self.prims[i].length) for i in path
                          if self.prims[i].layer is not None)
            units = range(q) if self.phases(node) is not None else range(self.size(node))
            largest = max(width(self.hull(node, x, path)) for x in units)
            best = largest if best is None else min(best, largest)
        return best

    def offset(self, node: int) -> Fraction:
        """The largest centre distance between inputs of one merge feeding ``node``."""
        offset = Fraction(0)
        for merge in sorted(self.ancestors(node)):
            prim = self.prims[merge]
            if prim.layer is not None:
                continue
            for x in range(prim.phases if prim.phases is not None else prim.size):
                centres = [
                    Fraction(hull[0] + hull[1], 2)
                    for hull in (self.hull(source, x) for source in prim.sources)
                    if hull is not None
                ]
                if centres:
                    offset = max(offset, max(centres) - min(centres))
        return offset


def width(hull: Hull) -> int:
    return 0 if hull is None else hull[1] - hull[0] + 1


def shift(hull: Hull, by: Fraction) -> Hull | str:
    """``hull`` moved by ``by`` pixels; a fractional move matches no hull."""
    if hull is None:
        return None
    if by.denominator != 1:
        return "fractional"
    return (hull[0] + int(by), hull[1] + int(by))


# -- the public helpers ----------------------------------------------------------------------


def dependency(net: object, x: int, input_size: int) -> set[int]:
    """``D(x)``: the input pixels unit ``x`` of ``net``'s output depends on."""
    lowered = Lowered(net, input_size)
    return lowered.dependency(lowered.output, x) if lowered.output != INPUT else {x}


def figures(net: object, input_size: int) -> Figures:
    """The figures of ``net``'s output at this input length; raise :class:`Invalid`."""
    return Lowered(net, input_size).figures()


def row_figures(net: object, input_size: int) -> list[Figures]:
    """The figures after each top-level layer (or graph node, in ``graph.nodes`` order)."""
    lowered = Lowered(net, input_size)
    return [lowered.figures(node) for node in lowered.rows]


def valid(net: object, input_size: int) -> bool:
    """Whether ``net`` runs at this input length (no vanishing map, no bad merge)."""
    try:
        Lowered(net, input_size)
    except Invalid:
        return False
    return True


def smallest_input(net: object, limit: int = 1 << 12) -> int | None:
    """The least input length at which no feature map vanishes (``None`` beyond ``limit``).

    Every length formula is non-decreasing in its input, so validity is monotone in the
    input length and a doubling then bisection search finds the threshold.
    """
    high = 1
    while not valid(net, high):
        high *= 2
        if high > limit:
            return None
    low = high // 2  # invalid (or 0)
    while high - low > 1:
        middle = (low + high) // 2
        if valid(net, middle):
            high = middle
        else:
            low = middle
    return high


def has_upsampling(net: object) -> bool:
    """Whether ``net`` contains a transposed conv, upsample or pixel shuffle with factor > 1."""
    return any(up_factor(layer) > 1 for layer in leaves(net))


def leaves(net: object) -> Iterator[object]:
    """The primitive layers of ``net`` (each ``Repeat`` block once, even with count 0)."""
    if net is None:
        return
    if isinstance(net, symrf.Sequential):
        for item in net.layers:
            yield from leaves(item)
    elif isinstance(net, symrf.Repeat):
        yield from leaves(net.block)
    elif isinstance(net, symrf.Parallel):
        for branch in net.branches:
            yield from leaves(branch)
    elif isinstance(net, symrf.Graph):
        for node in net.nodes:
            yield from leaves(node.layer)
    else:
        yield net


def up_down_up(net: object) -> bool:
    """Whether upsampling, then a stride, then upsampling (factors > 1) lie on one path."""
    return _scan(net, 0) == 3


def _scan(net: object, state: int) -> int:
    """Advance ``state`` over ``net``: 1 after an upsampling, 2 after a stride then, 3 done.

    Across branches the state is the furthest any path reached.
    """
    if net is None or state == 3:
        return state
    if isinstance(net, symrf.Sequential | symrf.Repeat):
        items = net.layers if isinstance(net, symrf.Sequential) else [net.block] * net.times
        for item in items:
            state = _scan(item, state)
        return state
    if isinstance(net, symrf.Parallel):
        return max(_scan(branch, state) for branch in net.branches)
    if isinstance(net, symrf.Graph):
        states, furthest = {"input": state}, state
        pending = list(net.nodes)
        while pending:
            node = next(n for n in pending if all(i in states for i in n.inputs))
            pending.remove(node)
            states[node.name] = _scan(node.layer, max(states[i] for i in node.inputs))
            furthest = max(furthest, states[node.name])  # every node is computed
        return furthest
    if up_factor(net) > 1 and state in (0, 2):
        return state + 1
    if step(net) > 1 and state == 1:
        return 2
    return state
