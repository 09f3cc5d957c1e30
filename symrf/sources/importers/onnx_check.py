"""Checking an ONNX graph before it is walked: names, opset, producers, attributes.

A model file is untrusted: an attribute of the wrong type, a mode spelled in lower case or a
second node writing the same tensor must not turn into a silently different network. Before
anything is built, :func:`check_graph` compares every node with ONNX's own operator schema
(``onnx.defs.get_schema`` for the model's opset): each attribute is one the operator has,
of the type it declares (``AttributeProto`` types), given once; required ones are present;
modes are one of the operator's exact spellings; counts, strides, dilations and groups are
positive. The checks that need a tensor's rank (one kernel length per spatial axis, a
permutation of every dimension) run in the handlers, through :func:`ints`. Every refusal is
one line naming the node, the attribute, what was expected and what was found.

>>> from onnx import helper
>>> node = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 3],
...                         auto_pad="same_upper")
>>> check_node(node, 0, 18, "model.onnx")  # doctest: +ELLIPSIS
Traceback (most recent call last):
symrf.errors.NetworkError: model.onnx: node 'pool' (MaxPool): attribute 'auto_pad': ...
'SAME_UPPER', 'SAME_LOWER', 'VALID' (exact spelling), found 'same_upper'.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from symrf.errors import NetworkError, TooLargeError
from symrf.limits import MAX_ONNX_NODES

_WINDOWS = frozenset({"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool"})
"""Ops with kernel_shape/strides/dilations/pads/auto_pad (the window family)."""

_AUTO_PAD = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
_RESIZE_MODES = {
    "mode": ("nearest", "linear", "cubic"),
    "coordinate_transformation_mode": (
        "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
        "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"),
    "nearest_mode": ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"),
    "keep_aspect_ratio_policy": ("stretch", "not_larger", "not_smaller"),
}
SPELLINGS: dict[tuple[str, str], tuple[str, ...]] = {
    **{(op, "auto_pad"): _AUTO_PAD for op in _WINDOWS},
    ("Pad", "mode"): ("constant", "reflect", "edge", "wrap"),
    **{("Resize", key): values for key, values in _RESIZE_MODES.items()},
    ("Upsample", "mode"): ("nearest", "linear", "bilinear"),
    ("DepthToSpace", "mode"): ("DCR", "CRD"),
}
"""The exact spellings of the string attributes symrf reads (ONNX's operator docs; the
schemas give types, not values). Case matters, as in ONNX Runtime."""

_LEAST: dict[str, int] = {"kernel_shape": 1, "strides": 1, "dilations": 1, "pads": 0,
                          "group": 1, "output_padding": 0, "output_shape": 1}
"""Least value of each integer attribute of the window family."""

FLAGS = frozenset({"ceil_mode", "count_include_pad", "keepdims", "noop_with_empty_axes",
                   "exclude_outside", "antialias", "allowzero", "transA", "transB"})
"""Integer attributes that are 0 or 1."""

_TYPE_NAMES = {0: "no type", 1: "a float", 2: "an int", 3: "a string", 4: "a tensor",
               5: "a graph", 6: "a list of floats", 7: "a list of ints", 8: "a list of strings",
               9: "a list of tensors", 10: "a list of graphs", 11: "a sparse tensor",
               12: "a list of sparse tensors", 13: "a type", 14: "a list of types"}
"""``AttributeProto.AttributeType`` values as words."""


def quoted(text: Any, limit: int = 60) -> str:
    r"""``repr`` of a name or value, escaped and shortened for a one-line message.

    >>> quoted("a\nb"), quoted("x" * 100)[-24:]
    ("'a\\nb'", 'xxxx... (100 characters)')
    """
    if isinstance(text, str | bytes):
        shown = repr(text)
    else:
        shown = repr(list(text)) if isinstance(text, Sequence) else repr(text)
    if len(shown) <= limit:
        return shown
    size = f"{len(text)} characters" if isinstance(text, str | bytes) else f"{len(text)} values"
    return f"{shown[:limit]}... ({size})"


def label(node: Any, index: int) -> str:
    """``node 'conv1' (Conv)``, or ``node #3 (Conv)`` for an unnamed node."""
    name = node.name if isinstance(node.name, str) else ""
    op = node.op_type if isinstance(node.op_type, str) else "?"
    return f"node {quoted(name)} ({quoted(op)[1:-1]})" if name else f"node #{index} ({op})"


def _utf8(value: Any, what: str, where: str) -> None:
    """Refuse text protobuf could not decode (it hands such strings over as bytes)."""
    if isinstance(value, bytes):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NetworkError(f"{where}: {what}: expected UTF-8 text, found {quoted(value)} "
                               f"(byte {value[error.start]:#04x} at offset {error.start}); "
                               "export the model again with UTF-8 names.") from None


def check_graph(model: Any, where: str) -> int:
    """Check the model before it is walked; return its opset (of the default domain).

    Raises:
        NetworkError: A name is not UTF-8, the opset is outside ONNX's known range, the graph
            has no outputs, two nodes write one tensor, or a node breaks its schema.
        TooLargeError: The graph has more than :data:`~symrf.limits.MAX_ONNX_NODES` nodes.
    """
    graph = model.graph
    if len(graph.node) > MAX_ONNX_NODES:
        raise TooLargeError(f"{where}: the graph has {len(graph.node)} nodes, more than symrf's "
                            f"limit of {MAX_ONNX_NODES}; export the part of the network to "
                            "analyse.")
    opset = _opset(model, where)
    _utf8(graph.name, "the graph's name", where)
    for value in (*graph.input, *graph.output, *graph.value_info):
        _utf8(value.name, "the name of a graph input, output or value", where)
    for tensor in graph.initializer:
        _utf8(tensor.name, "the name of an initializer", where)
    if not graph.output:
        raise NetworkError(f"{where}: the graph has no outputs; export the model with its "
                           "output.")
    written: dict[str, int | str] = {value.name: "a graph input" for value in graph.input}
    for tensor in graph.initializer:
        if tensor.name in written and written[tensor.name] != "a graph input":
            raise NetworkError(f"{where}: two initializers are named {quoted(tensor.name)}; "
                               "each tensor has one producer.")
        written[tensor.name] = "an initializer"
    nodes = graph.node
    for index, node in enumerate(nodes):
        check_node(node, index, opset, where)
        for name in node.output:
            if name in written and name:
                first = written[name]
                holder = label(nodes[first], first) if isinstance(first, int) else first
                raise NetworkError(
                    f"{where}: {label(node, index)} writes tensor {quoted(name)}, which "
                    f"{holder} already holds; each tensor has one producer (rename one of "
                    "them).")
            written[name] = index
    return opset


def _opset(model: Any, where: str) -> int:
    from onnx import defs

    versions = [entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")]
    newest = defs.onnx_opset_version()
    if len(versions) != 1 or not 1 <= versions[0] <= newest:
        found = (f"opset {versions[0]}" if len(versions) == 1 else
                 f"{len(versions)} opsets" if versions else "no opset")
        raise NetworkError(f"{where}: the model imports {found} of the default ONNX domain; "
                           f"expected one opset from 1 to {newest} (the newest this onnx "
                           "package knows); export the model again.")
    return versions[0]


@functools.lru_cache(maxsize=1024)  # op types come from files: bounded
def _schema(op_type: str, opset: int) -> Any:
    from onnx import defs

    try:
        return defs.get_schema(op_type, opset, "")
    except defs.SchemaError:
        return None


def check_node(node: Any, index: int, opset: int, where: str) -> None:
    """Check one node's names and attributes against its operator's schema.

    Nodes in other domains are left to the walk (which refuses them).
    """
    if any(isinstance(text, bytes) for text in (node.name, node.op_type, node.domain,
                                                  *node.input, *node.output)):
        for what, value in (("name", node.name), ("op type", node.op_type),
                            ("op domain", node.domain)):
            _utf8(value, f"node #{index}: {what}", where)
        for name in (*node.input, *node.output):
            _utf8(name, f"{label(node, index)}: a tensor name", where)
    if node.domain not in ("", "ai.onnx"):
        return
    schema = _schema(node.op_type, opset)
    if schema is None:
        raise NetworkError(f"{where}: {label(node, index)}: {quoted(node.op_type)} is no "
                           f"operator of ONNX opset {opset}; export the model with the "
                           "standard operators of its opset.")
    seen: set[str] = set()
    for attribute in node.attribute:
        _attribute(node, index, attribute, schema, seen, opset, where)
    for name, declared in schema.attributes.items():
        if declared.required and name not in seen:
            raise NetworkError(f"{where}: {label(node, index)}: attribute {quoted(name)}: "
                               f"required by {node.op_type} (opset {opset}), found none.")


def _attribute(node: Any, index: int, attribute: Any, schema: Any, seen: set[str],
               opset: int, where: str) -> None:
    _utf8(attribute.name, f"{label(node, index)}: an attribute name", where)
    name = attribute.name

    def refuse(expected: str, found: str) -> NetworkError:
        return NetworkError(f"{where}: {label(node, index)}: attribute {quoted(name)}: "
                            f"expected {expected}, found {found}.")

    declared = schema.attributes.get(name)
    if declared is None:
        known = ", ".join(sorted(schema.attributes)) or "none"
        raise refuse(f"one of the attributes of {node.op_type} (opset {opset}): {known}",
                     "an attribute it does not have")
    if name in seen:
        raise refuse("one value", "the attribute given twice")
    seen.add(name)
    if attribute.ref_attr_name:
        raise refuse("a value", f"a reference to a function's attribute "
                     f"{quoted(attribute.ref_attr_name)}")
    wanted = int(declared.type.value)
    if attribute.type != wanted:
        raise refuse(_TYPE_NAMES.get(wanted, f"type {wanted}"),
                     _TYPE_NAMES.get(attribute.type, f"type {attribute.type}"))
    if attribute.type == 3:  # STRING
        _utf8(attribute.s, f"{label(node, index)}: attribute {quoted(name)}", where)
        spellings = SPELLINGS.get((node.op_type, name))
        text = attribute.s.decode("utf-8")
        if spellings is not None and text not in spellings:
            shown = ", ".join(repr(s) for s in spellings)
            raise refuse(f"one of {shown} (exact spelling)", quoted(text))
    elif attribute.type == 8:  # STRINGS
        for text in attribute.strings:
            _utf8(text, f"{label(node, index)}: attribute {quoted(name)}", where)
    elif attribute.type == 1 and not math.isfinite(attribute.f):
        raise refuse("a finite number", repr(attribute.f))
    elif attribute.type == 6 and not all(math.isfinite(f) for f in attribute.floats):
        raise refuse("finite numbers", quoted(list(attribute.floats)))
    elif node.op_type in _WINDOWS and name in _LEAST:
        values = [attribute.i] if attribute.type == 2 else list(attribute.ints)
        if any(v < _LEAST[name] for v in values):
            raise refuse(f"{'integers' if len(values) > 1 else 'an integer'} >= {_LEAST[name]}",
                         quoted(values if attribute.type == 7 else values[0]))
    elif name in FLAGS and attribute.type == 2 and attribute.i not in (0, 1):
        raise refuse("0 or 1", str(attribute.i))
    elif name == "blocksize" and attribute.i < 1:
        raise refuse("an integer >= 1", str(attribute.i))


def ints(walk: Any, node: Any, attributes: dict[str, Any], name: str, count: int,
         default: int, why: str) -> list[int]:
    """Integer list attribute ``name`` with exactly ``count`` entries (``default`` each if absent).

    Raises:
        NetworkError: The list has another length (``why`` says what the length follows).
    """
    values = attributes.get(name)
    if values is None:
        return [default] * count
    values = [int(v) for v in values]
    if len(values) != count:
        raise attribute_error(walk, node, name, f"{count} values ({why})",
                              f"{len(values)}: {quoted(values)}")
    return values


def attribute_error(walk: Any, node: Any, name: str, expected: str, found: str) -> NetworkError:
    """The one-line refusal of attribute ``name`` of ``node`` (or of its constant input)."""
    given = any(attribute.name == name for attribute in node.attribute)
    return walk.error(node, f"{'attribute' if given else 'input'} {quoted(name)}: expected "
                      f"{expected}, found {found}")
