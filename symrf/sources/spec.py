"""Network specs: JSON and TOML files (same schema) read into networks.

A spec is untrusted data. Values are ints, lists of ints (one per axis), or expression
strings read by the safe parser :func:`symrf.maths.expressions.parse` -- never ``eval`` or
``sympify``. Every error names the file, the layer (its index path and name) and the key.
Ops map to layer classes in one table, :data:`OPS`; structure (``repeat``) is read by
:func:`_read_layer` so that new structural ops slot in beside it.

>>> spec = loads('''
... name = "tiny"
... [[layers]]
... op = "conv"
... kernel = "k"
... stride = 2
... ''', "toml")
>>> spec.name, spec.network.layers[0]
('tiny', Conv(kernel=k, stride=2, dilation=1, padding=0))
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy

from symrf.errors import SpecError, SymrfError
from symrf.layers.base import Layer, Param
from symrf.layers.compose import Sequential
from symrf.layers.graph import INPUT, Graph, Node
from symrf.layers.parallel import Parallel
from symrf.layers.repeat import Repeat
from symrf.layers.window import Padding
from symrf.limits import MAX_FILE_BYTES
from symrf.maths.expressions import parse
from symrf.sources import files
from symrf.sources.files import shown as _shown
from symrf.sources.schema import KINDS, MERGES, OPS, Kind, check

_MODES = {mode.value: mode for mode in Padding}


@dataclass(frozen=True)
class Spec:
    """A network read from a spec: its name, the network, and the input size if given."""

    name: str
    network: Sequential | Graph
    input_size: Param | None = None


def load(path: str | Path) -> Spec:
    """Read a spec file (``.toml`` or ``.json``).

    Only regular files are read, and only up to :data:`~symrf.limits.MAX_FILE_BYTES`
    (checked before reading, so a FIFO, a device or a huge file never blocks or fills memory).

    Raises:
        SpecError: The file is missing, unreadable, too large, not UTF-8 text, malformed, or
            describes an invalid network.

    >>> load("no/such/file.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: no/such/file.toml: cannot read the file (No such file ...
    """
    source = str(path)
    suffix = Path(source).suffix.lower()
    if _is_directory(source):
        raise SpecError(f"{_shown(source)}: not a regular file (a directory); give the path "
                        "of a spec file.")
    if suffix not in (".toml", ".json"):
        raise SpecError(
            f"{_shown(source)}: unknown spec format {_shown(suffix) or '(no extension)'!r}; "
            "name the file *.toml or *.json, or give a built-in model name (symrf zoo)."
        )
    return loads(read_text(source), suffix[1:], source)


def read_text(source: str, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file ``source``, refusing anything else with one line.

    >>> read_text("/dev/zero")
    Traceback (most recent call last):
    symrf.errors.SpecError: /dev/zero: not a regular file (a device); give the path of a spec file.
    """
    data = read_bytes(source, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"{_shown(source)}: not UTF-8 text (invalid byte at offset "
                        f"{error.start}); save the file as UTF-8.") from None
    if "\0" in text:
        raise SpecError(f"{_shown(source)}: contains a NUL byte at offset {text.index(chr(0))}; "
                        "a spec is a text file.")
    return text


def read_bytes(source: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``source``, at most ``limit`` of them (else an error)."""
    return files.read_bytes(source, limit, kind="a spec file")


def _is_directory(source: str) -> bool:
    try:
        return os.path.isdir(source)
    except (OSError, ValueError):  # a name the OS refuses: reported when it is read
        return False


def loads(text: str, format: str, source: str = "<spec>") -> Spec:
    """Read a spec from a string in ``"toml"`` or ``"json"`` format.

    The document's structure is checked first (:func:`symrf.sources.schema.check`), then its values
    are read into layers.

    >>> loads('{"layers": [{"op": "conv", "kernel": 3, "strid": 2}]}', "json")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: <spec>: layers[0] (conv_0): unknown key 'strid' ... 'stride'?...
    """
    if format not in ("toml", "json"):
        raise SpecError(f"{source}: unknown spec format {format!r}; use 'toml' or 'json'.")
    try:
        data = tomllib.loads(text) if format == "toml" else json.loads(text)
    except RecursionError:
        raise SpecError(f"{source}: invalid {format.upper()}: nested deeper than the parser "
                        "allows; a spec nests a few levels.") from None
    except (ValueError, MemoryError) as error:  # decode errors, over-long integer literals
        message = " ".join(str(error).split())[:200]
        if "integer string conversion" in message:
            message = "an integer literal has more than 4300 digits (symrf takes numbers up to "
            message += "2**8192); use a symbol for it"
        raise SpecError(f"{source}: invalid {format.upper()}: {message}.") from None
    check(data, source)
    return _read_spec(data, source)


def _read_spec(data: dict[str, Any], source: str) -> Spec:
    name = data.get("name", Path(source).stem)
    size = data.get("input", {}).get("size")
    size = None if size is None else _value(size, source, "input", "size")
    if "nodes" in data:
        return Spec(name, _read_graph(data, source, name), size)
    network = Sequential(*_read_layers(data["layers"], source, "layers"), name=name)
    return Spec(name, network, size)


def _read_graph(data: dict[str, Any], source: str, name: str) -> Graph:
    nodes = []
    previous = INPUT
    for index, entry in enumerate(data["nodes"]):
        path = f"nodes[{index}]"
        inputs = tuple(entry.get("inputs", [previous]))
        if entry["op"] in MERGES:
            nodes.append(Node(entry["name"], inputs, merge=MERGES[entry["op"]]))
        else:
            layer_entry = {k: v for k, v in entry.items() if k != "inputs"}
            nodes.append(Node(entry["name"], inputs, _read_layer(layer_entry, source, path, index)))
        previous = entry["name"]
    try:
        return Graph(nodes, data.get("output"), name=name, context=data.get("context", ()))
    except SymrfError as error:
        raise SpecError(f"{source}: {error}") from None


def _read_layers(entries: list[Any], source: str, path: str) -> list[Layer]:
    return [_read_layer(entry, source, f"{path}[{i}]", i) for i, entry in enumerate(entries)]


def _read_layer(entry: dict[str, Any], source: str, path: str, index: int) -> Layer:
    op, name = entry["op"], entry.get("name")
    where = f"{path} ({name or f'{op}_{index}'})"
    try:
        if op in _STRUCTURE:
            return _STRUCTURE[op](entry, source, path, where)
        params = {
            key: _value(value, source, where, key) if KINDS.get(key, Kind.PARAM) is Kind.PARAM
            else value
            for key, value in entry.items()
            if key not in ("op", "name")
        }
        return OPS[op](name=name, **params)
    except SpecError:
        raise
    except SymrfError as error:
        key = f", key {error.key!r}" if error.key else ""
        raise SpecError(f"{source}: {where}{key}: {error}") from None


def _read_repeat(entry: dict[str, Any], source: str, path: str, where: str) -> Layer:
    times = _value(entry["times"], source, where, "times")
    block = _read_layers(entry["layers"], source, f"{path}.layers")
    body = block[0] if len(block) == 1 else Sequential(*block)
    index = entry.get("index")
    if index is not None and not isinstance(_value(index, source, where, "index"),
                                            sympy.Symbol):
        raise SpecError(
            f"{source}: {where}, key 'index': {index!r}; give a symbol name such as \"i\", "
            "which counts the repetitions 0, 1, 2, ..."
        )
    return Repeat(body, times=times, index=index, name=entry.get("name"))


def _read_sequential(entry: dict[str, Any], source: str, path: str, where: str) -> Layer:
    return Sequential(*_read_layers(entry["layers"], source, f"{path}.layers"),
                      name=entry.get("name"))


def _read_parallel(entry: dict[str, Any], source: str, path: str, where: str) -> Layer:
    branches = [
        _read_layers(branch, source, f"{path}.branches[{i}]")
        for i, branch in enumerate(entry["branches"])
    ]
    merge = MERGES[entry.get("merge", "add")]
    return Parallel(*branches, merge=merge, name=entry.get("name"))


_STRUCTURE: dict[str, Callable[[dict[str, Any], str, str, str], Layer]] = {
    "sequential": _read_sequential,
    "repeat": _read_repeat,
    "parallel": _read_parallel,
}
"""Structural ops, read by their own functions (they hold layers rather than numbers)."""


def _value(value: Any, source: str, where: str, key: str) -> Param:
    """One parameter: int, expression string, padding mode, or a per-axis list of those."""
    if isinstance(value, list):
        return tuple(_value(item, source, where, f"{key}[{i}]") for i, item in enumerate(value))
    if isinstance(value, int):
        return value
    if key.split("[")[0] == "padding" and value.lower() in _MODES:
        return _MODES[value.lower()]
    try:
        return parse(value, f"{source}: {where}, key {key!r}")
    except SymrfError as error:
        raise SpecError(str(error)) from None
