"""A design question, read and checked, and the search that answers it.

:class:`Question` substitutes the given values into the network, checks that every symbol
is accounted for, picks the vectorised or the exact measure, scans the space, re-checks the
answers exactly, and finds the failing neighbours and the relaxed roots.

>>> import symrf
>>> k, = symrf.symbols("k")
>>> question = Question.build(symrf.Conv(kernel=k), "rf >= 3", "k", {}, None, {}, (), (), (),
...                           None)
>>> question.check({"k": 3}).rf
3
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from symrf.engine.numeric import bind
from symrf.engine.parametric import Evaluator
from symrf.engine.report import FIGURES, Report, network
from symrf.engine.sweep import SWEPT, Compiled
from symrf.engine.symbolic import derive
from symrf.errors import (
    ExpressionError,
    NetworkError,
    NoSolutionError,
    SymrfError,
    TooLargeError,
)
from symrf.layers.base import Layer
from symrf.limits import MAX_ASSIGNMENTS, MAX_TIES, bits
from symrf.maths.arguments import named_values
from symrf.maths.expressions import parse
from symrf.maths.roots import relaxed_roots, tidy_root
from symrf.maths.scalars import Scalar, expression, is_number, scalar, symbol
from symrf.maths.substitution import replaced, substituted
from symrf.solve.answers import Answer, Solution
from symrf.solve.measure import cost_function, exact_measure, vector_measure
from symrf.solve.pareto import front
from symrf.solve.search import Keep, Outcome, Scan, Space, assignment_limit, scan
from symrf.solve.targets import DEFAULT_RANGE, INPUT, Relation, Target, Unknown, input_length
from symrf.solve.targets import unknowns as unknowns_from

EXACT_LIMIT = 50_000
"""Most assignments checked one at a time on the exact path (no vectorised closed form)."""


@dataclass
class Question:
    """A design question read and checked: the network with values substituted, the bound.

    :meth:`build` reads and checks the arguments of :func:`symrf.solve.solve`; :meth:`solve`
    searches, re-checks and assembles the :class:`~symrf.solve.answers.Answer`.
    """

    general: Layer
    net: Layer
    target: Target
    bound: Scalar
    unknowns: tuple[Unknown, ...]
    numbers: dict[str, Scalar]
    derived: dict[str, Scalar]
    input_size: object
    cost: sympy.Expr | None

    @classmethod
    def build(cls, net: Layer, target: object, for_: Any, values: object,
              input_size: object, ranges: Mapping[str, tuple[int, int]] | None, odd: Iterable[str],
              even: Iterable[str], powers_of_two: Iterable[str],
              minimize: str | sympy.Expr | None) -> Question:
        """Read the arguments of :func:`symrf.solve.solve`; raise on anything unaccounted for."""
        target = Target.of(target)
        unknowns = unknowns_from(for_, ranges, odd, even, powers_of_two)
        names = [unknown.name for unknown in unknowns]
        given = {name: parse(value, f"value of {name}") if isinstance(value, str)
                 else scalar(value, f"value of {name}")
                 for name, value in named_values(values, "solve: values").items()}
        numbers = {name: value for name, value in given.items() if is_number(value)}
        derived = {name: value for name, value in given.items() if name not in numbers}
        for name in names:
            if name in given:
                raise SymrfError(f"{name} is both given a value and solved for; drop one.")
        if INPUT in names and input_size is not None:
            raise SymrfError(f"{INPUT} is the input size: solve for it or give --input, not both.")
        if INPUT in names:
            input_size = symbol(INPUT)
        elif input_size is not None:
            input_size = input_length(input_size, numbers)
        if target.figure == "size" and input_size is None:
            raise NetworkError(
                "the target is on size, the output length; give --input SIZE or solve --for "
                f"{INPUT}."
            )
        general = network(net).substitute({symbol(k): v for k, v in derived.items()})
        top = general.substitute(bind(numbers))
        bound = substituted(target.bound, {symbol(k): v for k, v in {**derived, **numbers}.items()})
        if isinstance(input_size, int):
            bound = substituted(bound, {symbol(INPUT): input_size})
        elif isinstance(input_size, tuple) and symbol(INPUT) in getattr(bound, "free_symbols",
                                                                          ()):
            raise NetworkError(
                f"the target uses {INPUT}, but the input has one size per axis "
                f"{input_size}; write the bound as a number."
            )
        known = {symbol(name) for name in names}
        loose = sorted(s.name for s in (top.free_symbols()
                                        | set(getattr(bound, "free_symbols", ())))
                       - known - {symbol(INPUT)})
        if loose:
            raise NetworkError(
                f"no value for {', '.join(loose)}; give it with --set {loose[0]}=... (or "
                f"values=...), or solve for it with --for {loose[0]}."
            )
        if input_size is None and any(top.axis(i).size_dependent for i in range(top.axes())):
            raise NetworkError(
                "the network's geometry depends on its input length (TF 'same' padding with "
                "a stride, or whole-input layers); give --input SIZE or solve --for n_in."
            )
        if symbol(INPUT) in getattr(bound, "free_symbols", ()) and input_size is None:
            raise NetworkError(
                f"the target uses the input size {INPUT}; give --input SIZE or solve --for "
                f"{INPUT}."
            )
        unused = [name for name in names
                  if symbol(name) not in top.free_symbols() | set(
                      getattr(bound, "free_symbols", ())) and name != INPUT]
        if unused:
            present = ", ".join(sorted(s.name for s in general.free_symbols())) or "none"
            raise NetworkError(
                f"{unused[0]} does not appear in the network or the target; the network's "
                f"symbols are {present}."
            )
        cost = None
        if minimize is not None:
            cost = parse(minimize, "--minimize") if isinstance(minimize, str) else scalar(
                minimize, "the cost (minimize)")
            extra = sorted(s.name for s in getattr(cost, "free_symbols", ())
                           if s.name not in names and s.name not in derived)
            if extra:
                raise SymrfError(
                    f"--minimize {minimize}: {', '.join(extra)} is not an unknown; the cost may "
                    f"use {', '.join(names)}."
                )
            cost = substituted(cost, {symbol(k): v for k, v in derived.items()})
        return cls(general, top, target, bound, unknowns, numbers, derived, input_size, cost)

    @functools.cached_property
    def evaluator(self) -> Evaluator:
        """Evaluates the network per assignment, each layer compiled once per value."""
        return Evaluator(self.net)

    @property
    def names(self) -> list[str]:
        """The unknowns' names, in order."""
        return [unknown.name for unknown in self.unknowns]

    def check(self, assignment: Mapping[str, int]) -> Solution:
        """The exact figures of one assignment (``error`` set when the network is invalid)."""
        values = dict(assignment)
        size = values.pop(INPUT, self.input_size)
        known = {**bind(assignment), **bind(self.numbers)}
        shown = {**assignment, **{
            name: substituted(formula, known)
            for name, formula in self.derived.items()}}
        cost = None
        if self.cost is not None:  # None also where the cost is no finite number (1/0)
            cost = _at(self.cost, bind(assignment), "the cost (--minimize)")
        try:
            report = self.evaluator(size, values)
            figures = {name: report.figure(name) for name in FIGURES
                       if name != "size" or report.size_known}
        except SymrfError as error:
            return Solution(shown, {}, cost, error=" ".join(str(error).split()))
        return Solution(shown, figures, cost)

    def meets(self, solution: Solution) -> bool:
        """Whether an exactly evaluated solution meets the target (on every axis)."""
        if solution.error is not None:
            return False
        bound = self.bound_at(solution.values)
        if bound is None:
            return False
        found = solution.figures[self.target.figure]
        return all(self.target.relation.holds(item, bound)
                   for item in (found if isinstance(found, tuple) else (found,)))

    def bound_at(self, values: Mapping[str, Scalar]) -> Scalar | None:
        """The bound for one assignment; None where it is no finite number (``1/0``)."""
        if is_number(self.bound):
            return self.bound
        return _at(self.bound, bind(values), f"the bound of {self.target.figure}")

    def solve(self, progress: Callable[[int, int], None] | None) -> Answer:
        """Search the space, re-check the answers exactly, and assemble the answer."""
        space = Space(tuple(self.names), tuple(u.candidates() for u in self.unknowns))
        if space.size == 0:
            raise NoSolutionError(
                f"no candidates: {', '.join(map(str, self.unknowns))} holds no value; widen "
                "the range."
            )
        limit = assignment_limit()
        if space.size > limit:
            more = " or search on a Dask cluster (--dask)" if limit == MAX_ASSIGNMENTS else ""
            raise TooLargeError(
                f"{space.size:.3g} assignments ({' x '.join(map(str, space.shape))}) is more "
                f"than the {limit:.0e} searched at most; narrow the ranges with --range "
                f"(the default is {DEFAULT_RANGE[0]}..{DEFAULT_RANGE[1]} per unknown){more}."
            )
        measure, method = self._measure(space)
        single = len(self.unknowns) == 1
        keep = Keep.CHEAPEST if self.cost is not None else (
            Keep.ALL if single and self.target.relation is Relation.EQUAL else Keep.FRONT)
        cost = None if self.cost is None else cost_function(self.names, self.cost)
        maximise = self.target.relation.maximises
        refused: set[int] = set()
        while True:
            found = scan(space, _without(measure, refused), keep=keep, maximise=maximise,
                         cost=cost, progress=progress)
            if not len(found.front):
                raise NoSolutionError(self._nothing(space, found))
            tied = len(found.front)
            if tied > MAX_TIES:  # every assignment ties (a constant cost, ==): list the first
                found = dataclasses.replace(found, front=found.front[:MAX_TIES])
            solutions = [self.check(space.assignment(flat)) for flat in found.front]
            wrong = [int(flat) for flat, s in zip(found.front, solutions, strict=True)
                     if not self.meets(s)]
            if not wrong:
                break
            if method == "exact":  # one evaluate disagrees with another: a bug, exit status 1
                raise RuntimeError(f"symrf internal error: {space.assignment(wrong[0])} passed "
                                   "the exact search but not the exact check; please report it.")
            if len(refused) > _MOST_REFUSED:
                example = solutions[[int(f) for f in found.front].index(wrong[0])]
                raise TooLargeError(
                    f"more than {_MOST_REFUSED} assignments pass the closed forms but build no "
                    f"network (e.g. {_show(example.values)}: {example.error}); narrow the "
                    "ranges with --range."
                )
            refused.update(wrong)  # invalid layers the closed forms cannot see
        if self.cost is not None:  # floats only shortlisted the cheapest: decide exactly
            costs = [s.cost for s in solutions if s.cost is not None]
            if not costs:
                raise NoSolutionError(f"the cost {self.cost} is no finite number for any "
                                      "assignment meeting the target; change --minimize.")
            least = min(costs)
            cheapest = [int(f) for f, s in zip(found.front, solutions, strict=True)
                        if s.cost == least]
            kept = {int(f) for f in front(space, cheapest, maximise)}
            solutions = [s for f, s in zip(found.front, solutions, strict=True) if int(f) in kept]
        general, at_values = self._roots()
        return Answer(
            target=self.target, unknowns=self.unknowns, solutions=tuple(solutions),
            neighbours=self._neighbours(space, found.front)
            if single and self.cost is None else (),
            exact=general, exact_value=at_values,
            searched={u.name: (u.lo, u.hi) for u in self.unknowns}, count=space.size,
            feasible=found.feasible, method=method, minimize=self.cost,
            values={**self.numbers, **self.derived}, tied=tied,
        )

    def _measure(self, space: Space) -> tuple[Callable[[Any, dict[str, Any]], Outcome], str]:
        huge = is_number(self.bound) and bits(self.bound) > 1000
        if self.target.figure in SWEPT and not huge:  # floats cannot hold a huge bound
            try:
                compiled = Compiled(self.net, self.input_size, self.names,
                                    (self.target.figure,))
            except SymrfError:
                compiled = None
            if compiled is not None and compiled.exact:
                return vector_measure(self, compiled, space), "vectorised"
        if space.size > EXACT_LIMIT:
            raise TooLargeError(
                f"{space.size} assignments would be checked one at a time (the figure "
                f"{self.target.figure} of this network has no exact closed form to vectorise; "
                f"limit {EXACT_LIMIT}); narrow the ranges with --range."
            )
        return exact_measure(self), "exact"

    def _neighbours(self, space: Space, front: Any) -> tuple[Solution, ...]:
        """The candidates just outside the answers, the nearest that builds a network.

        Below the answer for ``>=``, above it for ``<=``, on both sides for ``==``; up to 16
        steps out, checked one at a time.
        """
        grid = space.grids[0]
        taken = sorted(grid.index(space.assignment(flat)[self.names[0]]) for flat in front)
        if self.target.relation is Relation.EQUAL:
            walks = [(taken[0], -1), (taken[-1], 1)]
        else:
            walks = [(taken[0], 1 if self.target.relation.maximises else -1)]
        found = []
        for start, step in walks:
            tried = (self.check({self.names[0]: grid[position]})
                     for position in range(start + step, start + 17 * step, step)
                     if 0 <= position < len(grid))
            first = next(tried, None)
            if first is not None and first.error is not None:
                first = next((s for s in tried if s.error is None), first)
            if first is not None:
                found.append(first)
        return tuple(found)

    def _nothing(self, space: Space, found: Scan) -> str:
        searched = ", ".join(map(str, self.unknowns))
        if found.valid == 0:
            example = self.check(space.assignment(0))
            why = f": {example.error}" if example.error else ""
            return (f"no valid network for {searched} (e.g. {_show(space.assignment(0))}"
                    f"{why}); change the ranges or the network.")
        sides = []
        for flat in (found.below, found.above):
            near = None if flat is None else self.check(space.assignment(flat))
            if near is not None and near.error is None:
                sides.append(f"{self.target.figure} = {near.figures[self.target.figure]} at "
                             f"{_show(near.values)}")
        invalid = ""
        if found.invalid is not None:
            example = self.check(space.assignment(found.invalid))
            why = (example.error or "").rstrip(".")
            invalid = (f"; {space.size - found.valid} of {space.size} assignments give no valid "
                       f"network (e.g. {_show(example.values)}: {why})")
        nearest = f": the nearest are {' and '.join(sides)}" if sides else ""
        return (f"nothing in {searched} gives {self.target}{nearest}{invalid}; widen the "
                "range (--range) or relax the target.")

    def _roots(self) -> tuple[dict[str, tuple[sympy.Expr, ...]], dict[str, tuple]]:
        """Relaxed roots in the general symbols, and at the given values."""
        general: dict[str, tuple[sympy.Expr, ...]] = {}
        at_values: dict[str, tuple[sympy.Expr, ...]] = {}
        numbers = {symbol(k): v for k, v in self.numbers.items()}
        if isinstance(self.input_size, int):
            numbers[symbol(INPUT)] = self.input_size
        sized = self.input_size is not None
        general_bound = expression(self.target.bound).xreplace(
            {symbol(k): v for k, v in self.derived.items()})
        # The general form keeps every symbol; where sympy cannot solve it (a Piecewise on
        # s = 1, say), the form with the given numbers substituted may still solve.
        for attempt, bound in ((self.general, general_bound), (self.net, self.bound)):
            try:
                report = derive(attempt, input_size=symbol(INPUT) if sized else None)
                formula = _figure(report, self.target.figure)
            except SymrfError:
                continue
            if formula is None or not all(field.exact for field in report.axes):
                continue  # no formula, or only a bound: its root would not be the answer's
            for name in self.names:
                found = () if name in general else relaxed_roots(formula, bound, name)
                if found:
                    general[name] = found
                    with contextlib.suppress(SymrfError):  # too large to evaluate: skipped
                        at_values[name] = tuple(tidy_root(replaced(r, numbers, name))
                                                for r in found)
        return general, at_values


def _figure(report: Report, name: str) -> Any:
    value = report.figure(name)
    if isinstance(value, tuple):
        raise NetworkError("relaxed roots work on one-axis networks.")
    return value


_MOST_REFUSED = 2_000
"""Most answers the search may offer that then build no network, before giving up."""


def _at(value: Scalar, values: Mapping[sympy.Symbol, Scalar], what: str) -> Scalar | None:
    """``value`` at ``values`` within the number limits; None where it is no finite number."""
    try:
        found = replaced(expression(value), values, what)
    except ExpressionError:  # divides by zero there
        return None
    return found if is_number(found) else None


def _without(measure: Callable[[Any, dict[str, Any]], Outcome], refused: set[int]) -> Any:
    if not refused:
        return measure

    def measured(flat: Any, arrays: dict[str, Any]) -> Outcome:
        import numpy as np

        outcome = measure(flat, arrays)
        out = np.isin(flat, list(refused))
        return Outcome(outcome.meets & ~out, outcome.valid & ~out, outcome.gap)

    return measured


def _show(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in values.items())
