"""Per-candidate exact checks: ``evaluate`` with values against the solver's Evaluator.

The solver's exact path (figures without a vectorised form, such as ``rf_min_path``, and
resampling networks) checks one assignment at a time. Before issue 10 each check was
``symrf.evaluate(net, **values)``: sympy substitutes the values into every layer, then the
general engine folds the network. ``symrf.engine.parametric.Evaluator`` substitutes and compiles
each layer once per value of its own symbols and runs the compiled plan's loop.

The exact engine's unit sets also got cheaper: a window reading a run of units now returns
the run it reads at once instead of tap by tap. "before" is ``evaluate`` with the tap-by-tap
reads put back for the run (the code before issue 10).

For each network, all are timed over the same candidates (``k`` in 1..300, odd where the
network needs it), in one run; the answers are checked equal first. Run:
``python benchmarks/exact_candidates.py``.
"""

from __future__ import annotations

from contextlib import contextmanager

from timing import best_of, show  # before symrf: puts the checkout on sys.path

import symrf
from symrf.engine.parametric import Evaluator
from symrf.engine.report import FIGURES
from symrf.layers.window import Window


@contextmanager
def tap_by_tap_reads():
    """Window.reads as before issue 10: every tap of every unit, never a run at once."""
    fast = Window.reads

    def reads(self, units, size):
        left = self.left_padding(size)
        taps = [t * self.dilation - left for t in range(self.kernel)]
        return {self.stride * x + tap for x in units for tap in taps}

    Window.reads = reads
    try:
        yield
    finally:
        Window.reads = fast


def residual() -> symrf.Sequential:
    """A ResNet-like chain with symbolic kernels in its residual blocks (rf_min_path)."""
    (k,) = symrf.symbols("k")
    block = symrf.Parallel([symrf.Conv(kernel=k, padding=(k - 1) / 2),
                            symrf.Conv(kernel=k, padding=(k - 1) / 2)], [], merge="add")
    return symrf.Sequential(
        symrf.Conv(kernel=7, stride=2, padding=3), symrf.MaxPool(kernel=3, stride=2, padding=1),
        *[block] * 8, symrf.Conv(kernel=3, stride=2, padding=1), *[block] * 8,
    )


def chain() -> symrf.Sequential:
    """Twenty layers, every third with the unknown kernel."""
    (k,) = symrf.symbols("k")
    return symrf.Sequential(*(
        symrf.Conv(kernel=k if i % 3 == 0 else 3, stride=2 if i % 5 == 4 else 1)
        for i in range(20)))


def resampling() -> symrf.Sequential:
    """An encoder-decoder: the exact engine enumerates phases after the upsampling."""
    (k,) = symrf.symbols("k")
    return symrf.Sequential(
        symrf.Conv(kernel=k, stride=2), symrf.Conv(kernel=3, stride=2),
        symrf.Upsample(factor=2), symrf.Conv(kernel=k), symrf.Upsample(factor=2),
        symrf.Conv(kernel=3))


def checked(run) -> dict | str:
    """Every figure of one exact check, or its error (invalid candidates are checked too)."""
    try:
        report = run()
        return {name: report.figure(name) for name in FIGURES}
    except symrf.SymrfError as error:
        return str(error)


def main() -> None:
    cases = [("20-layer chain, k in 3 layers", chain(), range(1, 301)),
             ("residual network, k in 32 layers", residual(), range(1, 301, 2)),
             ("encoder-decoder (resampling)", resampling(), range(1, 301))]
    print("exact_candidates: one exact check per candidate (every figure read), us per check")
    for title, net, candidates in cases:
        values = [{"k": k} for k in candidates]
        evaluator = Evaluator(net)
        for assignment in values:
            want = checked(lambda: symrf.evaluate(net, input_size=1024, **assignment))  # noqa: B023
            if checked(lambda: evaluator(1024, assignment)) != want:  # noqa: B023
                raise SystemExit(f"MISMATCH for {title} at {assignment}")
        def old(net=net, values=values):
            return [checked(lambda v=v: symrf.evaluate(net, input_size=1024, **v))
                    for v in values]

        def first(net=net, values=values):
            fresh = Evaluator(net)
            return [checked(lambda v=v: fresh(1024, v)) for v in values]

        def cached(evaluator=evaluator, values=values):
            return [checked(lambda v=v: evaluator(1024, v)) for v in values]

        before, cold, warm = (best_of(run, repeat=3) for run in (old, first, cached))
        runwise = old()
        with tap_by_tap_reads():
            if old() != runwise:
                raise SystemExit(f"MISMATCH for {title}: run-wise and tap-wise reads differ")
            tapwise = best_of(old, repeat=3)
        count = len(values)
        print(f"  {title} ({count} candidates)")
        show("evaluate, tap-by-tap reads (before)", tapwise,
             f"({tapwise / count * 1e6:.0f} us each)")
        show("evaluate(net, k=...) per candidate", before,
             f"({before / count * 1e6:.0f} us each)")
        show("Evaluator, first pass (compiles)", cold, f"({cold / count * 1e6:.0f} us each)")
        show("Evaluator, parts cached", warm, f"({warm / count * 1e6:.0f} us each)")
        print(f"    ratio before / Evaluator: {tapwise / cold:.0f}x first pass, "
              f"{tapwise / warm:.0f}x cached; evaluate / Evaluator: {before / cold:.0f}x, "
              f"{before / warm:.0f}x")


if __name__ == "__main__":
    main()
