"""The PyTorch importer against autograd: symrf's figures equal the input gradients' hulls.

Each torchvision model (``weights=None``: nothing is downloaded) is imported with
:func:`symrf.sources.importers.torch.from_torch` and evaluated; the truth comes from
:mod:`tests.autograd_truth` (a linearised copy of the model, read by autograd). A central
unit and the units of one period after it give ``rf`` (the largest hull), ``jump`` and the
left edge of unit 0 by extrapolation, per axis. Inputs are the smallest that keep those
fields clear of the borders; deep models are checked on a prefix (``upto=``) whose field
fits such an input, and their heads on a small input, where the field is the whole input.
"""

from __future__ import annotations

import functools

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

import symrf  # noqa: E402
from symrf.sources.importers.torch import from_torch  # noqa: E402
from tests.autograd_truth import truth  # noqa: E402

models = torchvision.models


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def check(model, length, *, upto=None, axes=(0,), small=32, period=1, channels=3,
          output=None, grid=None):
    """symrf's rf, rf_min, jump and left equal autograd's on each axis, off the borders.

    Each axis is read on a strip input: ``length`` along it, ``small`` along the others
    (their fields are clipped there, which the axis read does not see). ``output`` picks
    one of several outputs; ``grid`` maps a token output back to a grid for autograd.
    """
    for axis in axes:
        sizes = [small, small]
        sizes[axis] = length
        shape = (channels, *sizes)
        net = from_torch(model, upto=upto, example_input=torch.ones(1, *shape), output=output)
        field = symrf.evaluate(net, input_size=sizes).axes[axis]
        rf, rf_min, jump, left, hull, n = truth(model, shape, axis, upto=upto, period=period,
                                                output=grid or output)
        assert hull[0] > 0 and hull[1] < n - 1, f"axis {axis}: field {hull} touches the border"
        assert (field.rf, field.rf_min, field.jump, field.left) == (rf, rf_min, jump, left), \
            f"axis {axis}"


def check_whole(model, size, *, upto=None, global_context="include", channels=3, grid=None):
    """Where a unit depends on the whole input, symrf's hull covers it (clipped: equal)."""
    shape = (channels, size, size)
    net = from_torch(model, upto=upto, example_input=torch.ones(1, *shape),
                     global_context=global_context)
    report = symrf.evaluate(net, input_size=size)
    _, _, _, _, hull, n = truth(model, shape, 0, upto=upto, detach=False, output=grid)
    assert hull[0] == 0 and hull[1] >= n - 8  # the whole input (but pixels no window reads)
    c = report.size // 2  # the unit truth() reads (0 for a classifier's output)
    left = report.left + c * report.jump
    assert (max(left, 0), min(left + report.rf - 1, n - 1)) == hull


@functools.cache
def zoo(name, **kwargs):
    """A torchvision model; ``"vgg16.features"`` is a submodule (VGG's 138M-weight
    classifier would only cost time here)."""
    name, _, part = name.partition(".")
    model = getattr(models, name)(weights=None, **kwargs).eval()
    return getattr(model, part) if part else model


PREFIXES = [  # model, keyword arguments, upto, strip length
    ("alexnet", {}, "features", (288, 64)),
    ("vgg16.features", {}, "16", 96),
    ("resnet18", {}, "layer2", 128),
    ("resnet50", {}, "layer2", 128),
    ("googlenet", {"aux_logits": False, "init_weights": False}, "inception4a", 176),
    ("squeezenet1_0", {}, "features", 224),
    ("mobilenet_v2", {}, "features.7", 112),
    ("mobilenet_v3_small", {}, "features.4", 128),
    ("shufflenet_v2_x0_5", {}, "stage2", 112),
    ("densenet121", {}, "features.transition1", 96),
    ("efficientnet_b0", {}, "features.3", 96),
    ("regnet_y_400mf", {}, "trunk_output.block1", 96),
    ("convnext_tiny", {}, "features.1", 96),
]


@pytest.mark.parametrize(("name", "kwargs", "upto", "length"), PREFIXES,
                         ids=[case[0].split(".")[0] for case in PREFIXES])
def test_local_field_equals_autograd(name, kwargs, upto, length):
    length, small = length if isinstance(length, tuple) else (length, 32)
    check(zoo(name, **kwargs), length, upto=upto, small=small)


def test_inception_v3_stem():
    model = zoo("inception_v3", aux_logits=False, init_weights=False)
    check(model, 128, upto="Mixed_5b", small=80)


def test_inception_v3_asymmetric_kernels():
    """Mixed_6b alone (its 1x7 and 7x1 convolutions), on both axes of a 768-channel map."""
    model = zoo("inception_v3", aux_logits=False, init_weights=False).Mixed_6b
    check(model, 40, axes=(0, 1), small=8, channels=768)


def test_dilated_resnet50_backbone_of_fcn():
    """The FCN/DeepLabv3 backbone: strides replaced by dilation (dilation 2 in layer3)."""
    fcn = models.segmentation.fcn_resnet50(weights=None, weights_backbone=None,
                                           aux_loss=False).eval()
    check(fcn.backbone, 176, upto="layer3.1")


def test_segmentation_head_over_a_period():
    """An FCN (its head, and bilinear x8 back to the input) on a ResNet-18 to layer2."""
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.models.segmentation.fcn import FCN, FCNHead

    backbone = IntermediateLayerGetter(zoo("resnet18"), {"layer2": "out"})
    model = FCN(backbone, FCNHead(128, 21)).eval()
    check(model, 192, period=8)


HEADS = [("alexnet", {}, 64), ("squeezenet1_0", {}, 65), ("convnext_tiny", {}, 32)]
"""Classifier heads: adaptive pooling of a 1x1 map to 6x6, flatten + Linear (AlexNet); a
convolutional head with adaptive pooling (SqueezeNet, at 65: at 64 its first convolution never
reads the last pixel, which the clipped hull would count); channels-last LayerNorm + Linear
(ConvNeXt)."""


@pytest.mark.parametrize(("name", "kwargs", "size"), HEADS, ids=[h[0] for h in HEADS])
def test_classifier_reads_the_whole_input(name, kwargs, size):
    check_whole(zoo(name, **kwargs), size, global_context="exclude")


def test_global_context_included():
    """With SE gates included, every unit after the first gate reads the whole input."""
    check_whole(zoo("mobilenet_v3_small"), 96, upto="features.4", global_context="include")


def test_global_context_is_listed():
    net = from_torch(zoo("efficientnet_b0"), upto="features.2")
    assert net.context == ("features.1.0.block.1", "features.2.0.block.2",
                           "features.2.1.block.2")
    included = from_torch(zoo("efficientnet_b0"), upto="features.2", global_context="include")
    assert included.context == ()  # listed only where the figures leave the context out
    contexts = [node.name for node in included.nodes if isinstance(node.layer, symrf.Context)]
    assert contexts == list(net.context)
    assert symrf.evaluate(included, input_size=64).rf > symrf.evaluate(net, input_size=64).rf


def test_load_torch_target():
    from symrf.sources.importers.torch import load_torch_target

    report = symrf.evaluate(load_torch_target("torchvision.models:resnet50", upto="layer4"))
    assert (report.rf, report.jump) == (427, 32)
    with pytest.raises(symrf.SpecError, match=r"is not 'package\.module:attr'"):
        load_torch_target("torchvision.models.resnet50")
    with pytest.raises(symrf.SpecError, match="has no attribute 'nope'"):
        load_torch_target("torchvision.models:nope")


def test_upto_a_module_ends_at_its_last_call():
    report = symrf.evaluate(from_torch(zoo("resnet50"), upto="layer4"))
    assert (report.rf, report.jump, report.padding) == (427, 32, 213)


class _Untraceable(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:  # data-dependent control flow: fx cannot trace it
            return x
        return -x


class _Rolled(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 3)

    def forward(self, x):
        return torch.roll(self.conv(x), 1, dims=-1)


def test_an_untraceable_model_names_the_call_and_the_way_out():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 3), _Untraceable())
    with pytest.raises(symrf.SpecError, match=r"does not trace with torch.fx at .*test_import_"
                       r"torch.py:\d+ \(if x.sum\(\) > 0:.*; the call is inside module '1' "
                       r"\(_Untraceable\): map its class \(it is then kept whole\): "
                       r"@symrf.sources.importers.torch.register\(_Untraceable\) / "
                       r"def _\(module, call\): / return symrf.Conv\(kernel=\.\.\."):
        from_torch(model, input_size=16)


def test_an_unmapped_call_names_the_node_its_line_and_the_way_out():
    with pytest.raises(symrf.SpecError, match=r"call 'roll' \(call_function roll\) at .*"
                       r"test_import_torch.py, line \d+ \(return torch.roll\(.*\)\) has no "
                       r"receptive-field mapping; .*leaf_modules=.*register"):
        from_torch(_Rolled(), input_size=16)


def test_a_leaf_with_a_registered_mapping():
    from symrf.sources.importers.torch import register

    class Shift(torch.nn.Module):
        def forward(self, x):
            return torch.roll(x, 1, dims=-1)

    @register(Shift)
    def _(module, call):  # reads x - 1 (and wraps around at the border)
        return symrf.Conv(kernel=2, padding=1, padding_right=0)

    model = torch.nn.Sequential(torch.nn.Conv1d(1, 1, 3), Shift())
    report = symrf.evaluate(from_torch(model, input_size=16))
    assert (report.rf, report.left) == (4, -1)


def test_import_symrf_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, symrf; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_image_pooling_broadcast_back_is_global_context():
    """DeepLabv3's ASPP pools the map to 1x1 and interpolates it back: context, found by
    its dimensions (and named by the module whose output the merge is)."""
    model = models.segmentation.deeplabv3_mobilenet_v3_large(
        weights=None, weights_backbone=None, aux_loss=False).eval()
    net = from_torch(model, input_size=64)
    assert "classifier.0" in net.context
    assert symrf.evaluate(net, input_size=64).period == 16


def test_unknown_upto_and_options_are_one_line_errors():
    with pytest.raises(symrf.SpecError, match=r"upto='layer9' names no module or node"):
        from_torch(zoo("resnet18"), upto="layer9")
    with pytest.raises(symrf.SpecError, match="global_context is 'all'"):
        from_torch(zoo("resnet18"), global_context="all")


def test_missing_torch_is_one_line():
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None\n"
            "import symrf\nfrom symrf.sources.importers.torch import from_torch\n"
            "try:\n    from_torch(object())\nexcept symrf.SymrfError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "symrf.from_torch needs PyTorch: pip install 'symrf[torch]'"


class _Gate(torch.nn.Module):
    """A squeeze-and-excitation gate written as timm writes it (a reduction, no pooling
    module), in one of several equivalent forms."""

    def __init__(self, form):
        super().__init__()
        self.form = form
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.reduce = torch.nn.Conv2d(8, 4, 1)
        self.expand = torch.nn.Conv2d(4, 8, 1)
        self.out = torch.nn.Conv2d(8, 8, 3)

    def forward(self, x):
        x = self.conv(x)
        if self.form == "keepdim":
            s = x.mean((2, 3), keepdim=True)
        elif self.form == "view":
            s = x.mean((2, 3)).view(x.shape[0], x.shape[1], 1, 1)
        elif self.form == "amax":
            s = x.amax(dim=(-2, -1), keepdim=True)
        else:
            s = x.std(dim=(2, 3), keepdim=True)
        s = self.expand(torch.relu(self.reduce(s)))
        return self.out(x * torch.sigmoid(s))


@pytest.mark.parametrize("form", ["keepdim", "view", "amax", "std"])
def test_a_reduction_that_keeps_dimensions_is_global_context(form):
    """timm's SE (``x.mean((2, 3), keepdim=True)`` then a 1x1 conv) was refused: the kept
    dimensions were labelled features. Each form is a 1x1 map, listed as context."""
    model = _Gate(form).eval()
    net = from_torch(model, input_size=16)
    assert net.context == ("mul",)
    check(model, 24, small=8)
    check_whole(model, 16)  # included: every unit reads the whole input


class _Pyramid(torch.nn.Module):
    """FPN's merge, ``torch.stack(maps).sum(0)``, and a stack split again along its new
    dimension."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.b = torch.nn.Conv2d(3, 4, 5, padding=2)
        self.c = torch.nn.Conv2d(3, 4, 3, dilation=3, padding=3)

    def forward(self, x):
        merged = torch.stack([self.a(x), self.b(x)]).sum(0)
        first, second = torch.stack([merged, self.c(x)], dim=1).unbind(1)
        return first * second


def test_stack_along_a_new_dimension_keeps_the_positions():
    """``torch.stack(xs).sum(0)`` was laid out as (feature, batch, feature, space0)."""
    model = _Pyramid().eval()
    report = symrf.evaluate(from_torch(model, input_size=16), input_size=16)
    assert (report.rf, report.jump, report.left) == (7, 1, -3)
    check(model, 24, small=8)


class _Wrapper(torch.nn.Module):
    """timm's ConvNormAct states in_channels but no kernel; a head registered first."""

    def __init__(self):
        super().__init__()
        self.head = torch.nn.Conv2d(8, 2, 1)  # registered first, runs last
        self.in_channels = 5
        self.stem = torch.nn.Conv2d(5, 8, 3, stride=2)

    def forward(self, x):
        return self.head(self.stem(x))


def test_the_input_channels_come_from_the_first_convolution_that_runs():
    """Before: the first module stating in_channels (the wrapper: no kernel_size) refused."""
    report = symrf.evaluate(from_torch(_Wrapper(), input_size=17), input_size=17)
    assert (report.rf, report.jump, report.size) == (3, 2, 8)


def test_an_input_shape_symrf_cannot_tell_points_to_the_command_line_option():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 2))
    with pytest.raises(symrf.SpecError, match=r"cannot tell the input shape of Sequential \(no "
                       r"convolution reads its input\); pass example_input=torch.ones\(1, C, H, "
                       r"W\) \(command line: --example-shape C,H,W\)\.$"):
        from_torch(model)
    doubled = _Doubled()
    with pytest.raises(symrf.SpecError, match=r"fails on the example input \(1, 6, 224, 224\) "
                       r"at 'conv': .*the input shape was guessed from the first convolution: "
                       r"give it as example_input=torch.ones\(1, C, H, W\) \(command line: "
                       r"--example-shape C,H,W\)"):
        from_torch(doubled)
    net = from_torch(doubled, example_input=torch.ones(1, 3, 16, 16))
    assert symrf.evaluate(net, input_size=16).rf == 3
    # a pixel unshuffle before the first convolution: its channels are the input's times 4
    stacked = torch.nn.Sequential(torch.nn.PixelUnshuffle(2), torch.nn.Conv2d(12, 4, 3))
    assert symrf.evaluate(from_torch(stacked, input_size=16), input_size=16).rf == 6


class _Doubled(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(6, 4, 3)

    def forward(self, x):
        return self.conv(torch.cat([x, x], dim=1))


def test_upto_imports_the_prefix_when_the_tail_does_not_trace():
    """timm's vgg16_bn head (data-dependent Python) blocked upto="features"."""
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 3), torch.nn.Conv2d(3, 3, 3),
                                _Untraceable())
    report = symrf.evaluate(from_torch(model, upto="1", input_size=16))
    assert report.rf == 5
    with pytest.raises(symrf.SpecError, match=r"inside module '2' \(_Untraceable\)"):
        from_torch(model, input_size=16)


class _FunctionalGroupNorm(torch.nn.GroupNorm):
    """timm's GroupNorm: a subclass calling F.group_norm, traced through."""

    def forward(self, x):
        return torch.nn.functional.group_norm(x, self.num_groups, self.weight, self.bias,
                                              self.eps)


def test_functional_group_norm_is_named_after_its_module():
    """Its context row was named after the fx node (group_norm_37)."""
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), _FunctionalGroupNorm(2, 8),
                                torch.nn.Conv2d(8, 8, 3))
    net = from_torch(model, input_size=16)
    assert net.context == ("1",)
    check(model, 24, small=8)


class _TwoMaps(torch.nn.Module):
    """A feature pyramid's shape: a fine map and a coarse one computed from it."""

    def __init__(self, as_dict=False):
        super().__init__()
        self.as_dict = as_dict
        self.fine = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.coarse = torch.nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x):
        a = self.fine(x)
        b = self.coarse(a)
        return {"fine": a, "coarse": b} if self.as_dict else [a, b]


def test_a_model_with_several_outputs_is_refused_until_one_is_picked():
    """Only the first output was used, silently (timm's features_only: the first map)."""
    with pytest.raises(symrf.SpecError, match=r"^the model returns 2 outputs: 0 \(fine\), 1 "
                       r"\(coarse\); symrf analyses one: pick it with output=NAME \(command "
                       r"line: --output-name NAME\)\.$"):
        from_torch(_TwoMaps(), input_size=16)
    fields = [symrf.evaluate(from_torch(_TwoMaps(), input_size=16, output=i), input_size=16)
              for i in (0, "1")]
    assert [(f.rf, f.jump) for f in fields] == [(3, 1), (5, 2)]
    model = _TwoMaps(as_dict=True).eval()
    with pytest.raises(symrf.SpecError, match=r"returns 2 outputs: fine \(fine\), coarse"):
        from_torch(model, input_size=16)
    net = from_torch(model, example_input=torch.ones(1, 3, 32, 8), output="coarse")
    field = symrf.evaluate(net, input_size=(32, 8)).axes[0]
    rf, rf_min, jump, left, _, _ = truth(model, (3, 32, 8), 0, output="coarse")
    assert (field.rf, field.rf_min, field.jump, field.left) == (rf, rf_min, jump, left)


def test_output_names_are_checked():
    with pytest.raises(symrf.SpecError, match=r"output='middle' names no output of the model; "
                       r"its outputs \(name and row\): 0 \(fine\), 1 \(coarse\)\.$"):
        from_torch(_TwoMaps(), input_size=16, output="middle")
    with pytest.raises(symrf.SpecError, match=r"give upto= or output=, not both"):
        from_torch(_TwoMaps(), input_size=16, output=0, upto="fine")


def test_the_command_line_picks_an_output_and_takes_the_example_shape(capsys):
    from symrf.cli import main

    target = "tests.test_import_torch:_TwoMaps"
    assert main(["analyze", target, "--example-shape", "3,16,16"]) == 2
    assert "--output-name NAME" in capsys.readouterr().err
    assert main(["analyze", target, "--output-name", "1", "--example-shape", "3,16,16",
                 "--format", "json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert (report["rf"], report["jump"], report["size"]) == (5, 2, 8)
    assert main(["analyze", target, "--example-shape", "3,x"]) == 2
    assert "--example-shape '3,x': expected channels" in capsys.readouterr().err


class _Transformer(torch.nn.Module):
    """A ViT in miniature: a patch embedding flattened into tokens, a class token, one
    attention block (written out, or fused), and a head on the class token or the mean."""

    def __init__(self, attend=True, fused=False, pool="token", patch=4, width=8):
        super().__init__()
        self.attend, self.fused, self.pool = attend, fused, pool
        self.embed = torch.nn.Conv2d(3, width, patch, stride=patch)
        self.cls = torch.nn.Parameter(torch.zeros(1, 1, width))
        self.norm = torch.nn.LayerNorm(width)
        self.qkv = torch.nn.Linear(width, 3 * width)
        self.proj = torch.nn.Linear(width, width)
        self.head = torch.nn.Linear(width, 5)

    def forward(self, x):
        x = self.embed(x)
        h, w = x.shape[-2], x.shape[-1]
        x = x.flatten(2).transpose(1, 2)  # (B, N, C): tokens
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        y = self.qkv(self.norm(x))
        if self.attend:
            q, k, v = y.reshape(x.shape[0], x.shape[1], 3, 2, -1).permute(2, 0, 3, 1, 4).unbind(0)
            if self.fused:
                y = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            else:
                y = (q @ k.transpose(-2, -1)).softmax(dim=-1) @ v
            y = y.transpose(1, 2).reshape(x.shape)
        else:
            y = y[..., : x.shape[-1]]
        x = x + self.proj(y)
        if self.pool == "grid":  # tokens back to a grid
            return x[:, 1:].transpose(1, 2).reshape(x.shape[0], -1, h, w)
        return self.head(x[:, 0] if self.pool == "token" else x[:, 1:].mean(1))


def test_tokens_keep_their_positions():
    """A ViT patch embedding, ``conv(k, s=k)(x).flatten(2).transpose(1, 2)``, reported the
    whole input, flagged exact; each token reads its own patch."""
    model = _Transformer(attend=False, pool="grid").eval()
    report = symrf.evaluate(from_torch(model, input_size=32), input_size=32)
    assert (report.rf, report.jump, report.size, report.exact) == (4, 4, 8, True)
    check(model, 48, small=16)


@pytest.mark.parametrize("fused", [False, True], ids=["matmul", "sdpa"])
def test_attention_reads_the_whole_input(fused):
    model = _Transformer(fused=fused, pool="grid").eval()
    net = from_torch(model, input_size=32)
    assert net.context == ()  # attention is the main path, not context to leave out
    report = symrf.evaluate(net, input_size=32)
    assert (report.jump, report.size) == (4, 8)  # the token grid is kept
    check_whole(model, 32, global_context="exclude")
    for pool in ("token", "mean"):  # the class token, or the tokens' mean: one vector
        head = _Transformer(fused=fused, pool=pool).eval()
        assert symrf.evaluate(from_torch(head, input_size=32), input_size=32).size == 1
        check_whole(head, 32, global_context="exclude")


class _Windows(torch.nn.Module):
    """Swin's window partition: positions split across dimensions, then attention."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Conv2d(3, 8, 4, stride=4)

    def forward(self, x):
        x = self.embed(x).permute(0, 2, 3, 1)  # (B, H, W, C)
        b, h, w, c = x.shape
        windows = x.view(b, h // 2, 2, w // 2, 2, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, 4, c)
        return torch.nn.functional.scaled_dot_product_attention(windows, windows, windows)


class _Flat(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x).flatten(1)


def test_positions_split_or_mixed_are_refused_not_guessed():
    with pytest.raises(symrf.SpecError, match=r"call 'scaled_dot_product_attention' .* attends "
                       r"over part of the positions \('view' split them across dimensions: "
                       r"windowed attention\), which symrf does not follow"):
        from_torch(_Windows(), input_size=32)
    with pytest.raises(symrf.SpecError, match=r"^the output holds positions mixed with other "
                       r"dimensions \(by 'flatten'\): each of its entries reads its own "
                       r"position, .*\(upto='conv'\)\.$"):
        from_torch(_Flat(), input_size=16)


class _Checked(torch.nn.Module):
    """Shapes read in Python: an input check skipped under tracing (as
    segmentation_models_pytorch writes it), and padding computed from the size (Swin)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        if not torch.jit.is_tracing() and x.shape[-1] % 4:
            raise RuntimeError("the width must be a multiple of 4")
        x = self.conv(x)
        pad = (4 - x.shape[-1] % 4) % 4
        return torch.nn.functional.pad(x, (0, pad, 0, pad))


def test_sizes_computed_in_python_are_read():
    report = symrf.evaluate(from_torch(_Checked(), input_size=16), input_size=16)
    assert (report.rf, report.size, report.left) == (3, 16, 0)


class _Statistics(torch.nn.Module):
    """ECA (a Conv1d over the channels of a pooled vector) and GCNet (attention pooling:
    positions summed by a product over tokens): both are global context."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.eca = torch.nn.Conv1d(1, 1, 3, padding=1)
        self.mask = torch.nn.Conv2d(8, 1, 1)
        self.out = torch.nn.Conv2d(8, 8, 3)

    def forward(self, x):
        x = self.conv(x)
        b, c, h, w = x.shape
        y = self.eca(x.mean((2, 3)).view(b, 1, c)).view(b, c, 1, 1)
        x = x * y.sigmoid()
        weights = self.mask(x).view(b, 1, h * w).softmax(-1).unsqueeze(-1)  # (b, 1, hw, 1)
        pooled = x.view(b, 1, c, h * w) @ weights  # (b, 1, c, 1)
        x = x + pooled.view(b, c, 1, 1)
        return self.out(x)


def test_channel_convolutions_and_attention_pooling_are_global_context():
    model = _Statistics().eval()
    net = from_torch(model, input_size=16)
    assert net.context == ("mul", "add")  # the softmax feeds the pooled branch only
    report = symrf.evaluate(net, input_size=16)
    assert (report.rf, report.jump, report.left) == (5, 1, -1)  # the local path
    check_whole(model, 16)  # included: the whole input (autograd follows every path)


class _MultiheadTokens(torch.nn.Module):
    """torchvision's ViT layout: nn.MultiheadAttention over patch tokens."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Conv2d(3, 8, 4, stride=4)
        self.attention = torch.nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        x = self.embed(x)
        b, c, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        tokens = tokens + self.attention(tokens, tokens, tokens)[0]
        return tokens.transpose(1, 2).reshape(b, c, h, w)


def test_multihead_attention_reads_the_whole_input():
    model = _MultiheadTokens().eval()
    local = symrf.evaluate(from_torch(model, input_size=32, upto="embed"), input_size=32)
    assert (local.rf, local.jump) == (4, 4)
    report = symrf.evaluate(from_torch(model, input_size=32), input_size=32)
    assert (report.jump, report.size) == (4, 8)
    check_whole(model, 32, global_context="exclude")


class _Subsampled(torch.nn.Module):
    """LeViT subsamples its queries by slicing: ``x[:, :, ::2, ::3]``."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv2d(3, 4, 3)
        self.b = torch.nn.Conv2d(4, 4, 3)

    def forward(self, x):
        return self.b(self.a(x)[:, :, ::2, ::3])


def test_a_strided_slice_subsamples():
    report = symrf.evaluate(from_torch(_Subsampled(), input_size=17), input_size=17)
    assert [(f.rf, f.jump) for f in report.axes] == [(7, 2), (9, 3)]
    check(_Subsampled().eval(), 40, small=16, axes=(0, 1))
