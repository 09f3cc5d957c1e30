"""The exact engine as it was: every row's phases propagated back, set by set.

Before the tables of :class:`symrf.engine.exact.Tables`, symrf computed position-dependent
figures by the definition: for each unit ``x`` of two periods of the output (the product
of the upsampling factors), the set ``D(x)`` propagated from the output back to the input
through every layer, again for every row. It is kept here as the reference the tables are
checked against (``tests/test_exact_linear.py``); it reads the layers' own ``reads`` through
symrf's backward reader, so it checks the forward composition, not the layers (the
brute-force oracles do that).
"""

from __future__ import annotations

import math
from fractions import Fraction

from symrf.engine.dependencies import Budget, _Reader
from symrf.engine.field import Field
from symrf.errors import NetworkError, TooLargeError
from symrf.layers.base import Layer
from symrf.layers.graph import INPUT, Graph, as_graph
from symrf.limits import MAX_PHASES
from symrf.maths.scalars import Scalar, divide, exact

Hull = tuple[int, int] | None


def _hull(units: set[int]) -> Hull:
    return (min(units), max(units)) if units else None


def _size(hull: Hull) -> int:
    return 0 if hull is None else hull[1] - hull[0] + 1


def _shifted(hull: Hull, shift: Scalar) -> Hull:
    return None if hull is None else (hull[0] + shift, hull[1] + shift)  # type: ignore[return-value]


def period_factor(flat: Graph) -> int:
    """A period of the fields of ``flat``'s output, by one pass over the nodes.

    The product of the resampling factors along each path, least common multiple over paths.

    >>> from symrf.layers.compose import Sequential
    >>> from symrf.layers.resample import Upsample
    >>> period_factor(as_graph(Sequential(Upsample(factor=2), Upsample(factor=3))))
    6
    """
    factors: dict[str, int] = {INPUT: 1}
    for node in flat.nodes:
        if node.layer is None:
            factors[node.name] = math.lcm(*(factors[source] for source in node.inputs))
        else:
            factors[node.name] = factors[node.inputs[0]] * node.layer.period_factor()
        if factors[node.name] > MAX_PHASES:
            raise TooLargeError(
                f"position-dependent receptive fields repeat only every {factors[node.name]} "
                f"units or more (the product of the upsampling factors up to node "
                f"{node.name}); symrf enumerates at most {MAX_PHASES} phases. Use "
                "symrf.derive() for labelled bounds."
            )
    return factors[flat.output]


def reference_field(net: Layer, size: int | None, result_size: Scalar | None = None,
                    budget: Budget | None = None) -> Field:
    """Exact figures of ``net`` by the definition: each phase's set propagated back.

    The reference :class:`Tables` is checked against: for each unit ``x`` of two periods
    (the product of the upsampling factors, :func:`period_factor`), the set ``D(x)`` is
    propagated from the output back to the input through every layer, and the figures are
    read off the hulls. It costs the network's depth times its phases for one feature map,
    and again for every row.

    Args:
        net: The network up to the feature map of interest (a chain or a graph).
        size: The input length, if known.
        result_size: The feature map's length, copied into the field.
        budget: The unit visits left; a fresh budget of :data:`~symrf.limits.MAX_READS`
            when omitted.

    >>> from symrf.layers.resample import Upsample
    >>> from symrf.layers.window import Conv
    >>> from symrf.layers.compose import Sequential
    >>> reference_field(Sequential(Upsample(factor=2), Conv(kernel=2)), None).rf_min
    1

    Raises:
        TooLargeError: The enumeration would exceed :data:`~symrf.limits.MAX_PHASES` phases
            or :data:`~symrf.limits.MAX_READS` unit visits.
    """
    budget = budget or Budget()
    flat = as_graph(net)
    phases = period_factor(flat)
    reader = _Reader(flat, size, budget)
    jump = reader.jump
    hulls = [_hull(reader.reads(flat.output, {x})) for x in range(2 * phases)]
    sizes = [_size(hull) for hull in hulls[:phases]]
    period = next(
        (p for p in range(1, phases + 1)
         if phases % p == 0
         and all(hulls[x + p] == _shifted(hulls[x], p * jump) for x in range(phases))),
        None,
    )
    if period is None:
        raise NetworkError(
            f"the fields do not repeat within {phases} units as the resampling factors "
            "imply; this is a bug in symrf: please report the network."
        )
    first = hulls[0]
    left = None if first is None else first[0]
    right = None if first is None else first[1]
    narrowest: int | None = max(sizes)
    offset: Scalar = 0
    if any(node.layer is None for node in flat.nodes):  # branches: path-wise figures
        narrowest = _narrowest_path(flat, size, phases, max(sizes), budget)
        offset = _merge_offset(flat, reader, phases)
    return Field(
        rf=max(sizes),
        rf_min=min(sizes),
        rf_min_path=narrowest,
        jump=jump,
        left=left,
        right=right,
        center=None if first is None else divide(first[0] + first[1], 2),
        padding=None if left is None else -left,
        period=period,
        aligned=offset == 0,
        offset=offset,
        exact=True,
        size=None if result_size is None else exact(result_size),
    )


def _narrowest_path(net: Graph, size: int | None, phases: int, default: int,
                    budget: Budget) -> int | None:
    """The smallest largest-hull over the input-to-output paths (exact, per path).

    None (unknown) when the graph has more paths than :meth:`Graph.paths` enumerates: the
    narrowest one is then not searched, and no bound is passed off as the value.
    """
    paths = net.paths(net.output)
    if paths is None:
        return None
    if not paths:
        return default
    found = []
    for path in paths:
        flat = as_graph(path)
        reader = _Reader(flat, size, budget)
        found.append(max(_size(_hull(reader.reads(flat.output, {x}))) for x in range(phases)))
    return min(found)


def _merge_offset(net: Graph, reader: _Reader, phases: int) -> Scalar:
    """The largest distance between the centres of inputs joined by a merge, over phases."""
    offset: Scalar = 0
    for node in net.nodes:
        if node.layer is not None:
            continue
        for x in range(phases):
            centres = []
            for source in node.inputs:
                hull = _hull(reader.reads(source, {x}) if source != INPUT else {x})
                if hull is not None:
                    centres.append(Fraction(hull[0] + hull[1], 2))
            if centres:
                offset = max(offset, divide(max(centres) - min(centres), 1))
    return offset
