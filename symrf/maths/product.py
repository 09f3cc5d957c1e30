"""Long symbolic products built as sympy builds them, by merging rather than re-sorting.

A symbolic chain's formulas hold products of every stride so far (``s0*s1*...*s299``), and
composing one more segment multiplies two such products. ``sympy.Mul`` takes each factor
apart again and sorts them all (a few microseconds per factor, at every step). When the
factors are plain (symbols, sums, functions, powers of symbols) and no two share a base,
sympy's result is just the factors in its canonical order, behind the coefficient:
:func:`product` builds that directly, merging the already-ordered factors of its operands.
Anything else goes to sympy, so the result is always the one ``Mul`` returns.

>>> from symrf.maths.scalars import symbols
>>> s0, s1, k = symbols("s0 s1 k")
>>> product(s0 * s1, k - 1) == sympy.Mul(s0 * s1, k - 1)
True
"""

from __future__ import annotations

import functools
from typing import Any

import sympy
from sympy.core.basic import ordering_of_classes
from sympy.core.parameters import global_parameters

_ORDER = functools.cmp_to_key(sympy.Basic.compare)
"""sympy's canonical order of a product's factors (``Mul``'s own sort key)."""

_MERGED = 16
"""Products of fewer factors are left to sympy: merging pays off on long ones."""


def product(first: Any, second: Any) -> Any:
    """``first * second``, exactly as ``sympy.Mul`` gives it (numbers multiply as numbers).

    See the module docstring for when the product is merged rather than built by ``Mul``.

    >>> product(2, 3)
    6
    """
    if not (isinstance(first, sympy.Expr) and isinstance(second, sympy.Expr)):
        return first * second
    merged = _merged((first, second))
    return sympy.Mul(first, second) if merged is None else merged


def quotient(numerator: sympy.Expr, denominator: sympy.Mul) -> sympy.Expr:
    """``numerator / denominator`` for a product of symbols, exactly as sympy gives it.

    sympy writes ``1/(s0*s1*...)`` as the product of the inverses, and ``numerator`` times
    that product as one product: built here from remembered inverses.

    >>> from symrf.maths.scalars import symbols
    >>> s0, s1, n = symbols("s0 s1 n")
    >>> quotient(n + 1, s0 * s1) == (n + 1) / (s0 * s1)
    True
    """
    inverses = [_inverse(factor) for factor in denominator.args]
    merged = _merged((numerator, *inverses))
    return sympy.Mul(numerator, *inverses) if merged is None else merged


def _inverse(symbol: sympy.Symbol) -> sympy.Expr:
    found = _INVERSES.get(symbol)
    if found is None:
        if len(_INVERSES) >= _REMEMBERED:
            _INVERSES.clear()
        found = _INVERSES[symbol] = sympy.Pow(symbol, -1)
    return found


_INVERSES: dict[sympy.Symbol, sympy.Expr] = {}
_REMEMBERED = 1 << 16


def _merged(operands: tuple[sympy.Expr, ...]) -> sympy.Expr | None:
    """The product of plain factors with distinct bases, or None (sympy must build it)."""
    if not global_parameters.evaluate:
        return None
    coeff: sympy.Expr = sympy.S.One
    factors: list[sympy.Expr] = []
    for operand in operands:
        number, rest = operand.as_coeff_Mul()
        if not number.is_Rational:
            return None
        coeff *= number
        if rest is not sympy.S.One:
            factors.extend(sympy.Mul.make_args(rest))
    if len(factors) < _MERGED or coeff.is_zero:
        return None
    bases = set()
    for factor in factors:
        if not _plain(type(factor)) or not factor.is_commutative:
            return None
        if factor.is_Pow and not (factor.base.is_Symbol and factor.exp.is_Integer):
            return None
        bases.add(factor.base if factor.is_Pow else factor)
    if len(bases) != len(factors):  # a shared base: sympy combines the powers
        return None
    _order(factors)
    if coeff is not sympy.S.One:
        factors.insert(0, coeff)
    return sympy.Mul._from_args(factors, True)


def _order(factors: list[sympy.Expr]) -> None:
    """Sort ``factors`` (distinct bases) in sympy's canonical order, in place.

    ``Basic.compare`` orders two factors by class (:func:`_class_key`), then by the length
    and items of their hashable content; for symbols those items are a name and assumption
    pairs, so a tuple of them sorts the same way, without a Python call per comparison. A
    power of a symbol goes by its base (the bases differ). Other factors are keyed by their
    class alone when no other factor has it; otherwise ``Basic.compare`` sorts them all.
    """
    keys = [_key(factor) for factor in factors]
    alone = [key for key in keys if key is not None and len(key) == 1]
    if None in keys or len(set(alone)) != len(alone):
        factors.sort(key=_ORDER)  # each operand's factors are in order already: runs to merge
        return
    ordered = sorted(zip(keys, factors, strict=True), key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]  # no None
    factors[:] = [factor for _, factor in ordered]


def _key(factor: sympy.Expr) -> tuple | None:
    key = _KEYS.get(factor, _UNSEEN)
    if key is _UNSEEN:
        if len(_KEYS) >= _REMEMBERED:
            _KEYS.clear()
        key = _KEYS[factor] = _keyed(factor)
    return key  # type: ignore[return-value]  # a key or None


def _keyed(factor: sympy.Expr) -> tuple | None:
    """The sort key of one factor (see :func:`_order`), or None: compare it."""
    if factor.is_Symbol:
        content = factor._hashable_content()
        if any(isinstance(item, sympy.Basic | frozenset) for item in content):
            return None
        return _class_key(type(factor)), len(content), content
    if factor.is_Pow:  # of a symbol, with an integer exponent (see _merged)
        base = _keyed(factor.base)
        return None if base is None else (_class_key(type(factor)), 2, base)
    return (_class_key(type(factor)),)


def _class_key(kind: type) -> tuple[int, str]:
    """``Basic.compare``'s order of classes: their place in sympy's list, else their name."""
    found = _CLASS_KEYS.get(kind)
    if found is None:
        known = ordering_of_classes
        unknown = len(known) + 1
        place = known.index(kind.__name__) if kind.__name__ in known else unknown
        found = _CLASS_KEYS[kind] = (place, kind.__name__ if place == unknown else "")
    return found


_KEYS: dict[sympy.Expr, tuple | None] = {}
_UNSEEN = object()


def _plain(kind: type) -> bool:
    """Whether ``Mul`` keeps a factor of this kind as it is (given distinct bases).

    Symbols, sums, powers (of symbols, checked apart) and functions such as ``floor``,
    ``Max`` or a geometric sum; no number (sympy folds those into the coefficient), no
    kind with constructor postprocessors (matrices), no ``exp`` (its base is ``E``).
    """
    found = _PLAIN.get(kind)
    if found is None:
        hooks = sympy.Basic._constructor_postprocessor_mapping
        found = _PLAIN[kind] = (
            not issubclass(kind, sympy.Number | sympy.NumberSymbol) and kind is not sympy.exp
            and issubclass(kind, sympy.Symbol | sympy.Add | sympy.Pow | sympy.Function)
            and not any(cls in hooks for cls in kind.__mro__))
    return found


_CLASS_KEYS: dict[type, tuple[int, str]] = {}
_PLAIN: dict[type, bool] = {}
