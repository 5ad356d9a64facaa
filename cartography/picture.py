"""A sketch drawn on the server as a print-resolution PNG: matplotlib, no browser.

The picture is drawn in the district's metric CRS (:func:`analysis.metric.to_metric`), so
that a service area's circle has its true radius and the scale bar is exact. Only matplotlib's
object API is used (a :class:`~matplotlib.figure.Figure` on an Agg canvas, never pyplot's
global figures), so a Streamlit server may draw pictures from any session's thread.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection, PathCollection
from matplotlib.colors import to_rgba, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch
from matplotlib.path import Path
from pyproj import Transformer
from scipy import ndimage

from analysis.metric import metric_crs, to_metric
from cartography import legend_box, map_marks
from cartography.fonts import cjk_font
from cartography.map_marks import scale_bar_length
from cartography.sketch import Circles, Heat, Points, Polygons, Sketch
from cartography.style import DISTRICT_STYLE
from core.i18n import t

# A screen pixel of the dashboard's map in printed points: 0.75 pt at 96 dpi, times about 2/3
# because the printed map (about 11 cm) is smaller than the map on a screen (about 17 cm).
PX_TO_PT = 0.5
TITLE_PT, LABEL_PT = 12.0, 6.0
MARGIN_IN, GAP_IN = 0.12, 0.12
PAD = 0.03  # room around the extent, a share of its size
# Above this many points a layer's dots shrink (down to a third), so a crowd stays a texture
# rather than one blot of ink.
CROWD = 1000
# Names keep clear of the symbols of a point layer up to this size.
AVOID_MAX = 500
# Right-hand legends for a map at least this tall for its width; below the map otherwise.
TALL = 0.75
# matplotlib shares font caches and its text layout between figures; one picture at a time.
_LOCK = threading.Lock()

__all__ = ["render_png", "scale_bar_length"]


@dataclass(frozen=True)
class _Frame:
    """Where the map sits on the page: sizes in inches, the extent in metres."""

    width: float
    height: float
    map_box: tuple[float, float, float, float]  # left, bottom, width, height
    legend_at: tuple[float, float]  # top-left of the legend panel
    legend_columns: int
    extent: tuple[float, float, float, float]  # minx, miny, maxx, maxy (metres)


def render_png(sketch: Sketch, *, title: str | None = None, note: str | None = None,
               width_mm: float = 156.0, height_mm: float | None = None, dpi: int = 200,
               lang: str | None = None) -> bytes:
    """Return ``sketch`` drawn as a PNG: title, map, legends, scale bar, north arrow, note.

    Parameters
    ----------
    sketch : Sketch
        The map: its visible layers are drawn in order, its visible legends beside the map.
    title : str, optional
        Written above the map.
    note : str, optional
        Written small below it (the data's date, "示例数据").
    width_mm : float
        The picture's width on paper (156 mm: the text width of an A4 page).
    height_mm : float, optional
        Its height; by default as tall as the map and its legends need.
    dpi : int
        Dots per inch, also written into the PNG: 200 makes 1229 px across 156 mm.
    lang : str, optional
        Language of the picture's own words (the sketch's language by default).

    Returns
    -------
    bytes
        The PNG, on white.

    Raises
    ------
    cartography.fonts.FontMissingError
        When the server has no font that shows Chinese.
    """
    lang = lang or sketch.lang
    cjk_font(TITLE_PT)  # no font, no picture: raise before any drawing
    extent = _metric_extent(sketch)
    with _LOCK:
        # Whole pixels, never fewer than asked: 156 mm at 200 dpi is 1228.3 px, made 1229.
        width = math.ceil(width_mm / 25.4 * dpi - 1e-6) / dpi
        fig = Figure(figsize=(width, 4.0), dpi=dpi, facecolor="white")
        canvas = FigureCanvasAgg(fig)
        renderer = canvas.get_renderer()
        panel = legend_box.measure(sketch, renderer, dpi)
        bold = cjk_font(TITLE_PT, "bold")
        heading = legend_box.wrap(title, width - 2 * MARGIN_IN, lambda s: float(
            renderer.get_text_width_height_descent(s, bold, ismath=False)[0]) / dpi) \
            if title else ()
        height = None if height_mm is None else height_mm / 25.4
        frame = _layout(extent, width, height, panel, len(heading), bool(note))
        district = to_metric(sketch.district)
        outline = shapely.union_all(district.geometry.to_numpy(dtype=object))
        # Where the district reaches into the corners of the map, room for the scale bar and
        # the north arrow: they would cover it otherwise.
        # A fixed height makes the map narrower as it grows: its marks grow in metres, so
        # look again (twice more at most; it settles at once when the height is free).
        for _ in range(3):
            below, above = map_marks.room_needed(frame.extent, _per_inch(frame), outline, lang)
            if not (below or above):
                break
            minx, miny, maxx, maxy = frame.extent
            frame = _layout((minx, miny - below, maxx, maxy + above), width, height, panel,
                            len(heading), bool(note))
        fig.set_size_inches(frame.width, frame.height)
        ax = _map_axes(fig, frame)
        _draw_layers(ax, sketch, district, frame)
        map_marks.draw_scale_bar(ax, frame.extent, outline, lang)
        map_marks.draw_north_arrow(ax, t("cartography.north", lang))
        legend_box.draw(fig, panel, frame.legend_at, frame.legend_columns)
        _draw_texts(fig, frame, heading, note)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, facecolor="white",
                    metadata={"Title": title or "", "Software": "Tongxin"})
    return out.getvalue()


def _metric_extent(sketch: Sketch) -> tuple[float, float, float, float]:
    # The extent's outline, densified before projecting: a box in degrees is not a box in
    # metres, and its corners alone would cut off the bulge of its edges.
    bounds = sketch.extent if all(map(math.isfinite, sketch.extent)) \
        else tuple(sketch.district.total_bounds)
    if not all(map(math.isfinite, bounds)):
        msg = "the sketch has no extent: its district has no geometry"
        raise ValueError(msg)
    outline = shapely.segmentize(shapely.box(*bounds), max(bounds[2] - bounds[0], 1e-9) / 16)
    minx, miny, maxx, maxy = to_metric(gpd.GeoSeries([outline], crs="EPSG:4326")).total_bounds
    pad = PAD * max(maxx - minx, maxy - miny, 100.0)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _layout(extent: tuple[float, float, float, float], width: float, height: float | None,
            panel: legend_box.Panel, title_lines: int, noted: bool) -> _Frame:
    # Legends beside a tall map, below a wide one. With a fixed height, the arrangement with
    # the largest map among those where everything fits (beside in one to three columns, or
    # below).
    minx, miny, maxx, maxy = extent
    if not panel.items:
        return _arrange(extent, width, height, panel, title_lines, noted, 0)[0]
    beside = (maxy - miny) / (maxx - minx) >= TALL
    options = [1, 0, 2, 3] if beside else [0, 1, 2]
    frames = [_arrange(extent, width, height, panel, title_lines, noted, columns)
              for columns in options]
    if height is None:
        return frames[0][0]
    fitting = [frame for frame, overflow in frames if overflow <= 0]
    if not fitting:  # too low for the legends however arranged: the least overflow
        return min(frames, key=lambda pair: pair[1])[0]
    return max(fitting, key=lambda frame: frame.map_box[2] * frame.map_box[3])


def _arrange(extent: tuple[float, float, float, float], width: float, height: float | None,
             panel: legend_box.Panel, title_lines: int, noted: bool,
             beside: int) -> tuple[_Frame, float]:
    # The frame with the legends in ``beside`` columns right of the map (0: below it), and
    # how far (inches) the legends overflow it: 0 or less when they fit.
    minx, miny, maxx, maxy = extent
    aspect = (maxy - miny) / (maxx - minx)
    top = MARGIN_IN + (TITLE_PT * (1.4 * title_lines + 0.8) / 72 if title_lines else 0)
    bottom = MARGIN_IN + (0.22 if noted else 0)
    inner = width - 2 * MARGIN_IN
    side = panel.span(beside) + GAP_IN if beside else 0.0
    map_w = inner - side
    if beside:
        columns, legend_h = beside, panel.height(beside)
    else:
        columns = max(1, int((inner + legend_box.COLUMN_GAP_IN) //
                             (panel.column_width + legend_box.COLUMN_GAP_IN))) \
            if panel.items else 1
        legend_h = panel.height(columns) + (GAP_IN if panel.items else 0)
    map_h = map_w * aspect
    room = None if height is None else height - top - bottom - (0 if beside else legend_h)
    if room is not None and map_h > room:
        map_w, map_h = max(room, 0.01) / aspect, max(room, 0.01)  # a narrower map, centred
    body = max(map_h, legend_h) if beside else map_h + legend_h
    total = height if height is not None else top + body + bottom
    overflow = 0.0 if room is None else max(legend_h - (total - top - bottom),
                                            0.01 - room)  # 0.01 - room: no room for a map
    # The map and the legends beside it as one group, centred (a map narrowed by a fixed
    # height keeps its legends next to it).
    map_left = MARGIN_IN + (inner - side - map_w) / 2
    map_bottom = total - top - map_h
    legend_at = (map_left + map_w + GAP_IN, total - top) if beside \
        else (MARGIN_IN, map_bottom - GAP_IN)
    return _Frame(width, total, (map_left, map_bottom, map_w, map_h), legend_at, columns,
                  extent), overflow


def _per_inch(frame: _Frame) -> float:
    """Return the metres one printed inch of the map spans."""
    return (frame.extent[2] - frame.extent[0]) / frame.map_box[2]


def _map_axes(fig: Figure, frame: _Frame):  # -> Axes (matplotlib's type, untyped here)
    left, bottom, w, h = frame.map_box
    ax = fig.add_axes((left / frame.width, bottom / frame.height, w / frame.width,
                       h / frame.height))
    minx, miny, maxx, maxy = frame.extent
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#9a9a9a")
        spine.set_linewidth(0.5)
    return ax


def _draw_layers(ax, sketch: Sketch, district: gpd.GeoDataFrame, frame: _Frame) -> None:
    outline = [p for p in _paths(district.geometry.to_numpy(dtype=object)) if p is not None]
    symbols: list[np.ndarray] = [np.zeros((0, 4))]  # point symbols names keep clear of
    # Areas under the district's outline, points and names above it; each kind in the
    # sketch's order.
    for order, layer in enumerate(sketch.visible_layers):
        if isinstance(layer, Polygons):
            _draw_polygons(ax, layer, 10 + order)
        elif isinstance(layer, Heat):
            _draw_heat(ax, layer, outline, frame, 10 + order)
        elif isinstance(layer, Circles):
            _draw_circles(ax, layer, 10 + order)
        elif isinstance(layer, Points):
            symbols.append(_draw_points(ax, layer, 60 + order))
    ax.add_collection(PathCollection(
        outline, facecolors="none", edgecolors=str(DISTRICT_STYLE["color"]),
        linewidths=float(DISTRICT_STYLE["weight"]) * PX_TO_PT, zorder=50, joinstyle="round"))
    labelled = [layer for layer in sketch.visible_layers
                if isinstance(layer, Polygons) and layer.labels]
    for layer in labelled:
        map_marks.draw_labels(ax, to_metric(layer.frame).geometry.to_numpy(dtype=object),
                              layer.labels or (), [cjk_font(LABEL_PT), cjk_font(LABEL_PT - 1)],
                              zorder=90,
                              avoid=np.vstack(symbols))


def _draw_polygons(ax, layer: Polygons, zorder: int) -> None:
    paths = _paths(to_metric(layer.frame).geometry.to_numpy(dtype=object))
    present = [i for i, p in enumerate(paths) if p is not None]
    pick = [paths[i] for i in present]
    fills = to_rgba_array([layer.fills[i] for i in present], alpha=layer.fill_opacity)
    widths = np.array([layer.widths[i] for i in present]) * PX_TO_PT
    edges = [layer.edges[i] for i in present]
    ax.add_collection(PathCollection(pick, facecolors=fills, edgecolors=edges,
                                     linewidths=widths, zorder=zorder))
    # The strong outlines once more on top, above the district's too: a neighbour drawn later
    # would cover half of each, the district's outline the rest.
    default = min(widths, default=0.0)
    strong = [i for i, w in enumerate(widths) if w > default]
    if strong:
        ax.add_collection(PathCollection(
            [pick[i] for i in strong], facecolors="none", edgecolors=[edges[i] for i in strong],
            linewidths=widths[strong], zorder=55 + zorder / 100, joinstyle="round"))


def _draw_points(ax, layer: Points, zorder: int) -> np.ndarray:
    """Draw the points; return their boxes in display pixels (none for a crowd)."""
    if not len(layer.frame):
        return np.zeros((0, 4))
    x, y = _xy(layer.geometry)
    n = len(x)
    crowd = max(1 / 3, math.sqrt(CROWD / n)) if n > CROWD else 1.0
    radius_pt = layer.radius * PX_TO_PT * crowd
    # Colours by their few distinct values: converting 300,000 strings one by one is slow.
    names, which = np.unique(np.asarray(layer.fills, dtype=str), return_inverse=True)
    colours = to_rgba_array(list(names), alpha=0.9)
    size = (2 * radius_pt) ** 2
    if n > CROWD:
        # A crowd one colour at a time, without rims: Agg stamps one marker many times over,
        # twenty times faster than a marker per point. The colours lie in layers then rather
        # than in the rows' order: the commonest first, so the rarest stay in sight.
        for k in np.argsort(-np.bincount(which, minlength=len(names)), kind="stable"):
            ax.scatter(x[which == k], y[which == k], s=size, color=colours[k], linewidths=0,
                       zorder=zorder)
        return np.zeros((0, 4))
    ax.scatter(x, y, s=size, c=colours[which], edgecolors="white", linewidths=0.4,
               zorder=zorder)
    if n > AVOID_MAX:
        return np.zeros((0, 4))  # names cannot keep clear of many points; they go over them
    centres = ax.transData.transform(np.column_stack([x, y]))
    r = radius_pt * ax.figure.dpi / 72
    return np.column_stack([centres - r, centres + r])


def _draw_circles(ax, layer: Circles, zorder: int) -> None:
    if not len(layer.centres):
        return
    xs, ys = _xy(layer.centres)
    patches = [Circle((x, y), r) for x, y, r in zip(xs, ys, layer.radii, strict=True)]
    ax.add_collection(PatchCollection(patches, facecolors=[to_rgba(layer.color, 0.08)],
                                      edgecolors=[layer.color], linewidths=1 * PX_TO_PT,
                                      zorder=zorder))


def _draw_heat(ax, layer: Heat, outline: list, frame: _Frame, zorder: int) -> None:
    if not len(layer.points):
        return
    x, y = _xy(layer.points)
    minx, miny, maxx, maxy = frame.extent
    # A cell of about 4 printed pixels, blurred over about 1/70 of the map's width: close to
    # Leaflet.heat's look on the page (a 14 px radius, 18 px blur across 640 px).
    nx = int(min(400, max(60, frame.map_box[2] * 200 / 4)))
    ny = max(1, round(nx * (maxy - miny) / (maxx - minx)))
    counts, _, _ = np.histogram2d(y, x, bins=(ny, nx),
                                  range=((miny, maxy), (minx, maxx)))
    density = ndimage.gaussian_filter(counts, sigma=nx / 70)
    image = ax.imshow(legend_box.heat_rgba(density / _heat_top(density)),
                      extent=(minx, maxx, miny, maxy), origin="lower", interpolation="bilinear",
                      zorder=zorder)
    if outline:
        clip = PathPatch(Path.make_compound_path(*outline), transform=ax.transData)
        image.set_clip_path(clip)


def _xy(points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Return the points' coordinates in the metric CRS, as two arrays."""
    # The coordinates alone, not new Point objects: 300,000 of those take most of a second.
    source = points.crs.srs if points.crs is not None else "EPSG:4326"
    project = _transformer(source, metric_crs().srs, threading.get_ident())
    values = points.to_numpy(dtype=object)
    x, y = project.transform(shapely.get_x(values), shapely.get_y(values))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


@lru_cache(maxsize=16)
def _transformer(source: str, target: str, thread: int) -> Transformer:
    # Making a transformer takes a quarter of a second, and pyproj's are not for sharing
    # between threads (Streamlit runs each script run in a new one): one per thread, kept.
    return Transformer.from_crs(source, target, always_xy=True)


def _heat_top(density: np.ndarray) -> float:
    # The 99.5th percentile of the cells with any density: one crowded square would otherwise
    # set the scale for the whole map.
    busy = density[density > density.max() * 1e-3]
    return float(np.quantile(busy, 0.995)) if len(busy) else 1.0


def _paths(geoms: np.ndarray) -> list:
    """Return a matplotlib path per (multi)polygon, holes included; None where there is none."""
    oriented = shapely.orient_polygons(geoms)  # exterior counter-clockwise, holes clockwise
    paths: list = []
    for geom in oriented:
        if geom is None or geom.is_empty:
            paths.append(None)
            continue
        rings = [ring for part in getattr(geom, "geoms", [geom])
                 if part.geom_type == "Polygon"
                 for ring in (part.exterior, *part.interiors)]
        if not rings:
            paths.append(None)
            continue
        paths.append(Path.make_compound_path(*[Path(np.asarray(ring.coords), closed=True)
                                               for ring in rings]))
    return paths


def _draw_texts(fig: Figure, frame: _Frame, heading: tuple[str, ...],
                note: str | None) -> None:
    inches = fig.dpi_scale_trans
    for number, line in enumerate(heading):
        fig.text(frame.width / 2, frame.height - MARGIN_IN - number * TITLE_PT * 1.4 / 72, line,
                 ha="center", va="top", fontproperties=cjk_font(TITLE_PT, "bold"),
                 transform=inches, color="#1a1a1a")
    if note:
        fig.text(MARGIN_IN, MARGIN_IN, note, ha="left", va="bottom",
                 fontproperties=cjk_font(6.5), transform=inches, color="#555555")
