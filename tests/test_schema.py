import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrf.errors import SpecError
from symrf.limits import MAX_NESTING
from symrf.sources.schema import check, json_schema

from strategies_spec import almost_valid_documents, junk, valid_documents

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(path for path in (ROOT / "docs" / "examples").glob("*.*")
                  if path.suffix in (".toml", ".json"))
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def _read(path: Path):
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)


def test_the_published_schema_is_the_generated_one():
    published = json.loads((ROOT / "docs" / "spec.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), "regenerate docs/spec.schema.json with `symrf schema`"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(json_schema())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_spec_passes_both(path):
    document = _read(path)
    check(document, path.name)
    VALIDATOR.validate(document)


def _depth(value, level=0):
    if isinstance(value, dict):
        return max([level, *(_depth(v, level + 1) for v in value.values())])
    if isinstance(value, list):
        return max([level, *(_depth(v, level + 1) for v in value)])
    return level


def _has_whole_float(value):
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_has_whole_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_whole_float(v) for v in value)
    return False


@settings(max_examples=300, deadline=None)
@given(st.one_of(valid_documents(), almost_valid_documents(), junk()))
def test_the_reader_and_the_json_schema_agree_on_structure(document):
    """A document passes the structural check exactly when it is valid under the schema."""
    if _depth(document) > MAX_NESTING:  # the schema has no nesting limit
        return
    if _has_whole_float(document):  # JSON Schema counts 3.0 as an integer; symrf refuses it
        return
    try:
        check(document)
        accepted = True
    except SpecError:
        accepted = False
    assert accepted == VALIDATOR.is_valid(document), (
        next(iter(VALIDATOR.iter_errors(document)), None) if not accepted else "schema rejects")


def test_missing_kernel_names_the_path_key_and_a_fix():
    document = {"layers": [{"op": "parallel", "branches": [[{"op": "relu"}],
                                                             [{"op": "maxpool"}]]}]}
    with pytest.raises(SpecError) as error:
        check(document, "net.toml")
    assert str(error.value) == ("net.toml: layers[0].branches[1][0] (maxpool_0): missing key "
                                "'kernel' for op 'maxpool'; add it, e.g. kernel = 3.")


def test_wrong_types_say_what_was_expected_and_found():
    with pytest.raises(SpecError, match=r"key 'inputs': expected a list of node names, found a "
                                        r"string 'input'"):
        check({"nodes": [{"name": "c", "op": "conv", "kernel": 3, "inputs": "input"}]})
    with pytest.raises(SpecError, match=r"unknown op a list \['conv'\]"):
        check({"layers": [{"op": ["conv"]}]})
    with pytest.raises(SpecError, match=r"key 'merge': expected a string, found a table"):
        check({"layers": [{"op": "parallel", "branches": [[{"op": "relu"}]], "merge": {}}]})


def test_nesting_past_the_limit_is_refused_before_anything_is_built():
    document = {"op": "relu"}
    for _ in range(MAX_NESTING + 1):
        document = {"op": "repeat", "times": 1, "layers": [document]}
    with pytest.raises(SpecError, match=f"nested more than {MAX_NESTING} deep"):
        check({"layers": [document]})
