import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from symrf import zoo
from symrf.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_analyze_alexnet_prints_the_seed_table(capsys):
    status, out, err = run(capsys, "analyze", "alexnet")
    assert status == 0 and err == ""
    rows = [line.split() for line in out.splitlines()[3:]]
    assert [int(r[2]) for r in rows] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert [int(r[3]) for r in rows] == [4, 8, 8, 16, 16, 16, 16, 32]


def test_json_follows_the_contract(capsys):
    status, out, _ = run(capsys, "analyze", "alexnet", "--format", "json", "--input", "224")
    data = json.loads(out)
    assert status == 0
    assert list(data) == [
        "name", "rf", "rf_min", "rf_min_path", "jump", "left", "right", "center", "padding",
        "period", "aligned", "offset", "exact", "size", "layers",
    ]
    assert (data["rf"], data["jump"], data["size"], data["exact"]) == (195, 32, 6, True)
    assert [row["name"] for row in data["layers"]][:2] == ["conv1", "pool1"]
    assert all(isinstance(row["rf"], int) for row in data["layers"])


def test_json_without_input_has_no_size(capsys):
    _, out, _ = run(capsys, "analyze", "vgg16", "--format", "json")
    data = json.loads(out)
    assert "size" not in data and "size" not in data["layers"][0]
    assert (data["rf"], data["jump"], data["padding"]) == (212, 32, 90)


def test_json_symbolic_values_read_back_with_sympify(capsys):
    _, out, _ = run(capsys, "analyze", str(EXAMPLES / "repeat.toml"), "--format", "json",
                    "--set", "s=1")
    data = json.loads(out)
    k, n = sympy.symbols("k n")
    assert sympy.sympify(data["rf"]) - (2 * n * (k - 1) + 7) == 0


def test_json_rationals_are_strings_and_axes_are_lists(capsys):
    _, out, _ = run(capsys, "analyze", str(EXAMPLES / "net.json"), "--format", "json")
    data = json.loads(out)
    assert data["rf"] == [12, 14]
    assert data["layers"][1]["center"] == ["1/2", "1/2"]
    assert data["size"] == [32, 32]


def test_set_values_reach_the_numeric_path(capsys):
    status, out, _ = run(capsys, "analyze", str(EXAMPLES / "repeat.toml"),
                         "--set", "k=3", "--set", "s=2", "--set", "n=4", "--input", "224")
    assert status == 0
    assert out.splitlines()[0] == "repeat: rf 67, jump 32, padding 3, size 6"


def test_latex_prints_symbolic_networks_as_equations_and_numeric_ones_as_tables(capsys):
    _, out, _ = run(capsys, "analyze", str(EXAMPLES / "repeat.toml"), "--format", "latex")
    assert "\\begin{aligned}" in out and "\\begin{table" not in out
    _, out, _ = run(capsys, "analyze", "alexnet", "--format", "latex", "--caption", "AlexNet",
                    "--label", "tab:alex", "--columns", "rf,jump")
    assert "\\begin{table}" in out and "\\toprule" in out and "\\caption{AlexNet}" in out
    assert "\\label{tab:alex}" in out and "\\texttt{pool5} & maxpool & $195$ & $32$" in out


def test_an_option_for_another_format_is_one_line(capsys):
    status, _, err = run(capsys, "analyze", "alexnet", "--format", "json", "--caption", "x")
    assert status == 2 and "--caption does not apply to --format json" in err


def test_markdown_table(capsys):
    _, out, _ = run(capsys, "analyze", "dilated-stack", "--format", "markdown")
    assert "| `dilated8` | conv | 31 | 1 | -15 | 15 | 0 | 15 |" in out


def test_zoo_lists_models(capsys):
    status, out, _ = run(capsys, "zoo")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == sorted(zoo.MODELS)
    assert all("[" in line and "]" in line for line in out.splitlines())  # each cites a source


BAD_SPECS = {
    "stride0.toml": ('[[layers]]\nop="conv"\nkernel=3\nstride=0\nname="c1"\n',
                     "layers[0] (c1), key 'stride': conv stride must be >= 1, got 0"),
    "kernel0.toml": ('[[layers]]\nop="conv"\nkernel=0\n',
                     "layers[0] (conv_0), key 'kernel': conv kernel must be >= 1"),
    "negdil.toml": ('[[layers]]\nop="conv"\nkernel=3\ndilation=-1\n',
                    "key 'dilation': conv dilation must be >= 1, got -1"),
    "float.toml": ('[[layers]]\nop="conv"\nkernel=3.0\n',
                   ("key 'kernel': expected an integer, an expression string, or a list with "
                    "one per axis, found a float 3.0 (symrf is exact")),
    "call.toml": ('[[layers]]\nop="conv"\nkernel="__import__(\'os\').getcwd()"\n',
                  "uses a function call, which is not allowed"),
    "attr.toml": ('[[layers]]\nop="conv"\nkernel="k.__class__"\n',
                  "uses an attribute access, which is not allowed"),
    "dunder.toml": ('[[layers]]\nop="conv"\nkernel="__builtins__"\n',
                    "starts with an underscore"),
    "badname.toml": ('[[layers]]\nop="conv"\nkernel="S"\n',
                     "symbol name 'S' is a sympy name"),
    "empty.toml": ('name = "x"\nlayers = []\n', "no layers; an empty network"),
    "unknown_op.toml": ('[[layers]]\nop="convv"\nkernel=3\n',
                        "unknown op 'convv' (did you mean 'conv'?)"),
    "unknown_key.toml": ('[[layers]]\nop="conv"\nkernel=3\nstrid=2\n',
                         "unknown key 'strid' for op 'conv' (did you mean 'stride'?)"),
    "huge.toml": (
        ('[[layers]]\nop="repeat"\ntimes=1000000000000\n'
         'layers=[{op="conv", kernel=3, stride=2}]\n'),
                  "layers[0] (repeat_0), key 'times': 1000000000000 repetitions"),
    "broken.toml": ("layers = [\n", "invalid TOML"),
    "broken.json": ('{"layers": [', "invalid JSON"),
    "top_key.toml": ('nme = "x"\n[[layers]]\nop="relu"\n', "unknown key 'nme'"),
}


@pytest.mark.parametrize("filename", sorted(BAD_SPECS))
def test_bad_spec_is_one_line_exit_2(tmp_path, capsys, filename):
    text, expected = BAD_SPECS[filename]
    path = tmp_path / filename
    path.write_text(text)
    status, out, err = run(capsys, "analyze", str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"symrf: error: {path}")
    assert expected in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["analyze", "missing.toml"], "missing.toml: cannot read the file"),
        (["analyze", "nosuchmodel"], "neither a spec file nor a built-in model"),
        (["analyze", "alexnet", "--set", "k"], "expected NAME=VALUE"),
        (["analyze", "alexnet", "--set", "k=0.5"], "only integers are allowed"),
        (["analyze", "alexnet", "--input", "1"], "the feature map vanishes"),
        (["analyze", "alexnet", "--format", "xml"], "invalid choice: 'xml'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required"),
    ],
)
def test_bad_command_line_is_one_line_exit_2(capsys, argv, expected):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("symrf: error: ")
    assert expected in err


def test_runtime_error_names_file_layer_and_key(tmp_path, capsys):
    path = tmp_path / "net.toml"
    path.write_text('[[layers]]\nop="conv"\nkernel=3\nstride="s"\nname="c1"\n')
    status, _, err = run(capsys, "analyze", str(path), "--set", "s=0")
    assert status == 2
    assert f"{path}: layers[0] (c1), key 'stride': conv stride must be >= 1, got 0" in err


def test_console_script_has_no_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[layers]]\nop="conv"\nkernel=0\n')
    done = subprocess.run([sys.executable, "-m", "symrf.cli", "analyze", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.startswith("symrf: error:")


def test_coverage_reports_holes_and_unproductive_layers(tmp_path, capsys):
    path = tmp_path / "net.toml"
    path.write_text('[[layers]]\nop="conv"\nkernel=3\ndilation=2\n'
                    '[[layers]]\nop="conv"\nkernel=3\ndilation=2\n'
                    '[[layers]]\nop="globalpool"\n[[layers]]\nop="linear"\n')
    status, out, _ = run(capsys, "coverage", str(path), "--input", "16", "--format", "json")
    data = json.loads(out)
    assert status == 0
    assert data["layers"][1]["holes"] == [1, 3, 5, 7]
    assert [row["covers_input"] for row in data["layers"]] == [False, False, True, True]
    assert [row["unproductive"] for row in data["layers"]] == [False, False, False, True]


def test_coverage_needs_an_input_size(capsys):
    status, _, err = run(capsys, "coverage", "alexnet")
    assert status == 2 and "give --input N" in err


def test_version_and_help_return_0(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"symrf {symrf_version()}"
    assert main(["analyze", "--help"]) == 0
    assert "package.module:attr" in capsys.readouterr().out


def symrf_version():
    import symrf

    return symrf.__version__


def test_upto_cuts_after_the_named_row(capsys):
    status, out, _ = run(capsys, "analyze", "vgg16", "--upto", "pool3", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["layers"][-1]["name"] == "pool3"
    assert (data["rf"], data["jump"], data["padding"]) == (44, 8, 18)
    status, _, err = run(capsys, "analyze", "vgg16", "--upto", "pool9")
    assert status == 2 and "--upto 'pool9' names no row of vgg16" in err


def test_schema_prints_the_published_json_schema(capsys):
    from symrf.schema import json_schema

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
