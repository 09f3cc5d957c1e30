"""Resampling layers and branches: symrf equals the brute-force oracle (DESIGN.md 1-4).

Random chains with transposed convolutions, upsampling and pixel (un)shuffle, random
``Parallel`` blocks and random ``Graph`` DAGs are evaluated by ``symrf.evaluate`` and by
:mod:`oracle_graph`, which enumerates the dependency sets ``D(x)`` over two periods of
output units. Every figure must agree (and every row, for a share of the examples). The
symbolic engine must label figures it cannot give exactly (``exact == False``) and keep them
proven bounds.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import symrf

import oracle
import oracle_graph
from strategies import networks
from strategies_graph import (
    LETTERS,
    SHAPE_KEYS,
    chains,
    graphs,
    input_multiple,
    parallel_chains,
    symbolized,
)

FIGURES = ("rf", "rf_min", "rf_min_path", "jump", "left", "right", "center", "padding",
           "period", "offset", "aligned", "size")
N_IN = symrf.symbols("n_in")[0]


def fast(count: int) -> settings:
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def figures(source: object, names: tuple[str, ...]) -> dict:
    """The named figures of a report or row, checked to be plain exact numbers."""
    found = {name: getattr(source, name) for name in names}
    for name, value in found.items():
        allowed = bool if name == "aligned" else int | Fraction | None
        assert isinstance(value, allowed), (name, value)
        assert name == "aligned" or not isinstance(value, bool), (name, value)
    return found


def wanted(field: oracle_graph.Figures, names: tuple[str, ...]) -> dict:
    return {name: getattr(field, name) for name in names}


def check(net: object, size: int, rows: bool, names: tuple[str, ...] = FIGURES) -> None:
    """``evaluate`` raises exactly when the oracle finds the network invalid, else agrees."""
    try:
        lowered = oracle_graph.Lowered(net, size)
    except oracle_graph.Invalid as error:
        event(f"invalid: {type(error).__name__}")
        with pytest.raises(symrf.NetworkError):
            symrf.evaluate(net, input_size=size)
        return
    report = symrf.evaluate(net, input_size=size)
    want = lowered.figures()
    event(f"period > 1: {want.period > 1}")
    event(f"rf_min < rf: {want.rf_min < want.rf}")
    event(f"rf_min_path < rf: {want.rf_min_path < want.rf}")
    event(f"misaligned: {not want.aligned}")
    event(f"unit 0 reads nothing: {want.left is None}")
    assert figures(report, names) == wanted(want, names)
    assert report.exact is True
    if not rows:
        return
    assert len(report.layers) == len(lowered.rows)
    for index, (row, node) in enumerate(zip(report.layers, lowered.rows, strict=True)):
        assert figures(row, names) == wanted(lowered.figures(node), names), (index, row.name)
        if isinstance(net, symrf.Graph):
            assert row.name == net.nodes[index].name




@st.composite
def sized_chains(draw):
    net = draw(chains())
    smallest = oracle_graph.smallest_input(net)
    assume(smallest is not None)
    size = max(1, smallest + draw(st.integers(-3, 12)))
    return net, size


@st.composite
def sized_branching(draw, strategy):
    """A regular network and a multiple of its strides (sometimes not: lengths may clash)."""
    net = draw(strategy)
    size = input_multiple(net) * draw(st.integers(1, 3))
    if draw(st.integers(0, 9)) == 0:
        size += draw(st.integers(1, input_multiple(net)))
    return net, size


@pytest.mark.slow
@fast(1500)
@given(sized_chains(), st.integers(0, 3))
def test_resampling_chains_equal_oracle(case, rows):
    net, size = case
    check(net, size, rows=rows == 0)


@pytest.mark.slow
@fast(800)
@given(sized_branching(parallel_chains()), st.integers(0, 3))
def test_parallel_chains_equal_oracle(case, rows):
    net, size = case
    check(net, size, rows=rows == 0)


@pytest.mark.slow
@fast(800)
@given(sized_branching(graphs()), st.integers(0, 3))
def test_graphs_equal_oracle(case, rows):
    net, size = case
    check(net, size, rows=rows == 0)


@fast(200)
@given(networks(max_layers=6, max_jump=12), st.integers(0, 6))
def test_oracle_agrees_with_the_chain_oracle(net, extra):
    size = oracle.safe_input(net) + extra
    old, new = oracle.figures(net, size), oracle_graph.figures(net, size)
    names = ("rf", "rf_min", "jump", "left", "right", "center", "padding", "size")
    assert wanted(new, names) == {name: getattr(old, name) for name in names}
    assert (new.period, new.rf_min_path, new.offset) == (1, new.rf, 0)


# -- the symbolic engine: exact where it says so, proven bounds elsewhere ---------------------


def value(expr: object, bound: dict) -> Fraction | None:
    if expr is None:
        return None
    if isinstance(expr, sympy.Basic):
        expr = expr.xreplace(bound)
        assert expr.is_Rational, expr
        return Fraction(int(expr.p), int(expr.q))
    return Fraction(expr)


@st.composite
def symbolic_cases(draw, strategy, keys=tuple(LETTERS)):
    net, size = draw(strategy)
    symbolic, values = draw(symbolized(net, keys))
    return net, size, symbolic, values


def check_bounds(net: object, size: int, symbolic: object, values: dict) -> None:
    """Rows of ``derive`` equal the oracle where ``exact``, else bound it (and say so).

    A row fed by an upsampling layer (factor > 1) must be labelled ``exact == False``;
    its ``rf`` and ``rf_min_path`` are then upper bounds, ``rf_min`` a lower bound, and
    ``[left, right]`` contains unit 0's hull.
    """
    try:
        lowered = oracle_graph.Lowered(net, size)
    except oracle_graph.Invalid:
        return
    report = symrf.derive(symbolic)
    bound = {symrf.symbols(name)[0]: sympy.Integer(v) for name, v in values.items()}
    bound[N_IN] = sympy.Integer(size)
    for index, (row, node) in enumerate(zip(report.layers, lowered.rows, strict=True)):
        want = lowered.figures(node)
        got = {name: value(getattr(row, name), bound)
               for name in ("rf", "rf_min", "rf_min_path", "jump", "left", "right")}
        upsampled = lowered.phases(node) > 1
        where = (index, row.name, got, want)
        assert got["jump"] == want.jump, where
        if row.exact:
            assert not upsampled, where
            assert got == wanted(want, tuple(got)), where
            continue
        assert got["rf"] >= want.rf, where
        assert got["rf_min"] <= want.rf_min, where
        assert got["rf_min_path"] >= want.rf_min_path, where
        if want.left is not None:
            assert got["left"] <= want.left and got["right"] >= want.right, where


@pytest.mark.slow
@fast(150)
@given(symbolic_cases(sized_chains()))
def test_derive_chains_is_exact_or_a_labelled_bound(case):
    check_bounds(*case)


@pytest.mark.slow
@fast(80)
@given(symbolic_cases(sized_branching(parallel_chains()), SHAPE_KEYS))
def test_derive_parallel_is_exact_or_a_labelled_bound(case):
    check_bounds(*case)


@pytest.mark.slow
@fast(60)
@given(symbolic_cases(sized_branching(graphs()), SHAPE_KEYS))
def test_derive_graphs_is_exact_or_a_labelled_bound(case):
    check_bounds(*case)


# -- fixed examples ---------------------------------------------------------------------------


def test_transposed_conv_with_kernel_below_stride_leaves_units_empty():
    net = symrf.Sequential(symrf.Conv(kernel=3, padding=1), symrf.ConvTranspose(kernel=1,
                                                                                stride=2))
    report = symrf.evaluate(net, input_size=8)
    assert (report.rf, report.rf_min, report.period, report.jump, report.size) == (
        3, 0, 2, Fraction(1, 2), 15)
    assert (report.left, report.right) == (-1, 1)  # unit 0 reads input 0 (even units do)
    assert oracle_graph.dependency(net, 1, 8) == set()
    assert oracle_graph.figures(net, 8) == oracle_graph.Figures(
        rf=3, rf_min=0, rf_min_path=3, jump=Fraction(1, 2), left=-1, right=1,
        center=Fraction(0), padding=1, period=2, offset=Fraction(0), aligned=True, size=15)


def test_encoder_decoder_sees_a_position_dependent_field():
    net = symrf.Sequential(
        symrf.Conv(kernel=3, stride=2, padding=1),
        symrf.Conv(kernel=3, stride=2, padding=1),
        symrf.ConvTranspose(kernel=2, stride=2),
        symrf.ConvTranspose(kernel=2, stride=2),
    )
    # unit x reads decoder unit floor(x/4) of the bottleneck, whose field is 7 pixels wide
    assert [sorted(oracle_graph.dependency(net, x, 16)) for x in (0, 3, 4)] == [
        list(range(-3, 4)), list(range(-3, 4)), list(range(1, 8))]
    report = symrf.evaluate(net, input_size=16)
    want = oracle_graph.figures(net, 16)
    assert (want.rf, want.rf_min, want.jump, want.period, want.size) == (7, 7, 1, 4, 16)
    assert figures(report, FIGURES) == wanted(want, FIGURES)
    for row, field in zip(report.layers, oracle_graph.row_figures(net, 16), strict=True):
        assert figures(row, FIGURES) == wanted(field, FIGURES), row.name
    # formulas: exact for the encoder, labelled bounds after the first upsampling
    assert [row.exact for row in symrf.derive(net).layers] == [True, True, False, False]
    k = symrf.symbols("k3")[0]
    symbolic = symrf.Sequential(*net.layers[:1], symrf.Conv(kernel=k, stride=2, padding=1),
                                *net.layers[2:])
    check_bounds(net, 16, symbolic, {"k3": 3})


def test_linear_upsampling_reads_the_taps_with_weight():
    net = symrf.Upsample(factor=2, mode="linear")
    assert [sorted(oracle_graph.dependency(net, x, 4)) for x in range(4)] == [
        [-1, 0], [0, 1], [0, 1], [1, 2]]
    net = symrf.Upsample(factor=3, mode="linear")  # (x + 1/2)/3 - 1/2 is whole at x = 1
    assert [sorted(oracle_graph.dependency(net, x, 4)) for x in range(3)] == [
        [-1, 0], [0], [0, 1]]
    report = symrf.evaluate(net, input_size=4)
    assert (report.rf, report.rf_min, report.period, report.size) == (2, 1, 3, 12)


def test_graph_merging_unequal_jumps_and_lengths_is_an_error():
    net = symrf.Graph([
        symrf.Node("down", ("input",), symrf.Conv(kernel=3, stride=2, padding=1)),
        symrf.Node("up", ("input",), symrf.Upsample(factor=2)),
        symrf.Node("sum", ("down", "up"), merge=symrf.Merge.ADD),
    ])
    with pytest.raises(oracle_graph.LengthMismatch):  # 4 and 16 units: PyTorch refuses too
        oracle_graph.figures(net, 8)
    with pytest.raises(symrf.NetworkError, match="jump"):
        symrf.evaluate(net, input_size=8)
    with pytest.raises(symrf.NetworkError, match="jump"):  # formulas: no map holds the merge
        symrf.derive(net, input_size=8)


def test_unet_like_graph_equals_oracle():
    net = symrf.Graph([
        symrf.Node("enc", ("input",), symrf.Conv(kernel=3, padding=1)),
        symrf.Node("down", ("enc",), symrf.MaxPool(kernel=2)),
        symrf.Node("mid", ("down",), symrf.Conv(kernel=3, padding=1)),
        symrf.Node("up", ("mid",), symrf.ConvTranspose(kernel=2, stride=2)),
        symrf.Node("cat", ("enc", "up"), merge=symrf.Merge.CONCAT),
        symrf.Node("dec", ("cat",), symrf.Conv(kernel=3, padding=1)),
    ])
    want = oracle_graph.figures(net, 16)
    # the skip path alone sees 5 pixels; the decoder unit's centre sits 1/2 off the skip's
    assert (want.rf, want.rf_min, want.rf_min_path, want.period, want.offset) == (
        10, 10, 5, 2, Fraction(1, 2))
    report = symrf.evaluate(net, input_size=16)
    assert figures(report, FIGURES) == wanted(want, FIGURES)
    for row, field in zip(report.layers, oracle_graph.row_figures(net, 16), strict=True):
        assert figures(row, FIGURES) == wanted(field, FIGURES), row.name


def _agrees(net: object, size: int, names: tuple[str, ...] = FIGURES) -> None:
    report = symrf.evaluate(net, input_size=size)
    assert figures(report, names) == wanted(oracle_graph.figures(net, size), names)


# Regressions: each of these once disagreed with the oracle.


def test_linear_upsampling_by_one_is_the_identity():
    _agrees(symrf.Upsample(factor=1, mode="linear"), 4)  # was rf 2, left -1/2, "exact"


@pytest.mark.parametrize("net, size", [
    (symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=1, stride=2)), 1),  # was 3/2
    (symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=3, stride=2, padding=1)),
     4),  # was 9/2
    (symrf.Parallel([], [symrf.Upsample(factor=2), symrf.Conv(kernel=3, stride=2, padding=1)]),
     4),  # was "different lengths (4, 9/2)"
])
def test_lengths_after_upsampling_then_stride_keep_their_floor(net, size):
    _agrees(net, size)


@pytest.mark.parametrize("net", [
    symrf.Sequential(symrf.Upsample(factor=2),
                     symrf.Parallel([], [symrf.Conv(kernel=2, padding="same")])),
    symrf.Graph([
        symrf.Node("up", ("input",), symrf.Upsample(factor=2)),
        symrf.Node("block", ("up",), symrf.Parallel([], [symrf.Conv(kernel=2, padding="same")])),
    ]),
])
def test_parallel_after_upsampling_has_exact_paths_and_offsets(net):
    _agrees(net, 8)  # rf 2, rf_min 1, rf_min_path 1 (was 2), offset 1/2 (was 0), not aligned


def test_offset_counts_only_merges_feeding_the_node():
    net = symrf.Graph([
        symrf.Node("a", ("input",), symrf.Conv(kernel=2, padding="same")),
        symrf.Node("m", ("input", "a"), merge=symrf.Merge.ADD),  # offset 1/2, a dead end
        symrf.Node("b", ("input",), symrf.ConvTranspose(kernel=2, stride=2)),
    ], output="b")
    _agrees(net, 8)  # offset 0 and aligned at "b" (was 1/2, not aligned)


def test_derive_graph_with_resampling_and_a_symbol_is_a_bound():
    k = symrf.symbols("k3")[0]
    net = symrf.Graph([
        symrf.Node("up", ("input",), symrf.Upsample(factor=2)),
        symrf.Node("conv", ("up",), symrf.Conv(kernel=k, padding=1)),
        symrf.Node("sum", ("up", "conv"), merge=symrf.Merge.ADD),
    ])
    report = symrf.derive(net)  # was TypeError: phases enumerated with a symbolic kernel
    assert report.exact is False
    check_bounds(net.substitute({k: 3}), 8, net, {"k3": 3})


def test_graph_node_merge_given_as_a_string():
    net = symrf.Graph([
        symrf.Node("a", ("input",), symrf.Conv(kernel=3, padding=1)),
        symrf.Node("sum", ("input", "a"), merge="add"),  # was AttributeError in Node.op
    ])
    assert symrf.evaluate(net, input_size=8).layers[1].op == "add"


def test_derive_checks_branch_lengths():
    net = symrf.Sequential(symrf.Parallel([symrf.Conv(kernel=3)], [symrf.Conv(kernel=1)]))
    with pytest.raises(symrf.NetworkError, match="lengths"):
        symrf.derive(net, input_size=8)  # was size 6, no error


# -- regressions found by this oracle --------------------------------------------------------


@pytest.mark.parametrize("net, size", [
    (symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=1, stride=2),
                      symrf.Upsample(factor=2)), 1),  # symrf 3, truly 2
    (symrf.Graph([
        symrf.Node("up", ("input",), symrf.ConvTranspose(kernel=1, stride=3, output_padding=2)),
        symrf.Node("down_up", ("up",), symrf.Sequential(
            symrf.Conv(kernel=1, stride=3),
            symrf.ConvTranspose(kernel=1, stride=3, output_padding=2))),
        symrf.Node("sum", ("up", "down_up"), merge=symrf.Merge.ADD),
    ]), 3),  # "different lengths (9, 11)": symrf gives down_up 3m + 2, truly 3m
])
def test_lengths_after_upsampling_stride_upsampling_keep_their_floor(net, size):
    _agrees(net, size)
