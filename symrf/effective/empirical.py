"""The empirical ERF of a PyTorch model: the mean absolute input gradient of its central unit.

Luo et al. (NIPS 2016) measure a model's effective receptive field as the gradient of one
output unit (the central one, summed over channels) with respect to the input, in absolute
value, averaged over inputs. :func:`empirical_erf` does that over random or given inputs,
with the model's own weights, or with its linear twin whose every tap weighs the same
(``weights="uniform"``: activations become the identity, max pooling average pooling, each
weight ``1/fan-in`` over channels, batch norm the identity). The uniform twin's map is the
normalised path-count ERF (:func:`symrf.effective.erf`); the model's own map is a measurement,
reported beside it, never instead of it.

The width is the Gaussian fitted by moments: the standard deviation of each axis's marginal.
PyTorch is imported when a function here is called.
"""

from __future__ import annotations

import copy
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from symrf.errors import SpecError


class Weights(enum.Enum):
    """Which weights the gradient flows through."""

    MODEL = "model"
    UNIFORM = "uniform"


@dataclass(frozen=True)
class EmpiricalERF:
    """A measured ERF: the normalised map (numpy, one axis per spatial axis) and its width."""

    map: Any = field(repr=False)
    mean: tuple[float, ...]
    sigma: tuple[float, ...]
    """The fitted Gaussian's standard deviation per axis (the marginal's, by moments)."""
    unit: tuple[int, ...]
    samples: int
    weights: Weights


def empirical_erf(
    model: Any,
    input_shape: Sequence[int],
    *,
    inputs: Any = None,
    samples: int = 16,
    weights: Weights | str = Weights.MODEL,
    unit: Sequence[int] | None = None,
    upto: str | None = None,
    seed: int = 0,
) -> EmpiricalERF:
    """The mean absolute input gradient of one output unit of ``model``, normalised to sum 1.

    Args:
        model: An ``nn.Module`` taking ``(batch, channels, *spatial)``; run in eval mode on
            a copy (the model itself is untouched).
        input_shape: ``(channels, *spatial)`` of one input.
        inputs: A batch of inputs to average over (default: ``samples`` standard normals).
        samples: How many random inputs to draw.
        weights: ``"model"`` (its own weights) or ``"uniform"`` (the linear twin).
        unit: The output unit (default: the central one, ``length // 2`` on each axis).
        upto: A submodule whose output is the map of interest.
        seed: The random inputs' seed.

    >>> import torch
    >>> model = torch.nn.Conv2d(1, 1, 3, padding=1)
    >>> found = empirical_erf(model, (1, 5, 5), weights="uniform", samples=1)
    >>> found.map[1:4, 1:4].tolist() == [[1 / 9] * 3] * 3, found.unit
    (True, (2, 2))
    """
    try:
        import torch
    except ImportError:
        raise SpecError("the empirical ERF needs PyTorch: pip install 'symrf[torch]'") from None
    kind = Weights(weights)
    twin = copy.deepcopy(model).train(False).double()
    if kind is Weights.UNIFORM:
        _linearise(twin, torch)
    if inputs is None:
        generator = torch.Generator().manual_seed(seed)
        inputs = torch.randn((samples, *input_shape), generator=generator, dtype=torch.float64)
    x = inputs.to(torch.float64).clone().requires_grad_(True)
    out = _output(twin, x, upto, torch)
    spatial = tuple(out.shape[2:])
    chosen = tuple(unit) if unit is not None else tuple(n // 2 for n in spatial)
    picked = out[(slice(None), slice(None), *chosen)] if spatial else out
    picked.sum().backward()
    assert x.grad is not None
    grad = x.grad.abs().mean(dim=(0, 1)).numpy()
    grad = grad / grad.sum()
    means, sigmas = [], []
    for axis in range(grad.ndim):
        other = tuple(a for a in range(grad.ndim) if a != axis)
        line = grad.sum(axis=other) if other else grad
        positions = range(len(line))
        mean = sum(p * v for p, v in zip(positions, line, strict=True))
        second = sum(p * p * v for p, v in zip(positions, line, strict=True))
        means.append(float(mean))
        sigmas.append(math.sqrt(max(float(second - mean * mean), 0.0)))
    return EmpiricalERF(grad, tuple(means), tuple(sigmas), chosen, int(x.shape[0]), kind)


def _output(model: Any, x: Any, upto: str | None, torch: Any) -> Any:
    if upto is None:
        out = model(x)
    else:
        found: list[Any] = []

        def keep(module: Any, args: Any, result: Any) -> None:
            found.append(result)
            raise _Stop

        handle = model.get_submodule(upto).register_forward_hook(keep)
        try:
            model(x)
        except _Stop:
            pass
        finally:
            handle.remove()
        out = found[0]
    if isinstance(out, dict):
        out = out["out"]
    if isinstance(out, tuple | list):
        out = out[0]
    return out


class _Stop(Exception):
    """Ends the forward pass at ``upto``."""


def _linearise(model: Any, torch: Any) -> None:
    """Make ``model`` its own linear twin with equal tap weights, in place."""
    nn = torch.nn
    for name, module in list(model.named_modules()):
        replacement = _replacement(module, nn)
        if replacement is not None:
            parent, _, leaf = name.rpartition(".")
            setattr(model.get_submodule(parent) if parent else model, leaf, replacement)
    for module in model.modules():
        if isinstance(module, nn.GroupNorm | nn.LayerNorm | nn.modules.instancenorm._InstanceNorm):
            raise SpecError(f"{type(module).__name__} normalises by statistics of its input, so "
                            "the model has no linear twin; use weights='model'.")
        weight = getattr(module, "weight", None)
        bias = getattr(module, "bias", None)
        with torch.no_grad():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.zero_()
                module.running_var.fill_(1.0)
                module.eps = 0.0
                fan = 1
            elif isinstance(weight, torch.Tensor) and weight.dim() > 1:
                transposed = isinstance(module, nn.modules.conv._ConvTransposeNd)
                fan = weight.shape[0] if transposed else weight.shape[1]
            else:
                continue
            if weight is not None:
                weight.fill_(1.0 / fan)
            if bias is not None:
                bias.zero_()


_ACTIVATIONS = ("ReLU", "ReLU6", "GELU", "SiLU", "Hardswish", "Hardsigmoid", "Sigmoid", "Tanh",
                "LeakyReLU", "ELU", "Mish")


def _replacement(module: Any, nn: Any) -> Any:
    if type(module).__name__ in _ACTIVATIONS:
        return nn.Identity()
    pools = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d, nn.MaxPool3d: nn.AvgPool3d}
    kind = pools.get(type(module))
    if kind is None:
        return None
    if module.dilation not in (1, (1,), (1, 1), (1, 1, 1)):
        raise SpecError("a dilated max pool has no average-pool twin here; use weights='model'.")
    return kind(module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode,
                count_include_pad=True)
