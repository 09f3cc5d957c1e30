import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from symrf.cli import main
from symrf.sources import zoo

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
    "irrational.toml": ('[[layers]]\nop="conv"\nkernel="2**(1/2)"\n',
                        ("layers[0] (conv_0), key 'kernel': conv kernel must be an integer, got "
                        "sqrt(2); use a whole number.")),
    "cuberoot.toml": ('[[layers]]\nop="conv"\nkernel=3\nstride="3**(1/3)"\n',
                      ("key 'stride': conv stride must be an integer, got 3**(1/3); use a whole "
                      "number.")),
    "half.toml": ('[[layers]]\nop="conv"\nkernel="k + 1/2"\n',
                  ("key 'kernel': conv kernel must be an integer, got k + 1/2; use a whole "
                  "number.")),
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
    from symrf.sources.schema import json_schema

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


IRRATIONAL = '[[layers]]\nop="conv"\nkernel="k"\nstride=2\n[[layers]]\nop="conv"\nkernel="2*k+1"\n'


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--set", "k=2**(1/2)"], ("layers[0] (conv_0), key 'kernel': conv kernel must be an "
                                  "integer, got sqrt(2); use a whole number.")),
        (["--set", "k=7/2"], ("layers[0] (conv_0), key 'kernel': conv kernel must be an "
                             "integer, got 7/2; use a whole number.")),
        (["--input", "2**(1/2)"], ("--input '2**(1/2)': input size sqrt(2) is not a positive "
                                  "integer; give the input length in pixels (>= 1).")),
    ],
)
def test_irrational_values_are_refused_like_fractions(tmp_path, capsys, argv, expected):
    path = tmp_path / "net.toml"
    path.write_text(IRRATIONAL)
    status, out, err = run(capsys, "analyze", str(path), *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and expected in err


def test_undecided_expressions_stay_allowed(tmp_path, capsys):
    path = tmp_path / "net.toml"
    path.write_text(IRRATIONAL)
    status, out, _ = run(capsys, "analyze", str(path), "--format", "json")
    k = sympy.Symbol("k")
    assert status == 0 and sympy.sympify(json.loads(out)["rf"]) - 5 * k == 0
    status, out, _ = run(capsys, "analyze", str(path), "--set", "k=2**(1/2)*2**(1/2)",
                         "--format", "json")
    assert status == 0 and json.loads(out)["rf"] == 10


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["erf", "alexnet", "--unit", "a"],
         ("alexnet: --unit 'a': expected X or X,Y with whole numbers >= 0 (one per axis), "
         "e.g. --unit 3 or --unit 3,5.")),
        (["erf", "alexnet", "--unit", "3.5"], "--unit '3.5': expected X or X,Y"),
        (["erf", "alexnet", "--unit", "-1"], "--unit '-1': expected X or X,Y"),
        (["erf", "alexnet", "--unit", "1,2,3"],
         "alexnet: unit (--unit) has 3 entries for 2 axes; give one index, or one per axis."),
        (["erf", "alexnet", "--input", "224", "--unit", "9"],
         ("output unit 9 on axis 0 is outside the output (length 6); give a unit between 0 "
         "and 5.")),
        (["erf", "alexnet", "--mass", "\u0661"],
         "share (--mass) is the string '\u0661'; give a share of the paths in (0, 1]"),
        (["erf", "alexnet", "--mass", "1e9"], "share (--mass) is the string '1e9'"),
        (["erf", "alexnet", "--dims", "\u0663"],
         "argument --dims: '\u0663' is not a whole number such as 1"),
        (["figure", "alexnet", "--axis", "\u0661", "-o", "x.svg"],
         "argument --axis: '\u0661' is not a whole number such as 1"),
        (["figure", "alexnet", "--kind", "field", "--unit", "\u0661", "-o", "x.svg"],
         "--unit '\u0661': expected X or ROW,COLUMN with whole numbers"),
        (["figure", "alexnet", "--axis", "5", "-o", "x.svg"],
         ("alexnet: axis 5 does not exist: alexnet has scalar parameters (the same along every "
         "axis of an image); give axis 0 or 1.")),
        (["convert", "alexnet", "-o", "x.toml", "--input", "-5"],
         ("--input '-5': input size -5 is not a positive integer; give the input length in "
         "pixels (>= 1).")),
        (["convert", "alexnet", "-o", "x.toml", "--input", "7/2"],
         "--input '7/2': input size 7/2 is not a positive integer"),
        (["analyze", "alexnet", "--format", "latex", "--label", "a b"],
         "give e.g. --label tab:rf-alexnet."),
    ],
)
def test_issue_18_command_lines_are_one_line(tmp_path, monkeypatch, capsys, argv, expected):
    monkeypatch.chdir(tmp_path)  # nothing may be written, and nothing is
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("symrf: error: ") and expected in err
    assert list(tmp_path.iterdir()) == []


def test_erf_unit_reads_one_index_per_axis(capsys):
    status, out, _ = run(capsys, "erf", "alexnet", "--unit", "1,2", "--format", "json")
    data = json.loads(out)
    assert status == 0 and [axis["unit"] for axis in data["axes"]] == [1, 2]



def test_convert_refuses_a_spec_whose_input_size_analyze_refuses(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("neg.toml").write_text('[input]\nsize = -5\n[[layers]]\nop="conv"\nkernel=3\n')
    status, out, err = run(capsys, "convert", "neg.toml", "-o", "out.toml")
    assert status == 2 and out == "" and not Path("out.toml").exists()
    assert err == ("symrf: error: neg.toml: input size -5 is not a positive integer; give the "
                   "input length in pixels (>= 1).\n")
