r"""How wide LaTeX math prints, estimated without running TeX, in points (10 pt Computer Modern).

The LaTeX renderer breaks formulas, names long sub-expressions and picks ``table`` or
``table*`` from these estimates. They follow TeX's spacing: a binary operator takes its own
width plus a medium space on each side, a relation a thick space, scripts print at 80 %,
``\frac`` takes its wider part. On the zoo's formulas the estimates fall within about 15 %
of the widths pdflatex measures (mostly above them); the layouts keep that margin, and
``tests/test_pdflatex.py`` fails on any box they let overflow.

>>> round(width("k + 1"))
23
>>> width(r"\frac{a + b}{2}") < width("a + b + 2")
True
"""

from __future__ import annotations

import functools

_CHAR = {**dict.fromkeys("0123456789", 5.0), **dict.fromkeys("()", 3.9),
         **dict.fromkeys("[]", 2.8), ",": 2.8 + 1.7, ".": 2.8, ";": 2.8 + 1.7, "/": 5.0,
         "|": 2.8, "!": 2.8, "'": 2.8, "?": 4.7, ":": 2.8 + 5.6, " ": 0.0, "~": 3.3,
         "&": 0.0}
_LETTER = 5.5
_BINARY = 7.8 + 2 * 2.2
_RELATION = 7.8 + 2 * 2.8
_COMMANDS = {
    "cdot": _BINARY - 5.0, "times": _BINARY, "pm": _BINARY, "le": _RELATION,
    "ge": _RELATION, "leq": _RELATION, "geq": _RELATION, "approx": _RELATION,
    "in": _RELATION - 1.0, "quad": 10.0, "qquad": 20.0, ",": 1.7, ":": 2.2, ";": 2.8,
    "!": -1.7, " ": 3.3, "lfloor": 4.4, "rfloor": 4.4, "lceil": 4.4, "rceil": 4.4,
    "{": 5.0, "}": 5.0, "infty": 10.0, "ell": 4.2, "rho": 5.2, "delta": 4.5, "alpha": 6.4,
    "log": 12.8, "max": 18.5, "min": 16.7, "mod": 24.0, "bmod": 20.0, "cdots": 13.4,
    "ldots": 13.4, "dots": 13.4, "%": 8.3, "&": 7.8, "#": 8.3, "_": 5.0, "$": 5.0,
}
_WORD = {"text": 5.0, "mathrm": 5.0, "texttt": 5.25, "mathit": 5.2, "operatorname": 5.0,
         "textit": 5.0, "mathbf": 5.8}
_IGNORED = {"displaystyle", "textstyle", "limits", "nolimits", "allowbreak",
            "big", "Big", "bigl", "bigr", "Bigl", "Bigr"}
_FRACTIONS = {"frac": 1.0, "dfrac": 1.0, "tfrac": 0.8}
"""The size of a fraction's parts in display style (``\\tfrac``: script size)."""


def _smaller(scale: float) -> float:
    """The next script size: 7 pt fonts print at 80 % of 10 pt ones, 5 pt ones at 65 %."""
    return 0.8 if scale > 0.8 else 0.65


@functools.lru_cache(maxsize=65536)
def width(tex: str, scale: float = 1.0) -> float:
    r"""The printed width of math ``tex`` at ``scale`` (1 = text size), in points.

    >>> round(width(r"n_{\text{in}}"))
    14
    """
    return _Reader(tex).row(scale)


class _Reader:
    """Reads LaTeX math left to right and adds up the widths of what it prints."""

    def __init__(self, tex: str) -> None:
        self.tex, self.index = tex, 0

    def row(self, scale: float, stop: str = "") -> float:
        """Width until ``stop`` (a closing brace) or the end; binary signs after an operand."""
        total, operand = 0.0, False
        while self.index < len(self.tex):
            char = self.tex[self.index]
            if char == stop:
                self.index += 1
                return total
            if char in "+-=<>" or char == "*":
                self.index += 1
                spaced = scale == 1.0  # TeX puts no space around operators in scripts
                if char in "=<>":
                    total += (_RELATION if spaced else 7.8) * scale
                else:
                    total += (_BINARY if operand and spaced else 7.8) * scale
                operand = False
                continue
            piece, operand = self.atom(scale), True
            total += piece
        return total

    def group(self, scale: float) -> float:
        """A braced group or a single token."""
        while self.index < len(self.tex) and self.tex[self.index] == " ":
            self.index += 1
        if self.index < len(self.tex) and self.tex[self.index] == "{":
            self.index += 1
            return self.row(scale, "}")
        return self.atom(scale)

    def word(self) -> str:
        """The text of a braced group, as printed by a text command."""
        start = self.index + 1
        depth = 0
        for index in range(self.index, len(self.tex)):
            depth += {"{": 1, "}": -1}.get(self.tex[index], 0)
            if depth == 0:
                self.index = index + 1
                return self.tex[start:index]
        self.index = len(self.tex)
        return self.tex[start:]

    def atom(self, scale: float) -> float:
        """One printed thing: a character, a command with its arguments, a script."""
        char = self.tex[self.index]
        self.index += 1
        if char in "^_":
            return self.group(_smaller(scale))
        if char == "{":
            return self.row(scale, "}")
        if char != "\\":
            return _CHAR.get(char, _LETTER) * scale
        name = self.command()
        if name in _FRACTIONS:
            inner = _FRACTIONS[name] if scale == 1.0 else _smaller(scale)
            return max(self.group(inner), self.group(inner)) + 2.4
        if name in _WORD:
            return len(self.word()) * _WORD[name] * scale
        if name == "begin":
            return self.environment(self.word(), scale)
        if name in {"left", "right"}:  # the delimiter that follows: '.', '(', or a command
            while self.tex[self.index] == " ":
                self.index += 1
            self.index += 1
            delimiter = self.command() if self.tex[self.index - 1] == "\\" else "("
            return 1.2 if delimiter == "." else 4.6 * max(scale, 0.8)
        if name in _IGNORED or name == "\\":
            return 0.0
        return _COMMANDS.get(name, 7.0) * scale

    def environment(self, name: str, scale: float) -> float:
        """``cases`` or ``aligned``: its widest row, plus the brace of ``cases``."""
        end = self.tex.find(f"\\end{{{name}}}", self.index)
        end = len(self.tex) if end < 0 else end
        body, self.index = self.tex[self.index:end], end + len(name) + 6
        rows = [_Reader(line).row(scale) for line in body.split("\\\\")]
        return max(rows, default=0.0) + (10.0 * scale if name == "cases" else 0.0)

    def command(self) -> str:
        """The name after a backslash (letters, or one other character)."""
        start = self.index
        while self.index < len(self.tex) and self.tex[self.index].isalpha():
            self.index += 1
        if self.index == start and self.index < len(self.tex):
            self.index += 1
        return self.tex[start:self.index]


__all__ = ["width"]
