"""The path-count ERF against autograd: the counts are the input gradient, exactly.

Each symrf network is run as its own linear twin in PyTorch (float64, every weight 1, no
bias, no nonlinearity; pooling as sum pooling, i.e. PyTorch's average pooling times the
window), written here from PyTorch's own operators, not from symrf's reads. The gradient of
the central output unit is then, entry by entry, the number of paths that
:func:`symrf.effective.erf` counts, with the input size given (pixels in padding carry no paths).
Counts stay far below 2**53, where float64 sums are exact.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
F = torch.nn.functional

import symrf  # noqa: E402
from symrf.effective import erf  # noqa: E402
from symrf.effective.empirical import empirical_erf  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(layer, x):
    """``layer`` applied to ``x`` (N, 1, *spatial) with every weight 1."""
    dims = x.dim() - 2
    if isinstance(layer, symrf.Sequential):
        for inner in layer.layers:
            x = run(inner, x)
        return x
    if isinstance(layer, symrf.Parallel):
        return sum(run(branch, x) if branch is not None else x for branch in layer.branches)
    ones = torch.ones((1, 1, *(getattr(layer, "kernel", 1),) * dims), dtype=x.dtype)
    if isinstance(layer, symrf.ConvTranspose):
        transpose = (F.conv_transpose1d, F.conv_transpose2d)[dims - 1]
        return transpose(x, ones, stride=layer.stride, padding=layer.padding,
                         output_padding=layer.output_padding, dilation=layer.dilation)
    if isinstance(layer, symrf.Conv | symrf.MaxPool | symrf.AvgPool):
        conv = (F.conv1d, F.conv2d)[dims - 1]
        return conv(x, ones, stride=layer.stride, padding=layer.padding,
                    dilation=layer.dilation)
    if isinstance(layer, symrf.Upsample):
        return F.interpolate(x, scale_factor=layer.factor, mode="nearest")
    raise AssertionError(layer)


def pools(layer, x):
    """Average pooling times its window: sum pooling (the other form of the same twin)."""
    if isinstance(layer, symrf.AvgPool):
        return F.avg_pool1d(x, layer.kernel, layer.stride, layer.padding) * layer.kernel
    return run(layer, x)


def gradient(net, shape, unit, forward=run):
    x = torch.ones((1, 1, *shape), dtype=torch.float64, requires_grad=True)
    out = forward(net, x)
    out[(0, 0, *unit)].backward()
    return x.grad[0, 0]


def central(out_shape):
    return tuple(n // 2 for n in out_shape)


@st.composite
def window(draw):
    kind = draw(st.sampled_from([symrf.Conv, symrf.AvgPool]))
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 3)) if kind is symrf.Conv else 1
    p = draw(st.integers(0, k // 2))
    return kind(kernel=k, stride=s, dilation=d, padding=p)


@st.composite
def resample(draw):
    if draw(st.booleans()):
        return symrf.Upsample(factor=draw(st.integers(2, 3)))
    k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    p = draw(st.integers(0, d * (k - 1)))
    return symrf.ConvTranspose(kernel=k, stride=s, dilation=d, padding=p,
                               output_padding=draw(st.integers(0, max(s, d) - 1)))


@st.composite
def residual(draw):
    k = draw(st.sampled_from([1, 3, 5]))
    d = draw(st.integers(1, 2))
    main = [symrf.Conv(kernel=k, dilation=d, padding=d * (k - 1) // 2)
            for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        return symrf.Parallel(main, [])
    return symrf.Parallel([*main, symrf.Conv(kernel=3, stride=2, padding=1)],
                          [symrf.Conv(kernel=1, stride=2)])


layers = st.lists(st.one_of(window(), resample(), residual()), min_size=1, max_size=4)


def checked(net, size):
    """symrf's counts on ``0 .. size-1``, or a skipped example when a map vanishes."""
    try:
        result = erf(net, input_size=size, dims=1)
    except symrf.SymrfError:
        assume(False)
    profile = result.profiles[0]
    dense = [0] * size
    for i, count in enumerate(profile.counts):
        dense[profile.origin + i] = count
    return dense, profile.unit


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers, st.integers(6, 40))
def test_counts_equal_autograd_on_random_networks(chosen, size):
    net = symrf.Sequential(*chosen)
    assume(symrf.evaluate(net).rf < 200)
    dense, unit = checked(net, size)
    grad = gradient(net, (size,), (unit,))
    assert grad.tolist() == dense


@pytest.mark.parametrize("forward", [run, pools], ids=["ones", "avgpool"])
def test_pooling_as_sum_pooling(forward):
    net = symrf.Sequential(symrf.Conv(kernel=3, padding=1), symrf.AvgPool(kernel=2),
                           symrf.Conv(kernel=3, dilation=2, padding=2), symrf.AvgPool(kernel=3))
    dense, unit = checked(net, 30)
    assert gradient(net, (30,), (unit,), forward).tolist() == dense


@pytest.mark.parametrize("unit", [None, (0, 9)], ids=["central", "corner"])
def test_two_dimensional_residual_map_equals_autograd(unit):
    block = symrf.Parallel([symrf.Conv(kernel=3, padding=1), symrf.Conv(kernel=3, padding=1)],
                           [])
    net = symrf.Sequential(symrf.Conv(kernel=3, stride=2, padding=1), block, block)
    result = erf(net, input_size=20, unit=unit)
    assert not result.separable
    grad = gradient(net, (20, 20), unit or (5, 5))
    full = torch.zeros((20, 20), dtype=torch.float64)
    (top, left), values = result.counts.origin, result.map()
    full[top: top + values.shape[0], left: left + values.shape[1]] = torch.tensor(
        values.astype(float))
    assert torch.equal(grad, full)
    assert tuple(p.unit for p in result.profiles) == (unit or (5, 5))


def test_chain_map_is_the_outer_product():
    net = symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=2, dilation=3))
    result = erf(net, input_size=16)
    assert result.separable
    grad = gradient(net, (16, 16), tuple(p.unit for p in result.profiles))
    top, left = (p.origin for p in result.profiles)
    values = result.map()
    window = grad[top: top + values.shape[0], left: left + values.shape[1]]
    assert window.tolist() == values.tolist()
    assert grad.sum() == values.sum()


def test_empirical_erf_of_uniform_weights_is_the_path_counts():
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.MaxPool2d(2), torch.nn.Conv2d(2, 1, 3, padding=1))
    found = empirical_erf(conv, (1, 16, 16), weights="uniform", samples=2)
    net = symrf.from_torch(conv, input_size=16)
    exact = erf(net, input_size=16)
    assert found.map.shape == (16, 16)
    top, left = (p.origin for p in exact.profiles)
    truth = exact.map().astype(float)
    truth = truth / truth.sum()
    window = found.map[top: top + truth.shape[0], left: left + truth.shape[1]]
    assert abs(window - truth).max() < 1e-12
    assert found.sigma == pytest.approx(tuple(p.sigma for p in exact.profiles))


def test_empirical_erf_with_model_weights_has_a_width():
    torch.manual_seed(0)
    model = torch.nn.Sequential(*[torch.nn.Conv2d(2 if i else 1, 2, 3, padding=1)
                                  for i in range(4)])
    found = empirical_erf(model, (1, 21, 21), samples=4)
    assert found.map.sum() == pytest.approx(1.0)
    assert all(0 < s < 5 for s in found.sigma)
    assert found.unit == (10, 10)


def test_erf_figure_shows_the_measured_erf_beside_the_counts():
    from symrf.render.figures.erf import picture

    model = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3, padding=1), torch.nn.Conv2d(1, 1, 3))
    exact = erf(symrf.from_torch(model, input_size=12), input_size=12)
    measured = empirical_erf(model, (1, 12, 12), samples=2)
    figure = picture(exact, measured, axis=1)
    labels = figure.axes[1].get_legend_handles_labels()[1]
    assert labels[1].startswith("empirical (model)") and labels[-1] == "path counts"
    assert figure.axes[1].get_title().startswith("axis 1: sigma 1.155, rf 5")
