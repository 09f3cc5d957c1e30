"""The example spec files, shipped with the package: ``symrf analyze example:seed``.

The documentation's examples live in ``docs/examples/`` of the repository, which a
``pip install`` does not install. Identical copies ship inside the package
(``symrf/sources/example_specs/``, kept equal to ``docs/examples/`` by ``tests/test_examples.py``),
so the pages' commands work from any directory: the target ``example:NAME`` names the file
``NAME.toml`` (or ``NAME.json``) among them. :func:`resolve` turns such a target into the
path of the installed file, which the spec reader then loads like any other; error messages
name that path, and a reader can copy the file from there to edit it.

>>> names()[:3]
['block', 'chain3', 'dilated']
>>> Path(resolve("example:seed")).name
'seed.toml'
>>> resolve("alexnet")
'alexnet'
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from symrf.errors import SpecError

PREFIX = "example:"
"""Targets starting with this prefix name a shipped example."""

_SUFFIXES = (".toml", ".json")


def _folder() -> Path:
    return Path(str(files("symrf.sources") / "example_specs"))


def names() -> list[str]:
    """The shipped examples' names, sorted (each is ``example:NAME`` on the command line).

    >>> "seed" in names()
    True
    """
    return sorted(path.stem for path in _folder().iterdir() if path.suffix in _SUFFIXES)


def path(name: str) -> Path:
    """The installed file of the example ``name`` (``"seed"`` for ``example:seed``).

    Raises:
        SpecError: No example has that name.

    >>> path("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: example:nope: no shipped example has that name; examples: block, ...
    """
    for suffix in _SUFFIXES:
        found = _folder() / f"{name}{suffix}"
        if "/" not in name and "\\" not in name and found.is_file():
            return found
    raise SpecError(
        f"{PREFIX}{name}: no shipped example has that name; examples: {', '.join(names())}."
    )


def resolve(target: str) -> str:
    """``target`` itself, or the installed file it names when it reads ``example:NAME``.

    A file on disk that happens to be called ``example:...`` is left alone.

    >>> resolve("example:chain3").endswith("chain3.toml")
    True
    >>> resolve("docs/examples/seed.toml")
    'docs/examples/seed.toml'
    """
    if not target.startswith(PREFIX) or os.path.lexists(target):
        return target
    return str(path(target[len(PREFIX) :]))
