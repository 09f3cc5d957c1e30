r"""A booktabs ``tabular`` in a table float that fits: ``table`` or ``table*``, by its width.

The float is a one-column ``table`` when the estimated width fits a column of a two-column
paper (with ``\tabcolsep`` narrowed, or the text ``\small``, when that is enough), and a
``table*`` (the full text width of a two-column paper; a plain table in a one-column one)
otherwise, in a smaller font if it must (never ``\resizebox``: see ``_LADDER``).
Numbers are right-aligned, formulas left-aligned; the legend and the notes are set as
small ragged-right text under the table, inside the float.

>>> table = Table(["Layer", "$r$"], [[r"\texttt{conv1}", "$3$"]])
>>> print("\n".join(table.float("Fields.", "tab:rf", column=200, text=300, legend=[])))
\begin{table}[tbp]
\centering
\caption{Fields.}
\label{tab:rf}
\begin{tabular}{@{}lr@{}}
\toprule
Layer & $r$ \\
\midrule
\texttt{conv1} & $3$ \\
\bottomrule
\end{tabular}
\end{table}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symrf.render.latex_text import unescape
from symrf.render.latex_width import width

_NUMBER = re.compile(r"\$(\\le |\\ge |\\approx )?-?[0-9]+( \\times -?[0-9]+)*\$|\$\\text\{--\}\$")


def cell_width(cell: str) -> float:
    r"""The estimated printed width of one cell: math, ``\texttt`` or text, in points.

    >>> cell_width(r"\texttt{conv\_1}") == 6 * 5.25
    True
    """
    if cell.startswith("$") and cell.endswith("$"):
        return width(cell[1:-1])
    if cell.startswith(r"\texttt{") and cell.endswith("}"):
        return len(unescape(cell[8:-1])) * 5.25
    return len(unescape(cell)) * 5.0


_SCALES = {"": 1.0, "small": 0.9, "footnotesize": 0.8}
"""Font sizes a table may use, and their width relative to the text's."""

_LADDER = (("table", ""), ("table", "small"),
           ("table*", ""), ("table*", "small"), ("table*", "footnotesize"))
r"""What is tried, in order, until the table fits: a column at text size or ``\small``, then
both columns of a two-column paper (``table*``) at text size, ``\small`` or
``\footnotesize``; for each, ``\tabcolsep`` 6 pt, then 4 pt, then 3 pt."""


@dataclass(frozen=True)
class Table:
    """A header and rows of LaTeX cells."""

    header: list[str]
    body: list[list[str]]

    def widths(self) -> list[float]:
        """The widest cell of each column, in points."""
        return [max(cell_width(line[i]) for line in [self.header, *self.body])
                for i in range(len(self.header))]

    def width(self, separation: float, scale: float = 1.0) -> float:
        r"""The table's width with ``\tabcolsep`` = ``separation``, its text at ``scale``."""
        return sum(self.widths()) * scale + 2 * separation * (len(self.header) - 1)

    def float(self, caption: str, label: str, *, column: float, text: float,
              legend: list[str]) -> list[str]:
        """The table float's lines: ``table`` or ``table*``, caption, label, legend.

        ``column`` and ``text`` are the widths to fit, in estimated points.
        """
        environment, size, separation = "table*", "footnotesize", 3.0  # the narrowest
        for kind, font in _LADDER:
            room = column if kind == "table" else text
            fitting = [s for s in (6.0, 4.0, 3.0) if self.width(s, _SCALES[font]) <= room]
            if fitting:
                environment, size, separation = kind, font, fitting[0]
                break
        aligns = "".join("r" if all(_NUMBER.fullmatch(line[i]) for line in self.body) else "l"
                         for i in range(len(self.header)))
        out = [rf"\begin{{{environment}}}[tbp]", r"\centering"]
        if size:
            out.append(f"\\{size}")
        if separation != 6.0:
            out.append(rf"\setlength{{\tabcolsep}}{{{separation:g}pt}}")
        out += [rf"\caption{{{caption}}}", rf"\label{{{label}}}",
                rf"\begin{{tabular}}{{@{{}}{aligns}@{{}}}}", r"\toprule",
                " & ".join(self.header) + r" \\", r"\midrule",
                *(" & ".join(line) + r" \\" for line in self.body),
                r"\bottomrule", r"\end{tabular}"]
        if legend:
            out.append(r"\par\smallskip{\footnotesize\raggedright")
            out.append("\\par\n".join(legend) + r"\par}")
        out.append(rf"\end{{{environment}}}")
        return out


__all__ = ["Table", "cell_width"]
