r"""LaTeX to MathML at build time, so a page shows its formulas with no script and no network.

Browsers render MathML Core natively (Chromium since 109, Firefox, Safari), so a formula
converted while the site is built needs neither MathJax nor a font from a CDN. The
conversion is latex2mathml's; what it cannot read (an unknown command, an ``&`` outside a
table) is an error here rather than raw TeX on the page. The TeX is kept in ``alttext``.

:func:`arithmatex_to_mathml` converts the math that ``pymdownx.arithmatex`` (generic mode)
leaves in a page for a script to typeset.

>>> print(mathml("s^{n}").replace("><", ">\n<"))
<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="s^{n}">
<mrow>
<msup>
<mi>s</mi>
<mrow>
<mi>n</mi>
</mrow>
</msup>
</mrow>
</math>
"""

from __future__ import annotations

import html
import re

from symrf.errors import SymrfError


class MathError(SymrfError, ValueError):
    """A formula cannot be converted to MathML."""


_UNREAD = re.compile(r"<mi>(\\[A-Za-z]+|&)</mi>")
"""What latex2mathml passes through untranslated: an unknown command, a stray ``&``."""

_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]</(?P=tag)>',
    re.DOTALL,
)
r"""Math as ``pymdownx.arithmatex`` writes it in generic mode: ``\(...\)`` or ``\[...\]``."""


def mathml(tex: str, display: bool = False) -> str:
    r"""The MathML of the LaTeX formula ``tex``, inline or as a display block.

    Raises:
        MathError: ``tex`` holds something the converter cannot translate.

    >>> mathml(r"\frac{1}{2}", display=True).startswith('<math xmlns')
    True
    >>> mathml(r"\unknowncommand x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.render.mathml.MathError: cannot render \unknowncommand in the formula ... as MathML; ...
    """
    from latex2mathml.converter import convert

    try:
        converted = convert(_flat_fences(tex), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many unrelated types for bad TeX
        raise MathError(f"cannot read the formula '{_short(tex)}' as LaTeX "
                        f"({type(error).__name__}: {error}); check its braces and "
                        "environments.") from None
    unread = _UNREAD.search(converted)
    if unread:
        raise MathError(f"cannot render {unread.group(1)} in the formula '{_short(tex)}' as "
                        r"MathML; write it with standard LaTeX commands (\frac, \left(, "
                        r"\text{...}, \begin{cases}).")
    alt = html.escape(" ".join(tex.split()), quote=True)
    return converted.replace(">", f' alttext="{alt}">', 1)


def arithmatex_to_mathml(page: str) -> str:
    r"""``page`` (HTML) with arithmatex's ``\(...\)`` and ``\[...\]`` math as MathML.

    >>> arithmatex_to_mathml('<p><span class="arithmatex">\\(x &lt; 1\\)</span></p>')[:60]
    '<p><math xmlns="http://www.w3.org/1998/Math/MathML" display='
    """

    def convert(match: re.Match[str]) -> str:
        return mathml(html.unescape(match.group("tex")).strip(), match.group("open") == "[")

    return _ARITHMATEX.sub(convert, page)


_FENCES = re.compile(r"\\left\(|\\right\)")
_TALL = re.compile(r"\\(frac|dfrac|sum|prod|begin|int|sqrt|left\\?[\[{|.])")


def _flat_fences(tex: str) -> str:
    r"""``tex`` with ``\left( ... \right)`` as plain parentheses around content of one line.

    sympy brackets every group with ``\left( \right)``; MathML then stretches the
    parentheses, which browsers draw with extra space around them even when nothing needs
    them taller. Only groups holding a fraction, a sum, an environment or a root keep them.

    >>> print(_flat_fences(r"\left(k - 1\right) \left(\frac{1}{2}\right)"))
    (k - 1) \left(\frac{1}{2}\right)
    """
    opened: list[int] = []
    flat: set[int] = set()
    for match in _FENCES.finditer(tex):
        if match.group(0) == "\\left(":
            opened.append(match.start())
        elif opened:
            start = opened.pop()
            if not _TALL.search(tex, start + 6, match.start()):
                flat.update((start, match.start()))
    if not flat:
        return tex
    return _FENCES.sub(lambda m: m.group(0)[-1] if m.start() in flat else m.group(0), tex)


def _short(tex: str) -> str:
    flat = " ".join(tex.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."


def table_math(equations: list[tuple[str, str, str]]) -> str:
    r"""One display block of equations ``(lhs, relation, rhs)``, aligned at the relation.

    The equations' TeX is kept in ``alttext``, separated by semicolons.

    >>> block = table_math([("r", "=", "2 k - 1"), ("j", "=", "1")])
    >>> block.count("<mtr>"), 'alttext="r = 2 k - 1; j = 1"' in block
    (2, True)
    """
    rows = []
    for lhs, rel, rhs in equations:
        rows.append(f'<mtr><mtd style="text-align: right">{_inner(lhs)}</mtd>'
                    f'<mtd style="text-align: left">{_inner(f"{rel} {rhs}")}</mtd></mtr>')
    alt = html.escape("; ".join(f"{lhs} {rel} {' '.join(rhs.split())}"
                                for lhs, rel, rhs in equations), quote=True)
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="block" '
            f'alttext="{alt}"><mtable>{"".join(rows)}</mtable></math>')


def _inner(tex: str) -> str:
    """The content of ``tex``'s MathML without its ``<math>`` element."""
    converted = mathml(tex)
    return converted[converted.index(">") + 1 : converted.rindex("</math>")]
