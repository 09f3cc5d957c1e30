"""The paper form of a figure: one canonical formula, whatever the symbols are called.

:func:`paper_form` first lets the assumptions decide what they can (:mod:`symrf.paper.assume`),
then rebuilds the formula from its expansion, which sympy keeps the same for any names. Every
later choice looks at the structure only (numbers of terms and operations, signs of
coefficients), never at a name or at the order of terms, so renaming the symbols renames the
result (see ``docs/explanation/paper-forms.md`` for the precise guarantee). The rules:

- a symbol ``x`` whose sum reads shorter in ``x - 1`` is written so: per-layer terms come out
  as ``(k - 1)*s0*s1`` and a chain as Araujo et al.'s flat sum ``k0 + s0*(k1 - 1) + ...``;
  terms with the same ``(x - 1)`` are gathered (``(k - 1)*(d1 + d2) + 1``);
- the rest of a sum is factored when its factors are plain sums (``L*(L + 1)/2 + 1``,
  ``2*(k - 1)*(2**L - 1)``), and powers of a number merge (``2**(n + 1) - 1``);
- terms over the same denominator stay one fraction (``(k - 1)*(s**n - 1)/(s - 1)``);
- ``floor((n + s - 1)/s)`` becomes ``ceiling(n/s)``, also when the ``+ 1`` stands outside;
- a sum inside a product leads with a positive term (``2*(k - 1)``, not ``-2*(1 - k)``);
- ``Max``/``Min`` arguments that provably never win are dropped.

>>> from symrf.maths.scalars import symbols
>>> k, s, n, L = symbols("k s n L")
>>> paper_form(L*k - L + 1), paper_form(n*k - n + 1)
(L*(k - 1) + 1, n*(k - 1) + 1)
>>> paper_form(2*2**n - 1), paper_form(L**2/2 + L/2 + 1)
(2**(n + 1) - 1, L*(L + 1)/2 + 1)
>>> paper_form(sympy.floor((n + s - 1)/s))
ceiling(n/s)
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from fractions import Fraction

import sympy

from symrf.maths.algebra import whole
from symrf.maths.scalars import Scalar, expression, scalar
from symrf.paper.assume import Assumptions, assumptions
from symrf.paper.monomials import plain_symbols, shift, shortens, terms
from symrf.paper.rounding import flat_expand, over_monomial, parities, present_ceilings
from symrf.paper.signs import merged_powers, negated, over_numbers, signed

_LARGE = 400
"""Formulas of more nodes than this are only decided and tidied locally, not expanded."""


_ROUNDING = (sympy.floor, sympy.ceiling)


_ROUNDS = 3
"""Most passes of the rules; the second only finds work when sympy rewrote a rounding."""

_AGAIN = 300
"""Formulas up to this many nodes get a second pass of the rules when the first changed them
(a rounding's numerator then sees its terms gathered); larger ones get one pass."""


def paper_form(expr: Scalar, assume: Assumptions | Sequence[str] | None = None) -> sympy.Expr:
    """The form of ``expr`` a paper would print, under the assumptions ``assume``.

    Args:
        expr: A figure: an int, a Fraction or a sympy expression (as :func:`symrf.derive`
            gives them).
        assume: :class:`~symrf.paper.Assumptions`, or assumption texts such as ``["s > 1"]``.
            Every symbol is a positive integer in any case.

    Returns:
        A sympy expression equal to ``expr`` wherever the assumptions hold (numbers as sympy
        numbers). A per-axis tuple gives a tuple; ``None`` (an unknown figure) and flags
        come back as they are.

    >>> from symrf.maths.scalars import symbols
    >>> k, s, n = symbols("k s n")
    >>> rf = sympy.Piecewise((n*(k - 1) + 1, sympy.Eq(s, 1)),
    ...                      ((k - 1)*(s**n - 1)/(s - 1) + 1, True))
    >>> paper_form(rf, ["s > 1"])
    (k - 1)*(s**n - 1)/(s - 1) + 1
    """
    facts = assume if isinstance(assume, Assumptions) else assumptions(assume)
    if expr is None or isinstance(expr, bool):
        return expr  # type: ignore[return-value]  # passed through for renderers
    if isinstance(expr, tuple):
        return tuple(paper_form(e, facts) for e in expr)  # type: ignore[return-value]  # per axis
    if not isinstance(expr, sympy.logic.boolalg.Boolean):
        expr = scalar(expr, "paper_form: the figure")  # numpy's integers too; no floats
    value = _sympy(expr)
    if value.is_number or isinstance(value, sympy.logic.boolalg.Boolean):
        return value
    return _paper(value, facts.texts)


@functools.lru_cache(maxsize=1 << 12)
def _paper(value: sympy.Expr, texts: tuple[str, ...]) -> sympy.Expr:
    """:func:`paper_form` of one expression; a report's rows share many figures."""
    facts = assumptions(texts)
    if value.has(sympy.Piecewise):
        value = sympy.piecewise_fold(value)
    value = facts.decide(value)
    if _nodes(value) > _LARGE:
        return value  # rewriting would cost seconds: kept as the engine built it
    for _ in range(_ROUNDS):  # a dropped Max can let sympy split a floor: shape it again
        shaped = _shape(value, facts)
        dropped = len(shaped.atoms(sympy.Max, sympy.Min)) < len(value.atoms(sympy.Max, sympy.Min))
        again = dropped or (shaped != value and _nodes(shaped) <= _AGAIN)
        value = shaped
        if not again:
            break
    return over_numbers(value)


def _sympy(expr: Scalar) -> sympy.Expr:
    if isinstance(expr, bool | sympy.logic.boolalg.BooleanAtom):
        return sympy.true if expr else sympy.false  # type: ignore[return-value]  # a flag
    if isinstance(expr, int | Fraction):
        return expression(expr)
    return expr


def _nodes(expr: sympy.Basic) -> int:
    nodes = itertools.islice(sympy.preorder_traversal(expr), _LARGE + 1)
    return sum(1 for _ in nodes)


def _shape(expr: sympy.Expr, facts: Assumptions) -> sympy.Expr:
    """The canonical form of ``expr``: cases one by one, opaque parts first, then the sum."""
    if expr.is_Atom:
        return expr
    if isinstance(expr, sympy.Piecewise):
        cases = [(_shape(_within(case, condition), facts), condition)
                 for case, condition in expr.args]
        return sympy.Piecewise(*cases)
    places: dict[sympy.Basic, sympy.Dummy] = {}
    shaped: dict[sympy.Dummy, sympy.Expr] = {}
    for node in _opaque(expr):
        known = {"integer": node.is_integer, "positive": node.is_positive,
                 "nonnegative": node.is_nonnegative}
        place = sympy.Dummy("u", **{key: True for key, value in known.items() if value})
        places[node], shaped[place] = place, _shape_opaque(node, facts)
    present_ceilings(shaped)
    body = expr.xreplace(places) if places else expr
    expanded = sympy.expand(body)
    if len(expanded.args) == 2 and expanded.is_Add:  # a floor and a number, as a rule
        body = _polish(_absorbed(expanded, shaped, facts))
    else:
        body = _absorbed(_polish(expanded), shaped, facts)
    return signed(merged_powers(parities(body.xreplace(shaped))))


def _opaque(expr: sympy.Basic) -> list[sympy.Basic]:
    """The outermost parts that are not sums, products or integer powers."""
    found, pending = [], [expr]
    while pending:
        node = pending.pop()
        if node.is_Atom:
            continue
        if node.is_Add or node.is_Mul or (node.is_Pow and node.exp.is_Integer):
            pending.extend(node.args)
        elif node.is_Pow and node.base.is_Number and not node.exp.has(*_ROUNDING, sympy.Max,
                                                                       sympy.Min):
            continue  # 2**n stays in the sum, where 2*2**n can become 2**(n + 1)
        else:
            found.append(node)
    return list(dict.fromkeys(found))


def _shape_opaque(node: sympy.Basic, facts: Assumptions) -> sympy.Expr:
    if isinstance(node, _ROUNDING):
        return _rounded(type(node), node.args[0], facts)
    if isinstance(node, sympy.Max | sympy.Min):
        return _binding(node.func, [_shape(arg, facts) for arg in node.args], facts)
    return node.func(*(_shape(arg, facts) if isinstance(arg, sympy.Expr) else arg
                       for arg in node.args))


def _within(case: sympy.Expr, condition: sympy.Basic) -> sympy.Expr:
    """A case read under its condition: ``Eq(s, 1)`` puts 1 for ``s`` in the case."""
    if isinstance(condition, sympy.Eq) and condition.lhs.is_Symbol and condition.rhs.is_Number:
        return case.xreplace({condition.lhs: condition.rhs})
    return case


def _binding(kind: type, args: list[sympy.Expr], facts: Assumptions) -> sympy.Expr:
    """``Max``/``Min`` of ``args`` without the arguments that another provably beats."""
    sign = 1 if kind is sympy.Max else -1
    kept = list(dict.fromkeys(args))
    for arg in list(kept):
        if any(other is not arg and other in kept and facts.nonnegative(sign * (other - arg))
               for other in kept):
            kept.remove(arg)
    return kind(*kept)


def _rounded(kind: type, inner: sympy.Expr, facts: Assumptions) -> sympy.Expr:
    """``floor``/``ceiling`` of ``inner``; ``floor((c + d - 1)/d)`` is ``ceiling(c/d)``."""
    numerator, denominator = over_monomial(inner)
    if numerator.is_Add and negated(numerator):  # floor(-y) is -ceiling(y)
        other = sympy.ceiling if kind is sympy.floor else sympy.floor
        return -_rounded(other, -numerator / denominator, facts)
    if kind is sympy.floor:
        ceiling = _as_ceiling(numerator, denominator, facts)
        if ceiling is not None:
            return ceiling
    whole_part, rest = sympy.Integer(0), []
    for term in sympy.Add.make_args(numerator):
        share = term / denominator
        if whole(share):  # an integer leaves the rounding unchanged: take it out
            whole_part += share
        else:
            rest.append(term)
    if whole_part == 0:
        return kind(_shape(numerator, facts) / denominator)
    return _shape(whole_part, facts) + _rounded(kind, sympy.Add(*rest) / denominator, facts)


def _as_ceiling(numerator: sympy.Expr, denominator: sympy.Expr, facts: Assumptions
                ) -> sympy.Expr | None:
    """``ceiling(c/d)`` for ``floor((c + d - 1)/d)`` when ``c`` has no constant term."""
    if denominator == 1 or not (whole(denominator) and denominator.is_positive):
        return None
    rest = flat_expand(numerator - denominator + 1)
    if rest.as_coeff_Add()[0] != 0 or not whole(rest):
        return None
    return sympy.ceiling(_shape(rest, facts) / denominator)


def _absorbed(body: sympy.Expr, shaped: dict[sympy.Dummy, sympy.Expr], facts: Assumptions
              ) -> sympy.Expr:
    """``a*floor(y) + a*t`` as ``a*ceiling(...)`` when the constant ``a*t`` fits in the floor."""
    constant, _ = body.as_coeff_Add()
    if constant == 0 or not constant.is_Integer:
        return body
    found = []
    for term in sympy.Add.make_args(body):
        factor, place = term.as_coeff_Mul()
        if place in shaped and isinstance(shaped[place], sympy.floor) and factor.is_Integer \
                and constant % factor == 0:
            inner = shaped[place].args[0] + constant / factor
            ceiling = _as_ceiling(*over_monomial(inner), facts)
            if ceiling is not None:
                found.append((term, factor * ceiling))
    if len(found) != 1:  # none, or a choice between floors: keep the sum as it is
        return body
    term, replacement = found[0]
    place = sympy.Dummy("u", integer=True)
    shaped[place] = replacement
    return body - term - constant + place


def _polish(expr: sympy.Expr, constant_apart: bool = True) -> sympy.Expr:
    """An expanded sum rebuilt: terms over one denominator together, each numerator formed."""
    groups: dict[sympy.Expr, list[sympy.Expr]] = {}
    for term in sympy.Add.make_args(expr):
        numerator, denominator = term.as_numer_denom()
        number, rest = sympy.factor_terms(denominator).as_coeff_Mul()
        groups.setdefault(rest, []).append(numerator / number)
    parts = [_numerator(sympy.Add(*terms), constant_apart and below == 1) / below
             for below, terms in groups.items()]
    return sympy.Add(*parts)


def _numerator(poly: sympy.Expr, constant_apart: bool) -> sympy.Expr:
    """One sum without denominators, in its shortest form among the candidates."""
    constant, rest = poly.as_coeff_Add() if constant_apart else (sympy.Integer(0), poly)
    if rest == 0 or (not rest.is_Add and not rest.is_Mul):
        return poly
    whole_factored = _factored(poly)
    if whole_factored is not poly:
        return whole_factored
    shifted, moved = _shifted(poly, constant_apart)
    factored = _factored(rest)
    if factored is not rest and (
            not moved or _cost(signed(constant + factored)) <= _cost(signed(shifted))):
        return constant + factored
    return shifted


def _cost(expr: sympy.Expr) -> tuple[int, int]:
    """How long a form reads, by structure alone: operations, then nodes."""
    return sympy.count_ops(expr), _nodes(expr)


def _shifted(poly: sympy.Expr, constant_apart: bool) -> tuple[sympy.Expr, bool]:
    """``poly`` in ``y = x - 1`` for the symbols ``x`` that make it no longer, gathered by ``y``.

    The flag says whether any symbol was shifted.
    """
    size = len(sympy.Add.make_args(poly))
    table = terms(poly)
    chosen = {name: sympy.Dummy("y") for name in plain_symbols(poly)
              if shortens(table, name)}
    moved = shift(table, chosen) if chosen else poly
    if chosen and len(sympy.Add.make_args(moved)) > size:
        chosen, moved = {}, poly
    back = {place: name - 1 for name, place in chosen.items()}
    constant, rest = moved.as_coeff_Add() if constant_apart else (sympy.Integer(0), moved)
    gathered: dict[sympy.Expr, list[sympy.Expr]] = {}
    for term in sympy.Add.make_args(rest):
        factors = sympy.Mul.make_args(term)
        key = sympy.Mul(*(f for f in factors if f.free_symbols & back.keys()))
        gathered.setdefault(key, []).append(term / key)
    total = sum((key.xreplace(back) * _factored(sympy.Add(*parts))
                 for key, parts in gathered.items()), sympy.Integer(0))
    return constant + total, bool(chosen)


def _factored(rest: sympy.Expr) -> sympy.Expr:
    """``rest`` factored when every factor is a plain sum, else as it is.

    Full factoring runs on small sums only (:data:`_FACTOR_LIMIT`): on a long chain's sum of
    products it takes seconds and finds nothing plain; there only common factors come out.
    """
    if not rest.is_Add:
        return rest
    small = len(rest.args) <= _FACTOR_LIMIT and len(rest.free_symbols) <= _FACTOR_LIMIT
    factored = sympy.factor(rest) if small else _common_factor(rest)
    if factored == rest or not all(_plain(part) for part in sympy.Mul.make_args(factored)):
        return rest
    return factored


def _common_factor(rest: sympy.Expr) -> sympy.Expr:
    """``rest`` with the monomial that divides every term taken out (cheaper than sympy's)."""
    table = terms(rest)
    shared = None
    for key in table:
        powers = {base: exp for base, exp in key if exp.is_Integer and exp > 0}
        shared = powers if shared is None else {
            base: min(exp, powers[base]) for base, exp in shared.items() if base in powers}
        if not shared:
            return rest
    common = sympy.Mul(*(base**exp for base, exp in (shared or {}).items()))
    return common * sympy.Add(*(term / common for term in rest.args))


_FACTOR_LIMIT = 8
"""Most terms (and symbols) of a sum that :func:`_factored` fully factors."""


def _plain(part: sympy.Expr) -> bool:
    """A factor a reader takes in at once: a monomial, or a sum of atoms times numbers."""
    base = part.base if part.is_Pow and part.exp.is_Integer else part
    if not base.is_Add:
        return True
    return all(_atom(term.as_coeff_Mul()[1]) for term in base.args)


def _atom(term: sympy.Expr) -> bool:
    """A symbol, a number, a function value (``floor(...)``) or a power of a number."""
    return bool(term.is_Atom or term.is_Function or (term.is_Pow and term.base.is_Number))
