"""The ```symrf Markdown extension, through Python-Markdown directly (no mkdocs build).

A block renders what symrf's own exporters print for the network it names, options mean
what the command line's flags mean, and every failure is one line naming the block's line.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

import symrf
from symrf import sources
from symrf.engine import analyze
from symrf.render.json import to_json_text
from symrf.render.latex import to_latex
from symrf.render.markdown import to_markdown
from symrf.render.values import columns, text

import page_watch
from fuzz_harness import BUDGET, within

markdown = pytest.importorskip("markdown")  # the docs extra: Markdown, pymdown, latex2mathml
pytest.importorskip("pymdownx")
pytest.importorskip("latex2mathml")
extension = pytest.importorskip("symrf.markdown")
BlockError, SymrfExtension = extension.BlockError, extension.SymrfExtension
ROOT = Path(__file__).resolve().parents[1]


def page(source: str, **config: object) -> str:
    return markdown.markdown(source, extensions=[SymrfExtension(base_dir=str(ROOT), **config)])


def block(*lines: str) -> str:
    return "\n".join(["```symrf", *lines, "```"])


def code(rendered: str) -> str:
    match = re.search(r"<code[^>]*>(.*?)</code></pre>", rendered, re.DOTALL)
    assert match, rendered
    return html.unescape(match.group(1))


def cells(rendered: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", rendered, re.DOTALL)
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd]>(.*?)</t[hd]>", row, re.DOTALL)] for row in rows]


def test_json_block_is_the_json_exporter_output() -> None:
    rendered = page(block("format: json", "zoo: alexnet", "input: 224", "upto: conv2"))
    spec = sources.read("alexnet", upto="conv2")
    assert code(rendered) == to_json_text(analyze(spec.network, input_size=224))
    assert json.loads(code(rendered))["rf"] == 51


def test_markdown_block_is_the_markdown_exporter_output() -> None:
    report = analyze(symrf.load(ROOT / "docs/examples/repeat.toml").network,
                     values={"k": 3, "s": 2, "n": 4})
    rendered = page(block("format: markdown", "spec: docs/examples/repeat.toml",
                          "set: k=3, s=2, n=4"))
    assert rendered == '<div class="symrf">' + markdown.markdown(
        to_markdown(report), extensions=["tables"]) + "</div>"


def test_table_block_has_the_text_tables_cells() -> None:
    report = analyze(symrf.zoo.build("vgg16"), input_size=224)
    rendered = page(block("zoo: vgg16", "input: 224"))  # format: table is the default
    names = columns(report)
    expected = [["layer", "op", *names]]
    expected += [[row.name, row.op, *(text(row.figure(n)) for n in names)]
                 for row in report.layers]
    assert cells(rendered) == expected


def test_table_block_shows_formulas_as_mathml() -> None:
    rendered = page(block("format: table", "---", "[[layers]]", 'op = "conv"', 'kernel = "k"',
                          'stride = "s"'))
    assert 'alttext="k"' in rendered and "<math" in rendered
    assert "\\(" not in rendered


def test_latex_block_is_the_latex_exporter_output_and_set_substitutes() -> None:
    source = ["[[layers]]", 'op = "repeat"', 'times = "n"',
              'layers = [{op = "conv", kernel = "k", stride = "s"}]']
    rendered = page(block("format: latex", "set: s=1", "---", *source))
    net = symrf.loads("\n".join(source), "toml").network
    assert code(rendered) == to_latex(analyze(net, values={"s": 1}))


def test_formulas_block_holds_each_closed_form() -> None:
    rendered = page(block("format: formulas", "zoo: dilated-stack"))
    assert rendered.count("<mtr>") == 6  # rf, jump, left, right, center, padding
    assert 'alttext="r = 31; j = 1;' in rendered


def test_options_accept_comments_and_blank_lines() -> None:
    rendered = page(block("format: json   # the CLI's JSON", "", "zoo: tcn", "upto: level0"))
    assert json.loads(code(rendered))["layers"][-1]["name"] == "level0"


def test_other_fences_are_left_alone() -> None:
    source = "````markdown\n" + block("zoo: nothing-here") + "\n````"
    assert "zoo: nothing-here" in page(source)


def test_indented_block_inside_a_list() -> None:
    source = "- item\n\n    " + block("format: json", "zoo: alexnet").replace("\n", "\n    ")
    assert '"name": "alexnet"' in html.unescape(page(source))


def test_command_block_is_the_cli_transcript() -> None:
    rendered = page(block("command: symrf analyze vgg16 --upto pool1"))
    from symrf.cli import run

    assert code(rendered) == "$ symrf analyze vgg16 --upto pool1\n" + run(
        ["analyze", "vgg16", "--upto", "pool1"])


def test_failing_command_block_shows_the_exit_status() -> None:
    rendered = code(page(block("command: symrf analyze alexnet --input 10", "status: 2")))
    lines = rendered.splitlines()
    assert lines[0].endswith('; echo "exit status $?"')
    assert lines[1].startswith("symrf: error: alexnet: layers[1] (pool1)")
    assert lines[-1] == "exit status 2"


@pytest.mark.parametrize(("lines", "message"), [
    (["fromat: table", "zoo: alexnet"], "unknown option 'fromat'; did you mean 'format'?"),
    (["format: tabel", "zoo: alexnet"], "unknown format 'tabel'"),
    (["zoo: alexnet", "zoo: vgg16"], "option 'zoo' is given twice"),
    (["zoo: lenet"], "zoo: 'lenet' is not a built-in model"),
    (["spec: docs/examples/nothing.toml"], "spec: 'docs/examples/nothing.toml' is no file"),
    (["format: table"], "a block needs one network"),
    (["zoo: alexnet", "---", "[[layers]]"], "found zoo and an inline spec"),
    (["---", "[[layers]]", 'op = "conv"', "kernel = 0"], "conv kernel must be >= 1, got 0"),
    (["---", "[[layers]]", 'op = "conv"', 'kernl = 3'], "unknown key 'kernl'"),
    (["zoo: alexnet", "set: k"], "expected NAME=VALUE"),
    (["zoo: alexnet", "upto: conv9"], "--upto 'conv9' names no row"),
    (["this is not an option"], "is not an option"),
    (["command: symrf analyze alexnet --input 10"], "exited with status 2, expected 0"),
    (["command: ls -l"], "must start with 'symrf'"),
    (["format: figure:pie", "zoo: alexnet"], "unknown figure kind 'pie'"),
])
def test_a_bad_block_is_one_line_naming_its_line(lines: list[str], message: str) -> None:
    source = "# Title\n\n" + block(*lines)
    with pytest.raises(BlockError) as caught:
        page(source)
    said = str(caught.value)
    assert "\n" not in said
    assert said.startswith("line 3: symrf block: ")
    assert message in said


def test_an_unclosed_block_fails() -> None:
    with pytest.raises(BlockError, match="line 1: symrf block: the block has no closing fence"):
        page("```symrf\nzoo: alexnet\n")


def test_arithmatex_math_becomes_mathml_only_when_asked() -> None:
    source = r"Inline \(r_0 = 1\) and" + "\n\n" + r"\[" + "\n" + r"\frac{s^n - 1}{s - 1}" + "\n\\]"
    extensions = ["pymdownx.arithmatex"]
    configs = {"pymdownx.arithmatex": {"generic": True}}
    converted = markdown.markdown(source, extensions=[*extensions, SymrfExtension(
        arithmatex=True)], extension_configs=configs)
    plain = markdown.markdown(source, extensions=[*extensions, SymrfExtension()],
                              extension_configs=configs)
    assert "\\(" in plain and "<math" not in plain
    assert "\\(" not in converted and "\\[" not in converted
    assert converted.count("<math") == 2 and 'display="block"' in converted
    assert "<mfrac>" in converted


def test_unconvertible_math_fails_instead_of_showing_tex() -> None:
    with pytest.raises(BlockError, match=r"cannot render \\nosuchcommand"):
        markdown.markdown(r"\(\nosuchcommand x\)", extensions=[
            "pymdownx.arithmatex", SymrfExtension(arithmatex=True)],
            extension_configs={"pymdownx.arithmatex": {"generic": True}})


def test_the_extension_loads_by_its_module_name() -> None:
    rendered = markdown.markdown(block("format: json", "zoo: alexnet"),
                                 extensions=["symrf.markdown"])
    assert json.loads(code(rendered))["rf"] == 195


def test_an_error_names_the_line_as_written_before_snippets_expand(tmp_path: Path) -> None:
    (tmp_path / "five.txt").write_text("1\n2\n3\n4\n5\n")
    source = '--8<-- "five.txt"\n\n' + block("zoo: lenet")
    with pytest.raises(BlockError, match=r"^line 3: symrf block: zoo: 'lenet'"):
        markdown.markdown(source, extensions=["pymdownx.snippets", SymrfExtension()],
                          extension_configs={"pymdownx.snippets": {"base_path": [tmp_path]}})


@pytest.mark.parametrize(("command", "refusal"), [
    ("symrf convert alexnet -o /tmp/x.toml", "is refused: it runs 'convert'"),
    ("symrf figure alexnet -o x.svg", "is refused: it runs 'figure'"),
    ("symrf analyze os.path:join", "is refused: its target 'os.path:join' names a Python module"),
    ("symrf solve example:tcn --for L --target rf>=9 --set k=3 --dask local",
     "is refused: it gives --dask, which a page may not give"),
    ("symrf analyze ../../etc/hostname.toml", "is outside"),
    ('symrf analyze "unbalanced', "cannot be read"),
])
def test_a_page_cannot_make_the_build_write_files_run_code_or_read_outside(command, refusal):
    with pytest.raises(BlockError, match=re.escape(refusal)):
        page(block(f"command: {command}"))


def test_spec_paths_stay_under_the_site_and_bad_statuses_are_one_line():
    with pytest.raises(BlockError, match="outside"):
        page(block("spec: ../../etc/hostname"))
    with pytest.raises(BlockError, match="not an exit status"):
        page(block("command: symrf zoo", "status: \u00b2"))


def test_untrusted_names_do_not_become_html_and_long_blank_runs_do_not_hang():
    rendered = page(block("format: markdown", "---", 'name = "<img src=x onerror=alert(1)>"',
                          "[[layers]]", 'op = "conv"', "kernel = 3"))
    assert "<img" not in rendered and "&lt;img" in rendered
    with pytest.raises(BlockError):  # 20,000 blanks inside an option: refused at once
        page(block("format: x" + " " * 20_000 + "y"))


# ------------------------------------------------------------------ the page sandbox (issue 18)
# A page is untrusted input. Each attack below is the one issue 18 found working; the build
# is watched through audit hooks (tests/page_watch.py), so a refusal that still opened,
# imported or connected fails.

PAYLOAD = """import pathlib
pathlib.Path(__file__).resolve().parent.parent.joinpath("PWNED").write_text("imported")
net = None
"""
SECRET = '{"name": "secret-spec", "layers": [{"op": "conv", "kernel": 5}]}'


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site root holding a spec and a payload module; a secret spec beside the root.

    The root is on ``sys.path``, as the directory ``mkdocs build`` runs from is: a
    ``sitepayload:net`` target that got through would import the payload, which writes
    ``PWNED`` beside the root.
    """
    root = tmp_path / "site"
    root.mkdir()
    (root / "tiny.toml").write_text('[[layers]]\nop = "conv"\nkernel = 3\nname = "c1"\n')
    (root / "sitepayload.py").write_text(PAYLOAD)
    (tmp_path / "secret.json").write_text(SECRET)
    monkeypatch.syspath_prepend(str(root))
    return root


def site_page(root: Path, *lines: str) -> str:
    return markdown.markdown(block(*lines), extensions=[SymrfExtension(base_dir=str(root))])


def refused(root: Path, lines: list[str], message: str) -> page_watch.Seen:
    """Render a block that must be refused with ``message``, under a watchdog; what it did."""
    with within(BUDGET, lines), page_watch.watching() as seen, \
            pytest.raises(BlockError) as caught:
        site_page(root, *lines)
    said = str(caught.value)
    assert "\n" not in said and said.startswith("line 1: symrf block: "), said
    assert message in said, said
    assert seen.acts == [] and seen.written_anywhere() == []
    assert seen.opened_outside(root) == []
    return seen


def test_the_payload_is_live_without_the_sandbox(site: Path) -> None:
    """The control: the command line itself imports a module:attr target (as documented)."""
    pytest.importorskip("torch")
    from symrf.cli import main

    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["analyze", "--input", "8", "sitepayload:net"]) == 2
    assert (site.parent / "PWNED").read_text() == "imported"
    sys.modules.pop("sitepayload")


@pytest.mark.parametrize("command", [
    "symrf analyze --input 8 os:getpid",
    "symrf analyze --input 8 sitepayload:net",
    "symrf coverage --set k=3 sitepayload:net",
    "symrf erf --dims 1 sitepayload:net",
    "symrf solve --for k --target rf>=9 sitepayload:net",
    "symrf analyze --format json -- sitepayload:net",
    "symrf analyze sitepayload:net.toml",  # no such file: the reader would import it
])
def test_a_module_target_after_the_options_is_refused_and_never_imported(site, command):
    target = command.split()[-1]
    seen = refused(site, [f"command: {command}", "status: 2"],
                   f"is refused: its target {target!r} names a Python module")
    assert "sitepayload" not in sys.modules and "sitepayload" not in seen.modules
    assert not (site.parent / "PWNED").exists()
    assert site / "sitepayload.py" not in seen.opened


@pytest.mark.parametrize("abbreviation", [["--das", "tcp://127.0.0.1:9"], ["--da=tcp://127.0.0.1:9"],
                                          ["--d", "local"]])
def test_the_dask_option_cannot_be_abbreviated(abbreviation: list[str]) -> None:
    from symrf.cli import main

    argv = ["solve", "example:tcn", "--for", "L", "--target", "rf>=9", "--set", "k=3",
            *abbreviation]
    err = io.StringIO()
    with page_watch.watching() as seen, contextlib.redirect_stderr(err):
        assert main(argv) == 2
    assert err.getvalue() == ("symrf: error: unrecognized arguments: "
                              f"{' '.join(abbreviation)} (see 'symrf --help')\n")
    assert seen.acts == []


@pytest.mark.parametrize("spelling", ["--dask tcp://127.0.0.1:9", "--dask=local",
                                      "--das tcp://127.0.0.1:9", "--da=local"])
def test_a_page_never_reaches_a_scheduler(site: Path, spelling: str) -> None:
    command = f"command: symrf solve --for L --target rf>=9 --set k=3 {spelling} example:tcn"
    if spelling.startswith("--dask"):
        refused(site, [command, "status: 2"], "is refused: it gives --dask, which a page may not")
        return
    with page_watch.watching() as seen:  # a prefix is no option: the command line says so
        shown = code(site_page(site, command, "status: 2"))
    assert f"symrf: error: unrecognized arguments: {spelling.split('=')[0].split()[0]}" in shown
    assert seen.acts == []


def test_no_option_of_any_verb_is_read_from_a_prefix() -> None:
    from symrf.cli import _parser
    from symrf.errors import SymrfError

    parser = _parser()
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    checked = 0
    for verb, sub in verbs.choices.items():
        options = {name for action in sub._actions for name in action.option_strings}
        required = [word for action in sub._actions if action.required and action.option_strings
                    for word in (action.option_strings[-1], "x")]
        required += ["alexnet" for action in sub._actions
                     if not action.option_strings]
        for option in sorted(name for name in options if name.startswith("--")):
            for end in range(3, len(option)):
                prefix = option[:end]
                if prefix in options:  # --for is an option of its own, not a prefix of --format
                    continue
                with pytest.raises(SymrfError, match=f"^unrecognized arguments: {prefix}=1 "):
                    parser.parse_args([verb, *required, f"{prefix}=1"])
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("lines", [
    ["command: symrf analyze --format json ../secret.json"],
    ["command: symrf analyze --format json sub/../../secret.json"],
    ["command: symrf analyze --format json {outside}/secret.json"],
    ["command: symrf analyze --format json leak.json"],  # a symlink out of the root
    ["command: symrf coverage --input 8 leak.json", "status: 2"],
    ["spec: ../secret.json"],
    ["spec: leak.json", "format: json"],
])
def test_a_page_reads_no_file_outside_the_site(site: Path, lines: list[str]) -> None:
    (site / "leak.json").symlink_to(site.parent / "secret.json")
    lines = [line.replace("{outside}", str(site.parent)) for line in lines]
    seen = refused(site, lines, "is outside")
    assert site.parent / "secret.json" not in seen.opened


def test_a_spec_under_the_site_is_read_and_only_it(site: Path) -> None:
    with page_watch.watching() as seen:
        shown = code(site_page(site, "command: symrf analyze --format json tiny.toml"))
    assert json.loads(shown.split("\n", 1)[1])["rf"] == 3
    assert site / "tiny.toml" in seen.opened and seen.opened_outside(site) == []


@pytest.mark.parametrize("lines", [
    ["command: symrf analyze x.onnx", "status: 2"],
    ["command: symrf erf --input 8 x.onnx", "status: 2"],
    ["command: symrf analyze y.toml"],  # a symlink to the FIFO
    ["spec: x.onnx"],
    ["spec: y.toml", "format: json"],
])
def test_a_fifo_in_the_site_is_refused_at_once(site: Path, lines: list[str]) -> None:
    os.mkfifo(site / "x.onnx")
    (site / "y.toml").symlink_to(site / "x.onnx")
    refused(site, lines, "is not a regular file (a FIFO)")


@pytest.mark.parametrize(("lines", "message"), [
    (["command: symrf analyze d.toml"], "is not a regular file (a directory)"),
    (["command: symrf analyze z.onnx"], "'z.onnx' is outside"),  # a symlink to /dev/zero
    (["command: symrf analyze loop.toml"], "'loop.toml' cannot be resolved"),
    (["command: symrf analyze example:nope"], "'example:nope' is no shipped example"),
    (["command: symrf analyze 'tiny\x01.toml'"], "holds the control character"),
    (["command: symrf solve tiny.toml --for k --target rf>=9 --minimize 'k\x07'"],
     "--minimize 'k\\x07' holds the control character"),
])
def test_other_targets_a_page_may_not_name(site, lines, message):
    (site / "d.toml").mkdir()
    (site / "z.onnx").symlink_to("/dev/zero")
    (site / "loop.toml").symlink_to(site / "loop.toml")
    refused(site, lines, message)


def test_a_file_named_like_a_built_in_model_is_checked_as_a_file(site: Path) -> None:
    os.mkfifo(site / "alexnet")  # the command line reads a file of that name, not the model
    refused(site, ["command: symrf analyze alexnet"], "'alexnet' is not a regular file")
