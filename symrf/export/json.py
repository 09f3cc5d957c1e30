"""JSON output, exactly as DESIGN.md section 6 fixes it.

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

from symrf.coverage import Coverage
from symrf.report import FIGURES, Report, Row
from symrf.solve import Answer, Solution


def value(item: Any) -> Any:
    """One figure as a JSON value.

    >>> value(3), value(Fraction(1, 2)), value(True), value((1, 2))
    (3, '1/2', True, [1, 2])
    """
    if isinstance(item, bool | int) or item is None:
        return item
    if isinstance(item, Fraction):
        if item.denominator == 1:
            return item.numerator
        return f"{item.numerator}/{item.denominator}"
    if isinstance(item, tuple):
        return [value(part) for part in item]
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
    return {"name": report.name, **_figures(report, report.size_known), "layers": layers}


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
        "method": answer.method,
    }


def _roots(found: tuple[Any, ...]) -> Any:
    """No root: null; one: its string; several: a list of strings."""
    if not found:
        return None
    return str(found[0]) if len(found) == 1 else [str(root) for root in found]


def to_json_text(result: Any) -> str:
    """Render a result as indented JSON text."""
    return json.dumps(to_json(result), indent=2)
