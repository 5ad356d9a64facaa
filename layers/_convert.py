"""Converting ledger cells to typed values, vectorised, with the rows that failed."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

# Excel counts days from 1899-12-30 (its 1900 leap-year bug already folded in).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 .. 9999-12-31
_DATE_PATTERN = (r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
                 r"(?:[ T]\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:\.\d+)?)?$")
_COMPACT_DATE = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "已", "是的", "已纳入", "已走访"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "未", "不是", "未纳入", "未走访"}
# Units officials type after numbers ("60人", "3名"); stripping them loses nothing.
_NUMBER_UNITS = ("人次", "人", "名", "个", "户")


def _fold(values: pd.Series) -> pd.Series:
    """Return values as NFKC-folded stripped strings (None stays None)."""
    def fold(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        return unicodedata.normalize("NFKC", str(value)).strip() or None
    return values.map(fold)


def blank(values: pd.Series) -> pd.Series:
    """Return a mask of cells that are empty (None, NaN or only spaces).

    Parameters
    ----------
    values : pandas.Series
        Cells as read.

    Returns
    -------
    pandas.Series of bool
        True where the cell is blank.
    """
    as_text = values.map(lambda v: None if v is None else str(v).strip())
    return values.isna() | as_text.isna() | as_text.eq("") | as_text.str.lower().eq("nan")


def to_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return cells as text (numbers without a spurious ``.0``) and a mask of failures (none).

    Parameters
    ----------
    values : pandas.Series
        Cells as read.

    Returns
    -------
    tuple of pandas.Series
        Text values (None where blank) and an all-False failure mask.
    """
    def text(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, (dt.datetime, pd.Timestamp)):
            # A date-time cell in a text column (an Excel date in 备注): a day when it is
            # midnight, else the moment. openpyxl gives datetime, pandas Timestamp.
            stamp = pd.Timestamp(value)
            return (stamp.date().isoformat() if stamp == stamp.normalize()
                    else stamp.isoformat())
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value).strip() or None
    out = values.map(text).astype(object)
    return out.where(out.notna(), None), pd.Series(False, index=values.index)


def to_number(values: pd.Series, integer: bool) -> tuple[pd.Series, pd.Series]:
    """Return cells as numbers and a mask of cells that are not numbers.

    Accepts numbers stored as text, full-width digits, thousands separators and a trailing
    unit such as 人 or 名.

    Parameters
    ----------
    values : pandas.Series
        Cells as read.
    integer : bool
        Whether a fractional part is a failure.

    Returns
    -------
    tuple of pandas.Series
        ``Int64`` or ``float64`` values (missing where blank or failed) and the failure mask.
    """
    empty = blank(values)
    numbers = pd.to_numeric(values.where(~empty), errors="coerce")
    retry = numbers.isna() & ~empty
    if retry.any():
        folded = _fold(values[retry]).str.replace(",", "", regex=False)
        for unit in _NUMBER_UNITS:
            folded = folded.str.removesuffix(unit)
        numbers.loc[retry] = pd.to_numeric(folded.str.strip(), errors="coerce")
    failed = numbers.isna() & ~empty
    if integer:
        fractional = numbers.notna() & (numbers.astype(float) % 1 != 0)
        failed |= fractional
        numbers = numbers.where(~fractional)
        return numbers.round().astype("Int64"), failed
    return numbers.astype("float64"), failed


def to_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return cells as booleans (是/否, Y/N, √/×, 1/0...) and a mask of unreadable cells.

    Parameters
    ----------
    values : pandas.Series
        Cells as read.

    Returns
    -------
    tuple of pandas.Series
        ``boolean`` values (missing where blank or failed) and the failure mask.
    """
    empty = blank(values)
    folded = _fold(values.where(~empty)).str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[folded.isin(_TRUE)] = True
    out[folded.isin(_FALSE)] = False
    is_bool = values.map(lambda v: isinstance(v, (bool, np.bool_)))
    out[is_bool] = values[is_bool].astype(bool)
    return out, out.isna() & ~empty


def to_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return cells as dates and a mask of cells that are not dates.

    Reads date cells, Excel serial numbers, ``2024-03-05``, ``2024/3/5``, ``2024.3.5``,
    ``2024年3月5日`` and ``20240305``; an impossible date (2024-02-30) is a failure.

    Parameters
    ----------
    values : pandas.Series
        Cells as read.

    Returns
    -------
    tuple of pandas.Series
        ``datetime64[ms]`` values (NaT where blank or failed) and the failure mask.
    """
    empty = blank(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ms]")
    native = values.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)))
    if native.any():
        out[native] = pd.to_datetime(values[native].map(
            lambda v: v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)))
    rest = ~native & ~empty
    if rest.any():
        out[rest] = _parse_date_texts(values[rest])
    return out, out.isna() & ~empty


def _parse_date_texts(values: pd.Series) -> pd.Series:
    folded = _fold(values).astype(str)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ms]")
    for pattern in (_DATE_PATTERN, _COMPACT_DATE):
        todo = result.isna()
        parts = folded[todo].str.extract(pattern)
        found = parts["y"].notna()
        if found.any():
            frame = parts[found].astype(int).rename(columns={"y": "year", "m": "month", "d": "day"})
            result.loc[frame.index] = pd.to_datetime(frame, errors="coerce")
    serial = result.isna()
    numbers = pd.to_numeric(folded[serial], errors="coerce")
    in_range = numbers.between(*_EXCEL_SERIAL_RANGE) & (numbers % 1 == 0)
    if in_range.any():
        days = pd.to_timedelta(numbers[in_range], unit="D")
        result.loc[in_range[in_range].index] = _EXCEL_EPOCH + days
    return result


def fold_key(text: object) -> str:
    """Return ``text`` folded for comparing names and choices (NFKC, no spaces, lower case).

    Parameters
    ----------
    text : object
        A value; ``None`` gives ``""``.

    Returns
    -------
    str
        The comparison key.
    """
    if text is None:
        return ""
    # Case-folding and removing spaces can leave uncomposed marks (T + diaeresis), so
    # normalise once more at the end.
    folded = "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())
    return unicodedata.normalize("NFKC", folded)
