"""The work a figure asks of the exact engine, estimated before any of it is done.

Where upsampling makes fields depend on position, the exact engine enumerates ``2*Q`` phases
of a feature map (``Q``, the product of the upsampling factors so far) and follows each back
to the input (:mod:`symrf.exact`). A figure that reads every row (``growth``, ``coverage``,
``index``) does that once per row. :func:`check` follows one phase of each such row, counting
the unit visits as the engine does, multiplies by the phases, and refuses at once past
:data:`~symrf.limits.MAX_FIGURE_READS` rather than after seconds of work.

>>> import symrf
>>> net = symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=3))
>>> visits(net, None, every_row=True)
40
"""

from __future__ import annotations

import math

from symrf.errors import TooLargeError
from symrf.exact import Budget, dependencies
from symrf.figures.subject import prefix
from symrf.layers.compose import Sequential
from symrf.layers.graph import INPUT, Graph
from symrf.limits import MAX_FIGURE_READS, MAX_PHASES


def rows(net: Sequential | Graph) -> list[tuple[int, int]]:
    """``(row index, phases)`` of each row of ``net`` whose fields depend on position.

    >>> import symrf
    >>> rows(symrf.Sequential(symrf.Conv(kernel=3), symrf.Upsample(factor=2),
    ...                       symrf.Upsample(factor=3)))
    [(1, 2), (2, 6)]
    """
    found = []
    if isinstance(net, Graph):
        factors = {INPUT: 1}
        for index, node in enumerate(net.nodes):
            if node.layer is None:
                factors[node.name] = math.lcm(*(factors[source] for source in node.inputs))
            else:
                factors[node.name] = factors[node.inputs[0]] * node.layer.period_factor()
            if factors[node.name] > 1:
                found.append((index, factors[node.name]))
        return found
    phases = 1
    for index, layer in enumerate(net.layers):
        phases *= layer.period_factor()
        if phases > 1:
            found.append((index, phases))
    return found


def visits(net: Sequential | Graph, size: int | None, *, every_row: bool,
           repeats: int = 1) -> int:
    """The unit visits the exact engine will make for ``net``'s rows (or only its output).

    Raises:
        TooLargeError: Past :data:`~symrf.limits.MAX_FIGURE_READS`, as soon as it is known.
    """
    found = rows(net)
    last = len(net.nodes if isinstance(net, Graph) else net.layers) - 1
    if not every_row:
        found = [(index, phases) for index, phases in found if index == last]
    total = 0
    for index, phases in found:
        if phases > MAX_PHASES:
            return total  # the engine refuses such a period at once, with its own message
        cost = 2 * phases * repeats  # the phases of one evaluation, and the evaluations
        left = (MAX_FIGURE_READS - total) // cost
        budget = Budget(max(left, 0))
        try:
            dependencies(prefix(net, index), size, {0}, budget)
        except TooLargeError:
            budget.spent = left + 1
        total += cost * budget.spent
        if total > MAX_FIGURE_READS:
            raise TooLargeError(
                f"the figure would need {total} or more unit visits of the exact engine "
                f"({phases} phases of position-dependent fields at row {_name(net, index)}), "
                f"more than the {MAX_FIGURE_READS} a figure may take; draw the first rows "
                "with --upto ROW, or use symrf.derive() for labelled bounds."
            )
    return total


def _name(net: Sequential | Graph, index: int) -> str:
    if isinstance(net, Graph):
        return repr(net.nodes[index].name)
    return f"{index} ({net.layers[index].row_name(index)})"
