"""What each dimension of an ONNX tensor holds: batch/channel factors or a spatial axis.

The ONNX importer never guesses which dimensions are spatial from an op's name. Each
dimension of a feature map is a tuple of :class:`Atom` factors in row-major order: a
spatial axis of the network (``axis = 0, 1, ...``) or a batch/channel factor
(``axis = None``). ``Reshape``, ``Flatten``, ``Transpose``, ``Squeeze`` and ``Unsqueeze``
regroup or permute the factors; an op that reads along a dimension holding a spatial factor
mixes positions along that axis. A dimension with no factor is a broadcast dimension of
length 1 (what global pooling leaves).

>>> image = Map("input", dims_of([1, 3, 8, 8], first_spatial=2))
>>> flat = image.reshaped([1, 192])
>>> [sorted(flat.axes_in(j)) for j in range(2)]
[[], [0, 1]]
>>> flat.reshaped([1, 3, 8, 8]).dims == image.dims
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, TypeAlias

import sympy

from symrf.errors import NetworkError

Size: TypeAlias = int | sympy.Expr | None
"""A dimension's length: an int, a symbol for a ``dim_param``, or None when unknown."""


class Atom(NamedTuple):
    """One factor of a dimension: spatial axis ``axis`` (None: batch or channel) of ``size``."""

    axis: int | None
    size: Size


Dims: TypeAlias = tuple[tuple[Atom, ...], ...]


def dims_of(shape: Sequence[Size], first_spatial: int) -> Dims:
    """Dims of a tensor whose dimensions ``first_spatial`` and later are the spatial axes.

    >>> dims_of([1, 3, 5], first_spatial=2)
    ((Atom(axis=None, size=1),), (Atom(axis=None, size=3),), (Atom(axis=0, size=5),))
    """
    return tuple(
        (Atom(j - first_spatial if j >= first_spatial else None, size),)
        for j, size in enumerate(shape)
    )


def product(sizes: Sequence[Size]) -> Size:
    """The product of lengths, or None when one is unknown.

    >>> product([2, 3]), product([2, None])
    (6, None)
    """
    if any(size is None for size in sizes):
        return None
    total: int | sympy.Expr = 1
    for size in sizes:
        total = total * size  # type: ignore[operator]  # sizes are ints or sympy expressions
    return total


def as_expr(value: Any) -> sympy.Expr:
    """A length as a sympy expression: sympy values kept, integers (numpy's too) converted.

    Never ``sympify``: nothing read from a model file is parsed as text.

    >>> as_expr(3) + 1
    4
    """
    if isinstance(value, sympy.Basic):
        return value
    return sympy.Integer(int(value))


def _ratio(big: Size, small: Size) -> Size:
    """``big / small`` when both are known: an int, a fraction or an expression."""
    if big is None or small is None:
        return None
    value = sympy.cancel(as_expr(big) / as_expr(small))
    return int(value) if value.is_Integer else value


@dataclass(frozen=True)
class Map:
    """A feature map: the symrf node that computes it and what each of its dimensions holds."""

    node: str
    dims: Dims

    @property
    def rank(self) -> int:
        """The number of ONNX dimensions."""
        return len(self.dims)

    def axes_in(self, dim: int) -> set[int]:
        """The spatial axes whose positions dimension ``dim`` holds."""
        return {atom.axis for atom in self.dims[dim] if atom.axis is not None}

    def axes(self) -> set[int]:
        """Every spatial axis still held somewhere (missing axes were reduced to one unit)."""
        return {axis for j in range(self.rank) for axis in self.axes_in(j)}

    def spatial_dim(self, axis: int) -> int | None:
        """The dimension that holds exactly spatial ``axis`` (and nothing else of size > 1)."""
        for j, atoms in enumerate(self.dims):
            if any(atom.axis == axis for atom in atoms):
                others = [a for a in atoms if a.axis != axis and a.size != 1]
                return None if others else j
        return None

    def sized(self, shape: Sequence[Size] | None) -> Map:
        """The map with each one-factor dimension's length taken from ``shape`` when known."""
        if shape is None or len(shape) != self.rank:
            return self
        dims = tuple(
            (Atom(atoms[0].axis, size),) if len(atoms) == 1 and size is not None else atoms
            for atoms, size in zip(self.dims, shape, strict=True)
        )
        return replace(self, dims=dims)

    def size(self, dim: int) -> Size:
        """The length of dimension ``dim`` (1 for a broadcast dimension)."""
        return product([atom.size for atom in self.dims[dim]])

    def with_dim(self, dim: int, atoms: tuple[Atom, ...]) -> Map:
        """The map with dimension ``dim`` replaced."""
        dims = list(self.dims)
        dims[dim] = atoms
        return replace(self, dims=tuple(dims))

    def permuted(self, perm: Sequence[int]) -> Map:
        """Dimensions in the order ``perm`` (ONNX ``Transpose``)."""
        return replace(self, dims=tuple(self.dims[j] for j in perm))

    def squeezed(self, drop: Sequence[int]) -> Map:
        """Length-1 dimensions ``drop`` removed; a spatial factor in them joins a neighbour."""
        keep = [j for j in range(self.rank) if j not in drop]
        dims = [list(self.dims[j]) for j in keep]
        for j in drop:
            moved = list(self.dims[j])
            if moved and dims:
                target = max((i for i, k in enumerate(keep) if k < j), default=0)
                dims[target].extend(moved)
        return replace(self, dims=tuple(tuple(atoms) for atoms in dims))

    def unsqueezed(self, axes: Sequence[int]) -> Map:
        """Broadcast dimensions inserted at ``axes`` (of the result)."""
        dims = list(self.dims)
        for axis in sorted(axes):
            dims.insert(axis, ())
        return replace(self, dims=tuple(dims))

    def reshaped(self, shape: Sequence[Size]) -> Map:
        """The factors regrouped into dimensions of lengths ``shape`` (row-major order).

        Batch and channel factors may be split; a spatial axis may be merged with others but
        not split (that would move positions, as space-to-depth does).

        Raises:
            NetworkError: A spatial axis would be split, or a length is unknown.
        """
        queue = [atom for atoms in self.dims for atom in atoms]
        dims: list[tuple[Atom, ...]] = []
        for size in shape:
            taken: list[Atom] = []
            while True:
                need = _ratio(size, product([a.size for a in taken]))
                if need is None:
                    raise NetworkError(
                        f"cannot follow positions through a reshape of lengths "
                        f"{self.shape()} to {list(shape)} (a length is unknown); give the "
                        "input size (input_size=...) so every length is known."
                    )
                if need == 1 and not (queue and queue[0].size == 1):
                    break
                if not queue:
                    raise NetworkError(
                        f"a reshape of lengths {self.shape()} to {list(shape)} does not "
                        "keep the number of elements."
                    )
                atom = queue.pop(0)
                part = _ratio(need, atom.size)
                if part is not None and (part == 1 or (isinstance(part, int) and part > 1)
                                         or not isinstance(part, int | sympy.Rational)):
                    taken.append(atom)
                    continue
                if atom.axis is not None or not isinstance(need, int):
                    raise NetworkError(
                        f"a reshape of lengths {self.shape()} to {list(shape)} splits spatial "
                        f"axis {atom.axis} (of length {atom.size}); symrf follows positions "
                        "only through reshapes that keep each spatial axis whole "
                        "(use DepthToSpace/SpaceToDepth for pixel shuffles)."
                    )
                rest = _ratio(atom.size, need)
                if not isinstance(rest, int):
                    raise NetworkError(
                        f"a reshape of lengths {self.shape()} to {list(shape)} splits a "
                        f"dimension of length {atom.size} into parts that do not divide it."
                    )
                taken.append(Atom(None, need))
                queue.insert(0, Atom(None, rest))
            dims.append(tuple(taken))
        leftover = [atom for atom in queue if atom.size != 1]
        if leftover:
            raise NetworkError(
                f"a reshape of lengths {self.shape()} to {list(shape)} does not keep the "
                "number of elements."
            )
        if queue and dims:  # length-1 spatial factors stay with the last dimension
            dims[-1] = dims[-1] + tuple(queue)
        return replace(self, dims=tuple(dims))

    def shape(self) -> list[Size]:
        """The length of every dimension."""
        return [self.size(j) for j in range(self.rank)]


def broadcast(maps: Sequence[Map]) -> Map:
    """The dims of an elementwise result: for each dimension, the held factors of the inputs.

    The first map whose (right-aligned) dimension holds a factor of length other than 1
    provides it; the result's node is the first map's.
    """
    rank = max(m.rank for m in maps)
    dims = []
    for j in range(rank):
        choices = [m.dims[j - rank + m.rank] for m in maps if j - rank + m.rank >= 0]
        held = [atoms for atoms in choices if any(a.size != 1 or a.axis is not None
                                                  for a in atoms)]
        dims.append(held[0] if held else choices[0])
    return Map(maps[0].node, tuple(dims))

