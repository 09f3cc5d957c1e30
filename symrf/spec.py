"""Network specs: JSON and TOML files (same schema) read into networks.

A spec is untrusted data. Values are ints, lists of ints (one per axis), or expression
strings read by the safe parser :func:`symrf.scalars.parse` -- never ``eval`` or
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

import dataclasses
import difflib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy

from symrf.errors import SpecError, SymrfError
from symrf.layers.base import Layer, Param
from symrf.layers.compose import Repeat, Sequential
from symrf.layers.graph import INPUT, Graph, Merge, Node, Parallel
from symrf.layers.pointwise import POINTWISE, Crop, Pad
from symrf.layers.resample import ConvTranspose, PixelShuffle, PixelUnshuffle, Upsample
from symrf.layers.whole import AdaptivePool, GlobalPool, Linear
from symrf.layers.window import AvgPool, Conv, MaxPool, Padding
from symrf.scalars import parse

_PLAIN: tuple[type[Layer], ...] = (
    Conv, MaxPool, AvgPool, Pad, Crop, *POINTWISE, ConvTranspose, Upsample, PixelShuffle,
    PixelUnshuffle, GlobalPool, Linear, AdaptivePool,
)
OPS: dict[str, type[Layer]] = {cls.op: cls for cls in _PLAIN}
"""Op names of spec files and the layer class each one builds."""

_TOP_KEYS = ("name", "input", "layers", "nodes", "output")
_MODES = {mode.value: mode for mode in Padding}
_MERGES = {mode.value: mode for mode in Merge}


@dataclass(frozen=True)
class Spec:
    """A network read from a spec: its name, the network, and the input size if given."""

    name: str
    network: Sequential | Graph
    input_size: Param | None = None


def load(path: str | Path) -> Spec:
    """Read a spec file (``.toml`` or ``.json``).

    Raises:
        SpecError: The file is missing, unreadable, malformed, or describes an invalid network.

    >>> load("no/such/file.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: no/such/file.toml: cannot read the file (No such file ...
    """
    source = str(path)
    suffix = Path(source).suffix.lower()
    if suffix not in (".toml", ".json"):
        raise SpecError(
            f"{source}: unknown spec format {suffix or '(no extension)'!r}; name the file "
            "*.toml or *.json, or give a built-in model name (symrf zoo)."
        )
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SpecError(f"{source}: cannot read the file ({reason}); check the path.") from None
    return loads(text, suffix[1:], source)


def loads(text: str, format: str, source: str = "<spec>") -> Spec:
    """Read a spec from a string in ``"toml"`` or ``"json"`` format.

    >>> loads('{"layers": [{"op": "conv", "kernel": 3, "strid": 2}]}', "json")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: <spec>: layers[0] (conv_0): unknown key 'strid' ... 'stride'?...
    """
    try:
        data = tomllib.loads(text) if format == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise SpecError(f"{source}: invalid {format.upper()}: {error}.") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the spec must be a table/object with a 'layers' list.")
    return _read_spec(data, source)


def _read_spec(data: dict[str, Any], source: str) -> Spec:
    _check_keys(data, _TOP_KEYS, source, "the spec")
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str):
        raise SpecError(f"{source}: 'name' must be a string, got {name!r}.")
    size = _read_input(data.get("input"), source)
    if "nodes" in data:
        if "layers" in data:
            raise SpecError(f"{source}: give either 'layers' (a chain) or 'nodes' (a graph).")
        return Spec(name, _read_graph(data, source, name), size)
    if "output" in data:
        raise SpecError(f"{source}: 'output' belongs to the graph form; add 'nodes'.")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError(
            f"{source}: no layers; an empty network has no receptive field. Add a "
            "'layers' list with at least one layer."
        )
    network = Sequential(*_read_layers(layers, source, "layers"), name=name)
    return Spec(name, network, size)


def _read_graph(data: dict[str, Any], source: str, name: str) -> Graph:
    entries = data["nodes"]
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{source}: 'nodes' must be a non-empty list of nodes.")
    nodes = []
    previous = INPUT
    for index, entry in enumerate(entries):
        path = f"nodes[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SpecError(f"{source}: {path} must be a table with a string 'name'.")
        where = f"{path} ({entry['name']})"
        inputs = entry.get("inputs", [previous])
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            raise SpecError(f"{source}: {where}, key 'inputs': give a list of node names.")
        layer_entry = {k: v for k, v in entry.items() if k != "inputs"}
        if entry.get("op") in _MERGES:
            _check_keys(layer_entry, ("op", "name"), source, where, entry.get("op"))
            nodes.append(Node(entry["name"], tuple(inputs), merge=_MERGES[entry["op"]]))
        else:
            layer = _read_layer(layer_entry, source, path, index)
            nodes.append(Node(entry["name"], tuple(inputs), layer))
        previous = entry["name"]
    output = data.get("output")
    if output is not None and not isinstance(output, str):
        raise SpecError(f"{source}: 'output' must be a node name.")
    try:
        return Graph(nodes, output, name=name)
    except SymrfError as error:
        raise SpecError(f"{source}: {error}") from None


def _read_input(data: Any, source: str) -> Param | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: 'input' must be a table such as {{size = 224}}.")
    _check_keys(data, ("size",), source, "input")
    if "size" not in data:
        return None
    return _value(data["size"], source, "input", "size")


def _read_layers(entries: Any, source: str, path: str) -> list[Layer]:
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{source}: {path} must be a non-empty list of layers.")
    return [_read_layer(entry, source, f"{path}[{i}]", i) for i, entry in enumerate(entries)]


def _read_layer(entry: Any, source: str, path: str, index: int) -> Layer:
    if not isinstance(entry, dict):
        raise SpecError(f"{source}: {path} must be a table with an 'op' key, got {entry!r}.")
    op = entry.get("op")
    name = entry.get("name")
    where = f"{path} ({name or f'{op}_{index}'})"
    if op is None:
        raise SpecError(f"{source}: {path}: missing key 'op'; say which layer this is, e.g. "
                        "op = \"conv\".")
    if name is not None and not isinstance(name, str):
        raise SpecError(f"{source}: {where}: 'name' must be a string.")
    reader = _STRUCTURE.get(op) if isinstance(op, str) else None
    if reader is None and op not in OPS:
        known = ", ".join(sorted([*OPS, *_STRUCTURE]))
        hint = _suggest(op, [*OPS, *_STRUCTURE]) if isinstance(op, str) else ""
        raise SpecError(f"{source}: {where}: unknown op {op!r}{hint}. Ops: {known}.")
    try:
        if reader is not None:
            return reader(entry, source, path, where)
        return _read_plain(OPS[str(op)], entry, source, where)
    except SpecError:
        raise
    except SymrfError as error:
        key = f", key {error.key!r}" if error.key else ""
        raise SpecError(f"{source}: {where}{key}: {error}") from None


def _read_plain(cls: type[Layer], entry: dict[str, Any], source: str, where: str) -> Layer:
    keys = [f.name for f in dataclasses.fields(cls) if f.name != "name"]
    _check_keys(entry, ("op", "name", *keys), source, where, entry.get("op"))
    params = {
        key: _value(value, source, where, key)
        for key, value in entry.items()
        if key not in ("op", "name")
    }
    return cls(name=entry.get("name"), **params)


def _read_repeat(entry: dict[str, Any], source: str, path: str, where: str) -> Layer:
    _check_keys(entry, ("op", "name", "times", "index", "layers"), source, where, "repeat")
    if "times" not in entry:
        raise SpecError(f"{source}: {where}: repeat needs 'times' (an int or expression).")
    times = _value(entry["times"], source, where, "times")
    block = _read_layers(entry.get("layers"), source, f"{path}.layers")
    body = block[0] if len(block) == 1 else Sequential(*block)
    index = entry.get("index")
    if index is not None and not (isinstance(index, str) and isinstance(
            _value(index, source, where, "index"), sympy.Symbol)):
        raise SpecError(
            f"{source}: {where}, key 'index': {index!r}; give a symbol name such as \"i\", "
            "which counts the repetitions 0, 1, 2, ..."
        )
    return Repeat(body, times=times, index=index, name=entry.get("name"))


def _read_parallel(entry: dict[str, Any], source: str, path: str, where: str) -> Layer:
    _check_keys(entry, ("op", "name", "branches", "merge"), source, where, "parallel")
    branches = entry.get("branches")
    if not isinstance(branches, list) or not branches:
        raise SpecError(
            f"{source}: {where}, key 'branches': give a list of branches, each a list of "
            "layers (an identity branch is [{op = \"identity\"}])."
        )
    read = [
        _read_layers(branch, source, f"{path}.branches[{i}]") for i, branch in enumerate(branches)
    ]
    merge = entry.get("merge", "add")
    if merge not in _MERGES:
        raise SpecError(f"{source}: {where}, key 'merge': {merge!r}; use 'add' or 'concat'.")
    return Parallel(*read, merge=_MERGES[merge], name=entry.get("name"))


_STRUCTURE: dict[str, Callable[[dict[str, Any], str, str, str], Layer]] = {
    "repeat": _read_repeat,
    "parallel": _read_parallel,
}
"""Structural ops, read by their own functions (they hold layers rather than numbers)."""


def _value(value: Any, source: str, where: str, key: str) -> Param:
    """One parameter: int, expression string, padding mode, or a per-axis list of those."""
    label = f"{source}: {where}, key {key!r}"
    if isinstance(value, bool | float):
        kind = "a boolean" if isinstance(value, bool) else "a float"
        raise SpecError(
            f"{label}: {value!r} is {kind}; give an integer or an expression string such as "
            "\"2*k + 1\"."
        )
    if isinstance(value, int):
        return value
    if key == "mode":  # a menu (the layer checks the choice), not a number
        if not isinstance(value, str):
            raise SpecError(f"{label}: give the mode as a string such as \"nearest\".")
        return value
    if isinstance(value, str):
        if key.split("[")[0] == "padding" and value.lower() in _MODES:
            return _MODES[value.lower()]
        try:
            return parse(value, label)
        except SymrfError as error:
            raise SpecError(str(error)) from None
    if isinstance(value, list) and value and not any(isinstance(v, list) for v in value):
        return tuple(_value(item, source, where, f"{key}[{i}]") for i, item in enumerate(value))
    raise SpecError(
        f"{label}: {value!r} is not a parameter; give an integer, an expression string, "
        "or a list with one per axis."
    )


def _check_keys(
    data: dict[str, Any], allowed: tuple[str, ...], source: str, where: str, op: Any = None
) -> None:
    for key in data:
        if key not in allowed:
            what = f" for op {op!r}" if op else ""
            raise SpecError(
                f"{source}: {where}: unknown key {key!r}{what}{_suggest(key, allowed)}. "
                f"Keys: {', '.join(sorted(allowed))}."
            )


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
