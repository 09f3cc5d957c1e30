"""Hostile ONNX models, generated (issue 18): valid chains, one-mistake models, junk bytes.

Three families of ONNX documents, built with ``onnx.helper``:

- :func:`chains`: valid 1-D and 2-D chains of Conv, ConvTranspose, MaxPool, AveragePool,
  Pad, Resize (nearest and linear, by scales or sizes), Transpose pairs and activations, with
  explicit pads, ``auto_pad``, groups, dilations and ``ceil_mode``. Each imports, and every
  interior unit's dependency set equals the one ONNX's reference evaluator gives on one-hot
  inputs (the truth tests/test_import_onnx.py uses for its hand-built graphs).
- :func:`mistakes`: a valid chain with one mistake -- an attribute of the wrong type, of
  the wrong length for the input's rank, out of range, misspelt, unknown or given twice; a
  kernel_shape that disagrees with the weight; a second producer of a tensor; no graph
  output; an opset outside ONNX's range; a node in another domain; invalid UTF-8 in a name
  or an attribute. Mistakes that ONNX forbids must be refused (never silently read as
  something else); the others (a scale of another value...) end in the law below.
- :func:`junk`: bytes -- random, a valid model cut short or with bytes flipped, inserted or
  replaced by invalid UTF-8 -- through ``symrf analyze FILE.onnx`` and ``from_onnx``.

The law (tests/fuzz_harness.py): one SymrfError (exit 2 and one ``symrf: error:`` line on
the command line) or a sane answer, within seconds. The reader of large files
(``symrf.sources.importers.onnx_wire``), which skips weight data, is run on every document with its
thresholds lowered so small files take that path: it refuses or returns the same model with
the data of large tensors left out.
"""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

import symrf  # noqa: E402
from symrf.errors import SymrfError  # noqa: E402
from symrf.sources.importers import onnx_wire  # noqa: E402
from symrf.sources.importers.onnx import from_onnx  # noqa: E402

from fuzz_harness import (  # noqa: E402
    BUDGET,
    FUZZ,
    _warm,  # noqa: F401  # autouse
    check_cli,
    check_report,
    examples,
    outcome,
    run_cli,
    within,
)

OPSET = 18
"""Opset of the valid chains (Pad's axes input and Resize's axes attribute exist from 18)."""


class Chain:
    """A model being built: nodes, initializers, and the figures its sizes follow."""

    def __init__(self, spatial: int, channels: int) -> None:
        self.spatial = spatial
        self.channels = channels
        self.tensor = "x"
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.jump = [1.0] * spatial  # rough, to size the input so that some units are interior
        self.rf = [1.0] * spatial
        self.shrink = [1] * spatial  # product of strides: lengths divided by it

    def __repr__(self) -> str:
        nodes = "; ".join(helper.printable_node(node) for node in self.nodes)
        weights = ", ".join(f"{w.name}{list(w.dims)}" for w in self.weights)
        return f"Chain({self.spatial}-D: {nodes} | {weights})"

    @property
    def rank(self) -> int:
        return self.spatial + 2

    def add(self, op: str, inputs: list[str], **attributes: Any) -> Any:
        index = len(self.nodes)
        out = f"t{index}"
        node = helper.make_node(op, [self.tensor, *inputs], [out], name=f"{op.lower()}{index}",
                                **attributes)
        self.nodes.append(node)
        self.tensor = out
        return node

    def constant(self, name: str, value: Any) -> str:
        self.weights.append(numpy_helper.from_array(value, name))
        return name

    def window(self, kernel: list[int], strides: list[int], dilations: list[int]) -> None:
        for axis in range(self.spatial):
            self.rf[axis] += (kernel[axis] - 1) * dilations[axis] * self.jump[axis]
            self.jump[axis] *= strides[axis]
            self.shrink[axis] *= strides[axis]

    def model(self, sizes: list[int] | None = None, opset: int = OPSET) -> Any:
        shape = [1, 1, *(sizes or [f"s{axis}" for axis in range(self.spatial)])]
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
        y = helper.make_tensor_value_info(self.tensor, TensorProto.FLOAT, None)
        graph = helper.make_graph(self.nodes, "fuzz", [x], [y], initializer=self.weights)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


_AUTO_PADS = st.sampled_from([None, "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"])


def _per_axis(draw: Any, chain: Chain, low: int, high: int) -> list[int]:
    return [draw(st.integers(low, high)) for _ in range(chain.spatial)]


def _pads(draw: Any, chain: Chain, high: int) -> list[int]:
    return _per_axis(draw, chain, 0, high) + _per_axis(draw, chain, 0, high)


def _conv(draw: Any, chain: Chain) -> None:
    kernel = _per_axis(draw, chain, 1, 4)
    strides = _per_axis(draw, chain, 1, 2)
    dilations = _per_axis(draw, chain, 1, 2)
    group = draw(st.sampled_from(sorted({1, chain.channels})))
    out = group * draw(st.integers(1, 2))
    attributes: dict[str, Any] = {"strides": strides, "dilations": dilations}
    if draw(st.booleans()):
        attributes["kernel_shape"] = kernel
    if group > 1 or draw(st.booleans()):
        attributes["group"] = group
    auto_pad = draw(_AUTO_PADS)
    if auto_pad is not None:
        attributes["auto_pad"] = auto_pad
    if auto_pad in (None, "NOTSET") and draw(st.booleans()):
        attributes["pads"] = _pads(draw, chain, 2)
    name = f"w{len(chain.nodes)}"
    chain.constant(name, np.ones((out, chain.channels // group, *kernel), np.float32))
    chain.add("Conv", [name], **attributes)
    chain.channels = out
    chain.window(kernel, strides, dilations)


def _conv_transpose(draw: Any, chain: Chain) -> None:
    kernel = _per_axis(draw, chain, 1, 4)
    strides = _per_axis(draw, chain, 1, 2)
    extra = [draw(st.integers(0, s - 1)) for s in strides]
    begin = [draw(st.integers(0, k - 1)) for k in kernel]
    end = [draw(st.integers(0, b + e)) for b, e in zip(begin, extra, strict=True)]
    attributes: dict[str, Any] = {"strides": strides, "pads": begin + end}
    if any(extra):
        attributes["output_padding"] = extra
    name = f"w{len(chain.nodes)}"
    chain.constant(name, np.ones((chain.channels, 1, *kernel), np.float32))
    chain.add("ConvTranspose", [name], **attributes)
    chain.channels = 1
    for axis in range(chain.spatial):
        chain.jump[axis] /= strides[axis]
        chain.rf[axis] += kernel[axis] * chain.jump[axis]


def _pool(draw: Any, chain: Chain) -> None:
    op = draw(st.sampled_from(["MaxPool", "AveragePool"]))
    kernel = _per_axis(draw, chain, 1, 3)
    strides = _per_axis(draw, chain, 1, 2)
    attributes: dict[str, Any] = {"kernel_shape": kernel}
    if draw(st.booleans()):
        attributes["strides"] = strides
    else:
        strides = [1] * chain.spatial
    dilations = [1] * chain.spatial
    if op == "MaxPool" and draw(st.booleans()):
        dilations = _per_axis(draw, chain, 1, 2)
        attributes["dilations"] = dilations
    if draw(st.booleans()):
        attributes["pads"] = [draw(st.integers(0, (k - 1) // 2)) for k in kernel] * 2
    if op == "AveragePool" and draw(st.booleans()):
        attributes["count_include_pad"] = draw(st.integers(0, 1))
    if draw(st.booleans()):
        attributes["ceil_mode"] = draw(st.integers(0, 1))
    chain.add(op, [], **attributes)
    chain.window(kernel, strides, dilations)


def _pad(draw: Any, chain: Chain) -> None:
    mode = draw(st.sampled_from(["constant", "reflect", "edge"]))
    pads = [0, 0, *_per_axis(draw, chain, 0, 2), 0, 0, *_per_axis(draw, chain, 0, 2)]
    name = chain.constant(f"pads{len(chain.nodes)}", np.array(pads, np.int64))
    chain.add("Pad", [name], mode=mode)


def _resize(draw: Any, chain: Chain) -> None:
    factors = _per_axis(draw, chain, 1, 3)
    mode = draw(st.sampled_from(["nearest", "linear"]))
    attributes: dict[str, Any] = {"mode": mode}
    if mode == "nearest" and draw(st.booleans()):
        attributes.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    index = len(chain.nodes)
    scales = chain.constant(f"scales{index}", np.array([1, 1, *factors], np.float32))
    chain.add("Resize", ["", scales], **attributes)
    for axis in range(chain.spatial):
        chain.jump[axis] /= factors[axis]
        chain.rf[axis] += 2 * chain.jump[axis]


def _transposed(draw: Any, chain: Chain) -> None:
    perm = draw(st.permutations(range(chain.rank)))
    inverse = [perm.index(j) for j in range(chain.rank)]
    chain.add("Transpose", [], perm=list(perm))
    chain.add(draw(st.sampled_from(["Relu", "Sigmoid", "Tanh", "Identity"])), [])
    chain.add("Transpose", [], perm=inverse)


def _activation(draw: Any, chain: Chain) -> None:
    chain.add(draw(st.sampled_from(["Relu", "Sigmoid", "LeakyRelu", "Softplus", "Abs"])), [])


_LAYERS = [_conv, _conv_transpose, _pool, _pad, _resize, _transposed, _activation]


@st.composite
def chains(draw: Any) -> tuple[Chain, list[int]]:
    """A valid chain and an input size (some units interior, a cheap reference run)."""
    spatial = draw(st.integers(1, 2))
    chain = Chain(spatial, channels=1)
    for _ in range(draw(st.integers(1, 4))):
        draw(st.sampled_from(_LAYERS))(draw, chain)
    cap = 48 if spatial == 1 else 14
    sizes = [min(cap, max(2 * math.ceil(chain.rf[axis]) + 2, 4 * chain.shrink[axis]))
             for axis in range(spatial)]
    return chain, sizes


# ------------------------------------------------------------------ valid chains: the truth


def _evaluator(model: Any) -> Any:
    """ONNX's reference evaluator, with MaxPool read as LpPool of the same geometry (the
    evaluator's MaxPool takes 2-D pads in the wrong order and fails on 1-D pads; the
    dependency sets are the same)."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for node in probe.graph.node:
        if node.op_type == "MaxPool":
            node.op_type = "LpPool"
    return ReferenceEvaluator(probe)


def _reference(model: Any, sizes: list[int]) -> Any:
    """For each one-hot input pixel, which output positions it changes (ONNX's evaluator)."""
    count = math.prod(sizes)
    eye = np.eye(count + 1, count, dtype=np.float32).reshape(count + 1, 1, *sizes)
    out = _evaluator(model).run(None, {"x": eye})[0]  # the last input is all zeros
    return out[:-1] != out[-1:]


def _levels(net: Any, size: int) -> list[tuple[Any, int]]:
    """The one-axis chain's layers, each with its input length."""
    layers: list[Any] = []
    stack = list(reversed(net.layers))
    while stack:
        layer = stack.pop()
        if isinstance(layer, symrf.Sequential):
            stack.extend(reversed(layer.layers))
        else:
            layers.append(layer)
    levels = []
    for layer in layers:
        levels.append((layer, size))
        size = layer.geometry(size).sizes(size)
    return levels


def _compare(hit: Any, net: Any, sizes: list[int]) -> int:
    """Dependency sets of interior units: reference evaluator against symrf; units compared.

    ``hit[pixel, *position]``: whether the one-hot input ``pixel`` changes the output there.
    A unit is compared when, at every layer, what it reads lies inside that layer's input
    (symrf's figures are those of an unbounded signal: near a border, a crop followed by a
    pad reads zeros where the unbounded signal has pixels).
    """
    levels = [_levels(net.axis(axis), size) for axis, size in enumerate(sizes)]

    def interior(axis: int, unit: int) -> set[int] | None:
        units = {unit}
        for layer, length in reversed(levels[axis]):
            units = layer.reads(units, length)
            if not units or min(units) < 0 or max(units) >= length:
                return None
        return units

    middle = []  # on each axis, the interior unit nearest the centre that reads something
    for axis, length in enumerate(hit.shape[1:]):
        units = sorted(range(length), key=lambda u: abs(u - length // 2))
        middle.append(next((u for u in units if interior(axis, u)), None))
    compared = 0
    for axis in range(len(sizes)):
        if any(u is None for b, u in enumerate(middle) if b != axis):
            continue
        for unit in range(hit.shape[1 + axis]):
            expected = interior(axis, unit)
            if expected is None:
                continue  # a border unit: the finite image clips (or clamps) its field
            where = list(middle)
            where[axis] = unit
            pixels = np.nonzero(hit[(slice(None), *where)])[0]
            found = {int(np.unravel_index(p, sizes)[axis]) for p in pixels}
            assert found == expected, (axis, unit, sorted(found), sorted(expected))
            compared += 1
    return compared


def _lengths(model: Any) -> list[int] | None:
    """The output's spatial lengths, as ONNX's reference evaluator computes them; None when
    some tensor along the way vanishes or a reflected pad is wider than its input (invalid
    models, not hostile ones). ONNX's shape inference is not the truth: it divides
    negative lengths towards zero (a window wider than its input leaves one unit, not none)
    and, before opset 22, counts one window too many with ceil_mode."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    probe.graph.output.extend(helper.make_tensor_value_info(node.output[0],
                                                            TensorProto.FLOAT, None)
                              for node in model.graph.node)
    x = model.graph.input[0].type.tensor_type.shape.dim
    image = np.zeros([d.dim_value for d in x], np.float32)
    shapes = {"x": list(image.shape)}
    try:
        values = _evaluator(probe).run(None, {"x": image})
    except ValueError:  # a reflected pad wider than its input (numpy's pad refuses)
        return None
    for node, value in zip(model.graph.node, values, strict=True):
        shapes[node.output[0]] = list(value.shape)
        if 0 in value.shape:
            return None
    for node in model.graph.node:
        if node.op_type == "Pad" and any(a.s == b"reflect" for a in node.attribute):
            pads = numpy_helper.to_array(next(w for w in model.graph.initializer
                                              if w.name == node.input[1]))
            if any(p >= n for p, n in zip(pads, shapes[node.input[0]] * 2, strict=True)):
                return None
    return shapes[model.graph.node[-1].output[0]][2:]


def _size(sizes: list[int], net: Any) -> Any:
    """The input size for ``evaluate``: one per axis, or one for a network without per-axis
    parameters (a 2-D chain of pointwise ops is isotropic to symrf)."""
    if len(sizes) == 1 or net.axes() > 1:
        return tuple(sizes) if len(sizes) > 1 else sizes[0]
    assume(len(set(sizes)) == 1)  # an isotropic network takes one size (an engine rule)
    return sizes[0]


@settings(FUZZ, max_examples=examples(60))
@given(chains())
def test_valid_chains_import_and_match_the_reference_evaluator(drawn):
    chain, sizes = drawn
    model = chain.model(sizes)
    assume(_lengths(model) is not None)
    with within(BUDGET, model):
        net = from_onnx(model)
        report = symrf.evaluate(net, input_size=_size(sizes, net))
    check_report(report)
    hit = _reference(model, sizes).any(axis=1)  # (pixel, *output positions)
    size = report.size if isinstance(report.size, tuple) else (report.size,) * len(sizes)
    assert size == hit.shape[1:]  # what ONNX computes (its shape inference before opset 22
    # counts one more window with ceil_mode than its evaluator, ONNX Runtime and PyTorch make)
    compared = _compare(hit, net, sizes)
    event(f"units compared: {'none' if not compared else 'some' if compared < 8 else 'many'}")


@settings(FUZZ, max_examples=examples(40))
@given(chains())
def test_symbolic_lengths_give_the_figures_of_fixed_ones(drawn):
    chain, sizes = drawn
    assume(not any(node.op_type == "Conv" and any(a.s == b"SAME_LOWER" for a in node.attribute)
                   for node in chain.nodes))  # SAME_LOWER with a stride needs the length
    assume(_lengths(chain.model(sizes)) is not None)
    fixed = outcome(lambda: from_onnx(chain.model(sizes)), chain.nodes)
    symbolic = outcome(lambda: from_onnx(chain.model()), chain.nodes)
    assert not isinstance(fixed, SymrfError), fixed
    if isinstance(symbolic, SymrfError):
        assert "input size" in str(symbolic) or "input_size" in str(symbolic), symbolic
        return
    one, other = (outcome(lambda net=net: symrf.evaluate(net, input_size=_size(sizes, net)),
                          chain.nodes) for net in (fixed, symbolic))
    assert not isinstance(one, SymrfError), one
    assert (one.rf, one.jump, one.left, one.size) == (other.rf, other.jump, other.left,
                                                      other.size)


# ------------------------------------------------------------------ one mistake


_TYPES = {
    "int": lambda: 2, "ints": lambda: [1, 2], "float": lambda: 1.5, "floats": lambda: [1.5],
    "string": lambda: "2", "strings": lambda: ["a", "b"],
    "tensor": lambda: numpy_helper.from_array(np.array([2, 2], np.int64)),
    "graph": lambda: helper.make_graph([], "g", [], []),
}
_TYPE_OF = {1: "float", 2: "int", 3: "string", 4: "tensor", 5: "graph", 6: "floats",
            7: "ints", 8: "strings"}
_RANKED = ("kernel_shape", "strides", "dilations", "pads", "output_padding", "perm")
_LEAST = {"kernel_shape": 1, "strides": 1, "dilations": 1, "pads": 0, "group": 1}
_SPELLED = ("auto_pad", "mode", "coordinate_transformation_mode", "nearest_mode")


def _replace(node: Any, name: str, value: Any) -> None:
    kept = [a for a in node.attribute if a.name != name]
    del node.attribute[:]
    kind = onnx.AttributeProto.INTS if isinstance(value, list) and not value else None
    node.attribute.extend([*kept, helper.make_attribute(name, value, attr_type=kind)])


def _attribute(node: Any, name: str) -> Any:
    return next(a for a in node.attribute if a.name == name)


def _choose(draw: Any, node: Any, keep: Any) -> Any:
    """One of the node's attributes that ``keep`` accepts, or None."""
    chosen = [a for a in node.attribute if keep(a)]
    return draw(st.sampled_from(chosen)) if chosen else None


def _mistake(draw: Any, chain: Chain) -> tuple[str, bool]:
    """Apply one mistake to ``chain``; return what it was and whether ONNX forbids it."""
    nodes = chain.nodes
    with_attributes = [n for n in nodes if n.attribute]
    kind = draw(st.sampled_from([
        "type", "length", "value", "unknown", "twice", "spelling", "producer", "no-output",
        "domain", "kernel", "perm", "required", "scales"] if with_attributes else
        ["unknown", "producer", "no-output", "domain"]))
    node = draw(st.sampled_from(with_attributes or nodes))
    if kind == "type":
        attribute = draw(st.sampled_from(list(node.attribute)))
        other = draw(st.sampled_from([t for t in _TYPES if t != _TYPE_OF[attribute.type]]))
        _replace(node, attribute.name, _TYPES[other]())
        return f"{node.name}.{attribute.name} as {other}", True
    if kind == "length":
        attribute = _choose(draw, node, lambda a: a.name in _RANKED)
        if attribute is None:
            return _mistake(draw, chain)
        values = list(attribute.ints)
        longer = draw(st.booleans()) or len(values) == 0
        values = values + [1] * draw(st.integers(1, 3)) if longer else values[:-1]
        _replace(node, attribute.name, values)
        return f"{node.name}.{attribute.name} of length {len(values)}", True
    if kind == "value":
        attribute = _choose(draw, node, lambda a: a.name in _LEAST and node.op_type != "Pad")
        if attribute is None:
            return _mistake(draw, chain)
        bad = draw(st.integers(-(2**62), _LEAST[attribute.name] - 1))
        if attribute.type == 2:
            _replace(node, attribute.name, bad)
        else:
            values = list(attribute.ints)
            values[draw(st.integers(0, len(values) - 1))] = bad
            _replace(node, attribute.name, values)
        return f"{node.name}.{attribute.name} holds {bad}", True
    if kind == "unknown":
        name = draw(st.sampled_from(["kernel", "stride", "padding", "axis_", "Strides", "x"]))
        node.attribute.append(helper.make_attribute(name, 1))
        return f"{node.name}.{name} unknown", True
    if kind == "twice":
        node.attribute.append(node.attribute[draw(st.integers(0, len(node.attribute) - 1))])
        return f"{node.name} with an attribute twice", True
    if kind == "spelling":
        attribute = _choose(draw, node, lambda a: a.name in _SPELLED)
        if attribute is None:
            return _mistake(draw, chain)
        text = attribute.s.decode()
        wrong = draw(st.sampled_from([text.lower(), text.upper(), text.title(), text + "_",
                                      text[:-1], "", " " + text, text.replace("_", "-")]))
        assume(wrong != text)
        _replace(node, attribute.name, wrong)
        return f"{node.name}.{attribute.name} = {wrong!r}", True
    if kind == "producer":
        if len(nodes) < 2:
            chain.add("Relu", [])
        first, second = sorted(draw(st.permutations(range(len(nodes))))[:2])
        nodes[second].output[0] = nodes[first].output[0]
        return f"{nodes[second].name} writes {nodes[first].output[0]}", True
    if kind == "no-output":
        chain.tensor = ""
        return "no output", True
    if kind == "domain":
        node.domain = draw(st.sampled_from(["com.microsoft", "ai.onnx.ml", "custom", " "]))
        return f"{node.name} in domain {node.domain!r}", True
    if kind == "kernel":
        convs = [n for n in nodes if n.op_type in ("Conv", "ConvTranspose")]
        if not convs:
            return _mistake(draw, chain)
        node = draw(st.sampled_from(convs))
        weight = next(w for w in chain.weights if w.name == node.input[1])
        kernel = [d + draw(st.integers(1, 3)) for d in weight.dims[2:]]
        _replace(node, "kernel_shape", kernel)
        return f"{node.name}.kernel_shape {kernel} with weights {list(weight.dims)}", True
    if kind == "perm":
        perm = draw(st.lists(st.integers(-2, chain.rank + 1), max_size=chain.rank + 2))
        _replace(chain.add("Transpose", []), "perm", perm)
        return f"perm {perm}", sorted(perm) != list(range(chain.rank))
    if kind == "required":
        required = {"MaxPool": "kernel_shape", "AveragePool": "kernel_shape"}
        pools = [n for n in nodes if n.op_type in required]
        if not pools:
            return _mistake(draw, chain)
        node = draw(st.sampled_from(pools))
        kept = [a for a in node.attribute if a.name != "kernel_shape"]
        del node.attribute[:]
        node.attribute.extend(kept)
        return f"{node.name} without kernel_shape", True
    resizes = [n for n in nodes if n.op_type == "Resize"]
    if not resizes:
        return _mistake(draw, chain)
    node = draw(st.sampled_from(resizes))
    values = draw(st.lists(st.one_of(
        st.floats(allow_nan=True, allow_infinity=True, width=32),
        st.sampled_from([0.0, -1.0, 1e9, 2.0**40, 0.5, 1.0, 2.0])), max_size=chain.rank + 2))
    for index, weight in enumerate(chain.weights):
        if weight.name == node.input[2]:
            chain.weights[index] = numpy_helper.from_array(np.array(values, np.float32),
                                                           weight.name)
    good = len(values) == chain.rank and all(math.isfinite(v) and v > 0 for v in values)
    return f"{node.name} scales {values}", not good


@st.composite
def mistakes(draw: Any) -> tuple[Any, str, bool]:
    """A model with one mistake, what it is, and whether ONNX forbids it."""
    chain, sizes = draw(chains())
    what, forbidden = _mistake(draw, chain)
    model = chain.model(sizes)
    if chain.tensor == "":
        del model.graph.output[:]
    return model, what, forbidden


@settings(FUZZ, max_examples=examples(250))
@given(mistakes())
def test_one_mistake_is_refused_with_one_line(drawn):
    model, what, forbidden = drawn

    def run():
        net = from_onnx(model)
        report = symrf.evaluate(net)
        check_report(report)
        return report

    result = outcome(run, what)
    if forbidden:
        assert isinstance(result, SymrfError), f"accepted: {what}"
        text = str(result)
        assert "\n" not in text and len(text) < 1000, text


_OPSETS = st.one_of(st.integers(-(2**31), 0), st.integers(onnx.defs.onnx_opset_version() + 1,
                                                           2**62))


@settings(FUZZ, max_examples=examples(30))
@given(chains(), _OPSETS)
def test_an_opset_outside_onnx_s_range_is_refused(drawn, opset):
    chain, sizes = drawn
    result = outcome(lambda: from_onnx(chain.model(sizes, opset=opset)), opset)
    assert isinstance(result, SymrfError) and f"opset {opset} " in str(result), result


_PLACES = st.sampled_from(["node name", "tensor name", "attribute", "graph name",
                           "initializer name"])
_INVALID = st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                            b"\x80abc", b"ok\xfe"])


@settings(FUZZ, max_examples=examples(60))
@given(chains(), _PLACES, _INVALID)
def test_invalid_utf8_anywhere_is_refused_by_every_verb(drawn, place, bad):
    chain, sizes = drawn
    marker = "QQQMARKERQQQ"
    if place == "node name":
        chain.nodes[-1].name = marker
    elif place == "tensor name":
        chain.add("Relu", [])
        chain.nodes[-2].output[0] = marker
        chain.nodes[-1].input[0] = marker
    elif place == "attribute":
        chain.add("Pad", [chain.constant("padsq", np.zeros(2 * chain.rank, np.int64))],
                  mode=marker)
    elif place == "initializer name":
        chain.add("Pad", [chain.constant(marker, np.zeros(2 * chain.rank, np.int64))])
    model = chain.model(sizes)
    if place == "graph name":
        model.graph.name = marker
    data = model.SerializeToString().replace(marker.encode(), (b"Q" + bad).ljust(12, b"Q"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.onnx"
        path.write_bytes(data)
        for argv in (["analyze", str(path)], ["analyze", str(path), "--format", "json"],
                     ["convert", str(path), "-o", str(Path(folder) / "out.toml")]):
            with within(BUDGET, argv):
                status, out, err = run_cli(argv)
            check_cli(status, out, err, argv)
            assert status == 2 and "UTF-8" in err, (place, err)


# ------------------------------------------------------------------ junk bytes


@st.composite
def junk(draw: Any) -> bytes:
    """Bytes: random, or a valid model's serialization cut, flipped, spliced or mangled."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=300))
    chain, sizes = draw(chains())
    data = bytearray(chain.model(sizes).SerializeToString())
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["cut", "flip", "insert", "utf8", "varint"]))
        if action == "cut":
            del data[where:]
        elif action == "flip" and data:
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif action == "utf8" and data:
            data[where] = draw(st.sampled_from([0xFF, 0xFE, 0xC0, 0x80]))
        else:  # an overlong length or a huge varint
            data[where:where] = b"\xff" * draw(st.integers(1, 11)) + b"\x01"
    return bytes(data)


@settings(FUZZ, max_examples=examples(200))
@given(junk())
def test_junk_bytes_exit_0_or_2_and_from_onnx_fails_cleanly(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        path.write_bytes(data)
        argv = ["analyze", str(path), "--format", "json"]
        with within(BUDGET, data[:300]):
            status, out, err = run_cli(argv)
        check_cli(status, out, err, argv)

        def run():
            report = symrf.evaluate(from_onnx(path))
            check_report(report)

        outcome(run, data[:300])


# ------------------------------------------------------------------ the large-file reader


KEPT = 96
"""Tensors larger than this lose their data in these tests: the weights of the larger
chains, never their pads and scales (about 80 bytes)."""


def _walked(data: bytes) -> Any:
    """``data`` through the field-by-field reader, large tensors left without data."""
    with mock.patch.object(onnx_wire, "KEPT_BYTES", KEPT):
        return onnx_wire._Wire(io.BytesIO(data), "model.onnx").message(len(data), "model", 0)


@settings(FUZZ, max_examples=examples(100))
@given(chains())
def test_the_large_file_reader_keeps_everything_but_large_tensor_data(drawn):
    chain, sizes = drawn
    model = chain.model(sizes)
    read = onnx.ModelProto.FromString(_walked(model.SerializeToString()))
    assert read.graph.node == model.graph.node and read.opset_import == model.opset_import
    for before, after in zip(model.graph.initializer, read.graph.initializer, strict=True):
        assert (after.name, list(after.dims), after.data_type) == (
            before.name, list(before.dims), before.data_type)
        assert after == before or (before.ByteSize() > KEPT and not after.raw_data)
    assume(_lengths(model) is not None)
    with mock.patch.object(onnx_wire, "KEPT_BYTES", KEPT):
        net = from_onnx(read)
        report = symrf.evaluate(net, input_size=_size(sizes, net))
    expected = symrf.evaluate(from_onnx(model), input_size=_size(sizes, net))
    assert (report.rf, report.jump, report.left, report.size) == (
        expected.rf, expected.jump, expected.left, expected.size)


@settings(FUZZ, max_examples=examples(150))
@given(junk())
def test_the_large_file_reader_refuses_junk_with_one_line(data):
    result = outcome(lambda: _walked(data), data[:300])
    assert isinstance(result, SymrfError | bytes)
    if isinstance(result, SymrfError):
        assert "model.onnx" in str(result) and "\n" not in str(result)


# ------------------------------------------------------------------ any op, any attributes


_OPS = sorted(__import__("symrf.sources.importers.onnx", fromlist=["OPS"]).OPS)
"""Every op type the importer has a handler for."""

_SPELLINGS = __import__("symrf.sources.importers.onnx_check", fromlist=["SPELLINGS"]).SPELLINGS
_TEXT = st.one_of(st.sampled_from(sorted({s for values in _SPELLINGS.values() for s in values})),
                  st.text(max_size=8))
_INTS = st.lists(st.integers(-3, 9), max_size=6)
_VALUES: dict[int, Any] = {
    1: st.floats(allow_nan=True, allow_infinity=True, width=32),
    2: st.integers(-3, 9) | st.integers(-(2**63), 2**63 - 1),
    3: _TEXT,
    6: st.lists(st.floats(-4, 1e6, width=32) | st.just(float("nan")), max_size=6),
    7: _INTS,
    8: st.lists(_TEXT, max_size=3),
}
"""A value for an attribute of each ``AttributeProto`` type symrf can meet."""


def _text(model: Any) -> str:
    """The model in ONNX's text syntax, for failure reports."""
    try:
        return onnx.printer.to_text(model)
    except Exception:  # a model the printer cannot show
        return repr(model)


@st.composite
def single_ops(draw: Any) -> Any:
    """One node of any op symrf handles on a rank-3 to rank-5 image, with any attributes its
    schema declares (and now and then one it does not), and any constant inputs."""
    op = draw(st.sampled_from(_OPS))
    opset = draw(st.sampled_from([9, 11, 13, OPSET, onnx.defs.onnx_opset_version()]))
    try:
        schema = onnx.defs.get_schema(op, opset, "")
    except onnx.defs.SchemaError:  # not an op of that opset yet
        opset = onnx.defs.onnx_opset_version()
        schema = onnx.defs.get_schema(op, opset, "")
    rank = draw(st.integers(3, 5))
    weights: list[Any] = []
    inputs = ["x"]
    count = min(schema.max_input, 4)
    for index in range(1, draw(st.integers(min(schema.min_input, count), count)) if count > 1
                       else 1):
        choice = draw(st.sampled_from(["int", "float", "weight", "omit", "image"]))
        name = f"c{index}"
        if choice == "int":
            value = np.array(draw(_INTS), np.int64)
        elif choice == "float":
            value = np.array(draw(_VALUES[6]), np.float32)
        elif choice == "weight":
            value = np.ones([draw(st.integers(1, 3)) for _ in range(rank)], np.float32)
        if choice in ("int", "float", "weight"):
            weights.append(numpy_helper.from_array(value, name))
        inputs.append({"omit": "", "image": "x"}.get(choice, name))
    attributes = {}
    for name, declared in schema.attributes.items():
        kind = int(declared.type.value)
        if kind in _VALUES and draw(st.booleans()):
            attributes[name] = draw(_VALUES[kind])
    node = helper.make_node(op, inputs, ["y"], name="node")
    for name, value in attributes.items():
        kind = int(schema.attributes[name].type.value)
        node.attribute.append(helper.make_attribute(name, value, attr_type=kind))
    shape = [1, draw(st.integers(1, 4)), *[draw(st.integers(1, 9)) for _ in range(rank - 2)]]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([node], "single", [x], [y], initializer=weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@settings(FUZZ, max_examples=examples(300))
@given(single_ops())
def test_any_op_with_any_attributes_is_read_or_refused_with_one_line(model):
    def run():
        report = symrf.evaluate(from_onnx(model))
        check_report(report)
        return report

    result = outcome(run, _text(model))
    event("refused" if isinstance(result, SymrfError) else "read")
    if isinstance(result, SymrfError):
        assert "\n" not in str(result) and len(str(result)) < 2000, str(result)
