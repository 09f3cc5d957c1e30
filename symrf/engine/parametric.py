"""One network evaluated for many assignments of its symbols, at the compiled plan's speed.

The solver's exact path and :func:`symrf.engine.sweep.sweep` of networks without a vectorised form
check candidates one at a time. :func:`symrf.engine.numeric.evaluate` would substitute the values
into the whole network for each (sympy on every parameter) and compile a fresh plan. Here
each top-level layer is substituted and compiled once per combination of the values of *its
own* symbols (a search over ``k`` rebuilds only the layers with ``k``, once per ``k``), and
the plan's loop runs over the cached parts.

Networks outside the plan's class (resampling, graphs) and every failure go through
:func:`~symrf.engine.numeric.evaluate`, which stays the reference and words the errors.

>>> import symrf
>>> k, = symrf.symbols("k")
>>> net = symrf.Sequential(symrf.Conv(kernel=k, stride=2), symrf.Conv(kernel=3))
>>> evaluator = Evaluator(net)
>>> [evaluator(None, {"k": value}).rf for value in (3, 5)]
[7, 9]
"""

from __future__ import annotations

from collections.abc import Mapping

from symrf.engine.numeric import bind, evaluate
from symrf.engine.plan import MEMO, Part, Plan, part
from symrf.engine.report import Report, network
from symrf.engine.symbolic import input_sizes
from symrf.errors import SymrfError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.maths.scalars import is_number

_MISSING = object()
"""A cache miss (``None`` is a cached answer: outside the plan)."""


class Evaluator:
    """Evaluate ``net`` for assignments of its symbols (``evaluator(size, values)``)."""

    def __init__(self, net: Layer) -> None:
        self.top = network(net)
        self.count = self.top.axes()
        layers = self.top.layers if isinstance(self.top, Sequential) else ()
        self.names = [tuple(sorted(s.name for s in layer.free_symbols())) for layer in layers]
        # Equal layers (the blocks of a ResNet stage) share their compiled parts.
        distinct: dict[Layer, int] = {}
        self.slots = [distinct.setdefault(layer, len(distinct)) for layer in layers]
        self.parts: list[dict[tuple[object, ...], tuple[Layer, Part] | None]] = [
            {} for _ in distinct]
        self.symbols = {name for names in self.names for name in names}
        self.planned = bool(layers)
        """False once a layer proved to have no compiled form (resampling): evaluate then."""

    def __call__(self, input_size: object, values: Mapping[str, object]) -> Report:
        """The report of the network with ``values`` substituted (as ``evaluate`` gives it)."""
        # Plain ints only, and every symbol given: anything else is evaluate's to word (a
        # float must not find the part cached for the int it equals).
        if self.planned and all(type(value) is int for value in values.values()) \
                and self.symbols <= values.keys():
            report = self._planned(input_size, values)
            if report is not None:
                return report
        return evaluate(self.top, input_size=input_size, **values)

    def _planned(self, input_size: object, values: Mapping[str, object]) -> Report | None:
        layers, parts = [], []
        for layer, names, slot in zip(self.top.layers, self.names, self.slots,  # type: ignore[union-attr]  # a Sequential
                                      strict=True):
            cache = self.parts[slot]
            key = tuple(values[name] for name in names)
            # Read once: another thread may clear the cache between a test and a read.
            found = cache.get(key, _MISSING)
            if found is _MISSING:
                if len(cache) >= MEMO:
                    cache.clear()
                found = cache[key] = self._compile(layer, dict(zip(names, key, strict=True)))
            if not isinstance(found, tuple):  # outside the plan, or invalid: evaluate words it
                return None
            layers.append(layer)  # its own name: equal layers share parts, not labels
            parts.append(found[1])
        sizes = input_sizes(input_size, self.count, [None] * self.count)
        if not all(size is None or is_number(size) for size in sizes):
            return None
        plan = Plan(tuple(layers), self.top.name or "network", parts, self.count > 1)
        return plan.report(sizes, size_known=input_size is not None)

    def _compile(self, layer: Layer, values: dict[str, object]) -> tuple[Layer, Part] | None:
        try:
            concrete = layer.substitute(bind(values)) if values else layer
        except SymrfError:  # invalid values: evaluate words the error
            return None
        if concrete.free_symbols():
            return None
        try:
            return concrete, part(concrete, self.count)
        except SymrfError:  # no compiled form: the network is outside the plan
            self.planned = False
            return None
