"""Cached analysis: keyed on the versions of the layers it reads and on its filters.

A filter change recomputes only its part; a change to one layer recomputes only what reads it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.activity import Period
from tests.conftest import DATA


@pytest.mark.usefixtures("fresh_caches")
def test_a_filter_change_recomputes_activity_only_and_an_import_only_what_reads_it(
        demo_env, monkeypatch):
    import ui.data as data
    from ledger.importer import import_file

    calls = {"coverage": 0, "activity": 0}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(data, "station_coverage", counting("coverage", data.station_coverage))
    monkeypatch.setattr(data, "activity_summary", counting("activity", data.activity_summary))
    year = Period.year(2025)
    data.coverage()
    data.activity(year)
    data.activity(year, categories=("进社区",))
    data.activity(year)
    data.coverage()
    assert calls == {"coverage": 1, "activity": 2}
    report, _ = import_file("units", DATA / "layers" / "units_good.csv", store=data.store())
    assert report.ok
    data.coverage()
    data.activity(year)
    # The units changed: neither the stations' coverage nor the activity reads them.
    assert calls == {"coverage": 1, "activity": 2}
    assert len(data.units(pd.Timestamp("2026-11-01"))) == 2
    report, _ = import_file("workstations", DATA / "layers" / "workstations_good.csv",
                            store=data.store())
    assert report.ok
    data.coverage()
    data.activity(year)
    assert calls == {"coverage": 2, "activity": 2}
    assert len(data.layer("workstations")) == len(report.frame)
