"""Compact map layers as the browser builds them: the same polygons and points Python sent."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest

from tests.conftest import read_layers
from tests.test_polyline import decoded
from ui import maps
from ui.assets import standalone_html
from ui.map_object import Map

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def townships():
    return read_layers("townships")["townships"]


def _open(browser, fmap, tmp_path):
    page_file = tmp_path / "map.html"
    page_file.write_text(standalone_html(fmap.finish().folium_map), encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    return page, errors


READ_LATLNGS = """() => {
  const found = [];
  for (const key of Object.keys(window)) {
    let map; try { map = window[key]; } catch (e) { continue; }
    if (!(map instanceof L.Map)) continue;
    map.eachLayer(l => { if (l.feature && l.getLatLngs)
      found.push([l.feature.properties.code, l.getLatLngs().flat(3).map(p => [p.lat, p.lng])]); });
  }
  return found;
}"""


def test_the_browser_draws_the_polygons_python_encoded(browser, tmp_path, townships):
    fmap = Map.for_district(townships.dissolve()[["geometry"]])
    layer = fmap.add_townships(townships, {"name": "名称"})
    payload = json.loads(layer.data)
    expected = decoded(payload["shapes"], round(np.log10(payload["scale"])))

    page, errors = _open(browser, fmap, tmp_path)
    try:
        drawn = dict((code, pts) for code, pts in page.evaluate(READ_LATLNGS))
        tip = page.evaluate("""() => { for (const key of Object.keys(window)) {
            let m; try { m = window[key]; } catch (e) { continue; }
            if (!(m instanceof L.Map)) continue;
            let text = null;
            m.eachLayer(l => { if (l.feature && text === null) {
              const parent = Object.values(l._eventParents)[0];
              parent._tooltip._source = l;
              parent.openTooltip(l.getBounds().getCenter());
              text = document.querySelector('.leaflet-tooltip').innerText; } });
            return text; } }""")
    finally:
        page.close()
    assert sorted(drawn) == sorted(townships["code"])
    for code, shape in zip(townships["code"], expected, strict=True):
        flat = [v for polygon in shape for ring in polygon for p in ring for v in p]
        assert [v for p in drawn[code] for v in p] == pytest.approx(flat), code
    assert tip is not None and townships["name"].iloc[0] in tip and "名称" in tip
    assert errors == []


COUNT_JS = """() => {
  const out = {circles: 0, clustered: 0, heat: 0, hexagons: 0, radii: []};
  for (const key of Object.keys(window)) {
    let map; try { map = window[key]; } catch (e) { continue; }
    if (!(map instanceof L.Map)) continue;
    map.eachLayer(l => {
      if (l instanceof L.Circle) { out.circles++; out.radii.push(l.getRadius()); }
      if (l.getLayers && l._topClusterLevel) out.clustered += l.getLayers().length;
      if (l._latlngs && l._heat !== undefined) out.heat += l._latlngs.length;
      if (l instanceof L.Polygon && !l.feature && l.getTooltip()) out.hexagons++;
    });
  }
  return out;
}"""


def test_points_circles_hexagons_and_heat_draw_every_point_sent(browser, tmp_path, townships,
                                                                 monkeypatch):
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = townships.total_bounds
    n = maps.CLUSTER_ABOVE + 50
    pts = gpd.GeoDataFrame({"name": ["p"] * n}, crs=4326, geometry=gpd.points_from_xy(
        rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)))
    stations = townships.assign(geometry=townships.representative_point())
    radii = np.arange(1, len(stations) + 1) * 100.0
    fmap = Map.for_district(townships.dissolve()[["geometry"]])
    assert fmap.add_points(pts, "聚合", {"name": "名称"}) == "clusters"
    fmap.add_service_areas(stations, radii, "服务范围")
    fmap.add_heat(pts, "热力")
    monkeypatch.setenv("TONGXIN_MAP_POINTS_MAX", "100")
    assert fmap.add_points(pts, "六边形", {"name": "名称"}) == "hexagons"

    page, errors = _open(browser, fmap, tmp_path)
    try:
        page.wait_for_timeout(300)
        counted = page.evaluate(COUNT_JS)
    finally:
        page.close()
    assert errors == []
    assert counted["clustered"] == n and counted["heat"] == n
    assert counted["circles"] == len(stations) and sorted(counted["radii"]) == list(radii)
    assert 0 < counted["hexagons"] < n


TIPS_JS = """() => {
  const out = {};
  for (const key of Object.keys(window)) {
    let map; try { map = window[key]; } catch (e) { continue; }
    if (!(map instanceof L.Map)) continue;
    map.eachLayer(l => { if (l.feature) {
      const parent = Object.values(l._eventParents)[0];
      parent._tooltip._source = l;  // as a hover over l would
      parent.openTooltip(l.getBounds().getCenter());
      out[l.feature.properties.code] = [...document.querySelectorAll('.leaflet-tooltip td')]
        .map(td => td.textContent);
      parent.closeTooltip(); } });
  }
  return out;
}"""


def test_every_tooltip_reads_back_exactly_whichever_way_its_column_travelled(
        browser, tmp_path, townships):
    # Codes that share their beginnings (sent front-coded), a kind of three values (sent as
    # indices), text beyond the BMP and text longer than a front-coded piece (sent as is),
    # markup and template syntax (escaped).
    n = len(townships)
    towns = townships.assign(
        code=[f"T{i:06d}" for i in range(n)],
        kind=[("街道", "镇", "乡")[i % 3] for i in range(n)],
        rare=[f"𠀀{i}" for i in range(n)],
        long=["长" * 70 + str(i) for i in range(n)],
        hostile=[f"<b>{{{{7*7}}}}{i}</b>" for i in range(n)])
    fields = {c: c for c in ("name", "kind", "rare", "long", "hostile")}
    fmap = Map.for_district(townships.dissolve()[["geometry"]])
    layer = fmap.add_townships(towns, fields)
    payload = json.loads(layer.data)
    assert "f" in payload["codes"]  # the codes did travel front-coded
    page, errors = _open(browser, fmap, tmp_path)
    try:
        tips = page.evaluate(TIPS_JS)
    finally:
        page.close()
    assert errors == []
    assert sorted(tips) == sorted(towns["code"])
    for row in towns.itertuples():
        assert tips[row.code] == [row.name, row.kind, row.rare, row.long, row.hostile], row.code


POINT_TEXTS_JS = """() => {
  const out = [];
  for (const key of Object.keys(window)) {
    let map; try { map = window[key]; } catch (e) { continue; }
    if (!(map instanceof L.Map)) continue;
    map.eachLayer(l => { if (l.feature && l instanceof L.CircleMarker) {
      const parent = Object.values(l._eventParents)[0];
      parent._tooltip._source = l;
      parent.openTooltip(l.getLatLng());
      const tip = document.querySelector('.leaflet-tooltip').innerText;
      parent.closeTooltip();
      parent._popup._source = l;
      parent.openPopup(l.getLatLng());
      const pop = document.querySelector('.leaflet-popup-content').innerText;
      map.closePopup();
      out.push([l.getLatLng().lat, l.getLatLng().lng, l.options.fillColor, tip, pop]);
    } });
  }
  return out;
}"""


def test_points_carry_their_colours_tooltips_and_popups(browser, tmp_path, townships):
    sites = read_layers("religious_sites")["religious_sites"].head(30)
    sites = sites.assign(name=[f"<i>{{{{1+1}}}}</i>{n}" for n in sites["name"]])
    colours = {r: maps.PALETTE[i] for i, r in enumerate(sorted(set(sites["religion"])))}
    fmap = Map.for_district(townships.dissolve()[["geometry"]])
    assert fmap.add_points(sites, "场所", {"name": "名称"},
                           popup={"name": "名称", "religion": "宗教"}, color_by="religion",
                           colors=colours) == "points"
    page, errors = _open(browser, fmap, tmp_path)
    try:
        drawn = page.evaluate(POINT_TEXTS_JS)
    finally:
        page.close()
    assert errors == [] and len(drawn) == len(sites)
    for (lat, lng, fill, tip, pop), site in zip(drawn, sites.itertuples(), strict=True):
        assert (lat, lng) == pytest.approx((site.geometry.y, site.geometry.x), abs=6e-6)
        assert fill == colours[site.religion]
        assert site.name in tip and "名称" in tip
        assert site.name in pop and site.religion in pop and "宗教" in pop
