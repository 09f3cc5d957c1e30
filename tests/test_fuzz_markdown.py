"""Fuzz of the page sandbox: random ``command:`` lines and ``spec:`` paths in symrf blocks.

A documentation page is untrusted input (issue 18). Hypothesis writes ``command:`` lines
the way an attacker would: any verb, options in any order, every long option abbreviated
or joined to its value with ``=``, ``module:attr`` targets at every position, paths with
``..``, absolute paths, symlinks out of the site, FIFOs, directories and symlink loops. The
law, for every block:

- it is refused with one line (a ``SymrfError``: the build stops and says why), or it runs
  only a verb the sandbox allows on a target the sandbox allows (checked here apart from
  the sandbox, on the very words the command line received);
- either way, nothing happened that a page may not cause: no module the page names was
  imported (``sys.modules`` before and after, and the payload modules' side-effect files),
  no file outside the site root was opened (Python's and symrf's own files aside), nothing
  was written, no connection or process was started (audit hooks, tests/page_watch.py) --
  and it ended within the watchdog's budget.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import symrf.cli
from symrf.errors import SymrfError
from symrf.sources import examples as shipped
from symrf.sources import zoo

import page_watch
from fuzz_harness import BUDGET, FUZZ, examples, within

markdown = pytest.importorskip("markdown")
extension = pytest.importorskip("symrf.markdown")
BlockError, SymrfExtension = extension.BlockError, extension.SymrfExtension

PAYLOADS = ("sitepayload", "outpayload", "wave")
"""Modules a page names that must never be imported: one in the site, one beside it, one of
the standard library that symrf never loads."""
_PAYLOAD = """import pathlib
pathlib.Path(__file__).resolve().parent.joinpath("PWNED-" + __name__).write_text("x")
net = None
"""
_ALLOWED_VERBS = ("analyze", "coverage", "solve", "erf", "zoo", "schema")


@contextlib.contextmanager
def _site() -> Iterator[tuple[Path, Path]]:
    """``(root, outside)``: a site root full of traps, inside a folder holding a secret."""
    with tempfile.TemporaryDirectory() as folder:
        outside = Path(folder).resolve()
        root = outside / "site"
        (root / "sub").mkdir(parents=True)
        (outside / "secret.json").write_text('{"name": "secret", "layers": [{"op": "conv", '
                                             '"kernel": 5}]}')
        (outside / "outpayload.py").write_text(_PAYLOAD)
        (root / "sitepayload.py").write_text(_PAYLOAD)
        (root / "tiny.toml").write_text('[[layers]]\nop = "conv"\nkernel = "k"\nname = "c1"\n')
        (root / "sub" / "inner.json").write_text('{"layers": [{"op": "conv", "kernel": 3}]}')
        (root / "leak.json").symlink_to(outside / "secret.json")
        (root / "sub" / "leak.toml").symlink_to("../../secret.json")
        (root / "zero.onnx").symlink_to("/dev/zero")
        (root / "inside.toml").symlink_to("tiny.toml")
        os.mkfifo(root / "fifo.onnx")
        (root / "fifo.toml").symlink_to("fifo.onnx")
        os.mkfifo(root / "vgg16")  # a built-in model's name: the command line would read it
        (root / "dir.toml").mkdir()
        (root / "loop.toml").symlink_to("loop.toml")
        _onnx_model(root / "net.onnx")
        with pytest.MonkeyPatch.context() as patch:  # importable, as beside `mkdocs build`
            patch.syspath_prepend(str(outside))
            patch.syspath_prepend(str(root))
            yield root, outside


def _onnx_model(path: Path) -> None:
    """A one-conv ONNX model at ``path`` (nothing without onnx: its targets fail to read)."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        return
    image = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 6, 6])
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 3, 3], [0.0] * 9)
    node = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], name="c1")
    graph = helper.make_graph([node], "net", [image], [out], [weight])
    onnx.save(helper.make_model(graph), str(path))


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[Path, Path]]:
    with _site() as places:
        yield places


def _targets(root: Path, outside: Path) -> list[str]:
    return [
        "alexnet", "dilated-stack", "tcn", "vgg16",  # vgg16 is a FIFO in the root
        "example:seed", "example:tcn", "example:nope", "example:../seed",
        "tiny.toml", "./tiny.toml", "sub/inner.json", "sub/../tiny.toml", f"{root}/tiny.toml",
        "inside.toml", "net.onnx", "missing.toml", "missing.onnx", "no-such-model", "sub/",
        "../secret.json", "sub/../../secret.json", f"{outside}/secret.json", "/etc/hostname",
        "leak.json", "sub/leak.toml", "zero.onnx", "../site/../secret.json",
        "fifo.onnx", "fifo.toml", "sub/../fifo.onnx", f"{root}/fifo.onnx", "dir.toml",
        "loop.toml",
        "sitepayload:net", "outpayload:net", "wave:open", "sitepayload:net.toml", "os:getpid",
        "sitepayload.py", "x:y:z", "", "-",
    ]


def _options() -> dict[str, list[str]]:
    """Every option of every verb but ``--help``, by verb (``"*"``: of all verbs)."""
    parser = symrf.cli._parser()
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = {verb: sorted(name for action in sub._actions for name in action.option_strings
                          if name not in ("-h", "--help"))
             for verb, sub in verbs.choices.items()}
    found["*"] = sorted({name for names in found.values() for name in names})
    return found


_CHOICES = {"--format": ["json", "table", "markdown", "latex"], "--layout": ["table", "formulas"],
            "--formulas": ["math", "code"], "--dims": ["1", "2"], "--kind": ["growth"],
            "--axis": ["0"]}
"""Options whose value must be one of a few: anything else is a parse error."""
_VALUES = {
    "--upto": ["c1", "conv1", "level0"], "--set": ["k=3", "L=2", "k=2", "n=2"],
    "--input": ["8", "32", "n"], "--assume": ["k>1"], "--columns": ["rf,jump"],
    "--caption": ["A caption"], "--label": ["tab:x"], "--for": ["k", "L", "n_in"],
    "--target": ["rf>=9", "rf>=n_in"], "--range": ["k=1..9"], "--odd": ["k"], "--even": ["k"],
    "--pow2": ["k"], "--minimize": ["k", "k**2"], "--dask": ["local", "tcp://127.0.0.1:9"],
    "--mass": ["0.5", "0.95"], "--unit": ["0", "1"], "--output": ["out.toml", "../x.svg"],
    "-o": ["out.svg", "/tmp/out.toml"], **_CHOICES,
}
"""Values each option takes; options that take any text also get paths and module names."""


@st.composite
def _word(draw: st.DrawFn, option: str, values: st.SearchStrategy[str]) -> list[str]:
    """One option and its value: spelt out or abbreviated, separate or joined with ``=``."""
    if option.startswith("--") and draw(st.integers(0, 7)) == 0:  # an abbreviation
        option = option[: draw(st.integers(3, len(option)))]
    value = draw(values)
    return [f"{option}={value}"] if draw(st.booleans()) else [option, value]


@st.composite
def _well_formed(draw: st.DrawFn, targets: st.SearchStrategy[str]) -> list[str]:
    """A command the parser mostly reads: the verb's own options, values that fit."""
    verb = draw(st.sampled_from(["analyze", "coverage", "solve", "erf", "convert", "figure"]))
    mine = _options()[verb]
    words: list[str] = []
    if verb == "solve":
        words += ["--for", draw(st.sampled_from(["k", "L"])), "--target", "rf>=9"]
        if draw(st.integers(0, 3)) == 0:  # a scheduler, however spelt
            words += draw(_word("--dask", st.sampled_from(_VALUES["--dask"])))
    if verb in ("convert", "figure"):
        words += ["-o", draw(st.sampled_from(_VALUES["-o"]))]
    for option in draw(st.lists(st.sampled_from(mine), max_size=3)):
        own = st.sampled_from(_VALUES.get(option, ["3"]))
        words += draw(_word(option, own if option in _CHOICES else own | targets))
    target = draw(targets)
    if draw(st.integers(0, 5)) == 0:
        return [verb, *words, "--", target]
    place = draw(st.integers(0, len(words)))
    return [verb, *words[:place], target, *words[place:]]


@st.composite
def _wild(draw: st.DrawFn, targets: st.SearchStrategy[str]) -> list[str]:
    """Any verb (or none), any option of any verb, any value, the target anywhere or not."""
    known = _options()["*"]
    verb = draw(st.sampled_from([*_ALLOWED_VERBS, "convert", "figure", "ana", "--help", "-h",
                                 "--version"]))
    words: list[str] = []
    for option in draw(st.lists(st.sampled_from(["--help", "--version", *known]), max_size=4)):
        if draw(st.integers(0, 5)) == 0:
            words.append(option)  # no value: it takes the next word
        else:
            words += draw(_word(option, st.sampled_from(_VALUES.get(option, ["3"])) | targets))
    if draw(st.booleans()):
        words.insert(draw(st.integers(0, len(words))), draw(targets))
    return [verb, *words]


def commands(root: Path, outside: Path) -> st.SearchStrategy[list[str]]:
    """The words after ``symrf``: a verb, options and a target, in any order."""
    targets = st.sampled_from(_targets(root, outside))
    return st.one_of(_well_formed(targets), _well_formed(targets), _well_formed(targets),
                     _wild(targets))


def _parsed(argv: list[str]) -> object:
    """The namespace the command line reads from ``argv``, or None if it runs nothing."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return symrf.cli._parser().parse_args(argv)
        except (SymrfError, SystemExit):
            return None


def _allowed_target(target: str, root: Path) -> bool:
    """A built-in model, a shipped example, or a regular file (or nothing) under the root."""
    if target.startswith("example:"):
        return target.removeprefix("example:") in shipped.names()
    if ":" in target:
        return False
    path = root / target
    if target in zoo.MODELS and not os.path.lexists(path):
        return True
    real = Path(os.path.realpath(path))
    if real != root and root not in real.parents:
        return False
    return not os.path.exists(real) or real.is_file()


def _allowed_run(argv: list[str], root: Path) -> bool:
    namespace = _parsed(argv)
    if namespace is None:  # a parse error, --help or --version: nothing ran
        return True
    if namespace.verb not in _ALLOWED_VERBS or getattr(namespace, "dask", None) is not None:
        return False
    return _allowed_target(namespace.target, root) if hasattr(namespace, "target") else True


def _check_law(root: Path, outside: Path, lines: list[str]) -> None:
    """Render one block and check the law (see the module's docstring)."""
    ran: list[list[str]] = []
    real_run = symrf.cli.run

    def spy(argv: list[str]) -> str:
        if _parsed(list(argv)) is not None:  # beyond the parse: it runs
            ran.append(list(argv))
        assert _allowed_run(list(argv), root), f"ran {argv} for {lines}"
        return real_run(argv)

    source = "\n".join(["```symrf", *lines, "```"])
    with within(BUDGET, lines), page_watch.watching() as seen, \
            mock.patch.object(symrf.cli, "run", spy):
        try:
            markdown.markdown(source, extensions=[SymrfExtension(base_dir=str(root))])
            error = None
        except BlockError as caught:
            error = str(caught)
    refusal = error is not None and (" is refused: " in error or ": spec: " in error)
    event("refused" if refusal else f"ran, exit status {'0' if error is None else 'other'}"
          if ran else "rendered without running" if error is None else "failed without running")
    if error is not None:
        assert "\n" not in error and error.startswith("line 1: symrf block: "), error
        if " is refused: " in error:
            assert ran == [], f"refused but ran {ran}: {error}"
    assert seen.acts == [], (lines, seen.acts)
    assert seen.written_anywhere() == [], (lines, seen.written_anywhere())
    assert seen.opened_outside(root) == [], (lines, seen.opened_outside(root))
    imported = [name for name in seen.modules if name.partition(".")[0] in PAYLOADS]
    assert imported == [] and seen.imported_from(root, outside) == [], (lines, imported)
    assert not [*outside.glob("PWNED-*"), *root.glob("PWNED-*")], lines


@st.composite
def command_blocks(draw: st.DrawFn, root: Path, outside: Path) -> list[str]:
    words = draw(commands(root, outside))
    line = "command: symrf " + " ".join(shlex.quote(word) for word in words)
    return [line, *draw(st.sampled_from([[], ["status: 2"]]))]


@settings(FUZZ, max_examples=examples(150))
@given(data=st.data())
def test_a_command_block_is_refused_or_runs_only_what_a_page_may(site, data) -> None:
    root, outside = site
    _check_law(root, outside, data.draw(command_blocks(root, outside)))


@settings(FUZZ, max_examples=examples(400))
@given(data=st.data())
def test_the_sandbox_passes_only_what_the_command_line_may_run_from_a_page(site, data) -> None:
    """The sandbox alone, on many more lines: what it passes, the command line may run."""
    from symrf.markdown.sandbox import check

    root, outside = site
    words = data.draw(commands(root, outside))
    command = "symrf " + " ".join(shlex.quote(word) for word in words)
    with within(BUDGET, command), page_watch.watching() as seen:
        try:
            passed = check(symrf.cli._parser(), command, root)
        except SymrfError as error:
            assert "\n" not in str(error) and " is refused: " in str(error), str(error)
            passed = None
    event("refused" if passed is None else "passed")
    if passed is not None:
        assert passed == words and _allowed_run(words, root), command
    assert seen.opened_outside(root) == [], command
    assert not [name for name in seen.modules if name.partition(".")[0] in PAYLOADS], command


@settings(FUZZ, max_examples=examples(60))
@given(data=st.data())
def test_a_spec_option_reads_only_regular_files_under_the_site(site, data) -> None:
    root, outside = site
    target = data.draw(st.sampled_from(_targets(root, outside)))
    _check_law(root, outside, [f"spec: {target}", "format: json", "set: k=3"])
