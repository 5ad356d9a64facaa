"""Every page before the townships layer has polygons (issue #19, item 4).

Two working datasets, both with the district's real boundary (七里河区, 620103) and an empty
townships layer: ``empty`` has every layer empty, as ``python -m layers init`` leaves it;
``records`` has the demo's stations, communities, venues, activities, units and visits, each
naming its township by code. Every page must run, say once what is missing and how to fix it,
and show the township figures counted from the records' ``township_code`` under the names of
the district's shipped township list.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.activity import Period, activity_summary
from analysis.coverage import station_coverage
from analysis.township_list import listed_townships, shipped_townships
from auth.accounts import AccountStore
from cartography.compose import activity_map, coverage_map
from cartography.ops import Circles, Heat, Polygons
from cartography.sketch import Sketch
from core import settings
from core.district import district_config
from core.i18n import t
from layers import LAYERS
from layers.divisions import boundary
from reports.cli import main as report_main
from storage import PostGISStore, open_store
from storage.dtypes import empty_layer
from storage.gpkg import GeoPackageStore, create_dataset
from tests.conftest import opened_page
from ui.filters import Filters
from ui.map_object import Map

ADCODE, OTHER = "620103", "620102"  # 七里河区; 城关区, a second district of the city
PASSWORD = "correct horse 42"
XIYUAN, AGAN, WEILING = "620103001", "620103100", "620103201"
YEAR = "2025"
NOTICE = {"zh": "本区还没有乡镇(街道)边界", "en": "No township boundaries yet"}
FIX = "python -m layers template townships 乡镇.xlsx"
SHORT = {"zh": "乡镇(街道)边界尚未导入", "en": "No township boundaries imported yet"}
PAGES = ("overview", "workstations", "activities", "units", "sites", "scorecard", "report",
         "data")
CASES = ("empty", "records")


def _demo_layers() -> dict[str, gpd.GeoDataFrame]:
    demo = settings.path("demo")
    store = GeoPackageStore(demo, demo)
    return {name: store.read(name) for name in LAYERS}


def _write(path: Path, case: str, adcode: str = ADCODE) -> Path:
    """Write the ``case`` dataset at ``path``: the real boundary, an empty townships layer."""
    frames = {name: empty_layer(LAYERS[name]) for name in LAYERS}
    if case == "records":
        frames |= {name: frame for name, frame in _demo_layers().items() if name != "townships"}
    district = boundary(adcode)[["name", "adcode", "geometry"]]
    create_dataset(path, frames, district, {})
    return path


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Path]:
    """Both datasets, written once for the module (each test works on its own copy)."""
    folder = tmp_path_factory.mktemp("without-townships")
    return {case: _write(folder / f"{case}.gpkg", case) for case in CASES}


@pytest.fixture(params=CASES)
def case(request, datasets, demo_env, tmp_path, monkeypatch, fresh_caches) -> str:
    """TONGXIN_DATA: a fresh copy of one of the two datasets (always a GeoPackage)."""
    work = tmp_path / "without-townships" / "tongxin.gpkg"
    work.parent.mkdir()
    shutil.copyfile(datasets[request.param], work)
    monkeypatch.setenv("TONGXIN_DATA", str(work))
    return request.param


@pytest.fixture
def records(datasets, demo_env, tmp_path, monkeypatch, fresh_caches) -> dict:
    """The ``records`` dataset as working data; returns its layers, as the pages read them."""
    work = tmp_path / "records" / "tongxin.gpkg"
    work.parent.mkdir()
    shutil.copyfile(datasets["records"], work)
    monkeypatch.setenv("TONGXIN_DATA", str(work))
    store = GeoPackageStore(work, work)
    return {name: store.read(name) for name in LAYERS}


def _open(page: str, lang: str = "zh", **query: str) -> AppTest:
    view = None if page == "overview" else f"views/{page}.py"
    return opened_page(view, query={"lang": lang, "period": YEAR, **query})


def _notices(at: AppTest, lang: str) -> list[str]:
    return [w.value for w in at.warning if NOTICE[lang] in w.value]


def _html(at: AppTest) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def _table(at: AppTest, *columns: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def _in_2025(activities: pd.DataFrame, township: str) -> int:
    """Count by hand: the township's activities of 2025 in a configured category."""
    rows = activities[(activities["township_code"] == township)
                      & activities["category"].isin(district_config().activity_categories)
                      & (activities["date"].dt.year == int(YEAR))]
    return len(rows)


# -- every page runs and says, once, what is missing --------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_and_says_once_what_is_missing(case, page, lang):
    at = _open(page, lang)
    assert not at.exception, at.exception
    notices = _notices(at, lang)
    assert len(notices) == 1, notices
    assert FIX in notices[0] and "python -m layers import townships" in notices[0]
    assert not at.error


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", range(4))
def test_every_briefing_view_runs(case, view, lang):
    at = opened_page("views/briefing.py", query={"view": str(view), "interval": "3600",
                                                 "lang": lang})
    assert not at.exception, at.exception
    # The coverage view says it on the screen itself, in one line.
    assert (SHORT[lang] in _html(at)) == (view == 0)


@pytest.mark.parametrize("case", ["empty"], indirect=True)
def test_an_empty_district_shows_its_township_list_and_no_false_rates(case):
    at = _open("overview")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["乡镇(街道)"] == "15" and metrics["社区(村)"] == "0"
    # Nothing recorded: no coverage rate rather than 100 %.
    assert metrics["社区(村)覆盖率"] == "—" and metrics["少数民族人口覆盖率"] == "—"
    counts = _table(at, "统计代码")
    assert len(counts) == 15 and counts.iloc[:, 2:].to_numpy().sum() == 0
    # The sidebar's township filter offers the district's townships by name.
    towns = at.sidebar.multiselect(key="flt_towns")
    assert len(towns.options) == 15 and "魏岭乡" in towns.options
    stations = {m.label: m.value for m in _open("workstations").metric}
    assert stations["有民族工作站的乡镇(街道)"] == "0/15" and stations["社区(村)覆盖率"] == "—"
    assert "<div class=\"v\">—</div>" in _html(opened_page("views/briefing.py",
                                                           query={"view": "0"}))


def _signed_in(user: str) -> AppTest:
    at = opened_page()
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_the_auditors_and_security_officers_pages_run(case):
    accounts = AccountStore.from_settings(audit=open_store().record)
    for name, role in (("aud1", "auditor"), ("sec1", "security")):
        accounts.add(name, role, PASSWORD, "tester", must_change=False)
    assert _signed_in("aud1").header[0].value == "审计日志"
    assert _signed_in("sec1").header[0].value == "安全管理"


@pytest.fixture
def city(pg, datasets, tmp_path, monkeypatch, fresh_caches):
    """TONGXIN_DATA: a database of two districts, neither with township polygons.

    七里河区 has the demo's records; 城关区 (28 townships in the shipped list) has none.
    """
    dsn = pg.new_database()
    monkeypatch.setenv("TONGXIN_DATA", dsn)
    monkeypatch.setenv("TONGXIN_USER", "tester")
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "accounts.json"))
    other = _write(tmp_path / "other.gpkg", "empty", OTHER)
    stores = [PostGISStore.create(dsn, GeoPackageStore(path, path).dump(), settings.path("demo"),
                                  entry={"action": "migrate", "user": "tester"})[0]
              for path in (datasets["records"], other)]
    yield
    for store in stores:
        store.close()


def test_the_city_page_compares_districts_without_township_polygons(city):
    at = opened_page("views/city.py")
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("区县")
    assert table.loc["七里河区", "乡镇(街道)数"] == 15
    assert table.loc["城关区", "乡镇(街道)数"] == len(shipped_townships(OTHER)) == 28
    # Opening 城关区 shows its own township list where its township map would be.
    picker = at.main.selectbox[-1]
    picker.select_index(picker.options.index(f"城关区 {OTHER}"))
    at.button[-1].click().run()
    assert not at.exception, at.exception
    assert len(_notices(at, "zh")) == 1
    counts = _table(at, "统计代码")
    assert counts["乡镇(街道)"].tolist() == shipped_townships(OTHER)["name"].tolist()


@pytest.mark.parametrize("case", ["empty"], indirect=True)
def test_maps_of_an_empty_district_draw_its_boundary_and_no_empty_layers(case):
    from views import activities, overview, sites, units, workstations

    f = Filters((), Period.year(int(YEAR)), (), "none", pd.Timestamp(f"{YEAR}-12-31"))
    for page in (overview, workstations, activities, units, sites):
        html = page.build_map("zh", f).html()
        # The outline alone: no layer to switch (so no empty layer box), no legend of nothing.
        assert "L.control.layers" not in html, page.__name__
        assert 'class="tongxin-legend"' not in html, page.__name__


# -- township-level counts from the records' township codes, named by the shipped list ------

def test_the_overview_counts_records_per_township(records):
    at = _open("overview")
    assert not at.exception
    counts = _table(at, "统计代码").set_index("统计代码")
    assert len(counts) == 15
    columns = ["乡镇(街道)", "民族工作站及服务站点", "社区(村)", "宗教活动场所", "驻区单位"]
    # Counted by hand from the demo's records (their township_code column).
    assert counts.loc[XIYUAN, columns].tolist() == ["西园街道", 9, 10, 6, 8]
    assert counts.loc[AGAN, columns].tolist() == ["阿干镇", 5, 14, 3, 0]
    assert counts.loc[WEILING, columns].tolist() == ["魏岭乡", 1, 8, 2, 0]
    assert counts["驻区单位"].sum() == len(records["units"]) == 45
    assert counts["社区(村)"].sum() == len(records["communities"]) == 141
    activities = records["activities"]
    for code in (XIYUAN, AGAN, WEILING):
        assert counts.loc[code, "本期“十进”活动"] == _in_2025(activities, code)
    # The map above has no township to explain: its caption about fills is not shown.
    assert not any("米黄色" in c.value for c in at.caption)


def test_the_counts_follow_the_township_filter(records):
    at = _open("overview", towns=AGAN)
    counts = _table(at, "统计代码")
    assert counts["乡镇(街道)"].tolist() == ["阿干镇"]


def test_the_activities_page_counts_per_listed_township(records):
    at = _open("activities")
    ranking = _table(at, "排名").set_index("乡镇(街道)")
    assert len(ranking) == 15
    activities = records["activities"]
    assert ranking.loc["西园街道", "活动次数"] == _in_2025(activities, XIYUAN)
    assert ranking.loc["魏岭乡", "活动次数"] == _in_2025(activities, WEILING)
    # No population is known: no rate and no rank, shown as dashes; most activities first.
    assert set(ranking["排名"]) == {"—"} and set(ranking["每万人活动次数"]) == {"—"}
    assert ranking["活动次数"].is_monotonic_decreasing
    kpis = {m.label: m.value for m in at.metric}
    total = sum(_in_2025(activities, code) for code in shipped_townships(ADCODE)["code"])
    assert kpis["本期活动（次）"] == f"{total:,}"


def test_the_units_page_counts_per_listed_township(records):
    at = _open("units")
    by_town = _table(at, "所属乡镇(街道)", "合计").set_index("所属乡镇(街道)")
    units = records["units"]
    for code, name in ((XIYUAN, "西园街道"), ("620103002", "西湖街道")):
        assert by_town.loc[name, "合计"] == int((units["township_code"] == code).sum())
    assert by_town.loc["西园街道", "合计"] == 8


def test_the_workstations_page_shows_coverage_per_listed_township(records):
    at = _open("workstations")
    towns = _table(at, "站点数").set_index("名称")
    assert len(towns) == 15
    assert towns.loc["西园街道", ["站点数", "社区(村)数"]].tolist() == [9, 10]
    assert towns.loc["魏岭乡", ["站点数", "社区(村)数"]].tolist() == [1, 8]


def test_the_scorecard_scores_every_listed_township_without_a_map(records):
    at = _open("scorecard")
    scores = _table(at, "排名")
    assert len(scores) == 15 and set(scores["乡镇(街道)"]) == set(shipped_townships(ADCODE)["name"])
    # No township polygons: the chart is the picture, no map of nothing beside it.
    assert not any("得分分布图" in m.value for m in at.markdown)


def test_the_report_says_its_maps_lack_townships(records):
    at = _open("report")
    at.button(key="report_make").click().run()
    assert not at.exception, at.exception
    assert at.success, "the report was not made"
    texts = [x.value for x in at.text]
    assert any("本区尚未导入乡镇(街道)边界" in x for x in texts)


# -- the maps: the boundary and the points, no empty township layer --------------------------

def test_a_map_without_township_polygons_draws_no_township_layer_nor_layer_box():
    district = boundary(ADCODE)
    fmap = Map.for_district(district, "none", "zh")
    assert fmap.add_townships(listed_townships(shipped_townships(ADCODE)), {"name": "名称"}) \
        is None
    html = fmap.finish().html()
    assert "leaflet-control-layers" not in html and "L.control.layers" not in html
    # With a layer to switch the control is there.
    fmap = Map.for_district(district, "none", "zh")
    fmap.add_points(gpd.GeoDataFrame({"name": ["站"]}, geometry=[district.representative_point().iloc[0]],
                                     crs=4326), "站点", {"name": "名称"})
    assert "L.control.layers" in fmap.finish().html()


def test_the_compositions_skip_the_townships_and_keep_the_radii(records):
    towns = listed_townships(shipped_townships(ADCODE))
    stations, communities = records["workstations"], records["communities"]
    cov = station_coverage(stations, communities, towns, records["religious_sites"])
    no_polygons = empty_layer(LAYERS["townships"])
    sketch = coverage_map(Sketch.for_district(boundary(ADCODE), "zh"), "zh", cov, no_polygons,
                          stations, communities)
    assert not [layer for layer in sketch.layers if isinstance(layer, Polygons)]
    assert t("workstations.legend_choropleth", "zh") not in [g.title for g in sketch.legends]
    # The circles drawn are the radii the coverage used: a street (街道, urban by its name)
    # gives its station the urban radius, a town the rural one.
    config = district_config()
    kind = config.township_station_kind
    own = stations[stations["kind"] == kind]
    streets = set(towns.loc[towns["kind"] == "街道", "code"])
    expected = [config.radius(kind, code in streets) for code in own["township_code"]]
    circles = next(layer for layer in sketch.layers
                   if isinstance(layer, Circles) and layer.name.endswith(kind))
    assert circles.radii.tolist() == expected
    assert len(set(expected)) == 2  # both radii occur: the streets' and the towns'
    summary = activity_summary(records["activities"], towns, Period.year(int(YEAR)))
    act_sketch = activity_map(Sketch.for_district(boundary(ADCODE), "zh"), "zh", summary,
                              records["activities"], no_polygons)
    assert not [layer for layer in act_sketch.layers if isinstance(layer, Polygons)]
    assert t("activities.legend.intensity", "zh") not in [g.title for g in act_sketch.legends]
    assert [layer for layer in act_sketch.layers if isinstance(layer, Heat)]


def test_the_report_command_names_townships_before_their_polygons(records, tmp_path, capsys):
    # `--towns` takes the shipped list's names while the townships layer is empty.
    out = tmp_path / "汇报.docx"
    assert report_main(["build", "--out", str(out), "--towns", "西站街道"]) == 0, \
        capsys.readouterr().err
    assert out.stat().st_size > 0
    assert report_main(["build", "--out", str(out), "--towns", "不存在镇"]) == 1
    assert "不存在镇" in capsys.readouterr().err
