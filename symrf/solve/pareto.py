"""Pareto fronts of design-space assignments: on a boolean grid, or over rows of values.

:func:`masked_front` reduces a whole grid of feasible assignments at once with prefix ORs;
:func:`front` and :func:`pareto` reduce lists of assignments (flat indices of a
:class:`~symrf.solve.search.Space`, or rows of values) by one sorted pass.

>>> import numpy as np
>>> pareto(np.array([[3, 1], [1, 3], [2, 2], [3, 3]]), maximise=False).tolist()
[[1, 3], [2, 2], [3, 1]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symrf.solve.search import Space


def masked_front(feasible: Any, maximise: bool) -> Any:
    """The Pareto front of a boolean grid of feasible assignments, as a boolean grid.

    An assignment is dominated when some feasible one is at most as large in every unknown
    and smaller in at least one, that is, when one lies at or below the point one step
    down some axis. Prefix ORs along every axis find "some feasible point at or below" for
    all points at once; shifting by one step per axis makes the comparison strict.

    >>> import numpy as np
    >>> masked_front(np.array([[0, 1, 1], [1, 1, 1]], dtype=bool), maximise=False).tolist()
    [[False, True, False], [True, False, False]]
    """
    import numpy as np

    if maximise:
        flipped = tuple(slice(None, None, -1) for _ in range(feasible.ndim))
        return masked_front(feasible[flipped], False)[flipped]
    below = feasible.copy()
    for axis in range(feasible.ndim):
        np.logical_or.accumulate(below, axis=axis, out=below)
    dominated = np.zeros_like(feasible)
    for axis in range(feasible.ndim):
        ahead = [slice(None)] * feasible.ndim
        behind = [slice(None)] * feasible.ndim
        ahead[axis], behind[axis] = slice(1, None), slice(None, -1)
        dominated[tuple(ahead)] |= below[tuple(behind)]
    return feasible & ~dominated


def front(space: Space, flat: Any, maximise: bool) -> Any:
    """The flat indices among ``flat`` whose assignments form the Pareto front, ascending.

    Sorted flat indices unravel to lexicographically sorted grid positions, so the rows need
    no sorting of their own (the slow part of :func:`pareto` on many rows).
    """
    import numpy as np

    positions = space.positions(np.unique(np.asarray(flat, dtype=np.int64)))
    # Maximising: negated and reversed, the rows are sorted again.
    kept = -_sorted_front(-positions[::-1])[::-1] if maximise else _sorted_front(positions)
    return np.ravel_multi_index(tuple(kept.T), space.shape)


def pareto(points: Any, maximise: bool) -> Any:
    """The rows of ``points`` (integers) that no other row dominates, sorted.

    A row dominates another when it is at most as large in every column (at least as large
    when ``maximise``) and differs. Rows are sorted, then each is compared only with the
    front found before it: no earlier row can be dominated by a later one.

    >>> import numpy as np
    >>> pareto(np.array([[1, 1], [0, 2], [2, 0]]), maximise=True).tolist()
    [[0, 2], [1, 1], [2, 0]]
    """
    import numpy as np

    if maximise:
        return -pareto(-points, False)[::-1]
    return _sorted_front(np.unique(points, axis=0))  # lexicographically sorted, no duplicates


def _sorted_front(rows: Any) -> Any:
    """:func:`pareto` (minimising) of rows already sorted lexicographically, without repeats."""
    import numpy as np

    if len(rows) == 0 or rows.shape[1] == 1:
        return rows[:1]
    # Within rows sharing all columns but the last, only the first (least last) can survive.
    first = np.ones(len(rows), dtype=bool)
    first[1:] = np.any(rows[1:, :-1] != rows[:-1, :-1], axis=1)
    rows = rows[first]
    if rows.shape[1] == 2:  # survivors improve on every earlier row's second column
        least = np.minimum.accumulate(rows[:, 1])
        keep = np.ones(len(rows), dtype=bool)
        keep[1:] = rows[1:, 1] < least[:-1]
        return rows[keep]
    kept = np.empty_like(rows)
    count = 0
    for row in rows:
        if count == 0 or not np.any(np.all(kept[:count] <= row, axis=1)):
            kept[count] = row
            count += 1
    return kept[:count]
