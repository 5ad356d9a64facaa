"""The legends of a picture: measured first (the layout needs their size), then drawn.

Each legend is a title over its swatches: squares for areas, circles for points. A heat
layer's legend is the composition's own (as on the page), so the heat is drawn in the colours
it names. Labels wider than the panel allows are wrapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Rectangle

from cartography.fonts import cjk_font
from cartography.sketch import Sketch

TEXT_PT = 7.5
LINE_IN = TEXT_PT * 1.55 / 72  # one line of legend text, in inches
SWATCH_IN = 0.11
LABEL_GAP_IN = 0.06
ITEM_GAP_IN = 0.09
COLUMN_GAP_IN = 0.15
MAX_WIDTH_IN = 1.9  # the widest a legend gets; its labels wrap beyond
# Leaflet.heat's default gradient, as the page draws heat and as its legend (稀疏/较密/密集, in
# blue, lime and red) describes it: the legend comes with the map's composition, not from here.
HEAT_CMAP = LinearSegmentedColormap.from_list(
    "leaflet-heat", [(0.0, "#0000ff"), (0.4, "#0000ff"), (0.6, "#00ffff"), (0.7, "#00ff00"),
                     (0.8, "#ffff00"), (1.0, "#ff0000")])


@dataclass(frozen=True)
class Row:
    """One swatch and its label's lines; ``shape`` is square or circle."""

    lines: tuple[str, ...]
    color: str
    shape: str


@dataclass(frozen=True)
class Item:
    """One legend as laid out: its title's lines, its rows, and its size in inches."""

    title: tuple[str, ...]
    rows: tuple[Row, ...]
    width: float
    height: float


@dataclass(frozen=True)
class Panel:
    """Every legend of a picture, measured."""

    items: tuple[Item, ...]

    @property
    def width(self) -> float:
        """Return the panel's width as one column, in inches (0 when there is no legend)."""
        return self.span(1) if self.items else 0.0

    def span(self, count: int) -> float:
        """Return the width of ``count`` columns side by side, in inches."""
        return count * self.column_width + (count - 1) * COLUMN_GAP_IN

    @property
    def column_width(self) -> float:
        """Return the width of the widest legend, in inches."""
        return max((item.width for item in self.items), default=0.0)

    def columns(self, count: int) -> list[list[Item]]:
        """Return the legends in ``count`` columns, in order, each next to the shortest."""
        columns: list[list[Item]] = [[] for _ in range(max(count, 1))]
        heights = [0.0] * len(columns)
        for item in self.items:
            shortest = heights.index(min(heights))
            columns[shortest].append(item)
            heights[shortest] += item.height + ITEM_GAP_IN
        return columns

    def height(self, count: int) -> float:
        """Return the panel's height in ``count`` columns, in inches."""
        return max((sum(item.height + ITEM_GAP_IN for item in column) - ITEM_GAP_IN
                    for column in self.columns(count) if column), default=0.0)


def measure(sketch: Sketch, renderer, dpi: float) -> Panel:
    """Return the sketch's visible legends, measured.

    Parameters
    ----------
    sketch : Sketch
        The map.
    renderer : matplotlib.backends.backend_agg.RendererAgg
        The picture's renderer: text is measured as it will be drawn.
    dpi : float
        The renderer's dots per inch.

    Returns
    -------
    Panel
        One item per legend, in the sketch's order.
    """
    plain, bold = cjk_font(TEXT_PT), cjk_font(TEXT_PT, "bold")

    def width(text: str, font: FontProperties) -> float:
        return float(renderer.get_text_width_height_descent(text, font, ismath=False)[0]) / dpi

    room = MAX_WIDTH_IN - SWATCH_IN - LABEL_GAP_IN
    found = [(legend.title, [(e.label, e.color, legend.shape) for e in legend.entries])
             for legend in sketch.visible_legends]
    items = []
    for title, entries in found:
        title_lines = wrap(title, MAX_WIDTH_IN, lambda s: width(s, bold))
        rows = tuple(Row(wrap(label, room, lambda s: width(s, plain)), colour, shape)
                     for label, colour, shape in entries)
        widest = max([width(line, bold) for line in title_lines] +
                     [SWATCH_IN + LABEL_GAP_IN + width(line, plain)
                      for row in rows for line in row.lines])
        lines = len(title_lines) + sum(len(row.lines) for row in rows)
        items.append(Item(title_lines, rows, widest, lines * LINE_IN))
    return Panel(tuple(items))


def draw(fig: Figure, panel: Panel, at: tuple[float, float], columns: int) -> None:
    """Draw the legends from ``at`` (their top-left, in inches) down, in ``columns`` columns.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The picture, at its final size.
    panel : Panel
        The measured legends.
    at : tuple of float
        Top-left corner, inches from the picture's bottom-left.
    columns : int
        How many columns side by side.
    """
    plain, bold = cjk_font(TEXT_PT), cjk_font(TEXT_PT, "bold")
    inches = fig.dpi_scale_trans
    for index, column in enumerate(panel.columns(columns)):
        x = at[0] + index * (panel.column_width + COLUMN_GAP_IN)
        y = at[1]
        for item in column:
            for line in item.title:
                fig.text(x, y - LINE_IN / 2, line, fontproperties=bold, va="center",
                         transform=inches, color="#1a1a1a")
                y -= LINE_IN
            for row in item.rows:
                middle = y - LINE_IN / 2
                _swatch(fig, row, x, middle)
                for line in row.lines:
                    fig.text(x + SWATCH_IN + LABEL_GAP_IN, y - LINE_IN / 2, line,
                             fontproperties=plain, va="center", transform=inches,
                             color="#1a1a1a")
                    y -= LINE_IN
            y -= ITEM_GAP_IN


def heat_rgba(level: np.ndarray) -> np.ndarray:
    """Return the heat's colour and opacity per density level (0 to 1, any shape).

    Parameters
    ----------
    level : numpy.ndarray
        Density over the busiest cells' (clipped to 0 to 1).

    Returns
    -------
    numpy.ndarray
        RGBA, one more axis of 4 than ``level``: nothing where nothing is, warmer and more
        opaque where more is. The square root lifts thin density: a few busy streets would
        otherwise leave the rest of the district blank.
    """
    shown = np.sqrt(np.clip(level, 0, 1))
    rgba = HEAT_CMAP(shown)
    rgba[..., 3] = np.clip((shown - 0.08) / 0.35, 0, 1) * 0.8
    return rgba


def _swatch(fig: Figure, row: Row, x: float, middle: float) -> None:
    inches = fig.dpi_scale_trans
    half = SWATCH_IN / 2
    if row.shape == "circle":
        fig.add_artist(Circle((x + half, middle), half, facecolor=row.color,
                              edgecolor="#555555", linewidth=0.4, transform=inches))
    else:
        fig.add_artist(Rectangle((x, middle - half), SWATCH_IN, SWATCH_IN, facecolor=row.color,
                                 edgecolor="#555555", linewidth=0.4, transform=inches))


def wrap(text: str, room: float, width: Callable[[str], float]) -> tuple[str, ...]:
    """Return ``text`` in lines no wider than ``room``.

    Parameters
    ----------
    text : str
        One line of text.
    room : float
        The widest a line may be, in the unit ``width`` measures in.
    width : callable
        The width of a line of text.

    Returns
    -------
    tuple of str
        The lines: broken after a space in English, between any two characters in Chinese.
    """
    if width(text) <= room:
        return (text,)
    lines, line = [], ""
    for char in text:
        if line and width(line + char) > room:
            # Break after a space when the line has one (English), anywhere in Chinese.
            cut = line.rfind(" ")
            if cut > 0:
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line)
                line = ""
        line += char
    lines.append(line)
    return tuple(part for part in lines if part)
