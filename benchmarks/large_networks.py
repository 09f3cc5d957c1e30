"""Large networks (issue 8): time per layer or node at 10^3, 10^4 and 10^5.

Run: ``python benchmarks/large_networks.py [--max 100000] [--budget 60]``. Each case is the
path ``symrf analyze ... --format json`` takes, without the file and the printing:

- **Sequential**: a concrete conv chain built in Python, ``analyze`` + the JSON document
  (every row's figures);
- **Graph**: the same chain as graph nodes (each node reads the previous one);
- **spec**: the chain as a JSON spec text, ``symrf.spec.loads`` + ``analyze`` + JSON;
- **symbolic 300**: a 300-layer chain whose every kernel, stride and padding is a symbol,
  through ``symrf.cli.main(["analyze", path, "--format", "json"])``.

Before timing, the Sequential, Graph and spec answers are checked against a hand-written
loop of the textbook recurrence (rf, jump and left of every row); a disagreement exits 1.
A size is skipped when the smaller one already took more than ``--budget`` seconds / 10.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from timing import cold, human  # also puts the checkout first on sys.path

from symrf.cli import main as cli_main
from symrf.engine import analyze
from symrf.export.json import to_json
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph, Node
from symrf.layers.window import Conv
from symrf.spec import loads


def layer_params(count: int) -> list[dict[str, int]]:
    """Kernels 1/3/5/7, dilations 1-3, paddings 0-3, stride 2 on every 1000th layer."""
    return [{"kernel": 1 + 2 * (i % 4), "dilation": 1 + i % 3, "padding": i % 4,
             "stride": 2 if i % 1000 == 999 else 1} for i in range(count)]


def reference(params: list[dict[str, int]]) -> list[tuple[int, int, int]]:
    """rf, jump, left after each layer, by the textbook recurrence."""
    rf, jump, left, rows = 1, 1, 0, []
    for p in params:
        rf += p["dilation"] * (p["kernel"] - 1) * jump
        left -= p["padding"] * jump
        jump *= p["stride"]
        rows.append((rf, jump, left))
    return rows


def sequential(params: list[dict[str, int]]) -> Sequential:
    return Sequential(*(Conv(**p) for p in params))


def graph(params: list[dict[str, int]]) -> Graph:
    nodes, source = [], "input"
    for i, p in enumerate(params):
        nodes.append(Node(f"c{i}", (source,), Conv(**p)))
        source = f"c{i}"
    return Graph(nodes)


def spec_text(params: list[dict[str, int]]) -> str:
    return json.dumps({"name": "chain", "layers": [{"op": "conv", **p} for p in params]})


def checked(document: dict, expected: list[tuple[int, int, int]], label: str) -> None:
    got = [(row["rf"], row["jump"], row["left"]) for row in document["layers"]]
    if got != expected:
        first = next(i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b)
        print(f"{label}: row {first} is {got[first]}, the recurrence gives {expected[first]}")
        sys.exit(1)


def run_concrete(count: int) -> dict[str, float]:
    params = layer_params(count)
    expected = reference(params)
    times = {}
    start = time.perf_counter()
    document = to_json(analyze(sequential(params)))
    times["Sequential"] = time.perf_counter() - start
    checked(document, expected, "Sequential")
    start = time.perf_counter()
    document = to_json(analyze(graph(params)))
    times["Graph"] = time.perf_counter() - start
    checked(document, expected, "Graph")
    text = spec_text(params)
    start = time.perf_counter()
    document = to_json(analyze(loads(text, "json").network))
    times["spec"] = time.perf_counter() - start
    checked(document, expected, "spec")
    return times


def symbolic_spec(count: int) -> str:
    layers = [{"op": "conv", "kernel": f"k{i}", "stride": f"s{i}", "padding": f"p{i}"}
              for i in range(count)]
    return json.dumps({"name": f"symbolic_{count}", "layers": layers})


def forget() -> None:
    """Clear sympy's cache and symrf's own memos, so a timing pays what a first call pays."""
    from symrf import symbolic
    from symrf.export.printer import PRINTER

    cold()
    # a benchmark may look inside: it must time a cold run
    PRINTER.clear()
    symbolic._shape.cache_clear()


def run_symbolic(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.json"
        path.write_text(symbolic_spec(count))
        forget()
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            status = cli_main(["analyze", str(path), "--format", "json"])
        seconds = time.perf_counter() - start
    if status != 0:
        print(f"symbolic {count}: exit status {status}")
        sys.exit(1)
    document = json.loads(out.getvalue())
    if len(document["layers"]) != count or "k0" not in document["rf"]:
        print(f"symbolic {count}: unexpected document")
        sys.exit(1)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=100_000, help="largest size (default 1e5)")
    parser.add_argument("--symbolic", type=int, nargs="*", default=[100, 300],
                        help="symbolic chain lengths (default 100 300)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per case")
    args = parser.parse_args()
    print("concrete conv chain: analyze + JSON of every row (time, per layer)")
    skip: set[str] = set()
    count = 1000
    while count <= args.max:
        times = {} if len(skip) == 3 else run_concrete(count)
        cells = "  ".join(f"{name} {human(t):>9} ({human(t / count)})"
                          for name, t in times.items())
        print(f"  {count:>7} layers  {cells}")
        skip |= {name for name, t in times.items() if t > args.budget / 10}
        if skip:
            break
        count *= 10
    for count in args.symbolic:
        seconds = run_symbolic(count)
        print(f"symbolic chain, {count} layers (k_i, s_i, p_i), cli analyze --format json: "
              f"{human(seconds)} ({human(seconds / count)} per layer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
