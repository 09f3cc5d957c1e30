"""The independent truth for imported models: input gradients, read by autograd.

Nothing here uses symrf. A model is linearised into a copy whose dependency pattern is its
receptive field: every weight positive (scaled by the fan-in, so values stay near 1),
activations replaced by the identity, max pooling by average pooling with the same windows,
batch norm with zero mean and unit variance. An input gradient is then non-zero exactly at
the input pixels with a weight path to the chosen unit (sums of positive terms never
cancel). ``detach_context=True`` cuts global context instead of following it: statistics of
GroupNorm/InstanceNorm and every global average pool are detached, so only local paths
remain (symrf's ``global_context="exclude"``).

Functional calls are linearised too, while the model runs (:class:`_Functional`, a torch
function mode): ``F.max_pool*`` reads its windows as an average, a global max over the
positions (``x.amax((2, 3))``, ``F.adaptive_max_pool2d(x, 1)``) as a mean, and with
``detach_context`` every reduction of all positions of an ``(N, C, *spatial)`` tensor
(timm's ``x.mean((2, 3), keepdim=True)`` squeeze-and-excitation) is detached.

For each unit asked for, :func:`hulls` returns the hull ``(left, right)`` of the non-zero
gradient along one axis (``None`` when the unit reads nothing). Units are batched: batch
element ``i`` carries unit ``i``, so one backward pass reads them all.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.GELU, nn.SiLU, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid,
               nn.Tanh, nn.LeakyReLU, nn.ELU, nn.Mish)


class _Stop(Exception):
    def __init__(self, value: torch.Tensor) -> None:
        self.value = value


class _DetachedPool(nn.Module):
    def __init__(self, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x).detach()


class _WindowMean(nn.Module):
    """A dilated max pool's windows as a depthwise convolution of ones."""

    def __init__(self, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        axes = x.dim() - 2
        kernel = self.pool.kernel_size
        kernel = tuple(kernel) if isinstance(kernel, tuple) else (kernel,) * axes
        weight = torch.ones((x.shape[1], 1, *kernel), dtype=x.dtype)
        conv = (F.conv1d, F.conv2d, F.conv3d)[axes - 1]
        return conv(x, weight, stride=self.pool.stride, padding=self.pool.padding,
                    dilation=self.pool.dilation, groups=x.shape[1])


class _DetachedGroupNorm(nn.Module):
    def __init__(self, groups: int, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.groups, self.weight, self.bias = groups, weight, bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        grouped = x.reshape(shape[0], self.groups, -1)
        mean = grouped.mean(-1, keepdim=True).detach()
        std = (grouped.var(-1, keepdim=True) + 1e-5).sqrt().detach()
        out = ((grouped - mean) / std).reshape(shape)
        extra = (1,) * (len(shape) - 2)
        return out * self.weight.view(1, -1, *extra) + self.bias.view(1, -1, *extra)


class _Functional(TorchFunctionMode):
    """Functional max pooling as window means; global reductions averaged, maybe detached."""

    def __init__(self, detach: bool) -> None:
        super().__init__()
        self.detach = detach

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "").lstrip("_")
        x = args[0] if args and isinstance(args[0], torch.Tensor) else None
        if x is not None and name.startswith("max_pool") and name[-2:] in ("1d", "2d", "3d"):
            return _max_pool_as_mean(x, name, args, kwargs)
        whole = x is not None and _pools_every_position(name, x, args, kwargs)
        if whole and name in ("amax", "adaptive_max_pool1d", "adaptive_max_pool2d",
                              "adaptive_max_pool3d"):
            func = torch.Tensor.mean if name == "amax" else getattr(
                F, name.replace("max", "avg"))
            kwargs = {("dim" if k == "dim" else k): v for k, v in kwargs.items()
                      if k in ("dim", "keepdim", "output_size")}
        result = func(*args, **kwargs)
        return result.detach() if whole and self.detach else result


def _max_pool_as_mean(x: torch.Tensor, name: str, args: tuple, kwargs: dict) -> torch.Tensor:
    """A max pool's windows (kernel, stride, padding, dilation, ceil mode) as a mean."""
    parameters = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
    given = dict(zip(parameters, args[1:], strict=False))
    given.update({k: v for k, v in kwargs.items() if k in parameters})
    axes = int(name[-2])
    pool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[axes - 1](
        given["kernel_size"], given.get("stride") or None, given.get("padding", 0),
        given.get("dilation", 1), ceil_mode=bool(given.get("ceil_mode", False)))
    dilated = pool.dilation not in (1, (1,) * axes)
    if dilated:
        return _WindowMean(pool)(x)
    average = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[axes - 1]
    return average(x, pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, True)


_REDUCTIONS = ("mean", "sum", "amax", "amin", "std", "var")


def _pools_every_position(name: str, x: torch.Tensor, args: tuple, kwargs: dict) -> bool:
    """Whether a call reduces every position of an ``(N, C, *spatial)`` tensor."""
    if x.dim() < 3 or math.prod(x.shape[2:]) == 1:
        return False
    if name.startswith("adaptive_") and name[-2:] in ("1d", "2d", "3d"):
        size = args[1] if len(args) > 1 else kwargs.get("output_size")
        sizes = size if isinstance(size, tuple | list) else (size,)
        return all(s == 1 for s in sizes)
    if name not in _REDUCTIONS:
        return False
    dim = args[1] if len(args) > 1 else kwargs.get("dim")
    if dim is None or isinstance(dim, bool):
        return False
    dims = {int(d) % x.dim() for d in (dim if isinstance(dim, tuple | list) else (dim,))}
    return dims == set(range(2, x.dim()))


class _Linearised(nn.Module):
    """The linearised copy, run under :class:`_Functional`."""

    def __init__(self, model: nn.Module, detach: bool) -> None:
        super().__init__()
        self.model = model
        self.detach = detach

    def forward(self, *args: object, **kwargs: object) -> object:
        with _Functional(self.detach):
            return self.model(*args, **kwargs)


def linearised(model: nn.Module, *, detach_context: bool = False, seed: int = 0) -> nn.Module:
    """A copy of ``model`` whose input gradients show its dependency pattern."""
    generator = torch.Generator().manual_seed(seed)
    copied = copy.deepcopy(model).eval()
    for name, module in list(copied.named_modules()):
        replacement = _replacement(module, detach_context)
        if replacement is not None:
            _set(copied, name, replacement)
    for parameter in copied.parameters():
        fan = math.prod(parameter.shape[1:]) if parameter.dim() > 1 else 1
        with torch.no_grad():
            if parameter.numel() > 1 << 20:  # a classifier's matrix: no statistics follow
                parameter.fill_(1.0 / fan)
            else:
                parameter.copy_((torch.rand(parameter.shape, generator=generator) + 0.5) / fan)
    for module in copied.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.running_mean.zero_()
            module.running_var.fill_(1.0)
    return _Linearised(copied, detach_context)


def _replacement(module: nn.Module, detach_context: bool) -> nn.Module | None:
    if isinstance(module, ACTIVATIONS):
        return nn.Identity()
    if isinstance(module, nn.MaxPool1d | nn.MaxPool2d | nn.MaxPool3d):
        if module.dilation not in (1, (1,), (1, 1), (1, 1, 1)):
            if module.ceil_mode:
                raise ValueError("dilated ceil-mode max pooling has no linear twin here")
            return _WindowMean(module)
        kind = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d,
                nn.MaxPool3d: nn.AvgPool3d}[type(module)]
        return kind(module.kernel_size, module.stride, module.padding,
                    ceil_mode=module.ceil_mode, count_include_pad=True)
    if not detach_context:
        return None
    if isinstance(module, nn.AdaptiveAvgPool1d | nn.AdaptiveAvgPool2d | nn.AdaptiveAvgPool3d):
        size = module.output_size
        if all(s == 1 for s in (size if isinstance(size, tuple) else (size,))):
            return _DetachedPool(module)
    if isinstance(module, nn.GroupNorm):
        return _DetachedGroupNorm(module.num_groups, module.weight, module.bias)
    return None


def _set(root: nn.Module, name: str, value: nn.Module) -> None:
    parent, _, leaf = name.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, value)


Output = str | int | Callable[[object], torch.Tensor] | None
"""Which output to read: a key, an index, or a function of the model's result (default: the
tensor itself, ``out["out"]`` of a dict, the first of a tuple)."""


def _output(model: nn.Module, x: torch.Tensor, upto: str | None,
            output: Output = None) -> torch.Tensor:
    root = model.model if isinstance(model, _Linearised) else model
    if upto is None:
        out = model(x)
    else:
        def stop(module: nn.Module, args: object, result: torch.Tensor) -> None:
            raise _Stop(result)

        handle = root.get_submodule(upto).register_forward_hook(stop)
        try:
            model(x)
        except _Stop as stopped:
            out = stopped.value
        finally:
            handle.remove()
    if callable(output):
        return output(out)
    if output is not None:
        return out[output]
    if isinstance(out, dict):
        out = out["out"]
    if isinstance(out, tuple | list):
        out = out[0]
    return out


def hulls(model: nn.Module, shape: Sequence[int], units: Sequence[tuple[int, ...]], axis: int,
          *, upto: str | None = None, output: Output = None,
          dtype: torch.dtype = torch.float32, seed: int = 1) -> list[tuple[int, int] | None]:
    """Hull along spatial ``axis`` of the input gradient of each output unit.

    Args:
        model: A linearised model (:func:`linearised`).
        shape: The input shape ``(channels, *spatial)``.
        units: Output positions, one spatial index per axis (-1 on an axis without
            positions, such as a classifier's output).
        axis: The spatial axis to read.
        upto: A submodule whose output is the map of interest (the forward stops there).
        output: Which of the model's outputs to read (a key, an index or a function).
    """
    generator = torch.Generator().manual_seed(seed)
    base = torch.rand((1, *shape), generator=generator, dtype=dtype) + 1.0
    x = base.repeat(len(units), *([1] * len(shape))).requires_grad_(True)
    out = _output(model.to(dtype), x, upto, output)
    picked = []
    for i, unit in enumerate(units):
        value = out[i]
        if value.dim() > 1:  # (channels, *spatial)
            value = value[(slice(None), *unit)]
        picked.append(value.sum())
    torch.stack(picked).sum().backward()
    grad = x.grad
    assert grad is not None
    found: list[tuple[int, int] | None] = []
    for i in range(len(units)):
        other = [d for d in range(grad.dim() - 1) if d != axis + 1]
        mask = (grad[i] != 0).any(dim=tuple(other)) if other else grad[i] != 0
        where = torch.nonzero(mask).flatten().tolist()
        found.append((where[0], where[-1]) if where else None)
    return found


def out_shape(model: nn.Module, shape: Sequence[int], upto: str | None = None,
              output: Output = None) -> tuple[int, ...]:
    """The output shape for one input of ``shape`` (no batch)."""
    with torch.no_grad():
        return tuple(_output(model, torch.ones((1, *shape)), upto, output).shape[1:])


def truth(model: nn.Module, shape: Sequence[int], axis: int, *, upto: str | None = None,
          detach: bool = True, period: int = 1, output: Output = None) -> tuple:
    """``(rf, rf_min, jump, left of unit 0, central hull, input length)`` along ``axis``.

    The central unit ``c`` (a multiple of ``period``) and the ``period`` units after it give
    the largest and smallest hull over one period, the jump (the shift of the hull over a
    period, divided by it) and the left edge of unit 0 by extrapolation (``c`` steps back).
    """
    copied = linearised(model, detach_context=detach)
    spatial = out_shape(copied, shape, upto, output)[1:]
    centre = [n // 2 for n in spatial]
    c = (spatial[axis] // 2 // period) * period if spatial else 0
    units = []
    for x in range(c, c + 2 * period):
        unit = list(centre)
        if spatial:
            unit[axis] = x
        units.append(tuple(unit))
    found = hulls(copied, shape, units, axis, upto=upto, output=output)
    sizes = [0 if h is None else h[1] - h[0] + 1 for h in found[:period]]
    j = next(j for j in range(period) if found[j] is not None)  # a unit that reads something
    first, later = found[j], found[j + period]
    assert first is not None and later is not None
    jump = Fraction(later[0] - first[0], period)
    left = None if found[0] is None else found[0][0] - c * jump
    return max(sizes), min(sizes), jump, left, first, shape[1 + axis]
