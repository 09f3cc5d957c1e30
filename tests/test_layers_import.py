"""The layer parameters importers need, against PyTorch itself.

``Window.ceil_mode`` and ``padding_right``, ``Upsample``'s cubic mode and
``align_corners``, and the :class:`~symrf.layers.context.Context` layer: lengths equal
PyTorch's output lengths, ``reads`` equal the non-zero pattern of PyTorch's Jacobian, and
the figures of small 1-D models equal autograd's (:mod:`tests.autograd_truth`).
"""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

import symrf  # noqa: E402
from symrf.errors import InvalidLayerError  # noqa: E402
from symrf.layers.context import Context  # noqa: E402
from symrf.layers.resample import Mode, Upsample  # noqa: E402
from symrf.layers.window import AvgPool, Conv, MaxPool  # noqa: E402
from symrf.sources.importers.torch import from_torch  # noqa: E402
from tests.autograd_truth import hulls, linearised, truth  # noqa: E402

nn = torch.nn


pytestmark = pytest.mark.usefixtures("one_torch_thread")
F = torch.nn.functional


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_lengths_equal_pytorch(ceil_mode):
    """Every small pooling configuration PyTorch accepts gives PyTorch's length."""
    for m, k, s, p, d in itertools.product(range(1, 13), range(1, 5), range(1, 4), range(3),
                                           range(1, 3)):
        if p > k // 2:
            continue
        try:
            want = F.max_pool1d(torch.zeros(1, 1, m), k, s, p, d, ceil_mode=ceil_mode).shape[-1]
        except RuntimeError:
            continue  # PyTorch refuses: the map vanishes
        layer = MaxPool(kernel=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
        assert layer.geometry(m).sizes(m) == want, (m, k, s, p, d)


def test_asymmetric_padding_lengths_equal_pad_then_conv():
    for m, k, s, left, right in itertools.product((1, 2, 5, 8), range(1, 4), range(1, 3),
                                                  range(3), range(3)):
        x = F.pad(torch.zeros(1, 1, m), (left, right))
        if x.shape[-1] < k:
            continue
        want = F.conv1d(x, torch.zeros(1, 1, k), stride=s).shape[-1]
        layer = Conv(kernel=k, stride=s, padding=left, padding_right=right)
        assert layer.geometry(m).sizes(m) == want
        assert layer.geometry(m).map.lo == -left


def test_new_fields_keep_reprs_and_params():
    assert repr(Conv(kernel=3)) == "Conv(kernel=3, stride=1, dilation=1, padding=0)"
    assert repr(MaxPool(kernel=3, stride=2, ceil_mode=True)) == (
        "MaxPool(kernel=3, stride=2, dilation=1, padding=0, ceil_mode=True)")
    assert MaxPool(kernel=(3, 2), ceil_mode=True).axis(1) == MaxPool(kernel=2, ceil_mode=True)
    assert Conv(kernel=3, padding=(1, 2), padding_right=(0, 1)).axis(1).params() == {
        "kernel": 3, "stride": 1, "dilation": 1, "padding": 2, "padding_right": 1}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"padding": "same", "padding_right": 1}, "padding_right is given with padding"),
    ({"padding": "same", "ceil_mode": True}, "ceil_mode does not apply to 'same'"),
    ({"padding_right": -1}, "padding_right must be >= 0"),
])
def test_invalid_new_fields(kwargs, message):
    with pytest.raises(InvalidLayerError, match=message):
        AvgPool(kernel=3, **kwargs)


def _jacobian_reads(mode, factor, align, m):
    """For each output unit, the inputs with a non-zero weight in PyTorch's interpolation."""
    x = torch.rand(1, 1, m, dtype=torch.float64)
    kwargs = {} if mode == "nearest" else {"align_corners": align}
    if mode == "cubic":  # PyTorch has no 1-D bicubic: a 2-D map with one row
        def run(t):
            return F.interpolate(t.view(1, 1, 1, m), scale_factor=(1, factor),
                                 mode="bicubic", **kwargs).view(-1)
    else:
        def run(t):
            return F.interpolate(t, scale_factor=factor, mode=mode, **kwargs).view(-1)
    jac = torch.autograd.functional.jacobian(run, x).view(factor * m, m)
    return [set(torch.nonzero(row).flatten().tolist()) for row in jac]


@pytest.mark.parametrize(("mode", "align"), [
    ("nearest", False), ("linear", False), ("linear", True), ("cubic", False), ("cubic", True),
])
@pytest.mark.parametrize("factor", [2, 3, 4])
def test_upsample_reads_equal_pytorch_weights(mode, align, factor):
    """Away from the borders (where PyTorch clamps) symrf reads exactly the weighted taps."""
    m = 9
    layer = Upsample(factor=factor, mode=mode, align_corners=align, length=m if align else None)
    for x, want in enumerate(_jacobian_reads(mode, factor, align, m)):
        got = layer.reads({x}, m)
        if min(got) >= 0 and max(got) <= m - 1:
            assert got == want, x
            hull = layer.geometry(m).map
            assert hull.scale * x + hull.lo <= min(got) and max(got) <= hull.scale * x + hull.hi


def test_upsample_align_corners_needs_its_length():
    layer = Upsample(factor=2, mode="linear", align_corners=True, length=5)
    assert layer.period_factor() == 9 and layer.geometry(5).map.scale == symrf.parse("4/9")
    with pytest.raises(symrf.NetworkError, match="built for input length 5"):
        layer.geometry(6)
    with pytest.raises(InvalidLayerError, match="'linear' and 'cubic' modes only"):
        Upsample(factor=2, align_corners=True)
    assert Upsample(factor=2, mode="bicubic").mode is Mode.CUBIC


def _check_1d(model, n, *, period=1, channels=1):
    net = from_torch(model, example_input=torch.ones(1, channels, n))
    field = symrf.evaluate(net, input_size=n).axes[0]
    rf, rf_min, jump, left, hull, _ = truth(model, (channels, n), 0, period=period)
    assert hull[0] > 0 and hull[1] < n - 1
    assert (field.rf, field.rf_min, field.jump, field.left) == (rf, rf_min, jump, left)
    if period > 1:
        assert field.period == period


class _Pad(nn.Module):
    def __init__(self, amounts, mode="constant"):
        super().__init__()
        self.amounts, self.mode = amounts, mode

    def forward(self, x):
        return F.pad(x, self.amounts, mode=self.mode)


class _Resize(nn.Module):
    def __init__(self, mode, align=None, size=None, factor=None):
        super().__init__()
        self.mode, self.align, self.size, self.factor = mode, align, size, factor

    def forward(self, x):
        if self.mode == "bicubic":
            out = F.interpolate(x.unsqueeze(2), size=None if self.size is None else
                                (1, self.size), scale_factor=None if self.factor is None else
                                (1, self.factor), mode="bicubic", align_corners=self.align)
            return out.squeeze(2)
        return F.interpolate(x, size=self.size, scale_factor=self.factor, mode=self.mode,
                             align_corners=self.align)


def _conv(k=3, **kwargs):
    return nn.Conv1d(1, 1, k, **kwargs)


MODELS_1D = {  # name: (model, input length, period)
    "ceil-mode pools": (nn.Sequential(_conv(3, padding=1), nn.MaxPool1d(3, 2, 1, ceil_mode=True),
                                      _conv(3), nn.AvgPool1d(2, ceil_mode=True), _conv(3)), 64, 1),
    "dilated pool": (nn.Sequential(_conv(3), nn.MaxPool1d(3, 2, 1, dilation=2), _conv(3)), 48, 1),
    "lp pool": (nn.Sequential(_conv(3), nn.LPPool1d(2, 3, 2), _conv(3)), 48, 1),
    "same and valid": (nn.Sequential(_conv(4, padding="same"), _conv(3, padding="valid"),
                                     _conv(5, padding="same", dilation=2)), 48, 1),
    "padding modes": (nn.Sequential(_conv(3, padding=2, padding_mode="reflect"),
                                    _conv(3, padding=1, padding_mode="circular"),
                                    _conv(3, padding=1, padding_mode="replicate")), 48, 1),
    "asymmetric F.pad": (nn.Sequential(_Pad((3, 1)), _conv(3), nn.ZeroPad1d((0, 2)),
                                       nn.ReflectionPad1d((2, 0)), _conv(2, stride=2)), 48, 1),
    "crop by negative pad": (nn.Sequential(_conv(3), _Pad((-2, -1)), _conv(3)), 48, 1),
    "transposed": (nn.Sequential(_conv(3), nn.ConvTranspose1d(1, 1, 4, 2, 1), _conv(3),
                                 nn.ConvTranspose1d(1, 1, 3, 2, 1, output_padding=1,
                                                    dilation=2)), 48, 4),
    "nearest": (nn.Sequential(_conv(3, stride=2), nn.Upsample(scale_factor=2), _conv(3)),
                48, 2),
    "linear": (nn.Sequential(_conv(3, stride=2), _Resize("linear", factor=2, align=False),
                             _conv(3)), 48, 2),
    "linear to a size": (nn.Sequential(_conv(2, stride=2), _Resize("linear", size=96,
                                                                   align=False)), 48, 4),
    "cubic": (nn.Sequential(_conv(3, stride=2), _Resize("bicubic", factor=2, align=False),
                            _conv(3)), 48, 2),
    "pixel shuffle": (nn.Sequential(nn.Conv2d(1, 4, 3), nn.PixelShuffle(2),
                                    nn.PixelUnshuffle(2), nn.Conv2d(4, 1, 1)), None, 1),
}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("name", list(MODELS_1D))
def test_small_models_equal_autograd(name):
    model, n, period = MODELS_1D[name]
    if n is None:  # 2-D layers only (pixel shuffle): a square input, axis 0
        net = from_torch(model, example_input=torch.ones(1, 1, 24, 24))
        field = symrf.evaluate(net, input_size=24)
        rf, rf_min, jump, left, _, _ = truth(model, (1, 24, 24), 0)
        assert (field.rf, field.rf_min, field.jump, field.left) == (rf, rf_min, jump, left)
        return
    _check_1d(model.eval(), n, period=period)


@pytest.mark.parametrize("mode", ["linear", "bicubic"])
def test_aligned_corners_every_unit_equals_autograd(mode):
    """With align_corners the pattern spans the whole map: every unit is compared."""
    n = 40
    model = nn.Sequential(_conv(3, stride=2), _Resize(mode, factor=2, align=True),
                          _conv(3)).eval()
    net = from_torch(model, example_input=torch.ones(1, 1, n))
    report = symrf.evaluate(net, input_size=n)
    copied = linearised(model)
    units = [(x,) for x in range(report.size)]
    found = hulls(copied, (1, n), units, 0)
    compared = 0
    for (x,), hull in zip(units, found, strict=True):
        got = net.reads({x}, n)
        if min(got) >= 0 and max(got) <= n - 1:  # beyond, PyTorch clamps (bicubic)
            assert (min(got), max(got)) == hull, x
            compared += 1
    assert compared >= report.size - 6  # cubic taps reach 2 past each end
    assert report.left == min(net.reads({0}, n))
    assert report.jump == 2 * symrf.parse("18/37")  # stride 2, then (m - 1)/(2m - 1), m = 19


class _Gated(nn.Module):
    """A squeeze-and-excitation gate and a GroupNorm between two convolutions."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 4, 3)
        self.norm = nn.GroupNorm(2, 4)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Conv1d(4, 4, 1)
        self.conv2 = nn.Conv1d(4, 1, 5)

    def forward(self, x):
        x = self.norm(self.conv1(x))
        x = x * torch.sigmoid(self.fc(self.pool(x)))
        return self.conv2(x)


def test_global_context_excluded_is_the_local_field():
    net = from_torch(_Gated(), example_input=torch.ones(1, 1, 40))
    assert net.context == ("norm", "mul")
    field = symrf.evaluate(net, input_size=40).axes[0]
    rf, _, jump, left, _, _ = truth(_Gated(), (1, 40), 0, detach=True)
    assert (field.rf, field.jump, field.left) == (rf, jump, left) == (7, 1, 0)


def test_global_context_included_is_the_whole_input():
    n = 40
    net = from_torch(_Gated(), example_input=torch.ones(1, 1, n), global_context="include")
    report = symrf.evaluate(net, input_size=n)
    _, _, _, _, hull, _ = truth(_Gated(), (1, n), 0, detach=False)
    assert hull == (0, n - 1)
    for x in (0, 17, report.size - 1):  # every unit's field, clipped to the input
        left = report.left + x * report.jump
        assert (max(left, 0), min(left + report.rf - 1, n - 1)) == hull


def test_context_layer_reads_match_its_map():
    layer = Context(include=True)
    for m in (1, 2, 5):
        hull = layer.geometry(m).map
        for x in range(m):
            got = layer.reads({x}, m)
            assert (min(got), max(got)) == (x + hull.lo, x + hull.hi)
            assert set(range(m)) <= got
