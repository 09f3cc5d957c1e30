"""Exact figures of networks whose receptive fields depend on position (resampling).

After an upsampling layer, units no longer all see fields of one size: the hull of unit
``x`` repeats only after a period (a divisor of the product ``Q`` of the upsampling factors),
and the simple recurrences of :mod:`symrf.maths.algebra` give only a containing bound. Here the
numeric engine computes the truth: for each phase ``x = 0 .. Q-1`` it propagates the exact
set of units back to the input (:meth:`~symrf.layers.base.Layer.reads`) and takes the hull;
``rf`` is the largest hull, ``rf_min`` the smallest (0 when some unit reads nothing), and
``period`` the smallest shift after which the pattern repeats.

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.resample import Upsample
>>> from symrf.layers.window import Conv
>>> field = exact_field(Sequential(Upsample(factor=2), Conv(kernel=2)), None)
>>> field.rf, field.rf_min, field.period, field.jump
(2, 1, 2, Fraction(1, 2))
"""

from __future__ import annotations

import math
from fractions import Fraction

from symrf.engine.field import Field
from symrf.errors import NetworkError, TooLargeError
from symrf.layers.base import Layer, Units
from symrf.layers.graph import INPUT, Graph, as_graph
from symrf.limits import MAX_PHASES, MAX_READS
from symrf.maths.scalars import Scalar, divide, exact, floor

Hull = tuple[int, int] | None


def _hull(units: set[int]) -> Hull:
    return (min(units), max(units)) if units else None


def _size(hull: Hull) -> int:
    return 0 if hull is None else hull[1] - hull[0] + 1


def _shifted(hull: Hull, shift: Scalar) -> Hull:
    return None if hull is None else (hull[0] + shift, hull[1] + shift)  # type: ignore[return-value]


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


def exact_field(net: Layer, size: int | None, result_size: Scalar | None = None,
                budget: Budget | None = None) -> Field:
    """Exact figures of ``net`` (numeric parameters) by enumerating one period of phases.

    Args:
        net: The network up to the feature map of interest (a chain or a graph).
        size: The input length, if known.
        result_size: The feature map's length, copied into the field.
        budget: The unit visits left (shared by the rows of one report); a fresh budget of
            :data:`~symrf.limits.MAX_READS` when omitted.

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
