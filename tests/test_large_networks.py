"""Laws behind the linear-time paths for large networks (timings: benchmarks/large_networks.py).

The graph's dependency order is computed with a heap instead of rescanning the pending
nodes; it must give exactly the order of the plain definition ("again and again, the first
node whose inputs are done"). A long chain must give the same rows as a ``Sequential``, as a
``Graph`` and as a spec document; and deciding whether a figure needs the input size must
not depend on how many axes the network has.
"""

import json
import random

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.engine import analyze
from symrf.layers.graph import Node, _ordered
from symrf.render.printer import formula_text
from symrf.sources.spec import loads


def reference_order(nodes):
    """The definition, quadratic: repeatedly take the first pending node whose inputs are done."""
    done, order, pending = {"input"}, [], list(nodes)
    while pending:
        ready = next(n for n in pending if all(i in done for i in n.inputs))
        order.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return order


def random_dag(rng, count):
    nodes = []
    for i in range(count):
        earlier = ["input", *(n.name for n in nodes)]
        if i > 1 and rng.random() < 0.3:
            inputs = tuple(rng.sample(earlier, 2))
            nodes.append(Node(f"n{i}", inputs, merge="add"))
        else:
            nodes.append(Node(f"n{i}", (rng.choice(earlier),), symrf.ReLU()))
    return nodes


@pytest.mark.parametrize("seed", range(20))
def test_order_is_the_first_ready_node_each_time(seed):
    rng = random.Random(seed)
    nodes = random_dag(rng, rng.randint(1, 40))
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    assert [n.name for n in _ordered(tuple(shuffled))] == [
        n.name for n in reference_order(shuffled)]
    assert _ordered(tuple(nodes)) == tuple(nodes)  # a valid order is kept as given


def test_a_cycle_names_its_nodes():
    nodes = (Node("a", ("b",), symrf.ReLU()), Node("b", ("a",), symrf.ReLU()),
             Node("c", ("input",), symrf.ReLU()))
    with pytest.raises(symrf.NetworkError, match=r"cycle through nodes 'a', 'b';"):
        _ordered(nodes)


def test_a_merge_of_one_node_with_itself_waits_for_it_once():
    nodes = (Node("sum", ("a", "a"), merge="add"), Node("a", ("input",), symrf.ReLU()))
    assert [n.name for n in _ordered(nodes)] == ["a", "sum"]


def conv_params(count):
    return [{"kernel": 1 + 2 * (i % 4), "dilation": 1 + i % 3, "padding": i % 4,
             "stride": 2 if i % 500 == 499 else 1} for i in range(count)]


def test_a_long_chain_is_the_same_as_sequential_graph_and_spec():
    params = conv_params(3000)
    chain = symrf.Sequential(*(symrf.Conv(**p) for p in params))
    nodes, source = [], "input"
    for i, p in enumerate(params):
        nodes.append(Node(f"c{i}", (source,), symrf.Conv(**p)))
        source = f"c{i}"
    text = json.dumps({"layers": [{"op": "conv", **p} for p in params]})
    reports = [analyze(net) for net in
               (chain, symrf.Graph(nodes), loads(text, "json").network)]
    tables = [[(r.rf, r.jump, r.left, r.right) for r in report.layers] for report in reports]
    rf, jump, left = 1, 1, 0
    for p, row in zip(params, tables[0], strict=True):  # the textbook recurrence
        rf += p["dilation"] * (p["kernel"] - 1) * jump
        left -= p["padding"] * jump
        jump *= p["stride"]
        assert row[:3] == (rf, jump, left)
    assert tables[0] == tables[1] == tables[2]


@pytest.mark.parametrize("kernel", [3, (3, 3)])
def test_needing_the_input_size_does_not_depend_on_the_number_of_axes(kernel):
    net = symrf.Sequential(symrf.Conv(kernel=kernel, stride=2, padding="same"))
    report = analyze(net)  # formulas in n_in (per axis: n_in_0, n_in_1)
    padding = report.padding if isinstance(kernel, int) else report.padding[0]
    assert padding.free_symbols and analyze(net, input_size=8).padding in (0, (0, 0))


def test_formula_text_is_what_str_prints_for_every_row():
    k = [symrf.symbols(f"k{i} s{i} p{i}") for i in range(24)]
    net = symrf.Sequential(*(symrf.Conv(kernel=a, stride=b, padding=c) for a, b, c in k))
    report = symrf.derive(net)
    figures = [row.figure(f) for row in report.layers for f in ("rf", "left", "right", "size")]
    assert [formula_text(v) for v in figures] == [str(v) for v in figures]
    assert [formula_text(v) for v in reversed(figures)] == [str(v) for v in reversed(figures)]


_SYMBOLS = [*symrf.symbols("k0 k1 s0 s1 s2 p0 n_in"), sympy.Dummy("d"), sympy.Symbol("x")]


@st.composite
def _formulas(draw, nested=True):
    """Sums of products as the engines build them: coefficients, powers, nested sums, floors."""
    terms = []
    for _ in range(draw(st.integers(1, 4))):
        factors = [draw(st.sampled_from([1, -1, 2, -3, sympy.Rational(1, 2),
                                         sympy.Rational(-3, 4)]))]
        for _ in range(draw(st.integers(0, 4))):
            base = draw(st.sampled_from(_SYMBOLS))
            kind = draw(st.integers(0, 6 if nested else 4))
            factors.append([base, base**2, base**-1, base**-2, sympy.floor(base / 2),
                            lambda: draw(_formulas(nested=False)),
                            lambda: 1 / draw(_formulas(nested=False))][kind])
            if callable(factors[-1]):
                factors[-1] = factors[-1]()
        terms.append(sympy.Mul(*factors))
    return sympy.Add(*terms)


@settings(max_examples=150, deadline=None)
@given(st.lists(_formulas(), min_size=1, max_size=4))
def test_formula_text_is_what_str_prints_for_any_formula(formulas):
    # Printed in turn, as an exporter prints rows: later formulas reuse what earlier ones kept.
    assert [formula_text(value) for value in formulas] == [str(value) for value in formulas]
