"""The compiled plan (symrf.plan) equals the general exact path on random networks.

The general path (``symrf.report.analyse`` with eager folding and the exact engine) is the
reference; the plan must give the same rows (names, ops, every field of every axis), the
same output figures, and fail exactly where it fails.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symrf
from symrf.errors import SymrfError
from symrf.parametric import Evaluator
from symrf.plan import compiled
from symrf.report import analyse, network
from symrf.scalars import exact
from symrf.symbolic import input_sizes

from strategies import networks, symbolic_networks
from strategies_graph import parallel_chains

laws = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(net, size):
    top = network(net)
    sizes = input_sizes(size, top.axes(), [None] * top.axes())
    return analyse(top, sizes, exact, eager=True, size_known=size is not None)


def rows(report):
    return [(row.name, row.op, row.axes, row.per_axis) for row in report.layers]


def outcome(function):
    try:
        return function()
    except SymrfError as error:
        return type(error), str(error)


def check(net, size):
    want = outcome(lambda: rows(reference(net, size)))
    got = outcome(lambda: rows(symrf.evaluate(net, input_size=size)))
    assert got == want
    if not isinstance(want, tuple):
        report = symrf.evaluate(net, input_size=size)
        assert report.axes == reference(net, size).axes
        for row in report.layers:  # the fast figures agree with the fields they summarise
            for name in ("rf", "jump", "left"):
                found = tuple(getattr(field, name) for field in row.axes)
                assert getattr(row, name) == (found if row.per_axis else found[0])


@laws
@given(networks(), st.none() | st.integers(1, 60))
def test_plan_equals_the_general_path_on_chains(net, size):
    check(net, size)


@laws
@given(parallel_chains(), st.none() | st.integers(1, 80))
def test_plan_equals_the_general_path_with_branches_and_resampling(net, size):
    check(net, size)


@settings(max_examples=60, deadline=None)
@given(networks(max_layers=6), networks(max_layers=6), st.none() | st.integers(1, 60))
def test_plan_equals_the_general_path_per_axis(first, second, size):
    # Two chains of equal length become one network with per-axis parameters.
    pairs = list(zip(first.layers, second.layers, strict=False))
    layers = []
    for one, two in pairs:
        if type(one) is not type(two) or not isinstance(one, symrf.Conv | symrf.MaxPool):
            continue
        layers.append(type(one)(kernel=(one.kernel, two.kernel), stride=(one.stride,
                                two.stride), padding=(0, 0)))
    if layers:
        check(symrf.Sequential(*layers), size)


def test_resampling_graphs_and_failures_take_the_general_path():
    up = symrf.Sequential(symrf.Conv(kernel=3), symrf.Upsample(factor=2))
    assert compiled(up) is None
    graph = symrf.Graph([symrf.Node("a", ("input",), symrf.Conv(kernel=3))])
    assert compiled(graph) is None
    chain = symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=3))
    assert compiled(chain) is not None
    with pytest.raises(symrf.NetworkError, match=r"vanishes.*layers\[1\]|layers\[1\].*vanish"):
        symrf.evaluate(chain, input_size=4)


def test_plan_is_compiled_once_per_network_and_dropped_with_it():
    import gc

    from symrf import plan as module

    net = symrf.Sequential(symrf.Conv(kernel=3), symrf.ReLU())
    first = compiled(net)
    assert compiled(net) is first
    key = id(net)
    del net
    gc.collect()
    assert key not in module._PLANS


@laws
@given(symbolic_networks(), st.none() | st.integers(1, 60))
def test_evaluator_equals_evaluate_after_substitution(case, size):
    net, symbolic_net, values = case
    evaluator = Evaluator(symbolic_net)
    want = outcome(lambda: rows(symrf.evaluate(symbolic_net, input_size=size, **values)))
    for _ in range(2):  # the second call reads every part from the cache
        assert outcome(lambda: rows(evaluator(size, values))) == want
    if not isinstance(want, tuple):  # and both are the concrete network's figures
        assert want == rows(symrf.evaluate(net, input_size=size))


def test_evaluator_keeps_each_layers_name_and_refuses_what_evaluate_refuses():
    (k,) = symrf.symbols("k")
    net = symrf.Sequential(symrf.Conv(kernel=k, name="a"), symrf.Conv(kernel=k, name="b"))
    evaluator = Evaluator(net)
    assert [row.name for row in evaluator(None, {"k": 3}).layers] == ["a", "b"]
    with pytest.raises(symrf.NetworkError, match=r"layers\[1\] \(b\)"):
        evaluator(5, {"k": 4})
    with pytest.raises(symrf.ScalarTypeError):  # a float is not the int cached for it
        evaluator(None, {"k": 3.0})
    with pytest.raises(symrf.NetworkError, match="no value for k"):
        evaluator(None, {})


def test_a_cached_failure_is_raised_afresh():
    net = symrf.Sequential(symrf.Sequential(symrf.Conv(kernel=5)), symrf.Conv(kernel=1))
    plan = compiled(net)
    depths = []
    for _ in range(3):
        with pytest.raises(symrf.NetworkError) as caught:
            plan.report([3], size_known=True)
        depths.append(len(list(__import__("traceback").walk_tb(caught.value.__traceback__))))
    assert depths[0] == depths[1] == depths[2]
