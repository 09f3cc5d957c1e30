"""What :func:`symrf.effective.erf` returns: exact profiles per axis, closed forms, and the figures.

An :class:`AxisProfile` holds one axis's exact path counts (the marginal of the N-D map) and
computes their moments and extent exactly: the mean and variance as ``Fraction``, the
radius around the mean that holds a given share of the paths, the pixels within it, and
that extent over the theoretical field (the ERF/TRF ratio). A :class:`ClosedForm` holds the
same moments as formulas (:mod:`symrf.effective.moments`). :class:`ERF` gathers both with the
sentences that say what was measured.

>>> profile = AxisProfile(counts=(1, 2, 3, 2, 1), origin=-2, unit=0)
>>> profile.mean, profile.variance, profile.rf
(Fraction(0, 1), Fraction(4, 3), 5)
>>> profile.radius(Fraction(1, 2)), profile.pixels(Fraction(1, 2)), profile.ratio(Fraction(1, 2))
(Fraction(1, 1), 3, Fraction(3, 5))
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy

from symrf.errors import NetworkError
from symrf.maths.scalars import Scalar


@dataclass(frozen=True)
class AxisProfile:
    """Exact path counts along one axis: ``counts[i]`` paths reach input pixel ``origin + i``."""

    counts: tuple[int, ...]
    origin: int
    unit: int
    """The output unit whose gradient this is, on this axis."""

    @functools.cached_property
    def total(self) -> int:
        """The number of paths."""
        return sum(self.counts)

    def normalised(self) -> tuple[Fraction, ...]:
        """The counts as exact shares of the total (a probability distribution).

        >>> AxisProfile((1, 3), 0, 0).normalised()
        (Fraction(1, 4), Fraction(3, 4))
        """
        total = self.total
        return tuple(Fraction(c, total) for c in self.counts)

    @functools.cached_property
    def mean(self) -> Fraction:
        """The centre of mass, in input pixels."""
        return Fraction(sum(i * c for i, c in enumerate(self.counts)), self.total) + self.origin

    @functools.cached_property
    def variance(self) -> Fraction:
        """The variance of the normalised counts (exact)."""
        shift = self.mean - self.origin
        second = Fraction(sum(i * i * c for i, c in enumerate(self.counts)), self.total)
        return second - shift * shift

    @property
    def sigma(self) -> float:
        """The standard deviation, in input pixels."""
        return math.sqrt(self.variance)

    @functools.cached_property
    def hull(self) -> tuple[int, int]:
        """The first and last pixel with a path: the unit's theoretical field, in the input."""
        used = [i for i, c in enumerate(self.counts) if c]
        return self.origin + used[0], self.origin + used[-1]

    @property
    def rf(self) -> int:
        """The size of :attr:`hull`."""
        left, right = self.hull
        return right - left + 1

    @functools.cached_property
    def _by_distance(self) -> tuple[list[int], list[int]]:
        """Distances from the mean (in units of its denominator) and counts, nearest first."""
        mean = self.mean
        pairs = sorted((abs((self.origin + i) * mean.denominator - mean.numerator), c)
                       for i, c in enumerate(self.counts) if c)
        return [d for d, _ in pairs], [c for _, c in pairs]

    def radius(self, share: Fraction) -> Fraction:
        """The least distance ``r`` from the mean such that pixels within ``r`` hold ``share``."""
        need = share * self.total
        distances, counts = self._by_distance
        held = 0
        for distance, count in zip(distances, counts, strict=True):
            held += count
            if held >= need:
                return Fraction(distance, self.mean.denominator)
        return max(abs(self.hull[0] - self.mean), abs(self.hull[1] - self.mean))

    def pixels(self, share: Fraction) -> int:
        """The pixels within :meth:`radius` of the mean: the ERF's extent."""
        mean, r = self.mean, self.radius(share)
        return math.floor(mean + r) - math.ceil(mean - r) + 1

    def ratio(self, share: Fraction) -> Fraction:
        """ERF/TRF: the extent holding ``share`` of the paths over the theoretical field."""
        return Fraction(self.pixels(share), self.rf)

    def kolmogorov(self) -> float:
        """The largest gap between the counts' CDF and the normal CDF of equal mean and sigma.

        The normal CDF is read half a pixel right of each pixel (the continuity correction
        of a distribution on whole pixels), so the gap measures the shape, not the lattice.

        >>> round(AxisProfile((1, 1), 0, 0).kolmogorov(), 3)
        0.023
        """
        mean, sigma = float(self.mean), self.sigma
        total, held, gap = self.total, 0, 0.0
        for i, count in enumerate(self.counts):
            held += count
            x = self.origin + i + 0.5
            normal = 0.5 * (1 + math.erf((x - mean) / (sigma * math.sqrt(2)))) if sigma else 1.0
            gap = max(gap, abs(held / total - normal))
        return gap


@dataclass(frozen=True)
class ClosedForm:
    """The moments of one axis as formulas (or exact numbers), for unit 0 of an unbounded input.

    ``rf`` is the engine's receptive field; ``ratio`` is ``sigma / rf``, the width the ERF
    keeps of the theoretical field (``1/sqrt(n)`` for ``n`` stacked convolutions).
    """

    mean: Scalar
    variance: Scalar
    sigma: Scalar
    rf: Scalar
    ratio: Scalar


@dataclass(frozen=True)
class ERF:
    """The effective receptive field of a network: exact counts and closed forms per axis."""

    name: str
    dims: int
    share: Fraction
    """The share of the paths that :meth:`AxisProfile.radius` encloses (e.g. 95/100)."""
    profiles: tuple[AxisProfile, ...] | None
    """Exact counts per axis (``None`` when the network has symbols)."""
    closed: tuple[ClosedForm, ...] | None
    """Closed forms per axis (``None`` when a layer resamples)."""
    separable: bool
    """True when the N-D counts are the outer product of the per-axis profiles."""
    input_size: tuple[int | None, ...]
    notes: tuple[str, ...] = ()
    counts: Any = field(default=None, repr=False)
    """The N-D counts (:class:`~symrf.effective.paths.Counts`) when not separable."""

    def map(self) -> Any:
        """The N-D path counts as a numpy array (the outer product when separable).

        >>> from symrf.layers.window import Conv
        >>> from symrf.effective import erf
        >>> erf(Conv(kernel=2), dims=2).map().tolist()
        [[1, 1], [1, 1]]
        """
        import numpy as np

        if self.counts is not None:
            return self.counts.values
        if self.profiles is None:
            raise NetworkError(f"{self.name} has no exact counts (symbols without values, or "
                               "an unknown input size); give values for its symbols and the "
                               "input size.")
        grid = np.array(self.profiles[0].counts, dtype=object)
        for profile in self.profiles[1:]:
            grid = np.multiply.outer(grid, np.array(profile.counts, dtype=object))
        return grid

    def figures(self, axis: int) -> dict[str, Any]:
        """The figures of one axis by name: exact ones, then closed forms (``*_formula``)."""
        found: dict[str, Any] = {}
        if self.profiles is not None:
            p = self.profiles[axis]
            found.update(unit=p.unit, rf=p.rf, left=p.hull[0], right=p.hull[1], paths=p.total,
                         mean=p.mean, variance=p.variance, sigma=_root(p.variance),
                         radius=p.radius(self.share), pixels=p.pixels(self.share),
                         erf_trf=p.ratio(self.share))
        if self.closed is not None:
            c = self.closed[axis]
            found.update(mean_formula=c.mean, variance_formula=c.variance,
                         sigma_formula=c.sigma, sigma_rf_formula=c.ratio)
        return found


def _root(variance: Any) -> Any:
    """The exact standard deviation, ``sqrt`` of the exact variance (printed with its value).

    >>> _root(Fraction(510, 9))
    sqrt(510)/3
    """
    return sympy.sqrt(sympy.Rational(variance.numerator, variance.denominator))
