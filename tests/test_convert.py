import json
from pathlib import Path

import pytest

from symrf.cli import main
from symrf.render.spec import document, to_json, to_toml
from symrf.sources import zoo
from symrf.sources.spec import load, loads

FOLDER = Path(__file__).resolve().parent.parent / "docs" / "examples"
EXAMPLES = sorted(path for path in FOLDER.glob("*.*") if path.suffix in (".toml", ".json"))


def _analyze(capsys, *argv):
    assert main(["analyze", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_converted_zoo_models_read_back_to_the_same_figures(tmp_path, capsys, name, suffix):
    path = tmp_path / f"{name}{suffix}"
    assert main(["convert", name, "-o", str(path)]) == 0
    capsys.readouterr()
    converted, original = _analyze(capsys, str(path)), _analyze(capsys, name)
    assert converted == original


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_specs_write_and_read_back_to_the_same_network(path):
    spec = load(path)
    doc = document(spec.network, spec.input_size)
    for text, kind in ((to_toml(doc), "toml"), (to_json(doc), "json")):
        again = loads(text, kind)
        assert again.network == spec.network
        assert again.input_size == spec.input_size


def test_convert_refuses_an_unknown_output_format(tmp_path, capsys):
    assert main(["convert", "alexnet", "-o", str(tmp_path / "net.yaml")]) == 2
    assert "name the output *.toml or *.json" in capsys.readouterr().err
