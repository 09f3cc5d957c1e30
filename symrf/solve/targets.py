"""The vocabulary of a design question: targets, relations, unknowns and their domains.

A :class:`Target` is a relation on one figure (``rf >= 224``), read by the safe expression
parser; an :class:`Unknown` is a symbol with the integer range and :class:`Domain` searched.

>>> Target.parse("jump <= 16").relation.maximises
True
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sympy

from symrf.engine.numeric import bind
from symrf.engine.report import FIGURES
from symrf.errors import NetworkError, SymrfError, TooLargeError
from symrf.limits import MAX_CANDIDATE, abbreviated
from symrf.maths.arguments import described, whole
from symrf.maths.expressions import parse
from symrf.maths.scalars import Scalar, expression, scalar
from symrf.maths.substitution import replaced
from symrf.solve.search import assignment_limit

INPUT = "n_in"
"""The name under which the input size can be solved for or used in a target."""

DEFAULT_RANGE = (1, 1024)
"""Candidates of an unknown without a given range."""

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

    def __post_init__(self) -> None:  # a Target built by hand gets the same checks as parse
        if self.figure not in TARGET_FIGURES:
            close = difflib.get_close_matches(self.figure, TARGET_FIGURES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SymrfError(f"{self.figure!r} is not a figure; {hint}figures: "
                             f"{', '.join(TARGET_FIGURES)}.")
        object.__setattr__(self, "bound", scalar(self.bound, f"the bound of {self.figure}"))

    @classmethod
    def of(cls, target: object) -> Target:
        """``target`` as a Target: read from text, or checked to be one.

        >>> Target.of(None)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        symrf.errors.SymrfError: solve: the target is None; give a relation such as 'rf >= 224'...
        """
        if isinstance(target, str):
            return cls.parse(target)
        if not isinstance(target, Target):
            raise SymrfError(f"solve: the target is {described(target)}; give a relation such "
                             "as 'rf >= 224', or a Target.")
        return target

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
        relation = "==" if relation == "=" else relation
        value = parse(bound, f"target {text!r}")
        try:
            return cls(figure, Relation(relation), value)
        except SymrfError as error:
            raise type(error)(f"target {text!r}: {error}") from None

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

    >>> list(Unknown("k", 1, 9, Domain.ODD).candidates())
    [1, 3, 5, 7, 9]
    """

    name: str
    lo: int = DEFAULT_RANGE[0]
    hi: int = DEFAULT_RANGE[1]
    domain: Domain = Domain.ALL

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise SymrfError(f"unknown {described(self.name)} is not a symbol name; give e.g. "
                             "'k'.")
        parsed = parse(self.name, f"unknown {self.name!r}")
        if not isinstance(parsed, sympy.Symbol):
            raise SymrfError(f"unknown {self.name!r} is not a symbol name; give e.g. 'k'.")
        example = f"{self.name}=1..31"
        for key in ("lo", "hi"):
            object.__setattr__(self, key, whole(getattr(self, key), f"range of {self.name}: "
                                                f"{key.upper()}", example=example))
        if not isinstance(self.domain, Domain):
            raise SymrfError(f"domain of {self.name} is {described(self.domain)}; give a Domain "
                             "such as Domain.ODD.")
        if self.lo > self.hi:
            raise SymrfError(
                f"range of {self.name} is {abbreviated(self.lo)}..{abbreviated(self.hi)}; give "
                f"whole numbers LO..HI with LO <= HI, e.g. {example}."
            )
        if max(abs(self.lo), abs(self.hi)) > MAX_CANDIDATE:
            raise TooLargeError(
                f"range of {self.name} reaches {abbreviated(max(self.hi, -self.lo))}; the search "
                f"compares values up to 2**53 exactly: give a range within it."
            )
        limit = assignment_limit()
        if self.hi - self.lo >= limit and self.domain is not Domain.POWERS_OF_TWO:
            raise TooLargeError(
                f"range of {self.name} holds {self.hi - self.lo + 1} values, more than the "
                f"{limit:.0e} assignments searched at most; narrow it."
            )

    def candidates(self) -> Sequence[int]:
        """The values searched, ascending: a ``range`` (never built as a list) or a tuple."""
        if self.domain is Domain.POWERS_OF_TWO:
            values = (1 << power for power in range(max(self.hi, 1).bit_length()))
            return tuple(v for v in values if self.lo <= v <= self.hi)
        if self.domain is Domain.ALL:
            return range(self.lo, self.hi + 1)
        first = self.lo if self.domain.admits(self.lo) else self.lo + 1
        return range(first, self.hi + 1, 2)

    def __str__(self) -> str:
        domain = "" if self.domain is Domain.ALL else f" ({self.domain.value})"
        return f"{self.name} in {self.lo}..{self.hi}{domain}"



def unknowns(for_: Any, ranges: Mapping[str, tuple[int, int]] | None, odd: Iterable[str],
              even: Iterable[str], powers_of_two: Iterable[str]) -> tuple[Unknown, ...]:
    """The :class:`Unknown` of each name in ``for_``, with its range and domain.

    >>> unknowns(["k", "n"], {"n": (1, 8)}, odd=["k"], even=(), powers_of_two=())[0]
    Unknown(name='k', lo=1, hi=1024, domain=<Domain.ODD: 'odd'>)
    """
    one = str | sympy.Symbol | Unknown
    items = [for_] if isinstance(for_, one) else list(for_) if isinstance(
        for_, list | tuple) else None
    if items is None or not all(isinstance(item, one) for item in items):
        wrong = for_ if items is None else next(i for i in items if not isinstance(i, one))
        raise SymrfError(f"solve: the unknown {described(wrong)} is not a symbol name; give a "
                         "name such as 'k', a symbol, an Unknown, or a list of them.")
    if not items:
        raise SymrfError("nothing to solve for: name an unknown with --for NAME.")
    bounds = _ranges(ranges)
    domains: dict[str, Domain] = {}
    for names, domain in ((odd, Domain.ODD), (even, Domain.EVEN),
                          (powers_of_two, Domain.POWERS_OF_TWO)):
        listed = [names] if isinstance(names, str) else list(names) if isinstance(
            names, list | tuple | set | frozenset) else None
        if listed is None or not all(isinstance(name, str) for name in listed):
            raise SymrfError(f"solve: the unknowns restricted to {domain.value} are "
                             f"{described(names)}; give a list of names, e.g. ['k'].")
        for name in listed:
            if name in domains:
                raise SymrfError(f"{name} is both {domains[name].value} and {domain.value}.")
            domains[name] = domain
    found = []
    for item in items:
        if isinstance(item, Unknown):
            found.append(item)
            continue
        name = item.name if isinstance(item, sympy.Symbol) else item
        lo, hi = bounds.get(name, DEFAULT_RANGE)
        found.append(Unknown(name, lo, hi, domains.get(name, Domain.ALL)))
    names = [u.name for u in found]
    for name in (*bounds, *domains):
        if name not in names:
            raise SymrfError(f"a range or domain is given for {name}, which is not an unknown; "
                             f"add --for {name}.")
    if len(set(names)) != len(names):
        raise SymrfError(f"an unknown is named twice in {', '.join(names)}.")
    return tuple(found)


def input_length(size: object, numbers: Mapping[str, Scalar]) -> object:
    """The input size with given numbers substituted: whole numbers of at least 1.

    >>> from symrf.maths.scalars import symbol
    >>> input_length(symbol("m") * 32, {"m": 7}), input_length((224, 160), {})
    (224, (224, 160))
    """
    sizes = size if isinstance(size, tuple) else (size,)
    found = []
    for item in sizes:
        value = replaced(expression(item, "input size"), bind(numbers), "input size")
        if not isinstance(value, int):
            missing = ", ".join(sorted(s.name for s in getattr(value, "free_symbols", ())))
            if not missing:
                raise NetworkError(f"input size {item} is {value}, not a positive integer; "
                                   "give --input N with a whole N >= 1.")
            raise NetworkError(f"input size {item}: no value for {missing}; give --set "
                               f"{missing.split(',')[0]}=... or a number with --input.")
        if value < 1:
            raise NetworkError(f"input size {item} must be at least 1; give --input N with "
                               "N >= 1.")
        found.append(int(value))
    return tuple(found) if isinstance(size, tuple) else found[0]


def _ranges(ranges: object) -> dict[str, tuple[Any, Any]]:
    """``ranges`` checked: a mapping of names to ``(lo, hi)`` pairs (the bounds checked later)."""
    if ranges is None:
        return {}
    if not isinstance(ranges, Mapping):
        raise SymrfError(f"solve: ranges is {described(ranges)}; give a mapping of names to "
                         "(lo, hi), e.g. ranges={'k': (1, 31)}.")
    found = {}
    for name, pair in ranges.items():
        key = name.name if isinstance(name, sympy.Symbol) else name
        if not isinstance(key, str):
            raise SymrfError(f"solve: ranges has the key {described(name)}; name each unknown "
                             "by a string or a symbol, e.g. ranges={'k': (1, 31)}.")
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise SymrfError(f"solve: the range of {key} is {described(pair)}; give a pair "
                             f"(lo, hi), e.g. ranges={{{key!r}: (1, 31)}}.")
        found[key] = (pair[0], pair[1])
    return found


__all__ = ["DEFAULT_RANGE", "INPUT", "TARGET_FIGURES", "Domain", "Relation", "Target", "Unknown",
           "input_length", "unknowns"]
