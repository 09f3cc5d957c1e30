"""symrf.evaluate on a 10,000-layer concrete chain vs a minimal hand-written loop.

Both compute rf, jump and left after every layer of the same chain of convolutions (mixed
kernels, dilations and paddings; stride 2 on every 1000th layer, so the numbers stay small).
The hand loop is the classic recurrence on plain ints, the floor of what any Python
implementation can cost; the ratio is the price of symrf's generality. ``evaluate`` runs the
compiled plan (:mod:`symrf.engine.plan`), compiled once per network and kept while the network
lives, so the timed calls fold the plan and make the rows; the one-off compile (each layer's
geometry, once) is timed apart, and the general exact path (what ``evaluate`` ran before
issue 10) is timed for scale. Run: ``python benchmarks/numeric_vs_loop.py``.
"""

from __future__ import annotations

import random

from timing import best_of, show  # before symrf: puts the checkout on sys.path

import symrf
from symrf.engine.fold import analyse
from symrf.engine.plan import Plan
from symrf.maths.scalars import exact

LAYERS = 10_000


def chain_params(count: int, seed: int = 0) -> list[tuple[int, int, int, int]]:
    """``(kernel, stride, dilation, padding)`` per layer; stride 2 on every 1000th layer."""
    rng = random.Random(seed)
    return [
        (
            rng.choice((1, 3, 5, 7)),
            2 if index % 1000 == 999 else 1,
            rng.choice((1, 1, 2, 3)),
            rng.choice((0, 1, 2, 3)),
        )
        for index in range(count)
    ]


def hand_loop(params: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int]]:
    """rf, jump, left after each layer: the textbook recurrence on plain ints."""
    rf, jump, left = 1, 1, 0
    rows = []
    for kernel, stride, dilation, padding in params:
        rf += dilation * (kernel - 1) * jump
        left -= padding * jump
        jump *= stride
        rows.append((rf, jump, left))
    return rows


def with_symrf(net: symrf.Sequential) -> list[tuple[object, object, object]]:
    """The same rows through the public API."""
    return [(row.rf, row.jump, row.left) for row in symrf.evaluate(net).layers]


def main() -> None:
    params = chain_params(LAYERS)
    net = symrf.Sequential(
        *(symrf.Conv(kernel=k, stride=s, dilation=d, padding=p) for k, s, d, p in params)
    )

    expected = hand_loop(params)
    got = with_symrf(net)
    if got != expected:
        first = next(i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
        raise SystemExit(f"MISMATCH at layer {first}: symrf {got[first]} vs loop {expected[first]}")

    loop = best_of(lambda: hand_loop(params), repeat=7, number=10)
    evaluate_only = best_of(lambda: symrf.evaluate(net), repeat=5)
    full = best_of(lambda: with_symrf(net), repeat=5)
    compile_once = best_of(lambda: Plan.of(net), repeat=3)
    general = best_of(lambda: [(row.rf, row.jump, row.left)
                               for row in analyse(net, [None], exact, eager=True).layers],
                      repeat=3)
    build = best_of(
        lambda: symrf.Sequential(
            *(symrf.Conv(kernel=k, stride=s, dilation=d, padding=p) for k, s, d, p in params)
        ),
        repeat=3,
    )

    print(f"numeric_vs_loop: {LAYERS} concrete conv layers, rf/jump/left after every layer")
    print(f"  final rf={expected[-1][0]} jump={expected[-1][1]} left={expected[-1][2]}; "
          "symrf and the loop agree on every layer")
    show("hand-written int loop", loop, f"({loop / LAYERS * 1e9:.0f} ns/layer)")
    show("symrf.evaluate(net) alone", evaluate_only,
         f"({evaluate_only / LAYERS * 1e6:.1f} us/layer)")
    show("evaluate + read rf/jump/left of all rows", full, f"({full / LAYERS * 1e6:.1f} us/layer)")
    show("(not in the ratio) compiling the plan, once", compile_once)
    show("(not in the ratio) the general exact path", general,
         f"({general / LAYERS * 1e6:.1f} us/layer, {general / loop:.0f}x the loop)")
    show("(not in the ratio) building the Sequential", build)
    print(f"  ratio symrf / hand loop: {full / loop:.0f}x "
          f"(evaluate alone {evaluate_only / loop:.0f}x)")


if __name__ == "__main__":
    main()
