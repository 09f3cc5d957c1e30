"""Regression check: ratios of CPU times measured in one process, each against a generous bar.

Run: ``python benchmarks/check.py`` (``.ci/run`` runs it after the tests; about 20 s of CPU).
It prints every ratio with its bar and the goal behind it, and exits 1 when a ratio is past
its bar (or 2 when symrf's answers disagree with the reference computation). The bars sit an
order of magnitude above what a healthy build measures, or a few times above its goal: a noisy,
loaded machine does not cross them, a path that turned quadratic does.

Every figure is *CPU time* of the thread doing the work (``time.thread_time``; all of it runs
in the main thread), the best of a few repeats, numerator and denominator taken in turns: time
slices other processes take do not count, so load barely moves a ratio. (``process_time``
would not do: while the ``ITIMER_PROF`` alarm below is armed, Linux reads the process clock
in whole ticks.) A numerator that overruns its bar is cut short (the
``ITIMER_PROF`` alarm stops it once it has used twice the bar times its denominator), so a
regression fails fast instead of running for minutes; it prints as ``>``.

The ratios (DESIGN.md and issue 19 give the goals):

- ``evaluate(net, **values)`` on a chain with its own symbols ``k_i``, ``s_i`` per layer, over
  ``evaluate`` of the same chain built with numbers (a fresh network, so both compile their
  plan), at 100 and 1,000 layers;
- ``evaluate`` of a 10,000-layer concrete chain plus reading every row's rf, jump and left,
  over the minimal hand-written fold of numeric_vs_loop.py;
- ``analyze`` of a chain written as a ``Graph``, over the same chain as a ``Sequential``
  (fresh networks; every row read), at 10,000 nodes;
- ``analyze`` at 100,000 layers over 10,000 (linear growth is 10), for the ``Sequential``,
  and for the ``Graph`` at 10,000 over 1,000;
- ``derive(Repeat(body, times=m))`` over ``derive(body)`` (derive_200.py's body; sympy's cache
  cleared before each repeat);
- ``symrf analyze --format json`` of a chain of 300 layers with their own ``k_i s_i p_i``,
  over the same at 100 layers (linear growth in the rows printed is 3).
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive_200 import body
from large_networks import forget, graph, layer_params, reference, sequential, symbolic_spec
from numeric_vs_loop import chain_params, hand_loop
from timing import cold  # also puts the checkout first on sys.path

import symrf
from symrf.cli import main as cli_main
from symrf.engine import analyze

# ------------------------------------------------------------------ measuring


class Overrun(BaseException):
    """A timed call used up its CPU allowance (no ``except Exception`` in symrf catches it)."""


def _overrun(signum: int, frame: Any) -> None:
    raise Overrun


@contextlib.contextmanager
def allowance(seconds: float) -> Iterator[None]:
    """Raise :class:`Overrun` in the block once this process has used ``seconds`` of CPU."""
    previous = signal.signal(signal.SIGPROF, _overrun)
    signal.setitimer(signal.ITIMER_PROF, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def cpu(call: Callable[[], Any], setup: Callable[[], Any] | None = None,
        limit: float = float("inf")) -> float:
    """CPU seconds of one ``call()`` (``setup()`` first, untimed); ``inf`` past ``limit``."""
    if setup is not None:
        setup()
    start = time.thread_time()
    try:
        with allowance(limit) if limit < float("inf") else contextlib.nullcontext():
            call()
    except Overrun:
        return float("inf")
    return time.thread_time() - start


@dataclass
class Ratio:
    """One measured ratio and its bar."""

    name: str
    numerator: float
    denominator: float
    bar: float
    goal: str
    cut: float = 0.0
    """CPU seconds after which the numerator was stopped (0: it ran to the end)."""

    @property
    def value(self) -> float:
        return (self.cut or self.numerator) / self.denominator

    @property
    def failed(self) -> bool:
        return self.value > self.bar

    def line(self) -> str:
        shown = f"> {self.value:,.0f}x" if self.cut else f"{self.value:,.1f}x"
        verdict = "FAIL" if self.failed else "ok"
        return (f"  {self.name:<50} {shown:>8}  bar {self.bar:>2g}x  {verdict:<4}  "
                f"goal: {self.goal}  ({human(self.cut or self.numerator)} / "
                f"{human(self.denominator)})")


def human(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


@dataclass
class Timed:
    """A call to time, and what to do before each call, untimed (a fresh network, a cold cache)."""

    call: Callable[[], Any]
    setup: Callable[[], Any] | None = None


def ratio(name: str, numerator: Timed, denominator: Timed, bar: float, goal: str,
          repeat: int = 3) -> Ratio:
    """Best CPU time of ``numerator`` over ``denominator``'s, ``repeat`` calls each in turns.

    The numerator is stopped once it has used twice the bar times the first denominator.
    """
    best = cpu(denominator.call, denominator.setup)
    limit = 2 * bar * best + 0.05  # past this the ratio is at least twice its bar
    top = cpu(numerator.call, numerator.setup, limit)
    for _ in range(repeat - 1 if top < limit else 0):
        best = min(best, cpu(denominator.call, denominator.setup))
        top = min(top, cpu(numerator.call, numerator.setup, limit))
    return Ratio(name, top, best, bar, goal, cut=limit if top == float("inf") else 0.0)


def warm_up() -> None:
    """Pay the one-off costs (imports, sympy's first simplifications) before any timing."""
    symbolic, values, _ = symbolic_chain(3)
    symrf.evaluate(symbolic, **values)
    rows(analyze(graph(layer_params(3))))
    rows(analyze(sequential(layer_params(3))))
    m, = symrf.symbols("m")
    _ = symrf.derive(symrf.Repeat(body(), times=m)).rf
    with tempfile.TemporaryDirectory() as folder:
        analyse_json(Path(folder), 3).call()


# ------------------------------------------------------------------ the networks


def disagree(what: str, got: object, expected: object) -> None:
    print(f"MISMATCH: {what}: symrf gives {got}, the reference {expected}")
    sys.exit(2)


def symbolic_chain(count: int) -> tuple[symrf.Sequential, dict[str, int], symrf.Sequential]:
    """A chain with its own ``k_i``, ``s_i`` per layer, its values, and it built with them."""
    kernels = symrf.symbols(" ".join(f"k{i}" for i in range(count)))
    strides = symrf.symbols(" ".join(f"s{i}" for i in range(count)))
    values = {**{f"k{i}": 1 + 2 * (i % 3) for i in range(count)},
              **{f"s{i}": 2 if i % 100 == 99 else 1 for i in range(count)}}
    symbolic = symrf.Sequential(*(symrf.Conv(kernel=k, stride=s, padding=1)
                                  for k, s in zip(kernels, strides, strict=True)))
    return symbolic, values, numbers(count, values)


def numbers(count: int, values: dict[str, int]) -> symrf.Sequential:
    return symrf.Sequential(*(symrf.Conv(kernel=values[f"k{i}"], stride=values[f"s{i}"],
                                         padding=1) for i in range(count)))


def rows(report: symrf.Report) -> list[tuple[object, object, object]]:
    return [(row.rf, row.jump, row.left) for row in report.layers]


def fresh(build: Callable[[], Any], use: Callable[[Any], Any]) -> Timed:
    """``use(net)`` on a new copy of a network each time (built untimed): no plan is kept."""
    net = [build()]

    def renew() -> None:
        net[0] = build()

    return Timed(lambda: use(net[0]), renew)


# ------------------------------------------------------------------ the checks


def evaluate_with_values(count: int, bar: float) -> Ratio:
    symbolic, values, concrete = symbolic_chain(count)
    result = ratio(f"evaluate with values / with numbers, {count:,} layers",
                   Timed(lambda: symrf.evaluate(symbolic, **values)),
                   fresh(lambda: numbers(count, values), symrf.evaluate), bar,
                   "a few times (issue 19)", repeat=5)
    if not result.cut:
        got, expected = symrf.evaluate(symbolic, **values), symrf.evaluate(concrete)
        if rows(got) != rows(expected):
            disagree(f"evaluate with values, {count} layers", got.rf, expected.rf)
    return result


def evaluate_against_a_fold(count: int, bar: float) -> Ratio:
    params = chain_params(count)
    net = symrf.Sequential(*(symrf.Conv(kernel=k, stride=s, dilation=d, padding=p)
                             for k, s, d, p in params))
    if rows(symrf.evaluate(net)) != hand_loop(params):
        disagree(f"evaluate of {count} layers", rows(symrf.evaluate(net))[-1],
                 hand_loop(params)[-1])
    return ratio(f"evaluate + every row / hand fold, {count:,} layers",
                 Timed(lambda: rows(symrf.evaluate(net))), Timed(lambda: hand_loop(params)),
                 bar, "3x measured (issue 10)", repeat=7)


def analysed(net_of: Callable[[Any], Any], count: int, label: str) -> Timed:
    """``analyze`` of a fresh network of ``count`` layers plus every row, checked once."""
    params = layer_params(count)
    got, expected = rows(analyze(net_of(params))), reference(params)
    if got != expected:
        disagree(f"analyze of a {label} of {count} layers", got[-1], expected[-1])
    return fresh(lambda: net_of(params), lambda net: rows(analyze(net)))


def graph_against_chain(count: int, bar: float) -> Ratio:
    return ratio(f"Graph / Sequential analyze, {count:,} nodes",
                 analysed(graph, count, "Graph"), analysed(sequential, count, "Sequential"),
                 bar, "2x (issue 19)")


def linearity(net_of: Callable[[Any], Any], label: str, small: int, bar: float) -> Ratio:
    large = 10 * small
    return ratio(f"{label} analyze, {large:,} / {small:,} layers",
                 analysed(net_of, large, label), analysed(net_of, small, label), bar,
                 "10 (linear)", repeat=2)


def repeat_against_body(bar: float) -> Ratio:
    m, = symrf.symbols("m")
    repeated = symrf.Sequential(symrf.Repeat(body(), times=m))
    once = symrf.Sequential(body())

    def figures(net: symrf.Sequential) -> Timed:
        return Timed(lambda: [getattr(symrf.derive(net), name) for name in ("rf", "jump", "left")],
                     cold)

    return ratio("derive(Repeat(body, m)) / derive(body)", figures(repeated), figures(once),
                 bar, "3x (issue 19)", repeat=4)


def symbolic_rows(bar: float) -> Ratio:
    with tempfile.TemporaryDirectory() as folder:
        return ratio("symbolic analyze --format json, 300 / 100 layers",
                     analyse_json(Path(folder), 300), analyse_json(Path(folder), 100), bar,
                     "3 (linear in the rows printed; quadratic is 9)", repeat=1)


def analyse_json(folder: Path, count: int) -> Timed:
    """``symrf analyze chain.json --format json`` of ``count`` layers with their own symbols."""
    path = folder / f"chain{count}.json"
    path.write_text(symbolic_spec(count))

    def run() -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cli_main(["analyze", str(path), "--format", "json"])
        document = json.loads(out.getvalue()) if status == 0 else {}
        if len(document.get("layers", ())) != count:
            disagree(f"symrf analyze of {count} symbolic layers", f"exit {status}",
                     f"{count} rows")

    return Timed(run, forget)


def main() -> int:
    started, started_cpu = time.perf_counter(), time.thread_time()
    print("benchmarks/check.py: ratios of CPU time in one process (best of a few repeats)")
    warm_up()
    checks: list[Callable[[], Ratio]] = [
        lambda: evaluate_with_values(100, bar=20),
        lambda: evaluate_with_values(1_000, bar=20),
        lambda: evaluate_against_a_fold(10_000, bar=30),
        lambda: graph_against_chain(10_000, bar=6),
        lambda: linearity(sequential, "Sequential", 10_000, bar=30),
        lambda: linearity(graph, "Graph", 1_000, bar=30),
        lambda: repeat_against_body(bar=10),
        lambda: symbolic_rows(bar=7),
    ]
    failed = []
    for check in checks:
        result = check()
        print(result.line(), flush=True)
        if result.failed:
            failed.append(result.name)
    print(f"  ({time.perf_counter() - started:.0f} s, {time.thread_time() - started_cpu:.0f} s "
          "of CPU)")
    if failed:
        print(f"past the bar: {'; '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
