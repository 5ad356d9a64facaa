"""The maps' looks and the choices behind them: palettes, styles, classes (pure).

Shared by the dashboard's folium map (:mod:`ui.maps`, :mod:`ui.map_object`) and the server's
pictures (:mod:`cartography.picture`), so that a map looks the same on a page and in a report.
"""

from __future__ import annotations

import itertools
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.coords import wgs84_to_gcj02

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
# Sequential blues for choropleths, light to dark (ColorBrewer Blues, 5 classes).
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#7F7F7F"
DISTRICT_STYLE: dict[str, Any] = {"color": "#1f3b73", "weight": 3, "fill": False}
TOWNSHIP_STYLE: dict[str, Any] = {"color": "#4a6fa5", "weight": 1.2, "fillColor": "#dce6f2",
                                   "fillOpacity": 0.45}
URBAN_FILL = "#f6d8ae"
# The outline of the townships the filter selected (and of the one under the pointer).
SELECTED_COLOR = "#c0392b"
SELECTED_WEIGHT = 3.5
# Townships without a value in a choropleth.
NO_VALUE_FILL = "#ffffff"


def to_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` shifted to GCJ-02, the coordinates most Chinese web maps' tiles are in.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Rows in EPSG:4326 (WGS84).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with its geometry shifted (rows without geometry kept), or ``frame`` itself
        when it has no rows.
    """
    if frame.empty:
        return frame

    def shift(coords: np.ndarray) -> np.ndarray:
        lng, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lng, lat])

    shifted = frame.copy()
    present = shifted.geometry.notna().to_numpy()
    values = shifted.geometry.to_numpy(dtype=object)
    values[present] = shapely.transform(values[present], shift)
    shifted.geometry = gpd.GeoSeries(values, index=frame.index, crs=frame.crs)
    return shifted


def township_fills(townships: gpd.GeoDataFrame,
                   values: pd.Series | None) -> tuple[list[str], list[tuple[str, str]]]:
    """Return each township's fill, and the choropleth legend's entries.

    Parameters
    ----------
    townships : geopandas.GeoDataFrame
        Townships with ``code`` and ``urban``.
    values : pandas.Series, optional
        A number per township code: five quantile classes (:func:`classify`). Without it,
        streets (urban) and towns get their two fills and the legend is left to the caller.

    Returns
    -------
    tuple
        One fill per row of ``townships``, and ``(label, colour)`` per class (empty for the
        urban/rural fills).
    """
    if values is None:
        urban = townships["urban"].fillna(False).astype(bool)
        return [URBAN_FILL if u else TOWNSHIP_STYLE["fillColor"] for u in urban], []
    numbers = values.reindex(townships["code"].astype(str)).astype(float).to_numpy()
    return classify(numbers)


def classify(numbers: np.ndarray, decimals: int = 1) -> tuple[list[str], list[tuple[str, str]]]:
    """Return a fill per number (five quantile classes of blues) and the legend's entries.

    Parameters
    ----------
    numbers : numpy.ndarray
        One value per feature; NaN gets white.
    decimals : int
        Decimals shown in the legend.

    Returns
    -------
    tuple
        The fills, and ``(label, colour)`` per class.
    """
    numbers = np.asarray(numbers, dtype=float)
    finite = numbers[np.isfinite(numbers)]
    if not len(finite):
        return [NO_VALUE_FILL] * len(numbers), []
    # Quantiles of the distinct values: when most townships share a value (13 of 15 fully
    # covered) the few that differ still get classes of their own. No more classes than
    # distinct values: two townships make two classes, not five.
    distinct = np.unique(finite)
    n_classes = min(len(SEQUENTIAL), len(distinct))
    # Rounded to nine decimals: the quantile's arithmetic leaves float noise (0.6 x 5 is
    # 3.0000000000000004), which would put an edge meant to be 2.0 just above it and leave its
    # class, and the colour the legend shows for it, with no township.
    edges = np.unique(np.round(np.quantile(distinct, np.linspace(0, 1, n_classes + 1)), 9))
    if decimals == 0:
        # Counts: whole-number classes that do not overlap ("1 – 2", "3 – 5", ...).
        edges = np.unique(np.concatenate([np.ceil(edges[:-1]), edges[-1:]]))
    colours = SEQUENTIAL[-max(len(edges) - 1, 1):]
    classes = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, len(colours) - 1)
    fills = [colours[c] if np.isfinite(n) else NO_VALUE_FILL
             for c, n in zip(classes, numbers, strict=True)]
    if len(edges) == 1:
        # One value everywhere: a middle tone, neither "best" nor "worst".
        middle = SEQUENTIAL[len(SEQUENTIAL) // 2]
        return [middle if np.isfinite(n) else NO_VALUE_FILL for n in numbers], \
            [(f"{edges[0]:,.{decimals}f}", middle)]
    last = len(edges) - 2
    legend = [(_class_label(lo, hi, decimals, i == last), colours[i])
              for i, (lo, hi) in enumerate(itertools.pairwise(edges))]
    return fills, legend


def _class_label(lo: float, hi: float, decimals: int, last: bool) -> str:
    if decimals:
        return f"{lo:,.{decimals}f} – {hi:,.{decimals}f}"
    top = hi if last else hi - 1  # whole numbers: the next class starts at hi
    return f"{lo:,.0f}" if top <= lo else f"{lo:,.0f} – {top:,.0f}"
