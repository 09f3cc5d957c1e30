"""Structure: layers in sequence (blocks repeated a number of times: :mod:`symrf.layers.repeat`).

A :class:`Sequential` folds its layers' geometries with the monoid laws of
:mod:`symrf.maths.algebra`, yielding the composed map and the length after each layer.

>>> from symrf.layers.window import Conv
>>> Sequential(Conv(kernel=3), Conv(kernel=3, stride=2)).geometry(None).map.rf
5
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import sympy

from symrf.errors import InvalidLayerError, NetworkError, SymrfError, located
from symrf.layers.base import (
    Geometry,
    Layer,
    Units,
    Values,
    located_at,
)
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap, Sizes
from symrf.maths.scalars import Scalar, exact, is_number
from symrf.maths.substitution import assignment


class Step(NamedTuple):
    """One layer of a fold: the layer, the composed map up to it, and the length after it."""

    layer: Layer
    map: IntervalMap
    sizes: Sizes
    size: Scalar | None


def check_size(size: Scalar | None) -> None:
    """Raise when a known feature-map length is below 1: the input is too small.

    A length that is a number although the input length is a symbol (after a global pool)
    counts as known.
    """
    size = None if size is None else exact(size)
    if size is not None and is_number(size) and size < 1:
        raise NetworkError(
            f"the feature map vanishes (length {size}); give a larger input or less "
            "downsampling."
        )


@dataclass(frozen=True, init=False)
class Sequential(Layer):
    """Layers applied one after another; the usual container for a whole network.

    Reports have one row per layer given here (a nested ``Sequential`` is one row).

    Args:
        *layers: The layers in order (or one list of them); at least one.
        name: The network's name in reports (default ``sequential``).

    >>> from symrf.layers.window import Conv, MaxPool
    >>> Sequential(Conv(kernel=3), MaxPool(kernel=2)).geometry(None).map
    IntervalMap(scale=2, lo=0, width=3)
    """

    op = "sequential"
    layers: tuple[Layer, ...]
    _cache: dict[str, Any] = dataclasses.field(init=False, compare=False, repr=False)

    def __init__(self, *layers: Layer | list[Layer], name: str | None = None) -> None:
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            layers = tuple(layers[0])
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise InvalidLayerError(
                    f"Sequential item {index} is {type(layer).__name__}, not a layer; pass "
                    "layers such as symrf.Conv(kernel=3)."
                )
        if not layers:
            raise NetworkError(
                f"{name or 'Sequential'} has no layers; an empty network has no receptive "
                "field. Add at least one layer."
            )
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_cache", {})  # derived facts (axes, symbols), not fields

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"

    def params(self) -> dict[str, object]:
        """Containers have no parameters of their own."""
        return {}

    def axes(self) -> int:
        """The common number of axes of the layers (scalar-only layers fit any)."""
        if "axes" not in self._cache:
            self._cache["axes"] = _common_axes(self.layers, self.label())
        return int(self._cache["axes"])

    def axis(self, index: int) -> Sequential:
        """The one-axis network along axis ``index``."""
        return Sequential(*(layer.axis(index) for layer in self.layers), name=self.name)

    def substitute(self, values: Values) -> Sequential:
        """Substitute into every layer."""
        values = assignment(values)  # each value checked once for the whole network
        layers = []
        for index, layer in enumerate(self.layers):
            with located_at(index, layer):
                layers.append(layer.substitute(values))
        return Sequential(*layers, name=self.name)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of all layers."""
        if "symbols" not in self._cache:
            self._cache["symbols"] = set().union(*(la.free_symbols() for la in self.layers))
        return set(self._cache["symbols"])

    @property
    def size_dependent(self) -> bool:
        """Whether any layer's geometry depends on its input length."""
        return any(layer.size_dependent for layer in self.layers)

    def steps(self, size: Scalar | None) -> Iterator[Step]:
        """Fold the layers, yielding the composed map and the length after each one."""
        total, sizes = IDENTITY, SAME_SIZE
        length = size
        for index, layer in enumerate(self.layers):
            try:
                geometry = layer.geometry(length)
                total = total.then(geometry.map)
                sizes = sizes.then(geometry.sizes)
                if size is not None:
                    # One floor of the input length, not a floor nested per layer.
                    length = sizes(size)
                    check_size(length)
            except SymrfError as error:
                raise located(error, f"layers[{index}] ({layer.row_name(index)})") from None
            yield Step(layer, total, sizes, length)

    def reads(self, units: Units, size: int | None) -> Units:
        """Propagate ``units`` back through every layer."""
        lengths = [size, *[step.size for step in self.steps(size)][:-1]]
        for layer, length in zip(reversed(self.layers), reversed(lengths), strict=True):
            units = layer.reads(units, length)
        return units

    def period_factor(self) -> int:
        """The product of the layers' factors."""
        return math.prod(layer.period_factor() for layer in self.layers)

    def geometry(self, size: Scalar | None) -> Geometry:
        """The composed geometry of all layers."""
        *_, last = self.steps(size)
        return Geometry(last.map, last.sizes)


def _common_axes(layers: tuple[Layer, ...], where: str) -> int:
    counts = {layer.axes() for layer in layers} - {1}
    if len(counts) > 1:
        raise InvalidLayerError(
            f"{where}: layers have different numbers of axes {sorted(counts | {1})}; give "
            "every per-axis parameter the same number of entries."
        )
    return counts.pop() if counts else 1
