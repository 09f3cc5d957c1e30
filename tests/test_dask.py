"""Searches split over a Dask cluster give the single-process answers, and fail in one line.

One ``LocalCluster`` of two worker processes on loopback serves the whole module. The block
laws (:func:`symrf.solve.search.scan_block` and :func:`symrf.solve.search.merge`) need no Dask
and run
without it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
import symrf.solve.question
from symrf.engine.cluster import FAST_WORKERS, ClusterError
from symrf.errors import NoSolutionError, TooLargeError
from symrf.limits import MAX_ASSIGNMENTS, MAX_DISTRIBUTED_ASSIGNMENTS
from symrf.solve import search
from symrf.solve.distributed import SearchCluster, distributed
from symrf.solve.search import Keep, Outcome, Space, merge, scan, scan_block

k, n, d = symrf.symbols("k n d")
STACK = symrf.Repeat(symrf.Conv(kernel=k, dilation=d), times=n)
RESAMPLING = symrf.Sequential(symrf.Conv(kernel=k, stride=2), symrf.Upsample(factor=2),
                              symrf.Conv(kernel=k))
MAIN = os.getpid()

@pytest.fixture(scope="module")
def client():
    distributed_ = pytest.importorskip("distributed")
    import dask

    # One death fails the block at once, so the worker-failure test stays short.
    with dask.config.set({**FAST_WORKERS, "distributed.scheduler.allowed-failures": 0}), \
            distributed_.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None,
                                      silence_logs=40) as cluster, \
            distributed_.Client(cluster, set_as_default=False) as connected:
        yield connected


def same_answer(one, other):
    assert one.solutions == other.solutions
    assert one.neighbours == other.neighbours
    assert (one.count, one.feasible, one.tied, one.method) == (
        other.count, other.feasible, other.tied, other.method)
    assert one.searched == other.searched
    assert (one.exact, one.exact_value) == (other.exact, other.exact_value)


QUESTIONS = {
    "one unknown": (STACK, "rf >= 224", "k", {"values": {"n": 4, "d": 1}}),
    "two unknowns, Pareto front": (STACK, "rf >= 224", ["k", "n"], {"values": {"d": 1}}),
    "three unknowns, Pareto front": (
        STACK, "rf >= 300", ["k", "n", "d"],
        {"ranges": {"k": (1, 40), "n": (1, 40), "d": (1, 40)}}),
    "minimize": (STACK, "rf >= 224", ["k", "n"], {"values": {"d": 1}, "minimize": "n*k**2"}),
    "==": (STACK, "rf == 225", "k", {"values": {"n": 4, "d": 1}}),
    "<=, odd kernels": (STACK, "rf <= 100", ["k", "n"], {"values": {"d": 2}, "odd": ["k"]}),
    "resampling, exact path": (RESAMPLING, "rf >= 30", "k", {"ranges": {"k": (1, 40)}}),
}


@pytest.mark.parametrize("question", QUESTIONS.values(), ids=QUESTIONS.keys())
def test_answers_on_a_cluster_equal_single_process_answers(client, question):
    net, target, unknowns, options = question
    seen = []
    alone = symrf.solve(net, target, unknowns, **options)
    spread = symrf.solve(net, target, unknowns, scheduler=client,
                         progress=lambda done, total: seen.append((done, total)), **options)
    same_answer(alone, spread)
    assert seen[-1] == (alone.count, alone.count)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_no_solution_message_is_the_same_on_a_cluster(client):
    messages = []
    for scheduler in (None, client):
        with pytest.raises(NoSolutionError) as caught:
            symrf.solve(STACK, "rf >= 10**6", ["k", "n"], values={"d": 1},
                        ranges={"k": (1, 50), "n": (1, 50)}, scheduler=scheduler)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def test_scan_runs_on_the_workers(client):
    def measure(flat, arrays):
        assert os.getpid() != MAIN, "measured in the client's process"
        return Outcome(arrays["k"] >= 7, np.ones(len(flat), bool), arrays["k"] - 7.0)

    space = Space(("k",), (range(1, 1001),))
    with distributed(client):
        found = scan(space, measure, keep=Keep.ALL, maximise=False)
    assert found.feasible == 994 and found.front[0] == 6 and found.below == 5


def test_sweep_on_a_cluster_equals_single_process_sweep(client):
    grid = {"k": np.arange(1, 120)[:, None], "n": np.arange(1, 60)[None, :], "d": 2}
    alone = symrf.sweep(STACK, input_size=2000, **grid)
    spread = symrf.sweep(STACK, input_size=2000, scheduler=client, **grid)
    assert alone.figures.keys() == spread.figures.keys()
    for name, values in alone.figures.items():
        assert spread.figures[name].dtype == values.dtype
        assert np.array_equal(spread.figures[name], values), name
    one = symrf.sweep(STACK, scheduler=client, k=3, n=4, d=1)
    assert one.rf.shape == () and int(one.rf) == 9


class Reached(Exception):
    """The search reached the cluster (raised instead of scanning)."""


def test_the_limit_lifts_with_a_scheduler(client, monkeypatch):
    ranges = {"k": (1, 20_000), "n": (1, 20_000)}  # 4 * 10**8 assignments
    with pytest.raises(TooLargeError, match="searched at most"):
        symrf.solve(STACK, "rf >= 224", ["k", "n"], values={"d": 1}, ranges=ranges)

    def reached(self, space, *args, **kwargs):
        raise Reached(space.size)

    monkeypatch.setattr(SearchCluster, "scan", reached)
    with pytest.raises(Reached) as caught:
        symrf.solve(STACK, "rf >= 224", ["k", "n"], values={"d": 1}, ranges=ranges,
                    scheduler=client)
    assert MAX_ASSIGNMENTS < caught.value.args[0] <= MAX_DISTRIBUTED_ASSIGNMENTS
    with pytest.raises(TooLargeError, match="searched at most"):
        symrf.solve(STACK, "rf >= 224", ["k", "n", "d"], scheduler=client,
                    ranges={"k": (1, 20_000), "n": (1, 20_000), "d": (1, 20_000)})


@pytest.mark.parametrize("address, expected", [
    ("tcp://127.0.0.1:1", "cannot reach a Dask scheduler at tcp://127.0.0.1:1"),
    ("no address", "is not an address"),
    ("gopher://127.0.0.1:8786", "is not an address"),
    (42, "expected a distributed.Client"),
])
def test_a_bad_scheduler_fails_quickly_in_one_line(address, expected, monkeypatch):
    distributed_ = pytest.importorskip("distributed")

    class Waits(distributed_.Client):  # a Client waits up to CONNECT_TIMEOUT for its scheduler
        def __init__(self, *args, **kwargs):
            raise AssertionError(f"a Client was made for {address!r} before it was checked")

    monkeypatch.setattr(distributed_, "Client", Waits)
    with pytest.raises(ClusterError, match=expected) as caught:
        symrf.solve(STACK, "rf >= 224", "k", values={"n": 4, "d": 1}, scheduler=address)
    assert "\n" not in str(caught.value)


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ClusterError, match=r"pip install 'symrf\[dask\]'"):
        symrf.solve(STACK, "rf >= 224", "k", values={"n": 4, "d": 1}, scheduler="local")


def test_symrf_errors_on_a_worker_pass_through_and_others_become_one_line(client):
    space = Space(("k",), (range(1, 101),))

    def too_large(flat, arrays):
        raise TooLargeError("too large on a worker")

    def broken(flat, arrays):
        raise KeyError("a bug on a worker")

    with distributed(client):
        with pytest.raises(TooLargeError, match="too large on a worker"):
            scan(space, too_large, keep=Keep.FRONT, maximise=False)
        with pytest.raises(ClusterError, match="KeyError") as caught:
            scan(space, broken, keep=Keep.FRONT, maximise=False)
    assert "\n" not in str(caught.value)


def test_a_dead_worker_is_a_one_line_error(client):
    def dies(flat, arrays):
        os._exit(1)

    with distributed(client), pytest.raises(ClusterError, match="died") as caught:
        scan(Space(("k",), (range(1, 3),)), dies, keep=Keep.FRONT, maximise=False)
    assert "\n" not in str(caught.value)
    client.wait_for_workers(2, timeout=300)  # the nannies restart them (minutes: under load)


def test_import_symrf_does_not_import_dask():
    code = "import sys, symrf; print(sorted({'dask', 'distributed'} & set(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "[]"


def _measure(keys):
    """A measure from a table: key[i] decides meets/valid/gap of the i-th assignment."""

    def measure(flat, arrays):
        key = np.asarray(keys)[flat]
        return Outcome(key % 3 == 0, key % 5 != 4, (key % 7) - 3.0)

    return measure


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       data=st.data(), keep=st.sampled_from(Keep), maximise=st.booleans())
def test_blocks_merged_in_order_equal_one_scan(shape, data, keep, maximise):
    space = Space(tuple("abc"[:len(shape)]), tuple(range(1, side + 1) for side in shape))
    keys = data.draw(st.lists(st.integers(0, 20), min_size=space.size, max_size=space.size))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(space.size - 1, 1)), max_size=4)))
    measure = _measure(keys)

    def cost(arrays):
        return (sum(arrays.values()) % 4).astype(float)

    whole = scan(space, measure, keep=keep, maximise=maximise, cost=cost)
    merged = None
    for start, stop in zip([0, *cuts], [*cuts, space.size], strict=True):
        if start < stop:
            part = scan_block(space, measure, start, stop, keep=keep, maximise=maximise,
                              cost=cost)
            merged = part if merged is None else merge(space, merged, part, keep=keep,
                                                       maximise=maximise)
    assert merged.front.tolist() == whole.front.tolist()
    assert (merged.below, merged.above, merged.gap_below, merged.gap_above) == (
        whole.below, whole.above, whole.gap_below, whole.gap_above)
    assert (merged.valid, merged.invalid, merged.feasible) == (
        whole.valid, whole.invalid, whole.feasible)


@pytest.mark.parametrize("maximise", [False, True])
def test_a_space_past_the_grid_limit_is_scanned_in_blocks_with_the_same_front(
        monkeypatch, maximise):
    space = Space(("a", "b", "c"), (range(1, 21), range(1, 31), range(1, 11)))

    def measure(flat, arrays):
        total = arrays["a"] * arrays["b"] + 3 * arrays["c"]
        return Outcome(total >= 200, total % 7 != 0, total - 200.0)

    whole = scan(space, measure, keep=Keep.FRONT, maximise=maximise)
    monkeypatch.setattr(search, "MASK_LIMIT", 500)  # blocks, some too large for a grid
    monkeypatch.setattr(search, "BLOCK", 701)
    monkeypatch.setattr(search, "CHUNK", 128)
    blocks = scan(space, measure, keep=Keep.FRONT, maximise=maximise)
    assert blocks.front.tolist() == whole.front.tolist()
    assert len(whole.front) > 1 or maximise  # a real front when minimising
    assert (blocks.below, blocks.above, blocks.valid, blocks.invalid, blocks.feasible) == (
        whole.below, whole.above, whole.valid, whole.invalid, whole.feasible)
