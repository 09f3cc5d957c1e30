"""Every engine equals the brute-force oracle on random networks (DESIGN.md section 4)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import symrf
from symrf.maths.scalars import is_number
from symrf.maths.substitution import replaced

import oracle
from strategies import networks, symbolic_networks

FIGURES = ("rf", "rf_min", "jump", "left", "right", "center", "padding", "size")
SHAPE_FIGURES = FIGURES[:-1]
N_IN = symrf.symbols("n_in")[0]

numeric = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
symbolic = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected(net: symrf.Sequential, size: int | None, names=FIGURES) -> dict:
    found = oracle.figures(net, size)
    return {name: getattr(found, name) for name in names}


def got(source: object, names=FIGURES, values: dict | None = None) -> dict:
    return {name: number(getattr(source, name), values or {}) for name in names}


def number(value: object, values: dict) -> int | Fraction:
    """A figure as an exact Python number, substituting ``values`` into a formula once."""
    if isinstance(value, sympy.Basic):
        value = replaced(value, values)
        assert is_number(value), f"not a number after substitution: {value}"
        return value
    assert isinstance(value, int | Fraction) and not isinstance(value, bool), repr(value)
    return value


def prefix(net: symrf.Sequential, index: int) -> symrf.Sequential:
    return symrf.Sequential(*net.layers[: index + 1])


def bindings(values: dict[str, int], size: int) -> dict:
    bound = {symrf.symbols(name)[0]: sympy.Integer(value) for name, value in values.items()}
    return {**bound, N_IN: sympy.Integer(size)}


@st.composite
def sized(draw):
    net = draw(networks())
    return net, oracle.safe_input(net) + draw(st.integers(0, 12))


@st.composite
def sized_symbolic(draw):
    net, symbolic_net, values = draw(symbolic_networks(max_layers=6, max_jump=12))
    return net, symbolic_net, values, oracle.safe_input(net) + draw(st.integers(0, 12))


@numeric
@given(sized())
def test_evaluate_equals_oracle(case):
    net, size = case
    report = symrf.evaluate(net, input_size=size)
    assert got(report) == expected(net, size)
    for index, row in enumerate(report.layers):
        assert got(row) == expected(prefix(net, index), size), (index, row.name)


@numeric
@given(networks(), st.integers(1, 40))
def test_evaluate_raises_exactly_when_a_feature_map_vanishes(net, size):
    try:
        want = expected(net, size)
    except oracle.Vanished:
        with pytest.raises(symrf.NetworkError, match="vanishes"):
            symrf.evaluate(net, input_size=size)
    else:
        assert got(symrf.evaluate(net, input_size=size)) == want


@numeric
@given(networks())
@example(  # a block repeated zero times reads nothing, whatever its padding rule
    symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=1, stride=2, padding="same"), times=0))
)
def test_evaluate_without_input_size_equals_oracle_or_needs_it(net):
    try:
        want = expected(net, None, SHAPE_FIGURES)
    except ValueError:  # TF 'same' with stride > 1: the padding needs the length
        with pytest.raises(symrf.NetworkError, match="input size"):
            symrf.evaluate(net)
    else:
        report = symrf.evaluate(net)
        assert got(report, SHAPE_FIGURES) == want
        assert report.size is None


@symbolic
@given(sized_symbolic(), st.booleans())
def test_derive_substituted_equals_evaluate_equals_oracle(case, size_given):
    net, symbolic_net, values, size = case
    report = symrf.derive(symbolic_net, input_size=size if size_given else None)
    evaluated = symrf.evaluate(symbolic_net, input_size=size, **values)
    bound = bindings(values, size)
    want = expected(net, size)
    assert got(evaluated) == want
    assert got(report, values=bound) == want
    for index, row in enumerate(report.layers):
        want = expected(prefix(net, index), size)
        assert got(row, values=bound) == want, (index, row.name)
        assert got(evaluated.layers[index]) == want, (index, row.name)
