"""Large networks (issue 8): time per layer or node at 10^3, 10^4 and 10^5.

Run: ``python benchmarks/large_networks.py [--max 100000] [--budget 60]``. Each concrete
case is the path ``symrf analyze ... --format json`` takes, without the file and the
printing, timed in CPU seconds of this process (other jobs on the machine do not skew it):

- **Sequential**: a concrete conv chain built in Python, ``analyze`` + the JSON document
  (every row's figures);
- **Graph**: the same chain as graph nodes (each node reads the previous one); the ratio
  Graph / Sequential is printed;
- **spec**: the chain as a JSON spec text, ``symrf.sources.spec.loads`` + ``analyze`` + JSON;
- **residual**: a residual network of that many graph nodes (per block two centred convs and
  an add with the block's input; every 1000th block strided, with a 1x1 strided projection
  on the skip), against the same network as a ``Sequential`` of ``Parallel`` blocks (one row
  per block, so a third of the graph's rows); the ratio is printed;
- **symbolic**: chains of 100, 300 and 1,000 layers whose every kernel, stride and padding
  is a symbol, through ``symrf.cli.main(["analyze", path, "--format", "json"])`` and the
  default table (issue 19 asks for 300 layers in under 10 s, 1,000 in under 60 s), in wall
  seconds. Each row's formulas grow with its depth, so the output grows faster than the
  number of rows; the time per megabyte printed is shown too.

Before timing, the Sequential, Graph and spec answers are checked against a hand-written
loop of the textbook recurrence (rf, jump and left of every row; for the residual network,
of every block, whose field is its conv path's), and the residual graph's rows at the
blocks' ends against the Sequential's rows; a disagreement exits 1.
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
from collections.abc import Callable, Iterator
from pathlib import Path

from timing import cold, human  # also puts the checkout first on sys.path

from symrf.cli import main as cli_main
from symrf.engine import analyze
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph, Node
from symrf.layers.parallel import Parallel
from symrf.layers.window import Conv
from symrf.render.json import to_json
from symrf.sources.spec import loads


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


def block_params(count: int) -> list[tuple[dict[str, int], dict[str, int], int]]:
    """Blocks filling ``count`` graph nodes: two centred convs each, stride 2 every 1000th."""
    blocks, nodes = [], 0
    while nodes + 3 <= count:
        i = len(blocks)
        stride = 2 if i % 1000 == 999 else 1
        first, second = ({"kernel": 3 + 2 * ((i + j) % 3), "dilation": 1 + (i + j) % 2}
                         for j in (0, 1))
        for conv in (first, second):
            conv["padding"] = conv["dilation"] * (conv["kernel"] - 1) // 2
        first["stride"] = stride
        blocks.append((first, second, stride))
        nodes += 3 if stride == 1 else 4
    return blocks


def residual_reference(blocks: list[tuple[dict[str, int], dict[str, int], int]]
                       ) -> list[tuple[int, int, int]]:
    """rf, jump, left after each block: the conv path's (it holds the skip's field)."""
    params = [{"stride": 1, **conv} for first, second, _ in blocks for conv in (first, second)]
    return reference(params)[1::2]


def residual_graph(blocks: list[tuple[dict[str, int], dict[str, int], int]]) -> Graph:
    nodes, source = [], "input"
    for i, (first, second, stride) in enumerate(blocks):
        nodes.append(Node(f"a{i}", (source,), Conv(**first)))
        nodes.append(Node(f"b{i}", (f"a{i}",), Conv(**second)))
        skip = source
        if stride > 1:
            nodes.append(Node(f"p{i}", (source,), Conv(kernel=1, stride=stride)))
            skip = f"p{i}"
        nodes.append(Node(f"add{i}", (f"b{i}", skip), merge="add"))
        source = f"add{i}"
    return Graph(nodes)


def residual_sequential(blocks: list[tuple[dict[str, int], dict[str, int], int]]) -> Sequential:
    return Sequential(*(Parallel([Conv(**first), Conv(**second)],
                                 [Conv(kernel=1, stride=stride)] if stride > 1 else [],
                                 name=f"add{i}")
                        for i, (first, second, stride) in enumerate(blocks)))


def spec_text(params: list[dict[str, int]]) -> str:
    return json.dumps({"name": "chain", "layers": [{"op": "conv", **p} for p in params]})


def checked(document: dict, expected: list[tuple[int, int, int]], label: str) -> None:
    got = [(row["rf"], row["jump"], row["left"]) for row in document["layers"]]
    if got != expected:
        first = next(i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b)
        print(f"{label}: row {first} is {got[first]}, the recurrence gives {expected[first]}")
        sys.exit(1)


def timed(make: Callable[[], Layer]) -> tuple[float, dict]:
    """CPU seconds to build a network, ``analyze`` it and make the JSON document; the document.

    CPU time of this process, not wall time: on a shared machine other jobs would otherwise
    change the ratios from one case to the next.
    """
    start = time.process_time()
    document = to_json(analyze(make()))
    return time.process_time() - start, document


def run_concrete(count: int) -> dict[str, float]:
    params = layer_params(count)
    expected = reference(params)
    text = spec_text(params)
    times = {}
    for label, make in (("Sequential", lambda: sequential(params)),
                        ("Graph", lambda: graph(params)),
                        ("spec", lambda: loads(text, "json").network)):
        times[label], document = timed(make)
        checked(document, expected, label)
    return times


def run_residual(count: int) -> tuple[dict[str, float], int, int]:
    """Seconds of the residual graph and Sequential, and their numbers of rows."""
    blocks = block_params(count)
    times = {}
    times["Sequential"], chain = timed(lambda: residual_sequential(blocks))
    checked(chain, residual_reference(blocks), "residual Sequential")
    times["Graph"], document = timed(lambda: residual_graph(blocks))
    ends = [{**row, "op": "parallel"} for row in document["layers"] if row["op"] == "add"]
    if ends != chain["layers"]:
        first = next(i for i, (a, b) in enumerate(zip(ends, chain["layers"], strict=False))
                     if a != b)
        print(f"residual Graph: block {first} is {ends[first]}, the Sequential gives "
              f"{chain['layers'][first]}")
        sys.exit(1)
    return times, len(document["layers"]), len(chain["layers"])


def sizes(largest: int, budget: float, run: Callable[[int], dict[str, float]]
          ) -> Iterator[tuple[int, dict[str, float]]]:
    """``(count, times)`` at 10^3, 10^4, ... up to ``largest``, while within ``budget``."""
    count = 1000
    while count <= largest:
        times = run(count)
        yield count, times
        if any(t > budget / 10 for t in times.values()):
            break
        count *= 10


def symbolic_spec(count: int) -> str:
    layers = [{"op": "conv", "kernel": f"k{i}", "stride": f"s{i}", "padding": f"p{i}"}
              for i in range(count)]
    return json.dumps({"name": f"symbolic_{count}", "layers": layers})


def forget() -> None:
    """Clear sympy's cache and symrf's own memos, so a timing pays what a first call pays."""
    from symrf.engine import symbolic
    from symrf.render.printer import PRINTER

    cold()
    # a benchmark may look inside: it must time a cold run
    PRINTER.clear()
    symbolic._shape.cache_clear()


def run_symbolic(count: int, output: str) -> tuple[float, int]:
    """Seconds and characters of ``symrf analyze`` on the symbolic chain, as ``output``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.json"
        path.write_text(symbolic_spec(count))
        forget()
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            status = cli_main(["analyze", str(path), "--format", output])
        seconds = time.perf_counter() - start
    if status != 0:
        print(f"symbolic {count}: exit status {status}")
        sys.exit(1)
    text = out.getvalue()
    if output == "json":
        document = json.loads(text)
        if len(document["layers"]) != count or "k0" not in document["rf"]:
            print(f"symbolic {count}: unexpected document")
            sys.exit(1)
    elif text.count("\nconv_") != count:
        print(f"symbolic {count}: unexpected table")
        sys.exit(1)
    return seconds, len(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=100_000, help="largest size (default 1e5)")
    parser.add_argument("--symbolic", type=int, nargs="*", default=[100, 300, 1000],
                        help="symbolic chain lengths (default 100 300 1000)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per case")
    args = parser.parse_args()
    print("concrete conv chain: analyze + JSON of every row (CPU time, per layer)")
    for count, times in sizes(args.max, args.budget, run_concrete):
        cells = "  ".join(f"{name} {human(t):>9} ({human(t / count)})"
                          for name, t in times.items())
        ratio = times["Graph"] / times["Sequential"]
        print(f"  {count:>7} layers  {cells}  Graph/Sequential {ratio:.2f}")
    print("residual network: analyze + JSON of every row (CPU time, per graph node)")
    rows: dict[int, tuple[int, int]] = {}

    def residual(count: int) -> dict[str, float]:
        times, *rows[count] = run_residual(count)
        return times

    for count, times in sizes(args.max, args.budget, residual):
        graph_rows, chain_rows = rows[count]
        ratio = times["Graph"] / times["Sequential"]
        print(f"  {count:>7} nodes   Graph {human(times['Graph']):>9} ({graph_rows} rows)  "
              f"Sequential {human(times['Sequential']):>9} ({chain_rows} rows)  "
              f"Graph/Sequential {ratio:.2f}")
    for count in args.symbolic:
        for output in ("json", "table"):
            seconds, size = run_symbolic(count, output)
            print(f"symbolic chain, {count} layers (k_i, s_i, p_i), cli analyze --format "
                  f"{output}: {human(seconds)} ({human(seconds / count)} per layer; "
                  f"{size / 1e6:.1f} MB printed, {human(seconds / size * 1e6)} per MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
