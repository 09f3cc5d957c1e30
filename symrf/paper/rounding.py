"""Floors and ceilings as a paper writes them: one rounding per quantity, parities named.

Helpers of :mod:`symrf.paper.forms`: a rounding's argument over its least monomial
denominator, ``floor((n - 1)/d)`` as ``ceiling(n/d) - 1`` where that ceiling occurs too,
and TF SAME's ``ceiling(x/2) - ceiling((x - 1)/2)`` as ``Mod(x, 2)``.

>>> from symrf.maths.scalars import symbols
>>> n, s = symbols("n s")
>>> over_monomial(n/(2*s) - sympy.Rational(1, 2))
(n - s, 2*s)
>>> parities(3*sympy.ceiling(n/2) - 3*sympy.ceiling((n - 1)/2) + 1)
3*(Mod(n, 2)) + 1
"""

from __future__ import annotations

import functools

import sympy

from symrf.maths.algebra import whole


def flat_expand(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` expanded as a sum of products, leaving the insides of functions as they are.

    sympy's ``expand`` also rewrites the arguments of floors, ceilings and ``Max``, undoing
    the forms already chosen for them.

    >>> from symrf.maths.scalars import symbols
    >>> k, s = symbols("k s")
    >>> flat_expand(2*(k - 1)*sympy.ceiling((k - 1)/s))
    2*k*ceiling((k - 1)/s) - 2*ceiling((k - 1)/s)
    """
    inside = {node: sympy.Dummy("f") for node in sympy.preorder_traversal(expr)
              if isinstance(node, sympy.Function)}
    if not inside:
        return sympy.expand(expr)
    outermost = {node: place for node, place in inside.items()
                 if not any(other is not node and other.has(node) for other in inside)}
    back = {place: node for node, place in outermost.items()}
    return sympy.expand(expr.xreplace(outermost)).xreplace(back)


def present_ceilings(shaped: dict[sympy.Dummy, sympy.Expr]) -> None:
    """``floor((n - 1)/d)`` as ``ceiling(n/d) - 1`` where ``ceiling(n/d)`` occurs too.

    One rounding of the same quantity instead of two lets the sign of a difference be
    shown (TF SAME's ``Max(0, ...)``) and terms cancel.
    """
    present = set().union(*(value.atoms(sympy.ceiling) for value in shaped.values()))
    for place, value in shaped.items():
        if not isinstance(value, sympy.floor):
            continue
        numerator, denominator = over_monomial(value.args[0])
        if not denominator.is_Integer or not whole(numerator):
            continue
        moved = flat_expand(numerator - denominator + 1)
        constant = moved.as_coeff_Add()[0]
        if constant % denominator == 0:
            ceiling = sympy.ceiling((moved - constant) / denominator)
            if ceiling in present:
                shaped[place] = ceiling + constant / denominator


@functools.lru_cache(maxsize=1 << 12)
def over_monomial(inner: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``inner`` as ``numerator/denominator`` with the least monomial denominator."""
    denominator = sympy.Integer(1)
    terms = [sympy.fraction(term) for term in sympy.Add.make_args(flat_expand(inner))]
    factored = {below: sympy.factor(below) if below.is_Add else below for _, below in terms}
    for each in factored.values():
        monomial = sympy.Mul(*(f for f in sympy.Mul.make_args(each)
                               if not (f.is_Pow and f.exp.is_Integer and f.base.is_Add)
                               and not f.is_Add))
        denominator = _common_multiple(denominator, monomial)
    return sympy.Add(*(above * denominator / factored[below] for above, below in terms)), \
        denominator


def _common_multiple(first: sympy.Expr, second: sympy.Expr) -> sympy.Expr:
    """A common multiple of two monomials, the least when their exponents differ by numbers.

    (sympy's ``lcm`` goes through polynomial arithmetic: seconds on a long chain's strides.)
    """
    powers = dict(first.as_powers_dict())
    for base, exponent in second.as_powers_dict().items():
        if base.is_Number:
            continue
        known = powers.get(base, 0)
        gap = exponent - known
        powers[base] = (exponent if gap.is_number and gap > 0 else known) if gap.is_number \
            else known + exponent
    number = sympy.ilcm(int(first.as_coeff_Mul()[0]), int(second.as_coeff_Mul()[0]))
    return number * sympy.Mul(*(base**exponent for base, exponent in powers.items()
                                if not base.is_Number))


def parities(expr: sympy.Expr) -> sympy.Expr:
    """``a*ceiling(x/2) - a*ceiling((x - 1)/2)`` is ``a*Mod(x, 2)``: 1 for odd ``x``, else 0.

    TF SAME padding with stride 2 pads one more pixel on the left at odd lengths: this is
    how each strided layer's share reads.
    """
    if not expr.is_Add:
        return expr
    terms: dict[sympy.Expr, sympy.Expr] = {}
    for term in expr.args:
        coefficient, rest = term.as_coeff_Mul()
        terms[rest] = terms.get(rest, 0) + coefficient
    changed = False
    for rest, coefficient in list(terms.items()):
        if not isinstance(rest, sympy.ceiling) or rest not in terms:
            continue
        half = rest.args[0]
        twin = sympy.ceiling(half - sympy.Rational(1, 2))
        if terms.get(twin) == -coefficient and whole(flat_expand(2 * half)):
            del terms[rest], terms[twin]
            parity = sympy.Mod(flat_expand(2 * half), 2)
            terms[parity] = terms.get(parity, 0) + coefficient
            changed = True
    if not changed:
        return expr
    return sympy.Add(*(coefficient * rest for rest, coefficient in terms.items()))
