"""Layers that keep every position where it is: activations, norms, dropout, identity, pad.

A pointwise layer's unit ``x`` reads input unit ``x``: the receptive field is unchanged
(the seed's table). :class:`Pad` also reads ``x - left``: it shifts positions and lengthens
the feature map without changing the receptive field.

>>> ReLU().geometry(None).map
IntervalMap(scale=1, lo=0, width=0)
>>> Pad(left=2, right=1).geometry(10).sizes(10)
13
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from symrf.layers.base import Geometry, Layer, Param, Units, validate
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap, SizeMap
from symrf.maths.scalars import Scalar


@dataclass(frozen=True, kw_only=True)
class Identity(Layer):
    """A layer that reads exactly its own position; base of the identity-geometry ops.

    Activations, normalisations, dropout and channel shuffles are identities along every
    spatial axis: they leave the receptive field, the jump and the position unchanged.

    Args:
        name: Row label in reports (default: the op and its index, ``identity_0``).

    >>> Identity().geometry(7).sizes(7)
    7
    """

    op = "identity"

    def geometry(self, size: Scalar | None) -> Geometry:
        """The identity map; the length is kept."""
        return Geometry(IDENTITY, SAME_SIZE)

    def reads(self, units: Units, size: int | None) -> Units:
        """Each unit reads its own position."""
        return set(units)


@dataclass(frozen=True, kw_only=True)
class ReLU(Identity):
    """Rectified linear unit (any activation has the same geometry)."""

    op = "relu"


@dataclass(frozen=True, kw_only=True)
class GELU(Identity):
    """Gaussian error linear unit."""

    op = "gelu"


@dataclass(frozen=True, kw_only=True)
class Sigmoid(Identity):
    """Logistic sigmoid."""

    op = "sigmoid"


@dataclass(frozen=True, kw_only=True)
class Tanh(Identity):
    """Hyperbolic tangent."""

    op = "tanh"


@dataclass(frozen=True, kw_only=True)
class BatchNorm(Identity):
    """Batch normalisation (per-channel statistics: no spatial mixing at inference)."""

    op = "batchnorm"


@dataclass(frozen=True, kw_only=True)
class LayerNorm(Identity):
    """Layer normalisation over channels."""

    op = "layernorm"


@dataclass(frozen=True, kw_only=True)
class Dropout(Identity):
    """Dropout."""

    op = "dropout"


@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(Identity):
    """Channel shuffle (ShuffleNet): permutes channels, not positions."""

    op = "shuffle"


@dataclass(frozen=True, kw_only=True)
class Edges(Layer):
    """Positions added (``grow = 1``) or removed (``grow = -1``) at both ends of the map.

    Unit ``x`` reads ``x - grow*left``; the length changes by ``grow*(left + right)``.

    Args:
        left: Positions at the start, ``>= 0``: an int, a sympy expression, or a tuple with one
            value per axis.
        right: Positions at the end, ``>= 0`` (changes lengths only).
        name: Row label in reports.
    """

    grow: ClassVar[int] = 1
    left: Param = 0
    right: Param = 0

    def __post_init__(self) -> None:
        validate(self, ("left", "right"), 0)

    def geometry(self, size: Scalar | None) -> Geometry:
        """A shift by ``grow*left``; the length changes by ``grow*(left + right)``."""
        shift = self.grow * self.left
        return Geometry(
            IntervalMap(1, -shift, 0), SizeMap(1, self.grow * (self.left + self.right), 0)
        )

    def reads(self, units: Units, size: int | None) -> Units:
        """Unit ``x`` reads ``x - grow*left``."""
        shift = self.grow * self.left
        return {x - shift for x in units}


@dataclass(frozen=True, kw_only=True)
class Pad(Edges):
    """Explicit padding (``ZeroPad``, ``tf.pad``): ``left`` and ``right`` positions added.

    The field keeps its size and moves: ``left`` grows by the padding.

    Args:
        left: Positions added before position 0, ``>= 0``: an int, a sympy expression, or a tuple
            with one value per axis.
        right: Positions added after the end, ``>= 0`` (changes lengths only).
        name: Row label in reports (default ``pad_0``, ...).

    >>> Pad(left=1, right=0).geometry(None).map
    IntervalMap(scale=1, lo=-1, width=0)
    """

    op = "pad"


@dataclass(frozen=True, kw_only=True)
class Crop(Edges):
    """Cropping (U-Net's skip connections): ``left`` and ``right`` positions removed.

    Args:
        left: Positions removed at the start, ``>= 0``: an int, a sympy expression, or a tuple with
            one value per axis.
        right: Positions removed at the end, ``>= 0`` (changes lengths only).
        name: Row label in reports (default ``crop_0``, ...).

    >>> Crop(left=4, right=4).geometry(64).sizes(64), Crop(left=4).reads({0}, 64)
    (56, {4})
    """

    op = "crop"
    grow = -1


POINTWISE: tuple[type[Identity], ...] = (
    Identity, ReLU, GELU, Sigmoid, Tanh, BatchNorm, LayerNorm, Dropout, ChannelShuffle,
)
"""Every identity-geometry op, for the spec reader's table."""
