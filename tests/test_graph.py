"""Branches, graphs and resampling: laws, published semantics and bad input."""

from fractions import Fraction

import pytest

import symrf
from symrf.errors import InvalidLayerError, NetworkError, SpecError


def conv(**kwargs):
    return symrf.Conv(**{"kernel": 3, "padding": 1, **kwargs})


def figures(report):
    return (report.rf, report.rf_min, report.rf_min_path, report.jump, report.left,
            report.right, report.offset, report.size)


def test_parallel_of_one_branch_equals_the_branch():
    branch = symrf.Sequential(conv(stride=2), conv(dilation=2, padding=2))
    alone = symrf.evaluate(branch, input_size=31)
    wrapped = symrf.evaluate(symrf.Parallel(branch), input_size=31)
    assert figures(alone) == figures(wrapped)


def test_merge_order_does_not_matter():
    a, b = [conv(), conv()], [symrf.Conv(kernel=5, padding=2)]
    one = symrf.evaluate(symrf.Parallel(a, b, merge="concat"), input_size=20)
    other = symrf.evaluate(symrf.Parallel(b, a, merge="concat"), input_size=20)
    assert figures(one) == figures(other)


def test_residual_block_union_and_shortest_path():
    report = symrf.evaluate(symrf.Parallel([conv(), conv()], []))
    assert (report.rf, report.rf_min_path, report.aligned) == (5, 1, True)


def test_misaligned_branches_are_reported_not_hidden():
    report = symrf.evaluate(symrf.Parallel([symrf.Conv(kernel=3)], [symrf.Conv(kernel=3,
                                                                               padding=2)]))
    # hulls [0, 2] and [-2, 0]: the union is larger than each branch
    assert (report.rf, report.aligned, report.offset) == (5, False, 2)


def test_symbolic_branches_give_decidable_max():
    (k,) = symrf.symbols("k")
    report = symrf.derive(symrf.Parallel([symrf.Conv(kernel=k + 2, padding=1)],
                                         [symrf.Conv(kernel=k)]))
    assert report.rf == k + 2  # Max(k + 2, k) decided by the positive-integer assumptions
    assert report.left == -1


def test_branches_with_different_jumps_are_an_error_naming_both():
    block = symrf.Parallel([conv(stride=2)], [symrf.Conv(kernel=1, name="skip")])
    with pytest.raises(NetworkError, match=r"branch 0 \(conv\) has jump 2, branch 1 \(skip\) "
                                           r"has jump 1"):
        symrf.evaluate(block)


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([symrf.Node("a", ("b",), conv()), symrf.Node("b", ("a",), conv())], "cycle"),
        ([symrf.Node("a", ("nowhere",), conv())], "input 'nowhere' is not a node"),
        ([symrf.Node("a", ("input",), conv()), symrf.Node("m", ("a",), merge=symrf.Merge.ADD)],
         "a merge needs at least two inputs"),
        ([symrf.Node("a", ("input",), conv()), symrf.Node("a", ("input",), conv())],
         "used twice"),
        ([symrf.Node("input", ("input",), conv())], "reserved"),
    ],
)
def test_bad_graphs_are_errors(nodes, message):
    with pytest.raises(NetworkError, match=message):
        symrf.Graph(nodes)


def test_graph_spec_form(tmp_path):
    path = tmp_path / "net.json"
    path.write_text("""{"nodes": [
        {"name": "a", "op": "conv", "kernel": 3, "padding": 1},
        {"name": "b", "op": "conv", "kernel": 3, "padding": 1},
        {"name": "sum", "op": "add", "inputs": ["a", "b"]}]}""")
    spec = symrf.load(path)
    report = symrf.evaluate(spec.network)
    assert [row.name for row in report.layers] == ["a", "b", "sum"]
    assert (report.rf, report.rf_min_path) == (5, 3)


def test_graph_spec_errors_name_the_node(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('[[nodes]]\nname="a"\nop="conv"\nkernel=3\n'
                    '[[nodes]]\nname="m"\nop="add"\ninputs=["a", "ghost"]\n')
    with pytest.raises(SpecError, match="input 'ghost' is not a node"):
        symrf.load(path)


def test_transposed_conv_with_kernel_below_stride_reads_nothing_somewhere():
    report = symrf.evaluate(symrf.ConvTranspose(kernel=1, stride=2), input_size=4)
    assert (report.rf, report.rf_min, report.period, report.size) == (1, 0, 2, 7)


def test_output_padding_must_be_below_stride_or_dilation():
    with pytest.raises(InvalidLayerError, match="output_padding must be smaller"):
        symrf.ConvTranspose(kernel=3, stride=2, output_padding=2)
    assert symrf.ConvTranspose(kernel=3, stride=2, output_padding=1).output_padding == 1


def test_upsampling_rf_is_position_dependent_and_exact():
    net = symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=2))
    report = symrf.evaluate(net, input_size=5)
    assert (report.rf, report.rf_min, report.period, report.size) == (2, 1, 2, 9)
    assert str(report.jump) == "1/2"


def test_simple_rule_would_be_wrong_but_symrf_is_exact():
    # rf += floor((k-1)/s)*j predicts 1 + floor(3/2) = 2; a unit of this map really sees 3
    net = symrf.Sequential(symrf.Conv(kernel=2), symrf.ConvTranspose(kernel=4, stride=2))
    report = symrf.evaluate(net)
    assert report.rf == 3 and report.rf_min == 3


def test_symbolic_resampling_gives_a_labelled_bound():
    (k,) = symrf.symbols("k")
    net = symrf.Sequential(symrf.Conv(kernel=k), symrf.Upsample(factor=2), symrf.Conv(kernel=3))
    report = symrf.derive(net)
    assert report.exact is False and report.period is None
    exact = symrf.evaluate(net, k=5)
    assert report.rf.xreplace({symrf.parse("k"): 5}) >= exact.rf


def test_whole_input_layers_see_the_input_size():
    net = symrf.Sequential(conv(stride=2), symrf.GlobalPool())
    assert symrf.evaluate(net, input_size=50).rf == 51  # 50 pixels plus the conv's padding
    assert symrf.derive(net).size == 1
    with pytest.raises(NetworkError, match="give the input size"):
        symrf.evaluate(net)


def test_adaptive_pool_windows_follow_pytorch():
    report = symrf.evaluate(symrf.AdaptivePool(output=3), input_size=10)
    # windows [0,4), [3,7), [6,10): sizes 4, 4, 4
    assert (report.rf, report.rf_min, report.size) == (4, 4, 3)


# -- laws on random resampling networks (strategies shared with the graph oracle) ------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from strategies_graph import chains, parallels  # noqa: E402

LAW = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def comparable(net, size):
    try:
        return figures(symrf.evaluate(net, input_size=size))
    except NetworkError as error:
        return str(error).rsplit("): ", 1)[-1]  # the same failure, wherever it is located


@LAW
@given(chains(), st.integers(8, 24))
def test_law_parallel_of_one_branch_equals_the_branch(net, size):
    assert comparable(symrf.Parallel(net), size) == comparable(net, size)


@LAW
@given(parallels(), st.integers(8, 24))
def test_law_merge_order_does_not_matter(block, size):
    reordered = symrf.Parallel(*(b if b is not None else [] for b in reversed(block.branches)),
                               merge=block.merge)
    one, other = comparable(block, size), comparable(reordered, size)
    if isinstance(one, str):  # errors name the branches in their order
        assert isinstance(other, str)
    else:
        assert one == other


def test_three_axis_network():
    net = symrf.Sequential(symrf.Conv(kernel=(3, 5, 1), stride=(1, 2, 1)),
                           symrf.ConvTranspose(kernel=2, stride=2))
    report = symrf.evaluate(net, input_size=(8, 16, 4))
    assert report.per_axis and len(report.rf) == 3
    assert report.size == (12, 12, 8)
    assert report.jump == (Fraction(1, 2), 1, Fraction(1, 2))


def test_symbolic_bound_survives_sympy_taking_max_over_six_for_an_integer():
    # sympy 1.14 says Max(0, 2*k - 4)/6 is an integer; the bound must not lose it in a floor
    (k,) = symrf.symbols("k")
    branch = symrf.Sequential(symrf.PixelShuffle(factor=3),
                              symrf.Conv(kernel=k, stride=3, dilation=2, padding="same"))
    net = symrf.Parallel([], branch)
    bound = symrf.derive(net, input_size=3)
    exact = symrf.evaluate(net, input_size=3, k=4)
    assert bound.rf.xreplace({k: 4}) >= exact.rf == 3
    assert bound.left.xreplace({k: 4}) <= exact.left == -1


def test_a_graph_report_names_its_output_node_and_lists_its_context():
    nodes = [symrf.Node("gate", ("input",), symrf.Context()),
             symrf.Node("body", ("gate",), conv(stride=2)),
             symrf.Node("head", ("input",), symrf.Conv(kernel=7, stride=2, padding=3))]
    net = symrf.Graph(nodes, output="body", name="gated", context=["gate"])
    report = symrf.evaluate(net, input_size=16)
    assert (report.name, report.context, report.layers.output) == ("gated", ("gate",), 1)
    assert (report.rf, report.jump, report.left, report.size) == (3, 2, -1, 8)
    assert [row.name for row in report.layers] == ["gate", "body", "head"]
    assert report.layers[-1].rf == 7
