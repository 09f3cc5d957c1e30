"""Branching networks: :class:`Parallel` blocks and general DAGs (:class:`Graph`).

A unit of a merged map depends on the union of the branches' dependency sets, so its hull
is the union of the branches' hulls (:func:`symrf.algebra.union`): the least left end and
the greatest right end. With aligned branches the receptive field is the largest branch's;
with misaligned ones it can exceed every branch, and ``offset`` reports by how much their
centres differ. Branches with different jumps cannot be merged.

>>> from symrf.layers.window import Conv
>>> block = Parallel([Conv(kernel=3, padding=1), Conv(kernel=3, padding=1)], [])
>>> block.geometry(None).map                      # a residual block: rf 5, shortest path 1
IntervalMap(scale=1, lo=-2, width=4, narrow=0)
"""

from __future__ import annotations

import collections
import enum
import heapq
import math
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import sympy

from symrf.algebra import IDENTITY, SAME_SIZE, IntervalMap, Sizes, union
from symrf.errors import NetworkError, SymrfError, located
from symrf.layers.base import Geometry, Layer, Units, Values
from symrf.layers.compose import Sequential, Step, _common_axes, check_size
from symrf.scalars import Scalar, exact, is_number


class Merge(enum.Enum):
    """How branches are joined; both take the union of the dependency sets."""

    ADD = "add"
    CONCAT = "concat"


def _branch(layers: Layer | Sequence[Layer]) -> Layer | None:
    if isinstance(layers, Layer):
        return layers
    layers = list(layers)
    if len(layers) == 1:
        return layers[0]
    return Sequential(*layers) if layers else None  # an empty branch is the identity


class Fold(Protocol):
    """How a fold takes each node's geometry and joins branches.

    The symbolic engine's :class:`symrf.symbolic.Shifts` is one; without a fold, the plain
    laws of :mod:`symrf.algebra` apply.
    """

    def geometry(self, layer: Layer, size: Scalar | None) -> Geometry:
        """``layer``'s geometry for input length ``size``."""

    def union(self, maps: list[IntervalMap]) -> IntervalMap:
        """The hull of several maps with one scale (as :func:`symrf.algebra.union`)."""


def merge_geometries(
    geometries: Sequence[Geometry], labels: Sequence[str], size: Scalar | None,
    fold: Fold | None = None,
) -> Geometry:
    """Union of branch geometries that start from the same map; lengths must agree.

    Raises:
        NetworkError: The branches' jumps differ, or their known lengths differ.
    """
    scales = [exact(g.map.scale) for g in geometries]
    for label, scale in zip(labels[1:], scales[1:], strict=True):
        if sympy.simplify(scale - scales[0]) != 0 if not is_number(scale) else scale != scales[0]:
            raise NetworkError(
                f"branches disagree on jump: {labels[0]} has jump {scales[0]}, {label} has "
                f"jump {scale}. Give the branches the same total stride (e.g. a strided "
                "projection on the skip branch)."
            )
    if size is not None and is_number(size):
        lengths = [g.sizes(size) for g in geometries]
        if any(length != lengths[0] for length in lengths):
            shown = ", ".join(f"{label} {length}" for label, length in zip(labels, lengths,
                                                                             strict=True))
            raise NetworkError(
                f"branches give feature maps of different lengths ({shown}); merged maps "
                "must have equal lengths: adjust padding or strides."
            )
    maps = [g.map for g in geometries]
    return Geometry(union(maps) if fold is None else fold.union(maps), geometries[0].sizes)


@dataclass(frozen=True, init=False)
class Parallel(Layer):
    """Branches applied to the same input and merged (residual add, Inception concat).

    Each branch is a layer or a list of layers; an empty list is the identity (a skip).

    >>> from symrf.layers.window import Conv
    >>> Parallel([Conv(kernel=3, stride=2)], [Conv(kernel=1, name="skip")]).geometry(None)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.NetworkError: branches disagree on jump: branch 0 (conv) has jump 2, ...
    """

    op = "parallel"
    branches: tuple[Layer | None, ...]
    merge: Merge

    def __init__(
        self, *branches: Layer | Sequence[Layer], merge: Merge | str = Merge.ADD,
        name: str | None = None,
    ) -> None:
        if len(branches) < 1:
            raise NetworkError("Parallel needs at least one branch.")
        try:
            mode = Merge(merge.lower()) if isinstance(merge, str) else Merge(merge)
        except ValueError:
            raise NetworkError(f"merge is {merge!r}; use 'add' or 'concat'.").with_key(
                "merge"
            ) from None
        object.__setattr__(self, "branches", tuple(_branch(b) for b in branches))
        object.__setattr__(self, "merge", mode)
        object.__setattr__(self, "name", name)

    def params(self) -> dict[str, object]:
        """Structure only: no geometric parameters of its own."""
        return {}

    def labels(self) -> list[str]:
        """``branch i (name)`` for each branch."""
        return [
            f"branch {i} ({b.label() if b is not None else 'identity'})"
            for i, b in enumerate(self.branches)
        ]

    def axes(self) -> int:
        """The branches' common number of axes."""
        return _common_axes(tuple(b for b in self.branches if b is not None), self.label())

    def axis(self, index: int) -> Parallel:
        """The block along axis ``index``."""
        return Parallel(*(b.axis(index) if b else [] for b in self.branches),
                        merge=self.merge, name=self.name)

    def substitute(self, values: Values) -> Parallel:
        """Substitute into every branch."""
        return Parallel(*(b.substitute(values) if b else [] for b in self.branches),
                        merge=self.merge, name=self.name)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of all branches."""
        return set().union(*(b.free_symbols() for b in self.branches if b is not None))

    @property
    def size_dependent(self) -> bool:
        """Whether a branch's geometry depends on its input length."""
        return any(b.size_dependent for b in self.branches if b is not None)

    def reads(self, units: Units, size: int | None) -> Units:
        """The union of the branches' reads."""
        found: set[int] = set()
        for branch in self.branches:
            found |= branch.reads(units, size) if branch else set(units)
        return found

    def period_factor(self) -> int:
        """The least common multiple of the branches' factors."""
        return math.lcm(*(b.period_factor() if b else 1 for b in self.branches))

    def geometry(self, size: Scalar | None) -> Geometry:
        """The union of the branches' geometries."""
        geometries = []
        for label, branch in zip(self.labels(), self.branches, strict=True):
            try:
                geometries.append(
                    branch.geometry(size) if branch else Geometry(IDENTITY, SAME_SIZE)
                )
            except SymrfError as error:
                raise located(error, label) from None
        return merge_geometries(geometries, self.labels(), size)


@dataclass(frozen=True)
class Node:
    """One node of a :class:`Graph`: a layer applied to one input, or a merge of several."""

    name: str
    inputs: tuple[str, ...]
    layer: Layer | None = None
    merge: Merge | None = None

    def __post_init__(self) -> None:
        if isinstance(self.merge, str):
            try:
                object.__setattr__(self, "merge", Merge(self.merge.lower()))
            except ValueError:
                raise NetworkError(
                    f"node {self.name!r}: merge is {self.merge!r}; use 'add' or 'concat'."
                ) from None
        object.__setattr__(self, "inputs", tuple(self.inputs))

    @property
    def op(self) -> str:
        """The op label: the layer's op, or the merge mode."""
        return self.layer.op if self.layer is not None else self.merge.value  # type: ignore[union-attr]


INPUT = "input"
"""The name of the network input in a graph."""


@dataclass(frozen=True, init=False)
class Graph(Layer):
    """A network as a DAG of named nodes; ``output`` names the final node (default: last).

    >>> from symrf.layers.window import Conv
    >>> net = Graph([Node("a", ("input",), Conv(kernel=3)), Node("b", ("input",), Conv(kernel=5)),
    ...              Node("sum", ("a", "b"), merge=Merge.ADD)])
    >>> [(step.layer, step.map.width) for step in net.steps(None)]
    [('a', 2), ('b', 4), ('sum', 4)]
    """

    op = "graph"
    nodes: tuple[Node, ...]
    output: str
    context: tuple[str, ...]
    """Nodes left out as global context (an importer's ``global_context="exclude"``)."""

    def __init__(self, nodes: Sequence[Node], output: str | None = None,
                 name: str | None = None, context: Sequence[str] = ()) -> None:
        nodes = tuple(nodes)
        if not nodes:
            raise NetworkError("the graph has no nodes; add at least one node.")
        object.__setattr__(self, "nodes", _ordered(nodes))
        object.__setattr__(self, "output", output or nodes[-1].name)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "context", tuple(context))
        if self.output not in {node.name for node in nodes}:
            raise NetworkError(
                f"output {self.output!r} is not a node; name one of the graph's nodes."
            ).with_key("output")

    def params(self) -> dict[str, object]:
        """Structure only."""
        return {}

    def _rebuild(self, layers: Iterator[Layer | None]) -> Graph:
        nodes = [Node(n.name, n.inputs, layer, n.merge) for n, layer in zip(self.nodes, layers,
                                                                              strict=True)]
        return Graph(nodes, self.output, self.name, self.context)

    def axes(self) -> int:
        """The nodes' common number of axes."""
        return _common_axes(tuple(n.layer for n in self.nodes if n.layer), self.label())

    def axis(self, index: int) -> Graph:
        """The graph along axis ``index``."""
        return self._rebuild(n.layer.axis(index) if n.layer else None for n in self.nodes)

    def substitute(self, values: Values) -> Graph:
        """Substitute into every node."""
        return self._rebuild(n.layer.substitute(values) if n.layer else None for n in self.nodes)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of all nodes."""
        return set().union(*(n.layer.free_symbols() for n in self.nodes if n.layer))

    @property
    def size_dependent(self) -> bool:
        """Whether a node's geometry depends on its input length."""
        return any(n.layer.size_dependent for n in self.nodes if n.layer)

    def steps(self, size: Scalar | None, fold: Fold | None = None) -> Iterator[Step]:
        """Each node's map and length from the graph input, in order.

        ``Step.layer`` holds the node's name. Each node is composed once, onto its input's
        map: shared prefixes are never composed again. ``fold`` takes over the nodes'
        geometries and the merges (the symbolic engine's shifts).
        """
        maps: dict[str, IntervalMap] = {INPUT: IDENTITY}
        sizes: dict[str, Sizes] = {INPUT: SAME_SIZE}
        for node in self.nodes:
            try:
                if node.layer is not None:
                    (source,) = node.inputs
                    length = None if size is None else sizes[source](size)
                    local = (node.layer.geometry(length) if fold is None
                             else fold.geometry(node.layer, length))
                    maps[node.name] = maps[source].then(local.map)
                    sizes[node.name] = sizes[source].then(local.sizes)
                else:
                    merged = merge_geometries(
                        [Geometry(maps[i], sizes[i]) for i in node.inputs],
                        [f"input {i!r}" for i in node.inputs], size, fold,
                    )
                    maps[node.name], sizes[node.name] = merged
                length = None if size is None else sizes[node.name](size)
                check_size(length)
            except SymrfError as error:
                raise located(error, f"node {node.name!r}") from None
            yield Step(node.name, maps[node.name], sizes[node.name], length)  # type: ignore[arg-type]

    def reads(self, units: Units, size: int | None) -> Units:
        """Propagate ``units`` of the output node back to the graph input."""
        return self.reads_from(self.output, units, size)

    def reads_from(self, name: str, units: Units, size: int | None) -> Units:
        """Propagate ``units`` of node ``name`` back to the graph input."""
        lengths = {INPUT: size, **{str(s.layer): s.size for s in self.steps(size)}}
        needed: dict[str, Units] = {name: set(units)}
        for node in reversed(self.nodes):
            wanted = needed.pop(node.name, None)
            if not wanted:
                continue
            if node.layer is not None:
                (source,) = node.inputs
                found = node.layer.reads(wanted, lengths[source])  # type: ignore[arg-type]
                needed[source] = needed.get(source, set()) | found
            else:
                for source in node.inputs:
                    needed[source] = needed.get(source, set()) | wanted
        return needed.get(INPUT, set())

    def paths(self, name: str, limit: int = 256) -> list[Sequential] | None:
        """Every path from the input to node ``name`` as a chain (None beyond ``limit``)."""
        by_name = {node.name: node for node in self.nodes}
        found: list[list[Layer]] = []

        def walk(current: str, tail: list[Layer]) -> bool:
            if current == INPUT:
                found.append(tail)
                return len(found) <= limit
            node = by_name[current]
            prefix = [node.layer] if node.layer is not None else []
            return all(walk(source, prefix + tail) for source in node.inputs)

        if not walk(name, []):
            return None
        from symrf.layers.pointwise import Identity

        return [Sequential(*(layers or [Identity()])) for layers in found]

    def upto(self, name: str) -> Graph:
        """The graph with ``name`` as its output and the nodes after it dropped."""
        index = [node.name for node in self.nodes].index(name)
        return Graph(self.nodes[: index + 1], name, self.name, self.context)

    def period_factor(self) -> int:
        """The least common multiple over the paths of their factors' products."""
        paths = self.paths(self.output) or []
        return math.lcm(*(path.period_factor() for path in paths)) if paths else 1

    def geometry(self, size: Scalar | None) -> Geometry:
        """The output node's geometry."""
        for step in self.steps(size):
            if step.layer == self.output:
                return Geometry(step.map, step.sizes)
        raise AssertionError("the output node is checked in __init__")


def _ordered(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """Check names and inputs, and return the nodes in a dependency order (stable).

    The order takes, again and again, the first node (in the given order) whose inputs are
    done: the given order itself when it is valid. A heap of the ready nodes' positions
    makes that ``n log n``.

    >>> from symrf.layers.pointwise import ReLU
    >>> [n.name for n in _ordered((Node("b", ("a",), ReLU()), Node("a", ("input",), ReLU())))]
    ['a', 'b']
    """
    counts = collections.Counter(node.name for node in nodes)
    done: set[str] = {INPUT}
    in_order = True
    for node in nodes:
        if node.name == INPUT or counts[node.name] > 1:
            raise NetworkError(
                f"node name {node.name!r} is "
                + ("reserved for the network input" if node.name == INPUT else "used twice")
                + "; give every node a unique name."
            )
        _check_node(node, counts)
        in_order = in_order and all(source in done for source in node.inputs)
        done.add(node.name)
    if in_order:
        return nodes
    waiting = {i: len(set(node.inputs) - {INPUT}) for i, node in enumerate(nodes)}
    readers: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        for source in set(node.inputs) - {INPUT}:
            readers.setdefault(source, []).append(i)
    ready = [i for i, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        node = nodes[heapq.heappop(ready)]
        order.append(node)
        for reader in readers.get(node.name, ()):
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, reader)
    if len(order) < len(nodes):
        placed = {node.name for node in order}
        cycle = ", ".join(repr(n.name) for n in nodes if n.name not in placed)
        raise NetworkError(
            f"the graph has a cycle through nodes {cycle}; a network must be acyclic."
        )
    return tuple(order)


def _check_node(node: Node, names: Container[str]) -> None:
    """Raise when a node's number of inputs does not fit its kind, or an input is unknown."""
    if node.layer is None and len(node.inputs) < 2:
        raise NetworkError(
            f"node {node.name!r}: a merge needs at least two inputs, got "
            f"{len(node.inputs)}; list two or more nodes in 'inputs'."
        )
    if node.layer is not None and len(node.inputs) != 1:
        raise NetworkError(
            f"node {node.name!r}: a {node.layer.op} node takes one input, got "
            f"{len(node.inputs)}; merge several inputs with an 'add' or 'concat' node first."
        )
    for source in node.inputs:
        if source != INPUT and source not in names:
            raise NetworkError(
                f"node {node.name!r}: input {source!r} is not a node; use 'input' or "
                f"the name of another node."
            )


def as_graph(net: Layer) -> Graph:
    """``net`` flattened into one graph of leaf layers, with every merge as a node.

    Sequences become chains of nodes, numeric repeats are unrolled, ``Parallel`` blocks and
    nested graphs become branches and merge nodes: what path-wise figures (the narrowest path,
    the offsets at merges) need to see.

    >>> from symrf.layers.window import Conv
    >>> flat = as_graph(Sequential(Conv(kernel=3), Parallel([Conv(kernel=3)], [])))
    >>> [(node.op, node.inputs) for node in flat.nodes]
    [('conv', ('input',)), ('conv', ('n0',)), ('add', ('n1', 'n0'))]
    """
    from symrf.layers.compose import Repeat
    from symrf.layers.pointwise import Identity

    nodes: list[Node] = []

    def leaf(layer: Layer | None, inputs: tuple[str, ...], merge: Merge | None = None) -> str:
        name = f"n{len(nodes)}"
        nodes.append(Node(name, inputs, layer, merge))
        return name

    def add(layer: Layer, source: str) -> str:
        if isinstance(layer, Sequential):
            for inner in layer.layers:
                source = add(inner, source)
            return source
        if isinstance(layer, Repeat) and is_number(layer.times):
            layer.check_unroll("flatten")
            for number in range(int(layer.times)):
                source = add(layer.copy(number), source)
            return source
        if isinstance(layer, Parallel):
            ends = tuple(add(b, source) if b is not None else source for b in layer.branches)
            return ends[0] if len(ends) == 1 else leaf(None, ends, layer.merge)
        if isinstance(layer, Graph):
            names = {INPUT: source}
            for node in layer.nodes:
                if node.layer is not None:
                    names[node.name] = add(node.layer, names[node.inputs[0]])
                else:
                    names[node.name] = leaf(None, tuple(names[i] for i in node.inputs),
                                            node.merge)
            return names[layer.output]
        return leaf(layer, (source,))

    output = add(net, INPUT)
    if output == INPUT:
        output = leaf(Identity(), (INPUT,))
    feeding, pending = {output}, [output]
    by_name = {node.name: node for node in nodes}
    while pending:  # keep only the nodes that feed the output
        for source in by_name[pending.pop()].inputs:
            if source != INPUT and source not in feeding:
                feeding.add(source)
                pending.append(source)
    return Graph([node for node in nodes if node.name in feeding], output)
