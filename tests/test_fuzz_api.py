"""Hostile keywords for the Python API: erf, figure, solve, sweep, paper_form, evaluate, analyze.

Each keyword is drawn from what a careless caller passes (floats, ``nan`` and ``inf``, bools,
huge ints, numpy scalars and arrays, sympy irrationals and infinities, strings, None,
objects, lists of those) or left out. The law (issue 18): a one-line
:class:`~symrf.errors.SymrfError`, or a sane answer -- integer figures, a share in (0, 1],
every listed solution meeting the target -- within the watchdog of tests/fuzz_harness.py.
``HYPOTHESIS_PROFILE=long`` multiplies the example counts by 50.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.engine import analyze
from symrf.errors import SymrfError

from fuzz_harness import (
    FUZZ,
    _warm,  # noqa: F401  # autouse
    check_report,
    examples,
    outcome,
)
from strategies_spec import python_values

K, N = symrf.symbols("k n")
LEFT_OUT = object()
"""A keyword not passed at all."""

NETWORKS = {
    "chain": symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=3)),
    "plane": symrf.Sequential(symrf.Conv(kernel=(3, 5)), symrf.MaxPool(kernel=(2, 1))),
    "residual": symrf.Sequential(symrf.Conv(kernel=3, stride=2, padding=1),
                                 symrf.Parallel([symrf.Conv(kernel=3, padding=1)], [])),
    "upsampled": symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=3)),
    "symbolic": symrf.Sequential(symrf.Conv(kernel=K, stride=2),
                                 symrf.Repeat(symrf.Conv(kernel=3), times=N)),
}


def numpy_values() -> st.SearchStrategy[Any]:
    """numpy scalars and arrays: integers (valid), floats, bools, objects, empty, huge."""
    return st.one_of(
        st.integers(-3, 8).map(np.int64), st.integers(0, 8).map(np.uint8),
        st.floats().map(np.float64), st.booleans().map(np.bool_),
        st.lists(st.integers(-3, 40), max_size=4).map(np.array),
        st.lists(st.floats(allow_nan=True), max_size=3).map(np.array),
        st.sampled_from([np.array([]), np.array([2**62]), np.array([True, False]),
                         np.array(["3"]), np.array([[1, 2], [3, 4]]), np.arange(1, 6),
                         np.array([2**70], dtype=object), np.array([sympy.sqrt(2)])]),
    )


def hostile() -> st.SearchStrategy[Any]:
    """Anything a caller might pass where a number, a name or a mapping is expected."""
    return st.one_of(
        python_values(), numpy_values(),
        st.sampled_from([math.nan, math.inf, -math.inf, sympy.sqrt(2), sympy.cbrt(3),
                         sympy.pi, 2**10000, -(2**10000), 10**20, "\u0661", "1e999999",
                         "0.95", "19/20", "k", "", object(), {"k": 3}, {}, [], (),
                         Fraction(19, 20), sympy.Rational(1, 2)]),
    )


def keyword(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A keyword's value: left out, valid, or hostile."""
    return st.one_of(st.just(LEFT_OUT), valid, hostile())


def given_keywords(drawn: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in drawn.items() if value is not LEFT_OUT}


def one_line(found: Any) -> Any:
    """Assert the law's error half: a SymrfError is one non-empty line."""
    if isinstance(found, SymrfError):
        text = str(found)
        assert text.strip() and "\n" not in text, repr(text)
    return found


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


VALUES = keyword(st.one_of(
    st.fixed_dictionaries({"k": st.integers(1, 7), "n": st.integers(0, 5)}),
    st.dictionaries(st.sampled_from(["k", "n", "x", "1k", "_k", "S"]), hostile(), max_size=2),
))


# ------------------------------------------------------------------ erf


@settings(FUZZ, max_examples=examples(150))
@given(name=st.sampled_from(sorted(NETWORKS)), drawn=st.fixed_dictionaries({
    "input_size": keyword(st.integers(1, 64)), "values": VALUES,
    "unit": keyword(st.integers(0, 6) | st.tuples(st.integers(0, 3), st.integers(0, 3))),
    "dims": keyword(st.integers(1, 3)), "share": keyword(st.sampled_from(["0.5", "0.95"])),
    "exact_counts": keyword(st.booleans()),
}))
def test_erf_keywords(name, drawn):
    keywords = given_keywords(drawn)
    found = one_line(outcome(lambda: symrf.erf(NETWORKS[name], **keywords), (name, keywords)))
    if isinstance(found, SymrfError):
        return
    assert 0 < found.share <= 1 and found.dims in (1, 2, 3)
    for profile in found.profiles or ():
        assert all(is_whole(count) and count >= 0 for count in profile.counts)
        assert is_whole(profile.unit) and profile.unit >= 0 and profile.total >= 1


# ------------------------------------------------------------------ figure


@settings(FUZZ, max_examples=examples(40))
@given(name=st.sampled_from(sorted(NETWORKS)), drawn=st.fixed_dictionaries({
    "kind": keyword(st.sampled_from(["index", "growth", "field", "coverage", "period"])),
    "input_size": keyword(st.integers(4, 40)), "values": VALUES,
    "units": keyword(st.lists(st.integers(0, 3) | st.tuples(st.integers(0, 3),
                                                            st.integers(0, 3)), max_size=2)),
    "axis": keyword(st.integers(0, 2)), "upto": keyword(st.sampled_from(["conv_0", "nope"])),
}))
def test_figure_keywords(name, drawn):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    keywords = given_keywords(drawn)
    found = one_line(outcome(lambda: symrf.figure(NETWORKS[name], **keywords),
                             (name, keywords)))
    if not isinstance(found, SymrfError):
        assert found.axes, keywords
        plt.close(found)


# ------------------------------------------------------------------ solve


TARGETS = st.sampled_from(["rf >= 9", "jump <= 4", "rf == 11", "size >= 2", "rf >= n**n**n",
                           "rf > 1/2"])


@settings(FUZZ, max_examples=examples(120))
@given(target=st.one_of(TARGETS, hostile()), for_=st.one_of(
    st.sampled_from(["k", "n", ["k", "n"], K, symrf.Unknown("n", 1, 9)]), hostile()),
    drawn=st.fixed_dictionaries({
        "values": keyword(st.fixed_dictionaries({"k": st.integers(1, 5)})),
        "ranges": keyword(st.dictionaries(st.sampled_from(["k", "n"]), st.one_of(
            st.tuples(st.integers(-2, 8), st.integers(0, 30)),
            st.tuples(hostile(), hostile())), max_size=2) | hostile()),
        "odd": keyword(st.sampled_from([["k"], "k", ()])),
        "minimize": keyword(st.sampled_from(["k*n", "n**n**n", K * N, N**N**N, "1/(n-1)"])),
        "input_size": keyword(st.integers(1, 64)),
        "progress": keyword(st.just(None)),
    }))
def test_solve_keywords(target, for_, drawn):
    keywords = given_keywords(drawn)
    net = NETWORKS["symbolic"]
    found = one_line(outcome(lambda: symrf.solve(net, target, for_, **keywords),
                             (target, for_, keywords)))
    if isinstance(found, SymrfError):
        return
    assert found.solutions
    for solution in found.solutions:
        assert solution.error is None and solution.figures, solution
        assert all(is_whole(value) for value in solution.values.values()), solution


# ------------------------------------------------------------------ sweep


@settings(FUZZ, max_examples=examples(150))
@given(k=st.one_of(st.integers(1, 9), st.lists(st.integers(1, 9), min_size=1, max_size=4),
                   hostile()),
       n=st.one_of(st.integers(0, 5), hostile()), exact=st.booleans(),
       input_size=keyword(st.integers(8, 64)))
def test_sweep_values(k, n, exact, input_size):
    keywords = given_keywords({"input_size": input_size})
    found = one_line(outcome(lambda: symrf.sweep(NETWORKS["symbolic"], exact=exact, k=k, n=n,
                                                 **keywords), (k, n, exact, keywords)))
    if isinstance(found, SymrfError):
        return
    for name in ("k", "n"):
        assert found.values[name].dtype.kind in "iu", found.values
    rf = np.asarray(found.rf)
    if found.values["k"].min(initial=1) < 1 or found.values["n"].min(initial=0) < 0:
        return  # the vectorised formulas do not mark invalid layers (kernel 0): not checked
    if exact:
        valid = np.asarray(found.figures.get("valid", np.ones(rf.shape, dtype=bool)))
        assert all(is_whole(int(v)) and v >= 1 for v in rf[valid].ravel()), found
    else:
        assert rf.dtype.kind in "iu" and (rf >= 1).all(), found


# ------------------------------------------------------------------ paper_form


@settings(FUZZ, max_examples=examples(150))
@given(expr=st.one_of(st.sampled_from([K * N - N + 1, sympy.floor((N + 1) / 2), K, 7,
                                       (K + 1, 3)]), hostile()),
       assume=keyword(st.sampled_from([["k > 1"], "odd(k)", ()]) | hostile()))
def test_paper_form_arguments(expr, assume):
    keywords = given_keywords({"assume": assume})
    found = one_line(outcome(lambda: symrf.paper_form(expr, **keywords), (expr, keywords)))
    if isinstance(found, SymrfError) or found is None or isinstance(found, bool):
        return
    for item in found if isinstance(found, tuple) else (found,):
        if item is None or isinstance(item, bool):
            continue  # flags and unknown figures pass through, as for renderers
        assert isinstance(item, sympy.Basic), item
        assert not item.has(sympy.Float, sympy.nan, sympy.zoo), item


# ------------------------------------------------------------------ evaluate and analyze


@settings(FUZZ, max_examples=examples(200))
@given(name=st.sampled_from(sorted(NETWORKS)), input_size=keyword(st.integers(1, 300)),
       values=st.dictionaries(st.sampled_from(["k", "n", "z"]), st.integers(0, 6) | hostile(),
                              max_size=3))
def test_evaluate_values(name, input_size, values):
    keywords = given_keywords({"input_size": input_size})
    found = one_line(outcome(lambda: symrf.evaluate(NETWORKS[name], **keywords, **values),
                             (name, keywords, values)))
    if not isinstance(found, SymrfError):
        check_report(found)
        assert not found.free_symbols() if hasattr(found, "free_symbols") else True


@settings(FUZZ, max_examples=examples(200))
@given(name=st.sampled_from(sorted(NETWORKS)), input_size=keyword(st.integers(1, 300)),
       values=VALUES)
def test_analyze_values(name, input_size, values):
    keywords = given_keywords({"input_size": input_size, "values": values})
    found = one_line(outcome(lambda: analyze(NETWORKS[name], **keywords), (name, keywords)))
    if not isinstance(found, SymrfError):
        check_report(found)
