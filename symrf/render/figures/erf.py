"""The ``erf`` figure: the path-count ERF as a heat map and a profile, beside its hull.

Left, the exact N-D path counts of the chosen output unit (:func:`symrf.effective.erf`),
normalised, with the theoretical field's hull (the rectangle) and the ``+-2 sigma`` ellipse of the
fitted Gaussian. Right, one axis's profile (the marginal of the map) against the normal
density of the same mean and sigma, the hull's ends and ``+-2 sigma`` marked. An empirical ERF
(:func:`symrf.effective.empirical.empirical_erf`) can be drawn on the profile beside it: a
measurement next to the count, never instead of it. One-axis networks (``dims=1``) show the
profile only.

>>> import symrf
>>> from symrf.effective import erf
>>> figure = picture(erf(symrf.Repeat(symrf.Conv(kernel=3), times=6), input_size=20))
>>> [axes.get_title() for axes in figure.axes]
['network: path counts of unit (4, 4)', 'axis 0: sigma 2, rf 13', '']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from symrf.effective import ERF, erf
from symrf.render.figures.canvas import new_figure, style
from symrf.render.figures.subject import Subject

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from symrf.effective.empirical import EmpiricalERF

SIGMA = "\N{GREEK SMALL LETTER SIGMA}"


def draw(drawn: Subject, axis: int = 0) -> Figure:
    """The ERF figure of ``drawn`` (2-D unless the network has one axis of its own).

    >>> from symrf.render.figures.subject import subject
    >>> draw(subject("vgg16", input_size=64)).axes[1].get_xlabel()
    'input pixel'
    """
    size: Any = drawn.sizes[0] if drawn.axes == 1 else drawn.sizes
    return picture(erf(drawn.network, input_size=size), axis=axis)


def picture(result: ERF, empirical: EmpiricalERF | None = None, axis: int = 0) -> Figure:
    """Draw ``result`` (exact counts needed), with ``empirical`` on the profile if given.

    >>> import symrf
    >>> from symrf.effective import erf
    >>> picture(erf(symrf.Conv(kernel=3), dims=1)).axes[0].get_xlabel()
    'input pixel'
    """
    import numpy as np
    from matplotlib.patches import Ellipse, Rectangle

    grid = np.asarray(result.map(), dtype=float)  # raises when there are no exact counts
    profiles = result.profiles
    assert profiles is not None
    two = result.dims >= 2
    figure = new_figure(10.0 if two else 6.0, 4.2)
    with style():
        panels = figure.subplots(1, 2 if two else 1, squeeze=False)[0]
        if two:
            while grid.ndim > 2:  # a 3-D map: its first two axes
                grid = grid.sum(axis=-1)
            grid /= grid.sum()
            rows, columns = profiles[0], profiles[1]
            top, left = _origin(result)
            heat = panels[0]
            image = heat.imshow(grid, cmap="viridis", interpolation="nearest", origin="upper",
                                extent=(left - 0.5, left + grid.shape[1] - 0.5,
                                        top + grid.shape[0] - 0.5, top - 0.5))
            figure.colorbar(image, ax=heat, shrink=0.8, label="share of paths")
            (r0, r1), (c0, c1) = rows.hull, columns.hull
            heat.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1,
                                     fill=False, edgecolor="white", linewidth=1.2,
                                     linestyle="--", label="theoretical field"))
            heat.add_patch(Ellipse((float(columns.mean), float(rows.mean)), 4 * columns.sigma,
                                   4 * rows.sigma, fill=False, edgecolor="tab:red",
                                   linewidth=1.4, label=f"±2{SIGMA}"))
            heat.set_xlabel("input column")
            heat.set_ylabel("input row")
            heat.legend(loc="lower right", fontsize="small")
            units = tuple(p.unit for p in profiles)
            heat.set_title(f"{result.name}: path counts of unit {units}")
        _profile(panels[-1], result, axis, empirical)
    return figure


def _origin(result: ERF) -> tuple[int, int]:
    if result.counts is not None:
        return int(result.counts.origin[0]), int(result.counts.origin[1])
    return result.profiles[0].origin, result.profiles[1].origin  # type: ignore[index]  # checked


def _profile(axes: Any, result: ERF, axis: int, empirical: EmpiricalERF | None) -> None:
    import numpy as np

    profile = result.profiles[axis]  # type: ignore[index]  # checked by picture
    shares = np.array([float(share) for share in profile.normalised()])
    places = np.arange(profile.origin, profile.origin + len(shares))
    axes.bar(places, shares, width=1.0, color="tab:blue", alpha=0.6, label="path counts")
    mean, sigma = float(profile.mean), profile.sigma
    if sigma > 0:
        dense = np.linspace(places[0] - 0.5, places[-1] + 0.5, 400)
        normal = np.exp(-0.5 * ((dense - mean) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
        axes.plot(dense, normal, color="tab:red", linewidth=1.2, label=f"normal, same {SIGMA}")
    for edge in (mean - 2 * sigma, mean + 2 * sigma):
        axes.axvline(edge, color="tab:red", linestyle=":", linewidth=1.0)
    for edge in profile.hull:
        axes.axvline(edge, color="0.3", linestyle="--", linewidth=1.0)
    if empirical is not None:
        other = tuple(a for a in range(empirical.map.ndim) if a != axis)
        line = empirical.map.sum(axis=other) if other else empirical.map
        label = f"empirical ({empirical.weights.value}), {SIGMA} {empirical.sigma[axis]:.3g}"
        axes.plot(np.arange(len(line)), line, color="black", linewidth=1.2, label=label)
    axes.set_xlabel("input pixel")
    axes.set_ylabel("share of paths")
    axes.set_title(f"axis {axis}: sigma {sigma:.4g}, rf {profile.rf}")
    axes.legend(loc="upper right", fontsize="small")
