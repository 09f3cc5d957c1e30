"""What :func:`symrf.solve.solve` returns: the answer to a design question.

A :class:`Solution` is one assignment of the unknowns with the figures it achieves on the
exact numeric path; an :class:`Answer` holds the solutions, the failing neighbours, the
exact relaxed roots and what was searched.

>>> Solution({"k": 5}, {"rf": 9})["rf"]
9
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from symrf.maths.scalars import Scalar
from symrf.solve.targets import Target, Unknown


@dataclass(frozen=True)
class Solution:
    """One assignment and the figures it achieves, computed on the exact numeric path.

    ``values`` holds the unknowns, then the symbols defined from them (``d2 = 2*d1``);
    ``figures`` every figure of the network; ``cost`` the minimised expression, if any.
    ``solution["k"]`` and ``solution.rf`` read either.
    """

    values: dict[str, Scalar]
    figures: dict[str, Any]
    cost: Scalar | None = None
    error: str | None = None
    """Why the network does not exist for this assignment (then ``figures`` is empty)."""

    def __getitem__(self, name: str) -> Any:
        return self.values[name] if name in self.values else self.figures[name]

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__.get("figures", {}):
            return self.figures[name]
        raise AttributeError(f"Solution has no figure {name!r}")


@dataclass(frozen=True)
class Answer:
    """Everything :func:`solve` found: the answers, the exact roots and what was searched."""

    target: Target
    unknowns: tuple[Unknown, ...]
    solutions: tuple[Solution, ...]
    """Smallest value (``>=``, ``>``), largest (``<=``, ``<``) or every value (``==``) for
    one unknown; the Pareto front, or the cheapest assignments under ``minimize``, for several."""
    neighbours: tuple[Solution, ...]
    """For one unknown: the candidates next to the answers, which just fail."""
    exact: dict[str, tuple[sympy.Expr, ...]]
    """Real roots of the relaxed equation ``figure = bound`` for each unknown, in the
    symbols of the network and target (the other unknowns included)."""
    exact_value: dict[str, tuple[sympy.Expr, ...]]
    """The same roots with the given values substituted."""
    searched: dict[str, tuple[int, int]]
    count: int
    """Assignments searched."""
    feasible: int
    """Assignments meeting the target."""
    method: str
    """``"vectorised"`` (compiled closed forms) or ``"exact"`` (one assignment at a time)."""
    minimize: sympy.Expr | None = None
    values: dict[str, Scalar] = field(default_factory=dict)
    tied: int = 0
    """How many assignments the search kept as answers; past :data:`~symrf.limits.MAX_TIES`
    only the first ones are re-checked and listed in ``solutions``."""

    @property
    def value(self) -> int:
        """The answer of a one-unknown question (the first solution's value)."""
        return int(self.solutions[0].values[self.unknowns[0].name])


__all__ = ["Answer", "Solution"]
