"""The plan of the exact engine: each feature map's table, and the work, before any is done.

The exact engine (:mod:`symrf.engine.exact`) describes each feature map by a *table*: the
hulls of one period of its units, every other unit's hull being a shifted copy. This module
flattens a network into leaf layers and merges (each top-level layer on its own, so that
every row of a report ends at a node), and gives each node its lengths, its jump, the cells
of its table and the units building them reads, so that the work is counted, and refused
past its limits, before it starts.

Where branches of different jumps merge (an ``align_corners`` upsampling beside a skip),
the merged fields follow no single grid and have no period: from there on a table holds
the units the map has, and those the layers after it read in its padding (``jump`` is then
``None``), which needs the input length.

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.resample import Upsample
>>> from symrf.layers.window import Conv
>>> plan = Plan(Sequential(Upsample(factor=4), Conv(kernel=3, stride=2)), None)
>>> [(node.phases, node.jump) for node in plan.nodes]
[(4, Fraction(1, 4)), (2, Fraction(1, 2))]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from symrf.errors import ExactTooLargeError, NetworkError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential, check_size
from symrf.layers.graph import INPUT, Graph, as_graph
from symrf.limits import MAX_PATHS, MAX_PHASES
from symrf.maths.algebra import IntervalMap
from symrf.maths.scalars import exact, floor

START = -1
"""The position of the network input in a plan."""


@dataclass(slots=True)
class Node:
    """One leaf layer or merge of the flattened network, and its table.

    ``inputs`` are positions in the plan (:data:`START`: the network input). ``length`` is
    the length the layer reads (its input's), ``size`` its own; ``local`` the layer's
    interval map at that length (it contains every unit's reads). ``jump`` is ``None`` past
    a merge of different jumps; the table then holds units ``start .. start + phases - 1``,
    else one period of ``phases`` units. ``paths`` counts the input-to-node paths (at most
    :data:`~symrf.limits.MAX_PATHS` + 1), ``lineages`` the jumps of their tables and the
    units each holds.
    """

    inputs: tuple[int, ...]
    layer: Layer | None
    length: int | None
    size: int | None
    local: IntervalMap | None
    jump: Fraction | None
    phases: int
    start: int
    fan_in: int
    paths: int
    lineages: dict[Fraction, int]
    where: str

    @property
    def scale(self) -> Fraction:
        """Input units per unit of the layer (its interval map's slope)."""
        return Fraction(exact(self.local.scale))  # type: ignore[union-attr]  # a layer node


def phases(before: int, layer: Layer, scale: Fraction, where: str) -> int:
    """The cells of a layer's table: the least ``Q`` its reads repeat after, by whole tables.

    After ``Q`` units the layer reads ``Q*scale`` units further on, a whole number of its
    input's tables (``before`` cells each), and its own pattern repeats every
    ``period_factor()`` units. The stride of a convolution after an upsampling shrinks the
    count (``Q/gcd(Q, s)``): upsampling, striding and upsampling again do not multiply.

    >>> from symrf.layers.window import Conv
    >>> phases(4, Conv(kernel=3, stride=2), Fraction(2), "conv")
    2
    """
    own = layer.period_factor()
    if (own * scale).denominator != 1:
        raise NetworkError(
            f"{layer.op} at {where}: its pattern repeats every {own} units but moves by "
            f"{own * scale} units meanwhile; this is a bug in symrf: please report the network."
        )
    moved = before * scale.denominator
    count = math.lcm(own, moved // math.gcd(scale.numerator, moved))
    if count > MAX_PHASES:
        raise ExactTooLargeError(
            f"position-dependent receptive fields repeat only every {count} units or more "
            f"(at {where}, from the upsampling factors before it); symrf enumerates at most "
            f"{MAX_PHASES} phases. {ExactTooLargeError.ADVICE}"
        )
    return count


class Plan:
    """A network flattened into leaf layers and merges, in order, with each row's last node.

    Each top-level layer (or graph node) is flattened on its own (:func:`as_graph`), its
    input being the node that ends the row it reads; each layer's length comes from its
    own length map at the length it receives.

    Raises:
        NetworkError: A feature map vanishes, or merged maps have different lengths.
        ExactTooLargeError: A table would have more than :data:`~symrf.limits.MAX_PHASES`
            cells.
    """

    def __init__(self, top: Sequential | Graph, size: int | None) -> None:
        self.nodes: list[Node] = []
        self.rows: list[int] = []
        self.size = size
        self.unsized: str | None = None
        """Why the tables need the input size (branches of different jumps merge), if so."""
        self.resized = False
        """Whether a layer sets its length from its own parameters (a resize), so that
        branches of different jumps can meet at one length."""
        if isinstance(top, Graph):
            ends: dict[str, int] = {INPUT: START}
            for node in top.nodes:
                sources = tuple(ends[source] for source in node.inputs)
                where = f"node {node.name!r}"
                ends[node.name] = (self._merge(sources, where) if node.layer is None
                                   else self._block(node.layer, sources[0], where))
                self.rows.append(ends[node.name])
        else:
            end = START
            for index, layer in enumerate(top.layers):
                end = self._block(layer, end, f"layers[{index}] ({layer.row_name(index)})")
                self.rows.append(end)
        self._keep()

    @property
    def periodic(self) -> bool:
        """Whether every feature map has a period (no merge of different jumps)."""
        return all(node.jump is not None for node in self.nodes)

    def cost(self) -> tuple[int, int]:
        """Units read for the tables, and for the tables of every path (where branches are)."""
        tables = paths = 0
        for node in self.nodes:
            tables += node.phases * node.fan_in
            if node.layer is not None and 1 < node.paths <= MAX_PATHS:
                paths += node.paths * max(node.lineages.values()) * node.fan_in
        return tables, paths

    def _node(self, position: int) -> Node | None:
        return None if position == START else self.nodes[position]

    def _block(self, layer: Layer, source: int, where: str) -> int:
        """Add the leaf layers and merges of one top-level layer reading node ``source``."""
        flat = as_graph(layer)
        ids = {INPUT: source}
        for node in flat.nodes:
            sources = tuple(ids[name] for name in node.inputs)
            if node.layer is None:
                ids[node.name] = self._merge(sources, where)
            else:
                ids[node.name] = self._layer(node.layer, sources[0], where)
        return ids[flat.output]

    def _layer(self, layer: Layer, source: int, where: str) -> int:
        before = self._node(source)
        length = self.size if before is None else before.size
        local = layer.geometry(length)
        self.resized = self.resized or layer.size_dependent
        size = None if length is None else exact(local.sizes(length))
        try:
            check_size(size)
        except NetworkError as error:
            raise NetworkError(f"{where}: {error}") from None
        scale = Fraction(exact(local.map.scale))
        fan_in = int(floor(local.map.width)) + 1 + int(floor(local.map.scale))
        taps = getattr(layer, "kernel", fan_in)  # a dilated kernel reads k taps
        lineages = {Fraction(1): 1} if before is None else before.lineages
        jump = Fraction(1) if before is None else before.jump
        self.nodes.append(Node(
            inputs=(source,),
            layer=layer,
            length=length,  # type: ignore[arg-type]  # numeric networks: int lengths
            size=size,  # type: ignore[arg-type]
            local=local.map,
            jump=None if jump is None else jump * scale,
            phases=0 if jump is None else phases(1 if before is None else before.phases,
                                                 layer, scale, where),
            start=0,
            fan_in=min(fan_in, taps) if isinstance(taps, int) else fan_in,
            paths=1 if before is None else before.paths,
            lineages={j * scale: phases(q, layer, scale, where) for j, q in lineages.items()},
            where=where,
        ))
        return len(self.nodes) - 1

    def _merge(self, sources: tuple[int, ...], where: str) -> int:
        before = [self._node(source) for source in sources]
        sizes = [self.size if node is None else node.size for node in before]
        if len(set(sizes)) > 1:
            raise NetworkError(
                f"{where}: branches give feature maps of different lengths "
                f"({', '.join(map(str, sizes))}); merged maps must have equal lengths: "
                "adjust padding or strides."
            )
        jumps = {Fraction(1) if node is None else node.jump for node in before}
        lineages: dict[Fraction, int] = {}
        for node in before:
            for jump, count in ({Fraction(1): 1} if node is None else node.lineages).items():
                lineages[jump] = math.lcm(lineages.get(jump, 1), count)
        periodic = len(jumps) == 1 and None not in jumps
        if not periodic and self.size is None and self.unsized is None:
            shown = ", ".join(str(jump) for jump in sorted(j for j in jumps if j is not None))
            self.unsized = (
                f"{where}: branches of different jumps ({shown}) merge; their fields follow "
                "no single grid, and symrf computes them unit by unit over the map, which "
                "needs the input size: give it (--input)."
            )
        self.nodes.append(Node(
            inputs=sources,
            layer=None,
            length=None,
            size=sizes[0],
            local=None,
            jump=jumps.pop() if periodic else None,
            phases=math.lcm(*(1 if node is None else node.phases for node in before))
            if periodic else 0,
            start=0,
            fan_in=len(sources),
            paths=min(sum(1 if node is None else node.paths for node in before),
                      MAX_PATHS + 1),
            lineages=lineages,
            where=where,
        ))
        return len(self.nodes) - 1

    def _keep(self) -> None:
        """The units each map without a period keeps: its own, and those later nodes read."""
        if self.size is None:  # no map to keep (the tables refuse: see ``unsized``)
            return
        wanted: dict[int, tuple[int, int]] = {}
        rows = set(self.rows)
        for position in reversed(range(len(self.nodes))):
            node = self.nodes[position]
            if node.jump is not None:
                continue
            span = wanted.get(position)
            if position in rows:  # its figures read every unit of the map
                span = _cover(span, (0, node.size - 1))  # type: ignore[operator]  # known
            if span is None:
                continue
            node.start, node.phases = span[0], span[1] - span[0] + 1
            read = span if node.local is None else _reads(node.local, span)
            for source in node.inputs:
                if source != START and self.nodes[source].jump is None:
                    wanted[source] = _cover(wanted.get(source), read)


def _cover(span: tuple[int, int] | None, more: tuple[int, int]) -> tuple[int, int]:
    return more if span is None else (min(span[0], more[0]), max(span[1], more[1]))


def _reads(local: IntervalMap, span: tuple[int, int]) -> tuple[int, int]:
    """The units of a layer's input that its units ``span`` read (from its interval map)."""
    scale, lo, width = Fraction(local.scale), Fraction(local.lo), Fraction(local.width)
    return math.floor(scale * span[0] + lo), math.ceil(scale * span[1] + lo + width)
