"""Map pictures drawn on the server: size and resolution, what is on them, true distances, fonts."""

from __future__ import annotations

import io
import threading
import warnings

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from PIL import Image
from shapely.geometry import Point, box

from cartography import fonts
from cartography.fonts import FontMissingError
from cartography.map_marks import scale_bar_labels
from cartography.picture import render_png, scale_bar_length
from cartography.sketch import Sketch
from cartography.style import (
    DISTRICT_STYLE,
    PALETTE,
    SELECTED_COLOR,
    TOWNSHIP_STYLE,
    URBAN_FILL,
)
from core import settings
from storage.gpkg import GeoPackageStore

GLYPH_MISSING = r".*Glyph.*missing"
# A square district of 20 km near 七里河, drawn in EPSG:4544 and stored in EPSG:4326.
CENTRE = (390_000.0, 3_980_000.0)
HALF = 10_000.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, gpd.GeoDataFrame]:
    store = GeoPackageStore(tmp_path_factory.mktemp("work") / "tongxin.gpkg",
                            settings.path("demo"), keep=1)
    layers = {name: store.read(name) for name in ("townships", "workstations", "activities")}
    return {**layers, "district": store.read_district()}


@pytest.fixture
def square() -> gpd.GeoDataFrame:
    x, y = CENTRE
    return gpd.GeoDataFrame({"name": ["方区"]},
                            geometry=[box(x - HALF, y - HALF, x + HALF, y + HALF)],
                            crs=4544).to_crs(4326)


def _image(png: bytes) -> tuple[Image.Image, np.ndarray]:
    image = Image.open(io.BytesIO(png))
    return image, np.asarray(image.convert("RGB")).astype(int)


def _near(pixels: np.ndarray, colour: str, tolerance: int = 0) -> np.ndarray:
    rgb = np.round(np.array(to_rgb(colour)) * 255).astype(int)
    return (np.abs(pixels - rgb) <= tolerance).all(axis=-1)


def _overview(demo, lang: str = "zh") -> Sketch:
    sketch = Sketch.for_district(demo["district"], lang)
    sketch.add_townships(demo["townships"], {"name": "名称"}, selected=["620103101"])
    stations = demo["workstations"]
    sketch.add_points(stations[stations["kind"] == "民族工作站"], "民族工作站",
                      color=PALETTE[5], radius=7, legend_title="民族工作站")
    return sketch


@pytest.mark.parametrize(("width_m", "length"), [
    (10_000, 2_000),   # a fifth: 2 km of 10 km
    (45_000, 10_000),  # 10 km is 45 km / 4.5 exactly
    (30_000, 5_000),   # 6.7 km wanted: 5 km is nearer than 10 km
    (1_000, 200),
    (4.5, 1),
    (26_437, 5_000),   # 七里河区, about 26 km across
])
def test_scale_bar_length_is_round_and_about_a_quarter_of_the_width(width_m, length):
    assert scale_bar_length(width_m) == pytest.approx(length)


@pytest.mark.parametrize("width_m", [0, -5, float("nan"), float("inf")])
def test_scale_bar_length_refuses_a_width_that_is_not_a_distance(width_m):
    with pytest.raises(ValueError, match="positive number of metres"):
        scale_bar_length(width_m)


def test_scale_bar_labels_in_km_and_m():
    assert scale_bar_labels(4_000, "en") == (["0", "2", "4"], "km")
    assert scale_bar_labels(5_000, "zh") == (["0", "2.5", "5"], "公里")
    assert scale_bar_labels(500, "en") == (["0", "250", "500"], "m")


def test_the_demo_overview_at_print_resolution(demo):
    png = render_png(_overview(demo), title="七里河区民族工作站分布",
                     note="数据时间 2026-10-31 · 示例数据")
    image, pixels = _image(png)
    assert image.format == "PNG"
    assert image.width >= 1229  # 156 mm at 200 dpi
    assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
    assert (pixels < 245).any(axis=-1).mean() > 0.2  # drawn on, not a blank page
    # The district's outline surrounds the map: it spans most of the picture, around its middle.
    rows, columns = np.nonzero(_near(pixels, DISTRICT_STYLE["color"]))
    assert len(rows) > 2_000
    assert np.ptp(columns) > 0.6 * image.width and np.ptp(rows) > 0.6 * image.height
    assert 0.3 < np.median(columns) / image.width < 0.7
    assert 0.3 < np.median(rows) / image.height < 0.7
    # The legend's swatches, at full colour; the selected township's red outline.
    for colour in (URBAN_FILL, TOWNSHIP_STYLE["fillColor"], PALETTE[5], SELECTED_COLOR):
        assert _near(pixels, colour).sum() > 100, colour


def test_a_choropleth_with_heat_and_service_areas(demo):
    sketch = Sketch.for_district(demo["district"], "en")
    towns = demo["townships"]
    layer = sketch.add_townships(towns, values=towns.set_index("code")["population"],
                                 legend_title="Population")
    sketch.add_heat(demo["activities"], "Activity heat")
    stations = demo["workstations"]
    sketch.add_service_areas(stations, np.full(len(stations), 1500.0), "Service areas")
    image, pixels = _image(render_png(sketch, title="Activities", lang="en"))
    assert layer.legend is not None
    for entry in layer.legend.entries:  # every class's swatch
        assert _near(pixels, entry.color).sum() > 100, entry
    assert image.width >= 1229


def test_heat_is_warm_where_points_crowd_and_absent_where_there_are_none(square):
    rng = np.random.default_rng(7)
    x, y = CENTRE
    crowd = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rng.normal(x - 4_000, 600, 3_000),
                                                         rng.normal(y, 600, 3_000)),
                             crs=4544).to_crs(4326)
    sketch = Sketch.for_district(square, "zh")
    sketch.add_heat(crowd, "热力")
    _, pixels = _image(render_png(sketch))
    warm = (pixels[..., 0] - pixels[..., 2] > 80) & (pixels[..., 1] < 200)
    outline = np.nonzero(_near(pixels, DISTRICT_STYLE["color"]))[1]
    xs = np.nonzero(warm[:, :outline.max()])[1]
    assert len(xs) > 2_000
    # On the left half of the square (the crowd is 4 km west of its centre), none on the right.
    assert np.quantile(xs, 0.99) < (outline.min() + outline.max()) / 2
    # No legend of its own: a heat's legend comes with the composition that adds it.
    assert not warm[:, outline.max():].any()


def test_no_glyph_is_missing_from_chinese_labels(demo):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_MISSING)
        render_png(_overview(demo), title="七里河区 · 民族工作站（示例）", note="数据时间：2026 年",
                   lang="zh")


def test_the_glyph_check_would_catch_a_font_without_chinese():
    # The check above is only as good as this: matplotlib's default font does warn.
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, "北", family="DejaVu Sans")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_MISSING)
        with pytest.raises(UserWarning, match=GLYPH_MISSING):
            figure.savefig(io.BytesIO(), format="png")


def test_a_service_circle_has_its_true_radius(square):
    sketch = Sketch.for_district(square, "zh")
    station = gpd.GeoDataFrame(geometry=[Point(*CENTRE)], crs=4544).to_crs(4326)
    sketch.add_service_areas(station, [5_000.0], "服务范围")
    image, pixels = _image(render_png(sketch))
    assert image.width >= 1229
    # The ruler: the district's outline is 20 km across.
    rows, columns = np.nonzero(_near(pixels, DISTRICT_STYLE["color"]))
    ruler_px = np.ptp(columns)
    # The circle's faint fill (8 % of its colour over white): its area gives its radius.
    fill = np.round(255 * (0.92 + 0.08 * np.array(to_rgb(PALETTE[2])))).astype(int)
    inside = (np.abs(pixels - fill) <= 2).all(axis=-1)
    radius_px = np.sqrt(inside.sum() / np.pi)
    assert radius_px == pytest.approx(ruler_px / 4, rel=0.03)
    # Centred on the station, which is the square's centre.
    ys, xs = np.nonzero(inside)
    assert xs.mean() == pytest.approx(columns.min() + ruler_px / 2, abs=3)
    assert ys.mean() == pytest.approx((rows.min() + rows.max()) / 2, abs=3)


def test_hidden_layers_and_their_legends_are_not_drawn(square):
    sketch = Sketch.for_district(square, "zh")
    centre = gpd.GeoDataFrame(geometry=[Point(*CENTRE)], crs=4544).to_crs(4326)
    sketch.add_points(centre, "隐藏", color="#ff00ff", legend_title="隐藏", show=False)
    _, pixels = _image(render_png(sketch))
    assert not _near(pixels, "#ff00ff", tolerance=40).any()


def test_a_fixed_height_and_another_width(square):
    image, _ = _image(render_png(Sketch.for_district(square), width_mm=80, height_mm=100,
                                 dpi=300))
    assert image.width == pytest.approx(80 / 25.4 * 300, abs=1)
    assert image.height == pytest.approx(100 / 25.4 * 300, abs=1)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_pictures_drawn_from_two_threads_at_once(square):
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(render_png(
        Sketch.for_district(square), title="并发"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and all(r.startswith(b"\x89PNG") for r in results)
    assert results[0] == results[1]


@pytest.fixture
def no_cjk_font(monkeypatch):
    fonts.cjk_families.cache_clear()
    monkeypatch.setattr(fonts, "installed_families", lambda: {"DejaVu Sans"})
    yield
    fonts.cjk_families.cache_clear()


def test_without_a_chinese_font_the_error_says_how_to_install_one(square, no_cjk_font):
    with pytest.raises(FontMissingError) as raised:
        render_png(Sketch.for_district(square), title="标题")
    zh, en = raised.value.message("zh"), raised.value.message("en")
    assert "sudo apt-get install fonts-noto-cjk" in zh and "微软雅黑" in zh and "黑体" in zh
    assert "sudo apt-get install fonts-noto-cjk" in en and "Microsoft YaHei" in en
    assert "Noto Sans CJK SC" in en and "fontlist-*.json" in en  # looked for; the cache to clear
