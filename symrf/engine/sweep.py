"""Vectorised sweeps: one network's figures over many parameter assignments at once.

:func:`sweep` evaluates one network for many parameter assignments at once with numpy, from
the closed forms of :func:`symrf.engine.symbolic.derive` compiled once (:class:`Compiled`);
with ``exact=True`` each assignment goes through the exact numeric path instead
(:class:`symrf.engine.parametric.Evaluator`). With a Dask scheduler the broadcast space is
cut into blocks computed on the workers (:mod:`symrf.engine.cluster`).

>>> import numpy as np, symrf
>>> k, = symrf.symbols("k")
>>> sweep(symrf.Repeat(symrf.Conv(kernel=k), times=2), k=np.array([3, 5])).rf.tolist()
[5, 9]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from symrf.engine.cluster import sweep_blocks
from symrf.engine.parametric import Evaluator
from symrf.engine.symbolic import derive
from symrf.errors import NetworkError, ScalarTypeError, SymrfError, TooLargeError
from symrf.layers.base import Layer
from symrf.limits import MAX_CANDIDATE
from symrf.maths.arguments import integer_arrays
from symrf.maths.scalars import symbol


@dataclass(frozen=True)
class Sweep:
    """Figures of one network over many parameter assignments: one numpy array per figure.

    ``sweep.rf[i]`` is the receptive field for the i-th assignment (after broadcasting).
    With an input size, ``sweep.valid`` marks the assignments where no feature map vanishes
    (elsewhere the figures are those of the formulas, not of a network that exists).
    """

    values: dict[str, Any]
    figures: dict[str, Any]
    exact: bool = True
    """False when the network resamples: the swept formulas are then proven bounds."""

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__.get("figures", {}):
            return self.figures[name]
        raise AttributeError(f"Sweep has no figure {name!r}")


SWEPT = ("rf", "jump", "left", "right", "center", "padding", "size")
"""The figures :func:`sweep` computes (the others need the exact path)."""
_EXACT_LIMIT = 2**53


class Compiled:
    """Closed forms of one network compiled once for numpy; call it on arrays of values.

    Calling it returns float64 arrays, one per figure, plus ``valid`` (no feature map
    vanishes) when the input size is known. They are exact below 2**53; callers decide what
    to do above (:func:`sweep` raises, :func:`symrf.solve.solve` re-checks those exactly).

    >>> import numpy as np, symrf
    >>> k, = symrf.symbols("k")
    >>> compiled = Compiled(symrf.Conv(kernel=k), None, ["k"], ["rf"])
    >>> compiled(k=np.array([3, 5]))["rf"].tolist()
    [3.0, 5.0]
    """

    def __init__(self, net: Layer, input_size: object, names: list[str],
                 figures: tuple[str, ...] | list[str] = SWEPT) -> None:
        report = derive(net, input_size=input_size)
        if report.per_axis:
            raise NetworkError("sweep works on one-axis networks; sweep each axis separately.")
        self.names = list(names)
        self.exact = not any(not field.exact for row in report.layers for field in row.axes)
        """False when the network resamples: the compiled formulas are then proven bounds."""
        symbols = [symbol(name) for name in self.names]
        self._functions = {
            name: _lambdify(report.figure(name), symbols)
            for name in figures
            if name != "size" or report.size_known
        }
        self._lengths = (
            [_lambdify(row.size, symbols) for row in report.layers] if report.size_known else []
        )

    def __call__(self, **arrays: Any) -> dict[str, Any]:
        """Float arrays of each figure (and ``valid``) for the broadcast ``arrays``."""
        import numpy as np

        values = [np.asarray(arrays[name], dtype=np.float64) for name in self.names]
        shape = np.broadcast(*values).shape if values else ()
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            found = {
                name: np.broadcast_to(np.asarray(function(*values), dtype=np.float64), shape)
                for name, function in self._functions.items()
            }
            if self._lengths:
                # An assignment is valid when no feature map vanishes (every length >= 1).
                found["valid"] = np.logical_and.reduce([
                    np.broadcast_to(np.asarray(length(*values)) >= 1, shape)
                    for length in self._lengths
                ])
        return found


def sweep(net: Layer, input_size: object = None, *, scheduler: object = None,
          exact: bool = False, **values: Any) -> Sweep:
    """Evaluate ``net`` for many assignments at once (numpy arrays broadcast together).

    The closed forms are derived once and compiled with ``sympy.lambdify``; no Python loop
    runs per assignment. Results are integer arrays (``float`` only where a figure is a
    half-integer centre); a result beyond 2**53, where floats stop being exact, raises.
    With ``scheduler`` (a ``distributed.Client``, an address ``"tcp://host:8786"`` or
    ``"local"``) the assignments are computed in blocks on a Dask cluster
    (:mod:`symrf.solve.distributed`), with the same result.

    With ``exact=True`` each assignment is evaluated on the exact numeric path instead
    (:class:`symrf.engine.parametric.Evaluator`: each layer compiled once per value of its own
    symbols), one at a time: the figures of networks whose fields depend on position
    (upsampling, transposed convolutions) are then exact, not bounds, and ``rf_min``,
    ``rf_min_path`` and ``period`` are swept too; at most :data:`EXACT_SWEEP` assignments.

    >>> import numpy as np, symrf
    >>> k, n = symrf.symbols("k n")
    >>> result = sweep(symrf.Repeat(symrf.Conv(kernel=k), times=n), k=np.array([3, 5]), n=4)
    >>> result.rf.tolist()
    [9, 17]
    """
    import numpy as np

    arrays = integer_arrays(values, "sweep", MAX_CANDIDATE)
    if exact:
        return _exact_sweep(net, input_size, arrays, np)
    compiled = Compiled(net, input_size, list(arrays))
    empty = bool(arrays) and np.broadcast(*arrays.values()).size == 0
    if scheduler is None or empty:  # nothing to split: no cluster needed
        found = compiled(**arrays)
    else:
        found = sweep_blocks(scheduler, compiled, arrays)
    figures = {name: _checked(result, np) if name != "valid" else result
               for name, result in found.items()}
    return Sweep(dict(arrays), figures, exact=compiled.exact)


EXACT_SWEEP = 10**6
"""Most assignments ``sweep(..., exact=True)`` evaluates (one Python call each)."""
_EXACT_FIGURES = (*SWEPT[:-1], "rf_min", "rf_min_path", "period")


def _exact_sweep(net: Layer, input_size: object, arrays: dict[str, Any], np: Any) -> Sweep:
    """:func:`sweep` on the exact path: every assignment evaluated, figures exact.

    >>> import numpy as np, symrf
    >>> f, = symrf.symbols("f")
    >>> net = symrf.Sequential(symrf.Upsample(factor=f), symrf.Conv(kernel=2))
    >>> result = sweep(net, exact=True, f=np.array([1, 2, 3]))
    >>> result.rf.tolist(), result.rf_min.tolist(), result.period.tolist()
    ([2, 2, 2], [2, 1, 1], [1, 2, 3])
    """
    shape = np.broadcast(*arrays.values()).shape if arrays else ()
    count = int(np.prod(shape))
    if count > EXACT_SWEEP:
        raise TooLargeError(f"sweep(exact=True) of {count} assignments: more than the "
                            f"{EXACT_SWEEP} evaluated one at a time; sweep fewer, or drop "
                            "exact=True for the vectorised closed forms.")
    for name, array in arrays.items():
        if not np.issubdtype(array.dtype, np.integer):
            raise ScalarTypeError(f"sweep(exact=True): {name} holds {array.dtype} values; give "
                                  "whole numbers (an integer array).")
    columns = {name: np.broadcast_to(array, shape) for name, array in arrays.items()}
    names = [*_EXACT_FIGURES, *(("size",) if input_size is not None else ())]
    found = {name: np.empty(shape, dtype=object) for name in names}
    valid = np.ones(shape, dtype=bool)
    evaluator = Evaluator(net)
    for index in np.ndindex(shape):
        assignment = {name: int(column[index]) for name, column in columns.items()}
        try:
            report = evaluator(input_size, assignment)
        except SymrfError:  # no such network (a vanishing map, an invalid parameter)
            valid[index] = False
            continue
        for name in names:
            found[name][index] = report.figure(name)
    figures = {name: _narrowest(array, np) for name, array in found.items()}
    if input_size is not None or not valid.all():
        figures["valid"] = valid
    return Sweep(dict(arrays), figures, exact=True)


def _narrowest(array: Any, np: Any) -> Any:
    """An object array as int64 when every entry is a small int, else as it is."""
    items = array.ravel().tolist()
    if all(type(item) is int and -_EXACT_LIMIT < item < _EXACT_LIMIT for item in items):
        return array.astype(np.int64)
    return array


def _lambdify(formula: Any, symbols: list) -> Any:
    missing = sorted(s.name for s in getattr(formula, "free_symbols", ())
                     if s not in symbols)
    if missing:
        raise NetworkError(f"sweep needs values for {', '.join(missing)}.")
    return sympy.lambdify(symbols, formula, modules="numpy")


def _checked(result: Any, np: Any) -> Any:
    if np.any(~np.isfinite(result)) or np.any(np.abs(result) >= _EXACT_LIMIT):
        raise NetworkError(
            "sweep results exceed 2**53, where floating point stops being exact; use "
            "symrf.evaluate() for these values."
        )
    doubled = result * 2
    if np.all(doubled == np.round(doubled)) and np.all(result == np.round(result)):
        return np.round(result).astype(np.int64)
    return result


__all__ = ["EXACT_SWEEP", "SWEPT", "Compiled", "Sweep", "sweep"]
