"""Coordinates as offices have them: Amap/Baidu offsets, projected metres, degrees-minutes-seconds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

from layers.coords import wgs84_to_bd09, wgs84_to_gcj02
from storage import open_store
from tongxin.layers_cli import main

# Three real demo communities (WGS84), written into ledgers in other coordinate systems.
TRUTH = pd.DataFrame({
    "名称": ["示例一（示例）", "示例二（示例）", "示例三（示例）"],
    "教别": ["伊斯兰教", "佛教", "道教"],
    "所属乡镇(街道)": ["西园街道", "西园街道", "阿干镇"],
    "lng": [103.78364, 103.80603, 103.84157],
    "lat": [36.06777, 36.06163, 35.86924],
})
GEOD = pyproj.Geod(ellps="WGS84")


def _ledger(tmp_path: Path, x, y, name="venues.csv") -> Path:
    frame = TRUTH.drop(columns=["lng", "lat"]).assign(X=x, Y=y)
    out = tmp_path / name
    frame.to_csv(out, index=False, encoding="utf-8-sig")
    return out


def _run(capsys, *args) -> tuple[int, dict]:
    code = main([str(a) for a in args] + ["--json"])
    return code, json.loads(capsys.readouterr().out)


def _error_metres() -> np.ndarray:
    stored = open_store().read("religious_sites").sort_values("name")
    truth = TRUTH.sort_values("名称")
    _, _, dist = GEOD.inv(stored.geometry.x.to_numpy(), stored.geometry.y.to_numpy(),
                          truth["lng"].to_numpy(), truth["lat"].to_numpy())
    return np.abs(dist)


@pytest.mark.parametrize(("crs", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09),
                                              ("高德", wgs84_to_gcj02), ("baidu", wgs84_to_bd09)])
def test_amap_and_baidu_coordinates_come_back_to_wgs84_within_2_m(demo_env, capsys, tmp_path,
                                                                   crs, forward):
    x, y = forward(TRUTH["lng"].to_numpy(), TRUTH["lat"].to_numpy())
    code, report = _run(capsys, "import", "religious_sites", _ledger(tmp_path, x, y), "--crs", crs, "--yes")
    assert code == 0, report["errors"]
    assert _error_metres().max() < 2.0


def test_projected_metres_without_a_declaration_are_refused_with_the_likely_epsg(
        demo_env, capsys, tmp_path):
    to_gk = pyproj.Transformer.from_crs(4326, 4544, always_xy=True)
    x, y = to_gk.transform(TRUTH["lng"].to_numpy(), TRUTH["lat"].to_numpy())
    ledger = _ledger(tmp_path, x.round(2), y.round(2))
    code, report = _run(capsys, "check", "religious_sites", ledger)
    assert code == 1
    assert any("--crs EPSG:4544" in e["message"] for e in report["errors"])
    code, report = _run(capsys, "import", "religious_sites", ledger, "--crs", "EPSG:4544", "--yes")
    assert code == 0, report["errors"]
    assert _error_metres().max() < 0.5


def test_degrees_minutes_seconds_are_read(demo_env, capsys, tmp_path):
    def dms(value: float) -> str:
        d = int(value)
        m = int((value - d) * 60)
        s = (value - d - m / 60) * 3600
        return f"{d}°{m}′{s:.3f}″"
    ledger = _ledger(tmp_path, [dms(v) for v in TRUTH["lng"]], [dms(v) for v in TRUTH["lat"]])
    code, report = _run(capsys, "import", "religious_sites", ledger, "--yes")
    assert code == 0, report["errors"]
    assert _error_metres().max() < 0.1


def test_an_unknown_crs_is_a_clear_error(demo_env, capsys, tmp_path):
    ledger = _ledger(tmp_path, TRUTH["lng"], TRUTH["lat"])
    code, report = _run(capsys, "check", "religious_sites", ledger, "--crs", "mars")
    assert code == 1 and "mars" in report["errors"][0]["message"]


def test_gcj02_read_as_wgs84_stays_inside_but_is_flagged_only_by_the_warning(demo_env, capsys,
                                                                             tmp_path):
    # The offset here is a few hundred metres: within the tolerance, so the file passes, and the
    # standing warning is what tells the keeper to declare --crs gcj02.
    x, y = wgs84_to_gcj02(TRUTH["lng"].to_numpy(), TRUTH["lat"].to_numpy())
    code, report = _run(capsys, "check", "religious_sites", _ledger(tmp_path, x, y))
    assert code == 0
    assert any("gcj02" in w["message"] for w in report["warnings"])


def test_swapped_columns_get_the_swap_hint(demo_env, capsys, tmp_path):
    ledger = _ledger(tmp_path, TRUTH["lat"], TRUTH["lng"])
    code, report = _run(capsys, "check", "religious_sites", ledger)
    assert code == 1
    assert sum("填反" in e["message"] for e in report["errors"]) == 3
