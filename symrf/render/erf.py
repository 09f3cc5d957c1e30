"""The ERF in every output format: a text table, JSON, Markdown and LaTeX.

Each renderer registers :class:`~symrf.effective.result.ERF` with the format's dispatch function
in :mod:`symrf.render` (``to_table``, ``to_json``, ``to_markdown``, ``to_latex``), so
``symrf.render.FORMATS[name](result)`` renders it as it renders a report. One row per axis:
the exact figures of the chosen unit (``unit``, ``rf``, ``sigma``, the ``radius`` around the
mean that holds the share of paths, the ``pixels`` within it and ``erf/trf``, their share
of the theoretical field), then the closed forms (``variance``, ``sigma``, ``sigma/rf``).
:func:`erf_text` is what the command line's ``symrf erf`` prints.

>>> import symrf
>>> lines = erf_text(symrf.Repeat(symrf.Conv(kernel=3), times=4), dims=1).splitlines()
>>> print(lines[0])
network: path-count ERF of output unit 0 (1-D), radius holding 95% of the paths
>>> " ".join(lines[1].split())
'axis unit rf mean sigma radius pixels erf/trf variance* sigma* sigma/rf*'
>>> lines[3].split()[:10]
['0', '0', '9', '4', '2*sqrt(6)/3', '≈', '1.633', '3', '7', '7/9']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy

from symrf.effective import ERF, erf
from symrf.layers.base import Layer
from symrf.maths.scalars import Scalar
from symrf.render import FORMATS
from symrf.render.json import to_json, value
from symrf.render.latex import latex, to_latex
from symrf.render.markdown import to_markdown
from symrf.render.table import grid, to_table
from symrf.render.values import approximately, text

EXACT = ("unit", "rf", "mean", "sigma", "radius", "pixels", "erf_trf")
"""Exact figures shown per axis, in order."""
CLOSED = ("variance_formula", "sigma_formula", "sigma_rf_formula")
"""Closed forms shown per axis, in order."""
_HEADERS = {"erf_trf": "erf/trf", "variance_formula": "variance*", "sigma_formula": "sigma*",
            "sigma_rf_formula": "sigma/rf*", "mean_formula": "mean*"}
_LATEX = {"unit": "x", "rf": "r", "mean": "\\mu", "sigma": "\\sigma", "radius": "\\rho",
          "pixels": "w", "erf_trf": "w/r", "variance_formula": "\\sigma^2",
          "sigma_formula": "\\sigma", "sigma_rf_formula": "\\sigma/r",
          "mean_formula": "\\mu"}


def erf_text(
    net: Layer,
    fmt: str = "table",
    *,
    input_size: object = None,
    values: Mapping[str, Scalar] | None = None,
    share: Fraction | str = "0.95",
    unit: int | Sequence[int] | None = None,
    dims: int | None = None,
) -> str:
    """The ERF of ``net`` rendered in format ``fmt`` (``symrf erf``'s output)."""
    result = erf(net, input_size, values, share=share, unit=unit, dims=dims)
    return FORMATS[fmt](result)


def _columns(result: ERF) -> list[str]:
    names = list(EXACT) if result.profiles is not None else []
    if result.closed is not None:
        if result.profiles is None:
            names.append("mean_formula")
        names += CLOSED
    return names


def _short(item: Any) -> str:
    """A figure as text: long fractions as decimals, closed numbers with their value."""
    if isinstance(item, Fraction) and item.denominator > 1000:
        return f"{item}{approximately(item)}"
    if isinstance(item, sympy.Basic) and not item.free_symbols and not item.is_Rational:
        return f"{text(item)}{approximately(item)}"
    return text(item)


def _title(result: ERF) -> str:
    units = ([p.unit for p in result.profiles] if result.profiles is not None
             else [0] * result.dims)
    unit = units[0] if len(set(units)) == 1 and result.dims == 1 else tuple(units)
    percent = f"{float(result.share) * 100:g}%"
    return (f"{result.name}: path-count ERF of output unit {unit} ({result.dims}-D), radius "
            f"holding {percent} of the paths")


def _rows(result: ERF) -> tuple[list[str], list[list[str]]]:
    names = _columns(result)
    header = ["axis", *(_HEADERS.get(name, name) for name in names)]
    figures = [result.figures(axis) for axis in range(result.dims)]  # once per axis
    body = [[str(axis), *(_short(figures[axis].get(name)) for name in names)]
            for axis in range(result.dims)]
    return header, body


def _footer(result: ERF) -> list[str]:
    lines = ["* closed form (unit 0, unbounded input)"] if result.closed is not None else []
    return lines + [f"note: {note}" for note in result.notes]


@to_table.register
def _(result: ERF) -> str:
    header, body = _rows(result)
    return "\n".join([_title(result), *grid(header, body), *_footer(result)])


@to_markdown.register
def _(result: ERF) -> str:
    header, body = _rows(result)
    lines = [f"**{_title(result)}**", ""]
    lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("*", "\\*") for cell in row)
              + " |" for row in [header, ["---"] * len(header), *body]]
    return "\n".join(lines + [""] + [f"*{line.lstrip('* ')}*" for line in _footer(result)])


@to_json.register
def _(result: ERF) -> dict[str, Any]:
    axes = []
    for axis in range(result.dims):
        figures = {name: (item if isinstance(item, float) else value(item))
                   for name, item in result.figures(axis).items()}
        if result.profiles is not None:
            profile = result.profiles[axis]
            figures["profile"] = {"origin": profile.origin, "counts": list(profile.counts)}
        axes.append(figures)
    return {"name": result.name, "dims": result.dims, "share": value(result.share),
            "separable": result.separable,
            "input_size": [value(size) for size in result.input_size],
            "notes": list(result.notes), "axes": axes}


@to_latex.register
def _(result: ERF, **options: Any) -> str:
    lines = [f"% symrf erf: {_title(result)}"]
    if result.closed is not None:
        closed = []
        for axis, form in enumerate(result.closed):
            mark = f"_{{{axis}}}" if result.dims > 1 and not _isotropic(result) else ""
            closed += [f"\\mu{mark} &= {latex(form.mean)} \\\\",
                       f"\\sigma{mark}^2 &= {latex(form.variance)} \\\\",
                       f"\\sigma{mark} / r{mark} &= {latex(form.ratio)} \\\\"]
            if not mark:
                break
        closed[-1] = closed[-1].removesuffix(" \\\\")
        lines += ["\\begin{align*}", *closed, "\\end{align*}"]
    if result.profiles is not None:
        names = list(EXACT)
        lines += ["\\begin{tabular}{l" + "r" * len(names) + "}",
                  "axis & " + " & ".join(f"${_LATEX[n]}$" for n in names) + " \\\\", "\\hline"]
        for axis in range(result.dims):
            figures = result.figures(axis)
            cells = " & ".join(f"${_latex_cell(figures[n])}$" for n in names)
            lines.append(f"{axis} & {cells} \\\\")
        lines.append("\\end{tabular}")
    return "\n".join(lines + [f"% note: {note}" for note in result.notes])


def _isotropic(result: ERF) -> bool:
    forms = result.closed or ()
    return all(f == forms[0] for f in forms)


def _latex_cell(item: Any) -> str:
    if isinstance(item, float):
        return f"{item:g}"
    if isinstance(item, Fraction) and item.denominator > 1000:
        return f"{item}{approximately(item)}"
    return latex(item)
