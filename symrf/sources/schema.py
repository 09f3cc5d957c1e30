"""The shape of a spec document: each op's keys, their JSON types, and which are required.

One table says it all: :data:`OPS` maps op names to layer classes, whose dataclass fields are
the op's keys (a field without a default is required), :data:`KINDS` gives a key's JSON type
when it is not a number parameter, and :data:`STRUCTURE` describes ``repeat`` and
``parallel``. :func:`check` walks a parsed document against the table before any layer is
built -- iteratively, with the nesting limit of :mod:`symrf.limits` -- and stops at the first
mistake with one line that names the file, the path (``layers[3].branches[1][0]``), the
key, what was expected and what was found. :func:`json_schema` writes the same rules as a
JSON Schema, for editors that validate specs as they are typed.

Why not validate with a JSON Schema library? The schema alone cannot say "did you mean
'stride'?", cannot name the layer the way reports do, and would make ``jsonschema`` a
dependency of the core; generating the schema from this table keeps one source of truth, and
the test suite checks that both agree.

>>> check({"layers": [{"op": "conv", "kernel": 3, "stride": [2]}]}, "net.json")
>>> check({"layers": [{"op": "conv", "stride": 2}]}, "net.json")  # doctest: +ELLIPSIS
Traceback (most recent call last):
symrf.errors.SpecError: net.json: layers[0] (conv_0): missing key 'kernel' for op 'conv'; ...
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
from collections.abc import Iterator, Mapping
from typing import Any

from symrf.errors import SpecError
from symrf.layers.base import Layer
from symrf.layers.context import Context
from symrf.layers.parallel import Merge
from symrf.layers.pointwise import POINTWISE, Crop, Pad
from symrf.layers.resample import ConvTranspose, PixelShuffle, PixelUnshuffle, Upsample
from symrf.layers.whole import AdaptivePool, GlobalPool, Linear
from symrf.layers.window import AvgPool, Conv, MaxPool
from symrf.limits import MAX_NESTING, abbreviated

_PLAIN: tuple[type[Layer], ...] = (
    Conv, MaxPool, AvgPool, Pad, Crop, *POINTWISE, ConvTranspose, Upsample, PixelShuffle,
    PixelUnshuffle, GlobalPool, Linear, AdaptivePool, Context,
)
OPS: dict[str, type[Layer]] = {cls.op: cls for cls in _PLAIN}
"""Op names of spec files and the layer class each one builds."""


class Kind(enum.Enum):
    """The JSON/TOML type a key takes; the value is how messages describe it."""

    PARAM = "an integer, an expression string, or a list with one per axis"
    TEXT = "a string"
    FLAG = "true or false"
    LAYERS = "a non-empty list of layer tables"
    BRANCHES = "a non-empty list of branches, each a non-empty list of layer tables"
    NAMES = "a list of node names"
    NODES = "a non-empty list of node tables"
    INPUT = "a table such as {size = 224}"


KINDS: dict[str, Kind] = {
    "name": Kind.TEXT, "mode": Kind.TEXT, "ceil_mode": Kind.FLAG, "align_corners": Kind.FLAG,
    "include": Kind.FLAG,
    "padding_mode": Kind.TEXT, "index": Kind.TEXT, "merge": Kind.TEXT, "op": Kind.TEXT,
    "layers": Kind.LAYERS, "branches": Kind.BRANCHES, "inputs": Kind.NAMES,
}
"""Layer keys whose type is not a number parameter (every other key is :attr:`Kind.PARAM`)."""

_TOP_KINDS: dict[str, Kind] = {
    "$schema": Kind.TEXT, "name": Kind.TEXT, "input": Kind.INPUT, "layers": Kind.LAYERS,
    "nodes": Kind.NODES, "output": Kind.TEXT, "context": Kind.NAMES,
}
"""The keys of a document's top level (``output`` there names a node)."""

_EXAMPLES = {Kind.PARAM: "3", Kind.TEXT: '"name"', Kind.FLAG: "true", Kind.LAYERS:
             '[{op = "conv", kernel = 3}]', Kind.BRANCHES: '[[{op = "identity"}]]',
             Kind.NAMES: '["input"]', Kind.NODES: '[{name = "c1", op = "conv", kernel = 3}]',
             Kind.INPUT: "{size = 224}"}


@dataclasses.dataclass(frozen=True)
class Shape:
    """The keys a table may hold, those it must hold, and their kinds (:data:`KINDS` else)."""

    keys: tuple[str, ...]
    required: tuple[str, ...] = ()
    kinds: Mapping[str, Kind] = dataclasses.field(default_factory=lambda: KINDS)

    def kind(self, key: str) -> Kind:
        """The JSON type of ``key``."""
        return self.kinds.get(key, Kind.PARAM)


def _layer_shape(cls: type[Layer]) -> Shape:
    fields = [f for f in dataclasses.fields(cls) if f.init and f.name != "name"]
    required = tuple(
        f.name for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    return Shape(("op", "name", *(f.name for f in fields)), required)


STRUCTURE: dict[str, Shape] = {
    "sequential": Shape(("op", "name", "layers"), ("layers",)),
    "repeat": Shape(("op", "name", "times", "index", "layers"), ("times", "layers")),
    "parallel": Shape(("op", "name", "branches", "merge"), ("branches",)),
}
"""Structural ops: they hold layers rather than numbers."""

MERGES = {mode.value: mode for mode in Merge}
"""Merge modes of ``parallel`` blocks and graph merge nodes."""

TOP = Shape(tuple(_TOP_KINDS), (), _TOP_KINDS)
INPUT = Shape(("size",))


def shape_of(op: str) -> Shape:
    """The keys of op ``op`` (a layer, a structural op, or a merge node).

    >>> shape_of("maxpool").required, shape_of("repeat").required
    (('kernel',), ('times', 'layers'))
    """
    if op in STRUCTURE:
        return STRUCTURE[op]
    if op in MERGES:
        return Shape(("op", "name"))
    return _layer_shape(OPS[op])


def all_ops() -> list[str]:
    """Every op name a spec may use, sorted."""
    return sorted([*OPS, *STRUCTURE])


def describe(value: Any) -> str:
    """A short description of a found value for an error message: its type and a glimpse.

    >>> describe([1, 2]), describe("x" * 50)
    ('a list [1, 2]', "a string 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'")
    >>> describe(10**5000)
    'an integer 1000000000...0000000000 (a 5001-digit number)'
    """
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"an integer {abbreviated(value)}"
    names = {str: "a string", float: "a float", list: "a list", dict: "a table",
             type(None): "null"}
    kind = next((label for cls, label in names.items() if isinstance(value, cls)),
                type(value).__name__)
    if isinstance(value, dict | list):
        text = repr(value) if len(value) <= 4 else f"of {len(value)} items"
    else:
        text = repr(value)
    if len(text) > 40:
        text = text[:30] + "..." + ("'" if isinstance(value, str) else "")
    return kind if value is None else f"{kind} {text}"


def _fits(kind: Kind, value: Any) -> bool:
    if kind is Kind.PARAM:
        if isinstance(value, list):
            return bool(value) and all(_scalar(item) for item in value)
        return _scalar(value)
    if kind is Kind.TEXT:
        return isinstance(value, str)
    if kind is Kind.FLAG:
        return isinstance(value, bool)
    if kind is Kind.NAMES:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is Kind.INPUT:
        return isinstance(value, dict)
    # layers, branches, nodes: non-empty lists (their items are checked as they are walked)
    return isinstance(value, list) and bool(value)


def _scalar(value: Any) -> bool:
    """An integer or a non-empty string (an expression or a padding mode)."""
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, int) and not isinstance(value, bool)


class _Walk:
    """One pass over a document: each table checked against its shape, children queued."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> SpecError:
        return SpecError(f"{self.source}: {where}: {message}")

    def keys(self, table: dict[str, Any], shape: Shape, where: str, op: str | None) -> None:
        for key in table:
            if key not in shape.keys:
                what = f" for op {op!r}" if op else ""
                raise self.fail(
                    where, f"unknown key {_text(key)}{what}{suggest(key, shape.keys)}. "
                    f"Keys: {', '.join(sorted(shape.keys))}."
                )
        for key in shape.required:
            if key not in table:
                kind = shape.kind(key)
                what = f" for op {op!r}" if op else ""
                raise self.fail(where, f"missing key {key!r}{what}; add it, e.g. "
                                       f"{key} = {_EXAMPLES[kind]}.")
        for key, value in table.items():
            kind = shape.kind(key)
            if value == [] and kind in (Kind.LAYERS, Kind.NODES, Kind.BRANCHES):
                raise self.fail(where, f"key {key!r} is empty: no layers; an empty network has "
                                       "no receptive field. Add at least one layer.")
            if not _fits(kind, value):
                hint = ""
                if isinstance(value, float) or (isinstance(value, list) and any(
                        isinstance(item, float) for item in value)):
                    hint = ' (symrf is exact: write a fraction as a string such as "1/2")'
                raise self.fail(where, f"key {key!r}: expected {kind.value}, found "
                                       f"{describe(value)}{hint}.")

    def layer(self, entry: Any, path: str, index: int, depth: int) -> Iterator[tuple]:
        """Check one layer table; yield the layer lists nested in it."""
        if not isinstance(entry, dict):
            raise SpecError(f"{self.source}: {path}: expected a layer table with an 'op' key, "
                            f"found {describe(entry)}.")
        op, name = entry.get("op"), entry.get("name")
        where = f"{path} ({name if isinstance(name, str) else f'{_label(op)}_{index}'})"
        if "op" not in entry:
            raise self.fail(path, "missing key 'op'; say which layer this is, e.g. "
                                  'op = "conv".')
        if not isinstance(op, str) or (op not in OPS and op not in STRUCTURE):
            hint = suggest(op, all_ops()) if isinstance(op, str) else ""
            raise self.fail(where, f"unknown op {_text(op)}{hint}. Ops: "
                                   f"{', '.join(all_ops())}.")
        self.keys(entry, shape_of(op), where, op)
        if op in STRUCTURE and depth >= MAX_NESTING:
            raise self.fail(where, f"repeat/parallel blocks nested more than {MAX_NESTING} "
                                   "deep; flatten the structure.")
        if op in ("repeat", "sequential"):
            yield entry["layers"], f"{path}.layers", depth + 1
        elif op == "parallel":
            if "merge" in entry and entry["merge"] not in MERGES:
                raise self.fail(where, f"key 'merge': {_text(entry['merge'])}; use 'add' or "
                                       "'concat'.")
            for number, branch in enumerate(entry["branches"]):
                place = f"{path}.branches[{number}]"
                if not isinstance(branch, list) or not branch:
                    raise self.fail(where, f"{place}: expected {Kind.LAYERS.value} (an "
                                           f"identity branch is [{{op = \"identity\"}}]), "
                                           f"found {describe(branch)}.")
                yield branch, place, depth + 1

    def layers(self, entries: list[Any], path: str, depth: int) -> None:
        pending = [(entries, path, depth)]
        while pending:
            items, place, level = pending.pop()
            for index, entry in enumerate(items):
                pending.extend(self.layer(entry, f"{place}[{index}]", index, level))

    def nodes(self, entries: list[Any]) -> None:
        for index, entry in enumerate(entries):
            path = f"nodes[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not \
                    entry["name"]:
                raise self.fail(path, f"expected a node table with a non-empty string 'name', "
                                      f"found {describe(entry)}.")
            where = f"{path} ({entry['name']})"
            if isinstance(entry.get("op"), str) and entry["op"] in MERGES:
                self.keys(entry, Shape(("op", "name", "inputs"), ("inputs",)), where,
                          entry["op"])
                continue
            layer = {key: value for key, value in entry.items() if key != "inputs"}
            if "inputs" in entry and not _fits(Kind.NAMES, entry["inputs"]):
                raise self.fail(where, f"key 'inputs': expected {Kind.NAMES.value}, found "
                                       f"{describe(entry['inputs'])}.")
            for items, place, level in list(self.layer(layer, path, index, 0)):
                self.layers(items, place, level)


def check(document: Any, source: str = "<spec>") -> None:
    """Check a parsed spec document's structure; raise :class:`SpecError` at the first mistake.

    Values are not interpreted here (expressions are parsed and layers validated when the
    network is built); only their JSON types, the keys and the nesting are checked.

    >>> check({"nodes": [{"name": "a", "op": "conv", "kernel": 3, "inputs": "input"}]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: <spec>: nodes[0] (a): key 'inputs': expected a list of node ...
    """
    walk = _Walk(source)
    if not isinstance(document, dict):
        raise SpecError(f"{source}: expected a table/object with a 'layers' list, found "
                        f"{describe(document)}.")
    walk.keys(document, TOP, "the spec", None)
    if "input" in document:
        walk.keys(document["input"], INPUT, "input", None)
    if "nodes" in document:
        if "layers" in document:
            raise SpecError(f"{source}: give either 'layers' (a chain) or 'nodes' (a graph), "
                            "not both.")
        walk.nodes(document["nodes"])
        return
    if "output" in document:
        raise SpecError(f"{source}: 'output' belongs to the graph form; add 'nodes'.")
    if "layers" not in document:
        raise SpecError(f"{source}: no layers; an empty network has no receptive field. Add "
                        "a 'layers' list with at least one layer.")
    walk.layers(document["layers"], "layers", 0)


def suggest(word: object, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing.

    >>> suggest("strid", ["stride", "kernel"])
    " (did you mean 'stride'?)"
    """
    if not isinstance(word, str) or len(word) > 100:
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _label(op: object) -> str:
    return op if isinstance(op, str) and len(op) <= 40 else "layer"


def _text(value: object) -> str:
    return repr(value) if isinstance(value, str) and len(value) <= 40 else describe(value)


# ---------------------------------------------------------------- the same rules as JSON Schema

_SCALAR = {"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 1}]}
_JSON_TYPES: Mapping[Kind, dict[str, Any]] = {
    Kind.PARAM: {"oneOf": [_SCALAR, {"type": "array", "minItems": 1, "items": _SCALAR}]},
    Kind.TEXT: {"type": "string"},
    Kind.FLAG: {"type": "boolean"},
    Kind.LAYERS: {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/layer"}},
    Kind.BRANCHES: {"type": "array", "minItems": 1, "items": {
        "type": "array", "minItems": 1, "items": {"$ref": "#/$defs/layer"}}},
    Kind.NAMES: {"type": "array", "items": {"type": "string"}},
    Kind.NODES: {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/node"}},
    Kind.INPUT: {"type": "object", "properties": {"size": {"$ref": "#/$defs/param"}},
                 "additionalProperties": False},
}


def _properties(shape: Shape, op: str | None, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for key in (*shape.keys, *extra):
        kind = shape.kind(key)
        properties[key] = {"$ref": "#/$defs/param"} if kind is Kind.PARAM else _JSON_TYPES[kind]
    if op is not None:
        properties["op"] = {"const": op}
    if "merge" in properties:
        properties["merge"] = {"enum": sorted(MERGES)}
    return {"type": "object", "properties": properties, "required": ["op", *shape.required],
            "additionalProperties": False}


def json_schema() -> dict[str, Any]:
    """The spec format as a JSON Schema (draft 2020-12), generated from the same table.

    >>> schema = json_schema()
    >>> schema["$defs"]["layer"]["oneOf"][0]["properties"]["op"]
    {'const': 'adaptivepool'}
    """
    layer_ops = all_ops()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "symrf network spec",
        "description": "A network for symrf: a chain ('layers') or a graph ('nodes').",
        "type": "object",
        "properties": {key: _JSON_TYPES[kind] for key, kind in _TOP_KINDS.items()},
        "additionalProperties": False,
        "oneOf": [{"required": ["layers"], "not": {"required": ["nodes"]}},
                  {"required": ["nodes"], "not": {"required": ["layers"]}}],
        "$defs": {
            "param": _JSON_TYPES[Kind.PARAM],
            "layer": {"oneOf": [_properties(shape_of(op), op) for op in layer_ops]},
            "node": {"properties": {"name": {"type": "string", "minLength": 1}}, "oneOf": [
                *(dict(_properties(shape_of(op), op, ("inputs",)),
                       required=["op", "name", *shape_of(op).required]) for op in layer_ops),
                *(dict(_properties(Shape(("op", "name")), merge, ("inputs",)),
                       required=["op", "name", "inputs"]) for merge in sorted(MERGES)),
            ]},
        },
    }
