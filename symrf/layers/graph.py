"""General networks: a DAG of named nodes (:class:`Graph`), and flattening into one.

Each node applies a layer to one input or merges several (:class:`~symrf.layers.parallel.Merge`);
merges take the union of the branches' hulls, as :class:`~symrf.layers.parallel.Parallel`
blocks do. :func:`as_graph` flattens any network into leaf layers and merge nodes, which the
exact engine and path-wise figures walk.

>>> from symrf.layers.window import Conv
>>> net = Graph([Node("a", ("input",), Conv(kernel=3)), Node("b", ("input",), Conv(kernel=5)),
...              Node("sum", ("a", "b"), merge=Merge.ADD)])
>>> net.geometry(None).map.rf
5
"""

from __future__ import annotations

import collections
import dataclasses
import heapq
import math
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from symrf.errors import NetworkError, SymrfError, located
from symrf.layers.base import Geometry, Layer, Units, Values
from symrf.layers.compose import Sequential, Step, _common_axes, check_size
from symrf.layers.parallel import Fold, Merge, Parallel, merge_geometries
from symrf.layers.pointwise import Identity
from symrf.layers.repeat import Repeat
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap, Sizes
from symrf.maths.scalars import Scalar, is_number
from symrf.maths.substitution import assignment


@dataclass(frozen=True)
class Node:
    """One node of a :class:`Graph`: a layer applied to one input, or a merge of several.

    Args:
        name: The node's name (its row label); ``"input"`` is reserved for the image.
        inputs: Names of earlier nodes read (``"input"`` for the image).
        layer: The layer applied to the one input, or ``None`` for a merge.
        merge: ``Merge.ADD`` or ``Merge.CONCAT`` (or its name) for a node with several
            inputs.
    """

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

    Args:
        nodes: The nodes, each reading only the input and earlier nodes.
        output: The name of the node whose figures the report gives (default: the last).
        name: The network's name in reports (default ``graph``).
        context: Names of nodes left out as global context (see :class:`Context`).

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
    _cache: dict[str, Any] = dataclasses.field(init=False, compare=False, repr=False)

    def __init__(self, nodes: Sequence[Node], output: str | None = None,
                 name: str | None = None, context: Sequence[str] = ()) -> None:
        nodes = tuple(nodes)
        if not nodes:
            raise NetworkError("the graph has no nodes; add at least one node.")
        object.__setattr__(self, "nodes", _ordered(nodes))
        object.__setattr__(self, "output", output or nodes[-1].name)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "context", tuple(context))
        object.__setattr__(self, "_cache", {})  # derived facts (axes, symbols), not fields
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
        if "axes" not in self._cache:
            self._cache["axes"] = _common_axes(tuple(n.layer for n in self.nodes if n.layer),
                                               self.label())
        return int(self._cache["axes"])

    def axis(self, index: int) -> Graph:
        """The graph along axis ``index``."""
        return self._rebuild(n.layer.axis(index) if n.layer else None for n in self.nodes)

    def substitute(self, values: Values) -> Graph:
        """Substitute into every node."""
        values = assignment(values)  # each value checked once for every node
        return self._rebuild(n.layer.substitute(values) if n.layer else None for n in self.nodes)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of all nodes."""
        if "symbols" not in self._cache:
            self._cache["symbols"] = set().union(
                *(n.layer.free_symbols() for n in self.nodes if n.layer))
        return set(self._cache["symbols"])

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
    names = {node.name for node in nodes}
    counts = (None if len(names) == len(nodes) and INPUT not in names
              else collections.Counter(node.name for node in nodes))  # a name is wrong
    done: set[str] = {INPUT}
    in_order = True
    for node in nodes:
        if counts is not None and (node.name == INPUT or counts[node.name] > 1):
            raise NetworkError(
                f"node name {node.name!r} is "
                + ("reserved for the network input" if node.name == INPUT else "used twice")
                + "; give every node a unique name."
            )
        inputs = node.inputs
        # A layer reading one node already placed is valid and in order: the common case.
        if node.layer is None or len(inputs) != 1 or inputs[0] not in done:
            _check_node(node, names)
            in_order = in_order and all(source in done for source in inputs)
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
