"""Throughput of symrf.solve.solve: a 10**6-assignment design space, and single-unknown solves.

Part 1. A 10-layer chain of convolutions with four unknowns: kernels ``a`` and ``b`` (each
used by three layers), stride ``s`` (two layers) and dilation ``d`` (three layers, one of
them ``2*d``). Ranges a, b in 1..100 and s, d in 1..10 give 10**6 assignments; the target is
``rf >= 1000``. It times ``solve`` on the Pareto-front path and with ``minimize=`` (a
parameter-like cost), end to end, and splits each call into its phases: deriving and
compiling the closed forms, rebuilding each layer over its unknowns' candidates (the
validity tables of ``symrf.solve.measure.layer_checks``), the chunked search (and, inside it, the
Pareto reduction), the relaxed roots, and the rest (reading the question, re-checking the
answers exactly). The baseline is ``symrf.evaluate`` in a Python loop over 2,000 sampled
assignments, extrapolated to 10**6.

Before timing, the answers are checked against a reference computed without the solver:
``symrf.sweep`` over the whole grid, then the Pareto front of the feasible set (or of the
cheapest feasible assignments) found with cumulative ORs along each axis; the sample of
``evaluate`` is checked against the same sweep.

Part 2. Single-unknown solves, median over a few cold repeats, with the same phase split:
the kernel for ``rf >= 224`` in 4 stride-2 layers, the depth ``L`` of a TCN for
``rf >= 1000`` (both vectorised over the default range 1..1024), and ``rf_min_path >= 100``
on a residual network, a figure with no vectorised form (the exact path, one ``evaluate``
per candidate). Each answer is checked against a brute-force ``evaluate`` loop, which is
also timed over the same candidates for scale.

sympy's cache is cleared before each repeat of a solve. Run:
``python benchmarks/solve_throughput.py``.
"""

from __future__ import annotations

import importlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from timing import best_of, cold, human, show  # before symrf: puts the checkout on sys.path

import symrf
from symrf.layers.repeat import Repeat
from symrf.solve import solve

# The modules themselves: ``symrf.solve`` is the function (re-exported by the package).
SOLVE = importlib.import_module("symrf.solve")
SEARCH = importlib.import_module("symrf.solve.search")
MEASURE = importlib.import_module("symrf.solve.measure")
QUESTION = importlib.import_module("symrf.solve.question")

SAMPLE = 2_000
REPEAT_SPACE = 3
REPEAT_SINGLE = 5
TARGET = 1000
COST = "3*a**2 + 3*b**2 + s + d"
RANGES = {"a": (1, 100), "b": (1, 100), "s": (1, 10), "d": (1, 10)}


def network() -> symrf.Sequential:
    a, b, s, d = symrf.symbols("a b s d")
    return symrf.Sequential(
        symrf.Conv(kernel=7, stride=2),
        symrf.Conv(kernel=a),
        symrf.Conv(kernel=a, stride=s),
        symrf.Conv(kernel=b, dilation=d),
        symrf.Conv(kernel=3, stride=s),
        symrf.Conv(kernel=b, dilation=d),
        symrf.Conv(kernel=a, dilation=2 * d),
        symrf.Conv(kernel=3, stride=2),
        symrf.Conv(kernel=b),
        symrf.Conv(kernel=1),
    )


# --- phase split -------------------------------------------------------------------------

# (module, attribute, phase): the calls timed. A nested phase starts with "of which"; the
# top-level phases are subtracted from the total to give "the rest". A name the solver no
# longer has is skipped (its phase is then not shown).
WRAPPED = (
    (QUESTION, "Compiled", "derive + compile"),
    (MEASURE, "layer_checks", "layer checks (rebuild each layer)"),
    (QUESTION, "scan", "search"),
    (SEARCH, "front", "of which Pareto reduction"),
    (SEARCH, "masked_front", "of which Pareto reduction"),
    (QUESTION.Question, "_roots", "relaxed roots"),
)
REST = "the rest (build, exact re-check)"


@contextmanager
def phases() -> Iterator[dict[str, float]]:
    """Time the solver's phases by wrapping names in symrf.solve, .search and .measure.

    Only this process's module attributes are wrapped (and restored on exit); nothing in
    symrf is changed. The wrappers add a few microseconds per call.
    """
    present = [(owner, name, phase) for owner, name, phase in WRAPPED if hasattr(owner, name)]
    spent = {phase: 0.0 for _, _, phase in present}

    def timed(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - start
        return wrapper

    saved = [getattr(owner, name) for owner, name, _ in present]
    for (owner, name, phase), original in zip(present, saved, strict=True):
        setattr(owner, name, timed(phase, original))
    try:
        yield spent
    finally:
        for (owner, name, _), original in zip(present, saved, strict=True):
            setattr(owner, name, original)


def measured(call: Callable[[], Any], repeat: int) -> tuple[Any, list[float], list[dict]]:
    """Run ``call`` ``repeat`` times from a cold sympy cache: result, totals, phase times."""
    totals, splits, result = [], [], None
    for _ in range(repeat):
        cold()
        with phases() as spent:
            start = time.perf_counter()
            result = call()
            totals.append(time.perf_counter() - start)
        splits.append(dict(spent))
    return result, totals, splits


def show_split(total: float, split: dict[str, float], indent: str = "    ") -> None:
    """One line per phase, with its share of ``total``."""
    rest = total - sum(t for phase, t in split.items() if not phase.startswith("of which"))
    for phase, seconds in (*split.items(), (REST, rest)):
        lead = indent + ("  " if phase.startswith("of which") else "")
        print(f"{lead}{phase:<40} {human(seconds):>10}  {100 * seconds / total:4.0f}%")


def at_best(totals: list[float], splits: list[dict]) -> tuple[float, dict]:
    where = min(range(len(totals)), key=totals.__getitem__)
    return totals[where], splits[where]


def at_median(totals: list[float], splits: list[dict]) -> tuple[float, dict]:
    order = sorted(range(len(totals)), key=totals.__getitem__)
    where = order[len(order) // 2]
    return statistics.median(totals), splits[where]


# --- reference: Pareto fronts of a boolean grid ----------------------------------------------

def grid_front(mask: np.ndarray) -> set[tuple[int, ...]]:
    """Grid positions of the minimal elements of ``mask`` (the Pareto front, smallest wins).

    ``below`` is set where some true position is <= it in every axis (cumulative OR along
    each axis); a true position is dominated when ``below`` holds one step back along some
    axis, i.e. at a position <= it that differs.
    """
    below = mask.copy()
    for axis in range(mask.ndim):
        below = np.logical_or.accumulate(below, axis=axis)
    dominated = np.zeros_like(mask)
    for axis in range(mask.ndim):
        ahead = [slice(None)] * mask.ndim
        back = [slice(None)] * mask.ndim
        ahead[axis], back[axis] = slice(1, None), slice(None, -1)
        dominated[tuple(ahead)] |= below[tuple(back)]
    return {tuple(int(x) for x in p) for p in np.argwhere(mask & ~dominated)}


def positions(answer: Any, axes: dict[str, np.ndarray]) -> set[tuple[int, ...]]:
    return {tuple(int(np.searchsorted(axes[n], s.values[n])) for n in axes)
            for s in answer.solutions}


def fail(message: str) -> None:
    raise SystemExit(f"MISMATCH: {message}")


# --- part 1 --------------------------------------------------------------------------------

def space() -> None:
    net = network()
    names = list(RANGES)
    axes = {n: np.arange(lo, hi + 1) for n, (lo, hi) in RANGES.items()}
    total = int(np.prod([len(axis) for axis in axes.values()]))
    grid = dict(zip(names, np.meshgrid(*axes.values(), indexing="ij", sparse=True),
                    strict=True))
    target = f"rf >= {TARGET}"

    def front_call() -> Any:
        return solve(net, target, names, ranges=RANGES)

    def cheapest_call() -> Any:
        return solve(net, target, names, ranges=RANGES, minimize=COST)

    # Reference: sweep the whole grid, then fronts from the boolean masks.
    cold()
    rf = symrf.sweep(net, **grid).rf
    feasible = rf >= TARGET
    cost = 3 * grid["a"] ** 2 + 3 * grid["b"] ** 2 + grid["s"] + grid["d"]
    cost = np.broadcast_to(cost, rf.shape)
    least = cost[feasible].min()

    front, front_times, front_splits = measured(front_call, REPEAT_SPACE)
    cheapest, cheap_times, cheap_splits = measured(cheapest_call, REPEAT_SPACE)
    for label, answer, mask in (("front", front, feasible),
                                ("minimize", cheapest, feasible & (cost == least))):
        if answer.count != total or answer.feasible != int(feasible.sum()):
            fail(f"{label}: searched {answer.count}, feasible {answer.feasible}; sweep says "
                 f"{total}, {int(feasible.sum())}")
        if positions(answer, axes) != grid_front(mask):
            fail(f"{label}: {len(answer.solutions)} solutions, reference front has "
                 f"{len(grid_front(mask))} (or they differ)")
        if answer.method != "vectorised":
            fail(f"{label}: method {answer.method}, expected vectorised")
    if {float(s.cost) for s in cheapest.solutions} != {float(least)}:
        fail(f"minimize: costs {[s.cost for s in cheapest.solutions]}, reference {least}")

    rng = random.Random(0)
    flat = rng.sample(range(total), SAMPLE)
    points = [dict(zip(names, (int(axes[n][i]) for n, i in
                               zip(names, np.unravel_index(f, rf.shape), strict=True)),
                       strict=True)) for f in flat]
    for f, values in zip(flat, points, strict=True):
        if symrf.evaluate(net, **values).rf != rf.flat[f]:
            fail(f"evaluate and sweep disagree at {values}")
    loop = best_of(lambda: [symrf.evaluate(net, **values) for values in points], repeat=3)
    per_config = loop / SAMPLE
    extrapolated = per_config * total

    front_best, front_split = at_best(front_times, front_splits)
    cheap_best, cheap_split = at_best(cheap_times, cheap_splits)
    print(f"part 1: 10-layer conv chain, unknowns a b s d "
          f"({', '.join(f'{n} {lo}..{hi}' for n, (lo, hi) in RANGES.items())}), "
          f"{total:,} assignments, target {target}")
    print(f"  chunk size symrf.solve.search.CHUNK = {SEARCH.CHUNK:,} "
          f"({-(-total // SEARCH.CHUNK)} chunks)")
    print(f"  {int(feasible.sum()):,} feasible; Pareto front {len(front.solutions)} "
          f"assignments; minimize {COST}: least {least} at {len(cheapest.solutions)} "
          f"assignment(s), e.g. {cheapest.solutions[0].values}")
    print("  both answers equal the reference (sweep of the grid, fronts by cumulative OR); "
          f"evaluate agrees with the sweep on {SAMPLE:,} sampled assignments")
    for label, best, split in (("solve, Pareto front", front_best, front_split),
                               ("solve, minimize=", cheap_best, cheap_split)):
        show(f"{label} (best of {REPEAT_SPACE}, cold)", best,
             f"{total / best:,.0f} configs/s end to end, "
             f"{total / split['search']:,.0f} configs/s in the search")
        show_split(best, split)
    show(f"evaluate loop, {SAMPLE:,} sampled assignments", loop,
         f"{1 / per_config:,.0f} configs/s ({human(per_config)} each)")
    show(f"evaluate loop extrapolated to {total:,}", extrapolated)
    print(f"  speed-up over the evaluate loop, end to end: front "
          f"{extrapolated / front_best:,.0f}x, minimize {extrapolated / cheap_best:,.0f}x; "
          f"search phase alone: front {extrapolated / front_split['search']:,.0f}x, "
          f"minimize {extrapolated / cheap_split['search']:,.0f}x")


# --- part 2 --------------------------------------------------------------------------------

def tcn() -> Repeat:
    k, levels, i = symrf.symbols("k L i")
    dilation = 2**i
    causal = [symrf.Pad(left=(k - 1) * dilation), symrf.Conv(kernel=k, dilation=dilation)]
    return Repeat(symrf.Parallel(causal + causal, []), times=levels, index=i)


def residual() -> symrf.Sequential:
    k, = symrf.symbols("k")
    block = symrf.Parallel([symrf.Conv(kernel=k), symrf.Conv(kernel=k)], [symrf.Conv(kernel=k)])
    return symrf.Sequential(symrf.Conv(kernel=7, stride=2), *[block] * 4)


def smallest(net: Any, unknown: str, candidates: range, meets: Callable[[Any], bool],
             **values: int) -> int | None:
    """The first candidate whose exact report meets the target (brute force)."""
    for value in candidates:
        if meets(symrf.evaluate(net, **{unknown: value}, **values)):
            return value
    return None


def single() -> None:
    kernel_net = symrf.Sequential(*[symrf.Conv(kernel=symrf.symbols("k")[0], stride=2)] * 4)
    cases = [
        ("kernel k, rf >= 224, 4 stride-2 convs", kernel_net, "rf >= 224", "k", {}, {},
         range(1, 1025), lambda r: r.rf >= 224),
        ("TCN depth L, rf >= 1000 (k = 3)", tcn(), "rf >= 1000", "L", {"k": 3}, {},
         range(1, 1025), lambda r: r.rf >= 1000),
        ("residual k, rf_min_path >= 100 (exact path)", residual(), "rf_min_path >= 100", "k",
         {}, {"k": (1, 300)}, range(1, 301), lambda r: r.rf_min_path >= 100),
    ]
    print(f"part 2: single-unknown solves, median of {REPEAT_SINGLE} cold repeats")
    for label, net, target, unknown, values, ranges, candidates, meets in cases:
        answer, totals, splits = measured(
            lambda net=net, target=target, unknown=unknown, values=values, ranges=ranges:
                solve(net, target, unknown, values=values, ranges=ranges),
            REPEAT_SINGLE)
        # Brute force: every candidate below the answer fails, the answer meets.
        found = smallest(net, unknown, candidates, meets, **values)
        if found != answer.value:
            fail(f"{label}: solve says {answer.value}, brute force {found}")
        # The TCN's whole range is too slow to loop over (L = 1024 means 1026-bit numbers
        # and a 1024-fold unrolled repeat), so its loop stops at L = 64 and is not compared.
        checked = range(1, 65) if unknown == "L" else candidates
        loop = best_of(lambda net=net, checked=checked, unknown=unknown, values=values:
                       [symrf.evaluate(net, **{unknown: v}, **values) for v in checked],
                       repeat=3)
        median, split = at_median(totals, splits)
        print(f"  {label}: {unknown} = {answer.value} ({answer.method}, "
              f"{answer.count:,} candidates; relaxed root {unknown} = "
              f"{', '.join(map(str, answer.exact_value.get(unknown, ())))})")
        show("solve, median", median,
             f"(min {human(min(totals))}, max {human(max(totals))})")
        show_split(median, split)
        if checked == candidates:
            show(f"evaluate loop over the same {len(candidates):,} candidates", loop,
                 f"solve / loop {median / loop:.2f}x")
        else:
            show(f"evaluate loop over {unknown} = 1..{checked[-1]} only", loop,
                 "(not comparable: the whole range is not timed)")


def main() -> None:
    space()
    print()
    single()


if __name__ == "__main__":
    main()
