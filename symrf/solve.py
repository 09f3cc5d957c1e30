"""Inverse design questions: which kernel, depth, dilation, stride or input size meets a target.

:func:`solve` takes a network with symbols, a target such as ``rf >= 224`` and the unknowns
to solve for. It searches every integer candidate in the unknowns' ranges (monotonicity is
never assumed): the closed forms are compiled once and checked on numpy chunks, and every
reported answer is re-checked on the exact numeric path (:func:`symrf.numeric.evaluate`),
along with its failing neighbour. It also solves the relaxed equation ``figure = bound`` over
the reals, giving the exact root a paper prints.

>>> import symrf
>>> k, n = symrf.symbols("k n")
>>> net = symrf.Repeat(symrf.Conv(kernel=k), times=n)
>>> answer = solve(net, "rf >= T", "k", values={"n": 4, "T": 224})
>>> answer.value, answer.solutions[0].rf, answer.exact["k"], answer.exact_value["k"]
(57, 225, ((T + n - 1)/n,), (227/4,))
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import sympy

from symrf.errors import NetworkError, NoSolutionError, SymrfError, TooLargeError
from symrf.layers.base import Layer
from symrf.numeric import SWEPT, Compiled, evaluate
from symrf.report import FIGURES, Report, network
from symrf.roots import relaxed_roots
from symrf.scalars import Scalar, exact, is_number, parse, symbol
from symrf.search import Outcome, Scan, Space, scan
from symrf.symbolic import derive

INPUT = "n_in"
"""The name under which the input size can be solved for or used in a target."""

DEFAULT_RANGE = (1, 1024)
"""Candidates of an unknown without a given range."""

SPACE_LIMIT = 10**9
"""Most assignments searched at all (about a minute at the vectorised rate)."""

EXACT_LIMIT = 50_000
"""Most assignments checked one at a time on the exact path (no vectorised closed form)."""

TARGET_FIGURES = tuple(name for name in FIGURES if name not in ("aligned", "exact"))
"""Figures a target may constrain."""


class Relation(Enum):
    """How a figure must compare with the bound."""

    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "=="
    ABOVE = ">"
    BELOW = "<"

    def holds(self, value: Any, bound: Any) -> Any:
        """Whether ``value`` relates to ``bound`` (numbers or numpy arrays)."""
        return _OPERATORS[self](value, bound)

    @property
    def maximises(self) -> bool:
        """Upper bounds ask for the largest unknowns; the other relations for the smallest."""
        return self in (Relation.AT_MOST, Relation.BELOW)


_OPERATORS = {
    Relation.AT_LEAST: operator.ge, Relation.AT_MOST: operator.le, Relation.EQUAL: operator.eq,
    Relation.ABOVE: operator.gt, Relation.BELOW: operator.lt,
}
_TARGET = re.compile(r"^\s*([A-Za-z_]\w*)\s*(>=|<=|==|=|>|<)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Target:
    """A relation on one figure of the network: ``rf >= 224``, ``jump <= 16``, ``rf >= n_in``.

    >>> Target.parse("rf>=2*T")
    Target(figure='rf', relation=<Relation.AT_LEAST: '>='>, bound=2*T)
    """

    figure: str
    relation: Relation
    bound: Scalar

    @classmethod
    def parse(cls, text: str) -> Target:
        """Read ``FIGURE RELATION EXPRESSION``; the expression goes through the safe parser."""
        match = _TARGET.match(text)
        if not match:
            raise SymrfError(
                f"target {text!r} is not FIGURE RELATION VALUE; write e.g. 'rf>=224' or "
                "'jump<=16' (relations: >= <= == > <)."
            )
        figure, relation, bound = match.groups()
        if bound[0] in "<>=!":
            raise SymrfError(
                f"target {text!r} is not FIGURE RELATION VALUE; write e.g. 'rf>=224' "
                "(relations: >= <= == > <)."
            )
        if figure not in TARGET_FIGURES:
            close = difflib.get_close_matches(figure, TARGET_FIGURES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SymrfError(
                f"target {text!r}: {figure!r} is not a figure; {hint}figures: "
                f"{', '.join(TARGET_FIGURES)}."
            )
        relation = "==" if relation == "=" else relation
        return cls(figure, Relation(relation), parse(bound, f"target {text!r}"))

    def __str__(self) -> str:
        return f"{self.figure} {self.relation.value} {self.bound}"


class Domain(Enum):
    """Which integers of its range an unknown may take."""

    ALL = "all"
    ODD = "odd"
    EVEN = "even"
    POWERS_OF_TWO = "powers of two"

    def admits(self, value: int) -> bool:
        """Whether ``value`` belongs to the domain."""
        if self is Domain.ODD:
            return value % 2 == 1
        if self is Domain.EVEN:
            return value % 2 == 0
        if self is Domain.POWERS_OF_TWO:
            return value > 0 and value & (value - 1) == 0
        return True


@dataclass(frozen=True)
class Unknown:
    """An unknown: its name, the integer range searched, and its domain.

    >>> Unknown("k", 1, 9, Domain.ODD).candidates()
    (1, 3, 5, 7, 9)
    """

    name: str
    lo: int = DEFAULT_RANGE[0]
    hi: int = DEFAULT_RANGE[1]
    domain: Domain = Domain.ALL

    def __post_init__(self) -> None:
        parsed = parse(self.name, f"unknown {self.name!r}")
        if not isinstance(parsed, sympy.Symbol):
            raise SymrfError(f"unknown {self.name!r} is not a symbol name; give e.g. 'k'.")
        if not (isinstance(self.lo, int) and isinstance(self.hi, int)) or self.lo > self.hi:
            raise SymrfError(
                f"range of {self.name} is {self.lo}..{self.hi}; give whole numbers LO..HI "
                f"with LO <= HI, e.g. {self.name}=1..31."
            )

    def candidates(self) -> tuple[int, ...]:
        """The values searched, ascending."""
        if self.domain is Domain.POWERS_OF_TWO:
            values = (1 << power for power in range(max(self.hi, 1).bit_length()))
            return tuple(v for v in values if self.lo <= v <= self.hi)
        return tuple(v for v in range(self.lo, self.hi + 1) if self.domain.admits(v))

    def __str__(self) -> str:
        domain = "" if self.domain is Domain.ALL else f" ({self.domain.value})"
        return f"{self.name} in {self.lo}..{self.hi}{domain}"


@dataclass(frozen=True)
class Solution:
    """One assignment and the figures it achieves, computed on the exact numeric path.

    ``values`` holds the unknowns, then the symbols defined from them (``d2 = 2*d1``);
    ``figures`` every figure of the network; ``cost`` the minimised expression, if any.
    ``solution["k"]`` and ``solution.rf`` read either.
    """

    values: dict[str, Scalar]
    figures: dict[str, Any]
    cost: Scalar | None = None
    error: str | None = None
    """Why the network does not exist for this assignment (then ``figures`` is empty)."""

    def __getitem__(self, name: str) -> Any:
        return self.values[name] if name in self.values else self.figures[name]

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__.get("figures", {}):
            return self.figures[name]
        raise AttributeError(f"Solution has no figure {name!r}")


@dataclass(frozen=True)
class Answer:
    """Everything :func:`solve` found: the answers, the exact roots and what was searched."""

    target: Target
    unknowns: tuple[Unknown, ...]
    solutions: tuple[Solution, ...]
    """Smallest value (``>=``, ``>``), largest (``<=``, ``<``) or every value (``==``) for
    one unknown; the Pareto front, or the cheapest assignments under ``minimize``, for several."""
    neighbours: tuple[Solution, ...]
    """For one unknown: the candidates next to the answers, which just fail."""
    exact: dict[str, tuple[sympy.Expr, ...]]
    """Real roots of the relaxed equation ``figure = bound`` for each unknown, in the
    symbols of the network and target (the other unknowns included)."""
    exact_value: dict[str, tuple[sympy.Expr, ...]]
    """The same roots with the given values substituted."""
    searched: dict[str, tuple[int, int]]
    count: int
    """Assignments searched."""
    feasible: int
    """Assignments meeting the target."""
    method: str
    """``"vectorised"`` (compiled closed forms) or ``"exact"`` (one assignment at a time)."""
    minimize: sympy.Expr | None = None
    values: dict[str, Scalar] = field(default_factory=dict)

    @property
    def value(self) -> int:
        """The answer of a one-unknown question (the first solution's value)."""
        return int(self.solutions[0].values[self.unknowns[0].name])


def solve(
    net: Layer,
    target: str | Target,
    for_: str | sympy.Symbol | Unknown | Sequence[str | sympy.Symbol | Unknown],
    *,
    values: Mapping[str, Scalar] | None = None,
    input_size: object = None,
    ranges: Mapping[str, tuple[int, int]] | None = None,
    odd: Iterable[str] = (),
    even: Iterable[str] = (),
    powers_of_two: Iterable[str] = (),
    minimize: str | sympy.Expr | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Answer:
    """Find the integer values of ``for_`` that make ``net`` meet ``target``.

    Args:
        net: The network, with the unknowns as symbols.
        target: ``"rf >= 224"``, ``"jump <= 16"``, ``"size == 7"``, ``"rf >= n_in"``...
        for_: The unknown(s): symbol names, or :class:`Unknown` with ranges. ``n_in`` is
            the input size.
        values: Numbers for the other symbols, or expressions tying them to the unknowns
            (``{"d2": 2*d1}``).
        input_size: The input length, when known.
        ranges: ``(lo, hi)`` per unknown; default ``1..1024``.
        odd: Unknowns restricted to odd values (kernels centred on a pixel).
        even: Unknowns restricted to even values.
        powers_of_two: Unknowns restricted to 1, 2, 4, 8, ...
        minimize: A cost in the unknowns (``"n*k**2"``): return the cheapest assignments.
        progress: Called as ``progress(done, total)`` after each chunk.

    Raises:
        NoSolutionError: Nothing in the ranges meets the target; names the nearest values.

    >>> import symrf
    >>> s, = symrf.symbols("s")
    >>> net = symrf.Sequential(*[symrf.Conv(kernel=3, stride=s)] * 4)
    >>> solve(net, "jump <= 16", "s").value
    2
    """
    problem = _Problem.build(net, target, for_, values or {}, input_size, ranges or {},
                             odd, even, powers_of_two, minimize)
    return problem.solve(progress)


@dataclass
class _Problem:
    """A question read and checked: the substituted network and how to measure it."""

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
    def build(cls, net: Layer, target: str | Target, for_: Any, values: Mapping[str, Scalar],
              input_size: object, ranges: Mapping[str, tuple[int, int]], odd: Iterable[str],
              even: Iterable[str], powers_of_two: Iterable[str],
              minimize: str | sympy.Expr | None) -> _Problem:
        target = Target.parse(target) if isinstance(target, str) else target
        unknowns = _unknowns(for_, ranges, odd, even, powers_of_two)
        names = [unknown.name for unknown in unknowns]
        given = {name: exact(value) if not isinstance(value, str) else parse(value, name)
                 for name, value in values.items()}
        numbers = {name: value for name, value in given.items() if is_number(value)}
        derived = {name: value for name, value in given.items() if name not in numbers}
        for name in names:
            if name in given:
                raise SymrfError(f"{name} is both given a value and solved for; drop one.")
        if INPUT in names and input_size is not None:
            raise SymrfError(f"{INPUT} is the input size: solve for it or give --input, not both.")
        if INPUT in names:
            input_size = symbol(INPUT)
        general = network(net).substitute({symbol(k): v for k, v in derived.items()})
        top = general.substitute({symbol(k): sympy.Integer(v) if isinstance(v, int) else v
                                  for k, v in numbers.items()})
        bound = exact(sympy.sympify(target.bound).xreplace(
            {symbol(k): v for k, v in {**derived, **numbers}.items()}))
        if isinstance(input_size, int):
            bound = exact(sympy.sympify(bound).xreplace({symbol(INPUT): input_size}))
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
            cost = parse(minimize, "--minimize") if isinstance(minimize, str) else minimize
            extra = sorted(s.name for s in getattr(cost, "free_symbols", ())
                           if s.name not in names and s.name not in derived)
            if extra:
                raise SymrfError(
                    f"--minimize {minimize}: {', '.join(extra)} is not an unknown; the cost may "
                    f"use {', '.join(names)}."
                )
            cost = exact(sympy.sympify(cost).xreplace({symbol(k): v for k, v in derived.items()}))
        return cls(general, top, target, bound, unknowns, numbers, derived, input_size, cost)

    @property
    def names(self) -> list[str]:
        return [unknown.name for unknown in self.unknowns]

    def check(self, assignment: Mapping[str, int]) -> Solution:
        """The exact figures of one assignment (``error`` set when the network is invalid)."""
        values = dict(assignment)
        size = values.pop(INPUT, self.input_size)
        known = {**_bind(assignment), **_bind(self.numbers)}
        shown = {**assignment, **{
            name: exact(sympy.sympify(formula).xreplace(known))
            for name, formula in self.derived.items()}}
        cost = None if self.cost is None else exact(
            sympy.sympify(self.cost).xreplace(_bind(assignment)))
        try:
            report = evaluate(self.net, input_size=size, **values)
            figures = {name: report.figure(name) for name in FIGURES
                       if name != "size" or report.size_known}
        except SymrfError as error:
            return Solution(shown, {}, cost, error=" ".join(str(error).split()))
        return Solution(shown, figures, cost)

    def meets(self, solution: Solution) -> bool:
        if solution.error is not None:
            return False
        bound = self.bound_at(solution.values)
        found = solution.figures[self.target.figure]
        return all(self.target.relation.holds(item, bound)
                   for item in (found if isinstance(found, tuple) else (found,)))

    def bound_at(self, values: Mapping[str, Scalar]) -> Scalar:
        return exact(sympy.sympify(self.bound).xreplace(_bind(values)))

    def solve(self, progress: Callable[[int, int], None] | None) -> Answer:
        space = Space(tuple(self.names), tuple(u.candidates() for u in self.unknowns))
        if space.size == 0:
            raise NoSolutionError(
                f"no candidates: {', '.join(map(str, self.unknowns))} holds no value; widen "
                "the range."
            )
        if space.size > SPACE_LIMIT:
            raise TooLargeError(
                f"{space.size:.3g} assignments ({' x '.join(map(str, space.shape))}) is more "
                f"than the {SPACE_LIMIT:.0e} searched at most; narrow the ranges with --range "
                f"(the default is {DEFAULT_RANGE[0]}..{DEFAULT_RANGE[1]} per unknown)."
            )
        measure, method = self._measure(space)
        single = len(self.unknowns) == 1
        keep = "cheapest" if self.cost is not None else (
            "all" if single and self.target.relation is Relation.EQUAL else "front")
        maximise = self.target.relation.maximises
        refused: set[int] = set()
        while True:
            found = scan(space, _without(measure, refused), keep=keep, maximise=maximise,
                         progress=progress)
            if not len(found.front):
                raise NoSolutionError(self._nothing(space, found))
            solutions = [self.check(space.assignment(flat)) for flat in found.front]
            wrong = [int(flat) for flat, s in zip(found.front, solutions, strict=True)
                     if not self.meets(s)]
            if not wrong:
                break
            if method == "exact" or len(refused) > 64:
                raise SymrfError(  # the compiled closed forms disagree with evaluate: a bug
                    f"internal: {space.assignment(wrong[0])} passed the search but not the "
                    "exact check; please report this network."
                )
            refused.update(wrong)  # invalid layers the closed forms cannot see
        general, at_values = self._roots()
        return Answer(
            target=self.target, unknowns=self.unknowns, solutions=tuple(solutions),
            neighbours=self._neighbours(space, found.front) if single else (),
            exact=general, exact_value=at_values,
            searched={u.name: (u.lo, u.hi) for u in self.unknowns}, count=space.size,
            feasible=found.feasible, method=method, minimize=self.cost,
            values={**self.numbers, **self.derived},
        )

    def _measure(self, space: Space) -> tuple[Callable[[Any, dict[str, Any]], Outcome], str]:
        from symrf.measure import exact_measure, vector_measure

        if self.target.figure in SWEPT:
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
        grid = space.grids[0]
        positions = sorted({grid.index(space.assignment(flat)[self.names[0]]) for flat in front})
        steps = []
        if self.target.relation is Relation.EQUAL:
            steps = [positions[0] - 1, positions[-1] + 1]
        else:
            steps = [positions[0] + (1 if self.target.relation.maximises else -1)]
        return tuple(self.check({self.names[0]: grid[p]}) for p in steps
                     if 0 <= p < len(grid) and p not in positions)

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
        return (f"nothing in {searched} gives {self.target}: the nearest are "
                f"{' and '.join(sides)}{invalid}; widen the range (--range) or relax the "
                "target.")

    def _roots(self) -> tuple[dict[str, tuple[sympy.Expr, ...]], dict[str, tuple]]:
        """Relaxed roots in the general symbols, and at the given values."""
        general: dict[str, tuple[sympy.Expr, ...]] = {}
        at_values: dict[str, tuple[sympy.Expr, ...]] = {}
        numbers = {symbol(k): v for k, v in self.numbers.items()}
        if isinstance(self.input_size, int):
            numbers[symbol(INPUT)] = self.input_size
        sized = self.input_size is not None
        general_bound = sympy.sympify(self.target.bound).xreplace(
            {symbol(k): v for k, v in self.derived.items()})
        # The general form keeps every symbol; where sympy cannot solve it (a Piecewise on
        # s = 1, say), the form with the given numbers substituted may still solve.
        for attempt, bound in ((self.general, general_bound), (self.net, self.bound)):
            try:
                report = derive(attempt, input_size=symbol(INPUT) if sized else None)
                formula = _figure(report, self.target.figure)
            except SymrfError:
                continue
            for name in self.names:
                found = () if name in general else relaxed_roots(formula, bound, name)
                if found:
                    general[name] = found
                    at_values[name] = tuple(_tidy_root(r.xreplace(numbers)) for r in found)
        return general, at_values


def _tidy_root(root: sympy.Expr) -> sympy.Expr:
    """A root at the given values, simplified (logarithms combined where that is shorter)."""
    simpler = sympy.simplify(sympy.logcombine(root, force=True))
    return min(simpler, sympy.simplify(root), key=sympy.count_ops)


def _figure(report: Report, name: str) -> Any:
    value = report.figure(name)
    if isinstance(value, tuple):
        raise NetworkError("relaxed roots work on one-axis networks.")
    return value


def _without(measure: Callable[[Any, dict[str, Any]], Outcome], refused: set[int]) -> Any:
    if not refused:
        return measure

    def measured(flat: Any, arrays: dict[str, Any]) -> Outcome:
        import numpy as np

        outcome = measure(flat, arrays)
        out = np.isin(flat, list(refused))
        return Outcome(outcome.meets & ~out, outcome.valid & ~out, outcome.gap, outcome.cost)

    return measured


def _bind(values: Mapping[str, Scalar]) -> dict[sympy.Symbol, sympy.Expr]:
    return {symbol(name): sympy.Integer(value) for name, value in values.items()
            if isinstance(value, int)}


def _show(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in values.items())


def _unknowns(for_: Any, ranges: Mapping[str, tuple[int, int]], odd: Iterable[str],
              even: Iterable[str], powers_of_two: Iterable[str]) -> tuple[Unknown, ...]:
    items = [for_] if isinstance(for_, str | sympy.Symbol | Unknown) else list(for_)
    if not items:
        raise SymrfError("nothing to solve for: name an unknown with --for NAME.")
    domains: dict[str, Domain] = {}
    for names, domain in ((odd, Domain.ODD), (even, Domain.EVEN),
                          (powers_of_two, Domain.POWERS_OF_TWO)):
        for name in [names] if isinstance(names, str) else names:
            if name in domains:
                raise SymrfError(f"{name} is both {domains[name].value} and {domain.value}.")
            domains[name] = domain
    unknowns = []
    for item in items:
        if isinstance(item, Unknown):
            unknowns.append(item)
            continue
        name = item.name if isinstance(item, sympy.Symbol) else str(item)
        lo, hi = ranges.get(name, DEFAULT_RANGE)
        unknowns.append(Unknown(name, lo, hi, domains.get(name, Domain.ALL)))
    names = [u.name for u in unknowns]
    for name in (*ranges, *domains):
        if name not in names:
            raise SymrfError(f"a range or domain is given for {name}, which is not an unknown; "
                             f"add --for {name}.")
    if len(set(names)) != len(names):
        raise SymrfError(f"an unknown is named twice in {', '.join(names)}.")
    return tuple(unknowns)


__all__ = ["INPUT", "Answer", "Domain", "Relation", "Solution", "Target", "Unknown", "solve"]
