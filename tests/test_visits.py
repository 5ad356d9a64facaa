"""Visits to stationed units: the layer, its import, the dates and follow-ups, the units page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from analysis.activity import Period
from analysis.scorecard import KINDS, ScoreInputs, supervision_list
from analysis.units import unit_status
from analysis.visits import FOLLOW_UP_COLUMNS, apply_visits, overdue_follow_ups
from core.district import district_config
from core.i18n import t
from layers import LAYERS
from layers.context import Context
from layers.validate import validate_file
from storage import ImportRecord, open_store
from storage.dtypes import empty_layer
from storage.gpkg import GeoPackageStore
from tests.conftest import charts_on, read_layers, tiny_district, tiny_frames

AS_OF = pd.Timestamp("2026-11-01")
DAY = pd.Timedelta(days=1)
T1, T2 = "620103001", "620103100"
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "demo" / "tongxin-demo.gpkg"


def _units() -> pd.DataFrame:
    frame = pd.DataFrame({
        "code": ["U1", "U2", "U3"], "name": ["甲单位", "乙单位", "丙单位"],
        "category": ["医院", "医院", "省属高校"], "township_code": [T1, T2, T1],
        "visited_on": pd.to_datetime(["2020-01-01", "2021-06-01", None]),
        "last_contact_on": pd.to_datetime(["2025-01-01", AS_OF - 10 * DAY, None]),
        "joint_meeting": [True, True, False], "liaison": ["张三", "李四", None]})
    for col in ("visited_on", "last_contact_on"):
        frame[col] = frame[col].astype("datetime64[ms]")
    return frame


def _visits(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["code", "unit_code", "date", "follow_up",
                                        "follow_up_due"])
    for col in ("date", "follow_up_due"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ms]")
    frame["form"] = "走访"
    frame["township_code"] = None
    return frame


# --- the layer and its import ---------------------------------------------------------------
def test_visits_follow_units_in_the_registry():
    names = list(LAYERS)
    assert names.index("visits") == names.index("units") + 1
    schema = LAYERS["visits"]
    assert schema.id_prefix == "V" and not schema.geometry_required
    assert schema.column("unit_code").ref == "units" and schema.column("unit_code").required
    assert schema.column("form").allowed() == district_config().visit_forms
    assert schema.column("township_code").ref == "townships"
    assert not schema.column("township_code").required
    assert {c.name for c in schema.columns if c.dtype == "date"} == {"date", "follow_up_due"}


def _context() -> Context:
    frames = tiny_frames()
    units = pd.concat([frames["units"], pd.DataFrame({
        "code": ["U002"], "name": ["甘肃省中医院"], "category": ["医院"],
        "township_code": [T2]})], ignore_index=True)
    return Context(frames["townships"], frames["communities"],
                   tiny_district().union_all(), units)


def test_a_unit_is_named_by_code_or_name_and_gives_its_township(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("单位,走访日期,走访形式,办结时限,所属乡镇(街道)\n"
                    "兰州理工大学,2026-03-05,走访,2026-04-01,\n"
                    " u002 ,2026/3/6,电话,,\n"
                    "甘肃省中医院,2026年3月7日,座谈,,西园街道\n", encoding="utf-8")
    report = validate_file("visits", path, _context())
    assert report.ok, report.errors
    frame = report.frame
    assert frame["unit_code"].tolist() == ["U001", "U002", "U002"]
    # Blank townships come from the unit; a township written in the file is kept.
    assert frame["township_code"].tolist() == [T1, T2, T1]
    assert frame["code"].tolist() == ["V000002", "V000003", "V000004"]
    assert frame["follow_up_due"].iloc[0] == pd.Timestamp("2026-04-01")


def test_an_unknown_or_missing_unit_is_refused_with_suggestions(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("单位名称,走访日期,走访形式\n兰州理工,2026-03-05,走访\n"
                    ",2026-03-06,走访\n甘肃省中医院,2026-03-07,上门\n", encoding="utf-8")
    report = validate_file("visits", path, _context())
    found = {(i.row, i.key) for i in report.errors}
    assert found == {(2, "validate.unknown_unit"), (3, "validate.required"),
                     (4, "validate.not_allowed")}
    unknown = next(i for i in report.errors if i.key == "validate.unknown_unit")
    assert "兰州理工大学" in unknown.params["suggestion"]
    assert "兰州理工大学" in unknown.message("zh")


def test_a_file_without_the_unit_column_says_so(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("走访日期,走访形式\n2026-03-05,走访\n", encoding="utf-8")
    report = validate_file("visits", path, _context())
    assert [(i.key, i.column) for i in report.errors] == [("validate.missing_column", "单位")]


# --- dates and follow-ups, by hand ----------------------------------------------------------
def test_visits_give_first_visit_and_last_contact_and_the_ledger_the_rest():
    visits = _visits([("V1", "U1", "2024-03-01", None, None),
                      ("V2", "U1", "2026-09-01", None, None),
                      ("V3", "U1", "2025-02-01", None, None),
                      ("V4", "U9", "2026-01-01", None, None)])  # a unit the ledger lacks
    out = apply_visits(_units(), visits).set_index("code")
    assert out.at["U1", "visited_on"] == pd.Timestamp("2024-03-01")
    assert out.at["U1", "last_contact_on"] == pd.Timestamp("2026-09-01")
    assert out.at["U2", "visited_on"] == pd.Timestamp("2021-06-01")  # no visits: the ledger
    assert out.at["U2", "last_contact_on"] == AS_OF - 10 * DAY
    assert pd.isna(out.at["U3", "visited_on"])
    # On an earlier day, the later visits have not happened yet.
    before = apply_visits(_units(), visits, pd.Timestamp("2025-06-30")).set_index("code")
    assert before.at["U1", "last_contact_on"] == pd.Timestamp("2025-02-01")
    # Before every visit of a unit that has some, it had no visit yet: never engaged.
    early = apply_visits(_units(), visits, pd.Timestamp("2023-01-01")).set_index("code")
    assert pd.isna(early.at["U1", "visited_on"]) and pd.isna(early.at["U1", "last_contact_on"])
    assert early.at["U2", "visited_on"] == pd.Timestamp("2021-06-01")


def test_unit_status_reads_the_visits_when_given():
    visits = _visits([("V1", "U3", AS_OF - 20 * DAY, None, None)])
    ledger = unit_status(_units(), AS_OF, overdue_days=180)
    assert ledger.at["U1", "status"] == "overdue" and ledger.at["U3", "status"] == "never"
    status = unit_status(_units(), AS_OF, overdue_days=180, visits=visits)
    assert status.at["U3", "last_contact"] == AS_OF - 20 * DAY
    assert status.at["U3", "days_since_contact"] == 20
    assert status.at["U3", "flags"] == ("no_liaison", "not_joint")
    assert status.at["U1", "status"] == "overdue"  # no visits: the ledger
    # An empty visits layer changes nothing.
    empty = unit_status(_units(), AS_OF, 180, visits=empty_layer(LAYERS["visits"]))
    pd.testing.assert_frame_equal(empty, ledger)


def _follow_up_case() -> pd.DataFrame:
    return _visits([
        ("V1", "U1", "2026-06-01", "报送名单", "2026-07-01"),    # closed by V2
        ("V2", "U1", "2026-08-01", "商定议题", "2026-09-01"),    # overdue, 61 days
        ("V3", "U2", "2026-09-01", "反馈意见", "2026-10-01"),    # V4 the same day: still open
        ("V4", "U2", "2026-09-01", None, None),
        ("V5", "U3", "2026-09-15", "推荐人选", AS_OF),           # due on the day: on time
        ("V6", "U3", "2026-09-10", "无", "2026-09-20"),          # 无 is no follow-up
        ("V7", "U3", "2026-09-05", "协助活动", None),             # no due date
        ("V8", "U9", "2026-05-01", "核实情况", "2026-06-01"),    # unit not in the ledger
        ("V9", "U1", "2026-12-01", None, None),                  # after the day: not yet
    ])


def test_overdue_follow_ups_by_hand():
    late = overdue_follow_ups(_follow_up_case(), _units(), AS_OF)
    assert list(late.columns) == list(FOLLOW_UP_COLUMNS)
    assert late["code"].tolist() == ["V8", "V2", "V3"]
    assert late["overdue_days"].tolist() == [153, 61, 31]
    assert late["unit_name"].tolist() == ["U9", "甲单位", "乙单位"]
    assert late["township_code"].tolist() == [None, T1, T2]
    assert late["date"].tolist() == [pd.Timestamp("2026-05-01"), pd.Timestamp("2026-08-01"),
                                     pd.Timestamp("2026-09-01")]
    # A day later V5 is overdue too; after V9 (on 2026-12-01) V2 is closed.
    assert "V5" in set(overdue_follow_ups(_follow_up_case(), _units(), AS_OF + DAY)["code"])
    assert "V2" not in set(overdue_follow_ups(_follow_up_case(), _units(),
                                              pd.Timestamp("2026-12-01"))["code"])
    # Before V2 happened, V1 was the latest visit and its follow-up overdue.
    assert overdue_follow_ups(_follow_up_case(), _units(),
                              pd.Timestamp("2026-07-15"))["code"].tolist() == ["V8", "V1"]


def test_no_visits_no_follow_ups():
    for visits in (None, empty_layer(LAYERS["visits"])):
        late = overdue_follow_ups(visits, _units(), AS_OF)
        assert late.empty and list(late.columns) == list(FOLLOW_UP_COLUMNS)


def test_overdue_follow_ups_join_the_supervision_list():
    frames = tiny_frames()
    frames["visits"] = _visits([("V1", "U001", "2026-06-01", "报送名单", "2026-07-01")])
    period = Period.between(AS_OF - pd.Timedelta(days=364), AS_OF)
    items = supervision_list(ScoreInputs.from_layers(frames, period), AS_OF)
    row = items[items["kind"] == "follow_up_overdue"].iloc[0]
    assert row["township_code"] == T1 and row["township_name"] == "西园街道"
    assert row["item"] == "兰州理工大学：报送名单" and row["ref"] == "V1"
    assert row["since"] == pd.Timestamp("2026-06-01")
    assert row["overdue_days"] == (AS_OF - pd.Timestamp("2026-07-01")).days
    assert row["severity"] == KINDS["follow_up_overdue"]
    assert items["severity"].is_monotonic_decreasing
    # The visit is the unit's contact now: no longer never engaged.
    assert "unit_never" not in set(items["kind"])
    # Without a visits layer the ledger alone decides, and nothing is listed for follow-ups.
    frames.pop("visits")
    ledger = supervision_list(ScoreInputs.from_layers(frames, period), AS_OF)
    assert "follow_up_overdue" not in set(ledger["kind"])
    assert "unit_never" in set(ledger["kind"])


# --- properties -----------------------------------------------------------------------------
UNIT_CODES = ("U1", "U2", "U3")


def _same(a: object, b: object) -> bool:
    return bool(pd.isna(a) and pd.isna(b)) or a == b
_visit = st.tuples(st.sampled_from((*UNIT_CODES, "U9")), st.integers(0, 400),
                   st.sampled_from((None, "", "无", "报送名单", "商定议题")),
                   st.one_of(st.none(), st.integers(0, 460)))


def _random_visits(rows: list[tuple]) -> pd.DataFrame:
    start = pd.Timestamp("2025-09-01")
    return _visits([(f"V{i}", unit, start + day * DAY, text,
                     None if due is None else start + due * DAY)
                    for i, (unit, day, text, due) in enumerate(rows)])


@given(st.lists(_visit, max_size=25), st.one_of(st.none(), st.integers(0, 420)))
@hsettings(max_examples=60, deadline=None)
def test_derived_dates_are_the_first_and_latest_visits(rows, as_of_day):
    visits = _random_visits(rows)
    as_of = None if as_of_day is None else pd.Timestamp("2025-09-01") + as_of_day * DAY
    out = apply_visits(_units(), visits, as_of).set_index("code")
    ledger = _units().set_index("code")
    status = unit_status(_units(), as_of or AS_OF, 180, visits=visits)
    for code in UNIT_CODES:
        mine = visits[visits["unit_code"] == code]
        seen = mine if as_of is None else mine[mine["date"] <= as_of]
        if mine.empty:  # no visits: the ledger's dates, untouched
            for col in ("visited_on", "last_contact_on"):
                assert _same(out.at[code, col], ledger.at[code, col])
            continue
        if seen.empty:
            assert pd.isna(out.at[code, "last_contact_on"])
            continue
        assert out.at[code, "last_contact_on"] == seen["date"].max()
        assert out.at[code, "visited_on"] == seen["date"].min()
        assert as_of is None or out.at[code, "last_contact_on"] <= as_of
        if as_of is not None:  # the status's last contact is the latest visit up to its day
            assert status.at[code, "last_contact"] == seen["date"].max()


@given(st.lists(_visit, max_size=25), st.integers(0, 460))
@hsettings(max_examples=60, deadline=None)
def test_overdue_list_is_exactly_the_open_follow_ups_past_due(rows, as_of_day):
    visits = _random_visits(rows)
    as_of = pd.Timestamp("2025-09-01") + as_of_day * DAY
    listed = set(overdue_follow_ups(visits, _units(), as_of)["code"])
    expected = set()
    for visit in visits.itertuples():
        later = visits[(visits["unit_code"] == visit.unit_code) & (visits["date"] > visit.date)
                       & (visits["date"] <= as_of)]
        has_text = isinstance(visit.follow_up, str) and visit.follow_up not in ("", "无")
        if (visit.date <= as_of and has_text and pd.notna(visit.follow_up_due)
                and visit.follow_up_due < as_of and later.empty):
            expected.add(visit.code)
    assert listed == expected
    # No follow-up a later visit to its unit closed is ever listed.
    for code in listed:
        visit = visits.set_index("code").loc[code]
        assert not ((visits["unit_code"] == visit["unit_code"]) & (visits["date"] > visit["date"])
                    & (visits["date"] <= as_of)).any()


# --- the demo -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    store = GeoPackageStore(SHIPPED, SHIPPED)
    return {name: store.read(name) for name in LAYERS}


def test_demo_visits_cover_most_units_and_keep_their_statuses(demo):
    units, visits = demo["units"], demo["visits"]
    assert len(units) == 45 and len(visits) == 135
    assert visits["unit_code"].nunique() == 27  # 60 % of the units
    assert visits["unit_code"].isin(set(units["code"])).all()
    assert (visits["note"] == "示例数据").all()
    assert visits["visitor"].str.contains("示例").all()
    assert visits["topic"].str.contains("示例").all()
    assert set(visits["form"]) == set(district_config().visit_forms)
    towns = units.set_index("code")["township_code"]
    assert (visits["township_code"].to_numpy() == towns[visits["unit_code"]].to_numpy()).all()
    day = pd.Timestamp("2026-10-31")
    pd.testing.assert_frame_equal(unit_status(units, day),
                                  unit_status(units, day, visits=visits))
    assert visits["date"].max() <= day


def test_demo_has_a_few_overdue_follow_ups_on_the_supervision_list(demo):
    day = pd.Timestamp("2026-10-31")
    late = overdue_follow_ups(demo["visits"], demo["units"], day)
    assert len(late) == 5
    assert late["township_code"].notna().all()
    items = supervision_list(ScoreInputs.from_layers(demo, Period.between("2025-11-01", day)),
                             day)
    rows = items[items["kind"] == "follow_up_overdue"]
    assert sorted(rows["ref"]) == sorted(late["code"])
    assert rows["township_name"].notna().all()


# --- the units page ---------------------------------------------------------------------------
@pytest.fixture
def page(demo_env, open_page):
    return open_page("views/units.py")


def _visit_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "走访日期" in d.value.columns)


def _timeline(at) -> dict:
    specs = [c["figure"] for c in charts_on(at)]
    return next(s for s in specs if any("customdata" in trace for trace in s["data"]))


def test_the_units_page_shows_a_units_visit_timeline(page):
    assert "走访记录" in [h.value for h in page.subheader]
    box = page.selectbox(key="units_visit_unit")
    layers = read_layers("units", "visits")
    visits = layers["visits"]
    # It opens on the unit visited last.
    assert box.value == visits.sort_values("date")["unit_code"].iloc[-1]
    mine = visits[visits["unit_code"] == box.value]
    timeline = _timeline(page)
    assert sum(len(trace["x"]) for trace in timeline["data"]) == len(mine)
    table = _visit_table(page)
    assert len(table) == len(mine)
    assert table["走访日期"].tolist() == sorted(table["走访日期"], reverse=True)
    assert set(table["走访形式"]) == set(mine["form"])


def test_a_units_overdue_follow_up_is_marked_and_a_unit_without_visits_says_so(page):
    f = page.session_state["filters"]
    layers = read_layers("units", "visits")
    late = overdue_follow_ups(layers["visits"], layers["units"], f.as_of).iloc[0]
    page.selectbox(key="units_visit_unit").set_value(late["unit_code"]).run()
    assert not page.exception
    table = _visit_table(page)
    marked = table[table["超期情况"] != "—"]
    assert marked["超期情况"].tolist() == [t("analysis.overdue_days", "zh",
                                             days=int(late["overdue_days"]))]
    assert marked["后续事项"].iloc[0] == late["follow_up"]
    never = unit_status(layers["units"], f.as_of, visits=layers["visits"])
    code = never.index[never["status"] == "never"][0]
    page.selectbox(key="units_visit_unit").set_value(code).run()
    assert not page.exception
    assert any("暂无走访记录" in i.value for i in page.info)


def test_an_empty_visits_layer_breaks_no_page(demo_env, open_page):
    store = open_store()
    store.replace("visits", empty_layer(LAYERS["visits"]),
                  ImportRecord("visits", "empty.csv", "", 0, "tester"))
    at = open_page("views/units.py")
    assert any("暂无走访记录" in i.value for i in at.info)
    at.switch_page("views/scorecard.py").run()
    assert not at.exception


def test_english_headers(page):
    page.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not page.exception
    table = next(d.value for d in page.dataframe if "Follow-up" in d.value.columns)
    assert {"Date", "Form", "Visited by", "Topic", "Outcome", "Due", "Overdue"} <= \
        set(table.columns)
    assert dt.date.fromisoformat(table["Date"].iloc[0])
