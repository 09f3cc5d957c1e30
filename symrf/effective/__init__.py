"""Effective receptive fields: exact path counts, closed-form moments, and empirical maps.

The effective floor (this package) computes; its output formats live on the render floor
(:mod:`symrf.render.erf`). It imports only the engine and the floors below it.

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

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

import sympy

from symrf.effective.moments import sigma, walk
from symrf.effective.result import ERF, AxisProfile, ClosedForm
from symrf.engine import analyze, with_values
from symrf.engine.report import network
from symrf.engine.symbolic import input_sizes, input_symbols, tidy
from symrf.errors import NetworkError, ScalarTypeError, SymrfError
from symrf.layers.base import Layer
from symrf.layers.graph import Graph, as_graph
from symrf.limits import abbreviated, check_bits
from symrf.maths.arguments import described, named_values, whole
from symrf.maths.scalars import Scalar, divide, exact, free_names, is_number

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
        ScalarTypeError: A keyword has the wrong type (a float unit, a bool dims...).
        TooLargeError: The exact counts would take more than a few seconds
            (:data:`~symrf.limits.MAX_ERF_WORK`): refused before any is computed.

    >>> import symrf
    >>> result = erf(symrf.zoo.build("resnet50"))
    >>> result.closed[0].variance, result.profiles[0].rf, result.separable
    (Fraction(35236, 15), 427, False)
    """
    top = with_values(network(net), named_values(values, "erf: values"))
    dims = _dims(dims, top.axes())
    sizes = input_sizes(input_size, dims, [None] * dims)
    share = share_of(share)
    unit = _unit(unit, dims)
    if not isinstance(exact_counts, bool):
        raise ScalarTypeError(f"erf: exact_counts is {described(exact_counts)}; give True or "
                              "False.")
    notes: list[str] = []
    numeric = not top.free_symbols() and all(s is None or is_number(s) for s in sizes)
    if exact_counts and numeric and all(s is None for s in sizes) and not top.size_dependent:
        _plan(top, unit or [0] * dims)  # a long chain is refused before it is flattened
    flat = as_graph(top)
    separable = dims == 1 or not any(node.layer is None for node in flat.nodes)
    profiles, counts = None, None
    if exact_counts and numeric and top.size_dependent and None in sizes:
        notes.append("no exact counts: a layer's geometry depends on the input length (TF "
                     "'same' padding with a stride, or a whole-input layer); give the input size")
    elif exact_counts and numeric:
        profiles, counts = _profiles(top, flat, sizes, _units(top, sizes, unit), separable)
    closed = _closed(top, sizes, dims, notes)
    if not separable:
        notes.append(f"branches merge: the {dims}-D counts are not the outer product of the "
                     "axes' profiles; each profile is the marginal of the exact map")
    elif dims > 1:
        notes.append(f"separable: the {dims}-D counts are the outer product of the profiles")
    if profiles is not None and any(s is not None for s in sizes):
        which = "the central output unit" if unit is None else f"output unit {_shown(unit)}"
        notes.append(f"input size given: {which}; pixels in padding carry no paths (the "
                     "closed forms are for unit 0 of an unbounded input)")
    return ERF(top.name or "network", dims, share, profiles, closed, separable,
               tuple(sizes), tuple(notes), counts)


MAX_DIMS = 3
"""Most spatial axes of a network with scalar parameters (a volume); a network with per-axis
parameters has its own number."""

_SHARE = re.compile(r"[0-9]{1,30}(\.[0-9]{1,30})?|[0-9]{1,30}/[0-9]{1,30}", re.ASCII)


def share_of(value: object) -> Fraction:
    """The share of the paths a radius holds, in (0, 1]: ``"0.95"``, ``"19/20"`` or a Fraction.

    Text is read strictly (ASCII digits, a decimal point or a slash, no exponent); floats are
    refused, as everywhere in symrf (write ``"0.9"`` or ``Fraction(9, 10)``).

    >>> share_of("0.95"), share_of(Fraction(1, 2))
    (Fraction(19, 20), Fraction(1, 2))
    >>> share_of("1e9")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.NetworkError: share (--mass) is the string '1e9'; give a share of the paths ...
    """
    found: Fraction | None = None
    if isinstance(value, str):
        if _SHARE.fullmatch(value.strip()):
            found = Fraction(value.strip())
    elif isinstance(value, Fraction | int | sympy.Rational) and not isinstance(value, bool):
        found = Fraction(int(value.p), int(value.q)) if isinstance(value, sympy.Rational) else (
            Fraction(value))
    exactly = " (symrf is exact: write '0.9' or Fraction(9, 10))" if isinstance(
        value, float) else ""
    if found is None or not 0 < found <= 1:
        raise NetworkError(f"share (--mass) is {described(value)}; give a share of the paths in "
                           f"(0, 1], e.g. 0.95 or 19/20{exactly}.")
    return found


def _dims(dims: object, axes: int) -> int:
    """The number of spatial axes: the network's own, or 2 for scalar parameters."""
    if dims is None:
        return axes if axes > 1 else 2
    if axes > 1:
        found = whole(dims, "dims (--dims)", least=1, example=f"dims={axes}")
        if found != axes:
            raise NetworkError(f"dims is {abbreviated(found)} but the network has {axes} axes; "
                               "leave dims out or give the network's number of axes.")
        return found
    return whole(dims, "dims (--dims)", least=1, most=MAX_DIMS, example="dims=2")


def _unit(unit: object, dims: int) -> list[int] | None:
    """The output unit asked for: one index for every axis, or one per axis (or None)."""
    if unit is None:
        return None
    what = "unit (--unit)"
    example = "unit=3 or unit=(3, 5)"
    if isinstance(unit, list | tuple):
        if len(unit) != dims:
            raise NetworkError(f"{what} has {len(unit)} entries for {dims} axes; give one "
                               "index, or one per axis.")
        return [int(check_bits(whole(item, f"{what}[{a}]", least=0, example=example),
                               f"{what}[{a}]")) for a, item in enumerate(unit)]
    return [int(check_bits(whole(unit, what, least=0, example=example), what))] * dims


def _plan(top: Layer, units: list[int]) -> None:
    """Refuse the exact counts of a chain past the work budget, before it is flattened."""
    from symrf.effective.paths import plan_chain  # loads numpy: not at import symrf

    axes = range(len(units)) if top.axes() > 1 else range(1)
    for a in axes:
        if plan_chain(top, units[a], a) is None:
            return


def _shown(unit: list[int]) -> object:
    return unit[0] if len(set(unit)) == 1 else tuple(unit)


def _units(top: Layer, sizes: list, unit: list[int] | None) -> list[int]:
    if unit is not None:
        return unit
    found = []
    for a, size in enumerate(sizes):
        if size is None:
            found.append(0)
        else:
            one = top.axis(a) if top.axes() > 1 else top
            found.append(int(exact(one.geometry(size).sizes(size))) // 2)
    return found


def _profiles(top: Layer, flat: Graph, sizes: list, units: list[int], separable: bool) -> tuple:
    """The exact profiles, and the N-D counts when the axes are not separable.

    A separable network is counted axis by axis, each distinct axis once (a network with
    scalar parameters has the same profile on every axis with the same size and unit).
    """
    from symrf.effective.paths import counts  # loads numpy: not at import symrf

    if separable:
        found: dict[tuple, AxisProfile] = {}
        for a, (size, unit) in enumerate(zip(sizes, units, strict=True)):
            key = (a if top.axes() > 1 else 0, size, unit)
            if key not in found:
                one = flat.axis(a) if top.axes() > 1 else flat
                line = counts(one, [size], [unit])
                found[key] = _profile(line.marginal(0), line.origin[0], unit)
        return tuple(found[(a if top.axes() > 1 else 0, size, unit)]
                     for a, (size, unit) in enumerate(zip(sizes, units, strict=True))), None
    grid = counts(flat, sizes, units)
    return tuple(_profile(grid.marginal(a), grid.origin[a], units[a])
                 for a in range(len(units))), grid


def _profile(line: list[int], origin: int, unit: int) -> AxisProfile:
    if not any(line):
        raise NetworkError(f"output unit {unit} reads no input pixel (a transposed convolution "
                           "with kernel < stride, or a field entirely in padding); pick "
                           "another unit.")
    return AxisProfile(tuple(line), origin, unit)


def _closed(top: Layer, sizes: list, dims: int, notes: list[str]) -> tuple | None:

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
