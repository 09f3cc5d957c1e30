"""The drawing surface every figure shares: one fixed style, and deterministic files.

matplotlib is imported here, inside functions only, so ``import symrf`` never loads it. A
figure is a :class:`matplotlib.figure.Figure` on an Agg canvas, made without ``pyplot`` (no
global figure manager, no backend switch in the user's session), in matplotlib's default
style plus :data:`STYLE`: the DejaVu Sans font bundled with matplotlib and a fixed SVG hash
salt. :func:`save` writes SVG, PNG or PDF with no date and no version in the metadata, so
the same figure gives the same bytes (figures can be tested and committed).

>>> figure = new_figure(2, 1)
>>> svg_text(figure) == svg_text(figure)
True
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symrf.errors import SpecError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "symrf",
    "pdf.fonttype": 42,
    "axes.unicode_minus": True,
    "path.simplify": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}
"""rcParams over matplotlib's defaults: a font that is always there, no random SVG ids."""

_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "symrf"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "symrf", "Producer": "symrf"},
    "png": {"Software": "symrf"},
}
"""What each format records about its making: nothing that changes between runs."""

FORMATS = tuple(_METADATA)
"""The file formats :func:`save` writes, by suffix."""


def matplotlib_module() -> Any:
    """matplotlib, or a one-line error saying how to install it.

    >>> matplotlib_module().__name__
    'matplotlib'
    """
    try:
        import matplotlib
    except ImportError:
        raise SpecError("symrf figures need matplotlib: pip install 'symrf[plot]'.") from None
    return matplotlib


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Use matplotlib's defaults plus :data:`STYLE` within this context.

    Nothing of the user's ``matplotlibrc`` applies; the previous settings come back after.

    >>> with style():
    ...     import matplotlib
    ...     matplotlib.rcParams["svg.hashsalt"]
    'symrf'
    """
    matplotlib = matplotlib_module()
    from matplotlib import style as styles

    with matplotlib.rc_context():
        styles.use("default")
        matplotlib.rcParams.update(STYLE)
        yield


@functools.cache
def _figure_class() -> type[Figure]:
    from matplotlib.figure import Figure

    class Drawing(Figure):
        """A matplotlib figure that Jupyter shows as SVG without ``pyplot``."""

        def _repr_svg_(self) -> str:
            return svg_text(self)

    return Drawing


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of ``width`` x ``height`` inches on an Agg canvas, in :data:`STYLE`.

    Draw on it inside :func:`style` so that text picks up the fixed font.

    >>> new_figure(3, 2).get_size_inches().tolist()
    [3.0, 2.0]
    """
    matplotlib_module()  # a one-line error when it is not installed
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with style():
        figure = _figure_class()(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: str | Path) -> str:
    """Write ``figure`` to ``path`` as SVG, PNG or PDF (by its suffix); say what was written.

    The same figure always gives the same bytes: no date, no matplotlib version, fixed ids.

    Raises:
        SpecError: The suffix is not .svg, .png or .pdf, or the file cannot be written.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.svg")
    >>> save(new_figure(1, 1), path).startswith("wrote ")
    True
    """
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in _METADATA:
        raise SpecError(f"-o {str(path)!r}: name the figure *.svg, *.png or *.pdf.")
    try:
        with style(), open(path, "wb") as handle:
            figure.savefig(handle, format=kind, metadata=_METADATA[kind])
    except OSError as error:
        raise SpecError(f"-o {str(path)!r}: cannot write the file ({error.strerror}).") from None
    return f"wrote {path}"


def svg_text(figure: Figure) -> str:
    """``figure`` as SVG text, exactly as :func:`save` writes it to a ``.svg`` file.

    >>> svg_text(new_figure(1, 1)).startswith("<?xml")
    True
    """
    buffer = io.BytesIO()
    with style():
        figure.savefig(buffer, format="svg", metadata=_METADATA["svg"])
    return buffer.getvalue().decode("utf-8")
