"""Hostile input, generated: documents, expressions, command lines and files (issue 8).

Hypothesis draws them from tests/strategies_spec.py; each must end in a SymrfError or a sane
answer, promptly (the law and the watchdogs are in tests/fuzz_harness.py). Example counts keep
the file near half a minute; ``HYPOTHESIS_PROFILE=long`` multiplies them by 50.
"""

from __future__ import annotations

import json
import operator
import re
import signal
import tempfile
import time
import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.engine import analyze
from symrf.engine.coverage import coverage
from symrf.errors import SymrfError

import fuzz_harness
from fuzz_harness import (
    BUDGET,
    FUZZ,
    _warm,  # noqa: F401  # autouse
    check_cli,
    check_coverage,
    check_report,
    examples,
    isolated,
    outcome,
    run_cli,
    within,
)
from strategies_spec import (
    NAMES,
    POSITIVE_EXPRESSIONS,
    SpecFile,
    almost_valid_documents,
    any_expressions,
    command_lines,
    junk,
    python_values,
    texts,
    to_json,
    to_toml,
    valid_documents,
    write,
)

# ================================================================== the strategies themselves


@settings(FUZZ, max_examples=examples(50))
@given(valid_documents())
def test_writers_round_trip_through_the_standard_parsers(document):
    assert json.loads(to_json(document)) == document
    assert tomllib.loads(to_toml(document)) == document


# ================================================================== documents through the API


@settings(FUZZ, max_examples=examples(300))
@given(texts())
def test_any_document_loads_and_analyses_or_fails_cleanly(pair):
    text, format = pair

    def run():
        spec = symrf.loads(text, format)
        report = analyze(spec.network, input_size=spec.input_size)
        check_report(report)
        return report

    outcome(run, pair)


@settings(FUZZ, max_examples=examples(300))
@given(almost_valid_documents(), st.sampled_from(["json", "toml"]))
def test_one_mistake_is_an_error_or_an_answer(document, format):
    text = write(document, format)

    def run():
        spec = symrf.loads(text, format)
        check_report(analyze(spec.network, input_size=spec.input_size))

    outcome(run, text)


@settings(FUZZ, max_examples=examples(200))
@given(valid_documents(), st.sampled_from(["json", "toml"]), st.data())
def test_valid_documents_evaluate_to_sane_numbers(document, format, data):
    text = write(document, format)
    spec = outcome(lambda: symrf.loads(text, format), text)
    assert not isinstance(spec, SymrfError), f"a valid document was refused: {spec}"
    values = {name: data.draw(st.integers(1, 4), label=name) for name in NAMES}
    size = spec.input_size
    if not isinstance(size, int | tuple):
        size = data.draw(st.integers(1, 96), label="size")
    report = outcome(lambda: symrf.evaluate(spec.network, input_size=size, **values), text)
    if isinstance(report, SymrfError):
        return
    check_report(report)
    if isinstance(size, int) and not report.per_axis:
        check_coverage(outcome(lambda: coverage(spec.network, size, values), text), size)


_RELATIONS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


@settings(FUZZ, max_examples=examples(80))
@given(valid_documents(symbolic=True), st.sampled_from(["k", "s", "n", "n_in"]),
       st.sampled_from(["rf>=9", "rf<=40", "jump<=8", "rf==7", "size>=4", "rf>=n_in"]),
       st.integers(1, 40))
def test_solve_answers_meet_their_range_or_fail_cleanly(document, unknown, goal, high):
    def run():
        spec = symrf.loads(to_json(document), "json")
        free = {sym.name for sym in symrf.engine.report.network(spec.network).free_symbols()}
        values = {name: 3 for name in free if name != unknown}
        size = None if unknown == "n_in" else spec.input_size
        answer = symrf.solve(spec.network, goal, unknown, values=values, input_size=size,
                             ranges={unknown: (1, high)})
        figure, relation, bound = re.fullmatch(r"(\w+)(>=|<=|==)(\w+)", goal).groups()
        for solution in answer.solutions:
            assert 1 <= solution.values[unknown] <= high, solution
            if isinstance(solution.figures.get("rf"), int):
                assert solution.figures["rf"] >= 1, solution
            found = solution.figures.get(figure)
            if bound.isdigit() and isinstance(found, int | Fraction):
                assert _RELATIONS[relation](found, int(bound)), (goal, solution)
        return answer

    outcome(run, (document, unknown, goal, high))


@settings(FUZZ, max_examples=examples(40))
@given(valid_documents(symbolic=True))
def test_symbolic_documents_derive_promptly(document):
    def run():
        spec = symrf.loads(to_json(document), "json")
        check_report(symrf.derive(spec.network, input_size=spec.input_size))

    outcome(run, document)


# ================================================================== Python values


_BUILDERS = {
    "conv-kernel": lambda v: symrf.Conv(kernel=v),
    "conv-stride": lambda v: symrf.Conv(kernel=3, stride=v),
    "conv-padding": lambda v: symrf.Conv(kernel=3, padding=v),
    "maxpool-dilation": lambda v: symrf.MaxPool(kernel=2, dilation=v),
    "repeat-times": lambda v: symrf.Repeat(symrf.Conv(kernel=3, stride=2), times=v),
    "upsample-factor": lambda v: symrf.Upsample(factor=v),
    "convtranspose-stride": lambda v: symrf.ConvTranspose(kernel=4, stride=v),
    "adaptivepool-output": lambda v: symrf.AdaptivePool(output=v),
    "pad-left": lambda v: symrf.Pad(left=v),
}


@settings(FUZZ, max_examples=examples(300))
@given(st.sampled_from(sorted(_BUILDERS)), python_values(), python_values(),
       st.sampled_from(["analyze", "evaluate", "derive"]))
def test_python_values_build_a_layer_or_fail_cleanly(where, value, size, engine):
    """Layers built in Python with any value, then analysed with any input size."""
    def run():
        net = symrf.Sequential(_BUILDERS[where](value), symrf.Conv(kernel=3))
        if engine == "analyze":
            report = analyze(net, input_size=size)
        elif engine == "evaluate":
            report = symrf.evaluate(net, input_size=size)
        else:
            report = symrf.derive(net, input_size=size)
        check_report(report)

    outcome(run, (where, value, size, engine))


# ================================================================== expression strings


@settings(FUZZ, max_examples=examples(400))
@given(any_expressions())
def test_expression_strings_parse_or_fail_cleanly(text):
    value = outcome(lambda: symrf.parse(text), text)
    if not isinstance(value, SymrfError):
        assert isinstance(value, int | Fraction | sympy.Expr), (text, value)


@settings(FUZZ, max_examples=examples(300))
@given(st.sampled_from(["kernel", "stride", "dilation", "padding", "times", "size", "factor"]),
       any_expressions(), st.sampled_from([None, "3", "1", "10", "2**62"]))
def test_expression_in_any_place_then_any_value(key, text, value):
    """An expression lands in a spec, then ``--set`` puts a number in for each of its symbols
    (the limits must hold after substitution too)."""
    if key == "times":
        layer = {"op": "repeat", "times": text, "layers": [{"op": "conv", "kernel": 3,
                                                            "stride": 2}]}
        document: dict[str, Any] = {"layers": [layer]}
    elif key == "size":
        document = {"input": {"size": text}, "layers": [{"op": "conv", "kernel": 3}]}
    elif key == "factor":
        document = {"layers": [{"op": "upsample", "factor": text}, {"op": "conv", "kernel": 5}]}
    else:
        document = {"layers": [{"op": "conv", "kernel": 3, key: text}]}

    def run():
        spec = symrf.loads(to_json(document), "json")
        values = {name: symrf.parse(value) for name in NAMES} if value else {}
        check_report(analyze(spec.network, input_size=spec.input_size, values=values))

    outcome(run, (document, value))


# ================================================================== the command line


def _materialise(argv: list[Any], folder: Path) -> list[str]:
    out = []
    for index, token in enumerate(argv):
        if isinstance(token, SpecFile):
            path = folder / f"spec{index}.{token.format}"
            path.write_text(token.text, encoding="utf-8", errors="surrogatepass")
            token = str(path)
        out.append(token)
    return out


@settings(FUZZ, max_examples=examples(200))
@given(command_lines())
def test_any_command_line_exits_0_or_2_with_one_error_line(argv):
    with tempfile.TemporaryDirectory() as folder:
        args = _materialise(argv, Path(folder))
        with within(BUDGET, args):
            status, out, err = run_cli(args)
        check_cli(status, out, err, args)


_BYTES = st.one_of(
    st.binary(max_size=200),
    texts().map(lambda pair: pair[0].encode("utf-8", "surrogatepass")),
    texts().map(lambda pair: b"\xef\xbb\xbf" + pair[0].encode("utf-8", "surrogatepass")),
    texts().map(lambda pair: pair[0].encode("utf-16")),
    texts().map(lambda pair: pair[0].encode("utf-8", "surrogatepass").replace(b" ", b"\x00")),
)


@settings(FUZZ, max_examples=examples(100))
@given(_BYTES, st.sampled_from([".json", ".toml", ".JSON", ".Toml", ".txt", "", ".json.bak"]))
def test_any_file_contents_exit_0_or_2(contents, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"net{suffix}"
        path.write_bytes(contents)
        argv = ["analyze", str(path)]
        with within(BUDGET, (contents[:300], suffix)):
            status, out, err = run_cli(argv)
        check_cli(status, out, err, argv)
        loaded = outcome(lambda: symrf.load(path), contents[:300])
        assert isinstance(loaded, SymrfError | symrf.sources.spec.Spec)


def _spin() -> None:
    """A hang that computes: it uses CPU time and never ends."""
    while True:
        pass


def test_watchdog_fails_a_computing_hang_on_its_cpu_budget():
    # The outer watchdog fails the test should the inner one not fire: nothing can stall it.
    with within(10, "the inner watchdog"), pytest.raises(
            AssertionError, match=r"no answer within 0\.2 s of CPU time .*: 'spin'"), \
            within(0.2, "spin"):
        _spin()


def test_watchdog_fails_a_waiting_hang_on_its_wall_limit():
    with within(10, "the inner watchdog", wall=120), pytest.raises(
            AssertionError, match=r"no answer within 0\.2 s of wall time.*waits on something"), \
            within(10, "sleep", wall=0.2):
        while True:
            time.sleep(0.01)


def test_an_outer_watchdog_resumes_after_an_inner_one():
    with pytest.raises(AssertionError, match=r"no answer within 0\.5 s of CPU time .*'outer'"), \
            within(0.5, "outer"):
        with within(10, "inner"):
            pass
        _spin()


def test_isolation_fails_a_computing_hang_on_its_cpu_budget():
    with pytest.raises(AssertionError, match=r"no answer within 0\.5 s of CPU time"):
        isolated(_spin, seconds=0.5)


def _spin_deaf() -> None:
    """A hang the watchdog's signals cannot reach, as in one long call into C."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF, signal.SIGALRM})
    _spin()


def test_isolation_kills_work_python_cannot_interrupt(monkeypatch):
    monkeypatch.setattr(fuzz_harness, "CPU_MARGIN", 0)  # killed after 1 s of CPU, not 6
    with pytest.raises(AssertionError, match="killed by RLIMIT_CPU"):
        isolated(_spin_deaf, seconds=0.5)


def test_isolation_survives_a_memory_bomb():
    result = isolated(lambda: len(bytearray(8 << 30)), memory=1 << 30)
    assert "MemoryError" in result["exception"]


def test_positive_expressions_are_positive():
    values = {symrf.maths.scalars.symbol(name): sympy.Integer(1) for name in NAMES}
    for text in POSITIVE_EXPRESSIONS:
        assert symrf.parse(text).xreplace(values) >= 1, text


@settings(FUZZ, max_examples=examples(150))
@given(junk())
def test_junk_of_any_json_type_is_refused_or_read(document):
    for format in ("json", "toml"):
        text = to_json(document) if format == "json" else to_toml(document)
        outcome(lambda: symrf.loads(text, format), text)  # noqa: B023  (called at once)
