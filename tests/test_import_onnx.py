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
from symrf.importers.onnx import from_onnx, load_onnx_target  # noqa: E402
from symrf.layers.resample import Mode, Upsample  # noqa: E402

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
    monkeypatch.setattr("symrf.importers.onnx_wire.MAX_ONNX_BYTES", 4)
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
