"""The 民族工作站 coverage page: the demo's figures, the filter, siting, English, and its map."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.activity import Period
from analysis.coverage import station_coverage
from analysis.siting import propose_stations
from core.district import district_config
from core.i18n import t
from storage import open_store
from storage.base import ImportRecord
from tests.conftest import opened_page, read_layers, shown_in_map
from ui.filters import Filters

PAGE = "views/workstations.py"
AGAN, XIZHAN = "620103100", "620103005"  # 阿干镇 (has gaps), 西站街道 (fully covered)


# One test changes the working file's data: caches emptied before and after each.
pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def app(demo_env) -> AppTest:
    return opened_page(PAGE)


@pytest.fixture
def expected(demo_env):
    layers = read_layers("workstations", "communities", "townships", "religious_sites")
    cov = station_coverage(layers["workstations"], layers["communities"], layers["townships"],
                           layers["religious_sites"])
    return layers, cov


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_kpis_show_the_demos_coverage(app, expected):
    layers, cov = expected
    metrics = _metrics(app)
    kinds = layers["workstations"]["kind"].value_counts()
    for kind in district_config().station_kinds:
        assert metrics[f"{kind}（个）"] == str(kinds.get(kind, 0))
    assert metrics["民族工作站（个）"] == "15"
    assert metrics["有民族工作站的乡镇(街道)"] == "15/15"
    assert metrics["社区(村)覆盖率"] == f"{cov.totals['community_rate']:.1%}"
    assert metrics["少数民族人口覆盖率"] == f"{cov.totals['minority_rate']:.1%}"
    assert metrics["未覆盖少数民族人口"] == f"{cov.totals['minority_uncovered']:,.0f}"
    assert metrics["已覆盖少数民族人口"] == f"{cov.totals['minority_covered']:,.0f}"


def test_tables_list_the_gaps_every_township_and_the_proposals(app, expected):
    layers, cov = expected
    uncovered, towns, proposals = (d.value for d in app.dataframe)
    assert len(uncovered) == int((~cov.communities["covered"]).sum())
    assert set(uncovered["名称"]) == set(cov.communities.loc[~cov.communities["covered"], "name"])
    assert len(towns) == 15
    plan = propose_stations(cov, layers["communities"], layers["townships"], 3,
                            district_config().station_kinds[1])
    assert list(proposals["建议地点"]) == list(plan.proposals["name"])
    assert proposals["全区未覆盖少数民族人口（建站前）"].iloc[0] == round(plan.uncovered_before)
    assert proposals["全区未覆盖少数民族人口（建站后）"].iloc[-1] == round(plan.uncovered_after)
    assert len(app.get("download_button")) >= 4  # three lists and the map


def test_the_township_filter_changes_the_counts(app, expected):
    _, cov = expected
    app.sidebar.multiselect(key="flt_towns").set_value([AGAN]).run()
    assert not app.exception
    metrics = _metrics(app)
    row = cov.townships.loc[AGAN]
    assert metrics["有民族工作站的乡镇(街道)"] == "1/1"
    assert metrics["社区(村)覆盖率"] == f"{row['community_rate']:.1%}"
    assert metrics["社区(村)覆盖率"] != f"{cov.totals['community_rate']:.1%}"
    uncovered = app.dataframe[0].value
    assert set(uncovered["所属乡镇(街道)"]) == {"阿干镇"}


def test_siting_controls_change_the_proposal(app):
    app.number_input(key="ws_k").set_value(1).run()
    assert not app.exception
    assert len(app.dataframe[-1].value) == 1
    app.number_input(key="ws_k").set_value(0).run()
    assert any(i.value == t("workstations.siting_zero", "zh") for i in app.info)
    app.number_input(key="ws_k").set_value(3).run()
    app.selectbox(key="ws_kind").set_value("民族工作站").run()
    assert not app.exception
    radii = set(app.dataframe[-1].value["服务半径（米）"])
    assert radii == {5000}  # a rural 民族工作站's configured radius


def test_a_filter_matching_nothing_says_so(app):
    # 西站街道 is fully covered: no uncovered community, and no proposal lies in it.
    app.sidebar.multiselect(key="flt_towns").set_value([XIZHAN]).run()
    assert not app.exception
    assert any(s.value == t("workstations.all_covered", "zh") for s in app.success)
    assert any(i.value == t("common.empty", "zh") for i in app.info)


def test_english_switch(app):
    app.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not app.exception
    assert app.header[0].value == "Ethnic work station coverage"
    assert "Townships with their own station" in _metrics(app)
    assert "Proposed place" in app.dataframe[-1].value.columns


def _filters(townships: tuple[str, ...] = ()) -> Filters:
    return Filters(townships, Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))


def test_the_map_has_its_layers_and_legends_and_no_cdn(demo_env):
    from views import workstations

    siting = {"k": 3, "proposal_kind": district_config().station_kinds[1]}
    html = workstations.build_map("zh", _filters((AGAN,)), **siting).html()
    for key in ("legend_choropleth", "legend_stations", "legend_communities",
                "legend_proposals", "layer_proposals", "layer_covered", "layer_uncovered",
                "layer_proposal_areas"):
        assert shown_in_map(t(f"workstations.{key}", "zh"), html)
    assert shown_in_map(t("workstations.layer_areas", "zh", kind="民族工作站"), html)
    assert shown_in_map("陶家沟村民委员会", html)  # the first proposal's popup
    assert "https://cdn" not in html
    english = workstations.build_map("en", _filters(), **siting).html()
    assert shown_in_map("Station kind", english) and "Siting proposal" in english


def test_the_map_escapes_text_from_the_data(demo_env):
    from views import workstations

    store = open_store()
    stations = store.read("workstations")
    stations.loc[0, "name"] = "<script>alert(1)</script>站"
    store.replace("workstations", stations,
                  ImportRecord("workstations", "t.xlsx", "0" * 64, len(stations), "tester"))
    html = workstations.build_map("zh", _filters(), k=0, proposal_kind="民族工作站").html()
    assert "<script>alert(1)</script>" not in html
    assert shown_in_map("&lt;script&gt;alert(1)&lt;/script&gt;站", html)
