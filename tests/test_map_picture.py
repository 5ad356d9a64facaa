"""Every map page's picture (下载图片 (PNG)): the page's own map, drawn on the server.

Each page's ``build_map`` is run on the demo; its folium legends and the picture's sketch
legends must be the same, and the PNG must show the district at print resolution with those
legends' colours.
"""

from __future__ import annotations

import importlib
import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis.activity import Period
from cartography.style import DISTRICT_STYLE
from tests.conftest import opened_page
from ui.filters import Filters

PAGES = ("overview", "workstations", "activities", "units", "sites", "scorecard")
A4_TEXT_PX = 1229  # 156 mm at 200 dpi

pytestmark = pytest.mark.usefixtures("fresh_caches")


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])


def _near(pixels: np.ndarray, colour: str, tolerance: int = 12) -> np.ndarray:
    return (np.abs(pixels[..., :3].astype(int) - _rgb(colour)) <= tolerance).all(axis=-1)


@pytest.mark.parametrize("page", PAGES)
def test_each_pages_picture_is_its_map(demo_env, page):
    view = importlib.import_module(f"views.{page}")
    f = Filters((), Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))
    fmap = view.build_map("zh", f)
    hexagons = [legend for legend in fmap.legends if "六边形" in legend.title]
    assert not hexagons  # the demo is below map_points_max: no page-only legend
    assert [legend.title for legend in fmap.legends] == \
        [legend.title for legend in fmap.sketch.legends]
    image = Image.open(io.BytesIO(fmap.picture("七里河区 · 测试", "数据截至 2026-11-29")))
    assert image.format == "PNG" and image.width >= A4_TEXT_PX
    assert round(image.info["dpi"][0]) == 200
    pixels = np.asarray(image.convert("RGB"))
    # The district's outline runs through the middle of the map, not only at its edge.
    outline = _near(pixels, DISTRICT_STYLE["color"])
    assert outline.sum() > 2_000
    # Every legend swatch the page shows is in the picture.
    for legend in fmap.sketch.visible_legends:
        for entry in legend.entries:
            assert _near(pixels, entry.color).sum() > 20, (page, legend.title, entry)


def test_every_map_page_offers_the_picture(demo_env):
    for page in PAGES:
        at = opened_page(f"views/{page}.py")
        labels = {b.label for b in at.download_button}
        assert "下载图片 (PNG)" in labels and "下载地图（HTML，可离线打开）" in labels, page
