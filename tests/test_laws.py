"""Laws of the algebra and golden values from the literature that pin the conventions."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap, SizeMap

import oracle
from strategies import has_same, networks

FIGURES = ("rf", "rf_min", "jump", "left", "right", "center", "padding", "size")

ints = st.integers(-20, 20)
scales = st.integers(1, 5) | st.fractions(Fraction(1, 4), 4).filter(lambda f: f > 0)
intervals = st.builds(IntervalMap, scales, ints, st.integers(0, 20))
sizes = st.builds(SizeMap, st.integers(1, 5), ints, ints)
maps = st.one_of(
    st.tuples(intervals, intervals, intervals), st.tuples(sizes, sizes, sizes)
)
counts = st.integers(0, 6)
laws = settings(max_examples=200, deadline=None)


def canonical(value: IntervalMap | SizeMap) -> list:
    """The map's fields; a size map's bias folded into its offset, which makes it unique.

    ``floor((m + offset)/divisor) + bias == floor((m + offset + divisor*bias)/divisor)``, so
    ``SizeMap(2, 1, 1)`` and ``SizeMap(2, 3, 0)`` are one map written two ways.
    """
    if isinstance(value, SizeMap):
        return [value.divisor, value.offset + value.divisor * value.bias]
    return [value.scale, value.lo, value.width]


def identity_of(value: IntervalMap | SizeMap) -> IntervalMap | SizeMap:
    return IDENTITY if isinstance(value, IntervalMap) else SAME_SIZE


def unrolled(value: IntervalMap | SizeMap, times: int) -> IntervalMap | SizeMap:
    total = identity_of(value)
    for _ in range(times):
        total = total.then(value)
    return total


def symbolic_map(kind: type, tag: str) -> IntervalMap | SizeMap:
    return kind(*symrf.symbols(f"a{tag} b{tag} c{tag}"))


def equal_formulas(first: IntervalMap | SizeMap, second: IntervalMap | SizeMap) -> bool:
    pairs = zip(canonical(first), canonical(second), strict=True)
    return all(sympy.expand(x - y) == 0 for x, y in pairs)


# ------------------------------------------------------------------- the two monoids


@laws
@given(maps)
def test_then_is_associative(triple):
    a, b, c = triple
    assert canonical(a.then(b).then(c)) == canonical(a.then(b.then(c)))


@laws
@given(intervals | sizes)
def test_identity_is_neutral_on_both_sides(value):
    assert canonical(identity_of(value).then(value)) == canonical(value)
    assert canonical(value.then(identity_of(value))) == canonical(value)


@pytest.mark.parametrize("kind", [IntervalMap, SizeMap])
def test_then_is_associative_on_symbols(kind):
    a, b, c = (symbolic_map(kind, tag) for tag in "123")
    assert equal_formulas(a.then(b).then(c), a.then(b.then(c)))
    assert not equal_formulas(a.then(b), b.then(a))


@pytest.mark.parametrize("kind", [IntervalMap, SizeMap])
def test_identity_is_neutral_on_symbols(kind):
    a = symbolic_map(kind, "1")
    assert equal_formulas(identity_of(a).then(a), a)
    assert equal_formulas(a.then(identity_of(a)), a)


@laws
@given(intervals | sizes, counts)
def test_power_equals_repeated_then(value, times):
    assert canonical(value.power(times)) == canonical(unrolled(value, times))


@pytest.mark.parametrize("kind", [IntervalMap, SizeMap])
@pytest.mark.parametrize("scale", [1, 2, 3])
def test_symbolic_power_substituted_equals_repeated_then(kind, scale):
    a, b, c, n = symrf.symbols("a b c n")
    power = kind(a, b, c).power(n)
    for times in range(5):
        values = {a: scale, b: 3, c: 2, n: times}
        bound = {symbol: sympy.Integer(value) for symbol, value in values.items()}
        want = unrolled(kind(scale, 3, 2), times)
        got = [sympy.sympify(field).xreplace(bound) for field in canonical(power)]
        assert got == canonical(want), times


@laws
@given(sizes, sizes, st.integers(-50, 200))
def test_size_then_applies_one_map_after_the_other(first, second, length):
    assert first.then(second)(length) == second(first(length))


@laws
@given(sizes, counts, st.integers(-50, 200))
def test_size_power_applies_the_map_times_over(value, times, length):
    expected = length
    for _ in range(times):
        expected = value(expected)
    assert value.power(times)(length) == expected


# ------------------------------------------------------------ Repeat is its unrolling


def figures(report: symrf.Report, values: dict | None = None) -> dict:
    bound = {key: sympy.Integer(value) for key, value in (values or {}).items()}
    return {
        name: sympy.sympify(getattr(report, name)).xreplace(bound) for name in FIGURES
    }


def unroll(block: symrf.Sequential, times: int) -> symrf.Sequential:
    return symrf.Sequential(*([block] * times or [symrf.Identity()]))


@settings(max_examples=100, deadline=None)
@given(networks(depth=1, max_layers=4, max_jump=9), st.integers(0, 3), st.integers(0, 8))
def test_repeat_equals_its_block_unrolled(block, times, extra):
    size = oracle.safe_input(unroll(block, times)) + extra
    repeated = symrf.evaluate(symrf.Repeat(block, times=times), input_size=size)
    assert figures(repeated) == figures(symrf.evaluate(unroll(block, times), input_size=size))


@settings(max_examples=30, deadline=None)
@given(
    networks(depth=1, max_layers=3, max_jump=6).filter(lambda block: not has_same(block)),
    st.integers(0, 8),
)
def test_symbolic_repeat_count_substituted_equals_unrolled(block, extra):
    (n,) = symrf.symbols("n")
    size = oracle.safe_input(unroll(block, 3)) + extra
    derived = symrf.derive(symrf.Repeat(block, times=n), input_size=size)
    for times in range(1, 4):
        want = figures(symrf.evaluate(unroll(block, times), input_size=size))
        assert figures(derived, {n: times}) == want, times


# ------------------------------------------------------------------- golden values


ALEXNET = symrf.Sequential(
    symrf.Conv(kernel=11, stride=4, padding=2),
    symrf.MaxPool(kernel=3, stride=2),
    symrf.Conv(kernel=5, padding=2),
    symrf.MaxPool(kernel=3, stride=2),
    symrf.Conv(kernel=3, padding=1),
    symrf.Conv(kernel=3, padding=1),
    symrf.Conv(kernel=3, padding=1),
    symrf.MaxPool(kernel=3, stride=2),
)


def vgg16() -> symrf.Sequential:
    layers = []
    for convs in (2, 2, 3, 3, 3):
        layers += [symrf.Conv(kernel=3, padding=1)] * convs + [symrf.MaxPool(kernel=2)]
    return symrf.Sequential(*layers)


def test_alexnet_rows_match_the_seed_table():
    report = symrf.evaluate(ALEXNET, input_size=224)
    assert [row.rf for row in report.layers] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert [row.jump for row in report.layers] == [4, 8, 8, 16, 16, 16, 16, 32]
    assert [row.size for row in report.layers] == [55, 27, 27, 13, 13, 13, 13, 6]


def test_vgg16_matches_araujo_et_al():
    report = symrf.evaluate(vgg16(), input_size=224)
    assert (report.rf, report.jump, report.padding, report.size) == (212, 32, 90, 7)


def test_dilated_stack_matches_yu_and_koltun():
    net = symrf.Sequential(*(symrf.Conv(kernel=3, dilation=d, padding=d) for d in (1, 2, 4, 8)))
    report = symrf.evaluate(net, input_size=64)
    assert [row.rf for row in report.layers] == [3, 7, 15, 31]
    assert [row.size for row in report.layers] == [64] * 4


BASE = symrf.Conv(kernel=3, stride=2, padding=1)
KEEPS_RF = [
    symrf.Conv(kernel=1), symrf.ReLU(), symrf.GELU(), symrf.Sigmoid(), symrf.Tanh(),
    symrf.BatchNorm(), symrf.LayerNorm(), symrf.Dropout(), symrf.ChannelShuffle(),
    symrf.Identity(), symrf.Pad(left=2, right=1),
]


@pytest.mark.parametrize("layer", KEEPS_RF, ids=lambda layer: layer.op)
def test_layer_keeps_rf_and_jump(layer):
    before = symrf.evaluate(BASE)
    after = symrf.evaluate(symrf.Sequential(BASE, layer))
    assert (after.rf, after.jump) == (before.rf, before.jump) == (3, 2)
    shift = layer.left if isinstance(layer, symrf.Pad) else 0
    assert after.left == before.left - shift * before.jump


@pytest.mark.parametrize(
    ("layer", "growth"),
    [
        (symrf.Conv(kernel=5), 8),
        (symrf.Conv(kernel=3, dilation=2), 8),
        (symrf.Conv(kernel=3), 4),
        (symrf.MaxPool(kernel=2), 2),
        (symrf.AvgPool(kernel=3, stride=1), 4),
    ],
    ids=["conv5", "conv3-dilated", "conv3", "maxpool2", "avgpool3"],
)
def test_layer_grows_rf_by_its_span_times_the_jump(layer, growth):
    after = symrf.evaluate(symrf.Sequential(BASE, layer))
    assert after.rf - symrf.evaluate(BASE).rf == growth


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_stride_multiplies_later_growth(stride):
    first = symrf.Conv(kernel=3, stride=stride)
    after = symrf.evaluate(symrf.Sequential(first, symrf.Conv(kernel=3)))
    assert after.rf - symrf.evaluate(first).rf == 2 * stride


# ------------------------------------------------------- the symbolic Repeat closed form


def test_repeat_of_a_strided_conv_has_the_geometric_closed_form():
    k, s, n = symrf.symbols("k s n")
    report = symrf.derive(symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n)))
    for kv, sv, nv in [(kv, sv, nv) for kv in range(1, 6) for sv in range(1, 5)
                       for nv in range(1, 6)]:
        bound = {k: sympy.Integer(kv), s: sympy.Integer(sv), n: sympy.Integer(nv)}
        closed = nv * (kv - 1) + 1 if sv == 1 else 1 + Fraction((kv - 1) * (sv**nv - 1), sv - 1)
        assert report.rf.xreplace(bound) == closed, (kv, sv, nv)
        assert report.jump.xreplace(bound) == sv**nv


def test_evaluate_substitutes_the_repeat_closed_form():
    k, s, n = symrf.symbols("k s n")
    net = symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n))
    assert symrf.evaluate(net, k=3, s=2, n=4).rf == 31
