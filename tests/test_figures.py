"""Figures draw what the exact engine computes, and the same bytes every time.

The index picture's labels, read back from the drawn text, are the brute-force dependency
sets of :mod:`oracle_graph` (which never calls symrf's engine); its lines are the layers'
reads. Coverage strips show the holes ``symrf.engine.coverage`` counts, the field figure colours
exactly the product of the two axes' dependency sets, the period figure lists each unit's
reads. Every kind renders for a small network and a built-in model; an SVG is
byte-identical across renders and across processes; bad requests are one-line errors.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings

import symrf
from symrf.engine.coverage import coverage
from symrf.render import figures
from symrf.render.figures import canvas, field, index, period
from symrf.render.figures.subject import prefix, subject

import oracle_graph
from strategies_graph import chains

pytest.importorskip("matplotlib")  # symrf.render.figures imports it only when drawing

SEED = symrf.Sequential(symrf.Conv(kernel=3, stride=2, name="conv1"),
                        symrf.Conv(kernel=2, name="conv2"), name="seed")
GRIDDING = symrf.Sequential(symrf.Conv(kernel=3, dilation=2, padding=2, name="dil2a"),
                            symrf.Conv(kernel=3, dilation=2, padding=2, name="dil2b"))
UPDOWN = symrf.Sequential(symrf.Conv(kernel=3, stride=2, padding=1),
                          symrf.ConvTranspose(kernel=4, stride=2, padding=1),
                          symrf.Upsample(factor=2), symrf.Conv(kernel=3, padding=1))
RESIDUAL = symrf.Sequential(
    symrf.Conv(kernel=3, stride=2, padding=1),
    symrf.Parallel([symrf.Conv(kernel=3, padding=1), symrf.Conv(kernel=3, padding=1)], []),
)


def read_pixels(label: str) -> set[int]:
    """The inverse of ``index.pixels_text``: ``-1..2,5`` -> {-1, 0, 1, 2, 5}."""
    if label == "∅":
        return set()
    found: set[int] = set()
    for part in label.split(","):
        lo, sep, hi = part.partition("..")
        found |= set(range(int(lo), int(hi) + 1)) if sep else {int(lo)}
    return found


def labels(drawing) -> dict[tuple[int, int], set[int]]:
    """``(row, unit) -> pixels`` from the text artists of an index picture."""
    found = {}
    for text in drawing.axes[0].texts:
        kind, row, unit = text.get_gid().split(":")
        assert kind == "sees"
        found[(int(row), int(unit))] = read_pixels(text.get_text())
    return found


# -- index -----------------------------------------------------------------------------------


def test_index_draws_the_seed_picture():
    drawn = labels(figures.figure(SEED, "index", input_size=5))
    pixels = {unit: sees for (row, unit), sees in drawn.items() if row == 0}
    assert pixels == {x: {x} for x in range(5)}
    assert drawn[(1, 0)] == {0, 1, 2} and drawn[(1, 1)] == {2, 3, 4}  # [1 2 3], [3 4 5]
    assert drawn[(2, 0)] == {0, 1, 2, 3, 4}
    assert len(drawn) == 5 + 2 + 1


def test_index_lines_are_the_layers_reads():
    drawing = figures.figure(SEED, "index", input_size=5)
    (lines,) = drawing.axes[0].collections
    assert len(lines.get_segments()) == 3 + 3 + 2  # two conv1 units of 3 taps, conv2's 2


@pytest.mark.parametrize("net, size", [(SEED, 5), (GRIDDING, 8), (UPDOWN, 4), (RESIDUAL, 4)])
def test_index_labels_are_the_oracles_dependency_sets(net, size):
    drawn = labels(figures.figure(net, "index", input_size=size))
    report = symrf.evaluate(net, input_size=size)
    for row, found in enumerate(report.layers, start=1):
        for x in range(found.size):
            truth = oracle_graph.dependency(prefix(net, row - 1), x, size)
            assert drawn[(row, x)] == truth, (found.name, x)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(chains())
def test_index_labels_equal_the_oracle_on_random_chains(net):
    size = oracle_graph.smallest_input(net, limit=index.MAX_UNITS)
    assume(size is not None)
    try:
        drawn = labels(figures.figure(net, "index", input_size=size))
    except symrf.TooLargeError:
        assume(False)
    report = symrf.evaluate(net, input_size=size)
    for row, found in enumerate(report.layers, start=1):
        for x in range(found.size):
            assert drawn[(row, x)] == oracle_graph.dependency(prefix(net, row - 1), x, size)


def test_index_picks_the_smallest_input_when_none_is_given():
    assert index.smallest_input(SEED) == 5
    assert max(unit for row, unit in labels(figures.figure(SEED, "index"))) == 4


@pytest.mark.parametrize("target, size, limit", [
    ("alexnet", None, "64"), (SEED, 200, "64 units per row"),
    (symrf.Sequential(*[symrf.ReLU()] * 20), 3, "16 feature maps"),
])
def test_index_refuses_networks_too_large_in_one_line(target, size, limit):
    with pytest.raises(symrf.TooLargeError) as error:
        figures.figure(target, "index", input_size=size)
    assert limit in str(error.value) and "\n" not in str(error.value)


# -- growth, field, coverage, period ---------------------------------------------------------


def test_growth_writes_the_reports_values_and_picks_its_scales():
    drawing = figures.figure("alexnet", "growth")
    top, bottom = drawing.axes
    report = symrf.evaluate(symrf.zoo.build("alexnet"))
    assert [text.get_text() for text in top.texts] == [str(row.rf) for row in report.layers]
    assert (top.get_yscale(), bottom.get_yscale()) == ("linear", "linear")  # 11..195, 4..32
    deep = figures.figure(symrf.Sequential(*[symrf.Conv(kernel=3, stride=2)] * 8), "growth")
    assert [axes.get_yscale() for axes in deep.axes] == ["log", "log"]  # 3..511, 2..256


def test_growth_shows_rf_min_path_of_branches_and_per_axis_models():
    legend = [t.get_text() for t in figures.figure("resnet50").axes[0].get_legend().texts]
    assert any("rf_min_path" in label for label in legend)
    drawing = figures.figure("inception_v3", "growth", axis=1)
    assert "axis 1" in drawing.axes[0].get_title()


def test_field_colours_exactly_the_product_of_the_two_dependency_sets():
    net = symrf.Sequential(symrf.Conv(kernel=(3, 5), dilation=(1, 2)),
                           symrf.Conv(kernel=2, stride=2))
    found = field.unit_fields(subject(net, input_size=(12, 16)), [(1, 2)])
    (unit,) = found.units
    assert unit.sees[0] == oracle_graph.dependency(net.axis(0), 1, 12)
    assert unit.sees[1] == oracle_graph.dependency(net.axis(1), 2, 16)
    image = field.picture(found).axes[0].images[0].get_array()
    rows, columns = found.span
    coloured = {(r, c) for i, r in enumerate(rows) for j, c in enumerate(columns)
                if not (image[i, j] == image[i, j][0]).all()}  # grey or white: all channels equal
    assert coloured == {(r, c) for r in unit.sees[0] for c in unit.sees[1]}


def test_field_draws_a_zoo_model_and_refuses_units_outside_the_map():
    assert "jump 32 x 32" in figures.figure("alexnet", "field", input_size=224).axes[0].get_title()
    with pytest.raises(symrf.NetworkError, match=r"unit \(0, 9\) lies outside the output map"):
        figures.figure(SEED, "field", input_size=5, units=[(0, 9)])


@pytest.mark.parametrize("target, size", [(GRIDDING, 32), ("dilated-stack", 64)])
def test_coverage_strips_show_the_holes_coverage_counts(target, size):
    found = figures.coverage.coverage_strips(subject(target, input_size=size))
    net = subject(target).network
    for strip, row in zip(found.strips, coverage(net, size).rows, strict=True):
        left = min(strip.reads)
        assert tuple(x - left for x in strip.hole_positions) == row.holes
    figures.coverage.picture(found)


def test_coverage_needs_an_input_size():
    with pytest.raises(symrf.NetworkError, match="needs an input size"):
        figures.figure("dilated-stack", "coverage")


def test_period_lists_each_units_reads_over_two_periods():
    net = symrf.Sequential(symrf.MaxPool(kernel=2), symrf.ConvTranspose(kernel=2, stride=2),
                           symrf.Conv(kernel=2))
    found = period.unit_sets(subject(net))
    assert found.period == 2 and [len(sees) for sees in found.sees] == [2, 4, 2, 4]
    assert list(found.sees) == [net.reads({x}, None) for x in range(4)]
    texts = [text.get_text() for text in period.picture(found).axes[0].texts]
    assert texts[1] == "unit 1: 0..3 (rf 4)"


def test_period_draws_a_zoo_model_and_refuses_long_periods():
    drawing = figures.figure("unet", "period", input_size=572)
    assert "period 16" in drawing.axes[0].get_title()
    with pytest.raises(symrf.TooLargeError, match="repeat every 64 units"):
        figures.figure(symrf.Sequential(symrf.Upsample(factor=64), symrf.Conv(kernel=2)),
                       "period")


# -- files, determinism, errors --------------------------------------------------------------

ALL_KINDS = [("index", SEED, 5), ("growth", "resnet50", None), ("field", GRIDDING, 12),
             ("coverage", GRIDDING, 12), ("period", UPDOWN, 8)]


@pytest.mark.parametrize("kind, target, size", ALL_KINDS)
def test_svg_is_byte_identical_across_renders(kind, target, size):
    first = canvas.svg_text(figures.figure(target, kind, input_size=size))
    second = canvas.svg_text(figures.figure(target, kind, input_size=size))
    assert first == second
    assert "<dc:date>" not in first and "Matplotlib v" not in first


def test_svg_is_byte_identical_across_processes(tmp_path):
    script = ("import symrf, symrf.render.figures as f; "
              "net = symrf.Sequential(symrf.Conv(kernel=3, "
              "stride=2, name='conv1'), symrf.Conv(kernel=2, name='conv2'), name='seed'); "
              "print(f.svg_text(f.figure(net, 'index', input_size=5)), end='')")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True).stdout
    assert other == canvas.svg_text(figures.figure(SEED, "index", input_size=5))


@pytest.mark.parametrize("suffix, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                           ("pdf", b"%PDF")])
def test_save_writes_each_format_deterministically(tmp_path, suffix, magic):
    paths = [tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"]
    for path in paths:
        assert figures.write_figure(SEED, "index", str(path), input_size=5) == f"wrote {path}"
    first, second = (path.read_bytes() for path in paths)
    assert first.startswith(magic) and first == second


@pytest.mark.parametrize("call, error, words", [
    (lambda: figures.figure(SEED, "histogram"), symrf.NetworkError, "unknown figure kind"),
    (lambda: figures.save(figures.figure(SEED, "index"), "x.jpg"), symrf.SpecError, "*.svg"),
    (lambda: figures.figure(symrf.Conv(kernel=symrf.symbols("k")[0]), "growth"),
     symrf.NetworkError, "--set k=3"),
    (lambda: figures.figure("inception_v3", "growth", axis=2), symrf.NetworkError, "axis 2"),
    (lambda: figures.read_units(["1,x"]), symrf.NetworkError, "ROW,COLUMN"),
])
def test_bad_requests_are_one_line_errors(call, error, words):
    with pytest.raises(error) as raised:
        call()
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_values_and_spec_files_are_accepted():
    k, = symrf.symbols("k")
    drawing = figures.figure(symrf.Sequential(symrf.Conv(kernel=k), symrf.Conv(kernel=3)),
                             "growth", values={"k": 5})
    assert [text.get_text() for text in drawing.axes[0].texts] == ["5", "7"]
    seed = labels(figures.figure("docs/examples/seed.toml", "index"))  # size 5 from the spec
    assert seed[(2, 0)] == {0, 1, 2, 3, 4}


def test_import_symrf_does_not_load_matplotlib():
    script = ("import sys, symrf, symrf.render.figures, symrf.render.notebook; "
              "symrf.render.notebook.repr_html(symrf.evaluate(symrf.zoo.build('alexnet'))); "
              "assert 'matplotlib' not in sys.modules, 'matplotlib loaded'")
    subprocess.run([sys.executable, "-c", script], check=True)


# ------------------------------------------------------------------ issue 18: checked, bounded

PLANE = symrf.Sequential(symrf.Conv(kernel=(3, 5)), symrf.Conv(kernel=(3, 3), stride=(2, 1)))


@pytest.mark.parametrize(("keywords", "error", "message"), [
    ({"axis": 5}, symrf.NetworkError,
     "axis 5 does not exist: network has 2 axes; give an axis from 0 to 1."),
    ({"axis": 10**20}, symrf.NetworkError, "axis 100000000000000000000 does not exist"),
    ({"axis": 3.5}, symrf.ScalarTypeError,
     "figure: axis is the float 3.5; give a whole number >= 0, e.g. axis=1."),
    ({"axis": object()}, symrf.ScalarTypeError, "figure: axis is an object of type object;"),
    ({"axis": True}, symrf.ScalarTypeError, "figure: axis is the bool True;"),
    ({"axis": -1}, symrf.NetworkError, "figure: axis is -1; give a whole number >= 0"),
    ({"kind": "field", "units": [1.5]}, symrf.ScalarTypeError,
     "figure: units[0] is the float 1.5; give a whole number >= 0, e.g. 3 or (1, 2)."),
    ({"kind": "field", "units": [(1, 2, 3)]}, symrf.NetworkError,
     "figure: units[0] is (1, 2, 3), not (row, column); give two whole numbers"),
    ({"kind": "field", "units": 3}, symrf.ScalarTypeError,
     "figure: units is 3; give a list of units, e.g. units=[(0, 0), (1, 2)] or units=[3]."),
    ({"values": [("k", 3)]}, symrf.ScalarTypeError, "figure: values is a list;"),
    ({"upto": 3}, symrf.ScalarTypeError, "figure: upto is 3; give a row's name"),
])
def test_figure_keywords_are_checked_where_it_starts(keywords, error, message):
    with pytest.raises(error) as raised:
        figures.figure(PLANE, **keywords)
    assert message in str(raised.value)


def test_a_scalar_network_has_the_two_axes_of_an_image():
    assert figures.figure("alexnet", "growth", axis=1).axes[0].get_ylabel() == "input pixels"
    with pytest.raises(symrf.NetworkError, match=r"alexnet has scalar parameters .* give axis "
                                                 r"0 or 1"):
        figures.figure("alexnet", "growth", axis=2)


def test_numpy_integers_are_units_and_axes():
    np = pytest.importorskip("numpy")

    found = field.unit_fields(subject(PLANE), figures._units([(np.int64(1), np.int64(2))]))
    assert found.units[0].unit == (1, 2)
    assert figures.figure(PLANE, "growth", axis=np.int64(1)).axes[0].get_title().endswith(
        "(axis 1): receptive field and jump per layer")


UPSAMPLED = symrf.Sequential(*[layer for _ in range(14) for layer in (
    symrf.Upsample(factor=2), symrf.Conv(kernel=3, padding=1))])


def test_deep_upsampling_is_drawn_since_the_engine_plans_its_own_work():
    # Issue 22: the exact engine builds each row's tables from the row before, and plans and
    # bounds that work itself; a figure only budgets its own walks back to the input.
    from symrf.render.figures.budget import visits

    drawn = figures.figure(UPSAMPLED, "growth")  # every row, 8192 phases at the last
    assert drawn.axes[0].lines
    assert visits(UPSAMPLED, None, every_row=True) == 0
    with pytest.raises(symrf.SymrfError, match="at most 16 feature maps"):
        figures.figure(UPSAMPLED, "index")


def test_a_scalar_network_is_evaluated_once_for_the_field(monkeypatch):
    calls = []
    real = field.evaluate
    monkeypatch.setattr(field, "evaluate", lambda *a, **k: calls.append(a) or real(*a, **k))
    field.unit_fields(subject("alexnet", input_size=224))
    assert len(calls) == 1


def test_a_coverage_figure_of_a_long_chain_is_refused_before_it_is_computed(monkeypatch):
    from symrf.render.figures import coverage as drawing

    def computed(*_):
        raise AssertionError("the coverage ran before the refusal")

    monkeypatch.setattr(drawing, "coverage", computed)
    chain = symrf.Sequential(*[symrf.Conv(kernel=3, padding=1)] * 3000)
    with pytest.raises(symrf.TooLargeError, match=r"\(the input pixels each row reads at row "
                                                  r"\d+ \(conv_\d+\)\), more than the 5000000"):
        figures.figure(chain, "coverage", input_size=64)
