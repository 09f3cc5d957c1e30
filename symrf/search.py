"""Walking a design space: every assignment of the unknowns, checked in vectorised chunks.

A :class:`Space` is the grid of candidate values of each unknown; flat indices number its
assignments, so chunks of it become numpy arrays without a Python loop per assignment. A
*measure* turns a chunk into :class:`Outcome` arrays (does the target hold, is the network
valid, how far the figure is from the bound); :func:`scan` feeds the chunks to reducers that
keep only what the answer needs: the Pareto front (:func:`pareto`), the cheapest
assignments, and the nearest failures on each side of the target.

>>> import numpy as np
>>> pareto(np.array([[3, 1], [1, 3], [2, 2], [3, 3]]), maximise=False).tolist()
[[1, 3], [2, 2], [3, 1]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

CHUNK = 1 << 17
"""Assignments measured per numpy call: large enough to amortise, small enough for memory."""

_COST_TOLERANCE = 1e-9
"""Relative width of the float shortlist of cheapest costs (far above float64 rounding)."""

MASK_LIMIT = 1 << 27
"""Largest space whose Pareto front is found on a boolean grid (one byte per assignment);
larger spaces merge each chunk's hits into the front found so far."""


@dataclass(frozen=True)
class Space:
    """The candidate values of each unknown, ascending; assignments are numbered row-major.

    >>> space = Space(("k", "n"), ((3, 5), (1, 2, 3)))
    >>> space.size, space.assignment(4)
    (6, {'k': 5, 'n': 2})
    """

    names: tuple[str, ...]
    grids: tuple[Sequence[int], ...]
    """Candidates per unknown: ``range`` objects stay lazy, so long ranges cost no memory."""

    @property
    def size(self) -> int:
        """The number of assignments."""
        return math.prod(len(grid) for grid in self.grids)

    @property
    def shape(self) -> tuple[int, ...]:
        """Candidates per unknown."""
        return tuple(len(grid) for grid in self.grids)

    def assignment(self, flat: int) -> dict[str, int]:
        """The assignment numbered ``flat``."""
        values = {}
        for name, grid in zip(reversed(self.names), reversed(self.grids), strict=True):
            flat, position = divmod(int(flat), len(grid))
            values[name] = grid[position]
        return dict(reversed(values.items()))

    def positions(self, flat: Any) -> Any:
        """Grid positions (one column per unknown) of the flat indices ``flat``."""
        import numpy as np

        return np.stack(np.unravel_index(flat, self.shape), axis=-1)

    def chunks(self, size: int | None = None) -> Iterator[tuple[Any, dict[str, Any]]]:
        """Flat indices and value arrays, ``size`` (default :data:`CHUNK`) at a time."""
        import numpy as np

        size = size or CHUNK
        for start in range(0, self.size, size):
            flat = np.arange(start, min(start + size, self.size), dtype=np.int64)
            positions = np.unravel_index(flat, self.shape)
            yield flat, {
                name: _values(grid, position, np)
                for name, grid, position in zip(self.names, self.grids, positions, strict=True)
            }


def _values(grid: Sequence[int], position: Any, np: Any) -> Any:
    """The candidates at ``position`` (an array), computed for a range, looked up otherwise."""
    if isinstance(grid, range):
        return grid.start + grid.step * position.astype(np.int64)
    return np.asarray(grid, dtype=np.int64)[position]


@dataclass(frozen=True)
class Outcome:
    """What a measure says about one chunk: numpy arrays, one entry per assignment."""

    meets: Any
    """The target holds (and the network is valid)."""
    valid: Any
    """The network exists for this assignment (no vanishing feature map, valid layers)."""
    gap: Any
    """``figure - bound`` (float), for reporting the nearest failures."""


Measure = Callable[[Any, dict[str, Any]], Outcome]


@dataclass
class Scan:
    """What :func:`scan` keeps of a whole space (flat indices into it)."""

    front: Any
    """Flat indices of the kept assignments (Pareto front, all matches, or cheapest)."""
    below: int | None = None
    """The failing assignment whose figure is nearest the bound from below (or at it)."""
    above: int | None = None
    """The failing assignment whose figure is nearest the bound from above."""
    gap_below: float = -math.inf
    gap_above: float = math.inf
    valid: int = 0
    """How many assignments give a valid network."""
    invalid: int | None = None
    """The first assignment that gives no valid network, if any."""
    feasible: int = 0
    """How many assignments meet the target."""


class Keep(Enum):
    """What :func:`scan` keeps of the assignments that meet the target."""

    FRONT = "front"
    """The Pareto front: smallest in every unknown (largest when maximising)."""
    ALL = "all"
    """Every one."""
    CHEAPEST = "cheapest"
    """A float shortlist of the least cost, for the caller to decide exactly."""


def scan(
    space: Space, measure: Measure, *, keep: Keep, maximise: bool,
    cost: Callable[[dict[str, Any]], Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Scan:
    """Measure every assignment of ``space`` and keep what the answer needs (see :class:`Keep`).

    ``cost`` maps value arrays to float costs; :attr:`Keep.CHEAPEST` needs it.
    """
    import numpy as np

    result = Scan(np.zeros((0,), dtype=np.int64))
    costs = np.zeros((0,), dtype=np.float64)
    grid = np.zeros(space.size, dtype=bool) if keep is Keep.FRONT and (
        space.size <= MASK_LIMIT) else None
    done = 0
    for flat, arrays in space.chunks():
        outcome = measure(flat, arrays)
        _nearest(result, flat, outcome, np)
        result.valid += int(np.count_nonzero(outcome.valid))
        if result.invalid is None and not np.all(outcome.valid):
            result.invalid = int(flat[np.argmin(outcome.valid)])
        hits = flat[outcome.meets]
        result.feasible += len(hits)
        if keep is Keep.CHEAPEST and cost is not None and len(hits):
            # Floats only shortlist: every cost within rounding of the least is kept, and
            # the caller decides among them exactly.
            spent = cost(arrays)[outcome.meets]
            costs = np.concatenate([costs, np.where(np.isnan(spent), np.inf, spent)])
            result.front = np.concatenate([result.front, hits])
            least = costs.min()
            near = costs <= least + _COST_TOLERANCE * max(1.0, abs(float(least)))
            costs, result.front = costs[near], result.front[near]
        elif keep is Keep.ALL:
            result.front = np.concatenate([result.front, hits])
        elif grid is not None:
            grid[hits] = True
        elif len(hits):
            result.front = front(space, np.concatenate([result.front, hits]), maximise)
        done += len(flat)
        if progress is not None:
            progress(done, space.size)
    if grid is not None:
        result.front = np.flatnonzero(masked_front(grid.reshape(space.shape), maximise))
    return result


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
    """The flat indices among ``flat`` whose assignments form the Pareto front."""
    import numpy as np

    positions = space.positions(flat)
    kept = pareto(positions, maximise)
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
    rows = np.unique(points, axis=0)  # lexicographically sorted, no duplicates
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


def _nearest(result: Scan, flat: Any, outcome: Outcome, np: Any) -> None:
    """Track the failing valid assignments nearest the bound on each side."""
    failing = outcome.valid & ~outcome.meets & ~np.isnan(outcome.gap)
    if not np.any(failing):
        return
    gaps, indices = outcome.gap[failing], flat[failing]
    low = gaps <= 0
    if np.any(low):
        where = int(np.argmax(np.where(low, gaps, -np.inf)))
        if gaps[where] > result.gap_below:
            result.gap_below, result.below = float(gaps[where]), int(indices[where])
    if np.any(~low):
        where = int(np.argmin(np.where(~low, gaps, np.inf)))
        if gaps[where] < result.gap_above:
            result.gap_above, result.above = float(gaps[where]), int(indices[where])


__all__ = ["CHUNK", "MASK_LIMIT", "Keep", "Outcome", "Scan", "Space", "front", "masked_front",
           "pareto", "scan"]
