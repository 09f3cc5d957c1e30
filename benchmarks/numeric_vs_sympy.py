"""Substituting into symbolic closed forms vs the numeric engine, for 100-layer chains.

Two 100-layer chains: (a) kernels are distinct symbols ``k0 .. k99`` and strides, dilations
and paddings are numbers; (b) kernels ``k0 .. k99`` and strides ``s0 .. s99`` are all
symbols. Three ways to get rf, jump and left for a few assignments:

- ``derive(net)`` once, then ``expr.subs(values)`` per assignment: the habit DESIGN.md
  section 4 warns against;
- ``derive(net)`` once, then ``expr.xreplace(values)`` per assignment;
- ``symrf.evaluate(net, **values)`` per assignment (no sympy arithmetic at all).

sympy's cache is cleared before each repeat, so every repeat pays a first call's cost.

(c) measures substitution itself (issue 19): ``symrf.evaluate(net, **values)`` on chains of
100 and 10,000 layers with their own ``k_i``, ``s_i``, against ``evaluate`` of the same
chain built with numbers (once as built, once including building it), in one run.
Run: ``python benchmarks/numeric_vs_sympy.py``.
"""

from __future__ import annotations

import random

import sympy
from timing import best_of, cold, show  # before symrf: puts the checkout on sys.path

import symrf

LAYERS = 100
FIGURES = ("rf", "jump", "left")


def kernels_only(count: int, seed: int = 0) -> symrf.Sequential:
    """``count`` convs with kernel ``k<i>``; stride 2 on every 25th layer."""
    rng = random.Random(seed)
    kernels = symrf.symbols(" ".join(f"k{i}" for i in range(count)))
    return symrf.Sequential(
        *(
            symrf.Conv(
                kernel=kernel,
                stride=2 if index % 25 == 24 else 1,
                dilation=rng.choice((1, 2)),
                padding=rng.choice((0, 1)),
            )
            for index, kernel in enumerate(kernels)
        )
    )


def kernels_and_strides(count: int) -> symrf.Sequential:
    """``count`` convs with kernel ``k<i>``, stride ``s<i>``, padding 1."""
    kernels = symrf.symbols(" ".join(f"k{i}" for i in range(count)))
    strides = symrf.symbols(" ".join(f"s{i}" for i in range(count)))
    return symrf.Sequential(
        *(symrf.Conv(kernel=k, stride=s, padding=1) for k, s in zip(kernels, strides, strict=True))
    )


def assignments(net: symrf.Sequential, count: int, seed: int = 1) -> list[dict[str, int]]:
    """Random values: kernels from 1, 3, 5, 7; a symbolic stride is 2 on every 25th layer."""
    rng = random.Random(seed)
    names = sorted(sym.name for sym in net.free_symbols())
    return [
        {
            name: rng.choice((1, 3, 5, 7))
            if name.startswith("k")
            else (2 if int(name[1:]) % 25 == 24 else 1)
            for name in names
        }
        for _ in range(count)
    ]


def closed_forms(net: symrf.Sequential) -> list[object]:
    report = symrf.derive(net)
    return [getattr(report, name) for name in FIGURES]


def substituted(forms: list[object], values: dict[str, int], how: str) -> tuple[int, ...]:
    """Each figure with ``values`` put in, by ``subs`` or ``xreplace``."""
    mapping = {symrf.symbols(name)[0]: sympy.Integer(v) for name, v in values.items()}
    out = []
    for form in forms:
        if isinstance(form, sympy.Basic):
            form = getattr(form, how)(mapping)
        out.append(int(form))
    return tuple(out)


def numeric(net: symrf.Sequential, values: dict[str, int]) -> tuple[int, ...]:
    report = symrf.evaluate(net, **values)
    return tuple(int(getattr(report, name)) for name in FIGURES)


def compare(title: str, net: symrf.Sequential, count: int, subs_repeat: int) -> None:
    cases = assignments(net, count)
    cold()
    forms = closed_forms(net)
    results: dict[str, list[tuple[int, ...]]] = {}

    def run(how: str) -> None:
        if how == "evaluate":
            results[how] = [numeric(net, values) for values in cases]
        else:
            results[how] = [substituted(forms, values, how) for values in cases]

    derive_time = best_of(lambda: closed_forms(net), repeat=5, setup=cold)
    subs_time = best_of(lambda: run("subs"), repeat=subs_repeat, setup=cold) / count
    xreplace_time = best_of(lambda: run("xreplace"), repeat=5, setup=cold) / count
    evaluate_time = best_of(lambda: run("evaluate"), repeat=5, setup=cold) / count
    if not results["subs"] == results["xreplace"] == results["evaluate"]:
        raise SystemExit(f"MISMATCH in {title}: {results}")

    symbolic_total = derive_time + count * subs_time
    xreplace_total = derive_time + count * xreplace_time
    numeric_total = count * evaluate_time
    ops = ", ".join(
        f"{name} {sympy.count_ops(form) if isinstance(form, sympy.Basic) else 0}"
        for name, form in zip(FIGURES, forms, strict=True)
    )
    print(f"({title}) {count} assignments; operations in the closed forms: {ops}; "
          "subs, xreplace and evaluate agree")
    show("derive(net) + read rf/jump/left (once)", derive_time)
    show(".subs per assignment (3 figures)", subs_time)
    show(".xreplace per assignment (3 figures)", xreplace_time)
    show("symrf.evaluate per assignment", evaluate_time)
    print(f"  per assignment: subs / evaluate = {subs_time / evaluate_time:.0f}x, "
          f"xreplace / evaluate = {xreplace_time / evaluate_time:.2f}x")
    print(f"  incl. one derive: derive+subs / evaluate = {symbolic_total / numeric_total:.0f}x, "
          f"derive+xreplace / evaluate = {xreplace_total / numeric_total:.1f}x")


def with_numbers(count: int, values: dict[str, int]) -> symrf.Sequential:
    """The chain of :func:`kernels_and_strides` built with ``values`` in place of symbols."""
    return symrf.Sequential(*(
        symrf.Conv(kernel=values[f"k{i}"], stride=values[f"s{i}"], padding=1)
        for i in range(count)
    ))


def substitution(count: int) -> None:
    """evaluate with values vs evaluate of the chain built with numbers (same figures)."""
    net = kernels_and_strides(count)
    values = assignments(net, 1)[0]
    repeat = 5 if count <= 1000 else 2
    built: list[symrf.Sequential] = []

    def build() -> None:  # untimed: a fresh network, so evaluate pays its first call
        cold()
        built[:] = [with_numbers(count, values)]

    given = best_of(lambda: symrf.evaluate(net, **values), repeat=repeat, setup=cold)
    first = best_of(lambda: symrf.evaluate(built[0]), repeat=repeat, setup=build)
    again = best_of(lambda: symrf.evaluate(built[0]), repeat=repeat)
    fresh = best_of(lambda: symrf.evaluate(with_numbers(count, values)), repeat=repeat,
                    setup=cold)
    if numeric(net, values) != tuple(int(symrf.evaluate(built[0]).figure(f)) for f in FIGURES):
        raise SystemExit(f"MISMATCH in substitution at {count} layers")
    print(f"(c) {count} layers, {2 * count} symbols: evaluate with values = "
          f"{given / first:.1f}x evaluate of the chain built with numbers (first call), "
          f"{given / fresh:.1f}x building it and evaluating")
    show("evaluate(net, **values)", given)
    show("evaluate(built with numbers), first call", first)
    show("evaluate(built with numbers), again", again)
    show("build with numbers + evaluate", fresh)


def main() -> None:
    print(f"numeric_vs_sympy: {LAYERS}-layer chains, figures {', '.join(FIGURES)}")
    compare("a: kernels k0..k99 symbolic", kernels_only(LAYERS), count=5, subs_repeat=3)
    compare("b: kernels k0..k99 and strides s0..s99 symbolic", kernels_and_strides(LAYERS),
            count=2, subs_repeat=2)
    for count in (LAYERS, 10_000):
        substitution(count)


if __name__ == "__main__":
    main()
