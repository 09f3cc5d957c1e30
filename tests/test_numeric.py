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


def test_exact_sweep_equals_evaluate_per_assignment_on_resampling_networks():
    import numpy as np

    k, f, s = symrf.symbols("k f s")
    net = symrf.Sequential(symrf.Conv(kernel=k, stride=s), symrf.Upsample(factor=f),
                           symrf.Conv(kernel=k), symrf.ConvTranspose(kernel=3, stride=2))
    grid = np.meshgrid(np.arange(1, 6), np.arange(1, 4), np.arange(1, 3), indexing="ij",
                       sparse=True)
    result = symrf.sweep(net, 40, exact=True, k=grid[0], f=grid[1], s=grid[2])
    assert result.exact and result.rf.shape == (5, 3, 2)
    for index in np.ndindex(result.rf.shape):
        values = {"k": index[0] + 1, "f": index[1] + 1, "s": index[2] + 1}
        report = symrf.evaluate(net, input_size=40, **values)
        for name in ("rf", "rf_min", "jump", "left", "period", "size"):
            assert getattr(result, name)[index] == report.figure(name), (name, values)
    bounds = symrf.sweep(net, 40, k=grid[0], f=grid[1], s=grid[2])
    assert not bounds.exact and (bounds.rf >= result.rf).all()  # the closed forms bound it


def test_exact_sweep_marks_assignments_that_build_no_network():
    import numpy as np

    (k,) = symrf.symbols("k")
    result = symrf.sweep(symrf.Repeat(symrf.Conv(kernel=k), times=3), 10, exact=True,
                         k=np.array([1, 3, 4, 5]))
    assert result.valid.tolist() == [True, True, True, False]  # size 10 - 3*(k - 1)
    assert result.size.tolist() == [10, 4, 1, None]
    with pytest.raises(symrf.TooLargeError, match="exact=True"):
        symrf.sweep(symrf.Conv(kernel=k), exact=True, k=np.arange(1, 10**6 + 2))
