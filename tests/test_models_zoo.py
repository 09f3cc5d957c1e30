"""The models people use: timm and segmentation_models_pytorch, against autograd.

Every model is built with random weights (``pretrained=False``, ``encoder_weights=None``:
nothing is downloaded), imported with :func:`symrf.sources.importers.torch.from_torch` and
checked as the torchvision tests check theirs (``tests/test_import_torch.py``): rf, rf_min,
jump and left on a strip input against the autograd truth of a linearised copy
(``tests/autograd_truth.py``: positive weights, max pooling as average, global reductions
detached for the local field), or, where a unit reads the whole input, the clipped hull.

A fast subset runs by default; the rest is marked ``slow`` (``pytest -m slow`` runs it,
``-m "not slow"`` leaves it out). Install the frameworks with ``pip install
'symrf[models]'``.
"""

from __future__ import annotations

import functools
import re

import pytest

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")

import symrf  # noqa: E402
from symrf.sources.importers.torch import from_torch  # noqa: E402
from tests.test_import_torch import check, check_whole  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PREFIXES = [  # model, upto (a prefix whose field fits the strip), strip length
    ("resnet50d", "layer2", 144),  # rf 95, jump 8
    ("efficientnet_b0", "blocks.2", 128),  # rf 67, jump 8: timm's SE (x.mean keepdim)
    ("tf_efficientnet_b0", "blocks.2", 128),  # TF SAME padding (Conv2dSame)
    ("mobilenetv3_large_100", "blocks.2", 160),  # rf 99, jump 8
    ("mixnet_s", "blocks.2", 192),  # rf 139, jump 8: mixed kernels
    ("ghostnet_100", "blocks.3", 144),  # rf 83, jump 8
    ("rexnet_100", "features.3", 80),  # rf 27, jump 8: ConvNormAct stem
    ("regnety_008", "s2", 96),  # rf 47, jump 8
    ("resnest14d", "layer2", 96),  # rf 39, jump 8: split attention
    ("skresnet18", "layer2", 192),  # rf 139, jump 8: selective kernels (stack + sum)
    ("densenet121", "features.transition1", 112),  # rf 63, jump 8
    ("vgg16_bn", "features", 272),  # rf 212, jump 32: the head does not trace
    ("convnext_atto", "stages.1", 208),  # rf 152, jump 8
    ("dla34", "level3", 208),  # rf 159, jump 8
    ("dpn68", "features.conv3_1", 96),  # rf 39, jump 8
    ("res2net50_14w_8s", "layer1", 192),  # rf 131, jump 4
    ("cspresnet50", "stages.0", 96),  # rf 35, jump 4
    ("darknet53", "stages.1", 80),  # rf 29, jump 4
    ("inception_v3", "Mixed_5b", 112),  # rf 63, jump 8
    ("legacy_xception", "block1", 80),  # rf 19, jump 4
    ("nf_resnet26", "stages.0", 80),  # rf 27, jump 4: weight-standardised convolutions
    ("dm_nfnet_f0", "stages.0", 80),  # rf 31, jump 4: ScaledStdConv2dSame
    ("repvgg_a0", "stages.1", 128),  # rf 71, jump 8
    ("ese_vovnet19b_dw", "stages.1", 144),  # rf 91, jump 8
    ("selecsls42b", "features.2", 144),  # rf 87, jump 8
    ("tresnet_m", "body.layer1", 112),  # rf 60, jump 4: space-to-depth stem
    ("hardcorenas_a", "blocks.2", 128),  # rf 79, jump 8
    ("lcnet_050", "blocks.3", 176),  # rf 123, jump 16
    ("mnasnet_100", "blocks.2", 160),  # rf 107, jump 8
    ("ecaresnet26t", "layer1", 80),  # rf 31, jump 4: ECA (Conv1d over channels)
    ("poolformer_s12", "stages.0", 80),  # rf 23, jump 4: GroupNorm1, pooling mixer
    ("mobileone_s0", "stages.1", 192),  # rf 135, jump 8
    ("efficientformer_l1", "stages.0", 80),  # rf 31, jump 4
    ("mambaout_femto", "stages.0", 128),  # rf 79, jump 4: channels last (read as NCHW)
    ("hgnet_tiny", "stages.0", 112),  # rf 55, jump 4
]
"""timm models from 36 families, each on a prefix (every row up to it is checked by the
figures of its last one)."""

FAST = {"efficientnet_b0", "tf_efficientnet_b0", "skresnet18", "rexnet_100"}
"""The subset that runs by default: SE by reduction, TF SAME, stack + sum, a ConvNormAct
stem."""


@functools.cache
def model(name, **kwargs):
    return timm.create_model(name, pretrained=False, **kwargs).eval()


CHANNELS_LAST = {"mambaout_femto"}
"""Models whose maps are (N, H, W, C): autograd reads them permuted to (N, C, H, W)."""


def _nchw(out):
    return out.permute(0, 3, 1, 2)


@pytest.mark.parametrize(("name", "upto", "length"), [
    pytest.param(*case, marks=() if case[0] in FAST else pytest.mark.slow, id=case[0])
    for case in PREFIXES])
def test_prefix_equals_autograd(name, upto, length):
    check(model(name), length, upto=upto, small=32,
          grid=_nchw if name in CHANNELS_LAST else None)


def test_squeeze_and_excitation_included_reads_the_whole_input():
    check_whole(model("efficientnet_b0"), 64, upto="blocks.2")


@pytest.mark.slow
def test_global_context_attention_pooling():
    """GCNet's block pools the map by attention (a product over the positions): global
    context, listed; included, every unit reads the whole input. (The autograd truth
    detaches reductions, not products, so the local field is checked on a minimal module
    in tests/test_import_torch.py.)"""
    network = model("gcresnet33ts")
    assert from_torch(network, upto="stages.0").context == ("stages.0.0.attn", "stages.0.1.attn")
    check_whole(network, 64, upto="stages.0")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["efficientnet_b0", "regnety_008", "convnext_atto"])
def test_classifier_reads_the_whole_input(name):
    check_whole(model(name), 64, global_context="exclude")


@pytest.mark.slow
def test_features_only_reports_the_output_asked_for():
    """``features_only=True`` returns five maps: refused until one is picked (only the
    first was used, silently: rf 11, jump 2)."""
    features = model("resnet50d", features_only=True)
    with pytest.raises(symrf.SpecError, match=r"the model returns 5 outputs: 0 \(act1\), 1 "
                       r"\(layer1.2.act3\), 2 \(layer2.3.act3\), 3 \(layer3.5.act3\), 4 "
                       r"\(layer4.2.act3\); symrf analyses one: pick it with output=NAME"):
        from_torch(features, input_size=64)
    check(features, 144, output=2, small=32)


def _tokens(side):
    """A ViT's token output (B, N, C), without its class token if any, as (B, C, H, W)."""
    def grid(out):
        tokens = out[:, out.shape[1] - side[0] * side[1]:]
        return tokens.transpose(1, 2).reshape(out.shape[0], -1, *side)
    return grid


def test_vit_patch_embedding_keeps_each_patch():
    """Each token reads its own 16x16 patch (rf 224, flagged exact, before)."""
    vit = model("vit_tiny_patch16_224", img_size=(160, 32))
    check(vit, 160, upto="patch_embed", small=32, grid=_tokens((10, 2)))
    report = symrf.evaluate(from_torch(model("vit_tiny_patch16_224"), upto="patch_embed"))
    assert (report.rf, report.jump, report.exact) == (16, 16, True)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "size"), [
    ("vit_tiny_patch16_224", 64), ("deit_tiny_patch16_224", 64), ("mixer_b16_224", 64),
    ("resmlp_12_224", 64), ("cait_xxs24_224", 64), ("pit_ti_224", 64)])
def test_transformers_read_the_whole_input(name, size):
    """After attention (or MLP-Mixer's token mixing) every unit reads the whole input; the
    classifier on the class token or the tokens' mean too."""
    network = model(name, img_size=size)
    check_whole(network, size, global_context="exclude")
    if name.startswith(("vit", "deit")):
        check_whole(network, size, upto="blocks.0", global_context="exclude",
                    grid=_tokens((size // 16, size // 16)))


@pytest.mark.slow
def test_torchvision_vit_with_multihead_attention():
    import torchvision

    vit = torchvision.models.vit_b_16(weights=None, image_size=64).eval()
    patch = symrf.evaluate(from_torch(vit, upto="conv_proj", input_size=64))
    assert (patch.rf, patch.jump) == (16, 16)
    check_whole(vit, 64, global_context="exclude")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "message"), [
    ("swin_tiny_patch4_window7_224", (r"attends over part of the positions \('view' split "
                                      r"them across dimensions: windowed attention\)")),
    ("mobilevit_xxs", (r"module 'stages.2.1' \(MobileVitBlock\) .* has no receptive-field "
                       r"mapping; map its class")),
    ("levit_128s", (r"mixes the positions of maps of different sizes \(7x7 and 14x14: "
                    r"attention between grids\)")),
])
def test_what_symrf_does_not_follow_is_refused_with_the_reason(name, message):
    with pytest.raises(symrf.SpecError, match=message):
        from_torch(model(name), input_size=224)


def _smp():
    return pytest.importorskip("segmentation_models_pytorch")


SEGMENTATION = {  # architecture -> the refusal expected today, or None (exact)
    "Unet": None,
    "UnetPlusPlus": None,
    "MAnet": None,
    "DeepLabV3": None,
    "FPN": None,
    "DeepLabV3Plus": None,
    "PSPNet": (symrf.SpecError, r"resizes \(3, 3\) to \(28, 28\), not by whole factors"),
    "UPerNet": (symrf.SpecError, r"resizes \(2, 2\) to \(7, 7\), not by whole factors"),
}
"""The exact engine runs decoders in linear time and merges branches of different jumps
(issue 22); the PyTorch importer does not yet map resizes by fractional factors to
``Resize`` (PSPNet's and UPerNet's pyramid pooling)."""


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(SEGMENTATION))
def test_segmentation_models_import(arch):
    """Every smp architecture with a ResNet-34 encoder imports; the figures are checked
    against autograd, or the refusal is the one stated above."""
    segmentation = _smp()
    network = getattr(segmentation, arch)(encoder_name="resnet34", encoder_weights=None).eval()
    expected = SEGMENTATION[arch]
    try:
        report = symrf.evaluate(from_torch(network, input_size=224), input_size=224)
    except symrf.SymrfError as error:
        assert expected is not None, str(error)
        kind, message = expected
        assert isinstance(error, kind) and re.search(message, str(error)), str(error)
        pytest.xfail(f"{arch}: refused ({message})")
    assert expected is None, f"{arch} was expected to be refused"
    if report.jump is None:  # branches of different jumps: no period, no common jump
        pytest.xfail(f"{arch}: no period; the per-unit hull of the centre unit is not "
                     "reported yet (issue 22): not compared with autograd")
    check_whole(network, 224, global_context="exclude")


@pytest.mark.slow
@pytest.mark.parametrize(("arch", "message"), [
    ("Linknet", r"inside module 'decoder.blocks.0' \(DecoderBlock\): map its class"),
    ("Segformer", r"does not trace with torch.fx at .*segformer/decoder.py"),
])
def test_segmentation_models_that_do_not_trace_say_where(arch, message):
    """Python control flow on tensor shapes inside a decoder block: the module to map."""
    segmentation = _smp()
    network = getattr(segmentation, arch)(encoder_name="resnet34", encoder_weights=None).eval()
    with pytest.raises(symrf.SpecError, match=message):
        from_torch(network, input_size=224)
