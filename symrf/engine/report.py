"""Results: the figures of a whole network (:class:`Report`) and the names of its rows.

A report is a plain value that every engine builds: the general fold
(:mod:`symrf.engine.fold`), the compiled plan (:mod:`symrf.engine.plan`) and the symbolic
engine. Its rows (:mod:`symrf.engine.rows`) hold one :class:`~symrf.engine.field.Field` per
axis.

>>> from symrf.layers.window import Conv
>>> network(Conv(kernel=3)).layers[0].kernel
3
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from symrf.engine.field import FIGURES, Field, Finish
from symrf.engine.rows import FieldRow, Row, RowList, _Figures
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph


@dataclass(frozen=True)
class Report(_Figures):
    """The figures of a network's output and of every top-level layer, in order.

    Figures are attributes: ``report.rf``, ``report.jump``, ... (see :data:`FIGURES`);
    ``report.layers`` holds one :class:`Row` per top-level layer.
    """

    name: str
    layers: RowList
    per_axis: bool
    size_known: bool = False
    context: tuple[str, ...] = ()
    """Layers whose global context the figures leave out (an importer's
    ``global_context="exclude"``): squeeze-and-excitation gates, norm statistics."""

    @property
    def axes(self) -> tuple[Field, ...]:  # type: ignore[override]
        """The network's figures, one :class:`Field` per axis."""
        return self.layers[self.layers.output].axes


def network(net: Layer) -> Sequential | Graph:
    """``net`` as a top-level sequence or graph (a single layer becomes a one-layer network).

    >>> from symrf.layers.window import Conv
    >>> len(network(Conv(kernel=3)).layers)
    1
    """
    return net if isinstance(net, Sequential | Graph) else Sequential(net, name=net.name)


def labels(top: Sequential | Graph) -> list[tuple[str, str]]:
    """``(name, op)`` of each report row: top-level layers, or graph nodes in order.

    >>> from symrf.layers.window import Conv
    >>> labels(Sequential(Conv(kernel=3), Conv(kernel=1, name="proj")))
    [('conv_0', 'conv'), ('proj', 'conv')]
    """
    if isinstance(top, Graph):
        return [(node.name, node.op) for node in top.nodes]
    return row_labels(top.layers)


def row_labels(layers: Sequence[Layer]) -> list[tuple[str, str]]:
    """``(name, op)`` of each layer of a chain.

    >>> from symrf.layers.window import Conv
    >>> row_labels([Conv(kernel=3)])
    [('conv_0', 'conv')]
    """
    return [(layer.row_name(i), layer.op) for i, layer in enumerate(layers)]


__all__ = ["FIGURES", "Field", "FieldRow", "Finish", "Report", "Row", "RowList", "labels",
           "network", "row_labels"]
"""Also re-exported from their own modules: figures and fields (:mod:`symrf.engine.field`), rows
(:mod:`symrf.engine.rows`)."""
