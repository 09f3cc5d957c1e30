"""Plain-text rendering of one figure, shared by the text formats.

>>> from fractions import Fraction
>>> text(3), text(Fraction(1, 2)), text(True), text(None)
('3', '1/2', 'yes', '-')
"""

from __future__ import annotations

from typing import Any

from symrf.report import FIGURES, Report

COLUMNS = ("rf", "jump", "left", "right", "center", "padding")
"""Figures shown per layer in tables (``size`` is added when the input size is known)."""


def text(value: Any) -> str:
    """A figure as text: numbers and formulas as sympy prints them, booleans as yes/no."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return " x ".join(text(item) for item in value)
    return str(value)


def columns(report: Report) -> tuple[str, ...]:
    """The per-layer columns of ``report``: branch figures appear when they say something."""
    names = list(COLUMNS)
    rows = list(report.layers)
    if any(row.rf_min_path != row.rf for row in rows):
        names.insert(1, "rf_min_path")
    if any(row.rf_min != row.rf or not _is_one(row.period) for row in rows):
        names.insert(1, "rf_min")
        names.append("period")
    if any(row.offset != (0,) * len(row.axes) and row.offset != 0 for row in rows):
        names.append("offset")
    if report.size_known:
        names.append("size")
    return tuple(names)


def _is_one(period: Any) -> bool:
    return all(p == 1 for p in (period if isinstance(period, tuple) else (period,)))


def notes(report: Report) -> list[str]:
    """Sentences about figures that are not plain exact values (bounds, misalignment)."""
    found = []
    if not all(field.exact for field in report.axes):
        found.append("some figures are proven bounds, not exact values")
    if not all(field.aligned for field in report.axes):
        found.append("merged branches are not aligned (their centres differ: see offset)")
    if any(field.rf_min == 0 and field.exact for row in report.layers for field in row.axes):
        found.append(
            "some units read no input at all (a transposed convolution with kernel < stride): "
            "rf_min is 0 there"
        )
    return found


__all__ = ["COLUMNS", "FIGURES", "columns", "notes", "text"]
