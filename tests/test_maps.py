"""Folium maps rendered to HTML: local scripts only, legends, layers, and text shown as text."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import Point

from tests.conftest import tiny_district, tiny_frames
from ui import maps
from ui.assets import standalone_html, vendored_files
from ui.map_object import Map

HOSTILE = '<img src=x onerror=alert(1)>'


def _js(text: str) -> str:
    """Return ``text`` as folium writes it inside JavaScript options (JSON-escaped)."""
    return json.dumps(text)[1:-1]


def _rendered(fmap) -> str:
    return fmap.html()


def _remote_assets(html: str) -> list[str]:
    return [u for u in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
            if u.startswith(("http://", "https://", "//"))]


@pytest.fixture
def frames():
    return tiny_frames()


def test_a_finished_map_loads_only_vendored_files(frames):
    fmap = Map.for_district(tiny_district())
    fmap.add_townships(frames["townships"], {"name": "名称"})
    fmap.add_heat(frames["communities"], "热力")
    many = gpd.GeoDataFrame({"name": ["p"] * (maps.CLUSTER_ABOVE + 1)},
                            geometry=[Point(103.77, 36.05)] * (maps.CLUSTER_ABOVE + 1), crs=4326)
    fmap.add_points(many, "聚合", {"name": "名称"})
    html = _rendered(fmap.finish())
    assert _remote_assets(html) == []
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "leaflet.markercluster.js" in html and "leaflet_heat.min.js" in html
    for file in vendored_files():
        assert file.is_file(), file


def test_legends_layers_scale_bar_and_tooltips(frames):
    fmap = Map.for_district(tiny_district())
    fmap.add_townships(frames["townships"], {"name": "名称", "population": "人口"},
                       values=frames["townships"].set_index("code")["population"],
                       legend_title="人口")
    fmap.add_points(frames["religious_sites"], "场所", {"name": "名称"},
                    popup={"name": "名称", "religion": "宗教"}, color_by="religion",
                    colors={"伊斯兰教": maps.PALETTE[0]}, legend_title="宗教")
    html = _rendered(fmap.finish())
    assert html.count('class="tongxin-legend"') == 2
    assert "L.control.layers" in html and "L.control.scale" in html
    assert "人口" in html and "伊斯兰教" in html
    assert "maxZoom" in html  # MarkerCluster needs it on a map without tiles


def test_text_from_data_is_escaped_in_tooltips_popups_and_legends(frames):
    sites = frames["religious_sites"].assign(name=HOSTILE)
    fmap = Map.for_district(tiny_district())
    fmap.add_points(sites, "场所", {"name": "名称"}, popup={"name": "名称"},
                    color_by="name", colors={HOSTILE: "#000000"}, legend_title=HOSTILE)
    html = _rendered(fmap.finish())
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_choropleth_classes_are_quantiles_with_a_legend_line_each(frames):
    fills, legend = maps._fills(frames["townships"],
                                frames["townships"].set_index("code")["population"])
    assert len(fills) == 2 and fills[0] != fills[1]
    assert [label for label, _ in legend] == ["500.0 – 750.0", "750.0 – 1,000.0"]


def test_standalone_download_inlines_every_script(frames):
    fmap = Map.for_district(tiny_district())
    fmap.add_townships(frames["townships"], {"name": "名称"})
    html = standalone_html(fmap.finish().folium_map)
    assert "/app/static/" not in html
    assert _remote_assets(html) == []
    assert "L.map(" in html and "leaflet" in html.lower()


def test_osm_basemap_carries_its_attribution(frames):
    html = _rendered(Map.for_district(tiny_district(), "osm").finish())
    assert "OpenStreetMap contributors" in html


def test_without_keys_only_offline_and_osm_are_offered(monkeypatch):
    monkeypatch.delenv("TONGXIN_TIANDITU_KEY", raising=False)
    monkeypatch.delenv("TONGXIN_TILE_URL", raising=False)
    assert maps.basemap_options() == ["none", "osm"]
    monkeypatch.setenv("TONGXIN_TILE_URL", "http://10.0.0.1/tiles/{z}/{x}/{y}.png")
    assert "intranet" in maps.basemap_options()


def test_gcj02_tiles_shift_the_data_to_match_them(frames, monkeypatch):
    from layers.coords import gcj02_to_wgs84
    monkeypatch.setenv("TONGXIN_TILE_URL", "http://tiles.intranet/{z}/{x}/{y}.png")
    monkeypatch.setenv("TONGXIN_TILE_ATTRIBUTION", "© 区自然资源局")
    sites = frames["religious_sites"]
    plain = Map.for_district(tiny_district(), "intranet")
    assert plain.on_tiles(sites) is sites  # WGS84 tiles: nothing moves
    monkeypatch.setenv("TONGXIN_TILE_CRS", "gcj02")
    fmap = Map.for_district(tiny_district(), "intranet")
    shifted = fmap.on_tiles(sites)
    lng, lat = gcj02_to_wgs84(shifted.geometry.x.to_numpy(), shifted.geometry.y.to_numpy())
    assert abs(lng[0] - sites.geometry.x.iloc[0]) < 1e-7 and abs(lat[0] - sites.geometry.y.iloc[0]) < 1e-7
    assert abs(shifted.geometry.x.iloc[0] - sites.geometry.x.iloc[0]) > 1e-4  # hundreds of metres
    html = _rendered(fmap.finish())
    assert "tiles.intranet" in html and _js("区自然资源局") in html
    assert "maxZoom" in html


def test_tianditu_needs_its_key_and_says_whose_tiles_they_are(frames, monkeypatch):
    monkeypatch.setenv("TONGXIN_TIANDITU_KEY", "abc123")
    assert "tianditu" in maps.basemap_options()
    html = _rendered(Map.for_district(tiny_district(), "tianditu").finish())
    assert "vec_w" in html and "cva_w" in html and "tk=abc123" in html and _js("天地图") in html


def _shown_then_downloaded():
    import re

    import geopandas as gpd
    import streamlit as st
    from shapely.geometry import Point, box

    from ui.map_object import Map

    district = gpd.GeoDataFrame(geometry=[box(103.7, 36.0, 103.8, 36.1)], crs=4326)
    fmap = Map.for_district(district)
    points = gpd.GeoDataFrame({"name": ["甲", "乙"]},
                              geometry=[Point(103.75, 36.05), Point(103.76, 36.06)], crs=4326)
    fmap.add_points(points, "点位", {"name": "名称"})
    fmap.finish().show(key="map")
    fmap.download("map.html")
    html = fmap.html()
    st.text(f"maps={len(re.findall('= L.map[(]', html))} "
            f"points={len(re.findall('var marker = L.circleMarker[(]', html))} "
            f"outlines={len(re.findall('L.polygon[(]d.shapes', html))}")


def test_the_downloaded_map_is_the_map_shown_once():
    # The map is rendered once, before the map element (ui/map_component.py) sends it; the
    # download is that same page (rendering it again once gave a doubled, broken map).
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_shown_then_downloaded, default_timeout=60).run()
    assert not app.exception
    assert app.text[0].value == "maps=1 points=1 outlines=1"  # the points, the district


# The last ran `id` on the server before the fix (a quote-free string, past HTML escaping).
JINJA = ("{{7*7}}", "{% for x in y %}", "{#",
         "{{ cycler.__init__.__globals__.os.popen(dict(id=1)|first).read() }}")


@pytest.mark.parametrize("text", JINJA)
def test_template_syntax_in_data_is_shown_not_run_on_the_server(frames, text):
    # branca renders each element's output again as a Jinja template: text from data reaching
    # it unguarded would run on the server ("{{7*7}}" becomes 49; "{%" breaks the page).
    towns = frames["townships"].assign(name=[f"{text}甲", "乙"][: len(frames["townships"])])
    sites = frames["religious_sites"].assign(name=f"{text}寺")
    fmap = Map.for_district(tiny_district())
    fmap.add_townships(towns, {"name": "名称"}, legend_title=f"{text}图例",
                       values=towns.set_index("code")["population"])
    fmap.add_points(sites, "场所", {"name": "名称"}, popup={"name": "名称"},
                    legend_title=text)
    html = _rendered(fmap.finish())
    assert "49甲" not in html and "49寺" not in html and "uid=" not in html
    # As the browser reads it: JSON escapes undone, then the HTML entity.
    shown = html.replace("\\u0026", "&").replace("\\u007b", "{").replace("&#123;", "{")
    assert f"{text}甲" in shown and f"{text}寺" in shown and f"{text}图例" in shown


IMPORTS_THEN_CONFIGURE = """
import folium, plotly.io as pio, streamlit

def settings():
    return (dict(folium.features.GeoJson._template.environment.policies), pio.templates.default)

before = settings()
import ui.briefing_views, ui.charts, ui.map_object, ui.maps, ui.renderers
import views.activities, views.overview, views.scorecard, views.sites, views.units
import views.workstations
assert settings() == before, (before, settings())
ui.renderers.configure()
ui.renderers.configure()
policy, template = settings()
assert policy["json.dumps_kwargs"] == {"sort_keys": True, "ensure_ascii": False}, policy
assert template == "plotly_white", template
"""


def test_importing_changes_no_renderer_setting_and_configure_sets_them():
    # folium's JSON policy and plotly's default template are the entry point's to set
    # (ui.renderers.configure, idempotent): importing a module of ours leaves both alone.
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-c", IMPORTS_THEN_CONFIGURE], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
