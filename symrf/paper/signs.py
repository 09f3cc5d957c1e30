"""Signs and number factors of a paper form: the last touches, after the rewriting.

A factor that is a sum leads with its positive terms (``2*(k - 1)``, not ``-2*(1 - k)``);
powers of one number merge (``2*2**n`` is ``2**(n + 1)``); a sum whose every coefficient
is a fraction is written over one number (``(k - 1)/2``, which sympy would spread into
``k/2 - 1/2``). Every choice looks at signs and structure, never at names.

>>> from symrf.maths.scalars import symbols
>>> k, L = symbols("k L")
>>> signed(sympy.Mul(-2, 1 - k, 2**L - 1))
2*(2**L - 1)*(k - 1)
>>> over_numbers(k/2 - sympy.Rational(1, 2))
(k - 1)/2
"""

from __future__ import annotations

import itertools

import sympy

_ROUNDING = (sympy.floor, sympy.ceiling)


def merged_powers(expr: sympy.Expr) -> sympy.Expr:
    """Powers of one number merged in each product: ``2*2**n`` is ``2**(n + 1)``."""
    if expr.is_Atom:
        return expr
    args = [merged_powers(arg) if isinstance(arg, sympy.Expr) else arg for arg in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    if rebuilt.is_Mul and any(f.is_Pow and f.base.is_Number and not f.exp.is_Number
                              for f in rebuilt.args):
        return sympy.powsimp(rebuilt, combine="exp")
    return rebuilt


def signed(expr: sympy.Expr, flip: bool = True) -> sympy.Expr:
    """Each sum inside a product (or an integer power) oriented by :func:`_reads_negated`.

    The numerator of a rounding keeps its orientation (``floor((n_in - k)/s)``): the
    rounding rules have oriented it already, and ``floor(-y)`` is not ``-floor(y)``.
    """
    if expr.is_Atom:
        return expr
    inner = not isinstance(expr, _ROUNDING)
    args = [signed(arg, inner) if isinstance(arg, sympy.Expr) else arg for arg in expr.args]
    if not expr.is_Mul or not flip:
        return expr.func(*args) if args != list(expr.args) else expr
    sign, factors = 1, []
    for factor in args:
        base, power = (factor.base, factor.exp) if factor.is_Pow and factor.exp.is_Integer \
            else (factor, sympy.Integer(1))
        if base.is_Add and _reads_negated(base):
            sign *= (-1) ** int(power)
            base = -base  # sympy spreads the sign over the sum's terms
        factors.append(base**power)
    return sign * sympy.Mul(*factors)


def _reads_negated(total: sympy.Expr) -> bool:
    """Whether a factor that is a sum reads better negated, decided on its signs alone.

    More negative than positive terms besides the number: negate (``1 - k``). As many: the
    number should be negative (``k - p - 1``, not ``-k + p + 1``). A sum that stays a tie
    (``a - b``) keeps the orientation it came with.
    """
    signs = [bool(term.as_coeff_Mul()[0] < 0) for term in total.args if not term.is_Number]
    negative, positive = sum(signs), len(signs) - sum(signs)
    if negative != positive:
        return negative > positive
    return bool(total.as_coeff_Add()[0] > 0)


def negated(total: sympy.Expr) -> bool:
    """Whether a sum is best written negated: every term but a number is negative (``1 - k``).

    A sum with positive and negative terms besides (``n_in - k``) keeps its sign.
    """
    signs = [bool(term.as_coeff_Mul()[0] < 0) for term in total.args if not term.is_Number]
    return bool(signs) and all(signs)


def over_numbers(expr: sympy.Expr) -> sympy.Expr:
    """Sums whose every term has a fraction coefficient as one fraction: ``(k - 1)/2``.

    sympy spreads a number over a sum (``k/2 - 1/2``); the product is kept unevaluated, so
    it prints as written and evaluates as soon as numbers are substituted.
    """
    if expr.is_Atom:
        return expr
    args = [over_numbers(arg) if isinstance(arg, sympy.Expr) else arg for arg in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    if not rebuilt.is_Add:
        return rebuilt
    coefficients = [term.as_coeff_Mul()[0] for term in rebuilt.args]
    if not all(c.is_Rational and not c.is_Integer for c in coefficients):
        return rebuilt
    scale = sympy.ilcm(*(int(c.q) for c in coefficients))
    total = sympy.Add(*(scale * term for term in rebuilt.args))
    if negated(total):
        return sympy.Mul(sympy.Rational(-1, scale), -total, evaluate=False)
    return sympy.Mul(total, sympy.Pow(scale, -1, evaluate=False), evaluate=False)



def _nodes(expr: sympy.Basic, limit: int = 200) -> int:
    return sum(1 for _ in itertools.islice(sympy.preorder_traversal(expr), limit + 1))


def ordered_terms(expr: sympy.Expr) -> list[sympy.Expr]:
    """The terms of a sum in the order a paper writes them: positive first, the number last.

    Within each group, terms of lower degree come first (a chain's sum in layer order:
    ``k0 + s0*(k1 - 1) + s0*s1*(k2 - 1)``), then sympy's own order. For
    renderers that print a sum term by term (sympy's printers sort by name, so
    ``-n*(k - 1) + n_in`` would lead with the negative term).

    >>> from symrf.maths.scalars import symbols
    >>> k, n, n_in = symbols("k n n_in")
    >>> ordered_terms(n_in - n*(k - 1))
    [n_in, -n*(k - 1)]
    """
    terms = list(sympy.Add.make_args(expr))
    if len(terms) == 1:
        return terms

    def rank(term: sympy.Expr) -> tuple[int, int]:
        negative = bool(term.as_coeff_Mul()[0] < 0)
        return (2 if term.is_Number else int(negative), _degree(term))

    ordered = expr.as_ordered_terms() if expr.is_Add else terms
    return sorted(ordered, key=rank)


def _degree(term: sympy.Expr) -> int:
    degree = 0
    for factor in sympy.Mul.make_args(term.as_coeff_Mul()[1]):
        if factor.is_Pow and factor.exp.is_Integer:
            degree += int(factor.exp) * (1 if not factor.base.is_Add else _degree(
                factor.base.as_ordered_terms()[0]))
        elif factor.is_Add:
            degree += max(_degree(arg) for arg in factor.args)
        elif not factor.is_Number:
            degree += 1
    return degree
