"""The engine: choosing exact numbers when everything is known, closed forms otherwise.

The engine floor (this package) owns the fold, the compiled plan, the exact and symbolic
engines, the results (Field, rows, Report), sweeps and coverage; it imports only layers,
maths, limits and errors.

:func:`analyze` is what the command line and the exporters call: it substitutes the given
values, then runs :func:`symrf.engine.numeric.evaluate` when no symbol is left (and no figure needs
an unknown input size), and :func:`symrf.engine.symbolic.derive` otherwise.

>>> import symrf
>>> k, = symrf.symbols("k")
>>> net = symrf.Sequential(symrf.Conv(kernel=k), symrf.Conv(kernel=3))
>>> analyze(net).rf, analyze(net, values={"k": 5}).rf
(k + 2, 7)
"""

from __future__ import annotations

from collections.abc import Mapping

from symrf.engine.numeric import bind, evaluate
from symrf.engine.report import Report, network
from symrf.engine.symbolic import derive
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.maths.arguments import named_values
from symrf.maths.scalars import Scalar, is_number, scalar, symbol
from symrf.maths.substitution import assignment


def analyze(
    net: Layer, input_size: object = None, values: Mapping[str, Scalar] | None = None
) -> Report:
    """Figures of ``net`` with ``values`` substituted: exact numbers if possible, else formulas.

    Args:
        net: The network.
        input_size: The input length (int, expression, or one per axis), if known.
        values: Numbers or expressions for some or all symbols, by name.
    """
    top = with_values(net, values)  # None, or checked to be a mapping there
    sizes = input_size if isinstance(input_size, tuple) else (input_size,)
    concrete = not top.free_symbols() and all(s is None or is_number(s) for s in sizes)
    if concrete and (input_size is not None or not _needs_size(top)):
        return evaluate(top, input_size=input_size)
    return derive(top, input_size=input_size)


def with_values(net: Layer, values: Mapping[str, Scalar] | None) -> Sequential | Graph:
    """``net`` as a network with ``values`` substituted: numbers exactly, then expressions.

    >>> import symrf
    >>> k, m = symrf.symbols("k m")
    >>> with_values(symrf.Conv(kernel=k), {"k": 2*m + 1}).layers[0].kernel
    2*m + 1
    """
    top, values = network(net), named_values(values)
    numbers = {name: value for name, value in values.items() if is_number(value)}
    formulas = assignment({symbol(name): scalar(value, name) for name, value in values.items()
                           if name not in numbers})
    if numbers:
        top = top.substitute(bind(numbers))
    if formulas:
        top = top.substitute(formulas)
    return top


def _needs_size(net: Layer) -> bool:
    axes = net.axes()
    if axes == 1:  # no per-axis parameter: the network is its own one axis (no copy)
        return net.size_dependent
    return any(net.axis(i).size_dependent for i in range(axes))
