from fractions import Fraction

import pytest
import sympy

import symrf
from symrf.engine import analyze
from symrf.errors import ExpressionError, ScalarTypeError
from symrf.maths.expressions import parse
from symrf.maths.scalars import scalar, symbol


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("2*k + 1", 2 * symbol("k") + 1), ("s**2", symbol("s") ** 2),
     ("(k - 1) // 2", sympy.floor((symbol("k") - 1) / 2)), ("1/2", Fraction(1, 2)),
     ("2**-1", Fraction(1, 2)), ("-3 + 4", 1), ("6/3", 2)],
)
def test_parser_reads_the_grammar(text, expected):
    value = parse(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [("__import__('os')", "function call"), ("k.real", "attribute access"),
     ("a[0]", "subscript"), ("lambda: 1", "lambda"), ("1.5", "only integers"),
     ("k if k else 1", "IfExp"), ("_k", "underscore"), ("__class__", "underscore"),
     ("N", "sympy name"), ("pi", "sympy name"), ("k == 1", "comparison"),
     ("'x'", "constant"), ("2**100000", "too large"), ("k/0", "divides by zero"),
     ("k +", "not a valid expression"), ("x" * 2000, "longer than")],
)
def test_parser_refuses_everything_else(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text, "here")


def test_parser_never_evaluates(monkeypatch):
    import builtins

    monkeypatch.setattr(builtins, "eval", lambda *a: pytest.fail("eval called"))
    monkeypatch.setattr(sympy, "sympify", lambda *a, **k: pytest.fail("sympify called"))
    assert parse("k + 1") == symbol("k") + 1


@pytest.mark.parametrize(
    ("value", "message"),
    [(2.0, "float"), ("3", "string"), (True, "bool"), (None, "NoneType"),
     (sympy.Float(1.5), "not an exact expression")],
)
def test_scalar_boundary_rejects_inexact_values(value, message):
    with pytest.raises(ScalarTypeError, match=message):
        scalar(value, "kernel")


def test_scalar_boundary_normalises_numbers():
    assert type(scalar(sympy.Integer(3))) is int
    assert scalar(sympy.Rational(1, 2)) == Fraction(1, 2)
    assert type(scalar(Fraction(4, 2))) is int


def test_symbols_are_positive_integers_and_shared():
    (k,) = symrf.symbols("k")
    assert k.is_integer and k.is_positive
    assert k == parse("k") == symbol("k")


def test_errors_derive_from_builtins():
    with pytest.raises(ValueError):
        parse("k.x")
    with pytest.raises(TypeError):
        symrf.Conv(kernel=3.0)


# ------------------------------------------------------------------ issue 18: integers, always

k = symbol("k")


@pytest.mark.parametrize(
    ("value", "decided"),
    [(Fraction(7, 2), True), (sympy.Rational(7, 2), True), (sympy.sqrt(2), True),
     (sympy.cbrt(3), True), (k + Fraction(1, 2), True), (sympy.sqrt(2) * k, True),
     (3, False), (sympy.Integer(3), False), (k, False), (2 * k + 1, False), (k / 2, False),
     (sympy.floor(k / 2), False), (k**200 / 2, False)],
)
def test_fractional_holds_for_provably_non_integer_values_only(value, decided):
    from symrf.maths.scalars import fractional

    assert fractional(value) is decided


@pytest.mark.parametrize(
    ("make", "message"),
    [(lambda: symrf.Conv(kernel=sympy.sqrt(2)),
      "conv kernel must be an integer, got sqrt(2); use a whole number."),
     (lambda: symrf.Conv(kernel=3, stride=sympy.cbrt(3)),
      "conv stride must be an integer, got 3**(1/3); use a whole number."),
     (lambda: symrf.Conv(kernel=k + Fraction(1, 2)),
      "conv kernel must be an integer, got k + 1/2; use a whole number."),
     (lambda: symrf.Upsample(factor=sympy.sqrt(2)),
      "upsample factor must be an integer, got sqrt(2); use a whole number."),
     (lambda: symrf.Repeat(symrf.Conv(kernel=3), times=sympy.sqrt(2)),
      "repeat times must be an integer, got sqrt(2); use a whole number."),
     (lambda: symrf.evaluate(symrf.Conv(kernel=k), k=Fraction(7, 2)),
      "layers[0] (conv_0), key 'kernel': conv kernel must be an integer, got 7/2"),
     (lambda: analyze(symrf.Conv(kernel=k), values={"k": sympy.sqrt(2)}),
      "layers[0] (conv_0), key 'kernel': conv kernel must be an integer, got sqrt(2)"),
     (lambda: symrf.evaluate(symrf.Conv(kernel=3), input_size=sympy.sqrt(5)),
      "input size sqrt(5) is not a positive integer; give the input length in pixels"),
     ],
)
def test_irrational_parameters_are_refused_like_fractions(make, message):
    with pytest.raises(symrf.InvalidLayerError if "input size" not in message
                       else symrf.NetworkError) as caught:
        make()
    assert message in str(caught.value)


def test_parameters_that_may_be_integers_stay_symbolic():
    assert symrf.Conv(kernel=2 * k + 1).kernel == 2 * k + 1
    assert symrf.Conv(kernel=k / 2).kernel == k / 2  # decided once k is known
    assert symrf.evaluate(symrf.Conv(kernel=k / 2), k=6).rf == 3
    with pytest.raises(symrf.InvalidLayerError, match="must be an integer, got 7/2"):
        symrf.evaluate(symrf.Conv(kernel=k / 2), k=7)


def test_numpy_integers_are_integers():
    np = pytest.importorskip("numpy")

    assert scalar(np.int64(3)) == 3 and type(scalar(np.int64(3))) is int
    assert type(symrf.Conv(kernel=np.int32(3)).kernel) is int
    assert symrf.evaluate(symrf.Conv(kernel=k), k=np.int64(5)).rf == 5
    with pytest.raises(ScalarTypeError, match="bool"):
        scalar(np.bool_(True))
    with pytest.raises(ScalarTypeError, match="float"):
        scalar(np.float64(3.0))
