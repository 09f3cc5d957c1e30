"""Global context: a layer whose units also read statistics of their whole input.

Squeeze-and-excitation gates, GroupNorm and InstanceNorm statistics, and any spatial
reduction multiplied or added back into a feature map make each unit depend on every
position of the map, while its local path stays local. An importer marks such a place with
:class:`Context`; ``include`` says which of the two fields the network reports:

- ``include=False`` (the default, ``global_context="exclude"``): the local field. The layer
  reads its own position, exactly as the local path does.
- ``include=True``: the strict dependency. Unit ``x`` of a map of length ``m`` reads the
  window ``[x - (m - 1), x + (m - 1)]``: the narrowest shift-invariant hull that holds the
  whole map ``0 .. m-1`` for every unit ``x`` of it. Clipped to the map (or, composed, to the
  network's input) it is the whole map for every unit, which is the exact dependency set;
  the jump stays the local grid's, so later layers compose as usual.

>>> Context().geometry(7).map
IntervalMap(scale=1, lo=0, width=0)
>>> Context(include=True).geometry(7).map
IntervalMap(scale=1, lo=-6, width=12)
>>> sorted(Context(include=True).reads({0}, 3))
[-2, -1, 0, 1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass

from symrf.errors import InvalidLayerError
from symrf.layers.base import Geometry, Layer, Units, need_size
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap
from symrf.maths.scalars import Scalar


@dataclass(frozen=True, kw_only=True)
class Context(Layer):
    """Global context entering the local path; ``include`` counts it as a dependency.

    Importers insert it where statistics over all positions (a squeeze-and-excitation gate,
    GroupNorm statistics) rejoin the local path.

    Args:
        include: ``True`` makes every unit depend on the whole input; ``False`` (default)
            reports the local field and lists the layer.
        name: Row label in reports.

    >>> Context(include=True).geometry(5).sizes(5)
    5
    """

    op = "context"
    include: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.include, bool):
            raise InvalidLayerError(
                f"context include is {self.include!r}; use True or False."
            ).with_key("include")

    def params(self) -> dict[str, object]:
        """No numeric parameters (``include`` is a flag)."""
        return {}

    @property
    def size_dependent(self) -> bool:
        """With the context included, the window is the map's length."""
        return self.include

    def geometry(self, size: Scalar | None) -> Geometry:
        """Identity, or the window ``[x - (m-1), x + (m-1)]``; the length is kept."""
        if not self.include:
            return Geometry(IDENTITY, SAME_SIZE)
        m = need_size(self, size)
        return Geometry(IntervalMap(1, 1 - m, 2 * (m - 1)), SAME_SIZE)

    def reads(self, units: Units, size: int | None) -> Units:
        """Each unit's own position, or every unit within ``m - 1`` of it."""
        if not self.include:
            return set(units)
        m = int(need_size(self, size))
        return {x + t for x in units for t in range(1 - m, m)}
