"""JSON output, exactly as docs/how-to/cli.md ("The JSON contract") fixes it.

Integers are JSON integers, exact rationals strings such as ``"1/2"``, formulas strings that
``sympy.sympify`` reads back; a per-axis network gives a list per figure.

>>> import symrf
>>> data = to_json(symrf.evaluate(symrf.zoo.build("alexnet")))
>>> data["rf"], data["jump"], data["layers"][0]["name"], "size" in data
(195, 32, 'conv1', False)
"""

from __future__ import annotations

import functools
import json
from fractions import Fraction
from typing import Any

import sympy

from symrf.engine.coverage import Coverage
from symrf.engine.report import FIGURES, Report, Row
from symrf.limits import printable
from symrf.render.printer import formula_text
from symrf.solve import Answer, Solution


def value(item: Any) -> Any:
    """One figure as a JSON value.

    >>> value(3), value(Fraction(1, 2)), value(True), value((1, 2))
    (3, '1/2', True, [1, 2])
    """
    if isinstance(item, bool) or item is None:
        return item
    if isinstance(item, int):
        return printable(item)
    if isinstance(item, Fraction):
        if item.denominator == 1:
            return printable(item.numerator)
        return f"{printable(item.numerator)}/{printable(item.denominator)}"
    if isinstance(item, tuple):
        return [value(part) for part in item]
    if isinstance(item, sympy.Basic):
        return formula_text(item)  # rows share subformulas: each is printed once
    return str(item)


def _figures(source: Report | Row, size_known: bool) -> dict[str, Any]:
    return {
        name: value(source.figure(name))
        for name in FIGURES
        if name != "size" or size_known
    }


@functools.singledispatch
def to_json(result: Any) -> dict[str, Any]:
    """Render a result as a JSON-ready dict."""
    raise TypeError(f"no JSON rendering for {type(result).__name__}")


@to_json.register
def _(report: Report) -> dict[str, Any]:
    layers = [
        {"name": row.name, "op": row.op, **_figures(row, report.size_known)}
        for row in report.layers
    ]
    context = {"global_context": list(report.context)} if report.context else {}
    return {"name": report.name, **_figures(report, report.size_known), **context,
            "layers": layers}


@to_json.register
def _(result: Coverage) -> dict[str, Any]:
    rows = [
        {"name": row.name, "op": row.op, "size": row.size, "rf": row.rf,
         "covers_input": row.covers_input, "unproductive": row.unproductive,
         "in_padding": row.in_padding, "padding_fraction": value(row.padding_fraction),
         "holes": list(row.holes), "hole_free": row.hole_free}
        for row in result.rows
    ]
    return {"name": result.name, "input_size": result.input_size, "layers": rows}


@to_json.register
def _(answer: Answer) -> dict[str, Any]:
    def solution(found: Solution) -> dict[str, Any]:
        row = {name: value(item) for name, item in found.values.items()}
        if answer.minimize is not None:
            row["cost"] = value(found.cost)
        if found.error is not None:
            return {**row, "error": found.error}
        return {**row, **{name: value(item) for name, item in found.figures.items()}}

    def roots(found: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
        return {unknown.name: _roots(found.get(unknown.name, ())) for unknown in answer.unknowns}

    return {
        "unknowns": [unknown.name for unknown in answer.unknowns],
        "target": str(answer.target),
        "solutions": [solution(found) for found in answer.solutions],
        "neighbours": [solution(found) for found in answer.neighbours],
        "exact": roots(answer.exact),
        "exact_value": roots(answer.exact_value),
        "searched": {name: list(bounds) for name, bounds in answer.searched.items()},
        "domains": {unknown.name: unknown.domain.value for unknown in answer.unknowns},
        "given": {name: value(item) for name, item in answer.values.items()},
        "minimize": None if answer.minimize is None else str(answer.minimize),
        "count": answer.count,
        "feasible": answer.feasible,
        "tied": answer.tied,
        "method": answer.method,
    }


def _roots(found: tuple[Any, ...]) -> Any:
    """No root: null; one: its string; several: a list of strings."""
    if not found:
        return None
    return str(found[0]) if len(found) == 1 else [str(root) for root in found]


_LONG = 500
"""Reports with more rows than this print one compact row per line (the same JSON value)."""


def to_json_text(result: Any) -> str:
    """Render a result as indented JSON text (long reports: one compact row per line).

    Python's indenting encoder is pure Python; a 100,000-row report prints ten times faster
    through the C encoder, one row per line, and parses to the same value.
    """
    data = to_json(result)
    rows = data.get("layers")
    if not isinstance(rows, list) or len(rows) <= _LONG:
        return json.dumps(data, indent=2)
    head = json.dumps({key: item for key, item in data.items() if key != "layers"}, indent=2)
    body = ",\n".join(f"    {json.dumps(row)}" for row in rows)
    return f'{head[:-2]},\n  "layers": [\n{body}\n  ]\n}}'

