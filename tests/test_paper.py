"""Paper forms: the textbook formulas, the same for any names, equal to the raw figures.

Laws: the paper form equals the raw figure at every assignment the assumptions allow;
renaming the symbols of a network renames its paper forms and changes nothing else (the same
tree, up to the order of terms and factors and the sign of a factor that is a sum with terms
of both signs, such as ``a - b``); an assumption broken by the numbers given is an error.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import symrf
from symrf.layers.repeat import Repeat
from symrf.paper import assumptions, ordered_terms, paper_form, stated, where

import oracle
import strategies

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
FIGURES = ("rf", "jump", "left", "right", "center", "padding", "offset", "size")
I, L, K, S, N, P = symrf.symbols("i L k s n p")  # noqa: E741  # L levels, as in the papers
N_IN, = symrf.symbols("n_in")
few = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
               phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking takes minutes


def figure(net, name, assume=None):
    return paper_form(getattr(symrf.derive(net), name), assume)


def example(name):
    return symrf.sources.spec.load(EXAMPLES / f"{name}.toml").network


def value_at(expr, values):
    """``expr`` at integer ``values`` (symbols to ints), as an exact sympy number."""
    found = sympy.sympify(expr).xreplace({s: sympy.Integer(v) for s, v in values.items()})
    found = sympy.piecewise_fold(found).doit() if found.has(sympy.Piecewise) else found
    assert found.is_number, (expr, values, found)
    return sympy.nsimplify(found)


def derived(net):
    """``symrf.derive(net)``, or None where the engine has no closed form for a length."""
    try:
        return symrf.derive(net)
    except symrf.NetworkError as error:  # e.g. a repeated down-then-up block: no closed form
        assert "closed form" in str(error)
        return None


def tree(expr, names=None):
    """``expr`` as a tree: sums and products unordered, a factor ``a - b`` up to its sign."""
    names = names or {}
    if expr.is_Symbol:
        assert not isinstance(expr, sympy.Dummy), expr
        return ("symbol", names.get(expr, expr).name)
    if expr.is_Number:
        return ("number", str(expr))
    if expr.is_Add:
        return ("add", tuple(sorted(tree(arg, names) for arg in expr.args)))
    if expr.is_Mul:
        number, factors = sympy.Integer(1), []
        for arg in expr.args:
            base, power = (arg.base, arg.exp) if arg.is_Pow and arg.exp.is_Integer else (arg, 1)
            if arg.is_Number:
                number *= arg
                continue
            if base.is_Add:
                mirrored = tree(sympy.expand(-base), names)
                if mirrored < tree(base, names):
                    number *= (-1) ** int(power)
                    factors.append(("pow", mirrored, str(power)))
                    continue
            factors.append(("pow", tree(base, names), str(power)))
        return ("mul", str(number), tuple(sorted(factors)))
    return (type(expr).__name__, tuple(tree(arg, names) if isinstance(arg, sympy.Basic)
                                       else str(arg) for arg in expr.args))


# -- the textbook cases of issue 12 ------------------------------------------------------


def test_a_stack_reads_the_same_whatever_the_count_is_called():
    stack = example("stack")
    assert str(figure(stack, "rf")) == "n*(k - 1) + 1"
    renamed = stack.substitute({N: L})
    assert str(figure(renamed, "rf")) == "L*(k - 1) + 1"


def test_dilated_convolutions_gather_on_the_kernel():
    dilated = example("dilated")
    d1, d2, d3, x1, x2, x3 = symrf.symbols("d1 d2 d3 x1 x2 x3")
    assert figure(dilated, "rf") == 1 + (K - 1) * (d1 + d2 + d3)
    assert str(figure(dilated, "rf")) == "(k - 1)*(d1 + d2 + d3) + 1"
    renamed = dilated.substitute({d1: x3, d2: x1, d3: x2})
    assert str(figure(renamed, "rf")) == "(k - 1)*(x1 + x2 + x3) + 1"
    assert str(figure(dilated, "padding")) == "(k - 1)*(d1 + d2 + d3)/2"


def test_a_chain_is_araujos_flat_sum_in_every_row():
    chain = example("chain3")
    k0, k1, k2, s0, s1 = symrf.symbols("k0 k1 k2 s0 s1")
    rows = [paper_form(row.rf) for row in symrf.derive(chain).layers]
    assert rows == [k0, k0 + s0 * (k1 - 1), k0 + s0 * (k1 - 1) + s0 * s1 * (k2 - 1)]
    assert str(rows[2]) == "k0 + s0*s1*(k2 - 1) + s0*(k1 - 1)"


def test_a_repeated_strided_block_with_s_above_one():
    block = example("block")
    assert str(figure(block, "rf", ["s > 1"])) == "(k - 1)*(s**n - 1)/(s - 1) + 1"
    both = figure(block, "rf")
    assert isinstance(both, sympy.Piecewise) and str(both.args[0][0]) == "n*(k - 1) + 1"


def test_the_dilated_stack_doubles():
    stack = Repeat(symrf.Conv(kernel=3, dilation=2**I, padding=2**I), times=N, index=I)
    assert str(figure(stack, "rf")) == "2**(n + 1) - 1"


def test_the_tcn_reads_as_published():
    tcn = example("tcn")
    assert str(figure(tcn, "rf")) == "2*(2**L - 1)*(k - 1) + 1"
    assert str(figure(tcn, "left")) == "-2*(2**L - 1)*(k - 1)"
    assert str(figure(tcn, "offset")) == "2**(L - 1)*(k - 1)"


def test_an_index_sum_is_factored():
    growing = Repeat(symrf.Conv(kernel=I + 2), times=L, index=I)
    assert str(figure(growing, "rf")) == "L*(L + 1)/2 + 1"


def test_tf_same_sizes_are_ceilings():
    net = symrf.Sequential(symrf.Conv(kernel=3, stride=2, padding="same"))
    assert str(figure(net, "size")) == "ceiling(n_in/2)"
    assert str(paper_form(sympy.floor((N + S - 1) / S))) == "ceiling(n/s)"
    assert str(figure(symrf.zoo.build("resnet18"), "size")) == "ceiling(n_in/32)"
    assert str(figure(symrf.zoo.build("alexnet"), "size")) == "floor((n_in - 63)/32) + 1"


def test_signs_lead_with_the_positive_term():
    assert str(paper_form(-2 * (1 - K) * (2**L - 1))) == "2*(2**L - 1)*(k - 1)"
    assert str(paper_form((1 - K) / 2)) == "-(k - 1)/2"


def test_same_padding_of_mobilenet_is_its_parity_terms():
    padding = symrf.derive(symrf.zoo.build("mobilenet_v1")).padding
    form = paper_form(padding)
    assert not form.has(sympy.Max) and len(str(form)) < 200
    assert form.has(sympy.Mod)
    for n in (224, 225, 97, 1000):
        assert value_at(form, {N_IN: n}) == value_at(padding, {N_IN: n})
    assert paper_form(padding, ["n_in % 32 == 0"]) == 126


def test_odd_kernels_remove_the_parity_floors():
    strided = example("strided")
    assert str(figure(strided, "padding")) == "(2**n - 1)*floor((k - 1)/2)"
    assert str(figure(strided, "padding", ["odd(k)"])) == "(2**n - 1)*(k - 1)/2"


def test_divisible_inputs_remove_the_floors():
    size = symrf.derive(symrf.zoo.build("vgg16")).size
    assert str(paper_form(size)) == "floor(n_in/32)"
    assert paper_form(size, ["n_in % 32 == 0"]) == N_IN / 32


def test_max_that_cannot_bind_is_dropped_and_one_that_can_is_kept():
    assert paper_form(sympy.Max(0, K - 1)) == K - 1
    assert paper_form(sympy.Max(0, K - 2)) == sympy.Max(0, K - 2)
    assert paper_form(sympy.Max(0, K - 2), ["k >= 2"]) == K - 2


# -- indexed repeats with a constant stride (item 3) --------------------------------------


def test_an_indexed_repeat_with_a_stride_has_closed_forms():
    net = Repeat(symrf.Conv(kernel=I + 2, stride=2), times=L, index=I)
    report = symrf.derive(net)
    assert str(paper_form(report.rf)) == "2**L*(L - 1) + 2"
    assert report.jump == 2**L
    assert str(paper_form(report.size)) == "-L + floor((n_in - 2)/2**L) + 2"


@few
@given(levels=st.integers(0, 4), n=st.integers(1, 120), stride=st.integers(2, 3),
       shape=st.sampled_from([I + 2, 2 * I + 1, K + I]), pad=st.sampled_from([0, I, 2**I]))
def test_indexed_strided_closed_forms_equal_the_oracle(levels, n, stride, shape, pad):
    net = Repeat(symrf.Conv(kernel=shape, stride=stride, padding=pad), times=L, index=I)
    report = symrf.derive(net)
    values = {L: levels, K: 2, N_IN: n}
    try:
        truth = oracle.figures(symrf.Sequential(net).substitute(
            {L: sympy.Integer(levels), K: sympy.Integer(2)}), n)
    except oracle.Vanished:  # the feature map vanishes at this input length
        return
    for name in ("rf", "jump", "left", "right", "center", "padding", "size"):
        assert value_at(getattr(report, name), values) == getattr(truth, name), name


# -- assumptions ------------------------------------------------------------------------


def test_assumptions_read_and_combine():
    facts = assumptions(["s > 1", "odd(k)", "n_in % 32 == 0", "k >= 3"])
    assert facts.shape(S).values(2) == [2, 3]
    assert facts.shape(K).values(3) == [3, 5, 7]
    assert facts.shape(N_IN).values(2) == [32, 64]
    assert (assumptions(["s > 1"]) | assumptions(["1 < p <= 4"])).shape(P).values(9) == [2, 3, 4]


@pytest.mark.parametrize(("text", "message"), [
    ("s + 1", "is not an assumption"),
    ("__import__('os')", "is not an assumption"),
    ("s > 1.5", "only integers are allowed"),
    ("odd(2*k)", "false whatever the symbols"),
    ("S > 1", "sympy name"),
    ("k %% 2 == 1", "is not an assumption"),
    ("k is 3", "unknown comparison"),
])
def test_bad_assumptions_are_one_line_errors(text, message):
    with pytest.raises(symrf.ExpressionError, match=message) as error:
        assumptions([text])
    assert "\n" not in str(error.value)


def test_contradicting_assumptions_are_refused():
    with pytest.raises(symrf.ExpressionError, match="leave no integer value"):
        assumptions(["s > 3", "s < 2"])
    with pytest.raises(symrf.ExpressionError, match="residue"):
        assumptions(["odd(k)", "even(k)"])


def test_an_assumption_the_numbers_break_is_an_error():
    facts = assumptions(["s > 1", "odd(k)"])
    facts.check({"s": 2, "k": 3, "n": 4})
    with pytest.raises(symrf.NetworkError, match=r"'s > 1' fails for s = 1"):
        facts.check({"s": 1})
    with pytest.raises(symrf.NetworkError, match=r"'odd\(k\)' fails for k = 4"):
        facts.check({S: 2, K: 4})


# -- laws -------------------------------------------------------------------------------

TEMPLATES = ("{x} > 1", "{x} >= 3", "odd({x})", "even({x})", "{x} % 4 == 0", "{x} != 1")


@st.composite
def assumed(draw, names):
    """Assumptions on some of ``names`` and an assignment that meets them."""
    texts = []
    for name in sorted(names, key=str):
        if draw(st.integers(0, 2)) == 0:
            texts.append(draw(st.sampled_from(TEMPLATES)).format(x=name))
    facts = assumptions(texts)
    values = {name: draw(st.sampled_from(facts.shape(name).values(6))) for name in names}
    return facts, values


@few
@given(drawn=strategies.symbolic_networks(max_layers=6, max_jump=9), data=st.data())
def test_the_paper_form_equals_the_figure_where_the_assumptions_hold(drawn, data):
    _, symbolic, _ = drawn
    report = derived(symbolic)
    if report is None:
        return
    for name in FIGURES:
        raw = getattr(report, name)
        if isinstance(raw, int | bool) or raw is None:
            continue
        facts, values = data.draw(assumed(sympy.sympify(raw).free_symbols))
        assert value_at(paper_form(raw, facts), values) == value_at(raw, values), name


@pytest.mark.slow
@few
@given(drawn=strategies.symbolic_networks(max_layers=6, max_jump=9), seed=st.integers(0, 99))
def test_renaming_the_symbols_renames_the_paper_form(drawn, seed):
    _, symbolic, _ = drawn
    names = sorted(symbolic.free_symbols(), key=str)
    fresh = symrf.symbols(" ".join(f"z{i}" for i in range(len(names)))) if names else ()
    shuffled = list(fresh)
    random.Random(seed).shuffle(shuffled)
    rename = dict(zip(names, shuffled, strict=True))
    first, second = derived(symbolic), derived(symbolic.substitute(rename))
    if first is None:
        return
    for name in FIGURES:
        before, after = getattr(first, name), getattr(second, name)
        if isinstance(before, int | bool) or before is None:
            continue
        assert tree(paper_form(after)) == tree(paper_form(before), rename), name


def test_every_example_and_zoo_figure_keeps_its_value():
    nets = [example(path.stem) for path in sorted(EXAMPLES.glob("*.toml"))]
    nets += [symrf.zoo.build(name) for name in ("mobilenet_v1", "resnet_v1_50", "alexnet")]
    rng = random.Random(12)
    for net in nets:
        report = symrf.derive(net)
        for name in FIGURES:
            for raw in (getattr(field, name) for field in report.axes):
                if isinstance(raw, int | bool) or raw is None:
                    continue
                form = paper_form(raw)
                for _ in range(3):
                    values = {s: rng.randint(1, 40) for s in sympy.sympify(raw).free_symbols}
                    assert value_at(form, values) == value_at(raw, values), (net.name, name)


# -- where clauses ----------------------------------------------------------------------


def test_where_names_the_long_repeated_subformula():
    long = sympy.floor(sympy.Max(0, 2 * sympy.ceiling(N / 2 + sympy.Rational(1, 2)) - N) / 2)
    shown, meanings = where([long + 1, 3 * long, 7])
    (helper, meaning), = meanings.items()
    assert meaning == long and shown == [helper + 1, 3 * helper, 7]
    assert where([K + 1]) == ([K + 1], {})


def test_terms_are_ordered_as_a_paper_writes_them():
    chain = symrf.derive(example("chain3"))
    k0, k1, k2, s0, s1 = symrf.symbols("k0 k1 k2 s0 s1")
    assert ordered_terms(paper_form(chain.right)) == [
        k0, s0 * (k1 - 1), s0 * s1 * (k2 - 1), -1]
    assert ordered_terms(figure(example("stack"), "size")) == [N_IN, -N * (K - 1)]


def test_stated_checks_the_given_numbers():
    assert stated(["s > 1"], {"s": 2}, 224).texts == ("s > 1",)
    with pytest.raises(symrf.NetworkError, match="n_in_1 = 225"):
        stated(["n_in_1 % 32 == 0"], {}, [224, 225])
    assert assumptions(["odd(k)"]).allows({"k": 5}) and not assumptions(["odd(k)"]).allows({"k": 6})
