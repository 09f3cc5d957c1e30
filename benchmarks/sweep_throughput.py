"""Throughput of symrf.sweep over 10**6 parameter assignments vs a Python loop of evaluate.

A 10-layer network (a ResNet-like stem, then convs) with four symbols: kernel ``k``,
stride ``s``, dilation ``d``, padding ``p``. The grid is k in 1..100, s in 1..10,
d in 1..10, p in 0..99: 10**6 assignments, passed two ways:

- broadcast: open-grid arrays (``np.meshgrid(..., sparse=True)``), shapes like (100,1,1,1);
- flat: four dense 1-D arrays of 10**6 entries each (``np.meshgrid`` then ``ravel``).

Each sweep call derives the closed forms and compiles them (that fixed cost is shown on its
own as a sweep of one assignment). The baseline is ``symrf.evaluate`` in a Python loop over a
random sample of the grid, extrapolated to 10**6; the sample is also checked against the
sweep. sympy's cache is cleared before each repeat. Run: ``python benchmarks/sweep_throughput.py``.
"""

from __future__ import annotations

import random

import numpy as np
from timing import best_of, cold, human, show  # before symrf: puts the checkout on sys.path

import symrf

SAMPLE = 300
CHECKED = ("rf", "jump", "left", "right", "padding", "center")


def network() -> symrf.Sequential:
    k, s, d, p = symrf.symbols("k s d p")
    return symrf.Sequential(
        symrf.Conv(kernel=7, stride=2, padding=3),
        symrf.MaxPool(kernel=3, stride=2, padding=1),
        symrf.Conv(kernel=k, padding=p),
        symrf.Conv(kernel=k, padding=p),
        symrf.Conv(kernel=k, stride=s, padding=p),
        symrf.Conv(kernel=k, dilation=d, padding=p),
        symrf.Conv(kernel=3, stride=s, padding=1),
        symrf.Conv(kernel=k, dilation=d),
        symrf.Conv(kernel=3, dilation=2 * d, padding=1),
        symrf.Conv(kernel=1),
    )


AXES = {
    "k": np.arange(1, 101),
    "s": np.arange(1, 11),
    "d": np.arange(1, 11),
    "p": np.arange(0, 100),
}


def main() -> None:
    net = network()
    open_grid = dict(zip(AXES, np.meshgrid(*AXES.values(), indexing="ij", sparse=True),
                         strict=True))
    flat = {name: grid.ravel() for name, grid in
            zip(AXES, np.meshgrid(*AXES.values(), indexing="ij"), strict=True)}
    total = flat["k"].size

    cold()
    result = symrf.sweep(net, **flat)
    rng = random.Random(0)
    sample = rng.sample(range(total), SAMPLE)
    points = [{name: int(flat[name][i]) for name in AXES} for i in sample]
    for i, values in zip(sample, points, strict=True):
        report = symrf.evaluate(net, **values)
        for name in CHECKED:
            if getattr(report, name) != getattr(result, name)[i]:
                raise SystemExit(f"MISMATCH at {values}: {name} evaluate "
                                 f"{getattr(report, name)} vs sweep {getattr(result, name)[i]}")
    grid_result = symrf.sweep(net, **open_grid)
    if not np.array_equal(grid_result.rf.ravel(), result.rf):
        raise SystemExit("MISMATCH: broadcast and flat sweeps disagree on rf")

    single = best_of(lambda: symrf.sweep(net, k=3, s=2, d=1, p=1), repeat=5, setup=cold)
    broadcast = best_of(lambda: symrf.sweep(net, **open_grid), repeat=5, setup=cold)
    dense = best_of(lambda: symrf.sweep(net, **flat), repeat=5, setup=cold)
    loop = best_of(lambda: [symrf.evaluate(net, **values) for values in points], repeat=3)
    per_config = loop / SAMPLE
    extrapolated = per_config * total

    print(f"sweep_throughput: 10-layer network, symbols k s d p, {total:,} assignments; "
          f"{len(result.figures)} figures ({', '.join(result.figures)})")
    print(f"  sweep agrees with evaluate on {SAMPLE} sampled assignments ({', '.join(CHECKED)})")
    show("sweep, one assignment (fixed cost)", single)
    show("sweep, broadcast open grid", broadcast, f"{total / broadcast:,.0f} configs/s")
    show("sweep, flat 1-D arrays", dense, f"{total / dense:,.0f} configs/s")
    show(f"evaluate loop, {SAMPLE} sampled assignments", loop,
         f"{1 / per_config:,.0f} configs/s ({human(per_config)} each)")
    show(f"evaluate loop extrapolated to {total:,}", extrapolated)
    print(f"  speed-up over the evaluate loop: broadcast {extrapolated / broadcast:,.0f}x, "
          f"flat {extrapolated / dense:,.0f}x")


if __name__ == "__main__":
    main()
