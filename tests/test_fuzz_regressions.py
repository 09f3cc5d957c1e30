"""Hostile input, one regression case per class seen (issue 8), through the CLI and the API.

Each case states its expected outcome: an error naming what was wrong, or the exact answer.
The law and the watchdogs are in tests/fuzz_harness.py.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sympy

import symrf
from symrf.engine import analyze
from symrf.engine.coverage import coverage
from symrf.errors import SymrfError

from fuzz_harness import (
    BUDGET,
    _warm,  # noqa: F401  # autouse
    check_cli,
    check_report,
    cli_isolated,
    isolated,
    json_number,
    run_cli,
    short,
    within,
)
from strategies_spec import (
    Raw,
    to_json,
)

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
    holding ``figures``), or ``"either"`` (only the law). ``child`` runs it in a capped child;
    ``seconds`` is its budget of CPU time; ``slow`` cases run with ``--runslow`` only.
    """

    id: str
    argv: tuple[str, ...]
    expect: str
    files: tuple[tuple[str, Any], ...] = ()
    mentions: tuple[str, ...] = ()
    figures: tuple[tuple[str, Any], ...] = ()
    child: bool = False
    seconds: float = BUDGET
    slow: bool = False


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
        {"name": f"n{i}", "op": "relu"} for i in range(100_000)]}), "either", child=True,
        slow=True),
    spec_case("chain-300-symbolic-layers", _doc(*[
        {"op": "conv", "kernel": f"k{i}", "stride": f"s{i}", "padding": f"p{i}"}
        for i in range(300)]), "either", child=True, seconds=60, slow=True),  # 12 s of CPU
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
    spec_case("zero-repeats-of-a-heavy-symbolic-block", _doc(  # found by the long profile
        {"op": "repeat", "times": 0, "layers": [
            {"op": "repeat", "times": "2**1024", "layers": [
                {"op": "conv", "kernel": "k", "stride": "k"}]}]},
        {"op": "conv", "kernel": "k"}), "answer", "--format", "json", figures=(("rf", "k"),)),
    spec_case("huge-stride-repeated", _doc(  # its size in bits, not a float overflow
        {"op": "repeat", "times": 2, "layers": [{"op": "conv", "kernel": 3,
                                                 "stride": "2**1024"}]}),
        "answer", "--format", "json", figures=(("jump", 2**2048),)),
    spec_case("symbolic-pools-that-vanish-for-every-kernel", to_json({  # the long profile
        "input": {"size": 2}, "layers": [{"op": "maxpool", "kernel": "k + 1"},
                                         {"op": "maxpool", "kernel": "k + 1"}]}),
        "error", mentions=("vanish",)),
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
                     if case.id in XFAIL else []) + ([pytest.mark.slow] if case.slow else [])
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
    if json_number(found) is not None and json_number(expected) is not None:
        return json_number(found) == json_number(expected)
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
    return {"answer": short(result, 200)}


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
