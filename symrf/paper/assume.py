"""Assumptions a paper states (``s > 1``, ``odd(k)``, ``n_in % 32 == 0``) and what they decide.

Texts are read by :mod:`symrf.paper.statements` (never by ``sympify``). On top of what
every symrf symbol is (a positive integer), the assumptions on one symbol become one
substitution ``x = m*x' + r`` with ``x'`` a non-negative integer: ``r`` the least value the
lower bound and the residue allow, ``m`` the modulus (1 without one). Substituted, a
``Piecewise`` case decides itself (``Eq(s, 1)`` becomes ``Eq(x' + 2, 1)``, false), a floor
works out (``floor((k - 1)/2)`` with ``k`` odd is ``k'``), and the sign of a difference can
be shown (:meth:`Assumptions.nonnegative`).

>>> facts = assumptions(["s > 1", "odd(k)"])
>>> facts
Assumptions('s > 1', 'odd(k)')
>>> from symrf.maths.scalars import symbols
>>> k, s = symbols("k s")
>>> facts.decide(sympy.Piecewise((k, sympy.Eq(s, 1)), (k*s, True)))
k*s
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from symrf.errors import ExpressionError, NetworkError
from symrf.maths.algebra import whole
from symrf.maths.arguments import described
from symrf.maths.scalars import Scalar, expression
from symrf.maths.substitution import replaced
from symrf.paper import proofs
from symrf.paper.statements import Shape, narrow, read


@dataclass(frozen=True)
class Assumptions:
    """A set of stated assumptions; the empty set means only "positive integers".

    Build one with :func:`assumptions`; combine two with ``|``.

    >>> (assumptions(["s > 1"]) | assumptions(["odd(k)"])).texts
    ('s > 1', 'odd(k)')
    """

    texts: tuple[str, ...] = ()
    shapes: Mapping[sympy.Symbol, Shape] = field(default_factory=dict)
    relations: tuple[sympy.Basic, ...] = ()
    """Relations between expressions, checked against numbers and not otherwise used."""

    def __repr__(self) -> str:
        return f"Assumptions({', '.join(map(repr, self.texts))})"

    def __or__(self, other: Assumptions) -> Assumptions:
        return assumptions([*self.texts, *other.texts])

    def __bool__(self) -> bool:
        return bool(self.texts)

    def shape(self, name: sympy.Symbol) -> Shape:
        """What is assumed of the symbol ``name`` (a positive integer when nothing is said)."""
        return self.shapes.get(name, Shape())

    def substitution(self, names: Iterable[sympy.Symbol], every: bool = False
                     ) -> tuple[dict[sympy.Symbol, sympy.Expr], dict[sympy.Symbol, sympy.Expr]]:
        """``x -> m*x' + r`` for the symbols with assumptions (all of ``names`` if ``every``).

        Returns the substitution and its inverse ``x' -> (x - r)/m``; the fresh symbols are
        non-negative integers.

        >>> from symrf.maths.scalars import symbols
        >>> k, = symbols("k")
        >>> forward, back = assumptions(["odd(k)"]).substitution([k])
        >>> forward[k], sympy.expand(forward[k].xreplace(back))
        (2*_k_ + 1, k)
        """
        forward: dict[sympy.Symbol, sympy.Expr] = {}
        back: dict[sympy.Symbol, sympy.Expr] = {}
        for name in sorted(names, key=sympy.default_sort_key):
            if not isinstance(name, sympy.Symbol) or not (every or name in self.shapes):
                continue
            shape = self.shape(name) if name.is_positive else Shape(low=0)
            if not every and shape.modulus == 1 and shape.start == (1 if name.is_positive else 0):
                continue
            fresh = sympy.Dummy(f"{name.name}_", integer=True, nonnegative=True)
            forward[name] = shape.modulus * fresh + shape.start
            back[fresh] = (name - shape.start) / shape.modulus
        return forward, back

    def decide(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` with the cases, floors and ceilings the assumptions settle worked out.

        The assumed symbols are substituted by their shapes, sympy evaluates what it then
        can, and the shapes are substituted back: the value is unchanged wherever the
        assumptions hold.

        >>> from symrf.maths.scalars import symbols
        >>> n_in, = symbols("n_in")
        >>> assumptions(["n_in % 32 == 0"]).decide(sympy.floor(n_in / 32) + sympy.floor(n_in / 64))
        n_in/32 + floor(n_in/64)
        """
        forward, back = self.substitution(expr.free_symbols)
        if not forward:
            return self._excluded(expr)
        return self._decided(expr, forward, back)

    def _decided(self, expr: sympy.Expr, forward: dict, back: dict) -> sympy.Expr:
        """:meth:`decide` with every rounding worked out here, innermost first.

        sympy's own floor takes ``-d*(4*m + 4)/6`` for an integer (sympy 1.14), so roundings
        are kept out of its reach: only terms :func:`~symrf.maths.algebra.whole` shows to be
        integers leave a rounding, and only a number is rounded.
        """
        roundings = _outermost_roundings(expr)
        if not roundings:
            return self._excluded(expr.xreplace(forward)).xreplace(back)
        places = {node: sympy.Dummy("r", integer=True) for node in roundings}
        body = self._decided(expr.xreplace(places), forward, back)
        return body.xreplace({place: self._rounding(node, forward, back)
                              for node, place in places.items()})

    def _rounding(self, node: sympy.Expr, forward: dict, back: dict) -> sympy.Expr:
        inner = self._decided(node.args[0], forward, back)
        kept = {n: sympy.Dummy("r", integer=True) for n in _outermost_roundings(inner)}
        moved = sympy.expand(inner.xreplace(kept).xreplace(forward))
        whole_part = sympy.Add(*(t for t in sympy.Add.make_args(moved) if whole(t)))
        rest = moved - whole_part
        if not rest.is_Number:
            return type(node)(inner)
        undo = {place: n for n, place in kept.items()}
        return whole_part.xreplace(back).xreplace(undo) + type(node)(rest)

    def _excluded(self, expr: sympy.Expr) -> sympy.Expr:
        """Cases ``Eq(x, c)`` for a value ``c`` that the assumptions exclude are false."""
        if not expr.has(sympy.Piecewise):
            return expr
        false = {eq: sympy.false for eq in expr.atoms(sympy.Eq)
                 if eq.lhs in self.shapes and eq.rhs.is_Integer
                 and not self.shape(eq.lhs).allows(int(eq.rhs))}
        return expr.xreplace(false) if false else expr

    def nonnegative(self, expr: sympy.Expr) -> bool:
        """Whether ``expr >= 0`` follows from the assumptions (False: not shown).

        Every symbol becomes its shape over a non-negative integer; each power ``b**e`` with
        ``b >= 1`` becomes ``1 + z`` (``z >= 0``); a floor or ceiling whose coefficient has
        one sign is replaced by its bound on that side. The result must then be a sum of
        non-negative terms.

        >>> from symrf.maths.scalars import symbols
        >>> k, n = symbols("k n")
        >>> facts = Assumptions()
        >>> facts.nonnegative(2**n - 1), facts.nonnegative(k - 2)
        (True, False)
        >>> facts.nonnegative(2*sympy.ceiling(k/2 + sympy.Rational(1, 2)) - k)
        True
        """
        forward, _ = self.substitution(expr.free_symbols, every=True)
        return proofs.nonnegative(expr.xreplace(forward))

    def check(self, values: Mapping[Any, Scalar], where: str = "--assume") -> None:
        """Raise when numbers given for the symbols break an assumption.

        Keys are symbols or names; a symbol without a value is not checked.

        >>> assumptions(["s > 1"]).check({"s": 1})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        symrf.errors.NetworkError: --assume 's > 1' fails for s = 1; drop the assumption or ...
        """
        broken = self.broken(values)
        if broken is not None:
            text, given = broken
            raise NetworkError(
                f"{where} {text!r} fails for {given}; drop the assumption or give values "
                "that meet it."
            )

    def allows(self, values: Mapping[Any, Scalar]) -> bool:
        """Whether ``values`` meet every assumption they decide (e.g. to filter a search).

        >>> facts = assumptions(["odd(k)"])
        >>> facts.allows({"k": 3}), facts.allows({"k": 4}), facts.allows({"s": 4})
        (True, False, True)
        """
        return self.broken(values) is None

    def broken(self, values: Mapping[Any, Scalar]) -> tuple[str, str] | None:
        """The first assumption ``values`` break, and the values it reads; None if none."""
        named = {str(key): value for key, value in values.items()}
        for text in self.texts:
            for relation in read(text):
                names = {name.name for name in relation.free_symbols}
                if not names or not names <= named.keys():
                    continue
                given = {sympy.Symbol(name, integer=True, positive=True): named[name]
                         for name in names}
                # Each side within symrf's number limits (k**k**k with k = 99 is refused,
                # not computed), then compared.
                holds = relation.func(*(expression(replaced(side, given, f"--assume {text!r}"))
                                        for side in relation.args))
                if holds is sympy.false or holds is False:
                    return text, ", ".join(f"{name} = {named[name]}" for name in sorted(names))
        return None


def stated(texts: Sequence[str], values: Mapping[str, Scalar] | None = None,
           input_size: object = None) -> Assumptions:
    """The command line's ``--assume`` texts, read and checked against ``--set`` and ``--input``.

    An integer input size is checked as ``n_in`` (and ``n_in_0, n_in_1, ...`` per axis).

    Raises:
        ExpressionError: A text is not an assumption, or the texts contradict each other.
        NetworkError: A given value breaks an assumption.

    >>> stated(["n_in % 32 == 0"], {}, 224)
    Assumptions('n_in % 32 == 0')
    >>> stated(["n_in % 32 == 0"], {}, 225)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symrf.errors.NetworkError: --assume 'n_in % 32 == 0' fails for n_in = 225; ...
    """
    facts = assumptions(list(texts))
    given: dict[str, Scalar] = dict(values or {})
    sizes = input_size if isinstance(input_size, list | tuple) else [input_size]
    for axis, size in enumerate(sizes):
        if isinstance(size, int) and not isinstance(size, bool):
            given["n_in" if len(sizes) == 1 else f"n_in_{axis}"] = size
    facts.check(given)
    return facts


def assumptions(texts: Sequence[str] | str | None) -> Assumptions:
    """Read assumptions from strings (the command line's ``--assume``), checking each.

    Raises:
        ExpressionError: A text outside the grammar, or assumptions no integer meets.

    >>> assumptions(["k >= 3", "odd(k)"]).shape(sympy.Symbol("k", integer=True, positive=True))
    Shape(low=3, high=None, modulus=2, residue=1, excluded=frozenset())
    >>> assumptions(["s + 1"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symrf.errors.ExpressionError: --assume 's + 1' is not an assumption; write e.g. 's > 1', ...
    """
    if texts is None:
        return Assumptions()
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list | tuple) or not all(isinstance(t, str) for t in texts):
        raise ExpressionError(f"assumptions are {described(texts)}; give texts such as "
                              "['s > 1', 'odd(k)'].")
    shapes: dict[sympy.Symbol, Shape] = {}
    relations: list[sympy.Basic] = []
    for text in texts:
        for relation in read(text):
            if not narrow(relation, shapes, text):
                relations.append(relation)
    for name, shape in shapes.items():
        if not shape.values(1):
            raise ExpressionError(
                f"--assume: the assumptions on {name} ({', '.join(map(repr, texts))}) leave no "
                "integer value; remove the one that contradicts the others."
            )
    return Assumptions(tuple(texts), shapes, tuple(relations))


def _outermost_roundings(expr: sympy.Basic) -> list[sympy.Basic]:
    found, pending = [], [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, sympy.floor | sympy.ceiling):
            found.append(node)
        else:
            pending.extend(node.args)
    return list(dict.fromkeys(found))
