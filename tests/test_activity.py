"""Activity summary: a hand-checked district, periods, empty inputs, properties and the demo."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from shapely.geometry import Point

import storage
from analysis.activity import ActivitySummary, Period, activity_summary
from core.district import district_config
from layers import LAYERS
from storage.dtypes import empty_layer, to_schema_types

T1, T2, T3 = "620103001", "620103002", "620103100"
CATS = ("进机关", "进社区", "进学校")
JAN_JUN = Period.between("2024-01-01", "2024-06-30")
NAT = pd.NaT


def _towns() -> gpd.GeoDataFrame:
    # T2 has no minority residents, T3 no known population: their rates must be NaN.
    frame = gpd.GeoDataFrame({
        "code": [T1, T2, T3], "name": ["西园街道", "西湖街道", "阿干镇"],
        "population": [10_000, 20_000, None], "minority_population": [1_000, 0, 500]},
        geometry=[Point(103.77, 36.05)] * 3, crs=4326)
    return to_schema_types(LAYERS["townships"], frame)


def _activities(rows: list[tuple]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"code": [f"A{i:06d}" for i in range(len(rows))],
         "date": pd.to_datetime([r[0] for r in rows]),
         "category": [r[1] for r in rows], "township_code": [r[2] for r in rows],
         "participants": pd.array([r[3] for r in rows], dtype="Int64")},
        geometry=[r[4] if len(r) > 4 else Point(103.77, 36.05) for r in rows], crs=4326)
    return to_schema_types(LAYERS["activities"], frame)


# (date, category, township, participants[, geometry])
ROWS = [
    ("2024-01-15", "进机关", T1, 30),
    ("2024-03-05", "进社区", T1, None, None),   # no geometry, no participant count: still counts
    ("2024-03-20", "进社区", T1, 20),
    ("2024-06-30", "进学校", T2, 100),          # last day of the period: inside
    ("2024-02-10", "进机关", T3, 15),
    ("2023-11-30", "进学校", T1, 50),           # before the period: only last_before
    ("2024-07-01", "进机关", T2, 40),           # after the period: nowhere
    ("2024-04-01", "进社区", "620103999", 99),  # unknown township: ignored
    ("2024-05-01", "进网络", T1, 77),           # category not asked for: ignored
    ("2022-12-31", "进社区", T2, 5),
    ("2023-06-01", "进社区", T2, 6),            # the later of T2's two earlier 进社区
]


@pytest.fixture
def summary() -> ActivitySummary:
    return activity_summary(_activities(ROWS), _towns(), JAN_JUN, categories=CATS)


# --- the hand-checked district ----------------------------------------------------------------
def test_counts_by_hand(summary):
    assert summary.period == JAN_JUN
    assert summary.categories == CATS
    expected = pd.DataFrame([[1, 2, 0], [0, 0, 1], [1, 0, 0]],
                            index=pd.Index([T1, T2, T3], name="township_code"),
                            columns=pd.Index(CATS, name="category"), dtype=np.int64)
    pd.testing.assert_frame_equal(summary.counts, expected, check_index_type=False,
                                  check_column_type=False)
    assert summary.total == 5


def test_participants_by_hand(summary):
    assert summary.participants.to_numpy().tolist() == [[30, 20, 0], [0, 0, 100], [15, 0, 0]]
    assert (summary.participants.dtypes == np.int64).all()
    assert summary.participants.index.tolist() == [T1, T2, T3]
    assert summary.participants.columns.tolist() == list(CATS)


def test_last_date_by_hand(summary):
    expected = [[pd.Timestamp("2024-01-15"), pd.Timestamp("2024-03-20"), NAT],
                [NAT, NAT, pd.Timestamp("2024-06-30")],
                [pd.Timestamp("2024-02-10"), NAT, NAT]]
    got = summary.last_date
    assert got.index.tolist() == [T1, T2, T3] and got.columns.tolist() == list(CATS)
    for i, row in enumerate(expected):
        for j, value in enumerate(row):
            cell = got.iat[i, j]
            assert (pd.isna(cell) and pd.isna(value)) or cell == value, (i, j, cell)
    assert (got.dtypes == "datetime64[ms]").all()


def test_township_table_by_hand(summary):
    table = summary.townships
    assert table.index.tolist() == [T1, T2, T3]
    assert list(table.columns) == ["name", "activities", "participants", "per_10k_residents",
                                   "per_1k_minority", "categories_reached", "rank"]
    assert table["name"].tolist() == ["西园街道", "西湖街道", "阿干镇"]
    assert table["name"].dtype == object and cells_are_text(summary.empty_cells)
    assert table["activities"].tolist() == [3, 1, 1]
    assert table["participants"].tolist() == [50, 100, 15]
    np.testing.assert_allclose(table["per_10k_residents"], [3.0, 0.5, np.nan])
    np.testing.assert_allclose(table["per_1k_minority"], [3.0, np.nan, 2.0])
    assert table["categories_reached"].tolist() == [2, 1, 1]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iat[2])


def cells_are_text(cells: pd.DataFrame) -> bool:
    return all(cells[col].dtype == object for col in ("township_code", "township_name", "category"))


def test_empty_cells_by_hand(summary):
    cells = summary.empty_cells
    assert list(cells.columns) == ["township_code", "township_name", "category", "last_before",
                                   "days_without", "never"]
    got = [(r.township_code, r.township_name, r.category,
            None if pd.isna(r.last_before) else r.last_before.strftime("%Y-%m-%d"),
            None if pd.isna(r.days_without) else int(r.days_without), bool(r.never))
           for r in cells.itertuples()]
    assert got == [
        # Never reached first (the 2024-07-01 activity is after the period, not before it) ...
        (T2, "西湖街道", "进机关", None, None, True),
        (T3, "阿干镇", "进社区", None, None, True),
        (T3, "阿干镇", "进学校", None, None, True),
        # ... then the longest without: 2023-06-01 to 2024-06-30 is 366 + 29 days.
        (T2, "西湖街道", "进社区", "2023-06-01", 395, False),
        (T1, "西园街道", "进学校", "2023-11-30", 213, False),
    ]


def test_monthly_by_hand(summary):
    monthly = summary.monthly
    assert monthly.index.tolist() == list(pd.date_range("2024-01-01", "2024-06-01", freq="MS"))
    assert monthly.columns.tolist() == list(CATS)
    assert monthly.to_numpy().tolist() == [[1, 0, 0], [1, 0, 0], [0, 2, 0],
                                           [0, 0, 0], [0, 0, 0], [0, 0, 1]]


def test_default_categories_are_the_configured_ten():
    result = activity_summary(_activities(ROWS), _towns(), JAN_JUN)
    ten = district_config().activity_categories
    assert result.categories == ten and result.counts.columns.tolist() == list(ten)
    assert result.total == 6  # the 进网络 activity counts now
    assert result.counts.loc[T1, "进网络"] == 1
    assert len(result.empty_cells) == 3 * 10 - int((result.counts > 0).sum().sum())


def test_ties_share_the_best_rank():
    towns = _towns().assign(population=pd.array([10_000, 20_000, 10_000], dtype="Int64"))
    rows = [("2024-01-02", "进机关", T1, 1), ("2024-01-02", "进机关", T2, 1),
            ("2024-01-02", "进社区", T2, 1), ("2024-01-02", "进机关", T3, 1)]
    table = activity_summary(_activities(rows), towns, JAN_JUN, categories=CATS).townships
    assert table["per_10k_residents"].tolist() == [1.0, 1.0, 1.0]
    assert table["rank"].tolist() == [1, 1, 1]


def test_string_dtypes_do_not_matter():
    # The store gives object columns; a frame built by hand in pandas 3 gets pyarrow strings.
    typed = _activities(ROWS)
    inferred = pd.DataFrame({col: typed[col].tolist() for col in
                             ("date", "category", "township_code", "participants")})
    a = activity_summary(typed, _towns(), JAN_JUN, categories=CATS)
    b = activity_summary(inferred, pd.DataFrame(_towns().drop(columns="geometry").to_dict("list")),
                         JAN_JUN, categories=CATS)
    pd.testing.assert_frame_equal(a.counts, b.counts, check_index_type=False,
                                  check_column_type=False)
    assert a.participants.to_numpy().tolist() == b.participants.to_numpy().tolist()
    assert len(a.empty_cells) == len(b.empty_cells) == 5


# --- Period ------------------------------------------------------------------------------------
def test_period_year():
    year = Period.year(2024)
    assert (year.start, year.end) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))


@pytest.mark.parametrize("start, end", [
    ("2024-03-05", "2024-04-01"),
    (dt.date(2024, 3, 5), dt.date(2024, 4, 1)),
    (pd.Timestamp("2024-03-05 13:45"), dt.datetime(2024, 4, 1, 23, 59)),
    ("2024/3/5", np.datetime64("2024-04-01")),
])
def test_period_between_takes_days_in_any_form(start, end):
    period = Period.between(start, end)
    assert (period.start, period.end) == (pd.Timestamp("2024-03-05"), pd.Timestamp("2024-04-01"))


def test_period_one_day_and_errors():
    assert Period.between("2024-02-29", "2024-02-29").end == pd.Timestamp("2024-02-29")
    with pytest.raises(ValueError):
        Period.between("2024-02-01", "2024-01-31")
    with pytest.raises(ValueError):
        Period.between(None, "2024-01-31")
    with pytest.raises(ValueError):
        Period.between("not a date", "2024-01-31")


@pytest.mark.parametrize("period, before", [
    (Period.year(2024), ("2023-01-01", "2023-12-31")),
    (Period.between("2024-03-01", "2024-03-31"), ("2024-02-01", "2024-02-29")),
    (Period.between("2024-01-01", "2024-03-31"), ("2023-10-01", "2023-12-31")),
    (Period.between("2024-03-10", "2024-03-19"), ("2024-02-29", "2024-03-09")),
    (Period.between("2024-03-01", "2024-03-15"), ("2024-02-15", "2024-02-29")),
    (Period.between("2024-01-01", "2024-01-01"), ("2023-12-31", "2023-12-31")),
])
def test_period_previous(period, before):
    assert period.previous() == Period.between(*before)
    assert period.previous().end + pd.Timedelta(days=1) == period.start


def test_period_contains():
    dates = pd.Series(pd.to_datetime(["2023-12-31", "2024-01-01", "2024-03-05 12:00",
                                      "2024-06-30 23:59", "2024-07-01", None], format="ISO8601"),
                      index=list("abcdef")).astype("datetime64[ms]")
    mask = JAN_JUN.contains(dates)
    assert mask.dtype == bool and mask.index.tolist() == list("abcdef")
    assert mask.tolist() == [False, True, True, True, False, False]
    # Text is parsed element by element: one format does not turn the others into NaT.
    text = pd.Series(["2024-02-01", "2024-06-30 18:00", "junk", None], dtype=object)
    assert JAN_JUN.contains(text).tolist() == [True, True, False, False]


# --- empty inputs and filters -----------------------------------------------------------------
@pytest.mark.parametrize("activities", [empty_layer(LAYERS["activities"]), pd.DataFrame()],
                         ids=["empty-layer", "no-columns"])
def test_no_activities(activities):
    result = activity_summary(activities, _towns(), JAN_JUN, categories=CATS)
    assert result.total == 0
    assert result.counts.shape == (3, 3) and not result.counts.to_numpy().any()
    assert not result.participants.to_numpy().any()
    assert result.last_date.isna().all().all()
    assert result.empty_cells["never"].all() and len(result.empty_cells) == 9
    assert result.monthly.shape == (6, 3) and not result.monthly.to_numpy().any()
    assert result.townships["activities"].tolist() == [0, 0, 0]
    assert result.townships["rank"].tolist()[:2] == [1, 1]


def test_filter_matching_nothing():
    result = activity_summary(_activities(ROWS), _towns(), JAN_JUN, categories=CATS,
                              township_codes=["620103999"])
    assert result.total == 0 and result.counts.shape == (0, 3)
    assert result.townships.empty and result.empty_cells.empty
    assert result.monthly.shape == (6, 3) and not result.monthly.to_numpy().any()
    none = activity_summary(_activities(ROWS), _towns(), JAN_JUN, categories=[])
    assert none.total == 0 and none.counts.shape == (3, 0) and none.empty_cells.empty
    assert none.townships["categories_reached"].tolist() == [0, 0, 0]
    nowhere = activity_summary(_activities(ROWS), _towns().iloc[:0], JAN_JUN, categories=CATS)
    assert nowhere.total == 0 and nowhere.counts.shape == (0, 3)
    quiet = activity_summary(_activities(ROWS), _towns(), Period.year(2010), categories=CATS)
    assert quiet.total == 0 and quiet.empty_cells["never"].all()


def test_township_filter(summary):
    # Given out of order, the rows keep the townships frame's order.
    result = activity_summary(_activities(ROWS), _towns(), JAN_JUN, categories=CATS,
                              township_codes=[T2, T1])
    assert result.counts.index.tolist() == [T1, T2]
    pd.testing.assert_frame_equal(result.counts, summary.counts.loc[[T1, T2]])
    assert result.townships.index.tolist() == [T1, T2]
    assert result.total == 4 and int(result.monthly.to_numpy().sum()) == 4
    assert set(result.empty_cells["township_code"]) == {T1, T2} and len(result.empty_cells) == 3
    # Ranks are among the townships shown.
    assert result.townships["rank"].tolist() == [1, 2]
    single = activity_summary(_activities(ROWS), _towns(), JAN_JUN, categories=CATS,
                              township_codes=T3)
    assert single.counts.index.tolist() == [T3] and single.total == 1


# --- properties --------------------------------------------------------------------------------
BASE = pd.Timestamp("2023-01-01")
TOWN_CHOICES = [T1, T2, T3, "620103999", None]
CAT_CHOICES = [*CATS, "进网络", None]

activity_rows = st.lists(st.tuples(
    st.one_of(st.none(), st.integers(0, 900)),
    st.sampled_from(CAT_CHOICES), st.sampled_from(TOWN_CHOICES),
    st.one_of(st.none(), st.integers(0, 500))), max_size=60)
spans = st.tuples(st.integers(0, 900), st.integers(0, 300))


def _random_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series([BASE + pd.Timedelta(days=d) if d is not None else None
                           for d, *_ in rows], dtype="datetime64[ms]"),
        "category": pd.Series([r[1] for r in rows], dtype=object),
        "township_code": pd.Series([r[2] for r in rows], dtype=object),
        "participants": pd.array([r[3] for r in rows], dtype="Int64")})


TOWNS = _towns()  # built once: the property tests call the summary hundreds of times


def _period(span: tuple[int, int]) -> Period:
    start = BASE + pd.Timedelta(days=span[0])
    return Period(start, start + pd.Timedelta(days=span[1]))


def _counted(frame: pd.DataFrame, period: Period) -> pd.Series:
    return (period.contains(frame["date"]) & frame["township_code"].isin([T1, T2, T3])
            & frame["category"].isin(CATS))


@hsettings(max_examples=150, deadline=None)
@given(rows=activity_rows, span=spans)
def test_totals_agree(rows, span):
    frame, period = _random_frame(rows), _period(span)
    result = activity_summary(frame, TOWNS, period, categories=CATS)
    counted = _counted(frame, period)
    assert (int(result.counts.to_numpy().sum()) == int(counted.sum()) == result.total
            == int(result.monthly.to_numpy().sum()) == int(result.townships["activities"].sum()))
    people = int(frame.loc[counted, "participants"].fillna(0).sum())
    assert int(result.participants.to_numpy().sum()) == people
    assert int(result.townships["participants"].sum()) == people


@hsettings(max_examples=150, deadline=None)
@given(rows=activity_rows, span=spans)
def test_one_empty_cell_row_per_zero(rows, span):
    frame, period = _random_frame(rows), _period(span)
    result = activity_summary(frame, TOWNS, period, categories=CATS)
    assert len(result.empty_cells) == int((result.counts.to_numpy() == 0).sum())
    cells = result.empty_cells
    for row in cells.itertuples():
        assert result.counts.loc[row.township_code, row.category] == 0
        assert row.never == pd.isna(row.last_before) == pd.isna(row.days_without)
        if not row.never:
            assert row.last_before < period.start
            assert row.days_without == (period.end - row.last_before).days
    # Sorted: never first, then the longest without.
    key = list(zip(~cells["never"], -cells["days_without"].fillna(0)))
    assert key == sorted(key)


@pytest.mark.slow  # about 5 s of examples
@hsettings(max_examples=150, deadline=None)
@given(rows=activity_rows, span=spans, wider=st.tuples(st.integers(0, 400), st.integers(0, 400)))
def test_widening_never_lowers_a_count(rows, span, wider):
    frame, period = _random_frame(rows), _period(span)
    wide = Period(period.start - pd.Timedelta(days=wider[0]),
                  period.end + pd.Timedelta(days=wider[1]))
    narrow = activity_summary(frame, TOWNS, period, categories=CATS).counts
    broad = activity_summary(frame, TOWNS, wide, categories=CATS).counts
    assert (broad.to_numpy() >= narrow.to_numpy()).all()


# --- the demo ---------------------------------------------------------------------------------
def test_demo_2019_to_2026(demo_env):
    store = storage.open_store()
    towns, acts = store.read("townships"), store.read("activities")
    result = activity_summary(acts, towns, Period.between("2019-01-01", "2026-10-31"))
    assert 4_000 <= result.total <= 6_000
    assert result.counts.index.tolist() == towns["code"].tolist()
    assert result.townships.index.tolist() == towns["code"].tolist()
    assert result.townships["name"].tolist() == towns["name"].tolist()
    cells = set(zip(result.empty_cells["township_name"], result.empty_cells["category"]))
    assert ("魏岭乡", "进军营") in cells and len(cells) >= 5
    assert len(result.empty_cells) == int((result.counts == 0).sum().sum())
    assert result.monthly.shape == (94, 10) and int(result.monthly.to_numpy().sum()) == result.total
    assert result.townships["rank"].notna().all()
