"""The rubric, the township scorecard and the supervision list: hand-checked, by property, demo."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

import storage
from analysis.activity import Period, activity_summary
from analysis.coverage import Coverage, station_coverage
from analysis.scorecard import (
    INDICATORS,
    KINDS,
    SUPERVISION_COLUMNS,
    Rubric,
    RubricError,
    RubricIndicator,
    ScoreInputs,
    indicator_shares,
    load_rubric,
    scorecard,
    supervision_list,
)
from analysis.units import unit_status
from tests.conftest import tiny_frames

WEST, EAST = "620103001", "620103100"
CATS = ("进机关", "进企业", "进社区", "进学校", "进家庭")
YEAR = Period.between("2024-01-01", "2024-12-31")
AS_OF = pd.Timestamp("2024-12-31")
DAY = pd.Timedelta(days=1)
ROOT = Path(__file__).resolve().parent.parent


# --- the rubric --------------------------------------------------------------------------
def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _entry(name: str, weight: object, label: str = "标签", label_en: str = "Label") -> str:
    return (f'[[indicator]]\nname = "{name}"\nweight = {weight}\nlabel = "{label}"\n'
            f'label_en = "{label_en}"\n')


def test_shipped_rubric_weighs_six_points():
    rubric = load_rubric(ROOT / "data" / "rubric.toml")
    assert rubric.total == 6
    assert dict((ind.name, ind.weight) for ind in rubric.indicators) == {
        "station_present": 1.0, "community_coverage": 1.5, "minority_coverage": 1.0,
        "categories_reached": 1.5, "unit_engagement": 0.5, "venue_coverage": 0.5}
    assert set(rubric.names) == set(INDICATORS)
    assert all(ind.label and ind.label_en for ind in rubric.indicators)


def test_default_path_is_the_setting(tmp_path, monkeypatch):
    path = _write(tmp_path, "total = 2\n" + _entry("station_present", 2))
    monkeypatch.setenv("TONGXIN_RUBRIC", str(path))
    assert load_rubric() == Rubric(2.0, (RubricIndicator("station_present", 2.0, "标签", "Label"),))


def test_every_problem_is_reported_at_once(tmp_path):
    text = ("total = 6\n" + _entry("station_present", 1.0) + _entry("stations", 2.0)
            + _entry("venue_coverage", -1) + '[[indicator]]\nname = "minority_coverage"\n'
            'weight = 1.0\nlabel = "少数民族"\n' + _entry("station_present", 1.0))
    with pytest.raises(RubricError) as caught:
        load_rubric(_write(tmp_path, text))
    message = str(caught.value)
    assert "5 problem(s)" in message
    assert "'stations'" in message and "unknown indicator name" in message
    assert ", ".join(INDICATORS) in message  # the known names, to pick from
    assert "weight -1 must be a positive number" in message
    assert "lacks label_en" in message
    assert "listed twice" in message
    assert "add up to 4, not total = 6" in message
    assert isinstance(caught.value, ValueError)


def test_missing_total_and_indicators(tmp_path):
    with pytest.raises(RubricError) as caught:
        load_rubric(_write(tmp_path, "# nothing yet\n"))
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert "`total` is missing" in message and "no [[indicator]] tables" in message


def test_non_numeric_weight_and_total(tmp_path):
    with pytest.raises(RubricError) as caught:
        load_rubric(_write(tmp_path, 'total = "six"\n' + _entry("station_present", '"1"')))
    message = str(caught.value)
    assert "`total` = 'six' must be a positive number" in message
    assert "weight '1' must be a positive number" in message


def test_weights_within_a_millionth_are_accepted(tmp_path):
    text = "total = 1\n" + _entry("station_present", 0.3333333) + _entry("venue_coverage",
                                                                           0.6666667)
    assert load_rubric(_write(tmp_path, text)).total == 1


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(RubricError, match="not found"):
        load_rubric(tmp_path / "absent.toml")
    with pytest.raises(RubricError, match="not valid TOML"):
        load_rubric(_write(tmp_path, "total = = 6\n"))


# --- hand-checked scorecard on the tiny dataset ------------------------------------------
def _tiny_units() -> pd.DataFrame:
    units = pd.DataFrame({
        "code": ["U001", "U002", "U003", "U004"],
        "name": ["兰州理工大学", "乙单位", "丙单位", "丁单位"],
        "category": ["省属高校", "医院", "医院", "医院"],
        "township_code": [WEST] * 4,
        "visited_on": [None, "2020-01-01", "2020-01-01", "2020-01-01"],
        "last_contact_on": [None, "2024-12-01", "2024-01-01", "2024-12-01"],
        "joint_meeting": [True, True, True, True],
        "liaison": [None, "张三", "李四", None]})
    for col in ("visited_on", "last_contact_on"):
        units[col] = pd.to_datetime(units[col]).astype("datetime64[ms]")
    return units


def _tiny_inputs(radius: float | None = None) -> ScoreInputs:
    """Tiny dataset: the station's distances are 429 m and 1,001 m to the West communities,
    1,995 m to the East village, 286 m to the venue; the default urban radius is 1,500 m."""
    frames = tiny_frames()
    radii = None if radius is None else np.array([radius])
    coverage = station_coverage(frames["workstations"], frames["communities"],
                                frames["townships"], frames["religious_sites"], radii=radii)
    activity = activity_summary(frames["activities"], frames["townships"], YEAR, CATS)
    units = unit_status(_tiny_units(), AS_OF, overdue_days=180)
    return ScoreInputs(coverage, activity, units, frames["townships"])


SIX = load_rubric(ROOT / "data" / "rubric.toml")


def test_tiny_scorecard_default_radius():
    card = scorecard(_tiny_inputs(), SIX)
    assert list(card.columns) == ["name", *SIX.names, "score", "rank"]
    # West: own station 1; 2/2 communities x1.5; 100/100 minority x1; 1/5 categories x1.5 = 0.3;
    # units: U002 ok and U004 no liaison count, U001 never and U003 overdue do not: 2/4 x0.5.
    assert card.loc[WEST, list(SIX.names)].tolist() == [1.0, 1.5, 1.0, 0.3, 0.25, 0.5]
    assert card.at[WEST, "score"] == pytest.approx(4.55)
    # East: no station, its village uncovered, nothing done; no units and no venues: full.
    assert card.loc[EAST, list(SIX.names)].tolist() == [0.0, 0.0, 0.0, 0.0, 0.5, 0.5]
    assert card.at[EAST, "score"] == pytest.approx(1.0)
    assert list(card.index) == [WEST, EAST]
    assert card["rank"].tolist() == [1, 2]
    assert card.at[WEST, "name"] == "西园街道"


def test_tiny_scorecard_partial_coverage():
    # 700 m: the key community (429 m) and the venue (286 m) are in, the other (1,001 m) out.
    card = scorecard(_tiny_inputs(700), SIX)
    assert card.at[WEST, "community_coverage"] == pytest.approx(0.75)  # 1/2 x 1.5
    assert card.at[WEST, "minority_coverage"] == pytest.approx(0.8)   # 80/100 x 1.0
    assert card.at[WEST, "venue_coverage"] == pytest.approx(0.5)
    assert card.at[WEST, "score"] == pytest.approx(3.6)
    # 250 m reaches nothing: West keeps its station, categories and units only.
    card = scorecard(_tiny_inputs(250), SIX)
    assert card.at[WEST, "score"] == pytest.approx(1.0 + 0.3 + 0.25)
    assert card.at[WEST, "venue_coverage"] == 0.0


def test_points_are_share_times_weight_for_any_rubric():
    rubric = Rubric(10.0, (RubricIndicator("venue_coverage", 6.0, "场所", "Venues"),
                           RubricIndicator("station_present", 4.0, "站", "Station")))
    card = scorecard(_tiny_inputs(250), rubric)
    assert list(card.columns) == ["name", "venue_coverage", "station_present", "score", "rank"]
    # West lost its venue at 250 m (0 x 6) but has a station (1 x 4); East has no venue (full).
    assert card.loc[EAST, ["venue_coverage", "station_present", "score"]].tolist() == [6, 0, 6]
    assert card.loc[WEST, ["venue_coverage", "station_present", "score"]].tolist() == [0, 4, 4]
    assert list(card.index) == [EAST, WEST]


def test_ties_share_the_best_rank():
    rubric = Rubric(1.0, (RubricIndicator("venue_coverage", 1.0, "场所", "Venues"),))
    card = scorecard(_tiny_inputs(), rubric)
    assert card["rank"].tolist() == [1, 1]
    assert list(card.index) == [WEST, EAST]  # ties keep the townships' order


def test_shares_are_between_zero_and_one():
    shares = indicator_shares(_tiny_inputs(700))
    assert list(shares.columns) == list(INDICATORS)
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert shares.at[WEST, "categories_reached"] == pytest.approx(0.2)
    with pytest.raises(KeyError, match="known: station_present"):
        indicator_shares(_tiny_inputs(), ("stations",))


# --- properties --------------------------------------------------------------------------
TOWNS = ("620103001", "620103002", "620103003")


@st.composite
def _facts(draw) -> dict:
    communities = draw(st.integers(0, 5))
    minority = draw(st.integers(0, 400))
    venues = draw(st.integers(0, 3))
    return {
        "has_station": draw(st.booleans()),
        "communities": communities, "covered": draw(st.integers(0, communities)),
        "minority": minority, "minority_covered": draw(st.integers(0, minority)),
        "venues": venues, "venues_covered": draw(st.integers(0, venues)),
        "reached": draw(st.integers(0, len(CATS))),
        "units": draw(st.lists(st.sampled_from(["ok", "never", "overdue", "no_liaison"]),
                               max_size=4)),
    }


def _rate(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def _built_inputs(facts: list[dict]) -> ScoreInputs:
    """Inputs from per-township figures: coverage by hand, activity and units by the real code."""
    codes = list(TOWNS[:len(facts)])
    towns = pd.DataFrame({"code": codes, "name": [f"乡镇{i}" for i in range(len(facts))],
                          "population": 1000, "minority_population": 100})
    table = pd.DataFrame({
        "name": towns["name"].to_numpy(),
        "has_station": [f["has_station"] for f in facts],
        "communities": [f["communities"] for f in facts],
        "communities_covered": [f["covered"] for f in facts],
        "community_rate": [_rate(f["covered"], f["communities"]) for f in facts],
        "minority_population": [f["minority"] for f in facts],
        "minority_covered": [float(f["minority_covered"]) for f in facts],
        "minority_rate": [_rate(f["minority_covered"], f["minority"]) for f in facts],
        "venues": [f["venues"] for f in facts],
        "venues_covered": [f["venues_covered"] for f in facts],
    }, index=pd.Index(codes, name="code"))
    coverage = Coverage(pd.DataFrame(columns=["name", "township_code", "key_community",
                                              "covered"]),
                        pd.DataFrame(columns=["name", "township_code", "covered"]), table, {})
    activities = pd.DataFrame(
        [{"date": pd.Timestamp("2024-06-01"), "category": CATS[k], "township_code": code,
          "participants": 10} for code, f in zip(codes, facts, strict=True)
         for k in range(f["reached"])],
        columns=["date", "category", "township_code", "participants"])
    activity = activity_summary(activities, towns, YEAR, CATS)
    dates = {"ok": AS_OF - 10 * DAY, "no_liaison": AS_OF - 10 * DAY, "overdue": AS_OF - 400 * DAY,
             "never": pd.NaT}
    units = pd.DataFrame(
        [{"code": f"U{t}{i}", "name": f"单位{t}{i}", "category": "医院", "township_code": code,
          "visited_on": dates[s], "last_contact_on": dates[s], "joint_meeting": True,
          "liaison": None if s == "no_liaison" else "联络人"}
         for t, (code, f) in enumerate(zip(codes, facts, strict=True))
         for i, s in enumerate(f["units"])],
        columns=["code", "name", "category", "township_code", "visited_on", "last_contact_on",
                 "joint_meeting", "liaison"])
    return ScoreInputs(coverage, activity, unit_status(units, AS_OF, 180), towns)


def _improve(facts: dict, indicator: str) -> dict:
    better = {**facts, "units": list(facts["units"])}
    if indicator == "station_present":
        better["has_station"] = True
    elif indicator == "community_coverage":
        better["covered"] = min(facts["covered"] + 1, facts["communities"])
    elif indicator == "minority_coverage":
        better["minority_covered"] = min(facts["minority_covered"] + 37, facts["minority"])
    elif indicator == "categories_reached":
        better["reached"] = min(facts["reached"] + 1, len(CATS))
    elif indicator == "unit_engagement":
        lapsed = [i for i, s in enumerate(facts["units"]) if s in ("never", "overdue")]
        if lapsed:
            better["units"][lapsed[0]] = "ok"
    elif indicator == "venue_coverage":
        better["venues_covered"] = min(facts["venues_covered"] + 1, facts["venues"])
    return better


@st.composite
def _rubrics(draw) -> Rubric:
    names = draw(st.lists(st.sampled_from(list(INDICATORS)), min_size=1, unique=True))
    weights = [draw(st.integers(1, 8)) / 4 for _ in names]
    return Rubric(float(sum(weights)),
                  tuple(RubricIndicator(n, w, n, n) for n, w in zip(names, weights, strict=True)))


@hyp_settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.slow  # about 7 s of examples
@given(facts=st.lists(_facts(), min_size=1, max_size=3), data=st.data(), rubric=_rubrics())
def test_improving_an_input_never_lowers_the_score(facts, data, rubric):
    town = data.draw(st.integers(0, len(facts) - 1))
    indicator = data.draw(st.sampled_from(list(INDICATORS)))
    before = scorecard(_built_inputs(facts), rubric)
    improved = [*facts]
    improved[town] = _improve(facts[town], indicator)
    after = scorecard(_built_inputs(improved), rubric)
    code = TOWNS[town]
    assert after.at[code, "score"] >= before.at[code, "score"]
    others = [c for c in before.index if c != code]
    assert after.loc[others, "score"].equals(before.loc[others, "score"])
    assert (after["score"] <= rubric.total).all() and (after["score"] >= 0).all()


@pytest.mark.slow  # about 6 s of examples
@hyp_settings(max_examples=25, deadline=None)
@given(small=st.floats(0, 2500), extra=st.floats(0, 1500))
def test_a_wider_service_radius_never_lowers_a_score(small, extra):
    near = scorecard(_tiny_inputs(small), SIX)["score"]
    far = scorecard(_tiny_inputs(small + extra), SIX)["score"]
    assert (far.reindex(near.index) >= near).all()
    assert (far <= SIX.total).all()


# --- the supervision list ----------------------------------------------------------------
def test_tiny_supervision_list():
    items = supervision_list(_tiny_inputs(250), AS_OF, gap_days=365, contact_overdue_days=180)
    assert list(items.columns) == list(SUPERVISION_COLUMNS)
    head = items.iloc[:5][["township_code", "kind", "item", "ref"]].values.tolist()
    assert head == [
        [EAST, "no_station", "阿干镇", EAST],
        [WEST, "unit_never", "兰州理工大学", "U001"],
        [WEST, "uncovered_key_community", "下西园社区居委会", "620103001001"],
        [WEST, "uncovered_venue", "西关清真寺（示例）", "R001"],
        [WEST, "unit_overdue", "丙单位", "U003"],
    ]
    overdue = items.iloc[4]
    assert overdue["since"] == pd.Timestamp("2024-01-01")
    assert overdue["overdue_days"] == 365 - 180
    # 进社区 was reached in West on 2024-03-05, 301 days before: within the year, not a gap.
    gaps = items[items["kind"] == "category_gap"]
    expected = ([(WEST, c) for c in sorted(set(CATS) - {"进社区"})]
                + [(EAST, c) for c in sorted(CATS)])
    assert list(zip(gaps["township_code"], gaps["item"], strict=True)) == expected
    assert gaps["since"].isna().all() and gaps["overdue_days"].isna().all()
    assert items["severity"].tolist() == sorted(items["severity"], reverse=True)
    assert items["severity"].tolist()[:5] == [KINDS[k] for k in items["kind"][:5]]
    assert set(items["township_name"]) == {"西园街道", "阿干镇"}
    assert len(items) == 5 + 9


def test_a_reached_category_becomes_a_gap_one_day_past_the_limit():
    inputs = _tiny_inputs()
    at_limit = supervision_list(inputs, AS_OF, gap_days=301)
    assert "进社区" not in set(at_limit.loc[at_limit["township_code"] == WEST, "item"])
    past = supervision_list(inputs, AS_OF, gap_days=300)
    row = past[(past["township_code"] == WEST) & (past["item"] == "进社区")].iloc[0]
    assert row["kind"] == "category_gap"
    assert row["since"] == pd.Timestamp("2024-03-05")
    assert row["overdue_days"] == 1
    # Reached long ago comes after never reached, within the kind.
    gaps = past[past["kind"] == "category_gap"]
    assert gaps["overdue_days"].isna().tolist() == [True] * 9 + [False]


def test_activity_in_a_long_period_can_still_be_a_gap():
    frames = tiny_frames()
    inputs = _tiny_inputs()
    long = Period.between("2020-01-01", "2026-01-01")
    inputs = ScoreInputs(inputs.coverage, activity_summary(frames["activities"],
                                                           frames["townships"], long, CATS),
                         inputs.units, inputs.townships)
    items = supervision_list(inputs, pd.Timestamp("2026-01-01"), gap_days=365)
    row = items[(items["township_code"] == WEST) & (items["item"] == "进社区")].iloc[0]
    assert row["since"] == pd.Timestamp("2024-03-05")


def test_supervision_needs_the_period_to_end_on_as_of():
    with pytest.raises(ValueError, match="ends on 2024-12-31, not on as_of = 2025-01-31"):
        supervision_list(_tiny_inputs(), pd.Timestamp("2025-01-31"))


def test_supervision_defaults_to_the_settings(monkeypatch):
    monkeypatch.setenv("TONGXIN_ACTIVITY_GAP_DAYS", "300")
    items = supervision_list(_tiny_inputs(), AS_OF)
    assert "进社区" in set(items.loc[items["township_code"] == WEST, "item"])


# --- the demo ----------------------------------------------------------------------------
@pytest.fixture
def demo_layers(demo_env) -> dict[str, gpd.GeoDataFrame]:
    store = storage.open_store()
    return {name: store.read(name) for name in ("townships", "communities", "workstations",
                                                "religious_sites", "activities", "units")}


def test_demo_scorecard(demo_layers):
    period = Period.between("2025-11-01", "2026-10-31")
    inputs = ScoreInputs.from_layers(demo_layers, period, as_of=pd.Timestamp("2026-11-01"))
    card = scorecard(inputs, load_rubric())
    assert len(card) == 15
    assert set(card.index) == set(demo_layers["townships"]["code"])
    assert card["score"].between(0, 6).all()
    assert card["rank"].min() == 1
    assert card["score"].is_monotonic_decreasing
    points = card[list(load_rubric().names)].sum(axis=1).round(2)
    assert (points == card["score"]).all()


def test_demo_supervision_list(demo_layers):
    as_of = pd.Timestamp("2026-10-31")
    inputs = ScoreInputs.from_layers(demo_layers, Period.between("2025-11-01", as_of))
    items = supervision_list(inputs, as_of)
    assert not items.empty
    coverage, units = inputs.coverage, inputs.units
    expected = {
        "no_station": (~coverage.townships["has_station"]).any(),
        "unit_never": (units["status"] == "never").any(),
        "unit_overdue": (units["status"] == "overdue").any(),
        "uncovered_key_community": (coverage.communities["key_community"]
                                    & ~coverage.communities["covered"]).any(),
        "uncovered_venue": (~coverage.venues["covered"]).any(),
        "category_gap": bool(inputs.activity.empty_cells["never"].any()),
    }
    assert set(items["kind"]) == {kind for kind, present in expected.items() if present}
    assert {"unit_never", "unit_overdue", "category_gap"} <= set(items["kind"])
    per_kind = items["kind"].value_counts()
    assert per_kind["unit_never"] == (units["status"] == "never").sum()
    assert per_kind["unit_overdue"] == (units["status"] == "overdue").sum()
    assert per_kind["category_gap"] >= inputs.activity.empty_cells["never"].sum()
    assert items["severity"].is_monotonic_decreasing
    assert items["township_name"].notna().all()
    overdue = items[items["kind"] == "unit_overdue"]
    assert (overdue["overdue_days"] > 0).all()


def test_nothing_to_supervise_gives_an_empty_typed_list():
    done = {"has_station": True, "communities": 2, "covered": 2, "minority": 50,
            "minority_covered": 50, "venues": 1, "venues_covered": 1, "reached": len(CATS),
            "units": ["ok"]}
    inputs = _built_inputs([done])
    assert scorecard(inputs, SIX).at[TOWNS[0], "score"] == 6
    items = supervision_list(inputs, AS_OF)
    assert items.empty
    assert list(items.columns) == list(SUPERVISION_COLUMNS)
    assert str(items["overdue_days"].dtype) == "Int64"
