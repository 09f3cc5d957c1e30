"""Which tensor dimensions are spatial: followed through every reshape, permute and reduction.

A :class:`Flow` describes one traced tensor: the symrf node whose field it carries, its
shape, and a label per dimension: :data:`BATCH`, :data:`FEATURE` (channels and anything
else that is not a position) or the spatial axis ``i >= 0`` it holds. Labels start on the
example input, ``(batch, feature, 0, 1, ...)``, and each operation moves them: a permute
permutes them, a view splits or merges them. A merge that keeps every spatial dimension on
its own is a relabelling; one that mixes a spatial dimension with others (flatten before a
Linear) leaves no positions: the tensor then depends on the whole input.

>>> regroup((1, 6, 4, 4), (1, 2, 3, 4, 4))
[((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), (4,))]
>>> layout_after_view((BATCH, FEATURE, 0, 1), (1, 6, 4, 4), (1, 2, 3, 4, 4))
(-2, -1, -1, 0, 1)
>>> layout_after_view((BATCH, FEATURE, 0, 1), (1, 6, 4, 4), (1, 96)) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

BATCH = -2
"""Label of the batch dimension."""
FEATURE = -1
"""Label of a non-spatial dimension (channels, groups, heads, ...)."""

Dims = tuple[int, ...]


@dataclass(frozen=True)
class Flow:
    """A traced tensor: the node carrying its field, its shape and its dimension labels.

    ``node`` is ``None`` for tensors that do not depend on the input (weights, constants).
    ``reduced`` marks a tensor whose positions were all pooled away by a global reduction
    (it may have been broadcast back since): merging it into a local map is global context.
    """

    node: str | None
    shape: tuple[int, ...]
    dims: Dims
    reduced: bool = False

    def with_(self, **changes: object) -> Flow:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]  # fields given by name

    def spatial(self) -> dict[int, int]:
        """Spatial axis -> its position among the dimensions."""
        return {label: index for index, label in enumerate(self.dims) if label >= 0}

    def size(self, axis: int) -> int:
        """The length along spatial ``axis`` (1 when the axis has been pooled away)."""
        where = self.spatial().get(axis)
        return 1 if where is None else self.shape[where]


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


def layout_after_view(dims: Dims, before: Sequence[int], after: Sequence[int]) -> Dims | None:
    """Labels after a reshape, or ``None`` when it mixes a position with other dimensions."""
    labels: list[int] = []
    for left, right in regroup(before, after):
        spatial = [d for d in left if dims[d] >= 0 and before[d] > 1]
        if not spatial and len(left) == len(right) == 1 and dims[left[0]] >= 0:
            labels.append(dims[left[0]])  # a spatial axis of length 1 stays itself
            continue
        if not spatial:
            batch = any(dims[d] == BATCH for d in left)
            labels.extend(BATCH if batch and k == right[0] else FEATURE for k in right)
            continue
        big = [k for k in right if after[k] > 1]
        others = [d for d in left if before[d] > 1 and dims[d] < 0]
        if len(spatial) != 1 or others or len(big) != 1:
            return None
        labels.extend(dims[spatial[0]] if k == big[0] else FEATURE for k in right)
    return tuple(labels)


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


def broadcast(flows: Sequence[Flow], shape: Sequence[int]) -> Dims:
    """Labels of a broadcast result: from the right, a spatial label wins over the others."""
    labels = [FEATURE] * len(shape)
    for flow in flows:
        offset = len(shape) - len(flow.dims)
        for index, label in enumerate(flow.dims):
            if label != FEATURE and (labels[offset + index] == FEATURE or label >= 0):
                labels[offset + index] = label
    return tuple(labels)


def volume(shape: Sequence[int]) -> int:
    """Number of elements."""
    return math.prod(shape)
