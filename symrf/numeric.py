"""The numeric engine: exact figures with ints and Fractions, and vectorised sweeps.

:func:`evaluate` substitutes values for the symbols, checks that nothing symbolic is left,
and runs the fold of :mod:`symrf.report` eagerly on plain ``int``/``Fraction`` (never sympy
objects, never floats): a few integer operations per layer. :func:`sweep` evaluates one
network for many parameter assignments at once with numpy, from the closed forms of
:func:`symrf.symbolic.derive` compiled once.

>>> import symrf
>>> k, s, n = symrf.symbols("k s n")
>>> net = symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n))
>>> evaluate(net, k=3, s=2, n=4).rf
31
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from symrf.errors import NetworkError, ScalarTypeError
from symrf.layers.base import Layer
from symrf.report import FIGURES, Report, analyse, network
from symrf.scalars import exact, is_number, scalar, symbol
from symrf.symbolic import derive, input_sizes


def bind(values: Mapping[str, object]) -> dict[sympy.Symbol, sympy.Expr]:
    """Map symbol names to exact values, ready for ``xreplace``.

    >>> bind({"k": 3})
    {k: 3}
    """
    bound = {}
    for name, value in values.items():
        number = scalar(value, f"value of {name}")
        if not is_number(number):
            raise ScalarTypeError(f"value of {name} is {number}; give a number.")
        bound[symbol(name)] = sympy.Rational(number)
    return bound


def evaluate(net: Layer, input_size: object = None, **values: object) -> Report:
    """Compute exact figures of ``net`` with every symbol given a value.

    Args:
        net: A layer or ``Sequential``.
        input_size: The input length (int, or one per axis); sizes are reported when given.
        **values: A number for each symbol in the network, e.g. ``k=3``.

    Raises:
        NetworkError: A symbol has no value, or a figure needs the unknown input size.

    >>> import symrf
    >>> report = evaluate(symrf.Conv(kernel=11, stride=4, padding=2), input_size=224)
    >>> report.rf, report.jump, report.size
    (11, 4, 55)
    """
    top = network(net)
    if values:
        top = top.substitute(bind(values))
    missing = sorted(sym.name for sym in top.free_symbols())
    if missing:
        raise NetworkError(
            f"no value for {', '.join(missing)}; pass {missing[0]}=... (or --set "
            f"{missing[0]}=...), or use symrf.derive() for formulas."
        )
    sizes = input_sizes(input_size, top.axes(), [None] * top.axes())
    for size in sizes:
        if size is not None and not is_number(size):
            raise NetworkError(f"input size {size} is symbolic; evaluate needs a number.")
    return analyse(top, sizes, exact, eager=True, size_known=input_size is not None)


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


_SWEPT = ("rf", "jump", "left", "right", "center", "padding", "size")
_EXACT_LIMIT = 2**53


def sweep(net: Layer, input_size: object = None, **values: Any) -> Sweep:
    """Evaluate ``net`` for many assignments at once (numpy arrays broadcast together).

    The closed forms are derived once and compiled with ``sympy.lambdify``; no Python loop
    runs per assignment. Results are integer arrays (``float`` only where a figure is a
    half-integer centre); a result beyond 2**53, where floats stop being exact, raises.

    >>> import numpy as np, symrf
    >>> k, n = symrf.symbols("k n")
    >>> result = sweep(symrf.Repeat(symrf.Conv(kernel=k), times=n), k=np.array([3, 5]), n=4)
    >>> result.rf.tolist()
    [9, 17]
    """
    import numpy as np

    report = derive(net, input_size=input_size)
    arrays = {name: np.asarray(value) for name, value in values.items()}
    symbols = [symbol(name) for name in arrays]
    figures = {}
    for name in _SWEPT:
        if name == "size" and not report.size_known:
            continue
        formula = report.figure(name)
        if report.per_axis:
            raise NetworkError("sweep works on one-axis networks; sweep each axis separately.")
        figures[name] = _compile(formula, symbols, arrays, np)
    if report.size_known:
        # An assignment is valid when no feature map vanishes (every length >= 1).
        lengths = [_compile(row.size, symbols, arrays, np) for row in report.layers]
        figures["valid"] = np.logical_and.reduce([length >= 1 for length in lengths])
    bounded = any(not field.exact for row in report.layers for field in row.axes)
    return Sweep(dict(arrays), figures, exact=not bounded)


def _compile(formula: Any, symbols: list, arrays: dict, np: Any) -> Any:
    missing = sorted(s.name for s in getattr(formula, "free_symbols", ())
                     if s not in symbols)
    if missing:
        raise NetworkError(f"sweep needs values for {', '.join(missing)}.")
    function = sympy.lambdify(symbols, formula, modules="numpy")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = np.broadcast_to(
            np.asarray(function(*[a.astype(np.float64) for a in arrays.values()]),
                       dtype=np.float64),
            np.broadcast(*arrays.values()).shape if arrays else (),
        )
    if np.any(np.abs(result) >= _EXACT_LIMIT):
        raise NetworkError(
            "sweep results exceed 2**53, where floating point stops being exact; use "
            "symrf.evaluate() for these values."
        )
    doubled = result * 2
    if np.all(doubled == np.round(doubled)) and np.all(result == np.round(result)):
        return np.round(result).astype(np.int64)
    return result


__all__ = ["FIGURES", "Sweep", "bind", "evaluate", "sweep"]
