"""Measuring chunks of a design space against a target: vectorised, or one at a time.

:func:`vector_measure` evaluates compiled closed forms on numpy arrays. Floats are exact
below 2**53; where a figure or bound is larger and too close to call, or not a number at
all, that assignment is re-checked exactly, so a decision is never a float's guess.
:func:`exact_measure` checks each assignment with :func:`symrf.engine.numeric.evaluate`: it serves
figures without a vectorised form (``rf_min``, ``period``...) and resampling networks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sympy

from symrf.errors import SymrfError, TooLargeError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.layers.parallel import Parallel
from symrf.layers.repeat import Repeat
from symrf.maths.algebra import whole
from symrf.maths.scalars import expression, symbol
from symrf.solve.search import Outcome, Space

if TYPE_CHECKING:
    from symrf.engine.sweep import Compiled
    from symrf.solve.question import Question

_FLOAT_EXACT = 2.0**53
_CLEAR = 2.0**-30
"""Relative gap beyond which float rounding cannot flip a comparison."""
_CLOSE = 1e-9
"""Relative gap within which a comparison with a fractional bound is decided exactly."""
CHECKED_COMBINATIONS = 20_000
"""Most value combinations one layer is rebuilt for by :func:`layer_checks`."""
UNDECIDED_LIMIT = 50_000
"""Most assignments re-checked exactly because floats could not decide them."""


def vector_measure(problem: Question, compiled: Compiled, space: Space) -> Any:
    """A measure from compiled closed forms, with an exact fallback per undecided entry."""
    import numpy as np

    symbols = [symbol(name) for name in problem.names]
    bound = sympy.lambdify(symbols, problem.bound, modules="numpy")
    relation, figure = problem.target.relation, problem.target.figure
    # Figures are integers (or halves); a bound with fractions can sit within float rounding
    # of one, so near-equal comparisons against such a bound are decided exactly.
    whole_bound = whole(expression(problem.bound))
    rechecked = [0]
    checks = layer_checks(problem, space)

    def measure(flat: Any, arrays: dict[str, Any]) -> Outcome:
        found = compiled(**arrays)
        values = found[figure]
        columns = [arrays[name].astype(np.float64) for name in problem.names]
        with np.errstate(all="ignore"):
            limit = np.broadcast_to(np.asarray(bound(*columns), dtype=np.float64), values.shape)
            valid = found.get("valid", np.ones(values.shape, dtype=bool)).copy()
            if checks:  # layer parameters the closed forms cannot judge
                positions = dict(zip(space.names, np.unravel_index(flat, space.shape),
                                     strict=True))
                for names, table in checks:
                    valid &= table[tuple(positions[name] for name in names)]
            meets = valid & relation.holds(values, limit)
            gap = values - limit
            scale = np.maximum(np.abs(values), np.abs(limit))
            decided = (scale < _FLOAT_EXACT) | (np.abs(gap) > scale * _CLEAR) | (
                np.isinf(values) & np.isfinite(limit))
            decided &= ~np.isnan(values) & ~np.isnan(limit)
            if not whole_bound:
                decided &= np.abs(gap) > _CLOSE * np.maximum(1.0, scale)
        for position in np.flatnonzero(~decided):
            rechecked[0] += 1
            if rechecked[0] > UNDECIDED_LIMIT:
                raise TooLargeError(
                    f"more than {UNDECIDED_LIMIT} assignments have figures beyond 2**53, "
                    "where floats stop being exact, and need checking one at a time; narrow "
                    "the ranges with --range."
                )
            _exactly(problem, arrays, int(position), meets, valid, gap)
        return Outcome(meets, valid, gap)

    return measure


def layer_checks(problem: Question, space: Space) -> list[tuple[tuple[str, ...], Any]]:
    """Which values of the unknowns each layer accepts, as boolean tables over their grids.

    A layer rejects provably invalid parameters when it is built (a half-integer padding, a
    dilation below 1); closed forms cannot see that. For each parameter of each leaf layer,
    the layer is rebuilt with the unknowns of that parameter set to every combination of
    their candidates (the other unknowns stay symbols, which never fail), up to
    :data:`CHECKED_COMBINATIONS` per parameter. What this misses (rules that tie parameters
    with different unknowns) the exact re-check of every answer still catches.
    """
    import numpy as np

    grids = dict(zip(space.names, space.grids, strict=True))
    tables: dict[tuple[str, ...], Any] = {}
    seen: set[tuple[Layer, tuple[str, ...]]] = set()
    for leaf in _leaves(problem.net):
        for value in leaf.params().values():
            found: set[sympy.Basic] = set()
            for item in value if isinstance(value, tuple) else (value,):
                found |= getattr(item, "free_symbols", set())
            names = tuple(n for n in space.names if symbol(n) in found)
            shape = tuple(len(grids[n]) for n in names)
            if names and (leaf, names) not in seen and math.prod(shape) <= CHECKED_COMBINATIONS:
                seen.add((leaf, names))
                table = tables.setdefault(names, np.ones(shape, dtype=bool))
                _check_layer(leaf, names, grids, table, np)
    return list(tables.items())


def _check_layer(leaf: Layer, names: tuple[str, ...], grids: Mapping[str, Sequence[int]],
                 table: Any, np: Any) -> None:
    """Mark in ``table`` the combinations of ``names`` for which ``leaf`` cannot be built."""
    for position in np.ndindex(*table.shape):
        if not table[position]:
            continue
        values = {symbol(n): sympy.Integer(grids[n][p]) for n, p in zip(names, position,
                                                                       strict=True)}
        try:
            leaf.substitute(values)
        except SymrfError:
            table[position] = False


def _leaves(layer: Layer | None) -> Iterator[Layer]:
    if layer is None:
        return
    if isinstance(layer, Sequential):
        for item in layer.layers:
            yield from _leaves(item)
    elif isinstance(layer, Repeat):
        yield from _leaves(layer.block)
    elif isinstance(layer, Parallel):
        for branch in layer.branches:
            yield from _leaves(branch)
    elif isinstance(layer, Graph):
        for node in layer.nodes:
            yield from _leaves(node.layer)
    else:
        yield layer


def exact_measure(problem: Question) -> Any:
    """A measure that evaluates each assignment exactly (no vectorised form needed)."""
    import numpy as np

    def measure(flat: Any, arrays: dict[str, Any]) -> Outcome:
        meets = np.zeros(len(flat), dtype=bool)
        valid = np.zeros(len(flat), dtype=bool)
        gap = np.full(len(flat), np.nan)
        for position in range(len(flat)):
            _exactly(problem, arrays, position, meets, valid, gap)
        return Outcome(meets, valid, gap)

    return measure


def cost_function(names: list[str], cost: Any) -> Any:
    """The cost compiled for numpy: value arrays by name in, float costs out.

    >>> import numpy as np
    >>> from symrf.maths.scalars import symbols
    >>> k, n = symbols("k n")
    >>> cost_function(["k", "n"], n * k**2)({"k": np.array([3, 5]), "n": np.array([2, 2])})
    array([18., 50.])
    """
    import numpy as np

    function = sympy.lambdify([symbol(name) for name in names], cost, modules="numpy")

    def spent(arrays: dict[str, Any]) -> Any:
        columns = [np.asarray(arrays[name], dtype=np.float64) for name in names]
        with np.errstate(all="ignore"):
            found = np.asarray(function(*columns), dtype=np.float64)
        return np.broadcast_to(found, np.broadcast(*columns).shape)

    return spent


def _exactly(problem: Question, arrays: dict[str, Any], position: int, meets: Any,
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
        if bound is not None:  # the gap on the axis that misses the bound by the least
            gap[position] = min((_float(item - bound) for item in items), key=abs)


def _float(number: Any) -> float:
    """A float for reporting distances; beyond the float range, an infinity of its sign."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf
