"""The shipped example specs: identical to docs/examples/, and loadable as example:NAME."""

from pathlib import Path

import pytest

import symrf
from symrf.errors import SpecError
from symrf.sources import examples

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "examples"
SHIPPED = ROOT / "symrf" / "sources" / "example_specs"


def _specs(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir()
            if path.suffix in (".toml", ".json")}


def test_shipped_copies_equal_the_docs_examples():
    docs, shipped = _specs(DOCS), _specs(SHIPPED)
    missing = sorted(set(docs) - set(shipped))
    extra = sorted(set(shipped) - set(docs))
    stale = sorted(name for name in set(docs) & set(shipped) if docs[name] != shipped[name])
    assert not (missing or extra or stale), (
        f"copy docs/examples/*.toml|json to symrf/sources/example_specs/: missing {missing}, "
        f"not in docs {extra}, different {stale}")


@pytest.mark.parametrize("name", examples.names())
def test_every_example_loads_by_name(name):
    spec = symrf.load(examples.resolve(f"example:{name}"))
    assert spec.network is not None


def test_example_target_reads_the_same_network_as_the_checkout_file():
    shipped = symrf.load(examples.resolve("example:seed"))
    checkout = symrf.load(DOCS / "seed.toml")
    assert shipped.network == checkout.network
    assert symrf.evaluate(shipped.network, input_size=5).rf == 5


@pytest.mark.parametrize("name", ["nope", "../seed", "seed.toml", ""])
def test_unknown_example_names_the_examples(name):
    with pytest.raises(SpecError, match=r"no shipped example has that name; examples: block"):
        examples.resolve(f"example:{name}")
