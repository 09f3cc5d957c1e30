from fractions import Fraction

import numpy as np
import pytest

import symrf
from symrf.errors import NetworkError


def test_numeric_path_returns_ints_and_fractions_only():
    net = symrf.Sequential(symrf.Conv(kernel=2, stride=2), symrf.Conv(kernel=2))
    report = symrf.evaluate(net, input_size=16)
    for row in report.layers:
        for name in ("rf", "jump", "left", "right", "center", "padding", "size"):
            assert type(row.figure(name)) in (int, Fraction)
    assert report.center == Fraction(3, 2)


def test_sweep_matches_evaluate_on_every_assignment():
    k, s, n = symrf.symbols("k s n")
    net = symrf.Sequential(symrf.Conv(kernel=7, stride=2, padding=3),
                           symrf.Repeat(symrf.Conv(kernel=k, stride=s, padding=1), times=n))
    ks, ss, ns = np.meshgrid(np.arange(1, 8), np.arange(1, 4), np.arange(0, 5), indexing="ij")
    result = symrf.sweep(net, input_size=512, k=ks, s=ss, n=ns)
    assert result.rf.dtype == np.int64 and result.rf.shape == ks.shape
    for index in np.ndindex(ks.shape):
        values = {"k": int(ks[index]), "s": int(ss[index]), "n": int(ns[index])}
        try:
            expected = symrf.evaluate(net, input_size=512, **values)
        except NetworkError:
            assert not result.valid[index], values  # a feature map vanishes here
            continue
        assert result.valid[index], values
        for figure in ("rf", "jump", "left", "right", "size"):
            assert getattr(result, figure)[index] == expected.figure(figure), (values, figure)


def test_sweep_refuses_results_beyond_exact_floats():
    (n,) = symrf.symbols("n")
    with pytest.raises(NetworkError, match="2\\*\\*53"):
        symrf.sweep(symrf.Repeat(symrf.Conv(kernel=3, stride=2), times=n), n=np.array([80]))
