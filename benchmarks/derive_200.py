"""Cost of symrf.derive on long symbolic chains, and of a symbolic Repeat.

- (a) 200 convs with distinct symbols ``k0..k199``, ``s0..s199``, ``p0..p199``;
- (b) 200 convs sharing ``k`` and ``s`` (padding 1);
- (c) ``Repeat(body, times=m)`` with a symbolic count vs the same ``body`` once: the repeat
  is a closed-form power (geometric sums), never unrolled, so it should cost about the same.

Each time covers ``derive(net)`` and reading ``.rf``, ``.jump``, ``.left`` and ``.size`` of the
whole network (rows are composed lazily, when first read), with sympy's cache cleared before
each repeat. DESIGN.md section 4 asks for (a) "well under a second".
Run: ``python benchmarks/derive_200.py``.
"""

from __future__ import annotations

import sympy
from timing import best_of, cold, show  # before symrf: puts the checkout on sys.path

import symrf

LAYERS = 200
FIGURES = ("rf", "jump", "left", "size")


def distinct(count: int) -> symrf.Sequential:
    kernels = symrf.symbols(" ".join(f"k{i}" for i in range(count)))
    strides = symrf.symbols(" ".join(f"s{i}" for i in range(count)))
    paddings = symrf.symbols(" ".join(f"p{i}" for i in range(count)))
    return symrf.Sequential(
        *(
            symrf.Conv(kernel=k, stride=s, padding=p)
            for k, s, p in zip(kernels, strides, paddings, strict=True)
        )
    )


def shared(count: int) -> symrf.Sequential:
    k, s = symrf.symbols("k s")
    return symrf.Sequential(*(symrf.Conv(kernel=k, stride=s, padding=1) for _ in range(count)))


def body() -> symrf.Sequential:
    k, s, p = symrf.symbols("k s p")
    return symrf.Sequential(
        symrf.Conv(kernel=k, padding=p),
        symrf.ReLU(),
        symrf.Conv(kernel=k, stride=s, padding=p),
        symrf.Conv(kernel=3, padding=1),
    )


def figures(net: symrf.Layer) -> list[object]:
    report = symrf.derive(net)
    return [getattr(report, name) for name in FIGURES]


def every_row(net: symrf.Layer) -> None:
    for row in symrf.derive(net).layers:
        _ = row.rf, row.jump, row.left


def ops(values: list[object]) -> str:
    return ", ".join(
        f"{name} {sympy.count_ops(value) if isinstance(value, sympy.Basic) else 0}"
        for name, value in zip(FIGURES, values, strict=True)
    )


def main() -> None:
    print(f"derive_200: derive(net) + read {', '.join(FIGURES)} (sympy cache cleared each repeat)")
    cases = [
        (f"(a) {LAYERS} layers, distinct k_i s_i p_i", distinct(LAYERS)),
        (f"(b) {LAYERS} layers, shared k s", shared(LAYERS)),
    ]
    for label, net in cases:
        seconds = best_of(lambda net=net: figures(net), repeat=5, setup=cold)
        show(label, seconds)
        print(f"      operations: {ops(figures(net))}")

    m, = symrf.symbols("m")
    repeated = symrf.Sequential(symrf.Repeat(body(), times=m))
    once = symrf.Sequential(body())
    unrolled = symrf.Sequential(*([body()] * 4))
    repeat_time = best_of(lambda: figures(repeated), repeat=5, setup=cold)
    once_time = best_of(lambda: figures(once), repeat=5, setup=cold)
    unrolled_time = best_of(lambda: figures(unrolled), repeat=5, setup=cold)
    show("(c) Repeat(body, times=m)", repeat_time)
    show("    body once", once_time)
    show("    body unrolled 4 times (for scale)", unrolled_time)
    print(f"    Repeat(times=m) / body once: {repeat_time / once_time:.1f}x")
    print(f"    rf of the repeat: {figures(repeated)[0]}")

    seconds = best_of(lambda: every_row(distinct(LAYERS)), repeat=2, setup=cold)
    show(f"(extra) (a) with rf/jump/left of all {LAYERS} rows", seconds)


if __name__ == "__main__":
    main()
