"""The work a figure asks of the exact engine, estimated before any of it is done.

The exact engine plans its own tables and refuses past its budgets before it builds any
(:mod:`symrf.engine.phases`), so evaluating every row costs a figure nothing to check here.
What a figure adds is its own walks: the ``coverage`` and ``index`` pictures follow units of
every row back to the input (:func:`symrf.engine.dependencies.dependencies`), ``2*Q`` phases of a
feature map after upsampling (``Q``, the product of the upsampling factors so far).
:func:`visits` follows one phase of each such row, counting the unit visits as the engine
does, multiplies by the units asked for, and refuses at once past
:data:`~symrf.limits.MAX_FIGURE_READS` rather than after seconds of work.

>>> import symrf
>>> net = symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=3))
>>> visits(net, None, every_row=True), visits(net, None, every_row=True, reads=3)
(0, 30)
"""

from __future__ import annotations

import math

from symrf.engine.dependencies import Budget, dependencies
from symrf.errors import TooLargeError
from symrf.layers.compose import Sequential
from symrf.layers.graph import INPUT, Graph
from symrf.limits import MAX_FIGURE_READS, MAX_PHASES
from symrf.render.figures.subject import prefix


def phases(net: Sequential | Graph) -> list[int]:
    """The phases the exact engine enumerates for each row of ``net`` (1: a closed form).

    >>> import symrf
    >>> phases(symrf.Sequential(symrf.Conv(kernel=3), symrf.Upsample(factor=2),
    ...                         symrf.Upsample(factor=3)))
    [1, 2, 6]
    """
    if isinstance(net, Graph):
        factors = {INPUT: 1}
        for node in net.nodes:
            if node.layer is None:
                factors[node.name] = math.lcm(*(factors[source] for source in node.inputs))
            else:
                factors[node.name] = factors[node.inputs[0]] * node.layer.period_factor()
        return [factors[node.name] for node in net.nodes]
    found, product = [], 1
    for layer in net.layers:
        product *= layer.period_factor()
        found.append(product)
    return found


def visits(net: Sequential | Graph, size: int | None, *, every_row: bool, reads: int = 0) -> int:
    """The unit visits a figure's own walks will make through ``net``'s rows, or a refusal.

    Args:
        net: The one-axis network drawn.
        size: Its input length, if known.
        every_row: Whether the figure walks every row (else none: only the output is read).
        reads: The dependency sets the figure itself asks of each row (one phase each).

    Raises:
        TooLargeError: Past :data:`~symrf.limits.MAX_FIGURE_READS`, as soon as it is known.
    """
    found = phases(net)
    total = 0
    for index, period in enumerate(found):
        if period > MAX_PHASES:
            return total  # the engine refuses such a period at once, with its own message
        walks = reads if every_row else 0
        if walks == 0:
            continue
        probe = _Probe((MAX_FIGURE_READS - total) // walks)
        try:
            dependencies(prefix(net, index), size, {0}, probe)
        except TooLargeError:
            probe.spent = probe.limit + 1
        total += reads * probe.scan + walks * (probe.spent - probe.scan)
        if total > MAX_FIGURE_READS:
            why = (f"the input pixels each row reads, over {period} phases" if period > 1
                   else "the input pixels each row reads")
            raise TooLargeError(
                f"the figure would need {total} or more unit visits of the exact engine "
                f"({why} at row {_name(net, index)}), more than the {MAX_FIGURE_READS} a "
                "figure may take; draw the first rows with --upto ROW, or use "
                "symrf.derive() for labelled bounds."
            )
    return total


class _Probe(Budget):
    """A budget for one phase's walk that also records the length scan charged first.

    The engine scans the nodes' lengths once per evaluation and walks once per phase, so
    the two are counted apart.
    """

    scan = 0

    def charge(self, units: int) -> None:  # Budget.charge, the scan apart
        if not self.scan:
            self.scan, self.limit = units, self.limit + units
        super().charge(units)


def _name(net: Sequential | Graph, index: int) -> str:
    if isinstance(net, Graph):
        return repr(net.nodes[index].name)
    return f"{index} ({net.layers[index].row_name(index)})"
