from fractions import Fraction

import numpy as np
import pytest

import symrf
from symrf.engine import analyze
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


def _long_chain(count: int, given) -> symrf.Sequential:
    """Convs with their own ``k_i``, ``s_i``, ``p_i``, a repeat and a residual block every 50.

    ``given(name)`` is each parameter: its symbol, or its number (:func:`_numbers`).
    """
    layers: list[symrf.Layer] = []
    for i in range(count):
        k, s, p = given(f"k{i}"), given(f"s{i}"), given(f"p{i}")
        if i % 50 == 7:
            layers.append(symrf.Repeat(symrf.Conv(kernel=k, padding=p), times=given(f"n{i}")))
        elif i % 50 == 23:
            layers.append(symrf.Parallel(symrf.Conv(kernel=k, stride=s, padding=p),
                                         symrf.Conv(kernel=1, stride=s)))
        else:
            layers.append(symrf.Conv(kernel=k, stride=s, padding=p))
    return symrf.Sequential(*layers)


def _numbers(count: int) -> dict[str, int]:
    values = {}
    for i in range(count):
        kernel = 1 + 2 * (i % 3)
        padding = (kernel - 1) // 2 if i % 50 == 23 else i % 2  # a residual keeps the length
        values |= {f"k{i}": kernel, f"s{i}": 2 if i % 100 == 99 else 1, f"p{i}": padding,
                   f"n{i}": 2}
    return values


def test_many_symbols_substituted_give_the_rows_of_the_network_built_with_numbers():
    # 1,600 symbols: more than sympy keeps cached, so lookups meet equal, not identical, ones.
    count = 400
    numbers = _numbers(count)
    used = {name: value for name, value in numbers.items()
            if not name.startswith("n") or int(name[1:]) % 50 == 7}
    symbolic = _long_chain(count, lambda name: symrf.symbols(name)[0])
    built = _long_chain(count, numbers.__getitem__)
    expected = symrf.evaluate(built, input_size=10**6)
    for report in (symrf.evaluate(symrf.Sequential(*symbolic.layers), input_size=10**6, **used),
                   analyze(symbolic, 10**6, used)):
        assert len(report.layers) == count
        for row, want in zip(report.layers, expected.layers, strict=True):
            assert row.axes == want.axes, row.name


def test_substituting_converts_each_value_once(monkeypatch):
    from symrf.maths import substitution
    count = 60
    numbers = _numbers(count)
    symbolic = _long_chain(count, lambda name: symrf.symbols(name)[0])
    values = {symrf.symbols(name)[0]: value for name, value in numbers.items()}
    calls = []
    real = substitution.expression
    monkeypatch.setattr(substitution, "expression",
                        lambda value, what="value": calls.append(what) or real(value, what))
    concrete = symbolic.substitute(values)
    assert not concrete.free_symbols()
    assert len(calls) == len(values)  # once per value, not once per value per parameter
    assert set(calls) == {"value"}  # no message formatted: nothing went wrong


def test_substitution_errors_name_the_layer_the_parameter_and_the_symbol():
    k0, k1, k2, s = symrf.symbols("k0 k1 k2 s")
    net = symrf.Sequential(symrf.Conv(kernel=k0), symrf.Conv(kernel=k1),
                           symrf.Conv(kernel=k2 + 6 / (s - 1), stride=s, name="c2"))
    good = {"k0": 1, "k1": 3, "k2": 1, "s": 2}
    assert symrf.evaluate(net, **good).rf == 9  # 1 + 2 + 6
    cases = [
        ({"k1": 0}, symrf.InvalidLayerError,
         ("layers[1] (conv_1), key 'kernel': conv kernel must be >= 1, got 0; use a kernel "
          "of at least 1.")),
        ({"s": 1}, symrf.ExpressionError,
         ("layers[2] (c2): conv kernel: k2 + 6/(s - 1) divides by zero for the values given; "
          "check the values (symbols stand for positive integers).")),
        ({"k2": 0.5}, symrf.ScalarTypeError,
         ("value of k2 is the float 0.5; symrf is exact: give an int, a fractions.Fraction or "
          "a sympy expression.")),
        ({"unused": True}, symrf.ScalarTypeError,
         "value of unused is a bool (True); give an int."),
    ]
    for change, error, message in cases:
        with pytest.raises(error) as raised:
            symrf.evaluate(net, **(good | change))
        assert str(raised.value) == message
    k, = symrf.symbols("k")
    with pytest.raises(symrf.TooLargeError) as raised:  # sized before sympy computes it
        symrf.Sequential(symrf.Conv(kernel=3), symrf.Conv(kernel=k**k**k)).substitute({k: 10})
    assert str(raised.value).startswith("layers[1] (conv_1): conv kernel: 10**10000000000 is "
                                        "larger than symrf handles")
