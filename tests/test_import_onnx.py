"""The ONNX importer against independent truths.

- Models exported from PyTorch (torchvision's and a small segmentation net): symrf's figures
  read from the ONNX file equal autograd on the torch model itself (positive weights, max
  pooling as average pooling of the same geometry, saturating activations unsaturated, a
  positive input): the nonzero hull of the input gradient of a central unit and its
  neighbours gives rf, jump and the left end of unit 0 on each axis.
- Graphs built by hand with ``onnx.helper`` (asymmetric pads, auto_pad, Resize modes,
  DepthToSpace, size subgraphs, ``dim_param`` inputs): every interior unit's dependency set
  from ONNX's reference evaluator run on one-hot inputs equals symrf's.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402
from torch import nn  # noqa: E402

import symrf  # noqa: E402
from symrf.engine import analyze  # noqa: E402
from symrf.errors import NetworkError, SpecError  # noqa: E402
from symrf.layers.resample import Mode, Upsample  # noqa: E402
from symrf.sources.importers.onnx import from_onnx, load_onnx_target  # noqa: E402
from symrf.sources.importers.onnx_load import load_model  # noqa: E402

from fuzz_harness import check_cli, cli_isolated, run_cli  # noqa: E402

# -- autograd truth ------------------------------------------------------------------------


def linearised(model: nn.Module, detach_gates: bool = True) -> nn.Module:
    """A copy with positive weights, max pools as average pools, no saturation."""
    model = copy.deepcopy(model).float().eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.abs() * 0.5 + 0.01)
    for parent in list(model.modules()):
        for key, child in list(parent.named_children()):
            if isinstance(child, nn.MaxPool2d):
                setattr(parent, key, nn.AvgPool2d(child.kernel_size, child.stride,
                                                  child.padding, ceil_mode=child.ceil_mode))
            elif isinstance(child, nn.ReLU6 | nn.Hardtanh | nn.Hardsigmoid):
                setattr(parent, key, nn.ReLU())
    if detach_gates:
        for module in model.modules():
            if isinstance(module, torchvision.ops.SqueezeExcitation):
                module.forward = _detached(module)  # type: ignore[method-assign]
    return model


def _detached(module: nn.Module):
    def forward(x):
        return module._scale(x.detach()) * x

    return forward


def truth(model: nn.Module, size: tuple[int, int], period: int = 1) -> dict[str, tuple]:
    """rf, jump and left of unit 0 per axis from the input gradient of central units.

    Units ``c .. c + period`` along each axis (``c`` a multiple of the period near the
    centre); each unit's dependency set is the nonzero support of its input gradient.
    """
    units = [(axis, step) for axis in range(2) for step in range(period + 1)]
    x = torch.ones(1, 3, *size, dtype=torch.float32, requires_grad=True)
    out = model(x)
    centre = [n // 2 // period * period for n in out.shape[2:]]  # a multiple of the period
    grads = []
    for axis, step in units:
        unit = list(centre)
        unit[axis] += step
        grads.append(torch.autograd.grad(out[0, :, unit[0], unit[1]].sum(), x,
                                         retain_graph=True)[0][0])
    figures: dict[str, list] = {"rf": [], "jump": [], "left": []}
    for axis in range(2):
        hulls = []
        for batch, (along, _) in enumerate(units):
            if along != axis:
                continue
            hit = (grads[batch] != 0).any(dim=0).any(dim=1 - axis).nonzero().flatten()
            lo, hi = int(hit.min()), int(hit.max())
            assert lo > 0 and hi < size[axis] - 1, "the field touches the border: enlarge input"
            hulls.append((lo, hi))
        jump = (hulls[period][0] - hulls[0][0]) / period
        figures["rf"].append(max(hi - lo + 1 for lo, hi in hulls[:period]))
        figures["jump"].append(int(jump) if jump == int(jump) else jump)
        figures["left"].append(hulls[0][0] - centre[axis] * jump)
    return {key: tuple(value) for key, value in figures.items()}


def export(model: nn.Module, path, size: tuple[int, int], dynamic: bool = False) -> str:
    """``torch.onnx.export`` (the TorchScript exporter, which works offline)."""
    axes = {"x": {0: "batch", 2: "height", 3: "width"}} if dynamic else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.randn(1, 3, *size),), str(path), dynamo=False,
                          input_names=["x"], dynamic_axes=axes)
    return str(path)


class Segmenter(nn.Module):
    """An encoder-decoder: two stride-2 stages, a transposed conv and a bilinear upsample."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(4, 4, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(4, 4, 3, stride=2, padding=1, dilation=1))
        self.up1 = nn.ConvTranspose2d(4, 4, 4, stride=2, padding=1)
        self.up2 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.head = nn.Conv2d(8, 2, 3, padding=1)

    def forward(self, x):
        stem = self.stem(x)
        up = self.up2(self.up1(self.down(stem)))
        return self.head(torch.cat([up, stem], dim=1))


def _models() -> dict[str, tuple[nn.Module, tuple[int, int], int]]:
    tv = torchvision.models
    resnet = tv.resnet18(weights=None)
    googlenet = tv.googlenet(weights=None, aux_logits=False, init_weights=False)
    return {
        "resnet18": (nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool,
                                   resnet.layer1, resnet.layer2), (176, 176), 1),
        "alexnet": (tv.alexnet(weights=None).features, (320, 320), 1),
        "mobilenet_v2": (tv.mobilenet_v2(weights=None).features[:8], (160, 160), 1),
        "squeezenet": (tv.squeezenet1_0(weights=None).features[:8], (224, 224), 1),
        "googlenet": (nn.Sequential(googlenet.conv1, googlenet.maxpool1, googlenet.conv2,
                                    googlenet.conv3, googlenet.maxpool2, googlenet.inception3a,
                                    googlenet.inception3b), (224, 224), 1),
        "segmenter": (Segmenter(), (48, 56), 4),
        "mobilenet_v3_small": (tv.mobilenet_v3_small(weights=None).features[:4], (96, 96), 1),
    }


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each model exported once: name -> (torch model, ONNX path, input size, period)."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("onnx")
    return {name: (model, export(model, folder / f"{name}.onnx", size), size, period)
            for name, (model, size, period) in _models().items()}


@pytest.mark.parametrize("name", ["resnet18", "alexnet", "mobilenet_v2", "squeezenet",
                                  "googlenet", "segmenter", "mobilenet_v3_small"])
def test_exported_models_match_autograd(exported, name):
    model, path, size, period = exported[name]
    report = symrf.evaluate(from_onnx(path), input_size=size)
    expected = truth(linearised(model), size, period)
    assert (report.rf, report.jump, report.left) == (expected["rf"], expected["jump"],
                                                    expected["left"])


def test_se_gates_are_listed_as_global_context(exported):
    model, path, size, _ = exported["mobilenet_v3_small"]
    net = from_onnx(path)
    assert net.context and all(name.endswith("/Mul") for name in net.context)
    assert symrf.evaluate(net, input_size=size).rf[0] < size[0]
    x = torch.ones(1, 3, *size, requires_grad=True)
    out = linearised(model, detach_gates=False)(x)  # the gates read every position
    (grad,) = torch.autograd.grad(out[0, :, 0, 0].sum(), x)
    assert bool((grad != 0).all())


# -- hand-built graphs against ONNX's reference evaluator ----------------------------------

H, W = 13, 14


def build(nodes, weights=(), *, shape=("b", 1, H, W), opset=18):
    """A one-input model; ``weights`` are (name, shape) of all-ones initializers."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)
    inits = [onnx.numpy_helper.from_array(np.ones(value, np.float32)
                                          if isinstance(value, tuple) else value, name)
             for name, value in weights]
    graph = helper.make_graph(nodes, "hand", [x], [y], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def conv(name, src, dst, k=3, cin=1, cout=1, **attributes):
    node = helper.make_node("Conv", [src, f"{name}.w"], [dst], name=name, **attributes)
    return node, (f"{name}.w", (cout, cin, k, k))


def brute_force(model, net, size=(H, W)):
    """Every interior unit's dependency set on each axis: reference evaluator vs symrf."""
    count = size[0] * size[1]
    eye = np.eye(count, dtype=np.float32).reshape(count, 1, *size)
    hit = (ReferenceEvaluator(model).run(None, {"x": eye})[0] != 0).any(axis=1)
    report = symrf.evaluate(net, input_size=size)
    compared = 0
    for axis in range(2):
        one = net.axis(axis)
        middle = [n // 2 for n in hit.shape[1:]]
        for unit in range(hit.shape[1 + axis]):
            expected = one.reads({unit}, size[axis])
            if not expected or min(expected) < 0 or max(expected) >= size[axis]:
                continue  # a border unit: the finite image clips (or clamps) its field
            where = list(middle)
            where[axis] = unit
            pixels = np.nonzero(hit[:, where[0], where[1]])[0]
            found = {int(p) // size[1] if axis == 0 else int(p) % size[1] for p in pixels}
            assert found == expected, (axis, unit)
            compared += 1
    assert compared >= 4, "too few interior units: enlarge the input"
    return report


def test_asymmetric_pads_become_padding_right():
    node, weight = conv("c", "x", "y", strides=[2, 1], pads=[1, 0, 2, 1])
    net = from_onnx(build([node], [weight]))
    layer = net.layers[0]
    assert (layer.padding, layer.padding_right) == ((1, 0), (2, 1))
    report = brute_force(build([node], [weight]), net)
    assert report.size == ((H + 3 - 3) // 2 + 1, W + 1 - 3 + 1)


@pytest.mark.parametrize("mode", ["SAME_UPPER", "SAME_LOWER"])
@pytest.mark.parametrize(("k", "stride", "dilation"), [(4, 2, 1), (3, 1, 2), (2, 3, 1)])
def test_auto_pad(mode, k, stride, dilation):
    node, weight = conv("c", "x", "y", k=k, auto_pad=mode, strides=[stride, stride],
                        dilations=[dilation, dilation])
    model = build([node], [weight])
    report = brute_force(model, from_onnx(model, input_size=(H, W)))
    assert report.size == (-(-H // stride), -(-W // stride))


def test_auto_pad_with_an_unknown_length():
    node, weight = conv("c", "x", "y", k=4, auto_pad="SAME_UPPER", strides=[2, 2])
    net = from_onnx(build([node], [weight], shape=("b", 1, "h", "w")))
    assert net.layers[0].padding == (symrf.Padding.SAME, symrf.Padding.SAME)
    node.attribute[0].s = b"SAME_LOWER"
    with pytest.raises(NetworkError, match=r"node 'c' \(Conv\): auto_pad SAME_LOWER"):
        from_onnx(build([node], [weight], shape=("b", 1, "h", "w")))


def resize(mode, scale, opset=18, **attributes):
    first, weight = conv("c", "x", "t", k=3)
    scales = ("scales", np.array([1, 1, scale, scale], np.float32))
    node = helper.make_node("Resize", ["t", "", "scales"], ["y"], name="up", mode=mode,
                            **attributes)
    return build([first, node], [weight, scales], opset=opset)


RESIZES = [
    ("nearest", 2, {}),
    ("nearest", 3, {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}),
    ("nearest", 3, {"coordinate_transformation_mode": "half_pixel",
                    "nearest_mode": "round_prefer_ceil"}),
    ("linear", 2, {}),
    ("linear", 3, {"coordinate_transformation_mode": "pytorch_half_pixel"}),
]


@pytest.mark.parametrize(("mode", "scale", "attributes"), RESIZES)
def test_resize(mode, scale, attributes):
    model = resize(mode, scale, **attributes)
    brute_force(model, from_onnx(model), size=(7, 8))


@pytest.mark.skipif(not hasattr(Mode, "CUBIC"), reason="symrf has no Mode.CUBIC yet")
def test_resize_cubic():
    model = resize("cubic", 2)
    brute_force(model, from_onnx(model), size=(9, 8))


@pytest.mark.skipif(not any(f.name == "align_corners" for f in dataclasses.fields(Upsample)),
                    reason="symrf has no Upsample.align_corners yet")
def test_resize_align_corners():
    model = resize("linear", 2, coordinate_transformation_mode="align_corners")
    brute_force(model, from_onnx(model, input_size=(7, 8)), size=(7, 8))


@pytest.mark.parametrize(("mode", "attributes", "attribute"), [
    ("nearest", {"coordinate_transformation_mode": "asymmetric",
                 "nearest_mode": "round_prefer_ceil"}, "nearest_mode 'round_prefer_ceil'"),
    ("linear", {"coordinate_transformation_mode": "asymmetric"}, "'asymmetric'"),
    ("linear", {"coordinate_transformation_mode": "tf_crop_and_resize"}, "tf_crop_and_resize"),
])
def test_resize_without_an_equivalent_names_node_and_attribute(mode, attributes, attribute):
    with pytest.raises(NetworkError, match=rf"node 'up' \(Resize\): .*{attribute}"):
        from_onnx(resize(mode, 3, **attributes))


def test_resize_by_sizes_from_a_shape_subgraph_with_symbolic_input():
    """Shape -> Slice -> Mul -> Concat -> Resize(sizes): the exporter's size computation."""
    first, weight = conv("c", "x", "t", k=3)
    nodes = [
        first,
        helper.make_node("Shape", ["t"], ["shape"], name="shape"),
        helper.make_node("Slice", ["shape", "two", "four"], ["hw"], name="slice"),
        helper.make_node("Slice", ["shape", "zero", "two"], ["nc"], name="batch_channels"),
        helper.make_node("Mul", ["hw", "twice"], ["big"], name="mul"),
        helper.make_node("Concat", ["nc", "big"], ["sizes"], name="concat", axis=0),
        helper.make_node("Resize", ["t", "", "", "sizes"], ["y"], name="up", mode="nearest"),
    ]
    constants = [("two", np.array([2], np.int64)), ("four", np.array([4], np.int64)),
                 ("twice", np.array([2], np.int64)), ("zero", np.array([0], np.int64))]
    model = build(nodes, [weight, *constants], shape=("b", 1, "h", "w"))
    net = from_onnx(model)
    assert [layer.name for layer in net.layers] == ["c", "up"]
    assert str(symrf.derive(net).size[0]) == "2*(n_in_0 - 2)"
    brute_force(model, net, size=(7, 8))


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(mode):
    first, w1 = conv("c1", "x", "t", k=3, cout=4)
    shuffle = helper.make_node("DepthToSpace", ["t"], ["u"], name="shuffle", blocksize=2,
                               mode=mode)
    last, w2 = conv("c2", "u", "y", k=3)
    model = build([first, shuffle, last], [w1, w2])
    net = from_onnx(model)
    assert isinstance(net.layers[1], symrf.PixelShuffle)
    brute_force(model, net, size=(8, 9))


def test_space_to_depth():
    first = helper.make_node("SpaceToDepth", ["x"], ["t"], name="unshuffle", blocksize=2)
    last, weight = conv("c", "t", "y", k=3, cin=4)
    model = build([first, last], [weight], shape=("b", 1, 12, 14))
    brute_force(model, from_onnx(model), size=(12, 14))


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad(mode):
    pads = ("pads", np.array([0, 0, 2, 1, 0, 0, 1, 0], np.int64))
    node = helper.make_node("Pad", ["x", "pads"], ["t"], name="pad", mode=mode)
    last, weight = conv("c", "t", "y", k=3)
    model = build([node, last], [pads, weight])
    net = from_onnx(model)
    assert (net.layers[0].left, net.layers[0].right) == ((2, 1), (1, 0))
    brute_force(model, net)


def test_negative_pads_crop():
    pads = ("pads", np.array([0, 0, 2, -1, 0, 0, 1, -2], np.int64))
    node = helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")
    net = from_onnx(build([node], [pads]))
    pad, crop = net.layers[0].layers
    assert (pad.left, pad.right, crop.left, crop.right) == ((2, 0), (1, 0), (0, 1), (0, 2))
    assert symrf.evaluate(net, input_size=(H, W)).size == (H + 3, W - 3)


def test_channel_shuffle_by_reshape_and_transpose_is_pointwise():
    first, w1 = conv("c1", "x", "t", k=3, cout=4, pads=[1, 1, 1, 1])
    nodes = [
        first,
        helper.make_node("Reshape", ["t", "split"], ["r"], name="split"),
        helper.make_node("Transpose", ["r"], ["p"], name="swap", perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["p", "join"], ["j"], name="join"),
    ]
    last, w2 = conv("c2", "j", "y", k=3, cin=4)
    shapes = [("split", np.array([-1, 2, 2, H, W], np.int64)),
              ("join", np.array([-1, 4, H, W], np.int64))]
    model = build([*nodes, last], [w1, w2, *shapes])
    net = from_onnx(model)
    assert [layer.op for layer in net.layers] == ["conv", "identity", "identity", "identity",
                                                  "conv"]
    brute_force(model, net)


def test_symbolic_input_size():
    first, weight = conv("c", "x", "y", k=3, strides=[2, 2], pads=[1, 1, 1, 1])
    model = build([first], [weight], shape=("b", 1, "h", "w"))
    net = from_onnx(model)
    assert str(symrf.derive(net).size) == "(floor((n_in_0 - 1)/2) + 1, floor((n_in_1 - 1)/2) + 1)"
    fixed = from_onnx(model, input_size=(H, W))
    figures = [(r.rf, r.jump, r.left, r.size) for r in (
        symrf.evaluate(net, input_size=(H, W)), symrf.evaluate(fixed, input_size=(H, W)))]
    assert figures[0] == figures[1]
    brute_force(model, net)


def test_flatten_and_gemm_read_the_whole_input():
    first, w1 = conv("c", "x", "t", k=3)
    nodes = [first, helper.make_node("Flatten", ["t"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fc.w"], ["y"], name="fc", transB=1)]
    model = build(nodes, [w1, ("fc.w", (5, (H - 2) * (W - 2)))], shape=(1, 1, H, W))
    report = analyze(from_onnx(model), input_size=(H, W))
    assert [row.op for row in report.layers] == ["conv", "identity", "linear"]
    assert report.size == (1, 1)
    assert report.rf == (H, W)


@pytest.mark.parametrize("op", ["InstanceNormalization", "GroupNormalization"])
def test_norm_statistics_are_global_context(op):
    first, weight = conv("c", "x", "t", k=3, cout=2)
    extra = {"num_groups": 1} if op == "GroupNormalization" else {}
    norm = helper.make_node(op, ["t", "scale", "bias"], ["y"], name="norm", **extra)
    params = [("scale", np.ones(2 if op == "InstanceNormalization" else 1, np.float32)),
              ("bias", np.zeros(2 if op == "InstanceNormalization" else 1, np.float32))]
    model = build([first, norm], [weight, *params])
    net = from_onnx(model)
    assert net.context == ("norm",)
    assert symrf.evaluate(net).rf == (3, 3)
    included = from_onnx(model, global_context="include")  # a plain chain: no context list
    assert included.layers[-1] == symrf.Context(include=True)
    size = 12  # the statistics span the whole map: unit x reads [x - (m-1), x + (m-1)]
    assert symrf.evaluate(included, input_size=size).rf == (3 + 2 * (size - 3),) * 2


def test_reduce_mean_fed_back_is_global_context():
    first, weight = conv("c", "x", "t", k=3)
    nodes = [first, helper.make_node("ReduceMean", ["t", "axes"], ["m"], name="mean"),
             helper.make_node("Sub", ["t", "m"], ["y"], name="centre")]
    model = build(nodes, [weight, ("axes", np.array([2, 3], np.int64))])
    net = from_onnx(model)
    assert net.context == ("centre",)
    assert [node.op for node in net.nodes] == ["conv", "globalpool", "identity"]
    assert symrf.evaluate(net, input_size=(H, W)).rf == (3, 3)


def test_unsupported_op_names_node_op_and_remedy():
    first, weight = conv("c", "x", "t", k=3)
    odd = helper.make_node("NonZero", ["t"], ["y"], name="where")
    with pytest.raises(NetworkError, match=r"node 'where' \(NonZero\): .*upto="):
        from_onnx(build([first, odd], [weight]))
    net = from_onnx(build([first, odd], [weight]), upto="c")
    assert symrf.evaluate(net).rf == (3, 3)


def test_a_reshape_that_splits_positions_is_refused():
    node = helper.make_node("Reshape", ["x", "shape"], ["y"], name="fold")
    model = build([node], [("shape", np.array([1, 1, H, 2, 7], np.int64))], shape=(1, 1, H, W))
    with pytest.raises(NetworkError, match=r"node 'fold' \(Reshape\): .*splits spatial axis 1"):
        from_onnx(model)


def test_corrupt_huge_and_missing_files_give_one_line(tmp_path, monkeypatch):
    corrupt = tmp_path / "bad.onnx"
    corrupt.write_bytes(b"\x08\x07garbage\xff\xff\xff")
    with pytest.raises(SpecError, match=r"bad.onnx: not a valid ONNX model"):
        from_onnx(corrupt)
    monkeypatch.setattr("symrf.sources.importers.onnx_wire.MAX_ONNX_BYTES", 4)
    with pytest.raises(SpecError, match=r"bad.onnx: 12 bytes, more than the limit of 4 bytes "
                       r"for an ONNX model; store the weights as external data"):
        from_onnx(corrupt)
    with pytest.raises(SpecError, match="cannot read the file"):
        from_onnx(tmp_path / "missing.onnx")


def test_load_onnx_target(tmp_path):
    first, weight = conv("c", "x", "y", k=3)
    path = tmp_path / "tiny.onnx"
    onnx.save(build([first], [weight], shape=(1, 1, 10, 12)), path)
    spec = load_onnx_target(str(path))
    assert (spec.name, spec.input_size) == ("tiny", (10, 12))
    assert analyze(spec.network, input_size=spec.input_size).size == (8, 10)


def test_import_symrf_does_not_import_onnx():
    import subprocess
    import sys

    code = "import sys, symrf; print('onnx' in sys.modules, 'torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split() == ["False", "False"]


# -- hostile models (issue 18): one line naming node, attribute, expected and found -------


def image_model(nodes, weights=(), *, opset=18, outputs=None, shape=(1, 3, 8, 8)):
    """A model reading a 3-channel 8x8 image ``x``; ``weights`` are (name, array)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    if outputs is None:
        outputs = [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)]
    inits = [onnx.numpy_helper.from_array(value, name) for name, value in weights]
    graph = helper.make_graph(nodes, "hostile", [x], outputs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


WEIGHT = ("w", np.ones((3, 3, 3, 3), np.float32))


def conv_model(**attributes):
    return image_model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", **attributes)],
                       [WEIGHT])


def node_with(op, attributes, inputs=("x",), weights=()):
    """A node whose attributes are given as AttributeProtos (any type, any value)."""
    node = helper.make_node(op, list(inputs), ["y"], name="n")
    node.attribute.extend(attributes)
    return image_model([node], weights)


def one(op, name, inputs=("x",), weights=(), opset=18, **attributes):
    return image_model([helper.make_node(op, list(inputs), ["y"], name=name, **attributes)],
                       weights, opset=opset)


AUTO_PAD = (r"node 'c' \(Conv\): attribute 'auto_pad': expected one of 'NOTSET', "
            r"'SAME_UPPER', 'SAME_LOWER', 'VALID' \(exact spelling\), found ")
RANK = r"values \(one per spatial axis of its rank-4 input\), found "
SCALES = [("s", None)]

REFUSED = {
    # wrong answers before: read as something else
    "auto_pad lower case": (conv_model(auto_pad="same_upper"), AUTO_PAD + "'same_upper'"),
    "auto_pad misspelt": (conv_model(auto_pad="SAME_UPPPER"), AUTO_PAD + "'SAME_UPPPER'"),
    "auto_pad empty": (conv_model(auto_pad=""), AUTO_PAD + "''"),
    "kernel_shape 5x5, weights 3x3": (
        conv_model(kernel_shape=[5, 5]),
        (r"attribute 'kernel_shape': expected \[3, 3\] \(the spatial shape of weight 'w'\), "
        r"found \[5, 5\]")),
    "kernel_shape rank 3 on 2-D": (conv_model(kernel_shape=[3, 3, 3]),
                                   r"'kernel_shape': expected 2 " + RANK + r"3: \[3, 3, 3\]"),
    "pads of length 8": (conv_model(pads=[1] * 8),
                         (r"'pads': expected 4 values \(a begin and an end for each spatial "
                         r"axis of its rank-4 input\), found 8")),
    "strides of length 5": (conv_model(strides=[1] * 5), r"'strides': expected 2 " + RANK + "5"),
    "group 0": (conv_model(group=0), r"'group': expected an integer >= 1, found 0\."),
    "group -1": (conv_model(group=-1), r"'group': expected an integer >= 1, found -1\."),
    "group 7 with 3 channels": (conv_model(group=7),
                                (r"'group': expected a divisor of the input's 3 channels, "
                                r"found 7\.")),
    "Pad mode mirror": (
        one("Pad", "p", ["x", "pads"], [("pads", np.zeros(8, np.int64))], mode="mirror"),
        (r"node 'p' \(Pad\): attribute 'mode': expected one of 'constant', 'reflect', 'edge', "
        r"'wrap' \(exact spelling\), found 'mirror'\.")),
    "Transpose perm [0, 0, 1, 1]": (
        one("Transpose", "t", perm=[0, 0, 1, 1]),
        (r"node 't' \(Transpose\): attribute 'perm': expected a permutation of 0\.\.3 \(one "
        r"entry per dimension of its rank-4 input\), found \[0, 0, 1, 1\]\.")),
    "Transpose perm [0, 1]": (one("Transpose", "t", perm=[0, 1]),
                              r"'perm': expected a permutation of 0\.\.3 .*found \[0, 1\]"),
    "Resize scales of length 6": (
        one("Resize", "r", ["x", "", "s"], [("s", np.ones(6, np.float32))]),
        (r"node 'r' \(Resize\): input 'scales': expected 4 values \(one per dimension of its "
        r"rank-4 input\), found 6")),
    "opset 0": (one("Relu", "a", opset=0), (r"imports opset 0 of the default ONNX domain; "
                r"expected one opset from 1 to \d+")),
    "opset -1": (one("Relu", "a", opset=-1), r"imports opset -1 of the default ONNX domain"),
    "opset 10**6": (one("Relu", "a", opset=10**6), r"imports opset 1000000 of the default"),
    "two nodes write one tensor": (
        image_model([helper.make_node("Relu", ["x"], ["y"], name="a"),
                     helper.make_node("Sigmoid", ["x"], ["y"], name="b")]),
        (r"node 'b' \(Sigmoid\) writes tensor 'y', which node 'a' \(Relu\) already holds; "
        r"each tensor has one producer")),
    # hangs before: factors checked against the phase limit before any loop
    "Resize nearest by 1e9": (
        one("Resize", "r", ["x", "", "s"], [("s", np.array([1, 1, 1e9, 1e9], np.float32))]),
        (r"node 'r' \(Resize\): resizes dimension 2 by 1e\+09, more than symrf's limit of "
        r"16384 for one upsampling factor")),
    "Resize to sizes 2**40": (
        one("Resize", "r", ["x", "", "", "s"],
            [("s", np.array([1, 3, 2**40, 2**40], np.int64))]),
        r"resizes dimension 2 by 1\.37439e\+11, more than symrf's limit of 16384"),
    "Upsample opset 7 by 1e6": (
        one("Upsample", "u", opset=7, scales=[1.0, 1.0, 1e6, 1e6]),
        r"node 'u' \(Upsample\): resizes dimension 2 by 1e\+06, more than symrf's limit"),
    # tracebacks before
    "kernel_shape [3] on 2-D": (conv_model(kernel_shape=[3]), r"'kernel_shape': expected 2 "
                                + RANK + r"1: \[3\]"),
    "strides [2] on 2-D": (conv_model(strides=[2]), r"'strides': expected 2 " + RANK + "1"),
    "pads [1] on 2-D": (conv_model(pads=[1]), r"'pads': expected 4 values .* found 1: \[1\]"),
    "rank-2 weights": (
        image_model([helper.make_node("Conv", ["x", "w"], ["y"], name="c")],
                    [("w", np.ones((3, 3), np.float32))]),
        (r"node 'c' \(Conv\): input 1 \(weight 'w'\): expected rank 4 \(as its input\), found "
        r"shape \[3, 3\]")),
    "pads as one INT": (node_with("Conv", [helper.make_attribute("pads", 1)], ("x", "w"),
                                  [WEIGHT]),
                        (r"node 'n' \(Conv\): attribute 'pads': expected a list of ints, found "
                        r"an int\.")),
    "strides as a tensor": (
        node_with("Conv", [helper.make_attribute(
            "strides", onnx.numpy_helper.from_array(np.array([2, 2], np.int64)))],
            ("x", "w"), [WEIGHT]),
        r"attribute 'strides': expected a list of ints, found a tensor\."),
    "kernel_shape as a graph": (
        node_with("MaxPool", [helper.make_attribute("kernel_shape",
                                                    helper.make_graph([], "h", [], []))]),
        (r"node 'n' \(MaxPool\): attribute 'kernel_shape': expected a list of ints, found a "
        r"graph\.")),
    'strides "2"': (node_with("MaxPool", [helper.make_attribute("kernel_shape", [3, 3]),
                                          helper.make_attribute("strides", "2")]),
                    r"attribute 'strides': expected a list of ints, found a string\."),
    "DepthToSpace without blocksize": (
        one("DepthToSpace", "d"),
        (r"node 'd' \(DepthToSpace\): attribute 'blocksize': required by DepthToSpace "
        r"\(opset 18\), found none\.")),
    "Pad pads [1, 1] on rank 4": (
        one("Pad", "p", ["x", "pads"], [("pads", np.ones(2, np.int64))]),
        (r"node 'p' \(Pad\): input 'pads': expected 8 values \(a begin and an end for each "
        r"dimension of its rank-4 input\), found 2: \[1, 1\]\.")),
    "Resize scales NaN": (
        one("Resize", "r", ["x", "", "s"], [("s", np.array([1, 1, np.nan, 2], np.float32))]),
        r"input 'scales': expected finite numbers > 0, found \[1\.0, 1\.0, nan, 2\.0\]\."),
    "Resize scales inf": (
        one("Resize", "r", ["x", "", "s"], [("s", np.array([1, 1, np.inf, 2], np.float32))]),
        r"input 'scales': expected finite numbers > 0, found \[1\.0, 1\.0, inf, 2\.0\]\."),
    "Resize scales shorter than the rank": (
        one("Resize", "r", ["x", "", "s"], [("s", np.array([2, 2], np.float32))]),
        r"input 'scales': expected 4 values \(one per dimension of its rank-4 input\), found 2"),
    "Transpose perm [0, 1, 2, 99]": (one("Transpose", "t", perm=[0, 1, 2, 99]),
                                     r"'perm': expected a permutation of 0\.\.3 .*99\]"),
    "a graph with no outputs": (
        image_model([helper.make_node("Relu", ["x"], ["y"], name="a")], outputs=[]),
        r"the graph has no outputs; export the model with its output"),
    "an unknown attribute": (conv_model(stride=[2, 2]),
                             (r"attribute 'stride': expected one of the attributes of Conv "
                             r"\(opset 18\): auto_pad, dilations, group, kernel_shape, pads, "
                             r"strides, found an attribute it does not have\.")),
    "an attribute twice": (
        node_with("Relu", [helper.make_attribute("alpha", 1.0)] * 2),
        r"attribute 'alpha': expected one of the attributes of Relu"),
    "an operator unknown to the opset": (one("Gelu", "g", opset=18),
                                         (r"node 'g' \(Gelu\): 'Gelu' is no operator of ONNX "
                                         r"opset 18")),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_hostile_models_are_refused_with_one_line(case):
    model, message = REFUSED[case]
    with pytest.raises(NetworkError, match=r"^ONNX model: .*" + message) as raised:
        from_onnx(model)
    assert "\n" not in str(raised.value)


def test_convtranspose_pads_beyond_pytorch_s_output_padding_crop_the_full_map():
    """ONNX allows pads ``begin > end + output_padding`` (PyTorch's output_padding < stride
    does not hold): the full transposed map, cropped at each end."""
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[1, 1],
                            pads=[2, 0, 0, 1])
    model = build([node], [("w", (1, 1, 3, 3))])
    net = from_onnx(model)
    assert [layer.op for layer in net.layers[0].layers] == ["convtranspose", "crop"]
    report = brute_force(model, net)
    assert report.size == (H + 2 - 2, W + 2 - 1)


def test_invalid_utf8_names_and_modes_give_one_line_for_every_verb(tmp_path):
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="POOLNAME", kernel_shape=[3, 3],
                            auto_pad="SAME_UPPER")
    data = image_model([pool]).SerializeToString()
    for old, new, what in [(b"POOLNAME", b"POOL\xff\xfeME", (r"node #0: name: expected UTF-8 "
                            r"text, found b'POOL\\xff\\xfeME' \(byte 0xff at offset 4\)")),
                           (b"SAME_UPPER", b"SAME\xffUPPER", (r"node 'POOLNAME' \(MaxPool\): "
                            r"attribute 'auto_pad': expected UTF-8 text, found "
                            r"b'SAME\\xffUPPER'"))]:
        path = tmp_path / "bad.onnx"
        path.write_bytes(data.replace(old, new))
        for argv in (["analyze", str(path)], ["analyze", str(path), "--format", "json"],
                     ["convert", str(path), "-o", str(tmp_path / "out.toml")]):
            status, out, err = run_cli(argv)
            check_cli(status, out, err, argv)
            assert status == 2 and re.search(what, err), err
        assert not (tmp_path / "out.toml").exists()


@pytest.mark.parametrize("kind", ["fifo", "zero", "urandom", "directory"])
def test_onnx_targets_that_are_not_regular_files_are_refused_at_once(tmp_path, kind):
    path = tmp_path / "x.onnx"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(f"/dev/{kind}")
    label = {"fifo": "a FIFO", "directory": "a directory"}.get(kind, "a device")
    status, out, err = cli_isolated(["analyze", str(path)])
    assert (status, out) == (2, "")
    assert err == (f"symrf: error: {path}: not a regular file ({label}); give the path of an "
                   "ONNX model.\n")
    with pytest.raises(SpecError, match="not a regular file"):
        from_onnx(path)


def test_a_large_model_is_read_without_its_weight_data(tmp_path, monkeypatch):
    """Above MAX_FILE_BYTES, tensors larger than KEPT_BYTES keep only their shapes."""
    node, weight = conv("c", "x", "t", k=5, cin=1, cout=64)
    pool = helper.make_node("MaxPool", ["t"], ["y"], name="pool", kernel_shape=[2, 2],
                            strides=[2, 2])
    model = build([node, pool], [weight], shape=(1, 1, 16, 16))
    path = tmp_path / "big.onnx"
    onnx.save(model, path)
    monkeypatch.setattr("symrf.sources.importers.onnx_wire.MAX_FILE_BYTES", 1024)
    monkeypatch.setattr("symrf.sources.importers.onnx_wire.KEPT_BYTES", 512)
    read = load_model(str(path))
    assert read.graph.node == model.graph.node
    (tensor,) = read.graph.initializer
    assert (list(tensor.dims), tensor.raw_data) == ([64, 1, 5, 5], b"")
    report = symrf.evaluate(from_onnx(path), input_size=16)
    assert (report.rf, report.jump, report.size) == ((6, 6), (2, 2), (6, 6))
    monkeypatch.setattr("symrf.sources.importers.onnx_wire.MAX_FILE_BYTES", 64)
    with pytest.raises(SpecError, match=r"big.onnx: the model without its weight data is more "
                       r"than 64 bytes \(graph, attributes and small constants\), the limit"):
        load_model(str(path))


def test_weights_stored_as_external_data_are_never_opened(tmp_path):
    node = helper.make_node("Resize", ["x", "", "s"], ["y"], name="up", mode="nearest")
    model = build([node], [("s", np.array([1, 1, 2, 2], np.float32))])
    scales = model.graph.initializer[0]
    scales.ClearField("raw_data")
    scales.data_location = TensorProto.EXTERNAL
    entry = scales.external_data.add()
    entry.key, entry.value = "location", "/dev/zero"
    with pytest.raises(NetworkError, match=r"node 'up' \(Resize\): scales \(input 2\) comes from "
                       r"tensor 's', whose data symrf does not read \(external data"):
        from_onnx(model)


@pytest.mark.parametrize(("value", "message"), [
    (None, ("expected an ONNX file's path (a str or os.PathLike) or an onnx.ModelProto, found "
           "NoneType.")),
    (3, "expected an ONNX file's path (a str or os.PathLike) or an onnx.ModelProto, found int."),
    (b"x.onnx", ("expected an ONNX file's path (a str or os.PathLike) or an onnx.ModelProto, "
                "found bytes.")),
])
def test_from_onnx_refuses_what_is_no_path_or_model(value, message):
    with pytest.raises(SpecError) as raised:
        from_onnx(value)
    assert str(raised.value) == message


@pytest.mark.parametrize(("size", "message"), [
    (0, "input size 0 is not a positive whole number"),
    (-3, "input size -3 is not a positive whole number"),
    ((8, 0), "input size 0 is not a positive whole number"),
    (True, "input size is a bool (True); give an int."),
    (2.5, "input size is the float 2.5"),
    (2**70, "input size 1180591620717411303424 is more than an ONNX length holds"),
])
def test_from_onnx_refuses_input_sizes_that_are_not_positive_lengths(size, message):
    with pytest.raises(SpecError) as raised:
        from_onnx(conv_model(), input_size=size)
    assert str(raised.value).startswith("ONNX model: " + message), raised.value


def test_convert_refuses_what_analyze_refuses(tmp_path):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    path = tmp_path / "small.onnx"
    onnx.save(image_model([node], [("w", np.ones((3, 3, 5, 5), np.float32))],
                          shape=(1, 3, 3, 3)), path)
    target = tmp_path / "small.toml"
    errors = []
    for argv in (["analyze", str(path)], ["convert", str(path), "-o", str(target)]):
        status, out, err = run_cli(argv)
        check_cli(status, out, err, argv)
        errors.append(err)
    assert errors[0] == errors[1] and "the feature map vanishes" in errors[0]
    assert not target.exists()


def test_a_long_chain_gives_the_rows_of_the_same_sequential():
    count = 20_000
    nodes = [helper.make_node("Relu", [f"t{i}" if i else "x"], [f"t{i + 1}"], name=f"r{i}")
             for i in range(count)]
    nodes.append(helper.make_node("MaxPool", [f"t{count}"], ["y"], name="pool",
                                  kernel_shape=[3, 3], strides=[2, 2]))
    net = from_onnx(image_model(nodes))
    assert [layer.name for layer in net.layers[:2]] == ["r0", "r1"] and len(net.layers) == count + 1
    report = symrf.evaluate(net, input_size=9)
    assert (report.rf, report.jump, report.size) == ((3, 3), (2, 2), (4, 4))


def test_a_graph_past_the_node_limit_is_refused_before_any_work(monkeypatch):
    monkeypatch.setattr("symrf.sources.importers.onnx_check.MAX_ONNX_NODES", 10)
    nodes = [helper.make_node("Relu", [f"t{i}" if i else "x"], [f"t{i + 1}"]) for i in range(11)]
    with pytest.raises(symrf.errors.TooLargeError, match=r"^ONNX model: the graph has 11 nodes, "
                       r"more than symrf's limit of 10; export the part of the network"):
        from_onnx(image_model(nodes))
    assert len(from_onnx(image_model(nodes[:10])).layers) == 10


def test_auto_pad_with_one_length_unknown_is_tf_same_on_every_axis():
    node, weight = conv("c", "x", "y", k=2, auto_pad="SAME_UPPER", strides=[1, 2])
    model = build([node], [weight], shape=("b", 1, "h", "w"))
    net = from_onnx(model)
    assert net.layers[0].padding == (symrf.Padding.SAME, symrf.Padding.SAME)
    fixed = symrf.evaluate(from_onnx(model, input_size=(H, W)), input_size=(H, W))
    report = brute_force(model, net)
    assert (report.rf, report.left, report.size) == (fixed.rf, fixed.left, fixed.size)
