"""TF-Slim ResNets as graphs: published figures, and formulas in n_in equal to the numbers.

google-research/receptive_field (RECEPTIVE_FIELD_TABLE.md) lists, for each block output of
resnet_v1/v2 with 50, 101, 152 and 200 layers, the receptive field, the effective stride and
the effective padding at input sizes 224 and 321 (``slim_graphs.PUBLISHED``). Without an
input size the padding is a formula in ``n_in`` (TF SAME padding), while rf and stride are
plain numbers. The formulas are checked against the numeric engine for every input size in
a range, substituted once (``lambdify`` on an array of sizes), never with ``subs`` in a loop.
"""

from fractions import Fraction

import numpy as np
import pytest
import sympy

import symrf
from symrf.engine.report import FIGURES

import slim_graphs

N_IN = symrf.parse("n_in")
SIZES = list(range(1, 301))
"""Every input size from 1 (each network keeps a feature map of length >= 1) to 300."""


def block_rows(report, name):
    wanted = [f"{name}/block{b}" for b in range(1, 5)]
    return [row for row in report.layers if row.name in wanted]


@pytest.mark.parametrize("name", slim_graphs.NAMES)
def test_graphs_match_the_published_table_at_224_and_321(name):
    graph = slim_graphs.graph(name)
    published = slim_graphs.PUBLISHED[int(name.split("_")[-1])]
    for size, column in ((224, 2), (321, 3)):
        rows = block_rows(symrf.evaluate(graph, input_size=size), name)
        assert [(r.rf, r.jump, r.padding) for r in rows] == [
            (p[0], p[1], p[column]) for p in published]


@pytest.mark.parametrize("name", slim_graphs.NAMES)
def test_graphs_without_input_size_give_numbers_for_rf_and_formulas_for_padding(name):
    report = symrf.derive(slim_graphs.graph(name))
    published = slim_graphs.PUBLISHED[int(name.split("_")[-1])]
    rows = block_rows(report, name)
    # the shortest path: the root (7x7/2, 3x3/2 pool: 11) then 1x1 convolutions and shortcuts
    assert [(r.rf, r.jump, r.rf_min_path) for r in rows] == [(p[0], p[1], 11) for p in published]
    assert all(type(r.rf) is int and type(r.jump) is int for r in report.layers)
    assert [(r.padding.xreplace({N_IN: 224}), r.padding.xreplace({N_IN: 321}))
            for r in rows] == [(p[2], p[3]) for p in published]
    assert all(not r.padding.has(sympy.Max, sympy.Min) for r in rows)  # decided once


def _numbers(values):
    """Figures as floats (exact here: every denominator is a power of two)."""
    return np.array([float(Fraction(v)) if v is not None else np.nan for v in values])


@pytest.mark.parametrize(("name", "same"), [
    ("resnet_v1_50", False), ("resnet_v2_50", False),
    ("resnet_v1_50", True), ("resnet_v2_50", True),
])
def test_formulas_in_n_in_equal_the_numeric_answer_for_every_size(name, same):
    graph = slim_graphs.graph(name, same)
    report = symrf.derive(graph)
    names = [f for f in FIGURES if f not in ("aligned", "exact", "period", "rf_min")]
    formulas = [row.figure(f) for row in report.layers for f in names]
    compiled = sympy.lambdify(N_IN, formulas, modules="numpy")  # once, for every size
    sizes = np.array(SIZES)
    got = [np.broadcast_to(np.asarray(v, dtype=float), sizes.shape) for v in compiled(sizes)]
    got = np.array(got)  # one line per (row, figure), one column per size
    for column, size in enumerate(SIZES):
        numeric = symrf.evaluate(graph, input_size=size)
        wanted = _numbers(row.figure(f) for row in numeric.layers for f in names)
        assert np.array_equal(got[:, column], wanted), size


@pytest.mark.parametrize("same", [False, True])
def test_graph_and_chain_forms_agree_at_every_block(same):
    name = "resnet_v2_101"
    graph = symrf.derive(slim_graphs.graph(name, same))
    chain = symrf.derive(slim_graphs.chain(name, same))
    for mine, theirs in zip(block_rows(graph, name), block_rows(chain, name), strict=True):
        assert type(mine.rf) is int and mine.jump == theirs.jump
        for figure in ("rf", "left", "right", "padding", "offset", "size"):
            a, b = mine.figure(figure), theirs.figure(figure)
            compiled = sympy.lambdify(N_IN, a - b, modules="numpy")
            assert np.all(compiled(np.array(SIZES)) == 0), figure


def test_same_strides_make_the_branches_misaligned_for_some_sizes():
    # with TF SAME on every strided layer the 3x3 path moves with the input length while the
    # 1x1 shortcut does not: the merge offset is a formula, 0 only for some sizes
    report = symrf.derive(slim_graphs.graph("resnet_v1_50", True))
    offsets = {report.offset.xreplace({N_IN: n}) for n in (224, 225, 230, 240)}
    assert report.rf == 483 and len(offsets) > 1 and 0 in {
        report.offset.xreplace({N_IN: n}) for n in range(32, 64)}
