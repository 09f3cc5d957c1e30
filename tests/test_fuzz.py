"""Hostile input: every input ends in a SymrfError or a sane answer, promptly (issue 8, item 7).

The law, for the command line (``symrf.cli.main``) and the Python API (``loads``, ``load``,
``evaluate``, ``derive``, ``solve``, ``coverage``): an input ends either with a
:class:`~symrf.errors.SymrfError` -- on the command line exit status 2 and exactly one
stderr line ``symrf: error: ...`` -- or with a sane answer (exit 0; ``rf`` a whole number of
at least 1, ``jump`` positive, no size below 1), never with another exception, and within a
few seconds.

Every call runs under a watchdog (:func:`within`): ``SIGALRM`` raises :class:`Overtime` in
the main thread, so a hang fails its example instead of stalling the suite. Work that Python
cannot interrupt (one huge integer power, reading ``/dev/zero``) runs in a forked child
capped by ``RLIMIT_AS`` (:func:`isolated`), killed when late. As a last resort for the
in-process examples, ``faulthandler`` ends the run after a minute and writes the stack and
the example to ``$TMPDIR/symrf-fuzz-hang.log``.

Hypothesis tests draw documents, expressions and command lines from tests/strategies_spec.py;
below them, one parametrised regression test per class of hostile input seen so far
(issue 8), each with the expected outcome. Example counts keep the file near half a minute;
``HYPOTHESIS_PROFILE=long`` multiplies them by 50.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import operator
import os
import re
import resource
import select
import signal
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symrf
from symrf.cli import main
from symrf.coverage import coverage
from symrf.engine import analyze
from symrf.errors import SymrfError

from strategies_spec import (
    NAMES,
    POSITIVE_EXPRESSIONS,
    Raw,
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

BUDGET = 10.0
"""Seconds one input may take: the contract's "a few seconds", with room for a loaded CI
machine and sympy's first calls (its lazy imports and cold caches)."""
HARD_LIMIT = 60
"""Seconds after which faulthandler ends the whole run (a hang Python cannot interrupt)."""
HANG_LOG = Path(tempfile.gettempdir()) / "symrf-fuzz-hang.log"

SCALE = max(1, settings.default.max_examples // 1000)
"""1 normally; 50 under the ``long`` profile (50,000 examples)."""


def examples(count: int) -> int:
    """``count`` examples, scaled up for the long profile."""
    return count * SCALE


FUZZ = settings(
    deadline=None,
    report_multiple_bugs=SCALE > 1,  # CI shrinks one failure per test; long runs list them all
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Pay sympy's one-time costs (lazy imports, first simplifications) before any timing.

    Failures here are ignored: the tests below check the law; this only warms up.
    """
    k, s, n = symrf.symbols("k s n")
    with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
        net = symrf.Sequential(symrf.Conv(kernel=k, stride=s, padding="same"),
                               symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n),
                               symrf.Upsample(factor=2), symrf.Conv(kernel=3))
        analyze(net, input_size=n)
        analyze(net, values={"k": 3, "s": 2, "n": 2}, input_size=64)
        symrf.solve(symrf.Repeat(symrf.Conv(kernel=k), times=3), "rf >= 9", "k")
        main(["analyze", "resnet18"])


# ------------------------------------------------------------------ the watchdog


class Overtime(BaseException):
    """Raised by the alarm in the main thread: a BaseException, so no ``except Exception``
    inside symrf can swallow it."""


def _alarm(signum: int, frame: Any) -> None:
    raise Overtime


@contextlib.contextmanager
def within(seconds: float, what: object) -> Iterator[None]:
    """Run the block under a watchdog; a late block fails with an AssertionError naming it."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    with HANG_LOG.open("w") as log:
        log.write(f"example still running after {HARD_LIMIT} s:\n{_short(what, 10**6)}\n\n")
        log.flush()
        faulthandler.dump_traceback_later(HARD_LIMIT, exit=True, file=log)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        started = time.monotonic()
        try:
            yield
        except Overtime:
            raise AssertionError(
                f"no answer within {seconds} s (gave up after "
                f"{time.monotonic() - started:.1f} s): {_short(what)}") from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            faulthandler.cancel_dump_traceback_later()
            signal.signal(signal.SIGALRM, previous)


def _short(what: object, limit: int = 600) -> str:
    try:
        text = repr(what)
    except ValueError:  # an integer past Python's 4,300-digit printing limit
        text = f"<{type(what).__name__} too long to print>"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def outcome(call: Callable[[], Any], what: object, seconds: float = BUDGET) -> Any:
    """``call()``'s answer, or the SymrfError it raised; anything else propagates."""
    with within(seconds, what):
        try:
            return call()
        except SymrfError as error:
            return error


# ------------------------------------------------------------------ what a sane answer is


def _sane_field(field: Any, where: str) -> None:
    rf, jump, size, period = field.rf, field.jump, field.size, field.period
    if isinstance(rf, int | Fraction):  # rf 0: no unit reads any input (DESIGN section 1)
        assert isinstance(rf, int) and (rf >= 1 or (rf == 0 and field.left is None)), (
            f"{where}: rf {rf}")
    if isinstance(jump, int | Fraction):
        assert jump > 0, f"{where}: jump {jump}"
    if isinstance(size, int | Fraction):
        assert isinstance(size, int) and size >= 1, f"{where}: size {size}"
    if isinstance(period, int | Fraction):
        assert isinstance(period, int) and period >= 1, f"{where}: period {period}"
    for name in ("rf", "jump", "size", "left", "right"):
        value = getattr(field, name)
        assert not isinstance(value, float | bool), f"{where}: {name} is {value!r}"
        if isinstance(value, sympy.Basic):
            assert not value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.Float), (
                f"{where}: {name} = {value}")


def check_report(report: Any) -> None:
    """Every figure a number should be is a sane one, for the network and every row."""
    for field in report.axes:
        _sane_field(field, "network")
    for row in report.layers:
        for field in row.axes:
            _sane_field(field, f"row {row.name}")


def check_coverage(result: Any, size: int) -> None:
    """Coverage rows: sizes and fields at least 1, holes inside the hull."""
    for row in result.rows:
        assert row.size >= 1 and row.rf >= 1, row
        assert row.in_padding >= 0 and 0 <= row.padding_fraction <= 1, row
        assert all(0 < hole < row.rf for hole in row.holes) or not row.holes, row


def _json_number(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(/\d+)?", value):
        return Fraction(value)
    return None


def _check_json_figures(data: Any, where: str) -> None:
    empty = isinstance(data, dict) and data.get("left", 0) is None  # no unit reads any input
    for key, low in (("rf", 0 if empty else 1), ("jump", 0), ("size", 1)):
        values = data.get(key) if isinstance(data, dict) else None
        for value in values if isinstance(values, list) else [values]:
            number = _json_number(value)
            if number is not None:
                assert number >= low and (key != "jump" or number > 0), f"{where}: {key} = {value}"
                assert key == "jump" or number.denominator == 1, f"{where}: {key} = {value}"


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured (no pytest fixture: hypothesis-safe)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's --help
            assert "-h" in argv or "--help" in argv, f"SystemExit({exit_.code}) from {argv}"
            status = 0 if exit_.code in (0, None) else 2
    return status, out.getvalue(), err.getvalue()


def check_cli(status: Any, out: str, err: str, argv: list[str]) -> None:
    """The command-line law: exit 0 with an answer, or exit 2 with one error line."""
    assert status in (0, 2), f"exit {status} for {_short(argv)}:\n{err[-3000:]}"
    if status == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("symrf: error: "), (
            f"stderr for {_short(argv)} is not one error line:\n{err[-3000:]}")
        assert "Traceback" not in err and out == ""
        return
    assert err == "" and out.strip(), f"exit 0 for {_short(argv)} but stderr {err[-2000:]!r}"
    if "--format" in argv and argv[argv.index("--format") + 1:][:1] == ["json"]:
        data = json.loads(out)
        if argv[0] == "analyze":
            _check_json_figures(data, "network")
            for row in data.get("layers", []):
                _check_json_figures(row, f"row {row.get('name')}")


# ------------------------------------------------------------------ running in a child


def _virtual_memory() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def isolated(call: Callable[[], Any], seconds: float = BUDGET, memory: int = 2 << 30) -> Any:
    """Run ``call`` in a forked child with ``memory`` more bytes of address space at most.

    Returns what ``call`` returned (JSON-able), or ``{"exception": traceback}``; fails the
    test when the child is still running ``seconds`` (plus a margin) later.
    """
    if not hasattr(os, "fork") or not Path("/proc/self/status").exists():
        pytest.skip("needs fork and /proc (Linux)")
    reader, writer = os.pipe()
    limit = _virtual_memory() + memory
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(reader)
            try:
                _, hard = resource.getrlimit(resource.RLIMIT_AS)
                if hard != resource.RLIM_INFINITY:
                    limit = min(limit, hard)
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
                with within(seconds, "the call in the child"):
                    result = call()
            except AssertionError as late:
                result = {"overtime": str(late)}
            except BaseException:
                result = {"exception": traceback.format_exc()[-4000:]}
            os.write(writer, json.dumps(result, default=repr).encode())
        finally:
            os._exit(0)
    os.close(writer)
    chunks = []
    deadline = time.monotonic() + seconds + 10
    try:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([reader], [], [], max(left, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"child still running after {seconds + 10:.0f} s")
            chunk = os.read(reader, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        os.waitpid(pid, 0)
    if not chunks:
        raise AssertionError("the child died without an answer (killed, or out of memory)")
    result = json.loads(b"".join(chunks))
    if isinstance(result, dict) and "overtime" in result:
        raise AssertionError(result["overtime"])
    return result


def _cli_in_child(argv: list[str]) -> dict[str, Any]:
    status, out, err = run_cli(argv)
    return {"status": status, "out": out[: 64 << 20], "err": err[-20000:]}


def cli_isolated(argv: list[str], seconds: float = BUDGET) -> tuple[Any, str, str]:
    """``main(argv)`` in a capped child: ``(status, stdout, stderr)``."""
    result = isolated(lambda: _cli_in_child(argv), seconds)
    if "exception" in result:
        return 1, "", result["exception"]
    return result["status"], result["out"], result["err"]


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
        free = {sym.name for sym in symrf.report.network(spec.network).free_symbols()}
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
        assert isinstance(loaded, SymrfError | symrf.spec.Spec)


# ================================================================== regressions: one per class


def _nest(opening: str, inner: str, closing: str, depth: int) -> str:
    return opening * depth + inner + closing * depth


def _doc(*layers: Any, **top: Any) -> str:
    return to_json({**top, "layers": list(layers)})


CONV = {"op": "conv", "kernel": 3}
RES = {"op": "parallel", "branches": [[{"op": "conv", "kernel": 3, "padding": 1}],
                                      [{"op": "identity"}]]}


@dataclass(frozen=True)
class Case:
    """One hand-written hostile input and what must come of it.

    ``files`` maps names to their contents (text, bytes, or a callable making the file at
    the path); ``{dir}`` in ``argv`` is the folder they are in. ``expect`` is ``"error"``
    (exit 2, the message naming every word of ``mentions``), ``"answer"`` (exit 0, JSON output
    holding ``figures``), or ``"either"`` (only the law). ``child`` runs it in a capped child.
    """

    id: str
    argv: tuple[str, ...]
    expect: str
    files: tuple[tuple[str, Any], ...] = ()
    mentions: tuple[str, ...] = ()
    figures: tuple[tuple[str, Any], ...] = ()
    child: bool = False
    seconds: float = BUDGET


def spec_case(id: str, text: str, expect: str, *flags: str, format: str = "json",
              **options: Any) -> Case:
    """A case analysing one spec file given as text."""
    verb = options.pop("verb", "analyze")
    return Case(id, (verb, f"{{dir}}/net.{format}", *flags), expect,
                files=((f"net.{format}", text),), **options)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _directory(path: Path) -> None:
    path.mkdir()


def _big(path: Path) -> None:
    layers = _doc(CONV)
    path.write_text(layers[:-1] + ', "name": "' + "a" * (17 << 20) + '"}')


MISSING_KEYS_AND_TYPES = [
    *[spec_case(f"{op}-without-kernel", _doc({"op": op}), "error", mentions=("kernel",))
      for op in ("conv", "maxpool", "avgpool", "convtranspose")],
    spec_case("repeat-without-times", _doc({"op": "repeat", "layers": [CONV]}), "error",
              mentions=("times",)),
    spec_case("repeat-without-layers", _doc({"op": "repeat", "times": 2}), "error",
              mentions=("layers",)),
    spec_case("parallel-without-branches", _doc({"op": "parallel"}), "error",
              mentions=("branches",)),
    spec_case("op-is-a-list", _doc({"op": ["conv"], "kernel": 3}), "error", mentions=("op",)),
    spec_case("op-is-a-table", _doc({"op": {"conv": 1}, "kernel": 3}), "error",
              mentions=("op",)),
    spec_case("op-is-null", _doc({"op": None, "kernel": 3}), "error", mentions=("op",)),
    spec_case("merge-is-a-list", _doc({**RES, "merge": ["add"]}), "error",
              mentions=("merge",)),
    spec_case("merge-is-a-table", _doc({**RES, "merge": {"add": 1}}), "error",
              mentions=("merge",)),
    spec_case("node-op-is-a-list", to_json({"nodes": [
        {"name": "a", "op": "conv", "kernel": 3},
        {"name": "b", "op": ["add"], "inputs": ["a", "input"]}]}), "error", mentions=("op",)),
    spec_case("node-inputs-is-a-string", to_json({"nodes": [
        {"name": "a", "op": "conv", "kernel": 3, "inputs": "input"}]}), "error",
        mentions=("inputs",)),
    spec_case("layers-is-a-table", to_json({"layers": CONV}), "error", mentions=("layers",)),
    spec_case("branches-of-tables", _doc({"op": "parallel", "branches": [CONV]}), "error",
              mentions=("branches",)),
    spec_case("kernel-is-a-bool", _doc({"op": "conv", "kernel": True}), "error",
              mentions=("kernel",)),
    spec_case("kernel-is-null", _doc({"op": "conv", "kernel": None}), "error",
              mentions=("kernel",)),
    spec_case("kernel-list-of-lists", _doc({"op": "conv", "kernel": [[3]]}), "error",
              mentions=("kernel",)),
    spec_case("name-is-a-number", _doc(CONV, name=3), "error", mentions=("name",)),
    spec_case("input-is-a-number", _doc(CONV, input=3), "error", mentions=("input",)),
    spec_case("mode-is-a-number", _doc({"op": "upsample", "mode": 3}), "error",
              mentions=("mode",)),
    spec_case("adaptivepool-output-is-a-number",
              _doc({"op": "adaptivepool", "output": 3}), "answer", "--input", "12",
              "--format", "json", figures=(("rf", 4), ("jump", 4), ("size", 3))),
]

DEPTH = [
    spec_case("repeat-nested-300", '{"layers": [' + _nest(
        '{"op": "repeat", "times": 1, "layers": [', '{"op": "conv", "kernel": 3}', "]}", 300)
        + "]}", "error", mentions=("nest",)),
    spec_case("repeat-nested-3000", '{"layers": [' + _nest(
        '{"op": "repeat", "times": 1, "layers": [', '{"op": "conv", "kernel": 3}', "]}", 3000)
        + "]}", "error"),
    spec_case("parallel-nested-300", '{"layers": [' + _nest(
        '{"op": "parallel", "branches": [[', '{"op": "conv", "kernel": 3}', "]]}", 300)
        + "]}", "error", mentions=("nest",)),
    spec_case("repeat-nested-60-ok", '{"layers": [' + _nest(
        '{"op": "repeat", "times": 1, "layers": [', '{"op": "conv", "kernel": 3}', "]}", 60)
        + "]}", "answer", "--format", "json", figures=(("rf", 3),)),
    spec_case("json-arrays-50000-deep", '{"layers": ' + _nest("[", "", "]", 50_000) + "}",
              "error"),
    spec_case("json-objects-50000-deep", '{"layers": [' + _nest('{"a": ', "1", "}", 50_000)
              + "]}", "error"),
    spec_case("toml-arrays-50000-deep", "layers = " + _nest("[", "", "]", 50_000) + "\n",
              "error", format="toml"),
    spec_case("toml-tables-50000-deep", "x = " + _nest("{a = ", "1", "}", 50_000) + "\n",
              "error", format="toml"),
]

HUGE_NUMBERS = [
    spec_case("json-int-literal-5001-digits", '{"layers": [{"op": "conv", "kernel": 1'
              + "0" * 5000 + "}]}", "error"),
    spec_case("toml-int-literal-5001-digits", '[[layers]]\nop = "conv"\nkernel = 1'
              + "0" * 5000 + "\n", "error", format="toml"),
    spec_case("expression-literal-1000-digits", _doc({"op": "conv", "kernel": "1" + "0" * 999
                                                        }), "answer", "--format", "json",
              figures=(("rf", 10**999),)),
    spec_case("zero-to-the-minus-one", _doc({"op": "conv", "kernel": "0**-1"}), "error",
              mentions=("kernel",)),
    spec_case("repeat-10**5000-with-stride", _doc({"op": "repeat", "times": "10**5000",
                                                   "layers": [{**CONV, "stride": 2}]}),
              "error", mentions=("times",), child=True),
    spec_case("repeat-10**1000-with-stride", _doc({"op": "repeat", "times": "10**1000",
                                                   "layers": [{**CONV, "stride": 2}]}),
              "error", mentions=("times",), child=True),
    spec_case("repeat-1001-digit-literal-with-stride", _doc(
        {"op": "repeat", "times": Raw("1" + "0" * 1000), "layers": [{**CONV, "stride": 2}]}),
        "error", mentions=("times",), child=True),
    spec_case("solve-rf-at-least-10**400", _doc(
        {"op": "repeat", "times": "n", "layers": [CONV]}), "either", "--for", "n",
        "--target", "rf>=10**400", verb="solve", child=True),
    spec_case("solve-range-to-10**22", _doc({"op": "repeat", "times": "n", "layers": [CONV]}),
              "either", "--for", "n", "--target", "rf>=100", "--range",
              "n=1..10000000000000000000000", verb="solve", child=True),
    spec_case("input-10**4000", _doc(CONV), "error", "--input", "10**4000",
              mentions=("input",)),
]

AFTER_SUBSTITUTION = [
    spec_case("k**k**k-with-k=10", _doc({"op": "conv", "kernel": "k**k**k"}), "error",
              "--set", "k=10", child=True),
    spec_case("2**k-with-k=10**7", _doc({"op": "conv", "kernel": "2**k"}), "error",
              "--set", "k=10000000", child=True),
    spec_case("s**n-stride-with-n=10**6", _doc(
        {"op": "repeat", "times": "n", "layers": [{**CONV, "stride": "s"}]}), "error",
        "--set", "s=2", "--set", "n=1000000", child=True),
    spec_case("set-n=10**100-with-stride", _doc(
        {"op": "repeat", "times": "n", "layers": [{**CONV, "stride": 2}]}), "error",
        "--set", "n=10**100", mentions=("times",), child=True),
    spec_case("repeat-10**100-symbolic-kernel", _doc(
        {"op": "repeat", "times": "10**100", "layers": [{"op": "conv", "kernel": "k"}]}),
        "answer", "--format", "json",
        figures=(("rf", "10**100*(k - 1) + 1"), ("jump", 1)), child=True),
    spec_case("repeat-10**100-symbolic-kernel-set-k", _doc(
        {"op": "repeat", "times": "10**100", "layers": [{"op": "conv", "kernel": "k"}]}),
        "answer", "--set", "k=3", "--format", "json", figures=(("rf", 2 * 10**100 + 1),),
        child=True),
    spec_case("repeat-10**100-symbolic-kernel-and-stride", _doc(
        {"op": "repeat", "times": "10**100", "layers": [
            {"op": "conv", "kernel": "k", "stride": "s"}]}), "answer", "--format", "json",
        figures=(("jump", "s**(10**100)"),), child=True),
    spec_case("divide-by-zero-after-set", _doc({"op": "conv", "kernel": 3,
                                                "stride": "6/(k - 1)"}), "error",
              "--set", "k=1", mentions=("stride",)),
]

FILES = [
    Case("fifo", ("analyze", "{dir}/net.json"), "error", files=(("net.json", _fifo),),
         child=True),
    Case("symlink-to-dev-zero", ("analyze", "{dir}/net.json"), "error",
         files=(("net.json", _zero),), child=True),
    Case("path-longer-than-the-os-allows", ("analyze", "{dir}/" + "a" * 5000 + ".json"),
         "error"),
    Case("path-component-too-long-no-suffix", ("analyze", "{dir}/" + "a" * 300), "error"),
    Case("directory", ("analyze", "{dir}/net.json"), "error",
         files=(("net.json", _directory),)),
    Case("not-utf-8", ("analyze", "{dir}/net.json"), "error",
         files=(("net.json", b'{"layers": [{"op": "conv", "kernel": 3, "name": "\xff"}]}'),)),
    Case("nul-bytes", ("analyze", "{dir}/net.toml"), "error",
         files=(("net.toml", b'[[layers]]\nop = "conv\x00"\nkernel = 3\n'),)),
    Case("over-16-mb", ("analyze", "{dir}/net.json"), "error", files=(("net.json", _big),),
         mentions=("16",), child=True),
    Case("no-such-file", ("analyze", "{dir}/none.toml"), "error"),
]

IMPOSSIBLE_SIZES = [
    spec_case(f"input-{size}-{op}", _doc({"op": op}), "error", "--input", size,
              mentions=("input",))
    for size in ("-5", "0") for op in ("globalpool", "adaptivepool", "linear")
] + [
    spec_case("input-size-minus-5-in-spec", _doc({"op": "globalpool"}, input={"size": -5}),
              "error", mentions=("size",)),
    spec_case("input-size-0-in-spec", _doc({"op": "adaptivepool", "output": 2},
                                           input={"size": 0}), "error", mentions=("size",)),
    spec_case("input-minus-5-conv", _doc(CONV), "error", "--input", "-5", mentions=("input",)),
    spec_case("coverage-input-0", _doc(CONV), "error", "--input", "0", verb="coverage"),
]

UNBOUNDED_WORK = [
    spec_case("coverage-dilation-10**9", _doc({"op": "conv", "kernel": 3,
                                               "dilation": 10**9, "padding": 10**9}),
              "either", "--input", "10", verb="coverage", child=True),
    spec_case("coverage-input-10**9", _doc(CONV), "either", "--input", str(10**9),
              verb="coverage", child=True),
    spec_case("upsample-2**14-then-50-convs", _doc({"op": "upsample", "factor": 2**14},
                                                   *[CONV] * 50), "either", child=True),
    spec_case("pixelshuffle-2**14-then-kernel-10**6", _doc(
        {"op": "pixelshuffle", "factor": 2**14}, {"op": "conv", "kernel": 10**6}), "either",
        child=True),
    spec_case("two-upsamples-2**7-then-large-kernels", _doc(
        {"op": "upsample", "factor": 128}, {"op": "conv", "kernel": 999},
        {"op": "upsample", "factor": 128}, {"op": "conv", "kernel": 9999}), "either",
        child=True),
    spec_case("upsample-then-20-residual-blocks", _doc({"op": "upsample"}, *[RES] * 20),
              "answer", "--format", "json", figures=(("rf", 21), ("jump", "1/2")), child=True),
    spec_case("upsample-then-40-residual-blocks", _doc({"op": "upsample"}, *[RES] * 40),
              "answer", "--format", "json", figures=(("rf", 41), ("jump", "1/2")), child=True),
    spec_case("upsample-then-30-residual-blocks-with-input", _doc(
        {"op": "upsample"}, *[RES] * 30), "answer", "--input", "64", "--format", "json",
        figures=(("rf", 31), ("size", 128)), child=True),
    spec_case("solve-minimize-1", _doc({"op": "conv", "kernel": "k"}), "either", "--for", "k",
              "--target", "rf>=3", "--minimize", "1", "--range", "k=1..100000",
              verb="solve", child=True),
    spec_case("solve-minimize-1-two-unknowns", _doc(
        {"op": "conv", "kernel": "k"}, {"op": "conv", "kernel": "m"}), "either", "--for", "k",
        "--for", "m", "--target", "rf>=3", "--minimize", "1", verb="solve", child=True),
    spec_case("graph-of-100000-nodes", to_json({"nodes": [
        {"name": f"n{i}", "op": "relu"} for i in range(100_000)]}), "either", child=True),
    spec_case("chain-300-symbolic-layers", _doc(*[
        {"op": "conv", "kernel": f"k{i}", "stride": f"s{i}", "padding": f"p{i}"}
        for i in range(300)]), "either", child=True, seconds=60),  # 8-11 s on a busy box
    spec_case("chain-10000-convs", _doc(*[CONV] * 10_000), "answer", "--format", "json",
              figures=(("rf", 20_001),), child=True),
]

FOUND_BY_FUZZING = [
    spec_case("globalpool-then-kernel-2-vanishes", _doc({"op": "globalpool"},
                                                        {"op": "conv", "kernel": 2}),
              "error", mentions=("vanish",)),
    spec_case("globalpool-kernel-2-globalpool-vanishes", _doc(
        {"op": "globalpool"}, {"op": "conv", "kernel": 2}, {"op": "globalpool"}), "error",
        mentions=("vanish",)),
    spec_case("graph-node-past-the-output-vanishes", to_json({"nodes": [
        {"op": "globalpool", "name": "n0"}, {"op": "relu", "name": "n1"},
        {"op": "conv", "kernel": 2, "name": "n3"}], "output": "n0"}), "error",
        mentions=("vanish",)),
    spec_case("zero-to-a-negative-symbolic-power", _doc({"op": "conv", "kernel": "0**(-k)"}),
              "error", mentions=("kernel",)),
    spec_case("every-unit-reads-nothing", _doc(  # rf 0 is the truth (DESIGN section 1)
        {"op": "convtranspose", "kernel": 1, "stride": 2, "padding": 1},
        {"op": "conv", "kernel": 1, "stride": 2}), "answer", "--input", "24", "--format",
        "json", figures=(("rf", 0),)),
    spec_case("kernel-n+2-on-input-n-vanishes", _doc({"op": "conv", "kernel": "n + 2"},
                                                     {"op": "adaptivepool"},
                                                     input={"size": "n"}),
              "error", mentions=("vanish",)),
    spec_case("one-entry-axis-list-symbolic", _doc({"op": "conv", "kernel": ["k"]},
                                                   input={"size": "n"}),
              "answer", "--format", "json", figures=(("rf", "k"),)),
    spec_case("one-entry-axis-list-pad", _doc({"op": "pad", "left": ["2"]}, CONV,
                                              input={"size": "n"}),
              "answer", "--format", "json", figures=(("rf", 3), ("left", -2))),
    spec_case("padding-same-in-a-one-entry-list", _doc({"op": "conv", "kernel": 3,
                                                       "padding": ["same"]}),
              "answer", "--format", "json", figures=(("rf", 3), ("left", -1))),
    spec_case("branches-with-2-and-3-axes", _doc(
        {"op": "parallel", "branches": [[{"op": "conv", "kernel": [3, 3]}],
                                        [{"op": "conv", "kernel": [3, 3, 3]}]]}),
        "error", mentions=("axes",)),
    spec_case("branches-with-2-axes-and-a-one-entry-list", _doc(
        {"op": "parallel", "branches": [[{"op": "conv", "kernel": [3, 3]}],
                                        [{"op": "conv", "kernel": [5]}]]}),
        "answer", "--format", "json", figures=(("rf", [5, 5]),)),
    spec_case("coverage-globalpool-input-10**88", _doc({"op": "globalpool"}), "either",
              "--input", "1" + "0" * 88, verb="coverage", child=True),
    spec_case("coverage-linear-then-transposed-conv", _doc(
        {"op": "linear"}, {"op": "convtranspose", "kernel": 5, "stride": 2, "dilation": 2,
                           "padding": 1}), "either", "--input", "24", verb="coverage"),
    spec_case("coverage-of-a-1000-layer-chain", _doc(*[{**CONV, "padding": 1}] * 1000),
              "either", "--input", "1000", verb="coverage", child=True),
    spec_case("node-op-is-a-table", to_json({"nodes": [
        {"name": "n0", "op": {"value": "relu"}}]}), "error", mentions=("op",)),
    spec_case("solve-rf-at-least-n_in-with-input-1", _doc(
        {"op": "conv", "kernel": "k"}, input={"size": 1}), "either", "--for", "k",
        "--target", "rf>=n_in", verb="solve"),
    spec_case("solve-target-m**m**m-with-m=10", _doc({"op": "conv", "kernel": "k"}), "error",
              "--for", "k", "--target", "rf>=m**m**m", "--set", "m=10", verb="solve",
              child=True),
    spec_case("solve-pow2-range-to-10**22", _doc({"op": "conv", "kernel": "k"}), "either",
              "--for", "k", "--target", "rf>=30", "--pow2", "k", "--range",
              "k=1..10000000000000000000000", verb="solve", child=True),
    spec_case("solve-range-of-10**9", _doc({"op": "conv", "kernel": 3, "stride": 2}),
              "either", "--for", "n_in", "--target", "size>=10", "--range",
              "n_in=1..1000000000", verb="solve", child=True),
    spec_case("solve-target-10**2000", _doc({"op": "conv", "kernel": "k"}), "error",
              "--for", "k", "--target", "rf>=10**2000", verb="solve", child=True),
    spec_case("coverage-padding-beyond-a-1-wide-hull", _doc(
        {"op": "conv", "kernel": 1, "padding": 2}), "answer", "--input", "5", "--format",
        "json", verb="coverage",
        figures=(("layers[0].in_padding", 1), ("layers[0].padding_fraction", 1))),
]

CLASSES = {
    "missing-keys-and-types": MISSING_KEYS_AND_TYPES,
    "depth": DEPTH,
    "huge-numbers": HUGE_NUMBERS,
    "after-substitution": AFTER_SUBSTITUTION,
    "files": FILES,
    "impossible-sizes": IMPOSSIBLE_SIZES,
    "unbounded-work": UNBOUNDED_WORK,
    "found-by-fuzzing": FOUND_BY_FUZZING,
}
XFAIL: dict[str, str] = {}
"""Case ids still failing on the current code, with the reason (see notes/fuzz-findings.md)."""


def _params() -> list[Any]:
    params = []
    for family, cases in CLASSES.items():
        for case in cases:
            marks = ([pytest.mark.xfail(strict=True, reason=XFAIL[case.id])]
                     if case.id in XFAIL else [])
            params.append(pytest.param(case, id=f"{family}:{case.id}", marks=marks))
    return params


def _make(case: Case, folder: Path) -> list[str]:
    for name, contents in case.files:
        path = folder / name
        if callable(contents):
            contents(path)
        elif isinstance(contents, bytes):
            path.write_bytes(contents)
        else:
            path.write_text(contents, encoding="utf-8")
    return [token.replace("{dir}", str(folder)) for token in case.argv]


def _at(data: Any, path: str) -> Any:
    """``data`` at ``path`` such as ``rf`` or ``layers[0].in_padding``."""
    for part in re.findall(r"[^.\[\]]+", path):
        data = data[int(part)] if part.isdigit() else data[part]
    return data


def _same(found: Any, expected: Any) -> bool:
    if _json_number(found) is not None and _json_number(expected) is not None:
        return _json_number(found) == _json_number(expected)
    if isinstance(expected, str) and isinstance(found, str) and not re.fullmatch(
            r"-?\d+(/\d+)?", expected):
        return sympy.simplify(sympy.sympify(found) - sympy.sympify(expected)) == 0
    return found == expected


@pytest.mark.parametrize("case", _params())
def test_hostile_input_regression(case, tmp_path):
    argv = _make(case, tmp_path)
    if case.child:
        status, out, err = cli_isolated(argv, case.seconds)
    else:
        with within(case.seconds, case.id):
            status, out, err = run_cli(argv)
    check_cli(status, out, err, argv)
    if case.expect == "error":
        assert status == 2, f"expected an error, got exit {status}: {out[:300]}"
        message = err.lower()
        for word in case.mentions:
            assert word.lower() in message, f"the message does not name {word!r}: {err}"
    elif case.expect == "answer":
        assert status == 0, f"expected an answer, got: {err}"
        data = json.loads(out)
        for name, expected in case.figures:
            found = _at(data, name)
            assert _same(found, expected), f"{name} is {found}, not {expected}"


# ------------------------------------------------------------------ the Python API, directly


def _api_repeat_huge_times():
    n, = symrf.symbols("n")
    net = symrf.Repeat(symrf.Conv(kernel=3, stride=2), times=n)
    return symrf.evaluate(net, n=10**100)


def _api_huge_kernel():
    return symrf.evaluate(symrf.Conv(kernel=10**5000))


def _api_coverage_dilation():
    return coverage(symrf.Conv(kernel=3, dilation=10**9, padding=10**9), 10)


def _api_solve_huge_target():
    n, = symrf.symbols("n")
    return symrf.solve(symrf.Repeat(symrf.Conv(kernel=3), times=n), "rf >= 10**400", "n")


def _api_derive_tower():
    k, = symrf.symbols("k")
    return symrf.derive(symrf.Conv(kernel=k**k**k).substitute({k: sympy.Integer(10)}))


def _api_global_pool_negative():
    return symrf.evaluate(symrf.GlobalPool(), input_size=-5)


def _api_solve_input_size_one():
    k, = symrf.symbols("k")
    return symrf.solve(symrf.Conv(kernel=k), "rf >= n_in", "k", input_size=1)


def _api_loads_deep_toml():
    return symrf.loads("x = " + "[" * 50_000 + "]" * 50_000, "toml")


def _api_python_value(build: Callable[[], Any], size: Any = None) -> Callable[[], Any]:
    return lambda: analyze(symrf.Sequential(build(), symrf.Conv(kernel=3)), input_size=size)


API_CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "evaluate-repeat-10**100-with-stride": (_api_repeat_huge_times, "error"),
    "evaluate-kernel-of-5001-digits": (_api_huge_kernel, "error"),
    "coverage-dilation-10**9": (_api_coverage_dilation, "either"),
    "solve-rf-at-least-10**400": (_api_solve_huge_target, "either"),
    "derive-k**k**k-at-k=10": (_api_derive_tower, "error"),
    "evaluate-globalpool-input-minus-5": (_api_global_pool_negative, "error"),
    "loads-toml-50000-deep": (_api_loads_deep_toml, "error"),
    "solve-rf-at-least-n_in-with-input-1": (_api_solve_input_size_one, "either"),
    "conv-kernel-oo": (_api_python_value(lambda: symrf.Conv(kernel=sympy.oo)), "error"),
    "conv-kernel-pi": (_api_python_value(lambda: symrf.Conv(kernel=sympy.pi)), "error"),
    "upsample-factor-oo": (_api_python_value(lambda: symrf.Upsample(factor=sympy.oo)),
                           "error"),
    "convtranspose-stride-oo": (_api_python_value(
        lambda: symrf.ConvTranspose(kernel=4, stride=sympy.oo)), "error"),
    "adaptivepool-output-nan": (_api_python_value(
        lambda: symrf.AdaptivePool(output=sympy.nan)), "error"),
    "adaptivepool-output-oo": (_api_python_value(
        lambda: symrf.AdaptivePool(output=sympy.oo)), "error"),
    "input-size-zoo": (_api_python_value(lambda: symrf.Identity(), sympy.zoo), "error"),
    "input-size-of-5001-digits": (_api_python_value(lambda: symrf.Identity(), 10**5000),
                                  "error"),
    "repeat-times-a-tuple": (_api_python_value(
        lambda: symrf.Repeat(symrf.Conv(kernel=3, stride=2), times=(3,))), "error"),
}
API_XFAIL: dict[str, str] = {}


def _api_in_child(call: Callable[[], Any]) -> dict[str, Any]:
    try:
        result = call()
    except SymrfError as error:
        return {"error": str(error)[:500]}
    if isinstance(result, symrf.Report):
        check_report(result)
    return {"answer": _short(result, 200)}


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=API_XFAIL[name])]
                 if name in API_XFAIL else [])
    for name in API_CASES
])
def test_hostile_input_through_the_api(name):
    call, expect = API_CASES[name]
    result = isolated(lambda: _api_in_child(call))
    assert "exception" not in result, result["exception"]
    if expect == "error":
        assert "error" in result, f"expected a SymrfError, got {result}"


def test_watchdog_fails_a_hang_instead_of_stalling():
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"no answer within 0\.2 s"), within(0.2, "sleep"):
        while True:
            time.sleep(0.01)
    assert time.monotonic() - started < 2


def test_isolation_survives_a_memory_bomb():
    result = isolated(lambda: len(bytearray(8 << 30)), memory=1 << 30)
    assert "MemoryError" in result["exception"]


def test_positive_expressions_are_positive():
    values = {symrf.scalars.symbol(name): sympy.Integer(1) for name in NAMES}
    for text in POSITIVE_EXPRESSIONS:
        assert symrf.parse(text).xreplace(values) >= 1, text


@settings(FUZZ, max_examples=examples(150))
@given(junk())
def test_junk_of_any_json_type_is_refused_or_read(document):
    for format in ("json", "toml"):
        text = to_json(document) if format == "json" else to_toml(document)
        outcome(lambda: symrf.loads(text, format), text)  # noqa: B023  (called at once)
