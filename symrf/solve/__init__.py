"""Inverse design questions: which kernel, depth, dilation, stride or input size meets a target.

The solve floor (this package) owns design questions: targets, the search, Pareto fronts,
answers and the search on a Dask cluster. It imports only the engine and the floors below
it.

:func:`solve` takes a network with symbols, a target such as ``rf >= 224`` and the unknowns
to solve for. It searches every integer candidate in the unknowns' ranges (monotonicity is
never assumed): the closed forms are compiled once and checked on numpy chunks, and every
reported answer is re-checked on the exact numeric path (:func:`symrf.engine.numeric.evaluate`),
along with its failing neighbour. It also solves the relaxed equation ``figure = bound`` over
the reals, giving the exact root a paper prints.

>>> import symrf
>>> k, n = symrf.symbols("k n")
>>> net = symrf.Repeat(symrf.Conv(kernel=k), times=n)
>>> answer = solve(net, "rf >= T", "k", values={"n": 4, "T": 224})
>>> answer.value, answer.solutions[0].rf, answer.exact["k"], answer.exact_value["k"]
(57, 225, ((T + n - 1)/n,), (227/4,))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import sympy

from symrf.errors import SymrfError
from symrf.layers.base import Layer
from symrf.maths.arguments import described
from symrf.maths.scalars import Scalar
from symrf.solve.answers import Answer, Solution
from symrf.solve.distributed import distributed
from symrf.solve.question import Question
from symrf.solve.targets import INPUT, Domain, Relation, Target, Unknown


def solve(
    net: Layer,
    target: str | Target,
    for_: str | sympy.Symbol | Unknown | Sequence[str | sympy.Symbol | Unknown],
    *,
    values: Mapping[str, Scalar] | None = None,
    input_size: object = None,
    ranges: Mapping[str, tuple[int, int]] | None = None,
    odd: Iterable[str] = (),
    even: Iterable[str] = (),
    powers_of_two: Iterable[str] = (),
    minimize: str | sympy.Expr | None = None,
    progress: Callable[[int, int], None] | None = None,
    scheduler: object = None,
) -> Answer:
    """Find the integer values of ``for_`` that make ``net`` meet ``target``.

    Args:
        net: The network, with the unknowns as symbols.
        target: ``"rf >= 224"``, ``"jump <= 16"``, ``"size == 7"``, ``"rf >= n_in"``...
        for_: The unknown(s): symbol names, or :class:`Unknown` with ranges. ``n_in`` is
            the input size.
        values: Numbers for the other symbols, or expressions tying them to the unknowns
            (``{"d2": 2*d1}``).
        input_size: The input length, when known.
        ranges: ``(lo, hi)`` per unknown; default ``1..1024``.
        odd: Unknowns restricted to odd values (kernels centred on a pixel).
        even: Unknowns restricted to even values.
        powers_of_two: Unknowns restricted to 1, 2, 4, 8, ...
        minimize: A cost in the unknowns (``"n*k**2"``): return the cheapest assignments.
        progress: Called as ``progress(done, total)`` after each chunk.
        scheduler: Search on a Dask cluster: a ``distributed.Client``, a scheduler address
            (``"tcp://host:8786"``) or ``"local"`` (worker processes on this machine for
            the call). Spaces up to :data:`~symrf.limits.MAX_DISTRIBUTED_ASSIGNMENTS` are
            then searched; answers are re-checked here and equal the single-process ones.

    Raises:
        NoSolutionError: Nothing in the ranges meets the target; names the nearest values.
        ClusterError: Dask is missing, the scheduler is unreachable or a worker failed.

    >>> import symrf
    >>> s, = symrf.symbols("s")
    >>> net = symrf.Sequential(*[symrf.Conv(kernel=3, stride=s)] * 4)
    >>> solve(net, "jump <= 16", "s").value
    2
    """
    if progress is not None and not callable(progress):
        raise SymrfError(f"solve: progress is {described(progress)}; give a function "
                         "progress(done, total), or None.")
    arguments = (net, target, for_, values, input_size, ranges, odd, even, powers_of_two,
                 minimize)
    if scheduler is None:
        return Question.build(*arguments).solve(progress)

    with distributed(scheduler):  # connects on the first search, after the checks
        return Question.build(*arguments).solve(progress)


__all__ = ["INPUT", "Answer", "Domain", "Relation", "Solution", "Target", "Unknown", "solve"]
