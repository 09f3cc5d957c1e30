"""The ```symrf Markdown extension, through Python-Markdown directly (no mkdocs build).

A block renders what symrf's own exporters print for the network it names, options mean
what the command line's flags mean, and every failure is one line naming the block's line.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

import symrf
from symrf import sources
from symrf.engine import analyze
from symrf.export.json import to_json_text
from symrf.export.latex import to_latex
from symrf.export.markdown import to_markdown
from symrf.export.values import columns, text

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
    ("symrf convert alexnet -o /tmp/x.toml", "runs 'convert'"),
    ("symrf figure alexnet -o x.svg", "runs 'figure'"),
    ("symrf analyze os.path:join", "not Python modules"),
    ("symrf solve example:tcn --for L --target rf>=9 --set k=3 --dask local", "--dask"),
    ("symrf analyze ../../etc/hostname.toml", "outside"),
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
