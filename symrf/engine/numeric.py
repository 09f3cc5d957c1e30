"""The numeric engine: exact figures with ints and Fractions.

:func:`evaluate` substitutes values for the symbols, checks that nothing symbolic is left,
and runs the compiled plan (:mod:`symrf.engine.plan`) or, where the plan does not apply, the
general fold (:mod:`symrf.engine.fold`) eagerly on plain ``int``/``Fraction`` (never sympy
objects, never floats): a few integer operations per layer. Many assignments at once are
:mod:`symrf.engine.sweep`'s.

>>> import symrf
>>> k, s, n = symrf.symbols("k s n")
>>> net = symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n))
>>> evaluate(net, k=3, s=2, n=4).rf
31
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from symrf.engine.fold import analyse
from symrf.engine.plan import compiled
from symrf.engine.report import FIGURES, Report, network
from symrf.engine.symbolic import input_sizes
from symrf.errors import NetworkError, ScalarTypeError
from symrf.layers.base import Layer
from symrf.maths.scalars import exact, is_number, scalar, symbol
from symrf.maths.substitution import Assignment


def bind(values: Mapping[str, object]) -> Assignment:
    """Map symbol names to exact values, ready for ``xreplace`` and the layers' ``substitute``.

    Each value is checked once here; substituting the result into a network converts nothing
    again (:class:`~symrf.maths.substitution.Assignment`).

    >>> bind({"k": 3})
    {k: 3}
    """
    bound = Assignment()
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
    plan = compiled(top)
    if plan is not None:  # a chain of exact whole-number maps: the compiled fast path
        report = plan.report(sizes, size_known=input_size is not None)
        if report is not None:
            return report
    return analyse(top, sizes, exact, eager=True, size_known=input_size is not None)


__all__ = ["FIGURES", "bind", "evaluate"]
