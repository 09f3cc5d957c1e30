"""Formulas as text: ``str(formula)``, with each subformula shared between rows printed once.

The rows of a report share most of their formulas: a chain's rows are composed of the same
segments, a graph's of the same shifts. sympy's ``str()`` prints every row from scratch,
and puts each sum's terms in order by looking at every factor of every term (``as_terms``)
and sorting every base anew. :func:`formula_text` prints the same text, remembering the text
of each subformula, what it found out about each term, and the sort key of each base, so
printing a long chain's rows costs about the length of what is printed.

>>> from symrf.maths.scalars import symbols
>>> k, s = symbols("k s")
>>> formula_text(k + s*(k - 1)) == str(k + s*(k - 1))
True
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.core.exprtools import decompose_power
from sympy.core.mul import _keep_coeff
from sympy.core.sorting import default_sort_key
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter


class _SharedPrinter(StrPrinter):
    """sympy's ``str()`` printer, remembering what it worked out about every subformula.

    A subformula's text does not depend on where it sits (the parent adds parentheses), so
    the remembered text is the one ``str()`` would print again. Sums are put in sympy's
    order (:meth:`sympy.core.expr.Expr.as_ordered_terms`) from remembered terms and keys.
    """

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[sympy.Basic, str] = {}
        self.terms: dict[sympy.Basic, tuple | None] = {}
        self.keys: dict[sympy.Basic, Any] = {}
        self.precedences: dict[sympy.Basic, int] = {}
        self.entries: dict[sympy.Basic, tuple] = {}

    def clear(self) -> None:
        """Forget every text, term, key and precedence (a cold start; a full memory)."""
        self.texts.clear()
        self.terms.clear()
        self.keys.clear()
        self.precedences.clear()
        self.entries.clear()

    def _print(self, expr: Any, **options: Any) -> str:
        if options or not isinstance(expr, sympy.Basic):
            return str(super()._print(expr, **options))
        text = self.texts.get(expr)
        if text is None:
            if len(self.texts) + len(self.terms) + len(self.keys) + len(self.entries) \
                    >= _REMEMBERED:
                self.clear()  # (no more precedences than texts)
            text = self.texts[expr] = str(super()._print(expr))
        return text

    def _precedence(self, item: Any) -> int:
        """The precedence sympy gives ``item``, remembered (a product's builds its negation)."""
        if not isinstance(item, sympy.Basic):
            return int(precedence(item))
        found = self.precedences.get(item)
        if found is None:
            found = self.precedences[item] = precedence(item)
        return found

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        """As :meth:`StrPrinter.parenthesize`, with remembered precedences."""
        found = self._precedence(item)
        if found < level or (not strict and found <= level):
            return f"({self._print(item)})"
        return self._print(item)

    def _print_Mul(self, expr: Any) -> str:
        """As :meth:`StrPrinter._print_Mul` for an evaluated commutative product.

        The factors are put in order with remembered sort keys, and a plain symbol is
        printed as its name (never in parentheses); a power other than ``1/x``, a
        non-commuting or unevaluated product is left to sympy.
        """
        whole, args = expr, expr.args
        if not expr.is_commutative or args[0] is sympy.S.One or any(  # unevaluated
                isinstance(arg, sympy.Number) or (arg.is_Pow and arg.base.is_Integer
                                                  and arg.exp.is_Integer) for arg in args[1:]):
            return str(super()._print_Mul(expr))
        prec = self._precedence(expr)
        coeff, rest = expr.as_coeff_Mul()
        sign = ""
        if coeff < 0:
            expr, sign = _keep_coeff(-coeff, rest), "-"
        factors = list(expr.args) if expr.is_Mul else [expr]
        factors.sort(key=self._key)
        above: list[Any] = []
        below: list[Any] = []
        for item in factors:
            if type(item) is sympy.Symbol:
                above.append(item)
            elif item.is_Pow and item.exp.as_coeff_Mul()[0] < 0:
                if item.exp is not sympy.S.NegativeOne or item.base.is_Mul or item.base.is_Pow:
                    return str(super()._print_Mul(whole))  # sympy's rules for these
                below.append(item.base)
            elif item.is_Rational:
                if item.p != 1:
                    above.append(sympy.Rational(item.p))
                if item.q != 1:
                    below.append(sympy.Rational(item.q))
            else:
                above.append(item)
        top = "*".join([self._factor(item, prec) for item in above or [sympy.S.One]])
        if not below:
            return sign + top
        bottom = [self._factor(item, prec) for item in below]
        return sign + top + ("/" + bottom[0] if len(bottom) == 1 else f"/({'*'.join(bottom)})")

    def _factor(self, item: Any, level: int) -> str:
        """A factor's text, in parentheses where its precedence asks (a symbol: its name)."""
        return item.name if type(item) is sympy.Symbol else self.parenthesize(item, level)

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        """As :meth:`StrPrinter._print_Add`, with remembered precedences."""
        terms = self._as_ordered_terms(expr, order=order)
        prec = self._precedence(expr)
        parts = []
        for term in terms:
            text = self._print(term)
            if text.startswith("-") and not term.is_Add:
                sign = "-"
                text = text[1:]
            else:
                sign = "+"
            if self._precedence(term) < prec or term.is_Add:
                parts.extend([sign, f"({text})"])
            else:
                parts.extend([sign, text])
        sign = parts.pop(0)
        return ("" if sign == "+" else sign) + " ".join(parts)

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list:
        """The terms of a sum in the order ``str()`` prints them.

        sympy's ``as_ordered_terms`` sorts the terms by their exponent vectors over all the
        sum's bases, sorted by ``default_sort_key``, lexicographically with larger exponents
        first, then by coefficient. Where every exponent is a positive integer, a term's
        bases and exponents listed in that order compare the same way (a base one term has
        and the other lacks comes first), and that list is the term's own: it is worked out
        once per term, not once per sum. Anything else sympy orders itself.
        """
        if (order or self.order) is not None or not expr.is_Add or _special(expr):
            return list(super()._as_ordered_terms(expr, order=order))
        keys = [self._order_key(term) for term in expr.args]
        if any(key is None for key in keys):
            return list(super()._as_ordered_terms(expr, order=order))
        ranked = sorted(zip(keys, range(len(keys)), expr.args, strict=True))  # stable: index
        return [term for _, _, term in ranked]

    def _order_key(self, term: sympy.Basic) -> tuple | None:
        """The key ordering ``term`` in any sum it is in (None: sympy orders that sum)."""
        key = self.terms.get(term, _UNSEEN)
        if key is _UNSEEN:
            key = self.terms[term] = self._ordered(term)
        return key  # type: ignore[return-value]  # a key or None, not the marker

    def _ordered(self, term: sympy.Basic) -> tuple | None:
        """What ``sympy.Expr.as_terms`` finds of one term, as a key (see above).

        Each factor's entry ``(0, sort key of its base, -exponent)`` is remembered, so a
        product of a thousand strides costs a thousand lookups. None where sympy finds more
        than commuting factors with positive whole exponents (an ``Order`` term, ``1/x``).
        """
        if term.is_Order:
            return None
        coeff, rest = term.as_coeff_Mul()
        value = complex(coeff)
        listed = []
        entries = self.entries
        for factor in () if rest is sympy.S.One else sympy.Mul.make_args(rest):
            entry = entries.get(factor)
            if entry is None:
                if factor.is_number:
                    try:
                        value *= complex(factor)
                    except (TypeError, ValueError):
                        pass
                    else:
                        continue
                if not factor.is_commutative:
                    return None
                base, power = decompose_power(factor)
                if type(power) is not int or power <= 0:
                    return None
                entry = entries[factor] = (0, self._key(base), -power)
            listed.append(entry)
        listed.sort()  # by base, as sympy sorts the sum's bases
        re, im = value.real, value.imag
        # (0, ...) entries, then (1,): a term that stops sorts after one that goes on
        return (*listed, (1,)), (), ((bool(im), im), (re, im))

    def _key(self, base: sympy.Basic) -> Any:
        key = self.keys.get(base)
        if key is None:
            key = self.keys[base] = default_sort_key(base)
        return key


def _special(expr: sympy.Basic) -> bool:
    """Whether sympy orders ``expr`` by its special case (``1 - x`` stays ``1 - x``)."""
    args = expr.args
    return len(args) == 2 and any(isinstance(arg, sympy.Number | sympy.NumberSymbol)
                                  for arg in args)


_UNSEEN = object()
"""A term not looked at yet (None is a remembered answer: sympy orders its sums)."""

_REMEMBERED = 1 << 17
"""Most texts, terms and keys kept by :func:`formula_text` before it starts afresh."""

PRINTER = _SharedPrinter()
"""The printer behind :func:`formula_text` (``PRINTER.clear()`` forgets what it printed)."""


def formula_text(value: sympy.Basic) -> str:
    """``str(value)``, reusing what earlier calls worked out about its subformulas.

    >>> from symrf.maths.scalars import symbols
    >>> k, s = symbols("k s")
    >>> formula_text(1 - s + k*s**2) == str(1 - s + k*s**2)
    True
    """
    return PRINTER.doprint(value)
