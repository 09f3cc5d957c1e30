from fractions import Fraction

import pytest
import sympy

import symrf
from symrf.errors import ExpressionError, ScalarTypeError
from symrf.expressions import parse
from symrf.scalars import scalar, symbol


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
