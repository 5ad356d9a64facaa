"""Visits layer: made-up visits to about 60 % of the units, a few follow-ups left overdue."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from scripts.demo.common import (
    METRIC_CRS,
    REFERENCE_DATE,
    TAG,
    person,
    random_date,
    stage_rng,
    to_output,
)

# The forms of data/district.toml's default visit_forms, and how often each is used.
VISIT_FORMS = {"走访": 0.45, "座谈": 0.2, "联席会议": 0.15, "电话": 0.15, "其他": 0.05}
VISITED_SHARE = 0.6  # of all units; the never-engaged ones are never among them
OVERDUE_UNITS = 4  # units behind on contact (the ledger's "overdue") that get visits
OVERDUE_FOLLOW_UPS = 5  # units whose latest visit left a follow-up past its due date
WINDOW_DAYS = 730  # the visits between the first and the latest fall in the past two years
MIDDLE_VISITS = (1, 6)  # visits between a unit's first and latest (low inclusive, high not)
FOLLOW_UP_SHARE = 0.4  # visits that set a follow-up
FOLLOW_UP_DAYS = (15, 61)  # a follow-up's due date, days after its visit

TOPICS = {
    "走访": ("民族团结进步创建工作对接", "了解少数民族职工情况", "统战联络员工作对接",
           "党外代表人士队伍建设调研"),
    "座谈": ("党外知识分子座谈交流", "民族团结进步创建经验交流", "新的社会阶层人士联谊座谈"),
    "联席会议": ("驻区单位统战工作联席会议", "联席会议年度工作部署"),
    "电话": ("节日慰问电话联系", "活动安排电话沟通", "联络员变更情况核实"),
    "其他": ("联合开展民族团结宣传活动", "书面征求意见建议"),
}
OUTCOMES = ("确定单位统战联络员", "形成年度共建清单", "达成联合开展宣传活动意向",
            "收集意见建议三条", "单位同意纳入联席会议", "完成情况核实")
FOLLOW_UPS = ("协助单位开展民族团结进步宣传月活动", "报送少数民族职工花名册", "商定联席会议议题",
              "反馈单位所提意见建议办理情况", "推荐党外代表人士人选", "共建民族团结进步示范点")


def _pick(options: tuple[str, ...], rng: np.random.Generator) -> str:
    return f"{options[int(rng.integers(len(options)))]}{TAG}"


def visited_units(units: pd.DataFrame, rng: np.random.Generator) -> list[int]:
    """Return the positions of the units that get visits, in the units' order.

    Every unit the seed names, :data:`OVERDUE_UNITS` of those behind on contact and others
    engaged, up to :data:`VISITED_SHARE` of all units; never a unit never engaged, whose
    ledger has no visit to agree with.

    Parameters
    ----------
    units : pandas.DataFrame
        The demo's units layer.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of int
        Sorted positions.
    """
    last = pd.to_datetime(units["last_contact_on"])
    engaged = last.notna().to_numpy()
    real = ~units["name"].str.contains(TAG, regex=False).to_numpy()
    late = engaged & ((pd.Timestamp(REFERENCE_DATE) - last).dt.days > 180).to_numpy()
    chosen = set(np.flatnonzero(real & engaged).tolist())
    chosen |= set(rng.choice(np.flatnonzero(late & ~real), OVERDUE_UNITS, replace=False).tolist())
    rest = np.setdiff1d(np.flatnonzero(engaged), sorted(chosen))
    wanted = round(VISITED_SHARE * len(units)) - len(chosen)
    chosen |= set(rng.choice(rest, wanted, replace=False).tolist())
    return sorted(chosen)


def visit_dates(first: date, last: date, rng: np.random.Generator) -> list[date]:
    """Return a unit's visit days: its ledger's first visit, a few more, its last contact.

    Parameters
    ----------
    first, last : datetime.date
        The ledger's first visit and last contact, which the visits reproduce.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of datetime.date
        Distinct days, in order, from ``first`` to ``last``.
    """
    start = max(first, REFERENCE_DATE - timedelta(days=WINDOW_DAYS)) + timedelta(days=1)
    end = last - timedelta(days=1)
    middle = set()
    if start <= end:
        middle = {random_date(start, end, rng)
                  for _ in range(int(rng.integers(*MIDDLE_VISITS)))}
    return sorted({first, last} | middle)


def unit_visits(unit: pd.Series, overdue: bool, rng: np.random.Generator) -> list[dict]:
    """Return one unit's visits, the latest leaving a follow-up overdue when ``overdue``.

    A follow-up of an earlier visit is closed by the next one. The latest visit's follow-up
    is due before :data:`~scripts.demo.common.REFERENCE_DATE` when ``overdue``, otherwise
    it is absent or due after that day.

    Parameters
    ----------
    unit : pandas.Series
        A row of the units layer.
    overdue : bool
        Whether the unit's latest visit leaves a follow-up past its due date.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of dict
        Rows of the visits layer, oldest first.
    """
    days = visit_dates(unit["visited_on"].date(), unit["last_contact_on"].date(), rng)
    forms = [f for f in VISIT_FORMS if f != "联席会议" or bool(unit["joint_meeting"])]
    weights = np.array([VISIT_FORMS[f] for f in forms])
    rows = []
    for k, day in enumerate(days):
        # The first contact with a unit is a visit in person (走访对接).
        form = "走访" if k == 0 else forms[int(rng.choice(len(forms), p=weights / weights.sum()))]
        visitors = "、".join(person(rng) for _ in range(int(rng.integers(1, 3))))
        row = {"unit_code": unit["code"], "township_code": unit["township_code"], "date": day,
               "form": form, "visitor": visitors, "topic": _pick(TOPICS[form], rng),
               "outcome": _pick(OUTCOMES, rng), "follow_up": None, "follow_up_due": None}
        latest = k == len(days) - 1
        if latest and overdue:
            room = (REFERENCE_DATE - day).days - 5
            due = day + timedelta(days=int(rng.integers(FOLLOW_UP_DAYS[0], min(room, 61))))
            row |= {"follow_up": _pick(FOLLOW_UPS, rng), "follow_up_due": due}
        elif rng.random() < FOLLOW_UP_SHARE:
            due = day + timedelta(days=int(rng.integers(*FOLLOW_UP_DAYS)))
            if latest:
                # Still open on the demo's day, but not yet due.
                due = REFERENCE_DATE + timedelta(days=int(rng.integers(10, 91)))
            row |= {"follow_up": _pick(FOLLOW_UPS, rng), "follow_up_due": due}
        rows.append(row)
    return rows


def visits_layer(units: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """Return made-up visits to the demo's units, agreeing with the units' ledger.

    Each visited unit's first visit is its ledger's first visit and its latest is its
    ledger's last contact, so every unit keeps its status; the visits in between fall in the
    two years before the reference day. The latest visits of :data:`OVERDUE_FOLLOW_UPS` units
    leave a follow-up past its due date.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        The demo's units layer (:func:`scripts.demo.units.units_layer`).
    seed : int
        The build's seed.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in EPSG:4326 without locations, oldest first, codes V000001...
    """
    rng = stage_rng(seed, 8)
    chosen = visited_units(units, rng)
    # The latest visit must leave room for a follow-up due at least 15 days later, yet
    # before the reference day.
    roomy = [i for i in chosen
             if (REFERENCE_DATE - units["last_contact_on"].iat[i].date()).days >= 25]
    overdue = set(rng.choice(roomy, OVERDUE_FOLLOW_UPS, replace=False).tolist())
    rows = [row for i in chosen for row in unit_visits(units.iloc[i], i in overdue, rng)]
    table = pd.DataFrame(rows).sort_values(["date", "unit_code"], kind="stable")
    table["code"] = [f"V{i:06d}" for i in range(1, len(table) + 1)]
    frame = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=[None] * len(table),
                             crs=METRIC_CRS)
    return to_output(frame, "visits")
