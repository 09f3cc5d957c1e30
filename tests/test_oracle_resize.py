"""Resizes by any ratio, ``align_corners``, and merges of different jumps equal the oracle.

``F.interpolate(size=...)`` (:class:`symrf.Resize`) and ``align_corners=True`` read taps at
source positions that repeat only after long periods, and a merge of an ``align_corners``
upsampling with a skip joins maps of different jumps: the merged fields have no period at
all. The exact engine computes them unit by unit over the map; :mod:`oracle_graph` walks
every unit's dependency set. Every figure of every row must agree, and ``coverage`` must
list the holes the oracle's sets have.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import symrf
from symrf.engine.coverage import coverage

import oracle_graph

FIGURES = ("rf", "rf_min", "rf_min_path", "jump", "left", "right", "center", "padding",
           "period", "offset", "aligned", "size")

MODES = st.sampled_from([symrf.Mode.NEAREST, symrf.Mode.LINEAR, symrf.Mode.CUBIC])
LOCAL = st.one_of(
    st.builds(symrf.Conv, kernel=st.integers(1, 4), stride=st.integers(1, 2),
              dilation=st.integers(1, 2), padding=st.integers(0, 2)),
    st.builds(symrf.MaxPool, kernel=st.integers(1, 3), stride=st.integers(1, 3)),
    st.builds(symrf.ConvTranspose, kernel=st.integers(1, 3), stride=st.integers(1, 2)),
)
LONGEST = 24
"""Feature maps stay this short: the oracle walks every unit's set."""


def fast(count: int) -> settings:
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def resizing(draw, n: int, output: int | None = None):
    """A resize of a map of ``n`` units: by ``size`` (to ``output``), or with corners."""
    mode = draw(MODES)
    corners = mode is not symrf.Mode.NEAREST and draw(st.booleans())
    if output is None and n >= 2 and corners and draw(st.booleans()):
        return symrf.Upsample(factor=draw(st.integers(2, 3)), mode=mode, align_corners=True,
                              length=n)
    output = output or draw(st.integers(1, LONGEST))
    if mode is symrf.Mode.NEAREST and draw(st.booleans()):
        mode = "nearest-exact"
    return symrf.Resize(output=output, length=n, mode=mode, align_corners=corners)


@st.composite
def resize_chains(draw):
    start = draw(st.integers(1, 16))
    n, layers = start, []
    for _ in range(draw(st.integers(1, 6))):
        layer = draw(resizing(n) if draw(st.booleans()) else LOCAL)
        after = oracle_graph.output_length(layer, n)
        if 1 <= after <= LONGEST:
            layers.append(layer)
            n = after
    assume(layers)
    net = symrf.Sequential(*layers)
    try:  # the oracle walks two periods of units: keep them short
        lowered = oracle_graph.Lowered(net, start)
        assume(all((lowered.phases(row) or 1) <= 300 for row in lowered.rows))
    except oracle_graph.Invalid:
        pass
    return net, start


@st.composite
def drifting_graphs(draw):
    """A skip beside a strided branch resized back to the skip's length, merged, and a tail."""
    n = draw(st.integers(2, LONGEST))
    skip = [symrf.Conv(kernel=2 * k + 1, padding=k) for k in draw(st.lists(
        st.integers(0, 2), max_size=2))]
    down = symrf.Conv(kernel=draw(st.integers(1, 4)), stride=draw(st.integers(1, 3)),
                      padding=draw(st.integers(0, 1)))
    m = oracle_graph.output_length(down, n)
    assume(m >= 1)
    deep = [down, draw(resizing(m, output=n))]
    nodes = [symrf.Node("trunk", ("input",), draw(LOCAL.filter(
        lambda layer: oracle_graph.output_length(layer, 64) == 64)))]
    nodes.append(symrf.Node("skip", ("trunk",), symrf.Sequential(*skip) if skip
                            else symrf.Identity()))
    nodes.append(symrf.Node("deep", ("trunk",), symrf.Sequential(*deep)))
    nodes.append(symrf.Node("merge", ("skip", "deep"), merge=draw(st.sampled_from(
        ["add", "concat"]))))
    nodes.append(symrf.Node("tail", ("merge",), symrf.Conv(kernel=3, padding=1)))
    if draw(st.booleans()):
        nodes.append(symrf.Node("out", ("tail",), draw(resizing(n))))
    return symrf.Graph(nodes), n


def check(net: object, size: int) -> None:
    try:
        lowered = oracle_graph.Lowered(net, size)
    except oracle_graph.Invalid:
        with pytest.raises(symrf.NetworkError):
            symrf.evaluate(net, input_size=size)
        return
    report = symrf.evaluate(net, input_size=size)
    event(f"a merge without a period: {report.period is None}")
    for index, (row, node) in enumerate(zip(report.layers, lowered.rows, strict=True)):
        want = lowered.figures(node)
        got = {name: getattr(row, name) for name in FIGURES}
        assert got == {name: getattr(want, name) for name in FIGURES}, (index, row.name)
        assert row.exact is True


@fast(300)
@given(resize_chains())
def test_resizing_chains_equal_the_oracle(case):
    check(*case)


@fast(200)
@given(drifting_graphs())
def test_merges_of_different_jumps_equal_the_oracle(case):
    check(*case)


@fast(60)
@given(drifting_graphs())
def test_coverage_lists_the_oracles_holes_without_a_period(case):
    net, size = case
    lowered = oracle_graph.Lowered(net, size)
    found = coverage(net, size)
    for row, node in zip(found.rows, lowered.rows, strict=True):
        sees = lowered.dependency(node, 0)
        if sees:
            left, right = min(sees), max(sees)
            assert row.holes == tuple(x - left for x in range(left, right + 1)
                                      if x not in sees), row.name


# -- fixed examples ---------------------------------------------------------------------------


def deeplab_like(size: int = 64) -> symrf.Graph:
    """A DeepLabV3+ decoder in miniature: an ``align_corners`` upsampling beside a skip."""
    down = dict(kernel=3, stride=2, padding=1)
    return symrf.Graph([
        symrf.Node("s1", ("input",), symrf.Conv(**down)),
        symrf.Node("s2", ("s1",), symrf.Conv(**down)),
        symrf.Node("d1", ("s2",), symrf.Conv(**down)),
        symrf.Node("d2", ("d1",), symrf.Conv(**down)),
        symrf.Node("up", ("d2",), symrf.Upsample(factor=4, mode="linear", align_corners=True,
                                                  length=size // 16)),
        symrf.Node("cat", ("up", "s2"), merge="concat"),
        symrf.Node("head", ("cat",), symrf.Conv(kernel=3, padding=1)),
        symrf.Node("out", ("head",), symrf.Upsample(factor=4, mode="linear",
                                                   align_corners=True, length=size // 4)),
    ])


def test_an_align_corners_merge_is_exact_without_a_period():
    net = deeplab_like()
    report = symrf.evaluate(net, input_size=64)
    assert [(row.name, row.jump, row.period) for row in report.layers[3:6]] == [
        ("d2", 16, 1), ("up", Fraction(16, 5), 5), ("cat", None, None)]
    assert (report.rf, report.rf_min, report.jump, report.period) == (63, 47, None, None)
    for row, want in zip(report.layers, oracle_graph.row_figures(net, 64), strict=True):
        assert {n: getattr(row, n) for n in FIGURES} == {n: getattr(want, n) for n in FIGURES}


def test_a_merge_of_different_jumps_needs_the_input_size():
    with pytest.raises(symrf.NetworkError, match=(
            r"node 'cat': branches of different jumps \(.*\) merge; their fields follow no "
            r"single grid, and symrf computes them unit by unit over the map, which needs "
            r"the input size: give it \(--input\).")):
        symrf.evaluate(deeplab_like())


def test_the_pyramid_pooling_of_pspnet_is_exact():
    bins = [1, 2, 3, 6]
    nodes = [symrf.Node("feature", ("input",), symrf.Conv(kernel=3, padding=1))]
    for count in bins:
        nodes.append(symrf.Node(f"pool{count}", ("feature",), symrf.Sequential(
            symrf.AdaptivePool(output=count),
            symrf.Resize(output=28, length=count, mode="linear", align_corners=True))))
    nodes.append(symrf.Node("cat", ("feature", *(f"pool{c}" for c in bins)), merge="concat"))
    net = symrf.Graph(nodes)
    report = symrf.evaluate(net, input_size=28)
    # the 1-bin branch sees the whole map (a broadcast: jump 0); everything merged reads it
    assert report.layers[1].jump == 0 and report.layers[1].rf_min == 30
    assert (report.rf, report.rf_min, report.jump, report.period) == (30, 30, None, None)
    for row, want in zip(report.layers, oracle_graph.row_figures(net, 28), strict=True):
        assert {n: getattr(row, n) for n in FIGURES} == {n: getattr(want, n) for n in FIGURES}


def test_resize_reads_by_pytorchs_formulas():
    corners = symrf.Resize(output=28, length=3, mode="linear", align_corners=True)
    assert [sorted(corners.reads({x}, 3)) for x in (0, 1, 13, 14, 27)] == [
        [0], [0, 1], [0, 1], [1, 2], [2]]  # x*2/27: 0, 2/27, 26/27, 28/27, 2
    nearest = symrf.Resize(output=4, length=6)
    assert [sorted(nearest.reads({x}, 6)) for x in range(4)] == [[0], [1], [3], [4]]
    centred = symrf.Resize(output=4, length=6, mode="nearest-exact")  # floor((x + 1/2)*3/2)
    assert [sorted(centred.reads({x}, 6)) for x in range(4)] == [[0], [2], [3], [5]]
    half = symrf.Resize(output=3, length=2, mode="linear")  # (x + 1/2)*2/3 - 1/2
    assert [sorted(half.reads({x}, 2)) for x in range(3)] == [[-1, 0], [0, 1], [1, 2]]
    with pytest.raises(symrf.NetworkError, match=(
            r"resize was built for input length 3 but receives 4; rebuild it with length=4\.")):
        corners.reads({0}, 4)


def test_a_torch_decoder_with_align_corners_matches_autograd():
    torch = pytest.importorskip("torch")
    import autograd_truth
    from torch import nn
    from torch.nn import functional as F

    class Decoder(nn.Module):  # DeepLabV3+ in one dimension: the skip at 1/4, ASPP at 1/16
        def __init__(self) -> None:
            super().__init__()
            self.s1 = nn.Conv1d(1, 4, 3, stride=2, padding=1)
            self.s2 = nn.Conv1d(4, 4, 3, stride=2, padding=1)
            self.d1 = nn.Conv1d(4, 4, 3, stride=2, padding=1)
            self.d2 = nn.Conv1d(4, 4, 3, stride=2, padding=2, dilation=2)
            self.head = nn.Conv1d(8, 4, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            skip = self.s2(self.s1(x))
            deep = self.d2(self.d1(skip))
            up = F.interpolate(deep, scale_factor=4, mode="linear", align_corners=True)
            y = self.head(torch.cat([up, skip], 1))
            return F.interpolate(y, scale_factor=4, mode="linear", align_corners=True)

    size = 192
    model = Decoder()
    net = symrf.from_torch(model, input_size=size)
    report = symrf.evaluate(net, input_size=size)
    assert (report.jump, report.period, report.size) == (None, None, size)
    tables = symrf.engine.exact.Tables(net, size, sets=True)
    output = len(report.layers) - 1
    units = list(range(size))
    truth = autograd_truth.hulls(autograd_truth.linearised(model), (1, size),
                                 [(x,) for x in units], axis=0)
    # symrf's signal is unbounded: a unit whose field stays inside the image reads no
    # padding of any feature map (a padded position's field reaches past the image), and
    # there PyTorch's gradient must show the same hull
    cells = [tables.cell(output, x) for x in units]
    inside = [x for x in units if cells[x][0] >= 0 and cells[x][1] <= size - 1]
    assert len(inside) > size // 2
    assert [(cells[x][0], cells[x][1]) for x in inside] == [truth[x] for x in inside]
    assert report.rf == max(cell[1] - cell[0] + 1 for cell in cells)
