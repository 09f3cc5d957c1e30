"""The two Pareto fronts of :mod:`symrf.solve.search` agree with each other and with brute force."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symrf.solve.pareto import masked_front, pareto
from symrf.solve.search import Space

GRIDS = st.integers(1, 3).flatmap(
    lambda ndim: hnp.arrays(bool, hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=5)))


def brute_force(points: list[tuple[int, ...]], maximise: bool) -> list[tuple[int, ...]]:
    sign = -1 if maximise else 1

    def dominates(q, p):
        return q != p and all(sign * a <= sign * b for a, b in zip(q, p, strict=True))

    return sorted(p for p in points if not any(dominates(q, p) for q in points))


@settings(max_examples=300, deadline=None)
@given(grid=GRIDS, maximise=st.booleans())
def test_grid_front_and_row_front_equal_brute_force(grid, maximise):
    points = [tuple(int(c) for c in p) for p in np.argwhere(grid)]
    expected = brute_force(points, maximise)
    by_grid = sorted(tuple(int(c) for c in p) for p in np.argwhere(masked_front(grid, maximise)))
    assert by_grid == expected
    if points:
        by_rows = sorted(tuple(int(c) for c in p) for p in pareto(np.array(points), maximise))
        assert by_rows == expected


def test_space_numbers_assignments_row_major():
    space = Space(("k", "n"), ((3, 5, 7), (1, 2)))
    flat, arrays = next(space.chunks(4))
    assert flat.tolist() == [0, 1, 2, 3]
    assert arrays["k"].tolist() == [3, 3, 5, 5] and arrays["n"].tolist() == [1, 2, 1, 2]
    assert [space.assignment(i) for i in (0, 5)] == [{"k": 3, "n": 1}, {"k": 7, "n": 2}]
