import pytest

import symrf
from symrf.errors import InvalidLayerError, NetworkError, TooLargeError


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"kernel": 0}, "kernel must be >= 1"), ({"kernel": 3, "stride": 0}, "stride must be >= 1"),
     ({"kernel": 3, "dilation": -1}, "dilation must be >= 1"),
     ({"kernel": 3, "padding": -1}, "padding must be >= 0"),
     ({"kernel": 3, "padding": "full"}, "'same' or 'valid'"),
     ({"kernel": [3, 0]}, "kernel must be >= 1, got 0")],
)
def test_provably_invalid_parameters_raise(kwargs, message):
    with pytest.raises(InvalidLayerError, match=message):
        symrf.Conv(**kwargs)


def test_undecidable_symbolic_conditions_pass():
    k, s = symrf.symbols("k s")
    conv = symrf.Conv(kernel=2 * k - 5, stride=s - 1)
    assert conv.kernel == 2 * k - 5
    with pytest.raises(InvalidLayerError):
        symrf.Conv(kernel=k - k)  # provably 0


def test_pool_stride_defaults_to_kernel():
    assert symrf.MaxPool(kernel=3).stride == 3
    assert symrf.AvgPool(kernel=2, stride=1).stride == 1


def test_layers_are_hashable_values():
    assert symrf.Conv(kernel=3) == symrf.Conv(kernel=3, name="other")
    assert len({symrf.Conv(kernel=3), symrf.Conv(kernel=3)}) == 1


def test_same_padding_matches_tensorflow():
    # TF SAME, input 224, kernel 3, stride 2: total pad 1, left 0, right 1; output 112.
    report = symrf.evaluate(symrf.Conv(kernel=3, stride=2, padding="same"), input_size=224)
    assert (report.left, report.size) == (0, 112)
    # input 225: total pad 2, left 1; output 113.
    report = symrf.evaluate(symrf.Conv(kernel=3, stride=2, padding="same"), input_size=225)
    assert (report.left, report.size) == (-1, 113)
    # stride 1 is PyTorch's 'same': total d*(k-1), left floor(total/2), size kept.
    report = symrf.evaluate(symrf.Conv(kernel=4, dilation=2, padding="same"), input_size=10)
    assert (report.left, report.rf, report.size) == (-3, 7, 10)


def test_same_padding_with_stride_is_symbolic_in_n_in_when_size_unknown():
    report = symrf.derive(symrf.Conv(kernel=3, stride=2, padding="same"))
    n_in = symrf.parse("n_in")
    assert report.left.xreplace({n_in: 224}) == 0
    assert report.left.xreplace({n_in: 225}) == -1
    with pytest.raises(NetworkError, match="give the input size"):
        symrf.evaluate(symrf.Conv(kernel=3, stride=2, padding="same"))


def test_valid_padding_is_no_padding():
    assert symrf.evaluate(symrf.Conv(kernel=3, padding="valid"), input_size=10).size == 8


def test_pad_shifts_without_changing_rf():
    report = symrf.evaluate(symrf.Sequential(symrf.Pad(left=2, right=1), symrf.Conv(kernel=3)),
                            input_size=10)
    assert (report.rf, report.left, report.size) == (3, -2, 11)


def test_per_axis_parameters_give_per_axis_figures():
    net = symrf.Sequential(symrf.Conv(kernel=(3, 5), stride=(1, 2)), symrf.Conv(kernel=3))
    report = symrf.evaluate(net, input_size=(32, 64))
    assert report.rf == (5, 9) and report.jump == (1, 2) and report.size == (28, 28)
    with pytest.raises(InvalidLayerError, match="different numbers of axes"):
        symrf.evaluate(symrf.Sequential(symrf.Conv(kernel=(3, 3)), symrf.Conv(kernel=(3, 3, 3))))


def test_empty_network_is_an_error():
    with pytest.raises(NetworkError, match="no layers"):
        symrf.Sequential()


def test_vanishing_feature_map_names_the_layer():
    with pytest.raises(NetworkError, match=r"layers\[1\] \(conv_1\): the feature map vanishes"):
        symrf.evaluate(symrf.Sequential(symrf.Conv(kernel=3), symrf.Conv(kernel=5)), input_size=6)


def test_repeat_checks_inner_lengths_on_every_repetition():
    block = symrf.Sequential(symrf.Conv(kernel=3), symrf.Pad(left=1, right=1))
    assert symrf.evaluate(symrf.Repeat(block, times=50), input_size=5).size == 5
    shrinking = symrf.Repeat(symrf.Conv(kernel=3), times=3)
    with pytest.raises(NetworkError, match="vanishes"):
        symrf.evaluate(shrinking, input_size=6)


def test_huge_repeat_counts_point_to_the_symbolic_path():
    with pytest.raises(TooLargeError, match=r"use symrf\.derive"):
        symrf.evaluate(symrf.Repeat(symrf.Conv(kernel=3, stride=2), times=10**12))
    # stride 1: the closed form needs no large numbers
    assert symrf.evaluate(symrf.Repeat(symrf.Conv(kernel=3), times=10**12)).rf == 2 * 10**12 + 1


def test_symbolic_repeat_of_size_dependent_block_is_refused():
    (n,) = symrf.symbols("n")
    net = symrf.Repeat(symrf.Conv(kernel=3, stride=2, padding="same"), times=n)
    with pytest.raises(NetworkError, match="no closed form"):
        symrf.derive(net, input_size=224)
    assert symrf.evaluate(net.substitute({n: 3}), input_size=224).size == 28


def test_evaluate_names_missing_symbols():
    (k,) = symrf.symbols("k")
    with pytest.raises(NetworkError, match="no value for k"):
        symrf.evaluate(symrf.Conv(kernel=k))
