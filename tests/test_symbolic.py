import subprocess
import sys

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.maths.scalars import symbol


def test_repeat_closed_form_is_the_paper_form():
    k, s, n = symrf.symbols("k s n")
    net = symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n))
    rf = symrf.derive(net).rf
    assert str(rf) == (
        "Piecewise((n*(k - 1) + 1, Eq(s, 1)), ((k - 1)*(s**n - 1)/(s - 1) + 1, True))"
    )
    assert symrf.evaluate(net, k=3, s=2, n=4).rf == 31


def test_padding_terms_cancel_out_of_rf():
    k, s, n, p = symrf.symbols("k s n p")
    rf = symrf.derive(symrf.Repeat(symrf.Conv(kernel=k, stride=s, padding=p), times=n)).rf
    assert not rf.has(p)


def test_nested_symbolic_repeats_match_unrolled():
    k, n, m = symrf.symbols("k n m")
    inner = symrf.Repeat(symrf.Conv(kernel=k, stride=2), times=n)
    net = symrf.Sequential(symrf.Conv(kernel=3), symrf.Repeat(inner, times=m))
    report = symrf.derive(net)
    for values in ({"k": 3, "n": 2, "m": 3}, {"k": 5, "n": 1, "m": 4}):
        bound = {symbol(name): value for name, value in values.items()}
        numeric = symrf.evaluate(net, **values)
        for figure in ("rf", "jump", "left", "right", "center"):
            assert sympy.S(report.figure(figure)).xreplace(bound) == numeric.figure(figure)


def test_symbolic_size_matches_numeric():
    k, s = symrf.symbols("k s")
    net = symrf.Sequential(symrf.Conv(kernel=k, stride=s, padding=1), symrf.MaxPool(kernel=2))
    report = symrf.derive(net)
    n_in = symbol("n_in")
    for size in (31, 32, 33, 224):
        expected = symrf.evaluate(net, input_size=size, k=3, s=2).size
        assert report.size.xreplace({n_in: size, k: 3, s: 2}) == expected


def test_max_of_branch_like_expressions_simplifies_when_decidable():
    (k,) = symrf.symbols("k")
    assert sympy.Max(k + 2, k) == k + 2


def test_long_symbolic_chain_rows_are_lazy_and_correct():
    ks = [symbol(f"k{i}") for i in range(200)]
    ss = [symbol(f"s{i}") for i in range(200)]
    net = symrf.Sequential(*(symrf.Conv(kernel=ks[i], stride=ss[i]) for i in range(200)))
    rf = symrf.derive(net).rf  # its speed is benchmarks/check.py's (no wall clock in tests)
    values = {**{k: 3 for k in ks}, **{s: 1 for s in ss}}
    assert rf.xreplace(values) == 401


def test_import_loads_nothing_heavier_than_sympy():
    heavy = ("numpy", "torch", "onnx", "mkdocs", "matplotlib")
    code = f"import sys, symrf; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]"


_NAMES = [symbol(f"s{i}") for i in range(200)] + [sympy.Dummy("d"), sympy.Symbol("plain")]


@st.composite
def _special(draw):
    """A factor other than a symbol: a power, a sum, a function, a number or ``exp``."""
    name, other = draw(st.sampled_from(_NAMES)), draw(st.sampled_from(_NAMES))
    return draw(st.sampled_from([
        name ** -1, name**2, name ** sympy.Symbol("m"), name + 1, (name + 1) ** -1,
        sympy.floor(name / other), sympy.Max(name, other), sympy.Integer(2) ** name,
        sympy.exp(name), sympy.sqrt(2), sympy.Integer(3)]))


@st.composite
def _operands(draw, names=slice(None)):
    """A product as symrf builds one: a coefficient, distinct symbols, maybe a few others."""
    coefficient = draw(st.sampled_from([1, 1, 1, -1, 2, sympy.Rational(1, 2)]))
    names = draw(st.lists(st.sampled_from(_NAMES[names]), min_size=8, max_size=25, unique=True))
    others = draw(st.lists(_special(), max_size=1))
    return sympy.Mul(coefficient, *names, *others)


@settings(max_examples=300, deadline=None)
@given(_operands(slice(0, 110)), _operands(slice(100, None)))  # bases shared at times
def test_merged_products_are_sympys_own(first, second):
    from symrf.maths.product import product

    assert sympy.srepr(product(first, second)) == sympy.srepr(sympy.Mul(first, second))


@settings(max_examples=100, deadline=None)
@given(_operands(), st.lists(st.sampled_from(_NAMES[:200]), min_size=2, max_size=30, unique=True))
def test_merged_quotients_are_sympys_own(numerator, strides):
    from symrf.maths.product import quotient

    denominator = sympy.Mul(*strides)
    expected = sympy.Mul(numerator, sympy.Pow(denominator, -1))
    assert sympy.srepr(quotient(numerator, denominator)) == sympy.srepr(expected)


def test_a_long_chain_composes_to_the_formulas_of_plain_sympy_products(monkeypatch):
    from symrf.engine.field import FIGURES
    from symrf.maths import algebra, scalars

    names = [symrf.symbols(f"k{i} s{i} p{i}") for i in range(40)]
    net = symrf.Sequential(*(symrf.Conv(kernel=k, stride=s, padding=p) for k, s, p in names))

    def figures():
        rows = symrf.derive(net).layers
        return [sympy.srepr(row.figure(name)) for row in rows for name in FIGURES]

    merged = figures()
    monkeypatch.setattr(algebra, "product", lambda first, second: first * second)
    monkeypatch.setattr(scalars, "quotient", lambda top, bottom: top * sympy.Pow(bottom, -1))
    assert merged == figures()
