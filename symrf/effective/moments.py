"""Closed forms of the path-count ERF: its mean and variance, folded like the engine's maps.

Read backwards from output unit 0, a path picks one tap in every layer, and the input pixel
it reaches is a sum of the taps' offsets, each scaled by the jump before its layer. The
normalised path counts are therefore the distribution of a sum of independent uniform
choices (for a chain), and a :class:`Walk` ``(scale, mean, variance, mass)`` composes
exactly as :class:`~symrf.maths.algebra.IntervalMap` does: doing ``first`` then ``second`` gives

``(J1*J2, m1 + J1*m2, v1 + J1**2 * v2, M1*M2)``

so a window of ``k`` taps with dilation ``d`` at jump ``J`` adds ``J**2 * d**2 * (k**2 - 1)/12``
to the variance. ``Repeat(block, n)`` is the ``n``-th power, with geometric sums
(:func:`~symrf.maths.geometric.geometric`) for a symbolic ``n`` and sums over the index
(:func:`~symrf.maths.algebra.sum_over`) for schedules such as ``dilation = 2**i``. A merge is a
mixture of its inputs' walks, weighted by their path counts ``M``: the mass over all
``dims`` spatial axes, since an image's paths pick a tap on every axis at once.

Only shift-invariant layers have a walk: upsampling and strided transposed convolutions
make the counts depend on the unit's phase (:mod:`symrf.effective.paths` counts those exactly).

>>> from symrf.layers.repeat import Repeat
>>> from symrf.layers.window import Conv
>>> from symrf.maths.scalars import symbols
>>> k, n = symbols("k n")
>>> from symrf.engine.symbolic import tidy
>>> tidy(walk(Repeat(Conv(kernel=k), times=n), [None]).variance[0])
n*(k**2 - 1)/12
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from symrf.errors import NetworkError, located
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.context import Context
from symrf.layers.graph import INPUT, Graph
from symrf.layers.parallel import Parallel
from symrf.layers.pointwise import Edges, Identity
from symrf.layers.repeat import Repeat
from symrf.layers.resample import ConvTranspose, PixelUnshuffle, Upsample
from symrf.layers.whole import GlobalPool
from symrf.layers.window import Window
from symrf.maths.algebra import sum_over, uses
from symrf.maths.geometric import geometric
from symrf.maths.scalars import Scalar, divide, exact, is_number

Lengths = tuple[Scalar | None, ...]


@dataclass(frozen=True)
class Walk:
    """The normalised path counts of unit 0: jump, mean and variance per axis, and the mass.

    ``mass`` is the number of paths over all axes (a product of tap counts, summed over
    branches): it weighs the walks that a merge mixes.

    >>> Walk((2,), (1,), (0,), 3).then(Walk((1,), (1,), (2,), 3))
    Walk(scale=(2,), mean=(3,), variance=(8,), mass=9)
    """

    scale: tuple[Scalar, ...]
    mean: tuple[Scalar, ...]
    variance: tuple[Scalar, ...]
    mass: Scalar

    def then(self, second: Walk) -> Walk:
        """Compose: ``self`` nearer the input, then ``second``."""
        pairs = list(zip(self.scale, second.scale, strict=True))
        return Walk(
            tuple(exact(a * b) for a, b in pairs),
            tuple(exact(m + j * n) for m, (j, _), n in zip(self.mean, pairs, second.mean,
                                                          strict=True)),
            tuple(exact(v + j**2 * w) for v, (j, _), w in zip(self.variance, pairs,
                                                             second.variance, strict=True)),
            exact(self.mass * second.mass),
        )

    def power(self, times: Scalar) -> Walk:
        """``self`` composed ``times`` times, in closed form.

        >>> Walk((1,), (1,), (2,), 3).power(4)
        Walk(scale=(1,), mean=(4,), variance=(8,), mass=81)
        """
        return Walk(
            tuple(exact(j**times) for j in self.scale),
            tuple(exact(m * geometric(j, times)) for m, j in zip(self.mean, self.scale,
                                                                strict=True)),
            tuple(exact(v * geometric(exact(j**2), times))
                  for v, j in zip(self.variance, self.scale, strict=True)),
            exact(self.mass**times),
        )


def identity(dims: int) -> Walk:
    """The walk of a layer that reads its own position.

    >>> identity(1)
    Walk(scale=(1,), mean=(0,), variance=(0,), mass=1)
    """
    return Walk((1,) * dims, (0,) * dims, (0,) * dims, 1)


def mixture(walks: Sequence[Walk]) -> Walk:
    """The walks' mixture, each weighted by its mass (the paths of a merge add up).

    >>> mixture([Walk((1,), (0,), (2,), 9), Walk((1,), (0,), (0,), 1)]).variance
    (Fraction(9, 5),)
    """
    total = exact(sum(w.mass for w in walks))
    means, variances = [], []
    for a in range(len(walks[0].scale)):
        mean = exact(divide(sum(w.mass * w.mean[a] for w in walks), total))
        second = divide(sum(w.mass * (w.variance[a] + w.mean[a] ** 2) for w in walks), total)
        means.append(mean)
        variances.append(exact(second - mean**2))
    return Walk(walks[0].scale, tuple(means), tuple(variances), total)


def walk(net: Layer, sizes: Sequence[Scalar | None]) -> Walk:
    """The walk of ``net`` (one entry per axis of ``sizes``, the input lengths).

    >>> from symrf.layers.window import Conv
    >>> walk(Conv(kernel=3, stride=2, padding=1), [None, None])
    Walk(scale=(2, 2), mean=(0, 0), variance=(Fraction(2, 3), Fraction(2, 3)), mass=9)

    Raises:
        NetworkError: A layer resamples (its counts depend on the phase), or a whole-input
            layer needs the unknown input length.
    """
    return _walk(net, tuple(sizes))[0]


def _axis(layer: Layer, a: int) -> Layer:
    return layer.axis(a) if layer.axes() > 1 else layer


def _after(layer: Layer, lengths: Lengths) -> Lengths:
    """The lengths after ``layer``."""
    return tuple(None if m is None else exact(_axis(layer, a).geometry(m).sizes(m))
                 for a, m in enumerate(lengths))


@functools.singledispatch
def _walk(layer: Layer, lengths: Lengths) -> tuple[Walk, Lengths]:
    """A leaf layer: a window of ``k`` taps with dilation ``d`` on each axis."""
    scale, mean, variance = [], [], []
    mass: Scalar = 1
    for a, m in enumerate(lengths):
        one = _axis(layer, a)
        span = one.geometry(m).map
        if not span.exact:
            raise NetworkError(
                f"{one.label()} resamples: its path counts depend on the unit's phase, so they "
                "have no closed-form moments; use symrf.erf() with numbers for the exact counts."
            )
        k, d = _taps(one, m)
        scale.append(span.scale)
        mean.append(exact(span.lo + divide(span.width, 2)))
        variance.append(exact(divide(d**2 * (k**2 - 1), 12)))
        mass *= k
    return Walk(tuple(scale), tuple(mean), tuple(variance), exact(mass)), _after(layer, lengths)


@functools.singledispatch
def _taps(layer: Layer, length: Scalar | None) -> tuple[Scalar, Scalar]:
    """``(k, d)``: how many taps the layer reads, and how far apart."""
    raise NetworkError(
        f"{layer.label()}: no closed-form ERF moments for {type(layer).__name__} layers; "
        "use symrf.erf() with numbers for the exact counts."
    )


@_taps.register
def _(layer: Window, length: Scalar | None) -> tuple[Scalar, Scalar]:
    return layer.kernel, layer.dilation


@_taps.register(Identity)
@_taps.register(Edges)
def _(layer: Layer, length: Scalar | None) -> tuple[Scalar, Scalar]:
    return 1, 1


@_taps.register
def _(layer: Context, length: Scalar | None) -> tuple[Scalar, Scalar]:
    if layer.include:
        return _taps.dispatch(Layer)(layer, length)
    return 1, 1


@_taps.register
def _(layer: GlobalPool, length: Scalar | None) -> tuple[Scalar, Scalar]:
    return layer.geometry(length).map.rf, 1


@_taps.register
def _(layer: PixelUnshuffle, length: Scalar | None) -> tuple[Scalar, Scalar]:
    return layer.factor, 1


@_taps.register
def _(layer: ConvTranspose, length: Scalar | None) -> tuple[Scalar, Scalar]:
    return layer.kernel, layer.dilation  # stride 1 only: the others are not exact maps


@_taps.register
def _(layer: Upsample, length: Scalar | None) -> tuple[Scalar, Scalar]:
    return 1, 1  # factor 1 only: the others are not exact maps


@_walk.register
def _(net: Sequential, lengths: Lengths) -> tuple[Walk, Lengths]:
    total = identity(len(lengths))
    for index, layer in enumerate(net.layers):
        try:
            step, lengths = _walk(layer, lengths)
        except NetworkError as error:
            raise located(error, f"layers[{index}] ({layer.row_name(index)})") from None
        total = total.then(step)
    return total, lengths


@_walk.register
def _(net: Repeat, lengths: Lengths) -> tuple[Walk, Lengths]:
    times = net.times
    if times == 0:
        return identity(len(lengths)), lengths
    after = _after(net, lengths)
    if net.block.size_dependent or (net.indexed and is_number(times)):
        net.check_unroll("fold the moments of")
        total = identity(len(lengths))
        for number in range(int(times)):
            step, lengths = _walk(net.copy(number), lengths)
            total = total.then(step)
        return total, after
    if not net.indexed:
        return _walk(net.block, lengths)[0].power(times), after
    number = sympy.Dummy("i", integer=True, nonnegative=True)
    body = _walk(net.copy(number), lengths)[0]
    if any(uses(j, number) for j in body.scale):
        raise NetworkError(
            f"the jump of each repetition depends on the index {net.index}, so the moments "
            "have no closed form for a symbolic count; give a concrete count."
        ).with_key("times")
    mean = tuple(sum_over(m * j**number, number, times, net.index)
                 for m, j in zip(body.mean, body.scale, strict=True))
    variance = tuple(sum_over(v * j ** (2 * number), number, times, net.index)
                     for v, j in zip(body.variance, body.scale, strict=True))
    mass = exact(sympy.product(body.mass, (number, 0, times - 1)))
    return Walk(tuple(exact(j**times) for j in body.scale), mean, variance, mass), after


@_walk.register
def _(net: Parallel, lengths: Lengths) -> tuple[Walk, Lengths]:
    walks = [identity(len(lengths)) if branch is None else _walk(branch, lengths)[0]
             for branch in net.branches]
    return mixture(walks), _after(net, lengths)


@_walk.register
def _(net: Graph, lengths: Lengths) -> tuple[Walk, Lengths]:
    per_axis: list[Graph] = [net.axis(a) if net.axes() > 1 else net
                             for a in range(len(lengths))]
    sizes: list[dict[str, Any]] = []
    for graph, m in zip(per_axis, lengths, strict=True):
        steps = {} if m is None else {str(s.layer): s.size for s in graph.steps(m)}
        sizes.append({INPUT: m, **steps})
    walks = {INPUT: identity(len(lengths))}
    for node in net.nodes:
        if node.layer is None:
            walks[node.name] = mixture([walks[source] for source in node.inputs])
            continue
        (source,) = node.inputs
        before = tuple(axis_sizes.get(source) for axis_sizes in sizes)
        try:
            step = _walk(node.layer, before)[0]
        except NetworkError as error:
            raise located(error, f"node {node.name!r}") from None
        walks[node.name] = walks[source].then(step)
    return walks[net.output], _after(net, lengths)


def sigma(variance: Scalar) -> Scalar:
    """The standard deviation, exact: a number when it is rational, else a square root.

    A formula keeps its square root whole, as a paper prints it.

    >>> from symrf.maths.scalars import symbols
    >>> n, = symbols("n")
    >>> sigma(4), sigma(2), sigma(2 * n / 3)
    (2, sqrt(2), sqrt(2*n/3))
    """
    if is_number(variance):
        return exact(sympy.sqrt(sympy.Rational(variance.numerator, variance.denominator)))
    return sympy.Pow(variance, sympy.Rational(1, 2), evaluate=False)
