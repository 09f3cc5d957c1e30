r"""The words of symrf's LaTeX: escaped names, symbol names, figures with their relation.

Everything a renderer writes into a LaTeX document passes through here, so a layer name
with ``& % # ^ ~ { } \ _ $`` cannot stop pdflatex, a symbol ``n_in`` prints as
:math:`n_{\text{in}}` beside :math:`n_{\text{out}}`, a bound prints with ``\le``/``\ge``
instead of ``=``, and an unknown figure prints as a dash, never as ``None``.

>>> print(escape("res_1&2"), symbol_tex("n_in_0"), figure_tex(None))
res\_1\&2 n_{\text{in},0} \text{--}
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Any

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter

from symrf.paper.signs import ordered_terms

SYMBOLS = {"rf": "r", "rf_min": r"r_{\text{min}}", "rf_min_path": r"r_{\text{path}}",
           "period": "T", "offset": r"\delta", "jump": "j",
           "left": r"\ell", "right": r"\rho", "center": "c",
           "padding": "P", "size": r"n_{\text{out}}"}
"""The math symbol of each figure, in formulas and table headers."""

MEANINGS = {"rf": "receptive field", "rf_min": "smallest receptive field over positions",
            "rf_min_path": "receptive field along the path with the smallest one",
            "period": "period of the position-dependent field", "offset":
            "largest distance between the centres of merged branches", "jump":
            "jump (effective stride)", "left": "left end of the field of unit 0",
            "right": "right end of the field of unit 0",
            "center": "centre of the field of unit 0",
            "padding": "effective padding", "size": "output length"}
"""What each figure means, for the legend under a table."""

BOUNDS = {"rf": r"\le", "rf_min_path": r"\le", "rf_min": r"\ge", "left": r"\ge",
          "right": r"\le", "padding": r"\le", "center": r"\approx"}
"""The relation a figure holds to its printed value when that value is a proven bound
(``exact`` is false): the field of every unit lies inside the bounding interval."""

_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$",
                 "_": r"\_", "{": r"\{", "}": r"\}", "^": r"\textasciicircum{}",
                 "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
                 "|": r"\textbar{}", "-": "-{}", "'": "'{}",
                 '"': r"{\ttfamily\char34}", "`": "`{}"}
"""Printable ASCII that does not print itself in a plain ``article`` (OT1 or T1 fonts, no
packages); ``{}`` after ``- ' `` stops the ligatures ``--``, ``''`` and ````` `` `````."""

_BREAKS = frozenset("_-./:")
"""Characters after which a long escaped name may break across lines."""

_HEX = re.compile(r"\[U\+([0-9A-F]{4,6})\]")


def escape(name: str, *, breakable: bool = False) -> str:
    r"""``name`` as LaTeX text that prints exactly those characters.

    Every special character is replaced by a command, so any printable ASCII name compiles.
    Other characters are folded to ASCII where Unicode gives a plain form (``é`` → ``e``) and
    written as ``[U+2192]`` otherwise, visibly. ``breakable`` lets the name break after
    ``_ - . / :``, for names in running text.

    >>> print(escape(r"a\b{c}~%"))
    a\textbackslash{}b\{c\}\textasciitilde{}\%
    """
    pieces = []
    for char in name:
        if " " <= char <= "~":
            piece = _TEXT_ESCAPES.get(char, char)
        else:
            folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            printable = all(" " <= c <= "~" for c in folded) and folded
            piece = escape(folded) if printable else f"[U+{ord(char):04X}]"
        pieces.append(piece + (r"\allowbreak{}" if breakable and char in _BREAKS else ""))
    return "".join(pieces)


def unescape(tex: str) -> str:
    r"""The text :func:`escape` was given, for its ASCII characters (its inverse there).

    >>> unescape(escape("a_b&{c}"))
    'a_b&{c}'
    """
    reverse = {value: key for key, value in _TEXT_ESCAPES.items()}
    out, index = [], 0
    tex = tex.replace(r"\allowbreak{}", "")
    while index < len(tex):
        for escaped in sorted(reverse, key=len, reverse=True):
            if tex.startswith(escaped, index):
                out.append(reverse[escaped])
                index += len(escaped)
                break
        else:
            out.append(tex[index])
            index += 1
    return _HEX.sub(lambda match: chr(int(match.group(1), 16)), "".join(out))


def symbol_tex(name: str) -> str:
    r"""The LaTeX of a symbol named ``name``: one-letter parts in math italic, words upright.

    ``n_in`` prints as :math:`n_{\text{in}}`, the same way symrf prints
    :math:`n_{\text{out}}`; ``k0`` and ``k_0`` as :math:`k_{0}`; Greek names as Greek.

    >>> print(symbol_tex("k_first"), symbol_tex("k0"), symbol_tex("alpha_2"), symbol_tex("lr"))
    k_{\text{first}} k_{0} \alpha_{2} \mathit{lr}
    """
    base, supers, subs = split_super_sub(name)
    tex = _part(base, word=r"\mathit")
    if subs:
        tex += "_{" + ",".join(_part(sub) for sub in subs) + "}"
    if supers:
        tex += "^{" + ",".join(_part(sup) for sup in supers) + "}"
    return tex


def _part(part: str, word: str = r"\text") -> str:
    if len(part) <= 1 or part.isdigit():
        return part
    greek = sympy.latex(sympy.Symbol(part))
    return greek if greek.startswith("\\") else f"{word}{{{part}}}"


def symbol_names(*values: Any) -> dict[sympy.Symbol, str]:
    r"""``symbol_names`` for :func:`sympy.latex`: every free symbol of ``values`` named.

    >>> symbol_names(sympy.Symbol("n_in") + 1)
    {n_in: 'n_{\\text{in}}'}
    """
    found: dict[sympy.Symbol, str] = {}
    for value in values:
        items = value if isinstance(value, tuple | list) else (value,)
        for item in items:
            if isinstance(item, sympy.Basic):
                for free in item.free_symbols:
                    found[free] = symbol_tex(free.name)  # type: ignore[attr-defined]  # a Symbol
    return found


class Printer(LatexPrinter):
    r"""sympy's LaTeX printer, with ``a \bmod m`` always in its own parentheses.

    sympy prints ``-Mod(n, 2)`` as ``- n \bmod 2``, which reads as ``(-n) mod 2``, and then
    brackets every term and factor that contains a ``Mod`` anywhere. Here the ``Mod``
    carries its parentheses, so nothing around it needs more.

    >>> n = sympy.Symbol("n")
    >>> print(Printer().doprint(-2 * sympy.Mod(sympy.ceiling(n / 2), 2) + 1))
    1 - 2 \left(\left\lceil{\frac{n}{2}}\right\rceil \bmod 2\right)
    """

    def _as_ordered_terms(self, expr: sympy.Basic, order: Any = None) -> list[sympy.Basic]:
        """A sum's terms as a paper writes them (``symrf.paper.signs.ordered_terms``)."""
        if isinstance(expr, sympy.Add):
            terms = list(ordered_terms(expr))
            if terms[-1].is_Number and terms[-1] > 0 and terms[0].as_coeff_Mul()[0] < 0:
                terms.insert(0, terms.pop())  # 1 - 2 x, not - 2 x + 1
            return terms
        return list(super()._as_ordered_terms(expr, order=order))

    def _print_Mod(self, expr: sympy.Mod, exp: str | None = None) -> str:
        value, modulus = (self._print(arg) for arg in expr.args)
        tex = rf"\left({value} \bmod {modulus}\right)"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def _needs_add_brackets(self, expr: sympy.Basic) -> bool:
        return super()._needs_add_brackets(_without_mod(expr))

    def _needs_mul_brackets(self, expr: sympy.Basic, first: bool = False,
                            last: bool = False) -> bool:
        if isinstance(expr, sympy.Mod):
            return False
        return super()._needs_mul_brackets(_without_mod(expr), first=first, last=last)


def _without_mod(expr: sympy.Basic) -> sympy.Basic:
    return expr.xreplace({mod: sympy.Dummy() for mod in expr.atoms(sympy.Mod)})


def latex(value: Any) -> str:
    r"""``value`` in LaTeX, symbols named by :func:`symbol_tex`, ``Mod`` parenthesised.

    >>> print(latex(sympy.Symbol("n_in") / 2))
    \frac{n_{\text{in}}}{2}
    """
    return Printer({"symbol_names": symbol_names(value)}).doprint(value)


def math(value: Any, *, cell: bool = False) -> str:
    r"""One value as math: numbers, fractions and formulas; ``\tfrac`` in table cells.

    Per-axis values are joined by ``\times``, a sum in parentheses: ``\left(k - 1\right)
    \times 2``.

    >>> print(math(Fraction(1, 2), cell=True), math((3, 5)), math(sympy.Symbol("n_in") / 2))
    \tfrac{1}{2} 3 \times 5 \frac{n_{\text{in}}}{2}
    """
    if isinstance(value, tuple):
        return r" \times ".join(_factor(item, cell) for item in value)
    if value is None:
        return r"\text{--}"
    if isinstance(value, bool):
        return r"\text{yes}" if value else r"\text{no}"
    if isinstance(value, Fraction):
        value = sympy.Rational(value.numerator, value.denominator)
    tex = latex(value)
    return tex.replace(r"\frac{", r"\tfrac{") if cell else tex


def _factor(item: Any, cell: bool) -> str:
    """One axis of a per-axis value: in parentheses when it is a sum or has cases."""
    tex = math(item, cell=cell)
    if isinstance(item, sympy.Basic) and (item.is_Add or item.has(sympy.Piecewise)):
        return rf"\left({tex}\right)"
    return tex


def relation(figure: str, exact: Any) -> str:
    r"""``=``, or the relation a bound holds (``\le``, ``\ge``) when the figure is not exact.

    >>> relation("rf", True), relation("rf", False), relation("jump", False)
    ('=', '\\le', '=')
    """
    inexact = not all(exact) if isinstance(exact, tuple) else not exact
    return BOUNDS.get(figure, "=") if inexact else "="


def figure_tex(value: Any, figure: str = "", exact: Any = True, *, cell: bool = False) -> str:
    r"""A figure's value, with its relation when it is a bound (``\le 11``), for a cell.

    >>> print(figure_tex(11, "rf", False, cell=True), figure_tex(3, "rf", True, cell=True))
    \le 11 3
    """
    rel = relation(figure, exact)
    body = math(value, cell=cell)
    return body if rel == "=" else f"{rel} {body}"


__all__ = ["BOUNDS", "MEANINGS", "SYMBOLS", "Printer", "escape", "figure_tex", "latex", "math",
           "relation",
           "symbol_names", "symbol_tex", "unescape"]
