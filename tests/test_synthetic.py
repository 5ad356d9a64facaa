"""The benchmarks' synthetic districts: the demo tiled N times, consistent and non-overlapping."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from analysis.coverage import station_coverage
from analysis.metric import metric_crs
from benchmarks.synthetic import (
    ACTIVITY_CAP,
    _demo,
    activities_per_copy,
    grid_offsets,
    synthetic_district,
    write_synthetic,
)
from core.district import district_config
from layers import LAYERS
from storage.gpkg import GeoPackageStore

SCALES = (2, 3)


@pytest.fixture(scope="module")
def demo():
    frames, district, _ = _demo()
    return frames, district


@pytest.fixture(scope="module", params=SCALES)
def synthetic(request):
    frames, district = synthetic_district(request.param)
    return request.param, frames, district


def _copy_of(codes: pd.Series) -> np.ndarray:
    """Copy number of each township code (620103... is copy 0, 9kkkkk... is copy k)."""
    text = codes.astype(str)
    return np.where(text.str.startswith("620103"), 0, text.str[1:6].astype(int))


def test_row_counts_are_the_demo_times_scale(demo, synthetic):
    scale, frames, _ = synthetic
    for name in LAYERS:
        n = len(demo[0][name])
        expected = activities_per_copy(scale, n) * scale if name == "activities" else n * scale
        assert len(frames[name]) == expected, name
    assert len(frames["activities"]) == len(demo[0]["activities"]) * scale


def test_activities_are_thinned_to_the_cap_only_above_it():
    assert activities_per_copy(60, 4950) == 4950
    assert activities_per_copy(100, 4950) * 100 == ACTIVITY_CAP == 300_000
    assert activities_per_copy(61, 4950) * 61 <= ACTIVITY_CAP


def test_codes_are_unique_and_references_resolve(synthetic):
    _, frames, _ = synthetic
    for name, frame in frames.items():
        assert frame["code"].notna().all() and frame["code"].is_unique, name
        assert frame["code"].map(type).eq(str).all(), name
    towns = set(frames["townships"]["code"])
    communities = set(frames["communities"]["code"])
    assert frames["townships"]["name"].is_unique
    for name in ("communities", "religious_sites", "workstations", "activities", "units"):
        refs = frames[name]["township_code"]
        assert refs.dropna().isin(towns).all() and refs.notna().all(), name
    for name in ("activities", "workstations"):
        refs = frames[name]["community_code"].dropna()
        assert refs.isin(communities).all(), name
    # A community's township and an activity's community belong to the same copy.
    comm = frames["communities"].set_index("code")["township_code"]
    acts = frames["activities"].dropna(subset=["community_code"])
    assert (comm.reindex(acts["community_code"]).to_numpy()
            == acts["township_code"].to_numpy()).all()


def test_copy_zero_is_the_demo_itself(demo):
    frames, district = synthetic_district(1)
    for name in LAYERS:
        pd.testing.assert_frame_equal(frames[name].reset_index(drop=True),
                                      demo[0][name].reset_index(drop=True), check_like=False)
    assert district.geometry.iloc[0].equals(demo[1].geometry.iloc[0])


def test_every_point_lies_inside_the_union_district(synthetic):
    _scale, frames, district = synthetic
    boundary = district.geometry.iloc[0]
    assert district.geom_type.iloc[0] == "MultiPolygon"
    assert len(district) == 1
    for name in ("communities", "religious_sites", "workstations", "activities", "units"):
        points = frames[name].geometry.dropna()
        assert points.covered_by(boundary).all(), name
    towns = frames["townships"].to_crs(metric_crs())
    union = gpd.GeoSeries([boundary], crs=district.crs).to_crs(metric_crs()).iloc[0]
    assert abs(towns.union_all().area - union.area) / union.area < 1e-6


def _overlap_m2(townships: gpd.GeoDataFrame) -> tuple[float, pd.DataFrame]:
    """Total pairwise intersection area of ``townships`` (m²) and the intersecting pairs."""
    towns = townships.to_crs(metric_crs()).reset_index(drop=True)
    pairs = gpd.sjoin(towns, towns, predicate="intersects")
    pairs = pairs[pairs.index < pairs["index_right"]]
    area = towns.geometry.iloc[pairs.index].intersection(
        towns.geometry.iloc[pairs["index_right"]], align=False).area
    return float(area.sum()), pairs


def test_copies_do_not_overlap_and_are_farther_apart_than_any_radius(demo, synthetic):
    scale, frames, _ = synthetic
    overlap, pairs = _overlap_m2(frames["townships"])
    # The demo's own neighbouring townships overlap by slivers (tens of m² in all, from its
    # made-up boundaries); tiling adds nothing to that.
    demo_overlap, _ = _overlap_m2(demo[0]["townships"])
    assert demo_overlap < 100.0
    assert overlap == pytest.approx(scale * demo_overlap, rel=1e-3, abs=1e-3)
    towns = frames["townships"].to_crs(metric_crs()).reset_index(drop=True)
    copies = _copy_of(towns["code"])
    assert sorted(set(copies)) == list(range(scale))
    assert (copies[pairs.index] == copies[pairs["index_right"].to_numpy()]).all()
    # Between copies: more than the largest service radius, so coverage cannot leak across.
    largest = max(r for pair in district_config().service_radius_m.values() for r in pair)
    parts = towns.dissolve(by=copies).geometry.to_numpy()
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            assert parts[i].distance(parts[j]) > largest


def test_grid_stays_near_the_projection_centre():
    frames, _, _ = _demo()
    bounds = frames["townships"].to_crs(metric_crs()).total_bounds
    shifts = grid_offsets(100, bounds, 10_000.0)
    assert len({tuple(s) for s in shifts}) == 100 and tuple(shifts[0]) == (0.0, 0.0)
    corners = gpd.GeoSeries.from_xy(
        np.concatenate([bounds[0] + shifts[:, 0], bounds[2] + shifts[:, 0]]),
        np.concatenate([bounds[1] + shifts[:, 1], bounds[3] + shifts[:, 1]]),
        crs=metric_crs()).to_crs(4326)
    assert (abs(corners.x - 103.8) < 2.5).all()


def test_coverage_doubles_at_scale_two(demo):
    frames, _ = synthetic_district(2)
    layers = demo[0]
    base = station_coverage(layers["workstations"], layers["communities"], layers["townships"],
                            layers["religious_sites"])
    twice = station_coverage(frames["workstations"], frames["communities"],
                             frames["townships"], frames["religious_sites"])
    assert twice.totals["communities_covered"] == 2 * base.totals["communities_covered"]
    assert twice.totals["venues_covered"] == 2 * base.totals["venues_covered"]
    assert twice.totals["townships_with_station"] == 2 * base.totals["townships_with_station"]
    # Every community's nearest distance is its original's.
    near = twice.communities["nearest_distance_m"].to_numpy()
    np.testing.assert_allclose(near.reshape(2, -1), np.tile(
        base.communities["nearest_distance_m"].to_numpy(), (2, 1)), atol=1e-3)


def test_synthetic_is_deterministic_and_written_with_its_meta(tmp_path):
    first, _ = synthetic_district(3, seed=5)
    again, _ = synthetic_district(3, seed=5)
    for name in LAYERS:
        assert first[name].equals(again[name]), name
    path = write_synthetic(tmp_path / "x2.gpkg", 2)
    store = GeoPackageStore(path, path)
    assert store.meta()["demo"] == "true" and store.meta()["synthetic"] == "2"
    assert len(store.read("townships")) == 30
    assert store.read_district().geom_type.iloc[0] == "MultiPolygon"
