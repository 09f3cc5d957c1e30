"""Measuring chunks of a design space against a target: vectorised, or one at a time.

:func:`vector_measure` evaluates compiled closed forms on numpy arrays. Floats are exact
below 2**53; where a figure or bound is larger and too close to call, or not a number at
all, that assignment is re-checked exactly, so a decision is never a float's guess.
:func:`exact_measure` checks each assignment with :func:`symrf.numeric.evaluate`: it serves
figures without a vectorised form (``rf_min``, ``period``...) and resampling networks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy

from symrf.errors import TooLargeError
from symrf.scalars import symbol
from symrf.search import Outcome

if TYPE_CHECKING:
    from symrf.numeric import Compiled
    from symrf.solve import _Problem

_FLOAT_EXACT = 2.0**53
_CLEAR = 2.0**-30
"""Relative gap beyond which float rounding cannot flip a comparison."""
UNDECIDED_LIMIT = 50_000
"""Most assignments re-checked exactly because floats could not decide them."""


def vector_measure(problem: _Problem, compiled: Compiled) -> Any:
    """A measure from compiled closed forms, with an exact fallback per undecided entry."""
    import numpy as np

    symbols = [symbol(name) for name in problem.names]
    bound = sympy.lambdify(symbols, problem.bound, modules="numpy")
    cost = None if problem.cost is None else sympy.lambdify(symbols, problem.cost,
                                                            modules="numpy")
    relation, figure = problem.target.relation, problem.target.figure
    rechecked = [0]

    def measure(flat: Any, arrays: dict[str, Any]) -> Outcome:
        found = compiled(**arrays)
        values = found[figure]
        columns = [arrays[name].astype(np.float64) for name in problem.names]
        with np.errstate(invalid="ignore", over="ignore"):
            limit = np.broadcast_to(np.asarray(bound(*columns), dtype=np.float64), values.shape)
            valid = found.get("valid", np.ones(values.shape, dtype=bool)).copy()
            meets = valid & relation.holds(values, limit)
            gap = values - limit
            scale = np.maximum(np.abs(values), np.abs(limit))
            decided = (scale < _FLOAT_EXACT) | (np.abs(gap) > scale * _CLEAR) | (
                np.isinf(values) & np.isfinite(limit))
            decided &= ~np.isnan(values) & ~np.isnan(limit)
        spent = cost(*columns) if cost is not None else None
        for position in np.flatnonzero(~decided):
            rechecked[0] += 1
            if rechecked[0] > UNDECIDED_LIMIT:
                raise TooLargeError(
                    f"more than {UNDECIDED_LIMIT} assignments have figures beyond 2**53, "
                    "where floats stop being exact, and need checking one at a time; narrow "
                    "the ranges with --range."
                )
            _exactly(problem, arrays, int(position), meets, valid, gap)
        return Outcome(meets, valid, gap, _costs(spent, values.shape, np))

    return measure


def exact_measure(problem: _Problem) -> Any:
    """A measure that evaluates each assignment exactly (no vectorised form needed)."""
    import numpy as np

    symbols = [symbol(name) for name in problem.names]
    cost = None if problem.cost is None else sympy.lambdify(symbols, problem.cost,
                                                            modules="numpy")

    def measure(flat: Any, arrays: dict[str, Any]) -> Outcome:
        meets = np.zeros(len(flat), dtype=bool)
        valid = np.zeros(len(flat), dtype=bool)
        gap = np.full(len(flat), np.nan)
        for position in range(len(flat)):
            _exactly(problem, arrays, position, meets, valid, gap)
        columns = [arrays[name].astype(np.float64) for name in problem.names]
        spent = cost(*columns) if cost is not None else None
        return Outcome(meets, valid, gap, _costs(spent, (len(flat),), np))

    return measure


def _exactly(problem: _Problem, arrays: dict[str, Any], position: int, meets: Any,
             valid: Any, gap: Any) -> None:
    """Fill entry ``position`` of the outcome arrays from the exact numeric path."""
    assignment = {name: int(arrays[name][position]) for name in problem.names}
    solution = problem.check(assignment)
    valid[position] = solution.error is None
    meets[position] = problem.meets(solution)
    if solution.error is None:
        found = solution.figures[problem.target.figure]
        items = found if isinstance(found, tuple) else (found,)
        bound = problem.bound_at(assignment)
        gaps = [float(item - bound) for item in items]
        gap[position] = max(gaps, key=abs)


def _costs(spent: Any, shape: tuple[int, ...], np: Any) -> Any:
    if spent is None:
        return None
    return np.broadcast_to(np.asarray(spent, dtype=np.float64), shape)
