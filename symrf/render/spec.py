"""Networks written back as spec documents (JSON or TOML): what ``symrf convert`` writes.

Any network symrf holds -- from the zoo, a spec, an ONNX file or a PyTorch module -- becomes a
document that :func:`symrf.sources.spec.loads` reads back to the same network, so it can be edited
(replace numbers by symbols) and analysed again. Parameters equal to their defaults are left
out; expressions are written in the spec grammar (``(k + 1)//2``), and a value the grammar
cannot express is an error rather than a silent change.

>>> import symrf
>>> print(to_toml(document(symrf.Sequential(symrf.Conv(kernel=3, stride=2, name="c1")))))
name = "network"
<BLANKLINE>
[[layers]]
op = "conv"
name = "c1"
kernel = 3
stride = 2
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from fractions import Fraction
from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from symrf.errors import SpecError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.layers.parallel import Parallel
from symrf.layers.repeat import Repeat
from symrf.maths.arguments import length
from symrf.maths.expressions import parse
from symrf.sources.schema import OPS
from symrf.sources.spec import Spec, loads


class _Printer(StrPrinter):
    """sympy's text, with ``floor(a/b)`` written ``(a)//(b)`` as the spec grammar reads it."""

    def _print_floor(self, expr: sympy.floor) -> str:
        numerator, denominator = expr.args[0].as_numer_denom()
        return f"{self._operand(numerator)}//{self._operand(denominator)}"

    def _operand(self, expr: sympy.Expr) -> str:
        text = self._print(expr)
        return text if expr.is_Atom and not expr.is_negative else f"({text})"


def expression_text(value: Any) -> str | int:
    """A parameter as a spec value: an int, or an expression string that reads back equal.

    >>> from symrf.maths.scalars import symbols
    >>> k, = symbols("k")
    >>> expression_text(sympy.floor((k + 1) / 2)), expression_text(Fraction(1, 2))
    ('(k + 1)//2', '1/2')
    """
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    text = _Printer().doprint(value)
    try:
        same = parse(text) == value
    except SpecError:
        same = False
    except Exception:  # anything the grammar refuses: reported just below
        same = False
    if not same:
        raise SpecError(f"the parameter {text} cannot be written in the spec grammar "
                        "(integers, names, + - * / ** // and parentheses).")
    return text


def _parameter(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_parameter(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool) or value is None:
        return value
    return expression_text(value)


def layer_entry(layer: Layer, index: int) -> dict[str, Any]:
    """One layer as a spec table (structure included: repeat, parallel, nested chains)."""
    entry: dict[str, Any] = {"op": layer.op}
    if layer.name is not None:
        entry["name"] = layer.name
    if isinstance(layer, Sequential):  # a nested chain stays one row
        entry["layers"] = _chain(layer)
        return entry
    if isinstance(layer, Repeat):
        entry["times"] = expression_text(layer.times)
        if layer.index is not None:
            entry["index"] = layer.index.name
        entry["layers"] = _chain(layer.block)
        return entry
    if isinstance(layer, Parallel):
        entry["branches"] = [_chain(branch) if branch is not None else [{"op": "identity"}]
                             for branch in layer.branches]
        entry["merge"] = layer.merge.value
        return entry
    if OPS.get(layer.op) is not type(layer):
        raise SpecError(f"layer {index} ({layer.row_name(index)}) is a {type(layer).__name__}, "
                        "which spec files cannot describe.")
    for field in dataclasses.fields(layer):
        if field.name == "name" or not field.init:
            continue
        value = getattr(layer, field.name)
        if field.default is not dataclasses.MISSING and value == field.default and type(
                value) is type(field.default):
            continue
        if value is not None:
            entry[field.name] = _parameter(value)
    return entry


def _chain(block: Layer | None) -> list[dict[str, Any]]:
    layers = block.layers if isinstance(block, Sequential) else (block,)
    return [layer_entry(layer, i) for i, layer in enumerate(layers) if layer is not None]


def document(net: Layer, input_size: Any = None) -> dict[str, Any]:
    """``net`` as a spec document (a chain, or a graph of nodes).

    >>> import symrf
    >>> document(symrf.Conv(kernel=3), input_size=224)
    {'name': 'network', 'input': {'size': 224}, 'layers': [{'op': 'conv', 'kernel': 3}]}
    """
    top = net if isinstance(net, Sequential | Graph) else Sequential(net)
    found: dict[str, Any] = {"name": top.name or "network"}
    if input_size is not None:
        found["input"] = {"size": _parameter(input_size)}
    if isinstance(top, Sequential):
        found["layers"] = [layer_entry(layer, i) for i, layer in enumerate(top.layers)]
        return found
    nodes = []
    for index, node in enumerate(top.nodes):
        if node.layer is None:
            entry = {"name": node.name, "op": node.merge.value}  # type: ignore[union-attr]  # a node without a layer is a merge
        else:
            entry = {"name": node.name, **layer_entry(node.layer, index)}
            entry["name"] = node.name
        entry["inputs"] = list(node.inputs)
        nodes.append(entry)
    found["nodes"] = nodes
    found["output"] = top.output
    if top.context:
        found["context"] = list(top.context)
    return found


def to_json(doc: dict[str, Any]) -> str:
    """A document as JSON text."""
    return json.dumps(doc, indent=2, ensure_ascii=False)


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key)


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # TOML basic strings take JSON's escapes
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + "}"


def to_toml(doc: dict[str, Any]) -> str:
    """A document as TOML text: top-level keys, ``[input]``, then ``[[layers]]``/``[[nodes]]``."""
    lines = [f"{_key(k)} = {_inline(v)}" for k, v in doc.items()
             if not isinstance(v, dict | list) or k == "context"]
    if "input" in doc:
        lines += ["", "[input]", *(f"{_key(k)} = {_inline(v)}" for k, v in doc["input"].items())]
    for table in ("layers", "nodes"):
        for entry in doc.get(table, ()):
            lines += ["", f"[[{table}]]", *(f"{_key(k)} = {_inline(v)}" for k, v in entry.items())]
    return "\n".join(lines)


def write(spec: Spec, path: str, size: Any = None) -> str:
    """Write ``spec``'s network to ``path`` (TOML or JSON by its suffix); say what was written."""
    kind = path.rpartition(".")[2].lower()
    if kind not in ("toml", "json"):
        raise SpecError(f"-o {path!r}: name the output *.toml or *.json.")
    for item in size if isinstance(size, tuple | list) else () if size is None else (size,):
        length(item)  # a spec records a size analyze accepts (not size = -5)
    doc = document(spec.network, size)
    doc["name"] = spec.name
    text = to_toml(doc) if kind == "toml" else to_json(doc)
    loads(text, kind, path)  # what is written must read back
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as error:
        raise SpecError(f"-o {path!r}: cannot write the file ({error.strerror}).") from None
    rows = len(doc.get("layers", doc.get("nodes", ())))
    return f"wrote {path}: {rows} {'nodes' if 'nodes' in doc else 'layers'}"
