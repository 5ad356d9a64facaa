"""Stationed-unit statuses, gaps and counts: tiny hand-checked ledgers and the demo."""

from __future__ import annotations

import pandas as pd
import pytest

import storage
from analysis.units import SEVERITY, STATUSES, unit_counts, unit_gaps, unit_status
from scripts.build_demo import REAL_UNITS
from tests.conftest import tiny_frames

AS_OF = pd.Timestamp("2026-11-01")
DAY = pd.Timedelta(days=1)
T1, T2 = "620103001", "620103100"


def _ledger() -> pd.DataFrame:
    # One unit per case; dates relative to AS_OF so the boundary is exact.
    rows = [
        # code, name, category, township, visited_on, last_contact_on, joint, liaison
        ("U1", "甲单位", "医院", T1, None, None, False, None),                        # never
        ("U2", "乙单位", "医院", T1, "2020-01-01", AS_OF - 180 * DAY, True, "张三"),  # 180: ok
        ("U3", "丙单位", "省属高校", T1, "2020-01-01", AS_OF - 181 * DAY, True, "李四"),  # overdue
        ("U4", "丁单位", "省属高校", T2, "2020-01-01", AS_OF - 10 * DAY, True, "  "),    # no liaison
        ("U5", "戊单位", "省属高校", T2, "2020-01-01", AS_OF - 10 * DAY, pd.NA, "王五"),  # not joint
        ("U6", "己单位", "医院", T2, AS_OF - 30 * DAY, None, True, "赵六"),          # visit only: ok
        ("U7", "庚单位", "医院", T1, "2020-01-01", AS_OF - 400 * DAY, False, None),   # overdue+2
        ("U8", "辛单位", "医院", T2, None, None, True, "钱七"),                       # never, joint
        ("U9", "壬单位", "医院", T1, AS_OF - 5 * DAY, AS_OF - 300 * DAY, True, "孙八"),  # visit later
    ]
    frame = pd.DataFrame(rows, columns=["code", "name", "category", "township_code", "visited_on",
                                        "last_contact_on", "joint_meeting", "liaison"])
    for col in ("visited_on", "last_contact_on"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ms]")
    frame["joint_meeting"] = frame["joint_meeting"].astype("boolean")
    return frame


@pytest.fixture
def status() -> pd.DataFrame:
    return unit_status(_ledger(), AS_OF, overdue_days=180)


def test_statuses_and_severities_are_declared_most_severe_first():
    assert STATUSES == ("never", "overdue", "no_liaison", "not_joint", "ok")
    assert [SEVERITY[s] for s in STATUSES] == [4, 3, 2, 1, 0]


def test_every_status_by_hand(status):
    assert status["status"].to_dict() == {
        "U1": "never", "U2": "ok", "U3": "overdue", "U4": "no_liaison", "U5": "not_joint",
        "U6": "ok", "U7": "overdue", "U8": "never", "U9": "ok"}
    assert status["severity"].to_dict() == {code: SEVERITY[s]
                                            for code, s in status["status"].items()}
    assert list(status.columns) == ["name", "category", "township_code", "status", "flags",
                                    "severity", "last_contact", "days_since_contact"]
    assert status.index.name == "code"


def test_flags_list_every_gap_most_severe_first(status):
    assert status.at["U1", "flags"] == ("never", "no_liaison", "not_joint")
    assert status.at["U7", "flags"] == ("overdue", "no_liaison", "not_joint")
    assert status.at["U8", "flags"] == ("never",)
    assert status.at["U2", "flags"] == ()
    assert status.at["U5", "flags"] == ("not_joint",)


def test_exactly_the_limit_is_on_time_one_day_more_is_overdue(status):
    assert status.at["U2", "days_since_contact"] == 180
    assert status.at["U2", "status"] == "ok"
    assert status.at["U3", "days_since_contact"] == 181
    assert status.at["U3", "status"] == "overdue"


def test_last_contact_falls_back_to_the_visit_and_takes_the_later_date(status):
    assert status.at["U6", "last_contact"] == AS_OF - 30 * DAY
    assert status.at["U6", "days_since_contact"] == 30
    assert status.at["U9", "last_contact"] == AS_OF - 5 * DAY
    assert pd.isna(status.at["U1", "last_contact"])
    assert pd.isna(status.at["U1", "days_since_contact"])
    assert str(status["days_since_contact"].dtype) == "Int64"


def test_time_of_day_of_as_of_is_ignored():
    late = unit_status(_ledger(), AS_OF + pd.Timedelta(hours=23), overdue_days=180)
    assert late.at["U2", "status"] == "ok"


def test_default_limit_is_the_setting(monkeypatch):
    assert unit_status(_ledger(), AS_OF).at["U3", "status"] == "overdue"
    monkeypatch.setenv("TONGXIN_CONTACT_OVERDUE_DAYS", "400")
    relaxed = unit_status(_ledger(), AS_OF)
    assert relaxed.at["U3", "status"] == "ok"
    assert relaxed.at["U7", "status"] == "no_liaison"


def test_missing_optional_columns_count_as_blank():
    status = unit_status(tiny_frames()["units"], AS_OF)
    assert status.at["U001", "status"] == "never"
    assert status.at["U001", "flags"] == ("never", "no_liaison")


def test_missing_required_column_is_explained():
    with pytest.raises(ValueError, match="township_code"):
        unit_status(_ledger().drop(columns="township_code"), AS_OF)


def test_gaps_by_severity_then_days_then_name(status):
    gaps = unit_gaps(status)
    # never (by name: 甲 < 辛), overdue (400 days before 181), no_liaison, not_joint.
    assert list(gaps.index) == ["U1", "U8", "U7", "U3", "U4", "U5"]
    assert (gaps["status"] != "ok").all()


def test_gaps_of_an_all_ok_ledger_are_empty(status):
    assert unit_gaps(status[status["status"] == "ok"]).empty


def test_counts_by_township(status):
    counts = unit_counts(status, "township_code")
    assert list(counts.columns) == [*STATUSES, "total", "engaged"]
    assert counts.loc[T1].to_dict() == {"never": 1, "overdue": 2, "no_liaison": 0,
                                        "not_joint": 0, "ok": 2, "total": 5, "engaged": 4}
    assert counts.loc[T2].to_dict() == {"never": 1, "overdue": 0, "no_liaison": 1,
                                        "not_joint": 1, "ok": 1, "total": 4, "engaged": 3}


def test_counts_by_category(status):
    counts = unit_counts(status, "category")
    assert counts.loc["医院"].to_dict() == {"never": 2, "overdue": 1, "no_liaison": 0,
                                          "not_joint": 0, "ok": 3, "total": 6, "engaged": 4}
    assert counts.loc["省属高校", "total"] == 3
    assert counts["total"].sum() == len(status)


def test_counts_by_an_unknown_column_is_refused(status):
    with pytest.raises(ValueError, match="township_code, category"):
        unit_counts(status, "name")


def test_demo_units(demo_env):
    units = storage.open_store().read("units")
    status = unit_status(units, AS_OF)
    by_name = status.set_index("name")
    named = [unit.name for unit in REAL_UNITS]
    assert len(named) == 9
    assert (by_name.loc[named, "status"] == "ok").all()
    present = set(status["status"])
    assert {"never", "overdue", "no_liaison"} <= present
    assert unit_counts(status, "township_code")["total"].sum() == len(units)
