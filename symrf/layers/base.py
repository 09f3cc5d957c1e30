"""What every layer is: a frozen value with a one-axis geometry.

A layer describes where its output units look (an :class:`~symrf.maths.algebra.IntervalMap`) and
how it changes the feature-map length (a :class:`~symrf.maths.algebra.SizeMap`). Parameters may be
per-axis tuples; :meth:`Layer.axis` picks one axis, and the engines only ever see one axis.

>>> from symrf.layers.window import Conv
>>> Conv(kernel=(3, 5)).axis(1)
Conv(kernel=5, stride=1, dilation=1, padding=0)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import sympy

from symrf.errors import InvalidLayerError, NetworkError, SymrfError, located
from symrf.maths.algebra import IntervalMap, Sizes
from symrf.maths.scalars import Scalar, fractional, scalar
from symrf.maths.substitution import assignment, replaced


class Geometry(NamedTuple):
    """A layer's effect on one axis: where units look, and the new length."""

    map: IntervalMap
    sizes: Sizes


Param = Any  # Scalar, a per-axis tuple of Scalars, or (for padding) a mode string
Units = set[int]
Values = Mapping[sympy.Symbol, Scalar]


class _Checked(type):
    """Layer classes whose wrong calls (``Conv()``, ``Conv(3)``) raise a symrf error.

    Python's own ``TypeError`` for a missing or unexpected argument becomes an
    :class:`~symrf.errors.InvalidLayerError` naming the layer and the argument, as a spec
    file's mistakes do. Calls that bind are untouched (and cost nothing extra).
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except TypeError as error:
            signature = inspect.signature(cls.__init__)  # type: ignore[misc]  # read, not called
            try:
                signature.bind(None, *args, **kwargs)
            except TypeError as wrong:
                required = [
                    name for name, p in signature.parameters.items()
                    if p.default is p.empty and p.kind is p.KEYWORD_ONLY
                ]
                example = ", ".join(f"{name}=3" for name in required) or "..."
                raise InvalidLayerError(
                    f"{cls.__name__}: {wrong}; call it with keywords, e.g. "
                    f"{cls.__name__}({example})."
                ) from None
            raise error


@dataclass(frozen=True, kw_only=True)
class Layer(metaclass=_Checked):
    """Base of all layers: a name label, per-axis parameters, and a one-axis geometry.

    Args:
        name: Row label in reports; ``None`` (default) names the row by op and index.
    """

    op: ClassVar[str] = "layer"
    """The op name used in spec files and reports."""

    name: str | None = dataclasses.field(default=None, compare=False, repr=False)

    def geometry(self, size: Scalar | None) -> Geometry:
        """Return this one-axis layer's geometry; ``size`` is its input length if known."""
        raise NotImplementedError

    @property
    def size_dependent(self) -> bool:
        """Whether the interval map depends on the input length (TF ``SAME`` with stride)."""
        return False

    def reads(self, units: Units, size: int | None) -> Units:
        """The input units that output ``units`` depend on (exact, numeric parameters only).

        The engines use this where hulls depend on position (resampling); ``size`` is the
        layer's input length when known.
        """
        raise NotImplementedError(f"{type(self).__name__} does not enumerate its reads")

    def period_factor(self) -> int:
        """A number of output units after which every hull pattern repeats (1 for most layers).

        Resampling layers multiply it by their factor: the product over a network is a
        period of its position-dependent receptive fields.
        """
        return 1

    def params(self) -> dict[str, Param]:
        """The geometric parameters, by name (everything but the label).

        >>> from symrf.layers.window import Conv
        >>> Conv(kernel=3).params()
        {'kernel': 3, 'stride': 1, 'dilation': 1, 'padding': 0}
        """
        names = _param_names(type(self))
        return {name: getattr(self, name) for name in names}

    def axes(self) -> int:
        """Number of axes the parameters give (1 when every parameter is a scalar)."""
        lengths = {len(v) for v in self.params().values() if isinstance(v, tuple)}
        if len(lengths) > 1:
            raise InvalidLayerError(
                f"{self.label()}: per-axis parameters have different lengths "
                f"{sorted(lengths)}; give every per-axis parameter one entry per axis."
            )
        return lengths.pop() if lengths else 1

    def axis(self, index: int) -> Layer:
        """The one-axis layer along axis ``index`` (scalars broadcast to every axis)."""
        picked = {
            key: value[index] if isinstance(value, tuple) else value
            for key, value in self.params().items()
        }
        return dataclasses.replace(self, **picked)

    def substitute(self, values: Values) -> Layer:
        """Replace symbols by values in every parameter; the result is validated again."""
        values = assignment(values)  # each value checked once, not once per parameter
        changed = {
            key: _substitute(value, values, f"{self.op} {key}")
            for key, value in self.params().items()
            if _has_symbols(value)
        }
        return dataclasses.replace(self, **changed) if changed else self

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols appearing in the parameters."""
        found: set[sympy.Symbol] = set()
        for value in self.params().values():
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, sympy.Basic):
                    found |= item.free_symbols
        return found

    def label(self) -> str:
        """The layer's name, or its op when unnamed."""
        return self.name or self.op

    def row_name(self, index: int) -> str:
        """The layer's name in reports: its own, or its op and index (``conv_3``).

        >>> from symrf.layers.window import Conv
        >>> Conv(kernel=3).row_name(3), Conv(kernel=3, name="c1").row_name(3)
        ('conv_3', 'c1')
        """
        return self.name or f"{self.op}_{index}"


@contextlib.contextmanager
def located_at(index: int, layer: Layer) -> Iterator[None]:
    """Prefix any symrf error raised inside with the layer's place: ``layers[3] (conv_3)``."""
    try:
        yield
    except SymrfError as error:
        raise located(error, f"layers[{index}] ({layer.row_name(index)})") from None


@functools.cache
def _param_names(cls: type[Layer]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name != "name")


def _has_symbols(value: Param) -> bool:
    items = value if isinstance(value, tuple) else (value,)
    return any(isinstance(item, sympy.Basic) for item in items)


def _substitute(value: Param, values: Values, what: str) -> Param:
    if isinstance(value, tuple):
        return tuple(_substitute(item, values, what) for item in value)
    if isinstance(value, sympy.Basic):
        return replaced(value, values, what)
    return value


def param(value: object, what: str) -> Param:
    """Normalise a parameter: a scalar, or a per-axis tuple of scalars (lists accepted).

    >>> param([3, 5], "kernel")
    (3, 5)
    """
    if isinstance(value, list | tuple):
        if not value:
            raise InvalidLayerError(f"{what} is an empty list; give one value per axis.")
        if len(value) == 1:  # one axis: the same as the plain value
            return scalar(value[0], what)
        return tuple(scalar(item, f"{what}[{i}]") for i, item in enumerate(value))
    return scalar(value, what)


def provably(relation: object) -> bool:
    """True only when ``relation`` is decided true (a Python bool or ``sympy.true``).

    >>> from symrf.maths.scalars import symbol
    >>> provably(symbol("k") < 1), provably(2 * symbol("k") < 5)
    (False, False)
    """
    return relation is True or relation is sympy.true


def check_at_least(layer: Layer, key: str, value: Param, bound: int) -> None:
    """Raise if some entry of ``value`` is provably smaller than ``bound``."""
    for item in value if isinstance(value, tuple) else (value,):
        if provably(item < bound):
            raise InvalidLayerError(
                f"{layer.op} {key} must be >= {bound}, got {item}; "
                f"use a {key} of at least {bound}.",
            ).with_key(key)
        if fractional(item):  # 7/2, sqrt(2), k + 1/2
            raise InvalidLayerError(
                f"{layer.op} {key} must be an integer, got {item}; use a whole number."
            ).with_key(key)


def validate(layer: Layer, keys: tuple[str, ...], bound: int) -> None:
    """Pass each parameter ``key`` through :func:`param` and check it is at least ``bound``."""
    for key in keys:
        value = param(getattr(layer, key), f"{layer.op} {key}")
        object.__setattr__(layer, key, value)
        check_at_least(layer, key, value, bound)


def need_size(layer: Layer, size: Scalar | None) -> Scalar:
    """Return ``size``, or raise because ``layer``'s geometry depends on an unknown length."""
    if size is None:
        raise NetworkError(
            f"{layer.op}: its geometry depends on the input length (TF 'same' padding with "
            "stride > 1, or a whole-input layer); give the input size, or use symrf.derive() "
            "for a formula in n_in."
        )
    return size
