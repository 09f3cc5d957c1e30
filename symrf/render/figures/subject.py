"""What a figure is drawn from: a network with numbers for its symbols, one axis at a time.

:func:`subject` accepts what the command line's ``TARGET`` accepts (a spec file, a built-in
model name, an ONNX file, ``package.module:attr``) or a network object, substitutes the
given values, and keeps the input size (given, or from the spec). Figures are drawn from
exact numbers: a symbol left without a value is an error naming it.

>>> drawn = subject("alexnet", input_size=224)
>>> drawn.name, drawn.axes, drawn.along(0)[1]
('alexnet', 1, 224)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symrf import sources
from symrf.engine.numeric import bind
from symrf.engine.report import network
from symrf.errors import NetworkError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.limits import abbreviated
from symrf.maths.scalars import Scalar, is_number
from symrf.maths.substitution import replaced
from symrf.sources.spec import Spec

Target = Layer | Spec | str | Path
"""A network object or a read spec, or the name of one: a spec path, a built-in model,
``module:attr``."""


@dataclass(frozen=True)
class Subject:
    """A network ready to draw: all symbols replaced by numbers, and its input size."""

    name: str
    network: Sequential | Graph
    sizes: tuple[int | None, ...]
    """The input length along each axis (``None`` when unknown)."""

    @property
    def axes(self) -> int:
        """How many axes the network has (1 when no parameter is per-axis)."""
        return len(self.sizes)

    def along(self, axis: int) -> tuple[Sequential | Graph, int | None]:
        """The one-axis network along ``axis``, and its input length.

        A network whose parameters are all scalars is the same along every axis.

        >>> subject("alexnet").along(1)[0].layers[0].kernel
        11
        """
        if self.axes == 1 and axis not in (0, 1):
            raise NetworkError(f"axis {abbreviated(axis)} does not exist: {self.name} has scalar "
                               "parameters (the same along every axis of an image); give axis "
                               "0 or 1.")
        if self.axes > 1 and not 0 <= axis < self.axes:
            raise NetworkError(f"axis {abbreviated(axis)} does not exist: {self.name} has "
                               f"{self.axes} axes; give an axis from 0 to {self.axes - 1}.")
        if self.axes == 1:
            return self.network, self.sizes[0]
        return self.network.axis(axis), self.sizes[axis]


def subject(target: Target, *, input_size: object = None,
            values: Mapping[str, Scalar] | None = None, upto: str | None = None) -> Subject:
    """Read ``target`` and replace its symbols by ``values``.

    Args:
        target: A layer or network, a :class:`~symrf.sources.spec.Spec` (as
            :func:`symrf.sources.read` returns it), or a name as the command line takes it.
        input_size: The input length (one int, or one per axis); default: the spec's.
        values: Numbers for the network's symbols, by name.
        upto: Draw the network only up to and including this row.

    Raises:
        NetworkError: A symbol has no value, or the input size is not a positive number.

    >>> subject("dilated-stack", upto="dilated2").network.layers[-1].name
    'dilated2'
    """
    if isinstance(target, Layer | Spec):
        if isinstance(target, Spec):
            name, top, given = target.name, target.network, target.input_size
        else:
            name, top, given = target.name or "network", network(target), None
        if upto is not None:
            top = sources.cut(top, upto)
    else:
        spec = sources.read(str(target), upto, input_size)  # type: ignore[arg-type]  # checked below
        name, top, given = spec.name, spec.network, spec.input_size
    if values:
        top = top.substitute(bind(values))
    missing = sorted(symbol.name for symbol in top.free_symbols())
    if missing:
        raise NetworkError(
            f"a figure needs numbers, and {', '.join(missing)} has no value; give "
            f"values={{'{missing[0]}': 3}} (--set {missing[0]}=3)."
        )
    size = input_size if input_size is not None else given
    if values and size is not None:
        size = _substituted(size, bind(values))
    return Subject(name, top, _sizes(size, top.axes()))


def _substituted(size: Any, values: Mapping[Any, Scalar]) -> Any:
    """A size (or per-axis sizes) with the given values put in for its symbols."""
    if isinstance(size, tuple | list):
        return tuple(_substituted(item, values) for item in size)
    return size if is_number(size) else replaced(size, values, "input size")


def _sizes(size: Any, axes: int) -> tuple[int | None, ...]:
    """One input length per axis from an int, a per-axis tuple or list, or None."""
    if size is None:
        return (None,) * axes
    found = tuple(size) if isinstance(size, tuple | list) else (size,) * axes
    if len(found) != axes:
        raise NetworkError(f"input size {size} gives {len(found)} axes, the network has "
                           f"{axes}; give one size, or one per axis.")
    for item in found:
        if not is_number(item) or int(item) != item or item < 1:
            raise NetworkError(f"input size {item} is not a positive whole number; a figure "
                               "needs a number such as 224.")
    return tuple(int(item) for item in found)


def prefix(top: Sequential | Graph, index: int) -> Sequential | Graph:
    """``top`` up to and including its row ``index`` (a top-level layer or graph node).

    >>> import symrf
    >>> len(prefix(symrf.zoo.build("alexnet"), 1).layers)
    2
    """
    if isinstance(top, Graph):
        return top.upto(top.nodes[index].name)
    return Sequential(*top.layers[: index + 1], name=top.name)
