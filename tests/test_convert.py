"""Cell conversion: every date, number and yes/no form ledgers use, and the failures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers._convert import fold_key, to_bool, to_date, to_number, to_text


@pytest.mark.parametrize("cell", [
    "2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "2024 年 3 月 5 日", "20240305",
    "2024-03-05 14:30", "２０２４－０３－０５", 45356, 45356.0, "45356",
    dt.datetime(2024, 3, 5), dt.date(2024, 3, 5), pd.Timestamp("2024-03-05")])
def test_dates_in_every_ledger_form(cell):
    values, failed = to_date(pd.Series([cell], dtype=object))
    assert not failed.iloc[0]
    assert values.iloc[0] == pd.Timestamp("2024-03-05")


@pytest.mark.parametrize("cell", ["2024-02-30", "明天", "2024-13-01", "3/5", -5])
def test_impossible_dates_fail(cell):
    values, failed = to_date(pd.Series([cell], dtype=object))
    assert failed.iloc[0] and pd.isna(values.iloc[0])


def test_blank_dates_are_missing_not_failed():
    values, failed = to_date(pd.Series([None, "", "  "], dtype=object))
    assert values.isna().all() and not failed.any()


@pytest.mark.parametrize(("cell", "number"), [
    ("60", 60), (60, 60), (60.0, 60), ("1,200", 1200), ("６０", 60), ("60人", 60),
    (" 3名 ", 3), ("120人次", 120)])
def test_integers_stored_as_text_or_with_units(cell, number):
    values, failed = to_number(pd.Series([cell], dtype=object), integer=True)
    assert not failed.iloc[0] and values.iloc[0] == number


@pytest.mark.parametrize("cell", ["三十", "3.5", "abc", "1-2"])
def test_non_integers_fail(cell):
    _, failed = to_number(pd.Series([cell], dtype=object), integer=True)
    assert failed.iloc[0]


@pytest.mark.parametrize(("cell", "expected"), [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("√", True), ("×", False),
    (True, True), (False, False), ("1", True), ("0", False), ("已纳入", True)])
def test_yes_no(cell, expected):
    values, failed = to_bool(pd.Series([cell], dtype=object))
    assert not failed.iloc[0] and bool(values.iloc[0]) is expected


def test_unreadable_yes_no_fails():
    _, failed = to_bool(pd.Series(["也许"], dtype=object))
    assert failed.iloc[0]


def test_codes_read_as_numbers_lose_no_digits_and_gain_no_decimal():
    values, _ = to_text(pd.Series([620103001.0, 620103001, "620103001 "], dtype=object))
    assert list(values) == ["620103001"] * 3


@given(st.text())
def test_fold_key_is_idempotent(text):
    assert fold_key(fold_key(text)) == fold_key(text)


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日"]))
def test_any_real_date_in_any_form_round_trips(day, form):
    text = form.format(y=day.year, m=day.month, d=day.day)
    values, failed = to_date(pd.Series([text], dtype=object))
    assert not failed.iloc[0] and values.iloc[0].date() == day


def test_dates_in_a_text_column_read_as_a_day_or_a_moment():
    # An Excel date-time cell in 备注 arrives as datetime (openpyxl) or Timestamp (pandas).
    values, failed = to_text(pd.Series([dt.datetime(2025, 3, 5), dt.datetime(2025, 3, 5, 14, 30),
                                        pd.Timestamp("2025-03-05"), dt.date(2025, 3, 5)],
                                       dtype=object))
    assert list(values) == ["2025-03-05", "2025-03-05T14:30:00", "2025-03-05", "2025-03-05"]
    assert not failed.any()
