"""The city's comparison of districts (analysis/districts.py): hand-checked, then properties."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.districts import COLUMNS, DistrictFigures, compare_districts


def _figures(code: str, *, towns: int = 4, with_station: int = 3, activities: int = 10,
             population: float = 20_000, statuses=("ok", "never", "late"),
             scores=(4.0, 2.0)) -> DistrictFigures:
    totals = {"townships": towns, "townships_with_station": with_station,
              "community_rate": 0.5, "minority_rate": 0.25, "venue_rate": 1.0}
    return DistrictFigures(code, f"区{code}", SimpleNamespace(totals=totals),
                           SimpleNamespace(total=activities),
                           pd.DataFrame({"status": list(statuses)}),
                           pd.DataFrame({"score": list(scores)}), population)


def test_one_row_per_district_with_its_figures_worked_by_hand():
    table = compare_districts([_figures("620102"), _figures(
        "620103", towns=0, with_station=0, activities=3, population=float("nan"), statuses=(),
        scores=())])
    assert list(table.index) == ["620102", "620103"] and list(table.columns) == list(COLUMNS)
    a = table.loc["620102"]
    assert (a["townships"], a["station_rate"], a["community_rate"]) == (4, 0.75, 0.5)
    assert a["per_10k_residents"] == pytest.approx(10 / 20_000 * 10_000) == 5.0
    assert (a["units"], a["units_never"], a["units_gap"]) == (3, 1, 2)
    assert (a["score"], a["rank"]) == (3.0, 1)
    b = table.loc["620103"]
    assert np.isnan(b["station_rate"]) and np.isnan(b["per_10k_residents"])
    assert np.isnan(b["score"]) and pd.isna(b["rank"]) and b["units"] == 0


def test_a_district_without_residents_has_no_rate_per_resident():
    table = compare_districts([_figures("620102", population=0.0)])
    assert np.isnan(table.loc["620102", "per_10k_residents"])


@given(st.lists(st.floats(min_value=0, max_value=6, allow_nan=False), min_size=1, max_size=12))
def test_a_higher_mean_score_never_ranks_below_a_lower_one(means):
    table = compare_districts([_figures(f"6201{i:02d}", scores=(m, m))
                               for i, m in enumerate(means)])
    ranked = table.sort_values("score", ascending=False)
    assert list(ranked["rank"]) == sorted(ranked["rank"])
    assert ranked["rank"].iloc[0] == 1 and ranked["rank"].max() <= len(means)
