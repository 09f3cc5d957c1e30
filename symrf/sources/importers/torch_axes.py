"""Which tensor dimensions are spatial: followed through every reshape, permute and reduction.

A :class:`Flow` describes one traced tensor: the symrf node whose field it carries, its
shape, and a label per dimension: :data:`BATCH`, :data:`FEATURE` (channels and anything
else that is not a position), the spatial axis ``i >= 0`` it holds, :data:`TOKENS` (every
spatial axis flattened into one, in order: a transformer's sequence) or :data:`MIXED`
(positions mixed with other dimensions, or split across several). Labels start on the
example input, ``(batch, feature, 0, 1, ...)``, and each operation moves them: a permute
permutes them, a view splits or merges them (:func:`after_view`):

- a dimension that keeps one spatial axis on its own keeps its label;
- the spatial axes flattened in order into one dimension (``x.flatten(2)``, a ViT's patch
  embedding) become :data:`TOKENS`, and a :data:`TOKENS` dimension split back into the
  grid's lengths (``x.reshape(B, H, W, C)``) gets the axes back: a token keeps its field;
- anything else that moves positions (a flatten of channels and positions before a
  classifier, a window partition) labels the dimensions holding them :data:`MIXED`. Only
  an operation that reads every position at once (a ``Linear`` over the single
  :data:`MIXED` dimension, a mean over it) may follow: then the tensor depends on the whole
  input. Anything else is refused, never guessed.

>>> regroup((1, 6, 4, 4), (1, 2, 3, 4, 4))
[((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), (4,))]
>>> image = Flow("conv", (1, 6, 4, 4), (BATCH, FEATURE, 0, 1))
>>> after_view(image, (1, 2, 3, 4, 4))
((-2, -1, -1, 0, 1), ())
>>> after_view(image, (1, 6, 16))
((-2, -1, -3), (4, 4))
>>> after_view(image, (1, 96))
((-2, -4), (4, 4))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

BATCH = -2
"""Label of the batch dimension."""
FEATURE = -1
"""Label of a non-spatial dimension (channels, groups, heads, ...)."""
TOKENS = -3
"""Label of a dimension holding every spatial axis flattened in order (row-major)."""
MIXED = -4
"""Label of a dimension holding positions in an order symrf does not follow."""

Dims = tuple[int, ...]


def is_position(label: int) -> bool:
    """Whether a dimension with this label holds positions."""
    return label >= 0 or label in (TOKENS, MIXED)


@dataclass(frozen=True)
class Flow:
    """A traced tensor: the node carrying its field, its shape and its dimension labels.

    ``node`` is ``None`` for tensors that do not depend on the input (weights, constants).
    ``reduced`` marks a tensor whose positions were all pooled away by a global reduction
    (it may have been broadcast back since): merging it into a local map is global context.
    ``grid`` is the length of each spatial axis while positions are held as tokens, mixed,
    or (``whole``) no longer told apart; ``extra`` counts the leading tokens that hold no
    position (a class token); ``whole`` marks a tensor every entry of which reads the whole
    map of ``node`` (after attention); ``mixed`` names the call that mixed its positions.
    """

    node: str | None
    shape: tuple[int, ...]
    dims: Dims
    reduced: bool = False
    grid: tuple[int, ...] = ()
    extra: int = 0
    whole: bool = False
    mixed: str = ""

    def with_(self, **changes: object) -> Flow:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]  # fields given by name

    def spatial(self) -> dict[int, int]:
        """Spatial axis -> its position among the dimensions."""
        return {label: index for index, label in enumerate(self.dims) if label >= 0}

    def positions(self) -> list[int]:
        """The dimensions that hold positions (of length > 1)."""
        return [index for index, label in enumerate(self.dims)
                if is_position(label) and self.shape[index] > 1]

    def size(self, axis: int) -> int:
        """The length along spatial ``axis`` (1 when the axis has been pooled away)."""
        where = self.spatial().get(axis)
        if where is not None:
            return self.shape[where]
        return self.grid[axis] if axis < len(self.grid) else 1

    def tokens(self) -> int | None:
        """The position of the :data:`TOKENS` dimension, if any."""
        return self.dims.index(TOKENS) if TOKENS in self.dims else None


def regroup(before: Sequence[int], after: Sequence[int]) -> list[tuple[Dims, Dims]]:
    """Pair minimal groups of dimensions with equal products across a reshape.

    Leftover dimensions of size 1 form groups with nothing on the other side.
    """
    groups: list[tuple[Dims, Dims]] = []
    i = j = 0
    while i < len(before) or j < len(after):
        left, right, a, b = [], [], 1, 1
        if i < len(before):
            left, a, i = [i], before[i], i + 1
        if j < len(after):
            right, b, j = [j], after[j], j + 1
        while a != b:
            if a < b and i < len(before):
                left.append(i)
                a, i = a * before[i], i + 1
            elif b < a and j < len(after):
                right.append(j)
                b, j = b * after[j], j + 1
            else:
                raise ValueError(f"cannot reshape {tuple(before)} into {tuple(after)}")
        groups.append((tuple(left), tuple(right)))
    return groups


def after_view(flow: Flow, after: Sequence[int]) -> tuple[Dims, tuple[int, ...]]:
    """Labels after a reshape of ``flow`` to ``after``, and the grid they hold as tokens.

    Each minimal group of dimensions with equal products (:func:`regroup`) is relabelled
    on its own; the grid is the map's per-axis lengths when the result holds positions as
    :data:`TOKENS` or :data:`MIXED` (``()`` otherwise).
    """
    dims, before = flow.dims, flow.shape
    scrambled = FEATURE if flow.whole else MIXED  # every entry reads everything anyway
    axes = sorted(label for label in dims if label >= 0)
    big_axes = [a for a in axes if before[dims.index(a)] > 1]
    grid = flow.grid or tuple(flow.size(axis) for axis in range(max(axes, default=-1) + 1))
    labels: list[int] = []
    for left, right in regroup(before, after):
        held = [d for d in left if is_position(dims[d]) and before[d] > 1]
        big = [k for k in right if after[k] > 1]
        others = [d for d in left if before[d] > 1 and not is_position(dims[d])]
        if not held:
            if len(left) == len(right) == 1 and is_position(dims[left[0]]):
                labels.append(dims[left[0]])  # a position of length 1 stays itself
                continue
            batch = any(dims[d] == BATCH for d in left)
            labels.extend(BATCH if batch and k == right[0] else FEATURE for k in right)
            continue
        if others or len(big) == 0:
            labels.extend(scrambled if after[k] > 1 else FEATURE for k in right)
            continue
        kinds = [dims[d] for d in held]
        if len(held) == 1 and len(big) == 1:  # one dimension of positions, moved whole
            labels.extend(kinds[0] if k == big[0] else FEATURE for k in right)
        elif len(big) == 1 and kinds == big_axes and TOKENS not in dims and MIXED not in dims:
            labels.extend(TOKENS if k == big[0] else FEATURE for k in right)
        elif (kinds == [TOKENS] and not flow.extra
              and [after[k] for k in big] == [length for length in grid if length > 1]):
            spread = iter(a for a, length in enumerate(grid) if length > 1)
            labels.extend(next(spread) if after[k] > 1 else FEATURE for k in right)
        else:
            labels.extend(scrambled if after[k] > 1 else FEATURE for k in right)
    result = tuple(labels)
    keeps = any(label in (TOKENS, MIXED) for label in result) or (flow.whole and not any(
        label >= 0 for label in result))
    return result, (grid if keeps else ())


def pooled_map(flow: Flow, dims: Dims, shape: Sequence[int], axes: int) -> Dims:
    """Labels of a reshape of ``flow``; a pooled vector viewed as a 1x1 map gets its axes.

    An SE gate written ``x.mean((2, 3)).view(n, c, 1, 1)`` has no positions left after the
    mean; its last ``axes`` dimensions of length 1 are then the spatial axes of a 1x1 map, so
    that a convolution on it maps like one on ``AdaptiveAvgPool2d(1)``'s output.

    >>> pooled = Flow("pool", (1, 8), (BATCH, FEATURE), reduced=True)
    >>> pooled_map(pooled, (BATCH, FEATURE, FEATURE, FEATURE), (1, 8, 1, 1), 2)
    (-2, -1, 0, 1)
    """
    if (not flow.reduced or any(label >= 0 for label in dims) or len(dims) < axes + 2
            or any(length != 1 for length in shape[len(shape) - axes:])
            or any(label != FEATURE for label in dims[len(dims) - axes:])):
        return dims
    return dims[: len(dims) - axes] + tuple(range(axes))


def permuted(dims: Dims, order: Sequence[int]) -> Dims:
    """Labels after ``permute(order)``.

    >>> permuted((BATCH, FEATURE, 0, 1), (0, 2, 3, 1))
    (-2, 0, 1, -1)
    """
    return tuple(dims[i % len(dims)] for i in order)


_RANK = {FEATURE: 0, BATCH: 1, MIXED: 2, TOKENS: 3}
"""Which label a broadcast keeps: a spatial axis over tokens over mixed positions over the
batch over features."""


def broadcast(flows: Sequence[Flow], shape: Sequence[int]) -> Dims:
    """Labels of a broadcast result, aligned from the right: the most telling label wins.

    >>> grid = Flow("conv", (1, 8, 4, 4), (BATCH, FEATURE, 0, 1))
    >>> mixed = Flow("view", (1, 8, 4, 4), (BATCH, MIXED, MIXED, MIXED))
    >>> broadcast([mixed, grid], (1, 8, 4, 4))
    (-2, -4, 0, 1)
    """
    labels = [FEATURE] * len(shape)
    for flow in flows:
        offset = len(shape) - len(flow.dims)
        for index, label in enumerate(flow.dims):
            if _RANK.get(label, 4) > _RANK.get(labels[offset + index], 4):
                labels[offset + index] = label
    return tuple(labels)


def volume(shape: Sequence[int]) -> int:
    """Number of elements."""
    return math.prod(shape)
