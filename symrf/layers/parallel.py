"""Parallel blocks: branches applied to the same input and merged (residual add, concat).

A unit of a merged map depends on the union of the branches' dependency sets, so its hull
is the union of the branches' hulls (:func:`symrf.maths.algebra.union`): the least left end and
the greatest right end. With aligned branches the receptive field is the largest branch's;
with misaligned ones it can exceed every branch, and ``offset`` reports by how much their
centres differ. Branches with different jumps cannot be merged. General DAGs are
:class:`symrf.layers.graph.Graph`; both merge with :func:`merge_geometries`.

>>> from symrf.layers.window import Conv
>>> block = Parallel([Conv(kernel=3, padding=1), Conv(kernel=3, padding=1)], [])
>>> block.geometry(None).map                      # a residual block: rf 5, shortest path 1
IntervalMap(scale=1, lo=-2, width=4, narrow=0)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import sympy

from symrf.errors import NetworkError, SymrfError, located
from symrf.layers.base import Geometry, Layer, Units, Values
from symrf.layers.compose import Sequential, _common_axes
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap, union
from symrf.maths.scalars import Scalar, exact, is_number
from symrf.maths.substitution import assignment


class Merge(enum.Enum):
    """How branches are joined; both take the union of the dependency sets."""

    ADD = "add"
    CONCAT = "concat"


def _branch(layers: Layer | Sequence[Layer]) -> Layer | None:
    if isinstance(layers, Layer):
        return layers
    layers = list(layers)
    if len(layers) == 1:
        return layers[0]
    return Sequential(*layers) if layers else None  # an empty branch is the identity


class Fold(Protocol):
    """How a fold takes each node's geometry and joins branches.

    The symbolic engine's :class:`symrf.engine.symbolic.Shifts` is one; without a fold, the plain
    laws of :mod:`symrf.maths.algebra` apply.
    """

    def geometry(self, layer: Layer, size: Scalar | None) -> Geometry:
        """``layer``'s geometry for input length ``size``."""

    def union(self, maps: list[IntervalMap]) -> IntervalMap:
        """The hull of several maps with one scale (as :func:`symrf.maths.algebra.union`)."""


def merge_geometries(
    geometries: Sequence[Geometry], labels: Sequence[str], size: Scalar | None,
    fold: Fold | None = None,
) -> Geometry:
    """Union of branch geometries that start from the same map; lengths must agree.

    Raises:
        NetworkError: The branches' jumps differ, or their known lengths differ.
    """
    scales = [exact(g.map.scale) for g in geometries]
    for label, scale in zip(labels[1:], scales[1:], strict=True):
        if sympy.simplify(scale - scales[0]) != 0 if not is_number(scale) else scale != scales[0]:
            raise NetworkError(
                f"branches disagree on jump: {labels[0]} has jump {scales[0]}, {label} has "
                f"jump {scale}. Give the branches the same total stride (e.g. a strided "
                "projection on the skip branch)."
            )
    if size is not None and is_number(size):
        lengths = [g.sizes(size) for g in geometries]
        if any(length != lengths[0] for length in lengths):
            shown = ", ".join(f"{label} {length}" for label, length in zip(labels, lengths,
                                                                             strict=True))
            raise NetworkError(
                f"branches give feature maps of different lengths ({shown}); merged maps "
                "must have equal lengths: adjust padding or strides."
            )
    maps = [g.map for g in geometries]
    return Geometry(union(maps) if fold is None else fold.union(maps), geometries[0].sizes)


@dataclass(frozen=True, init=False)
class Parallel(Layer):
    """Branches applied to the same input and merged (residual add, Inception concat).

    Each branch is a layer or a list of layers; an empty list is the identity (a skip).
    A merged unit depends on the union of what its branches depend on: its field runs from
    the smallest ``left`` to the largest ``right``, so with branches centred alike the
    receptive field is the largest branch's. Branches must have equal jumps.

    Args:
        *branches: One argument per branch: a layer, or a list of layers (``[]``: a skip).
        merge: ``Merge.ADD`` (default, a residual sum) or ``Merge.CONCAT``, or its name.
        name: Row label in reports (default ``parallel_0``, ...).

    >>> from symrf.layers.window import Conv
    >>> Parallel([Conv(kernel=3, stride=2)], [Conv(kernel=1, name="skip")]).geometry(None)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.NetworkError: branches disagree on jump: branch 0 (conv) has jump 2, ...
    """

    op = "parallel"
    branches: tuple[Layer | None, ...]
    merge: Merge

    def __init__(
        self, *branches: Layer | Sequence[Layer], merge: Merge | str = Merge.ADD,
        name: str | None = None,
    ) -> None:
        if len(branches) < 1:
            raise NetworkError("Parallel needs at least one branch.")
        try:
            mode = Merge(merge.lower()) if isinstance(merge, str) else Merge(merge)
        except ValueError:
            raise NetworkError(f"merge is {merge!r}; use 'add' or 'concat'.").with_key(
                "merge"
            ) from None
        object.__setattr__(self, "branches", tuple(_branch(b) for b in branches))
        object.__setattr__(self, "merge", mode)
        object.__setattr__(self, "name", name)

    def params(self) -> dict[str, object]:
        """Structure only: no geometric parameters of its own."""
        return {}

    def labels(self) -> list[str]:
        """``branch i (name)`` for each branch."""
        return [
            f"branch {i} ({b.label() if b is not None else 'identity'})"
            for i, b in enumerate(self.branches)
        ]

    def axes(self) -> int:
        """The branches' common number of axes."""
        return _common_axes(tuple(b for b in self.branches if b is not None), self.label())

    def axis(self, index: int) -> Parallel:
        """The block along axis ``index``."""
        return Parallel(*(b.axis(index) if b else [] for b in self.branches),
                        merge=self.merge, name=self.name)

    def substitute(self, values: Values) -> Parallel:
        """Substitute into every branch."""
        values = assignment(values)  # each value checked once for every branch
        return Parallel(*(b.substitute(values) if b else [] for b in self.branches),
                        merge=self.merge, name=self.name)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of all branches."""
        return set().union(*(b.free_symbols() for b in self.branches if b is not None))

    @property
    def size_dependent(self) -> bool:
        """Whether a branch's geometry depends on its input length."""
        return any(b.size_dependent for b in self.branches if b is not None)

    def reads(self, units: Units, size: int | None) -> Units:
        """The union of the branches' reads."""
        found: set[int] = set()
        for branch in self.branches:
            found |= branch.reads(units, size) if branch else set(units)
        return found

    def period_factor(self) -> int:
        """The least common multiple of the branches' factors."""
        return math.lcm(*(b.period_factor() if b else 1 for b in self.branches))

    def geometry(self, size: Scalar | None) -> Geometry:
        """The union of the branches' geometries."""
        geometries = []
        for label, branch in zip(self.labels(), self.branches, strict=True):
            try:
                geometries.append(
                    branch.geometry(size) if branch else Geometry(IDENTITY, SAME_SIZE)
                )
            except SymrfError as error:
                raise located(error, label) from None
        return merge_geometries(geometries, self.labels(), size)
