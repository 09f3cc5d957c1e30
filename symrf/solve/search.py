"""Walking a design space: every assignment of the unknowns, checked in vectorised chunks.

A :class:`Space` is the grid of candidate values of each unknown; flat indices number its
assignments, so chunks of it become numpy arrays without a Python loop per assignment. A
*measure* turns a chunk into :class:`Outcome` arrays (does the target hold, is the network
valid, how far the figure is from the bound); :func:`scan` feeds the chunks to reducers that
keep only what the answer needs: the Pareto front (:func:`symrf.solve.pareto.pareto`), the cheapest
assignments, and the nearest failures on each side of the target.

Runs of consecutive assignments scan alone (:func:`scan_block`) and :func:`merge` into what
one scan keeps: inside :func:`searching`, :func:`scan` hands the space to a runner that
splits it so (:mod:`symrf.solve.distributed`, on Dask), and the limit lifts.

The Pareto reductions live in :mod:`symrf.solve.pareto`.

>>> space = Space(("k", "n"), ((3, 5), (1, 2, 3)))
>>> space.size
6
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from symrf.limits import MAX_ASSIGNMENTS, MAX_DISTRIBUTED_ASSIGNMENTS
from symrf.solve.pareto import front, masked_front, pareto

CHUNK = 1 << 17
"""Assignments measured per numpy call: large enough to amortise, small enough for memory."""

_COST_TOLERANCE = 1e-9
"""Relative width of the float shortlist of cheapest costs (far above float64 rounding)."""

BLOCK = 32 * CHUNK
"""Assignments per block where a Pareto front is wanted of a larger space (one process), or
per task on a Dask cluster: a fraction of a second of work."""

MASK_LIMIT = 1 << 27
"""Largest box of a block whose Pareto front is found on a boolean grid (one byte per
assignment); larger ones merge each chunk's hits into the front found so far."""


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

    def chunks(self, size: int | None = None, start: int = 0,
               stop: int | None = None) -> Iterator[tuple[Any, dict[str, Any]]]:
        """Flat indices and value arrays, ``size`` (default :data:`CHUNK`) at a time.

        ``start`` and ``stop`` limit the walk to the assignments numbered ``start..stop-1``.
        """
        import numpy as np

        size = size or CHUNK
        stop = self.size if stop is None else stop
        for first in range(start, stop, size):
            flat = np.arange(first, min(first + size, stop), dtype=np.int64)
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
    costs: Any = None
    """The float cost of each kept assignment (:attr:`Keep.CHEAPEST` only)."""


class Keep(Enum):
    """What :func:`scan` keeps of the assignments that meet the target."""

    FRONT = "front"
    """The Pareto front: smallest in every unknown (largest when maximising)."""
    ALL = "all"
    """Every one."""
    CHEAPEST = "cheapest"
    """A float shortlist of the least cost, for the caller to decide exactly."""


class Runner(Protocol):
    """Scans spaces elsewhere (a Dask cluster): same arguments and result as :func:`scan`."""

    def scan(self, space: Space, measure: Measure, *, keep: Keep, maximise: bool,
             cost: Callable[[dict[str, Any]], Any] | None,
             progress: Callable[[int, int], None] | None) -> Scan:
        """Scan ``space`` as :func:`scan` does and return what it would."""


_RUNNER: ContextVar[Runner | None] = ContextVar("symrf_search_runner", default=None)


@contextmanager
def searching(runner: Runner) -> Iterator[Runner]:
    """Within the block, :func:`scan` hands its spaces to ``runner``; the limit lifts.

    >>> with searching(object()):  # any runner: only the limit is read here
    ...     assignment_limit() > MAX_ASSIGNMENTS
    True
    """
    token = _RUNNER.set(runner)
    try:
        yield runner
    finally:
        _RUNNER.reset(token)


def assignment_limit() -> int:
    """The most assignments one search may hold here: more inside :func:`searching`.

    >>> assignment_limit() == MAX_ASSIGNMENTS
    True
    """
    return MAX_ASSIGNMENTS if _RUNNER.get() is None else MAX_DISTRIBUTED_ASSIGNMENTS


def scan(
    space: Space, measure: Measure, *, keep: Keep, maximise: bool,
    cost: Callable[[dict[str, Any]], Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Scan:
    """Measure every assignment of ``space`` and keep what the answer needs (see :class:`Keep`).

    ``cost`` maps value arrays to float costs; :attr:`Keep.CHEAPEST` needs it. Inside
    :func:`searching` the runner does the work and returns the same result.
    """
    import numpy as np

    runner = _RUNNER.get()
    if runner is not None:
        return runner.scan(space, measure, keep=keep, maximise=maximise, cost=cost,
                           progress=progress)
    if keep is not Keep.FRONT or space.size <= BLOCK:
        return scan_block(space, measure, 0, space.size, keep=keep, maximise=maximise,
                          cost=cost, progress=progress)
    # The fronts of blocks, each read off its own small grid, merged: faster than one grid
    # of the whole space (which stays in cache), and memory stays bounded.
    result = Scan(np.zeros((0,), dtype=np.int64))
    for start in range(0, space.size, BLOCK):
        stop = min(start + BLOCK, space.size)
        found = scan_block(space, measure, start, stop, keep=keep, maximise=maximise)
        result = merge(space, result, found, keep=keep, maximise=maximise)
        if progress is not None:
            progress(stop, space.size)
    return result


def scan_block(space: Space, measure: Measure, start: int, stop: int, *, keep: Keep,
               maximise: bool, cost: Callable[[dict[str, Any]], Any] | None = None,
               progress: Callable[[int, int], None] | None = None) -> Scan:
    """What :func:`scan` keeps of the assignments numbered ``start..stop-1`` alone.

    Memory stays bounded by one chunk plus what is kept; :func:`merge` joins neighbours.
    Fronts are read off a boolean grid of the whole rows of the first unknown that hold the
    run (:func:`masked_front`) when that grid is small, else merged chunk by chunk.

    >>> import numpy as np
    >>> def measure(flat, arrays):  # meets when k + n >= 4
    ...     total = arrays["k"] + arrays["n"]
    ...     return Outcome(total >= 4, np.ones(len(flat), bool), (total - 4).astype(float))
    >>> space = Space(("k", "n"), (range(1, 4), range(1, 4)))
    >>> scan_block(space, measure, 0, 5, keep=Keep.FRONT, maximise=False).front.tolist()
    [2, 4]
    """
    import numpy as np

    result = Scan(np.zeros((0,), dtype=np.int64))
    if space.size == 0 or stop <= start:  # an empty axis or run: nothing to keep
        return result
    inner = space.size // space.shape[0]
    first, last = start // inner, (stop - 1) // inner
    box = (last - first + 1, *space.shape[1:])
    grid = np.zeros(math.prod(box), dtype=bool) if keep is Keep.FRONT and (
        math.prod(box) <= min(MASK_LIMIT, 4 * max(stop - start, CHUNK))) else None
    for flat, arrays in space.chunks(min(CHUNK, max(stop - start, 1)), start, stop):
        _absorb(result, space, flat, arrays, measure(flat, arrays), keep, maximise, cost, grid,
                first * inner)
        if progress is not None:
            progress(int(flat[-1]) + 1 - start, stop - start)
    if grid is not None:
        result.front = np.flatnonzero(masked_front(grid.reshape(box), maximise)) + first * inner
    return result


def merge(space: Space, first: Scan, second: Scan, *, keep: Keep, maximise: bool) -> Scan:
    """What one scan of two neighbouring runs keeps, from their own results (``first`` first).

    Ties go to the earlier assignment, as in :func:`scan`, so a split search gives the same
    answer as one pass.

    >>> import numpy as np
    >>> space = Space(("k", "n"), (range(1, 4), range(1, 4)))
    >>> first, second = Scan(np.array([2, 4]), feasible=2), Scan(np.array([6]), feasible=1)
    >>> merged = merge(space, first, second, keep=Keep.FRONT, maximise=False)
    >>> merged.front.tolist(), merged.feasible
    ([2, 4, 6], 3)
    """
    import numpy as np

    result = Scan(first.front, first.below, first.above, first.gap_below, first.gap_above,
                  first.valid + second.valid,
                  first.invalid if first.invalid is not None else second.invalid,
                  first.feasible + second.feasible, first.costs)
    if second.gap_below > first.gap_below:
        result.below, result.gap_below = second.below, second.gap_below
    if second.gap_above < first.gap_above:
        result.above, result.gap_above = second.above, second.gap_above
    if keep is Keep.ALL:
        result.front = np.concatenate([first.front, second.front])
    elif keep is Keep.CHEAPEST and second.costs is not None:
        costs = second.costs if first.costs is None else np.concatenate(
            [first.costs, second.costs])
        _shortlist(result, np.concatenate([first.front, second.front]), costs)
    elif len(second.front):
        result.front = front(space, np.concatenate([first.front, second.front]), maximise)
    return result


def _absorb(result: Scan, space: Space, flat: Any, arrays: dict[str, Any], outcome: Outcome,
            keep: Keep, maximise: bool, cost: Callable[[dict[str, Any]], Any] | None,
            grid: Any, offset: int = 0) -> None:
    """Fold one measured chunk into ``result``.

    With a ``grid`` (the flat indices from ``offset`` on), hits are marked on it and the
    front is read off later.
    """
    import numpy as np

    _nearest(result, flat, outcome, np)
    result.valid += int(np.count_nonzero(outcome.valid))
    if result.invalid is None and not np.all(outcome.valid):
        result.invalid = int(flat[np.argmin(outcome.valid)])
    hits = flat[outcome.meets]
    result.feasible += len(hits)
    if keep is Keep.CHEAPEST and cost is not None and len(hits):
        spent = cost(arrays)[outcome.meets]
        spent = np.where(np.isnan(spent), np.inf, spent)
        costs = spent if result.costs is None else np.concatenate([result.costs, spent])
        _shortlist(result, np.concatenate([result.front, hits]), costs)
    elif keep is Keep.ALL:
        result.front = np.concatenate([result.front, hits])
    elif grid is not None:
        grid[hits - offset] = True
    elif len(hits):
        result.front = front(space, np.concatenate([result.front, hits]), maximise)


def _shortlist(result: Scan, flat: Any, costs: Any) -> None:
    """Keep the entries of ``flat`` whose cost is within rounding of the least.

    Floats only shortlist; the caller decides exactly. The kept set depends only on the
    least cost seen, so chunk by chunk or merged runs, the same set is kept.
    """
    least = costs.min()
    near = costs <= least + _COST_TOLERANCE * max(1.0, abs(float(least)))
    result.costs, result.front = costs[near], flat[near]


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


__all__ = ["BLOCK", "CHUNK", "MASK_LIMIT", "Keep", "Outcome", "Runner", "Scan", "Space",
           "assignment_limit", "front", "masked_front", "merge", "pareto", "scan", "scan_block",
           "searching"]
