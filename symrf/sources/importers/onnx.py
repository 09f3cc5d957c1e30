"""ONNX models as symrf networks: :func:`from_onnx` and the command line's loader.

The importer walks the ONNX graph once (``symrf.sources.importers.onnx_walk``), with every
tensor's shape from ONNX shape inference. Each node that computes a feature map becomes one
symrf node named after it (``op_type_index`` when unnamed); weights and the size subgraphs
exporters emit (``Shape``, ``Gather``, ``Concat``, ...) are folded to constants. Which
dimensions are spatial is followed through every reshape and transpose
(``symrf.sources.importers.onnx_dims``), never assumed from an op's name. The model's input is
``N, C, spatial...`` (ONNX's convolution layout).

A model file is untrusted: it is read by symrf's one file reader (``symrf.sources.files``; large
files without their weight data, ``symrf.sources.importers.onnx_wire``), and every node is checked
against ONNX's operator schema before the walk (``symrf.sources.importers.onnx_check``), so a
malformed model ends in one error line naming the node and the attribute.

The ``onnx`` package is imported when a model is read, never by ``import symrf``.

>>> import onnx
>>> from onnx import helper, TensorProto
>>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, "h", "w"])
>>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
>>> pool = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 3],
...                         strides=[2, 2], pads=[1, 1, 1, 1])
>>> net = from_onnx(helper.make_model(helper.make_graph([pool], "g", [x], [y])))
>>> import symrf
>>> symrf.evaluate(net).rf, symrf.derive(net).size
((3, 3), (floor((n_in_0 - 1)/2) + 1, floor((n_in_1 - 1)/2) + 1))
"""

from __future__ import annotations

import os
from typing import Any

from symrf.errors import NetworkError, SpecError, SymrfError
from symrf.layers.base import param
from symrf.layers.compose import Sequential
from symrf.layers.graph import INPUT, Graph
from symrf.limits import abbreviated
from symrf.sources.files import shown
from symrf.sources.importers.onnx_check import check_graph, quoted
from symrf.sources.importers.onnx_dims import Map, dims_of
from symrf.sources.importers.onnx_fold import fold
from symrf.sources.importers.onnx_load import (
    Shapes,
    feature_input,
    fix_input_size,
    infer_shapes,
    load_model,
)
from symrf.sources.importers.onnx_resize import RESIZE
from symrf.sources.importers.onnx_spatial import SPATIAL
from symrf.sources.importers.onnx_tensor import tensor_ops
from symrf.sources.importers.onnx_walk import GlobalContext, Walk, wrap
from symrf.sources.spec import Spec

__all__ = ["GlobalContext", "from_onnx", "load_onnx_target"]

OPS: dict[str, Any] = {**tensor_ops(), **SPATIAL, **RESIZE}
"""ONNX op type -> handler ``(walk, node, row_name)``: the importer's one table."""

_UNSUPPORTED = ("symrf cannot tell how this op moves positions; export the model without it, "
                "or analyse up to the node before it with upto=...")


def from_onnx(
    path_or_model: Any,
    *,
    input_size: object = None,
    upto: str | None = None,
    global_context: GlobalContext | str = GlobalContext.EXCLUDE,
) -> Graph | Sequential:
    """Read an ONNX model (a path or an ``onnx.ModelProto``) as a symrf network.

    Args:
        path_or_model: The ``.onnx`` file, or a loaded model.
        input_size: The spatial input length (int, or one per axis). When omitted, the
            model's own lengths are used; symbolic ones (``dim_param``) stay unknown, so
            figures are formulas in ``n_in`` (``n_in_0, n_in_1`` per axis).
        upto: An ONNX node name or tensor name: the network ends there.
        global_context: ``"exclude"`` (default) drops the global branch of SE gates and the
            statistics of instance/group norms (the local field) and lists those nodes in
            ``Graph.context``; ``"include"`` counts them as whole-input dependencies.

    Returns:
        A ``Sequential`` for a plain chain, else a ``Graph``; row names are node names.

    Raises:
        SpecError: The file is missing, corrupt, too large, or onnx is not installed.
        NetworkError: A node cannot be followed (its message names the node and op type).
    """
    path = os.fspath(path_or_model) if isinstance(path_or_model, str | os.PathLike) else None
    where = shown(path) if isinstance(path, str) else "ONNX model"
    return _build(load_model(path_or_model), where, input_size, upto, global_context)


def _build(model: Any, where: str, input_size: object, upto: object,
           global_context: GlobalContext | str) -> Graph | Sequential:
    try:
        mode = GlobalContext(global_context.lower() if isinstance(global_context, str)
                             else global_context)
    except ValueError:
        raise SpecError(f"global_context is {quoted(global_context)}; use 'exclude' or "
                        "'include'.") from None
    if upto is not None and not isinstance(upto, str):
        raise SpecError(f"upto is {quoted(upto)}; give an ONNX node or tensor name (a str).")
    opset = check_graph(model, where)
    image = feature_input(model, where)
    rank = len(image.type.tensor_type.shape.dim)
    if rank < 3:
        raise SpecError(f"{where}: the input {quoted(image.name)} has rank {rank}; symrf reads "
                        "images laid out as batch, channels, spatial axes (rank 3 or more).")
    if input_size is not None:
        model = fix_input_size(model, _sizes(input_size, rank, where), where)
    shapes = Shapes(infer_shapes(model, where))
    walk = Walk(model, shapes, mode, where, opset)
    walk.axes = rank - 2
    walk.values[image.name] = Map(INPUT, dims_of(shapes.get(image.name) or [None] * rank, 2))
    output = _walk(walk, model, upto, where)
    return _network(walk.graph_of(output, model.graph.name or None))


def _sizes(input_size: object, rank: int, where: str) -> list[int]:
    """``input_size`` as one positive length per spatial axis.

    >>> _sizes(8, 4, "m.onnx"), _sizes((8, 9), 4, "m.onnx")
    ([8, 8], [8, 9])
    >>> _sizes(0, 4, "m.onnx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: m.onnx: input size 0 is not a positive whole number; give the ...
    """
    try:
        sizes = param(input_size, "input size")
    except SymrfError as error:
        raise SpecError(f"{where}: {error}") from None
    sizes = list(sizes) if isinstance(sizes, tuple) else [sizes] * (rank - 2)
    for size in sizes:
        if not isinstance(size, int) or size < 1:
            raise SpecError(f"{where}: input size {quoted(size)} is not a positive whole number; "
                            "give the input length in pixels (>= 1), one per axis or one for "
                            "all.")
        if size >= 2**63:
            raise SpecError(f"{where}: input size {abbreviated(size)} is more than an ONNX "
                            "length holds (2**63 - 1); give the input length in pixels.")
    return sizes


def _walk(walk: Walk, model: Any, upto: str | None, where: str) -> str:
    """Visit every node in order; return the symrf node of the output (or of ``upto``)."""
    outputs = [value.name for value in model.graph.output]
    for index, node in enumerate(model.graph.node):
        walk.index = index
        try:
            _visit(walk, node, index)
        except SymrfError as error:
            raise wrap(error, where) from None
        if upto is not None and (node.name == upto or upto in node.output):
            tensor = upto if upto in node.output else node.output[0]
            return _map_of(walk, tensor, where, f"upto {upto!r}")
    if upto is not None:
        raise NetworkError(f"{where}: upto {upto!r} is neither a node nor a tensor of the "
                           "graph; give an ONNX node name (as in the report's rows).")
    return _map_of(walk, outputs[0], where, "the graph output")


def _visit(walk: Walk, node: Any, index: int) -> None:
    if node.domain not in ("", "ai.onnx"):
        raise walk.error(node, f"is in op domain {node.domain!r}; {_UNSUPPORTED}")
    weights = walk.weights
    if not any(isinstance(walk.value(name), Map) for name in node.input
               if name and name not in weights):
        for name, value in zip(node.output, fold(walk, node), strict=False):
            walk.values[name] = value
        return
    handler = OPS.get(node.op_type)
    if handler is None:
        raise walk.error(node, _UNSUPPORTED)
    handler(walk, node, walk.row_name(node, index))


def _map_of(walk: Walk, tensor: str, where: str, what: str) -> str:
    value = walk.values.get(tensor)
    if not isinstance(value, Map):
        raise NetworkError(f"{where}: {what} ({tensor!r}) is not computed from the image; "
                           "choose a node on the feature-map path.")
    return value.node


def _network(graph: Graph) -> Graph | Sequential:
    """A plain chain (no merges, no context, every node feeding the next) as a Sequential."""
    chain = [node for node in graph.nodes if node.layer is not None]
    sources = [INPUT] + [node.name for node in chain[:-1]]
    if (graph.context or len(chain) != len(graph.nodes) or chain[-1].name != graph.output
            or any(node.inputs != (source,) for node, source in zip(chain, sources,
                                                                     strict=True))):
        return graph
    return Sequential(*(node.layer for node in chain if node.layer is not None), name=graph.name)


def load_onnx_target(path: str, *, upto: str | None = None, input_size: object = None) -> Any:
    """The command line's reader of ``symrf analyze model.onnx``: a ``Spec``.

    The spec's input size is ``input_size`` when given, else the model's static spatial
    lengths (None when some are symbolic).

    >>> load_onnx_target("missing.onnx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: missing.onnx: cannot read the file (No such file ...
    """
    model = load_model(path)
    net = _build(model, path, input_size, upto, GlobalContext.EXCLUDE)
    size = input_size
    if size is None:
        dims = feature_input(model, path).type.tensor_type.shape.dim[2:]
        static = [d.dim_value for d in dims if d.HasField("dim_value")]
        size = tuple(static) if len(static) == len(dims) and static else None
        if isinstance(size, tuple) and len(set(size)) == 1:
            size = size[0]
    name = os.path.splitext(os.path.basename(path))[0]
    return Spec(name, net, size)
