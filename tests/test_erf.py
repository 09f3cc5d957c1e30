"""The path-count ERF: closed forms against exact counts, the Gaussian limit, Luo et al.'s laws.

Exact counts (:mod:`symrf.effective.paths`) are checked against autograd in test_erf_torch.py; here
the closed forms (:mod:`symrf.effective.moments`) must give the exact distribution's mean and
variance after substitution, on random chains and residual networks, in 1-D and 2-D.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.effective import erf
from symrf.effective.moments import walk
from symrf.effective.result import AxisProfile
from symrf.maths.scalars import symbols
from symrf.maths.substitution import substituted

k, n, d, i = symbols("k n d i")


def profile(net, dims=1):
    return erf(net, dims=dims).profiles[0]


@st.composite
def block(draw):
    kk, s, dd = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    conv = symrf.Conv(kernel=kk, stride=s, dilation=dd, padding=draw(st.integers(0, 2)))
    if draw(st.booleans()):
        return conv
    main = [symrf.Conv(kernel=draw(st.sampled_from([1, 3, 5])), padding=draw(st.integers(0, 2)))
            for _ in range(draw(st.integers(1, 2)))]
    return symrf.Parallel(main, [] if draw(st.booleans()) else [symrf.Conv(kernel=2)])


@settings(max_examples=40, deadline=None)
@given(st.lists(block(), min_size=1, max_size=5), st.sampled_from([1, 2]))
def test_closed_form_moments_equal_the_exact_counts(layers, dims):
    result = erf(symrf.Sequential(*layers), dims=dims)
    for exact, closed in zip(result.profiles, result.closed, strict=True):
        assert closed.mean == exact.mean
        assert closed.variance == exact.variance


@pytest.mark.parametrize("values", [{"k": 3, "n": 1}, {"k": 5, "n": 4}, {"k": 2, "n": 7}])
def test_symbolic_variance_after_substitution(values):
    net = symrf.Repeat(symrf.Conv(kernel=k, stride=2), times=n)
    closed = erf(net, dims=1).closed[0]
    bound = {symbols(name)[0]: value for name, value in values.items()}
    exact = erf(net, values=values, dims=1).profiles[0]
    assert substituted(closed.variance, bound) == exact.variance
    assert substituted(closed.mean, bound) == exact.mean


def test_indexed_dilation_schedule_sums_in_closed_form():
    net = symrf.Repeat(symrf.Conv(kernel=3, dilation=2**i), times=n, index=i)
    variance = erf(net, dims=1).closed[0].variance
    assert sympy.simplify(variance - (4**n - 1) * 2 / 9) == 0  # sum of 4**i * 8/12
    for count in range(1, 6):
        assert substituted(variance, {n: count}) == profile(net.substitute({n: count})).variance


def test_residual_mixture_in_two_dimensions_weighs_paths_per_pixel():
    block = symrf.Parallel([symrf.Conv(kernel=3, padding=1)], [])
    one, two = walk(block, [None]), walk(block, [None, None])
    assert (one.mass, two.mass) == (4, 10)
    assert (one.variance[0], two.variance[0]) == (Fraction(1, 2), Fraction(3, 5))
    assert erf(block, dims=2).profiles[0].variance == Fraction(3, 5)


def test_gaussian_limit_in_distribution():
    distances = [profile(symrf.Repeat(symrf.Conv(kernel=3), times=depth)).kolmogorov()
                 for depth in (2, 8, 32, 128)]
    assert distances == sorted(distances, reverse=True)
    assert distances[-1] < 0.001
    assert distances[-1] * 128 < 2 * distances[1] * 8  # with the continuity correction: 1/n


def test_erf_over_trf_shrinks_like_one_over_sqrt_depth():
    closed = erf(symrf.Repeat(symrf.Conv(kernel=k), times=n), dims=1).closed[0]
    limit = sympy.limit(closed.ratio * sympy.sqrt(n), n, sympy.oo)
    assert sympy.simplify(limit**2 - (k + 1) / (12 * (k - 1))) == 0
    share = Fraction(95, 100)
    scaled = [float(profile(symrf.Repeat(symrf.Conv(kernel=3), times=depth)).ratio(share))
              * math.sqrt(depth) for depth in (16, 64, 256)]
    assert max(scaled) / min(scaled) < 1.1  # ratio * sqrt(n) levels off
    assert scaled[0] == pytest.approx(2 * 1.96 * math.sqrt(1 / 6), rel=0.1)


def test_dilation_and_subsampling_grow_the_erf_faster():
    def sigma(layer, depth):
        return profile(symrf.Repeat(layer, times=depth)).sigma

    plain = [sigma(symrf.Conv(kernel=3), depth) for depth in (4, 8)]
    strided = [sigma(symrf.Conv(kernel=3, stride=2), depth) for depth in (4, 8)]
    dilated_net = [symrf.Repeat(symrf.Conv(kernel=3, dilation=2**i), times=depth, index=i)
                   for depth in (4, 8)]
    dilated = [profile(net).sigma for net in dilated_net]
    assert plain[1] / plain[0] == pytest.approx(math.sqrt(2))
    assert strided[1] / strided[0] > 10 and dilated[1] / dilated[0] > 10
    assert strided[0] > plain[0] and dilated[0] > plain[0]


def test_residual_connections_shrink_the_erf():
    conv = symrf.Conv(kernel=3, padding=1)
    chain = symrf.Repeat(conv, times=8)
    residual = symrf.Repeat(symrf.Parallel([conv, conv], []), times=4)
    for dims in (1, 2):
        plain, skip = erf(chain, dims=dims), erf(residual, dims=dims)
        assert plain.profiles[0].rf == skip.profiles[0].rf == 17
        assert skip.profiles[0].sigma < plain.profiles[0].sigma
        assert skip.closed[0].variance < plain.closed[0].variance


def test_counts_past_int64_stay_exact():
    net = symrf.Repeat(symrf.Conv(kernel=9), times=25)
    found = profile(net)
    assert found.total == 9**25
    assert found.counts[0] == 1 and found.counts[1] == 25
    assert found.variance == erf(net, dims=1).closed[0].variance == Fraction(25 * 80, 12)


def test_resampling_has_exact_counts_and_no_closed_form():
    net = symrf.Sequential(symrf.Conv(kernel=3), symrf.Upsample(factor=2), symrf.Conv(kernel=3))
    result = erf(net, dims=1)
    assert result.closed is None
    assert any("resamples" in note for note in result.notes)
    assert result.profiles[0].counts == (2, 3, 3, 1)  # nearest: pixel 0 read twice


def test_whole_input_layer_makes_the_field_uniform():
    net = symrf.Sequential(symrf.Conv(kernel=3, padding=1), symrf.GlobalPool())
    found = erf(net, input_size=6, dims=1)
    assert found.profiles[0].counts == (2, 3, 3, 3, 3, 2)
    closed = erf(symrf.GlobalPool(), input_size=7, dims=1).closed[0]
    assert closed.variance == 4 and closed.mean == 3


def test_profile_figures():
    found = AxisProfile((1, 2, 3, 2, 1), -2, 0)
    assert found.radius(Fraction(1)) == 2 and found.pixels(Fraction(1)) == 5
    assert found.radius(Fraction(1, 3)) == 0 and found.ratio(Fraction(1, 3)) == Fraction(1, 5)


def test_resnet50_exact_erf():
    result = erf(symrf.zoo.build("resnet50"))
    first = result.profiles[0]
    assert (first.rf, first.hull, first.total) == (427, (-213, 213), 441 * 10**16)
    assert first.variance == result.closed[0].variance == Fraction(35236, 15)
    assert not result.separable


def test_work_limit(monkeypatch):
    import symrf.effective.paths

    monkeypatch.setattr(symrf.effective.paths, "MAX_ERF_WORK", 100)  # 3 + 5 + ... + 19 = 99
    assert erf(symrf.Repeat(symrf.Conv(kernel=3), times=9), dims=1).profiles[0].rf == 19
    with pytest.raises(symrf.TooLargeError, match="words of work"):
        erf(symrf.Repeat(symrf.Conv(kernel=3), times=10), dims=1)


def test_errors():
    with pytest.raises(symrf.NetworkError, match="outside the output"):
        erf(symrf.Conv(kernel=3), input_size=5, unit=3, dims=1)
    for wrong in ("1.5", "0", "most"):
        with pytest.raises(symrf.NetworkError, match="share"):
            erf(symrf.Conv(kernel=3), share=wrong)
    assert erf(symrf.Conv(kernel=k)).profiles is None
    with pytest.raises(symrf.TooLargeError, match="exact_counts=False"):
        erf(symrf.Repeat(symrf.Conv(kernel=3, dilation=2**i), times=30, index=i), dims=1)
    with pytest.raises(symrf.NetworkError, match="dims is 1"):
        erf(symrf.Conv(kernel=(3, 5)), dims=1)
    assert erf(symrf.Repeat(symrf.Conv(kernel=3, dilation=2**i), times=30, index=i),
               dims=1, exact_counts=False).closed[0].rf == 2**31 - 1
    pooled = symrf.Sequential(symrf.Conv(kernel=3), symrf.GlobalPool())
    unsized = erf(pooled)
    assert unsized.profiles is None and "give the input size" in unsized.notes[0]
    variance = substituted(unsized.closed[0].variance, {symbols("n_in_0")[0]: 10})
    assert variance == Fraction(71, 12)  # a pool of 8 units after 3 taps: (8**2-1)/12 + 2/3
    assert erf(pooled, input_size=10).profiles[0].variance == variance


def test_every_format_renders_the_erf():
    import json

    from symrf.render import FORMATS
    from symrf.render.erf import erf_text

    result = erf(symrf.Repeat(symrf.Conv(kernel=3), times=4), dims=1, share="0.5")
    data = json.loads(FORMATS["json"](result))
    first = data["axes"][0]
    assert (first["rf"], first["variance"], first["variance_formula"]) == (9, "8/3", "8/3")
    assert first["profile"] == {"origin": 0, "counts": [1, 4, 10, 16, 19, 16, 10, 4, 1]}
    assert data["share"] == "1/2" and data["separable"] is True
    table = FORMATS["table"](result)
    assert "holding 50% of the paths" in table and "7/9" not in table
    stack = symrf.Repeat(symrf.Conv(kernel=k), times=n)
    latex = erf_text(stack, "latex")
    assert "\\sigma^2 &= \\frac{n \\left(k^{2} - 1\\right)}{12}" in latex
    assert "tabular" not in latex  # symbols: closed forms only
    markdown = erf_text(stack, "markdown", values={"k": 3, "n": 4}, input_size=20)
    assert "| 0 | 6 | 9 |" in markdown and "central output unit" in markdown


# ------------------------------------------------------------------ issue 18: bounded, checked


def _counted_work(monkeypatch):
    """Record the words the real backward pass writes."""
    import symrf.effective.paths as paths

    seen = []
    real = paths._back

    def back(layer, found, axis, length, work):
        seen.append(work)
        return real(layer, found, axis, length, work)

    monkeypatch.setattr(paths, "_back", back)
    return lambda: seen[-1][0] if seen else 0


@settings(max_examples=40, deadline=None)
@given(blocks=st.lists(block(), min_size=1, max_size=5), dims=st.integers(1, 2),
       size=st.none() | st.integers(8, 40), resample=st.booleans())
def test_the_plan_is_the_work_the_counts_do(blocks, dims, size, resample):
    import symrf.effective.paths as paths
    from symrf.layers.graph import as_graph

    net = symrf.Sequential(*blocks, *([symrf.Upsample(factor=2)] if resample else []))
    flat = as_graph(net)
    try:
        lengths = [paths._lengths(flat, size)] * dims
    except symrf.SymrfError:
        return  # a feature map vanishes on this input
    planned = paths.plan(flat, [{n.name: n.layer for n in flat.nodes}] * dims, lengths,
                         [0] * dims)
    with pytest.MonkeyPatch.context() as patch:
        work = _counted_work(patch)
        try:
            paths.counts(net, [size] * dims, [0] * dims)
        except symrf.SymrfError:
            return
        if resample:  # an upsampling's interval map only contains the units it reads
            assert planned >= work()
        else:
            assert planned == work()


def _no_counting(monkeypatch):
    import symrf.effective.paths as paths

    def counted(*_):
        raise AssertionError("the counts started before the refusal")

    monkeypatch.setattr(paths, "_backward", counted)


@pytest.mark.parametrize(
    ("make", "message"),
    [(lambda: erf(symrf.zoo.build("resnet50"), dims=3),
      ("the path counts at conv1 would cover about 19010467 pixels (at most 16777216); use "
      "symrf.erf(..., exact_counts=False)")),
     (lambda: erf(symrf.Repeat(symrf.Conv(kernel=3), times=n), values={"n": 100_000}),
      ("the exact path counts need more than 134217728 words of work (at conv: 3999 counts "
      "of up to 3169 bits)")),
     (lambda: erf(symrf.Sequential(*[symrf.Conv(kernel=3)] * 10_000)),
      "the exact path counts need more than 134217728 words of work"),
     ],
)
def test_work_past_the_budget_is_refused_before_it_starts(monkeypatch, make, message):
    _no_counting(monkeypatch)
    with pytest.raises(symrf.TooLargeError) as caught:
        make()
    assert message in str(caught.value)


def test_a_long_chain_is_refused_before_it_is_flattened(monkeypatch):
    import symrf.effective

    def flattened(_):
        raise AssertionError("flattened before the refusal")

    monkeypatch.setattr(symrf.effective, "as_graph", flattened)
    with pytest.raises(symrf.TooLargeError, match="words of work"):
        erf(symrf.Repeat(symrf.Conv(kernel=3), times=n), values={"n": 100_000}, dims=1)


def test_a_chain_within_the_budget_is_counted_once_per_distinct_axis(monkeypatch):
    import symrf.effective.paths as paths

    calls = []
    real = paths.counts
    monkeypatch.setattr(paths, "counts", lambda *a: calls.append(a) or real(*a))
    result = erf(symrf.Sequential(*[symrf.Conv(kernel=3)] * 300))
    assert len(calls) == 1 and result.profiles[0] == result.profiles[1]
    assert result.profiles[0].rf == 601
    result = erf(symrf.Conv(kernel=(3, 5)))
    assert len(calls) == 3 and [p.rf for p in result.profiles] == [3, 5]


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [({"unit": 3.5}, symrf.ScalarTypeError,
      "unit (--unit) is the float 3.5; give a whole number >= 0, e.g. unit=3 or unit=(3, 5)."),
     ({"unit": math.nan}, symrf.ScalarTypeError, "unit (--unit) is the float nan;"),
     ({"unit": True}, symrf.ScalarTypeError, "unit (--unit) is the bool True;"),
     ({"unit": sympy.pi}, symrf.ScalarTypeError, "unit (--unit) is pi;"),
     ({"unit": "a"}, symrf.ScalarTypeError, "unit (--unit) is the string 'a';"),
     ({"unit": -1}, symrf.NetworkError, "unit (--unit) is -1; give a whole number >= 0"),
     ({"unit": 2**10000}, symrf.TooLargeError,
      ("unit (--unit) is 1995063116...2596709376 (a 3011-digit number), more than symrf "
      "handles (2**8192)")),
     ({"unit": (1, 2.5)}, symrf.ScalarTypeError, "unit (--unit)[1] is the float 2.5;"),
     ({"unit": (1, 2, 3)}, symrf.NetworkError, "unit (--unit) has 3 entries for 2 axes"),
     ({"dims": -3}, symrf.NetworkError,
      "dims (--dims) is -3; give a whole number from 1 to 3, e.g. dims=2."),
     ({"dims": True}, symrf.ScalarTypeError, "dims (--dims) is the bool True;"),
     ({"dims": 10**20}, symrf.NetworkError, "dims (--dims) is 100000000000000000000;"),
     ({"share": math.inf}, symrf.NetworkError,
      ("share (--mass) is the float inf; give a share of the paths in (0, 1], e.g. 0.95 or "
      "19/20 (symrf is exact: write '0.9' or Fraction(9, 10)).")),
     ({"share": 0.5}, symrf.NetworkError, "share (--mass) is the float 0.5;"),
     ({"share": True}, symrf.NetworkError, "share (--mass) is the bool True;"),
     ({"share": "1e999999"}, symrf.NetworkError, "share (--mass) is the string '1e999999';"),
     ({"share": "\u0661"}, symrf.NetworkError, "share (--mass) is the string '\u0661';"),
     ({"values": [("k", 3)]}, symrf.ScalarTypeError,
      "erf: values is a list; give a mapping of symbol names to numbers"),
     ({"exact_counts": "yes"}, symrf.ScalarTypeError,
      "erf: exact_counts is the string 'yes'; give True or False."),
     ],
)
def test_keywords_are_checked_where_erf_starts(keywords, error, message):
    with pytest.raises(error) as caught:
        erf(symrf.zoo.build("alexnet"), **keywords)
    assert message in str(caught.value)


def test_keywords_take_numpy_integers_and_exact_shares():
    np = pytest.importorskip("numpy")

    result = erf(symrf.Conv(kernel=3), unit=np.int64(2), dims=np.int64(1),
                 share=sympy.Rational(1, 2))
    assert (result.profiles[0].unit, result.dims, result.share) == (2, 1, Fraction(1, 2))
    assert erf(symrf.Conv(kernel=k), values={k: 5}, dims=1).profiles[0].rf == 5
