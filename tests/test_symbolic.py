import subprocess
import sys

import sympy

import symrf
from symrf.scalars import symbol


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
