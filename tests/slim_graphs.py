"""TF-Slim's ResNets (v1 and v2; 50, 101, 152, 200 layers) as graph specs and as chains.

The graph form is what an importer or a hand-written spec gives: every bottleneck unit's
convolutions, its shortcut and its ``add`` are nodes. The chain form is the same network as
``Sequential``/``Parallel`` blocks (as :mod:`symrf.sources.zoo.slim` writes resnet_v1_50). Both
follow tensorflow/models research/slim (nets/resnet_v1.py, resnet_v2.py, resnet_utils.py):

- root: ``conv2d_same`` 7x7/2 (explicit padding 3 then VALID), max pool 3x3/2 SAME;
- blocks of bottleneck units, the stride in each block's last unit (blocks 1-3: stride 2);
  the 3x3 convolution is ``conv2d_same`` (SAME for stride 1, explicit padding for stride 2);
- the shortcut is a 1x1 projection (with the unit's stride) in each block's first unit, a
  1x1 max pool with the stride where a unit strides without projection, else the identity;
- v1 applies ReLU after the add; v2 applies BatchNorm + ReLU before the unit (``preact``).

``same_strides=True`` writes every strided layer as TF SAME (``padding = "same"``) instead
of ``conv2d_same``: then the padding of every stride-2 layer depends on the input length.

>>> spec = graph_spec("resnet_v2_50")
>>> len(spec["nodes"]), spec["nodes"][-1]["name"]
(94, 'resnet_v2_50/postnorm')
>>> chain("resnet_v1_50").layers[2].name
'resnet_v1_50/block1'
"""

from __future__ import annotations

import json
from typing import Any

from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.layers.parallel import Parallel
from symrf.layers.pointwise import BatchNorm, Pad, ReLU
from symrf.layers.window import Conv, MaxPool
from symrf.sources.spec import loads

UNITS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3)}
"""Bottleneck units per block, by depth (resnet_v1.py / resnet_v2.py)."""

NAMES = tuple(f"resnet_{version}_{depth}" for version in ("v1", "v2") for depth in UNITS)
"""The eight networks."""

PUBLISHED = {
    # google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md: per block (rf, effective
    # stride, effective padding at 224, at 321); v1 and v2 have the same figures.
    50: ((35, 8, 15, 17), (99, 16, 47, 49), (291, 32, 143, 145), (483, 32, 239, 241)),
    101: ((35, 8, 15, 17), (99, 16, 47, 49), (835, 32, 415, 417), (1027, 32, 511, 513)),
    152: ((35, 8, 15, 17), (163, 16, 79, 81), (1315, 32, 655, 657), (1507, 32, 751, 753)),
    200: ((35, 8, 15, 17), (419, 16, 207, 209), (1571, 32, 783, 785), (1763, 32, 879, 881)),
}
"""The published figures of each block's output, by depth."""


def _parts(name: str) -> tuple[str, tuple[int, ...]]:
    _, version, depth = name.split("_")
    return version, UNITS[int(depth)]


def _strides(units: tuple[int, ...]) -> list[list[int]]:
    """Each unit's stride: 2 in the last unit of blocks 1-3, else 1."""
    return [[2 if (u == count - 1 and b < 3) else 1 for u in range(count)]
            for b, count in enumerate(units)]


def graph_spec(name: str, same_strides: bool = False) -> dict[str, Any]:
    """The network ``name`` (one of :data:`NAMES`) as a graph spec document.

    Each block's output node is named ``<name>/block<b>``, as Slim's end-points.
    """
    version, units = _parts(name)
    nodes: list[dict[str, Any]] = []

    def node(node_name: str, op: str, inputs: list[str], **params: Any) -> str:
        nodes.append({"name": node_name, "op": op, "inputs": inputs, **params})
        return node_name

    def conv_same(scope: str, kernel: int, stride: int, source: str) -> str:
        if stride == 1 or same_strides:
            return node(scope, "conv", [source], kernel=kernel, stride=stride, padding="same")
        total = kernel - 1
        padded = node(f"{scope}/pad", "pad", [source], left=total // 2,
                      right=total - total // 2)
        return node(scope, "conv", [padded], kernel=kernel, stride=stride, padding="valid")

    source = conv_same(f"{name}/conv1", 7, 2, "input")
    source = node(f"{name}/pool1", "maxpool", [source], kernel=3, stride=2, padding="same")
    for b, strides in enumerate(_strides(units), start=1):
        for u, stride in enumerate(strides, start=1):
            scope = f"{name}/block{b}/unit_{u}/bottleneck_{version}"
            last = u == len(strides)
            out = f"{name}/block{b}" if last else f"{scope}/out"
            unit_in = source
            if version == "v2":
                source = node(f"{scope}/preact", "batchnorm", [unit_in])
            if u == 1:  # the depth changes: a 1x1 projection
                shortcut = node(f"{scope}/shortcut", "conv", [source], kernel=1, stride=stride)
            elif stride > 1:  # slim's subsample
                shortcut = node(f"{scope}/shortcut", "maxpool", [unit_in], kernel=1,
                                stride=stride)
            else:
                shortcut = unit_in
            x = node(f"{scope}/conv1", "conv", [source], kernel=1)
            x = conv_same(f"{scope}/conv2", 3, stride, x)
            x = node(f"{scope}/conv3", "conv", [x], kernel=1)
            if version == "v1":
                x = node(f"{scope}/add", "add", [shortcut, x])
                source = node(out, "relu", [x])
            else:
                source = node(out, "add", [shortcut, x])
    if version == "v2":
        node(f"{name}/postnorm", "batchnorm", [source])
    return {"name": name, "nodes": nodes}


def graph(name: str, same_strides: bool = False) -> Graph:
    """The network as a :class:`~symrf.layers.graph.Graph`, read from its JSON spec."""
    text = json.dumps(graph_spec(name, same_strides))
    network = loads(text, "json", f"{name}.json").network
    assert isinstance(network, Graph)
    return network


def _conv_same(kernel: int, stride: int, same_strides: bool) -> Layer:
    if stride == 1 or same_strides:
        return Conv(kernel=kernel, stride=stride, padding="same")
    total = kernel - 1
    return Sequential(Pad(left=total // 2, right=total - total // 2),
                      Conv(kernel=kernel, stride=stride, padding="valid"))


def chain(name: str, same_strides: bool = False) -> Sequential:
    """The same network in chain form: root layers, then one ``Sequential`` per block."""
    version, units = _parts(name)
    blocks: list[Layer] = []
    for b, strides in enumerate(_strides(units), start=1):
        unit_list: list[Layer] = []
        for u, stride in enumerate(strides, start=1):
            preact: list[Layer] = [BatchNorm(), ReLU()] if version == "v2" else []
            main = [*preact, Conv(kernel=1), _conv_same(3, stride, same_strides),
                    Conv(kernel=1)]
            if u == 1:
                shortcut: list[Layer] = [*preact, Conv(kernel=1, stride=stride)]
            elif stride > 1:
                shortcut = [MaxPool(kernel=1, stride=stride)]
            else:
                shortcut = []
            unit = Parallel(main, shortcut, name=f"bottleneck_{version}")
            unit_list.append(Sequential(unit, ReLU()) if version == "v1" else unit)
        blocks.append(Sequential(*unit_list, name=f"{name}/block{b}"))
    layers: list[Layer] = [
        Sequential(_conv_same(7, 2, same_strides), name=f"{name}/conv1"),
        MaxPool(kernel=3, stride=2, padding="same", name=f"{name}/pool1"),
        *blocks,
    ]
    if version == "v2":
        layers.append(BatchNorm(name=f"{name}/postnorm"))
    return Sequential(*layers, name=name)
