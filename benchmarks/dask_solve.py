"""The design-space search on a local Dask cluster: task overhead, speed-up, and a 2*10**9 space.

All parts use one ``LocalCluster`` of 2 worker processes (1 thread each) on loopback, the
setup ``symrf.solve(..., scheduler=...)`` gets from ``scheduler="local"`` (with
``symrf.engine.cluster.FAST_WORKERS``: without it the workers run the measure 2-3x slower);
starting it is timed once. The network is ``Repeat(Conv(kernel=k), times=n)``
(rf = n*(k - 1) + 1) with the target ``rf >= T`` and the unknowns ``k`` and ``n``: the
Pareto-front path.

Part 0. What the machine gives two processes, without Dask: 20 blocks of the part 3 search
(``symrf.solve.search.scan_block``) timed in one process, then in two processes at once. On an
idle 2-core machine two take as long as one (capacity 2x); on a shared one, or where memory
bandwidth limits, they take longer, and 2 local workers cannot beat that ratio.

Part 1. Overhead: the time per task of ``SearchCluster.run`` on tasks that do nothing (what each
block pays to be scheduled, sent and merged), and the fixed cost of a distributed ``solve``
on a 1,000-assignment space against the same solve in one process.

Part 2. Speed-up: the search phase (``symrf.solve.search.scan`` with the question's measure) over
10**8 assignments (the single-process limit, ``symrf.limits.MAX_ASSIGNMENTS``) in one
process and on the 2 workers; both results must be equal.

Part 3. Past the limit: ``symrf.solve(..., scheduler=client)`` end to end over
2*10**9 assignments (k 1..50,000 x n 1..40,000), against the single-process search phase on
the 10**9 slice k 1..25,000 (``symrf.solve`` refuses 10**9 in one process, so the slice is
timed with ``scan``). The answer is checked against the closed form: for each n the least k
is ``ceil((T - 1)/n) + 1``. Each big run is timed once (a minute each on 2 cores).

Run: ``python benchmarks/dask_solve.py`` (``--quick`` divides the part 3 spaces by 10).
It needs numpy and dask[distributed].
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
import time

import numpy as np
from timing import best_of, human, show  # before symrf: puts the checkout on sys.path

import symrf
import symrf.solve.question
from symrf.engine.cluster import FAST_WORKERS
from symrf.solve.distributed import SearchCluster
from symrf.solve.question import Question
from symrf.solve.search import Keep, Scan, Space, scan, searching

TARGET = 10**6
CONTROL_BLOCKS = 20
WIRED = hasattr(symrf.solve.question, "assignment_limit")
"""Whether ``symrf.solve`` itself lifts the limit under a scheduler (see question.py)."""


def main() -> int:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask.distributed: not installed (pip install 'symrf[dask]'); nothing to measure")
        return 0
    quick = "--quick" in sys.argv
    k, n = symrf.symbols("k n")
    net = symrf.Repeat(symrf.Conv(kernel=k), times=n)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"network Repeat(Conv(kernel=k), times=n), target rf >= {TARGET}")
    capacity()
    # One-process timings first: a LocalCluster's scheduler runs in this process and would
    # take some of its time.
    ks = 50_000 // (10 if quick else 1)
    part2, part3 = alone(net, 10_000, 10_000, repeat=2), alone(net, ks // 2, 40_000, repeat=1)
    start = time.perf_counter()
    with dask.config.set(FAST_WORKERS), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster, set_as_default=False) as client:
        print()
        show("start a LocalCluster of 2 processes", time.perf_counter() - start)
        overhead(client, net)
        if not speed_up(client, net, part2):
            return 1
        if not past_the_limit(client, net, ks, part3):
            return 1
    return 0


def capacity() -> None:
    """Part 0: the search's own blocks in two plain processes at once, against one alone."""
    command = [sys.executable, __file__, "--blocks"]
    alone = float(subprocess.run([*command, "0"], check=True, capture_output=True,
                                 text=True).stdout)
    at = str(time.time() + 2 * alone + 5)  # both start measuring then, after their imports
    running = [subprocess.Popen([*command, str(first), at], stdout=subprocess.PIPE, text=True)
               for first in (0, 100)]
    both = max(float(process.communicate()[0]) for process in running)
    print("\nPart 0. The machine's parallel capacity for this work (no Dask)")
    show(f"{CONTROL_BLOCKS} blocks of the part 3 search, one process", alone)
    show("two processes at once (the slower)", both,
         f"capacity {2 * alone / both:.2f}x one process")


def blocks(first: int, at: float = 0.0) -> None:
    """Scan ``CONTROL_BLOCKS`` blocks of the part 3 space from block ``first``; print seconds."""
    from symrf.solve.search import BLOCK, scan_block

    k, n = symrf.symbols("k n")
    space, measure = _search(symrf.Repeat(symrf.Conv(kernel=k), times=n), 25_000, 40_000)
    time.sleep(max(0.0, at - time.time()))
    start = time.perf_counter()
    for index in range(first, first + CONTROL_BLOCKS):
        scan_block(space, measure, index * BLOCK, (index + 1) * BLOCK, keep=Keep.FRONT,
                   maximise=False)
    print(time.perf_counter() - start)


def overhead(client: object, net: symrf.Layer) -> None:
    """Part 1: time per empty task, and the fixed cost of a small distributed solve."""
    print("\nPart 1. Overhead")
    tasks = 400
    runner = SearchCluster(client)

    def empty_tasks() -> None:
        assert sum(1 for _ in runner.run(_nothing, None, range(tasks))) == tasks

    each = best_of(empty_tasks, repeat=3) / tasks
    show(f"per task ({tasks} empty tasks, 2 workers)", each, "scheduled, run, merged in order")
    ranges = {"k": (1, 50), "n": (1, 20)}
    alone = best_of(lambda: symrf.solve(net, "rf >= 100", ["k", "n"], ranges=ranges), 3)
    spread = best_of(lambda: symrf.solve(net, "rf >= 100", ["k", "n"], ranges=ranges,
                                         scheduler=client), 3)
    show("solve, 1,000 assignments, one process", alone)
    show("solve, 1,000 assignments, on the cluster", spread,
         f"fixed cost of the cluster {human(spread - alone)}")


def alone(net: symrf.Layer, ks: int, ns: int, repeat: int) -> tuple[float, Scan]:
    """Best time and result of the one-process search phase over k 1..ks, n 1..ns."""
    space, measure = _search(net, ks, ns)
    found = []
    seconds = best_of(lambda: found.append(scan(space, measure, keep=Keep.FRONT,
                                                maximise=False)), repeat=repeat)
    return seconds, found[-1]


def speed_up(client: object, net: symrf.Layer, part2: tuple[float, Scan]) -> bool:
    """Part 2: the search phase over 10**8 assignments, one process against 2 workers."""
    print("\nPart 2. Speed-up, search phase, 10^8 assignments (k 1..10,000 x n 1..10,000)")
    space, measure = _search(net, 10_000, 10_000)
    found = []

    def spread() -> None:
        with searching(SearchCluster(client)):
            found.append(scan(space, measure, keep=Keep.FRONT, maximise=False))

    one, single = part2
    two = best_of(spread, repeat=2)
    same = (single.front.tolist() == found[-1].front.tolist() and
            single.feasible == found[-1].feasible)
    show("one process (timed before the cluster)", one,
         f"{space.size / one / 1e6:.1f} million configurations/s")
    show("2 local workers", two, f"{space.size / two / 1e6:.1f} million configurations/s")
    print(f"  speed-up {one / two:.2f}x; results equal: {same} "
          f"(front of {len(single.front)}, {single.feasible} feasible)")
    return same


def past_the_limit(client: object, net: symrf.Layer, ks: int,
                   part3: tuple[float, Scan]) -> bool:
    """Part 3: a 2*10**9 solve on the cluster against a 10**9 slice in one process."""
    ns = 40_000
    print(f"\nPart 3. Past the single-process limit: {ks * ns:.1e} assignments on 2 workers, "
          f"{ks * ns // 2:.1e} in one process")
    ranges = {"k": (1, ks), "n": (1, ns)}
    expected_front, expected_feasible = _closed_form(ks, ns)
    start = time.perf_counter()
    if WIRED:
        answer = symrf.solve(net, f"rf >= {TARGET}", ["k", "n"], ranges=ranges,
                             scheduler=client)
        spread = time.perf_counter() - start
        # solve lists the first MAX_TIES assignments of the front (by k), and counts them all
        front = [(s["k"], s["n"]) for s in answer.solutions]
        size, feasible = answer.tied, answer.feasible
        label = "symrf.solve on the cluster, end to end"
    else:  # symrf.solve still refuses: time the search phase the way solve runs it
        space, measure = _search(net, ks, ns)
        with searching(SearchCluster(client)):
            found = scan(space, measure, keep=Keep.FRONT, maximise=False)
        spread = time.perf_counter() - start
        front = [(space.assignment(f)["k"], space.assignment(f)["n"]) for f in found.front]
        size, feasible = len(front), found.feasible
        label = "search phase on the cluster (solve not wired)"
    show(label, spread, f"{ks * ns / spread / 1e6:.1f} million configurations/s")
    right = (front == expected_front[:len(front)] and size == len(expected_front)
             and feasible == expected_feasible)
    print(f"  answer equals the closed form: {right} (front of {size}, {feasible} feasible)")
    alone_seconds, half = part3
    half_size = ks // 2 * ns
    show("search phase in one process, half the space", alone_seconds,
         f"{half_size / alone_seconds / 1e6:.1f} million configurations/s")
    print(f"  configurations/s, cluster / one process: "
          f"{ks * ns / spread / (half_size / alone_seconds):.2f}x "
          f"({half.feasible} feasible in the half)")
    return right


def _search(net: symrf.Layer, ks: int, ns: int) -> tuple[Space, object]:
    """The space of ``rf >= TARGET`` over k 1..ks, n 1..ns, and the solver's measure."""
    from symrf.solve.targets import Unknown

    unknowns = [Unknown("k", 1, ks), Unknown("n", 1, ns)]
    question = Question.build(net, f"rf >= {TARGET}", unknowns, {}, None, {}, (), (), (), None)
    space = Space(("k", "n"), (range(1, ks + 1), range(1, ns + 1)))
    measure, method = question._measure(space)
    assert method == "vectorised"
    return space, measure


def _closed_form(ks: int, ns: int) -> tuple[list[tuple[int, int]], int]:
    """Pareto front ((k, n) pairs, ascending) and feasible count of n*(k-1)+1 >= TARGET."""
    n = np.arange(1, ns + 1)
    least = -(-(TARGET - 1) // n) + 1  # the least k for each n
    fits = least <= ks
    feasible = int(np.sum(np.where(fits, ks - least + 1, 0)))
    front, best = [], math.inf
    for depth, kernel in zip(n[fits].tolist(), least[fits].tolist(), strict=True):
        if kernel < best:  # a deeper stack only counts when its kernel is smaller
            front.append((kernel, depth))
            best = kernel
    return sorted(front), feasible


def _nothing(shared: object, block: object) -> object:
    return block


if __name__ == "__main__":
    if sys.argv[1:2] == ["--blocks"]:  # Part 0's plain worker process
        blocks(int(sys.argv[2]), *map(float, sys.argv[3:4]))
        sys.exit(0)
    sys.exit(main())
