"""The compiled plan (symrf.engine.plan) equals the general exact path on random networks.

The general path (``symrf.engine.report.analyse`` with eager folding and the exact engine) is the
reference; the plan must give the same rows (names, ops, every field of every axis), the
same output figures, and fail exactly where it fails, with the same error. Graphs too: a
random DAG of windows and merges through the plan equals its general fold, and a graph
written from a ``Sequential`` (each layer a node, or each ``Parallel`` as branch nodes and a
merge node) equals the ``Sequential``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symrf
from symrf.engine.field import FIGURES
from symrf.engine.fold import analyse
from symrf.engine.parametric import Evaluator
from symrf.engine.plan import compiled
from symrf.engine.plan_rows import PlanRows
from symrf.engine.report import network
from symrf.engine.symbolic import input_sizes
from symrf.errors import SymrfError
from symrf.maths.scalars import exact

import oracle_graph
from strategies import LEAVES, PADS, POINTWISE, networks, symbolic_networks
from strategies_graph import graphs, parallel_chains

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
        general = reference(net, size).layers
        for row, expected in zip(report.layers, general, strict=True):  # read without fields
            assert [row.figure(name) for name in FIGURES] == [
                expected.figure(name) for name in FIGURES]


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


def test_resampling_and_failures_take_the_general_path():
    up = symrf.Sequential(symrf.Conv(kernel=3), symrf.Upsample(factor=2))
    assert compiled(up) is None
    resampling = symrf.Graph([symrf.Node("a", ("input",), symrf.Conv(kernel=3)),
                              symrf.Node("b", ("a",), symrf.Upsample(factor=2))])
    assert compiled(resampling) is None
    graph = symrf.Graph([symrf.Node("a", ("input",), symrf.Conv(kernel=3))])
    assert compiled(graph) is not None
    chain = symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=3))
    assert compiled(chain) is not None
    with pytest.raises(symrf.NetworkError, match=r"vanishes.*layers\[1\]|layers\[1\].*vanish"):
        symrf.evaluate(chain, input_size=4)


@pytest.mark.parametrize("make", [
    lambda: symrf.Sequential(symrf.Conv(kernel=3), symrf.ReLU()),
    lambda: symrf.Graph([symrf.Node("a", ("input",), symrf.Conv(kernel=3)),
                         symrf.Node("sum", ("a", "input"), merge="add")]),
], ids=["sequential", "graph"])
def test_plan_is_compiled_once_per_network_and_dropped_with_it(make):
    import gc

    from symrf.engine import plan as module
    net = make()
    first = compiled(net)
    assert first is not None and compiled(net) is first
    key = id(net)
    del net
    gc.collect()
    assert key not in module._PLANS


# -- graphs ------------------------------------------------------------------------------------

MERGES = st.sampled_from([symrf.Merge.ADD, symrf.Merge.CONCAT])
STRIDE_ONE = st.one_of(st.builds(symrf.Conv, kernel=st.integers(1, 5), padding=st.integers(0, 3)),
                       PADS, POINTWISE)


@st.composite
def window_layers(draw, axes: int):
    """A node's layer: a window, pad or pointwise op, or a block of them (no resampling)."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return symrf.Sequential(draw(LEAVES), draw(LEAVES))
    if kind == 1:
        return symrf.Repeat(draw(LEAVES), times=draw(st.integers(0, 2)))
    if kind == 2:  # stride-1 branches: they always merge
        return symrf.Parallel(draw(STRIDE_ONE), [draw(STRIDE_ONE)], [], merge=draw(MERGES))
    layer = draw(LEAVES)
    if axes == 2 and isinstance(layer, symrf.Conv) and draw(st.booleans()):
        return symrf.Conv(kernel=(layer.kernel, draw(st.integers(1, 5))), stride=layer.stride,
                          dilation=(layer.dilation, draw(st.integers(1, 2))),
                          padding=layer.padding)
    return layer


@st.composite
def window_graphs(draw, axes: int | None = None):
    """A ``Graph`` of 1..10 nodes reading any earlier node, with add/concat merges.

    Merges mostly join nodes of equal jump; the others (and lengths that differ) must fail
    with the general path's error. Some graphs are given out of order or end before their
    last node. ``axes`` (drawn when ``None``): 2 gives some convolutions per-axis kernels.
    """
    axes = draw(st.sampled_from([1, 1, 1, 2])) if axes is None else axes
    jumps = {"input": 1}
    nodes: list[symrf.Node] = []
    for index in range(draw(st.integers(1, 10))):
        name = f"n{index}"
        if index and draw(st.integers(0, 2)) == 0:
            groups: dict[int, list[str]] = {}
            for other, jump in jumps.items():
                groups.setdefault(jump, []).append(other)
            group = (draw(st.sampled_from([g for g in groups.values()])) if draw(st.integers(0, 4))
                     else list(jumps))
            inputs = tuple(draw(st.lists(st.sampled_from(group), min_size=2, max_size=3)))
            nodes.append(symrf.Node(name, inputs, merge=draw(MERGES)))
            jumps[name] = jumps[inputs[0]]
            continue
        source = draw(st.sampled_from(sorted(jumps)))
        layer = draw(window_layers(axes))
        stride = getattr(layer, "stride", 1) if isinstance(layer, symrf.Conv | symrf.MaxPool
                                                           | symrf.AvgPool) else 1
        if jumps[source] * (stride if isinstance(stride, int) else 1) > 27:
            layer = draw(POINTWISE)
        nodes.append(symrf.Node(name, (source,), layer))
        jumps[name] = jumps[source] * (stride if isinstance(stride, int) else 1)
    output = nodes[-1].name if draw(st.integers(0, 3)) else draw(st.sampled_from(nodes)).name
    order = draw(st.permutations(nodes)) if draw(st.integers(0, 4)) == 0 else nodes
    return symrf.Graph(order, output=output, name=draw(st.none() | st.just("g")))


@laws
@given(window_graphs(), st.none() | st.integers(1, 60))
def test_plan_equals_the_general_path_on_graphs(net, size):
    assert compiled(net) is not None  # no resampling: every such graph compiles
    check(net, size)
    report = outcome(lambda: symrf.evaluate(net, input_size=size))
    if size is not None and not isinstance(report, tuple):  # and the plan answered it
        assert isinstance(report.layers, PlanRows) == jumps_agree(net, size)
        assert report.layers.output == [n.name for n in net.nodes].index(net.output)


def jumps_agree(net, size):
    """Whether every merge's inputs have one jump; where not, the exact engine unites them
    unit by unit (there is no period), and the plan hands the graph over."""
    report = symrf.evaluate(net, input_size=size)
    return all(row.jump is not None for row in report.layers)


ORACLE_FIGURES = ("rf", "rf_min", "rf_min_path", "jump", "left", "right", "center", "padding",
                  "period", "offset", "aligned", "size")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(window_graphs(axes=1), st.integers(1, 60))
def test_plan_on_graphs_equals_the_brute_force_oracle(net, size):
    try:
        lowered = oracle_graph.Lowered(net, size)
    except oracle_graph.Invalid:
        with pytest.raises(symrf.NetworkError):
            symrf.evaluate(net, input_size=size)
        return
    report = symrf.evaluate(net, input_size=size)
    assert isinstance(report.layers, PlanRows) == jumps_agree(net, size)
    for row, node in zip(report.layers, lowered.rows, strict=True):
        want = lowered.figures(node)
        assert {name: row.figure(name) for name in ORACLE_FIGURES} == {
            name: getattr(want, name) for name in ORACLE_FIGURES}, row.name


@laws
@given(graphs(), st.none() | st.integers(1, 80))
def test_plan_equals_the_general_path_on_graphs_with_resampling(net, size):
    check(net, size)


def relocated(found, names):
    """A chain's error as a graph of its layers words it: ``layers[i] (x)`` is ``node 'x'``."""
    if not isinstance(found, tuple):
        return found
    kind, message = found
    return kind, re.sub(r"^layers\[\d+\] \(([^)]*)\)", lambda m: f"node {m[1]!r}", message)


def chain_graph(net):
    """``net``'s top-level layers as graph nodes, each reading the one before."""
    nodes, source = [], "input"
    for index, layer in enumerate(net.layers):
        nodes.append(symrf.Node(layer.row_name(index), (source,), layer))
        source = nodes[-1].name
    return symrf.Graph(nodes, name=net.name)


@laws
@given(networks(), st.none() | st.integers(1, 60))
def test_a_chain_written_as_a_graph_equals_the_sequential(net, size):
    names = [layer.row_name(i) for i, layer in enumerate(net.layers)]
    want = relocated(outcome(lambda: rows(symrf.evaluate(net, input_size=size))), names)
    assert outcome(lambda: rows(symrf.evaluate(chain_graph(net), input_size=size))) == want


def flattened(net):
    """``net`` as a graph whose ``Parallel`` blocks are branch nodes and a merge node.

    Returns the graph and, per top-level layer of ``net``, the index of the node that ends it.
    """
    nodes, source, ends = [], "input", []
    for index, layer in enumerate(net.layers):
        name = layer.row_name(index)
        if isinstance(layer, symrf.Parallel) and len(layer.branches) > 1:
            inputs = []
            for number, branch in enumerate(layer.branches):
                if branch is not None:
                    nodes.append(symrf.Node(f"{name}.{number}", (source,), branch))
                inputs.append(source if branch is None else nodes[-1].name)
            nodes.append(symrf.Node(name, tuple(inputs), merge=layer.merge))
        else:
            nodes.append(symrf.Node(name, (source,), layer))
        ends.append(len(nodes) - 1)
        source = name
    return symrf.Graph(nodes), ends


@laws
@given(st.one_of(parallel_chains(), networks()), st.none() | st.integers(1, 80))
def test_parallel_blocks_written_as_graph_nodes_equal_the_sequential(net, size):
    graph, ends = flattened(net)
    want = outcome(lambda: symrf.evaluate(net, input_size=size))
    got = outcome(lambda: symrf.evaluate(graph, input_size=size))
    if isinstance(want, tuple):  # both fail (the branches are labelled differently)
        assert isinstance(got, tuple) and got[0] is want[0]
        return
    assert [(row.name, row.axes) for row in want.layers] == [
        (got.layers[end].name, got.layers[end].axes) for end in ends]
    assert got.axes == want.axes


def test_a_graph_fails_where_and_as_the_general_path_does():
    def node(name, source, **conv):
        return symrf.Node(name, (source,), symrf.Conv(**{"kernel": 3, **conv}))

    strided = symrf.Graph([node("a", "input", stride=2), node("b", "input"),
                           symrf.Node("sum", ("a", "b"), merge="add")])
    with pytest.raises(symrf.NetworkError) as caught:
        symrf.evaluate(strided)
    assert str(caught.value) == (
        "node 'sum': branches disagree on jump: input 'a' has jump 2, input 'b' has jump 1. "
        "Give the branches the same total stride (e.g. a strided projection on the skip "
        "branch).")
    shorter = symrf.Graph([node("a", "input", padding=1), node("b", "input"),
                           symrf.Node("cat", ("a", "b", "input"), merge="concat")])
    with pytest.raises(symrf.NetworkError) as caught:
        symrf.evaluate(shorter, input_size=9)
    assert str(caught.value) == (
        "node 'cat': branches give feature maps of different lengths (input 'a' 9, input 'b' "
        "7, input 'input' 9); merged maps must have equal lengths: adjust padding or strides.")
    vanishing = symrf.Graph([node("a", "input"), node("b", "a", kernel=5), node("c", "a")])
    with pytest.raises(symrf.NetworkError, match=r"^node 'b': the feature map vanishes "
                                                 r"\(length -1\)"):
        symrf.evaluate(vanishing, input_size=5)
    for net in (strided, shorter, vanishing):
        assert compiled(net) is not None  # the plan raised these, not the general path


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
