"""What a printed map has on it besides its layers: names, a scale bar, a north arrow.

Drawn on a map's axes in the metric CRS (metres), sized in inches so they read the same at
any scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle
from matplotlib.transforms import ScaledTranslation

from cartography.fonts import cjk_font
from core.i18n import t

MARK_PT = 6.5
INK = "#222222"
HALO = [patheffects.withStroke(linewidth=1.8, foreground="white")]
# The north arrow's centre, inches left of and below the map's top-right corner, and its
# card (x, y, width, height) in inches from that centre.
NORTH_AT = (0.22, 0.42)
NORTH_CARD = (-0.13, -0.17, 0.26, 0.53)
Extent = tuple[float, float, float, float]


def scale_bar_length(map_width_m: float) -> float:
    """Return a round length for a scale bar about a quarter to a fifth of the map's width.

    Parameters
    ----------
    map_width_m : float
        The map's width on the ground, in metres.

    Returns
    -------
    float
        1, 2 or 5 times a power of ten, in metres: the one nearest (by ratio) to
        ``map_width_m / 4.5``.

    Raises
    ------
    ValueError
        When ``map_width_m`` is not a positive number.
    """
    if not math.isfinite(map_width_m) or map_width_m <= 0:
        msg = f"a map's width must be a positive number of metres, not {map_width_m!r}"
        raise ValueError(msg)
    target = map_width_m / 4.5
    power = 10.0 ** math.floor(math.log10(target))
    candidates = [m * power for m in (1, 2, 5, 10)]
    return min(candidates, key=lambda c: abs(math.log(c / target)))


def scale_bar_labels(length_m: float, lang: str | None = None) -> tuple[list[str], str]:
    """Return the numbers written at a scale bar's start, middle and end, and their unit.

    Parameters
    ----------
    length_m : float
        The bar's length in metres.
    lang : str, optional
        Language of the unit.

    Returns
    -------
    tuple
        Three numbers as text (``["0", "2", "4"]``) and the unit (km from 1 km up, else m).
    """
    km = length_m >= 1000
    scale = 1000 if km else 1
    numbers = [f"{v / scale:g}" for v in (0.0, length_m / 2, length_m)]
    return numbers, t("cartography.unit_km" if km else "cartography.unit_m", lang)


def draw_labels(ax, geoms: np.ndarray, labels, fonts: Sequence[FontProperties],
                zorder: float, avoid: np.ndarray | None = None) -> int:
    """Write each polygon's name inside it, clear of other names and of ``avoid``.

    Larger polygons are named first, so a small township crowded by its neighbours loses its
    name rather than covering theirs. A name that would cover a point symbol (``avoid``) is
    moved above, below or beside its spot, staying inside its polygon; then, in a small
    township, written in the next smaller font; then over the symbols. A name that finds no
    spot clear of other names is left out.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map, at its final size.
    geoms : numpy.ndarray
        Polygons in the map's CRS.
    labels : sequence of str
        A name per polygon ("" for none).
    fonts : sequence of matplotlib.font_manager.FontProperties
        The names' fonts, tried largest first.
    zorder : float
        Above the layers.
    avoid : numpy.ndarray, optional
        Boxes to keep clear, ``(x0, y0, x1, y1)`` per row in display pixels.

    Returns
    -------
    int
        How many names were written.
    """
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    if not present.any():
        return 0
    anchors = np.full(len(geoms), None, dtype=object)
    anchors[present] = shapely.point_on_surface(geoms[present])
    areas = np.zeros(len(geoms))
    areas[present] = shapely.area(geoms[present])
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    (minx, maxx), (miny, maxy) = ax.get_xlim(), ax.get_ylim()
    symbols = np.zeros((0, 4)) if avoid is None else np.asarray(avoid, float).reshape(-1, 4)
    taken = np.zeros((0, 4))  # the names written so far
    # Clear of names and symbols in the large font, then the small one; then over symbols
    # (the white halo keeps the name legible): a township's name matters more than a dot.
    attempts = [(font, True) for font in fonts] + [(font, False) for font in fonts]
    for i in np.argsort(-areas, kind="stable"):
        point, label = anchors[i], labels[i]
        if not label or point is None or not (minx < point.x < maxx and miny < point.y < maxy):
            continue
        for font, clear_of_symbols in attempts:
            text = ax.text(point.x, point.y, label, ha="center", va="center",
                           fontproperties=font, color=INK, zorder=zorder, path_effects=HALO,
                           clip_on=True)
            blocked = np.vstack([taken, symbols]) if clear_of_symbols else taken
            spot = _free_spot(text.get_window_extent(renderer).expanded(1.08, 1.15), blocked,
                              geoms[i], to_data)
            if spot is not None:
                text.set_position(to_data.transform(((spot[0] + spot[2]) / 2,
                                                     (spot[1] + spot[3]) / 2)))
                taken = np.vstack([taken, spot])
                break
            text.remove()
    return len(taken)


def _free_spot(box, taken: np.ndarray, polygon, to_data) -> np.ndarray | None:
    # On its spot, then above, below, right, left, two lines up: the first place that covers
    # nothing taken and whose centre is still inside the polygon.
    w, h = box.width, box.height
    for dx, dy in ((0, 0), (0, h), (0, -h), (0.6 * w, 0), (-0.6 * w, 0), (0, 2 * h)):
        spot = np.array([box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy])
        x, y = to_data.transform(((spot[0] + spot[2]) / 2, (spot[1] + spot[3]) / 2))
        if not _overlaps(spot, taken) and shapely.contains_xy(polygon, x, y):
            return spot
    return None


def _overlaps(box: np.ndarray, boxes: np.ndarray) -> bool:
    return bool(((boxes[:, 0] < box[2]) & (box[0] < boxes[:, 2]) &
                 (boxes[:, 1] < box[3]) & (box[1] < boxes[:, 3])).any())


def room_needed(extent: Extent, per_inch: float, outline, lang: str | None) -> tuple[float, float]:
    """Return the metres to add below and above the extent so the marks cover no district.

    Parameters
    ----------
    extent : tuple of float
        The map's extent (metres).
    per_inch : float
        Metres one printed inch of the map spans.
    outline : shapely.Geometry
        The district, in the map's CRS.
    lang : str or None
        Language of the scale bar's unit (its width).

    Returns
    -------
    tuple of float
        Below (for the scale bar) and above (for the north arrow); 0 where the mark finds a
        corner outside the district.
    """
    corner = _scale_bar_corner(extent, per_inch, outline, lang)
    below = corner[3] + 0.15 * per_inch if _covers(corner, outline) else 0.0
    above = 0.6 * per_inch if _covers(_north_card(extent, per_inch), outline) else 0.0
    return below, above


def draw_scale_bar(ax, extent: Extent, outline, lang: str | None) -> float:
    """Draw a scale bar on a white card in the bottom corner the district covers least.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map, in metres, at its final size.
    extent : tuple of float
        The map's extent (metres).
    outline : shapely.Geometry
        The district in the map's CRS: the bar avoids covering it where it can.
    lang : str or None
        Language of the unit.

    Returns
    -------
    float
        The bar's length in metres.
    """
    per_inch = (extent[2] - extent[0]) / (ax.get_position().width *
                                          ax.figure.get_size_inches()[0])
    length = scale_bar_length(extent[2] - extent[0])
    numbers, unit = scale_bar_labels(length, lang)
    x0, y0, box_w, box_h = _scale_bar_corner(extent, per_inch, outline, lang)
    pad, bar_h = 0.07 * per_inch, 0.05 * per_inch
    ax.add_patch(FancyBboxPatch((x0, y0), box_w, box_h, boxstyle="round,pad=0,rounding_size="
                                f"{pad / 2}", facecolor="white", edgecolor="none", alpha=0.85,
                                zorder=94))
    left, bottom = x0 + pad + 0.02 * per_inch, y0 + pad
    for k in range(4):  # four segments, black and white in turn
        ax.add_patch(Rectangle((left + k * length / 4, bottom), length / 4, bar_h,
                               facecolor=INK if k % 2 == 0 else "white", edgecolor=INK,
                               linewidth=0.5, zorder=95))
    font = cjk_font(MARK_PT)
    ticks = list(zip(numbers, (left, left + length / 2, left + length), strict=True))
    if length / per_inch < 0.6:
        ticks = [ticks[0], ticks[2]]  # a short bar: its middle number would touch the others
    for number, x in ticks:
        ax.text(x, bottom + bar_h + 0.02 * per_inch, number, ha="center", va="bottom",
                fontproperties=font, color=INK, zorder=96)
    ax.text(left + length + 0.06 * per_inch, bottom + bar_h / 2, unit, ha="left",
            va="center", fontproperties=font, color=INK, zorder=96)
    return length


def _scale_bar_corner(extent: Extent, per_inch: float, outline,
                      lang: str | None) -> tuple[float, float, float, float]:
    # The scale bar's card, (x0, y0, width, height) in metres, in the bottom corner (left
    # first) the district covers least.
    minx, miny, maxx, _ = extent
    length = scale_bar_length(maxx - minx)
    unit = scale_bar_labels(length, lang)[1]
    pad = 0.07 * per_inch
    box_w = length + (0.12 + 0.09 * len(unit)) * per_inch + 2 * pad
    box_h = (0.05 + MARK_PT / 72 * 1.3) * per_inch + 2 * pad
    margin = 0.1 * per_inch
    corners = [(minx + margin, miny + margin, box_w, box_h),
               (maxx - margin - box_w, miny + margin, box_w, box_h)]
    return min(corners, key=lambda c: _covered(c, outline))


def _north_card(extent: Extent, per_inch: float) -> tuple[float, float, float, float]:
    # The north arrow's card in metres: see draw_north_arrow, which draws it in inches.
    x, y = extent[2] - NORTH_AT[0] * per_inch, extent[3] - NORTH_AT[1] * per_inch
    cx, cy, w, h = NORTH_CARD
    return x + cx * per_inch, y + cy * per_inch, w * per_inch, h * per_inch


def _covered(box: tuple[float, float, float, float], outline) -> float:
    x0, y0, w, h = box
    return float(shapely.area(shapely.intersection(outline, shapely.box(x0, y0, x0 + w,
                                                                         y0 + h))))


def _covers(box: tuple[float, float, float, float], outline) -> bool:
    x0, y0, w, h = box
    return bool(shapely.intersects(outline, shapely.box(x0, y0, x0 + w, y0 + h)))


def draw_north_arrow(ax, label: str) -> None:
    """Draw a north arrow with ``label`` ("北", "N") in the map's top-right corner.

    The map is in a Gauss-Krüger projection: its grid north is within about a degree of true
    north across a district, less than the arrow's drawing shows.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map, at its final size.
    label : str
        Written above the arrow.
    """
    # Inches from a point 0.22 in left of and 0.42 in below the map's top-right corner: the
    # arrow keeps its shape whatever the map's proportions.
    fig = ax.figure
    inches = fig.dpi_scale_trans + ScaledTranslation(1, 1, ax.transAxes) + \
        ScaledTranslation(-NORTH_AT[0], -NORTH_AT[1], fig.dpi_scale_trans)
    # On a white card, like the scale bar: legible over any fill, and a district reaching
    # into the corner is covered there rather than crossed out by the arrow.
    ax.add_patch(FancyBboxPatch(NORTH_CARD[:2], *NORTH_CARD[2:], boxstyle="round,pad=0,"
                                "rounding_size=0.035", facecolor="white", edgecolor="none",
                                alpha=0.85, transform=inches, zorder=95))
    tip, notch = (0.0, 0.16), (0.0, -0.04)
    left, right = (-0.075, -0.12), (0.075, -0.12)
    ax.add_patch(Polygon([tip, left, notch], closed=True, facecolor=INK, edgecolor=INK,
                         linewidth=0.6, transform=inches, zorder=96))
    ax.add_patch(Polygon([tip, notch, right], closed=True, facecolor="white", edgecolor=INK,
                         linewidth=0.6, transform=inches, zorder=96))
    ax.text(0, 0.19, label, ha="center", va="bottom", fontproperties=cjk_font(8.5, "bold"),
            color=INK, transform=inches, zorder=96, path_effects=HALO)
