"""Effective receptive fields: exact path counts, closed-form moments, and empirical maps.

The path-count ERF (DESIGN.md section 9) is the gradient of one output unit with respect to
the input in the linearised network whose every tap weighs 1: the number of paths from the
unit to each input pixel. :func:`erf` computes it exactly (:mod:`symrf.effective.paths`), per axis,
with its mean, variance, the radius that holds a share of the paths and the ERF/TRF ratio,
beside the closed forms of the same moments (:mod:`symrf.effective.moments`). The empirical ERF
of a PyTorch model is :func:`symrf.effective.empirical.empirical_erf`: a measured quantity,
reported beside the path counts, never instead of them.

Images have two axes: a residual block adds ``3*3 = 9`` paths per identity path in 2-D but
only 3 in 1-D, so the axes are not independent once branches merge. ``dims`` says how many
spatial axes the paths run on (default: the network's own, or 2 for a network given with
scalar parameters); each axis's profile is then the marginal of the N-D counts, which equal
the outer product of the profiles exactly when no branches merge (``separable``).

>>> import symrf
>>> result = erf(symrf.Repeat(symrf.Conv(kernel=3), times=4), dims=1)
>>> result.profiles[0].counts, result.profiles[0].variance, result.closed[0].variance
((1, 4, 10, 16, 19, 16, 10, 4, 1), Fraction(8, 3), Fraction(8, 3))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import sympy

from symrf.effective.moments import sigma, walk
from symrf.effective.result import ERF, AxisProfile, ClosedForm
from symrf.engine import with_values
from symrf.errors import NetworkError, SymrfError
from symrf.layers.base import Layer
from symrf.layers.graph import as_graph
from symrf.report import network
from symrf.scalars import Scalar, divide, exact, free_names, is_number
from symrf.symbolic import input_sizes, tidy

__all__ = ["ERF", "AxisProfile", "ClosedForm", "erf"]

SHARE = Fraction(95, 100)
"""The default share of the paths that the reported radius holds."""


def erf(
    net: Layer,
    input_size: object = None,
    values: Mapping[str, Scalar] | None = None,
    *,
    unit: int | Sequence[int] | None = None,
    dims: int | None = None,
    share: Fraction | str = SHARE,
    exact_counts: bool = True,
) -> ERF:
    """The path-count effective receptive field of one output unit of ``net``.

    Args:
        net: The network; symbols need ``values`` for the exact counts (closed forms do
            without).
        input_size: The input length (one, or one per axis). Given, every feature map is
            finite, only in-input pixels count, and the unit defaults to the central one
            (``length // 2`` of the output); otherwise the input is unbounded and the unit
            is 0.
        values: Numbers or expressions for symbols, by name.
        unit: The output unit (one index, or one per axis).
        dims: The number of spatial axes (default: the network's, or 2 for scalar layers).
        share: The share of the paths the reported radius holds (``"0.95"`` or a Fraction).
        exact_counts: Compute the exact counts (False: closed forms only).

    Raises:
        NetworkError: The unit is outside the output, or a whole-input layer needs the size.

    >>> import symrf
    >>> result = erf(symrf.zoo.build("resnet50"))
    >>> result.closed[0].variance, result.profiles[0].rf, result.separable
    (Fraction(35236, 15), 427, False)
    """
    top = with_values(network(net), values or {})
    dims = dims or (top.axes() if top.axes() > 1 else 2)
    if top.axes() > 1 and top.axes() != dims:
        raise NetworkError(f"dims is {dims} but the network has {top.axes()} axes; leave dims "
                           "out or give the network's number of axes.")
    sizes = input_sizes(input_size, dims, [None] * dims)
    given = share
    try:
        share = Fraction(share)
    except (TypeError, ValueError):
        share = Fraction(-1)  # reported just below
    if not 0 < share <= 1:
        raise NetworkError(f"share (--mass) is {given!r}; give a share of the paths in (0, 1], "
                           "e.g. 0.95 or 19/20.")
    notes: list[str] = []
    separable = not any(node.layer is None for node in as_graph(top).nodes) or dims == 1
    profiles, counts = None, None
    numeric = not top.free_symbols() and all(s is None or is_number(s) for s in sizes)
    if exact_counts and numeric and top.size_dependent and None in sizes:
        notes.append("no exact counts: a layer's geometry depends on the input length (TF "
                     "'same' padding with a stride, or a whole-input layer); give the input size")
    elif exact_counts and numeric:
        profiles, counts = _profiles(top, sizes, _units(top, sizes, unit, dims), separable)
    closed = _closed(top, sizes, dims, notes)
    if not separable:
        notes.append(f"branches merge: the {dims}-D counts are not the outer product of the "
                     "axes' profiles; each profile is the marginal of the exact map")
    elif dims > 1:
        notes.append(f"separable: the {dims}-D counts are the outer product of the profiles")
    if profiles is not None and any(s is not None for s in sizes):
        which = "the central output unit" if unit is None else f"output unit {unit}"
        notes.append(f"input size given: {which}; pixels in padding carry no paths (the "
                     "closed forms are for unit 0 of an unbounded input)")
    return ERF(top.name or "network", dims, share, profiles, closed, separable,
               tuple(sizes), tuple(notes), counts)


def _units(top: Layer, sizes: list, unit: int | Sequence[int] | None, dims: int) -> list[int]:
    if unit is not None:
        units = list(unit) if isinstance(unit, Sequence) else [unit] * dims
        if len(units) != dims:
            raise NetworkError(f"unit has {len(units)} entries for {dims} axes; give one "
                               "index, or one per axis.")
        return units
    found = []
    for a, size in enumerate(sizes):
        if size is None:
            found.append(0)
        else:
            one = top.axis(a) if top.axes() > 1 else top
            found.append(int(exact(one.geometry(size).sizes(size))) // 2)
    return found


def _profiles(top: Layer, sizes: list, units: list[int], separable: bool) -> tuple:
    from symrf.effective.paths import counts

    if separable:
        found = []
        for a, (size, unit) in enumerate(zip(sizes, units, strict=True)):
            one = top.axis(a) if top.axes() > 1 else top
            line = counts(one, [size], [unit])
            found.append(_profile(line.marginal(0), line.origin[0], unit))
        return tuple(found), None
    grid = counts(top, sizes, units)
    return tuple(_profile(grid.marginal(a), grid.origin[a], units[a])
                 for a in range(len(units))), grid


def _profile(line: list[int], origin: int, unit: int) -> AxisProfile:
    if not any(line):
        raise NetworkError(f"output unit {unit} reads no input pixel (a transposed convolution "
                           "with kernel < stride, or a field entirely in padding); pick "
                           "another unit.")
    return AxisProfile(tuple(line), origin, unit)


def _closed(top: Layer, sizes: list, dims: int, notes: list[str]) -> tuple | None:
    from symrf.engine import analyze
    from symrf.symbolic import input_symbols

    lengths = list(sizes)
    try:
        found = walk(top, lengths)
    except SymrfError as error:
        if not top.size_dependent:
            notes.append(f"no closed form: {error}")
            return None
        # A whole-input layer needs a length: the closed form in n_in.
        lengths = list(input_symbols(dims))
        try:
            found = walk(top, lengths)
        except SymrfError as again:
            notes.append(f"no closed form: {again}")
            return None
    forms = []
    for a in range(dims):
        one = top.axis(a) if top.axes() > 1 else top
        rf = analyze(one, input_size=lengths[a]).rf
        variance = tidy(found.variance[a])
        width = sigma(variance)
        forms.append(ClosedForm(tidy(found.mean[a]), variance, width, rf, _ratio(width, rf)))
    return tuple(forms)


def _ratio(width: Scalar, rf: Scalar) -> Scalar:
    if not free_names(width) and not free_names(rf):
        return exact(divide(width, rf))
    return sympy.Mul(width, sympy.Pow(rf, -1), evaluate=False)
