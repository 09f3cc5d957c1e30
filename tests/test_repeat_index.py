"""Indexed repeats: repetition i sees its number, so schedules like dilation 2**i are one layer.

Laws: an indexed repeat equals its copies written out one by one (on the brute-force oracle);
with a symbolic count, the closed form equals the numeric value after substitution.
"""

from __future__ import annotations

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symrf
from symrf.layers.repeat import Repeat

import oracle

I, L, K = symrf.symbols("i L k")  # noqa: E741  # i is the index, as in the papers
FIGURES = ("rf", "jump", "left", "right", "padding")

# Parameters as functions of the index i: constants, linear schedules, powers.
KERNELS = st.sampled_from([K, K + I, 2 * I + 1, K + 2 * I, sympy.Integer(3)])
DILATIONS = st.sampled_from([sympy.Integer(1), I + 1, 2**I, 3**I])
PADDINGS = st.sampled_from([sympy.Integer(0), I, (K - 1) * 2**I, 2**I])
STRIDES = st.sampled_from([1, 1, 2])
LEAVES = st.builds(symrf.Conv, kernel=KERNELS, dilation=DILATIONS, padding=PADDINGS,
                   stride=STRIDES)
BLOCKS = st.lists(LEAVES, min_size=1, max_size=3).map(lambda ls: symrf.Sequential(*ls))
slow = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@slow
@given(block=BLOCKS, times=st.integers(0, 4), k=st.integers(1, 4))
def test_indexed_repeat_equals_its_copies_on_the_oracle(block, times, k):
    net = symrf.Sequential(Repeat(block, times=times, index=I)).substitute(
        {K: sympy.Integer(k)})
    found = symrf.evaluate(net)
    truth = oracle.figures(net, None)
    assert {name: getattr(found, name) for name in FIGURES} == {
        name: getattr(truth, name) for name in FIGURES}


@slow
@given(block=BLOCKS, times=st.integers(1, 5), k=st.integers(1, 4))
def test_closed_form_of_a_symbolic_count_equals_the_numbers(block, times, k):
    net = symrf.Sequential(Repeat(block, times=L, index=I))
    try:
        formulas = symrf.derive(net)
    except symrf.NetworkError as error:  # a jump that changes with i: no closed form
        assert "index" in str(error)
        return
    numbers = symrf.evaluate(net, L=times, k=k)
    for name in FIGURES:
        value = sympy.sympify(getattr(formulas, name)).xreplace(
            {L: sympy.Integer(times), K: sympy.Integer(k)})
        assert sympy.simplify(value - getattr(numbers, name)) == 0, name


def test_tcn_closed_form_is_the_published_one():
    # Bai et al. 2018: two causal k-tap convolutions per level, dilation 2**i.
    d = 2**I
    causal = [symrf.Pad(left=(K - 1) * d), symrf.Conv(kernel=K, dilation=d)]
    net = Repeat(symrf.Parallel(causal + causal, []), times=L, index=I)
    report = symrf.derive(net)
    assert sympy.expand(report.rf - (1 + 2 * (K - 1) * (2**L - 1))) == 0
    assert report.right == 0
    assert symrf.evaluate(net, k=3, L=8).rf == 1021


def test_the_index_is_bound_inside_the_repeat():
    net = Repeat(symrf.Conv(kernel=3, dilation=2**I), times=L, index=I)
    assert net.free_symbols() == {L}
    assert net.substitute({I: sympy.Integer(5)}) == net
    assert net.copy(3).dilation == 8


def test_a_count_that_uses_its_own_index_is_refused():
    with pytest.raises(symrf.InvalidLayerError, match="uses its own index"):
        Repeat(symrf.Conv(kernel=3), times=I + 1, index=I)


def test_a_schedule_of_strides_has_no_closed_form():
    net = Repeat(symrf.Conv(kernel=3, stride=I + 1), times=L, index=I)
    with pytest.raises(symrf.NetworkError, match="jump of each repetition depends on the index"):
        symrf.derive(net)
    assert symrf.evaluate(net, L=3).jump == 6


def test_spec_reads_the_index():
    spec = symrf.loads(
        '[[layers]]\nop = "repeat"\ntimes = "L"\nindex = "i"\n'
        'layers = [{op = "conv", kernel = 3, dilation = "2**i"}]\n', "toml")
    assert symrf.evaluate(spec.network, L=8).rf == 511
    with pytest.raises(symrf.SpecError, match="key 'index'"):
        symrf.loads('[[layers]]\nop = "repeat"\ntimes = 2\nindex = 3\n'
                    'layers = [{op = "conv", kernel = 3}]\n', "toml")


def test_nested_symbolic_strides_leave_no_unreachable_case():
    # Found by the fuzz suite: the outer repeat's ratio is k**2, and `k**2 = 1` was a case
    # apart from `k = 1`, leaving a case no value reaches that divided by zero (nan).
    k, i = symrf.symbols("k i")
    inner = symrf.Repeat(symrf.Conv(kernel=k, stride=k), times=2)
    report = symrf.derive(symrf.Repeat(inner, times=2, index=i))
    assert not report.rf.has(sympy.nan)
    for value in range(1, 5):
        assert report.rf.subs(k, value) == symrf.evaluate(symrf.Repeat(inner, times=2),
                                                          k=value).rf
