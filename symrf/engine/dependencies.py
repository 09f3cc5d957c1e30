"""Dependency sets of a few units, propagated backwards to the input (the pictures).

The exact engine (:mod:`symrf.engine.exact`) carries hull tables forwards for every unit of
every row; the figures draw the sets of a few chosen units instead, and
:func:`dependencies` follows those back through the network, layer by layer, within a
work :class:`Budget` (:data:`~symrf.limits.MAX_READS` unit visits).

>>> from symrf.layers.window import Conv
>>> sorted(dependencies(Conv(kernel=3, dilation=2), None, {0}, Budget()))
[0, 2, 4]
"""

from __future__ import annotations

from symrf.errors import TooLargeError
from symrf.layers.base import Layer, Units
from symrf.layers.graph import INPUT, Graph, as_graph
from symrf.limits import MAX_READS
from symrf.maths.scalars import Scalar, exact, floor


class Budget:
    """Unit visits left for one analysis, shared by every row of a report.

    The exact figures of a whole network, not just of one row, stay within
    :data:`~symrf.limits.MAX_READS`.

    >>> budget = Budget()
    >>> budget.charge(10); budget.spent
    10
    """

    def __init__(self, limit: int = MAX_READS) -> None:
        self.limit, self.spent = limit, 0

    def charge(self, units: int) -> None:
        """Spend ``units`` visits; raise :class:`TooLargeError` past the limit."""
        self.spent += units
        if self.spent > self.limit:
            raise TooLargeError(
                f"the exact dependency sets need more than {self.limit} unit visits (units "
                "read per layer, over every row and every phase of position-dependent "
                "fields); use symrf.derive() for labelled bounds, or a smaller network"
            )


class _Reader:
    """Propagates sets of units back through a flat graph, within a work budget.

    The lengths of every node, and each layer's fan-in, are computed once; each call of a
    layer's ``reads`` is charged for the units it may return (checked before the call, so a
    kernel of a billion taps is refused rather than enumerated).
    """

    def __init__(self, flat: Graph, size: int | None, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self.budget.charge(len(flat.nodes))  # the scan of lengths below
        self.flat = flat
        steps = list(flat.steps(size))
        self.lengths: dict[str, Scalar | None] = {INPUT: size}
        self.lengths.update({str(step.layer): step.size for step in steps})
        self.jump = exact(steps[-1].map.scale) if steps else 1
        self.fan_in: dict[str, int] = {}
        for node in flat.nodes:
            if node.layer is not None:
                local = node.layer.geometry(self.lengths[node.inputs[0]]).map
                fan_in = int(floor(local.width)) + 1 + int(floor(local.scale))
                taps = getattr(node.layer, "kernel", fan_in)  # a dilated kernel reads k taps
                self.fan_in[node.name] = min(fan_in, taps) if isinstance(taps, int) else fan_in

    def reads(self, name: str, units: Units) -> Units:
        """The input units that ``units`` of node ``name`` depend on."""
        needed: dict[str, Units] = {name: set(units)}
        for node in reversed(self.flat.nodes):
            wanted = needed.pop(node.name, None)
            if not wanted:
                continue
            if node.layer is None:
                for source in node.inputs:
                    needed[source] = needed.get(source, set()) | wanted
                continue
            self.budget.charge(len(wanted) * self.fan_in[node.name])
            (source,) = node.inputs
            found = node.layer.reads(wanted, self.lengths[source])  # type: ignore[arg-type]  # numeric networks: lengths are ints
            needed[source] = needed.get(source, set()) | found
        return needed.get(INPUT, set())


def dependencies(net: Layer, size: int | None, units: Units, budget: Budget) -> Units:
    """The input units that ``units`` of ``net``'s output depend on, within ``budget``.

    >>> from symrf.layers.window import Conv
    >>> sorted(dependencies(Conv(kernel=3, dilation=2), None, {0}, Budget()))
    [0, 2, 4]
    """
    flat = as_graph(net)
    return _Reader(flat, size, budget).reads(flat.output, units)
