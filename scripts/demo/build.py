"""The whole demo: the stages in their fixed order, the metadata, and writing the GeoPackage."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from core.district import district_config
from layers import LAYERS
from scripts.demo.activities import CATEGORY_RULES, activities_layer
from scripts.demo.common import DEFAULT_SEED, METRIC_CRS, ROOT, Geography, stage_rng
from scripts.demo.communities import (
    communities_layer,
    community_population,
    key_communities,
    place_communities,
)
from scripts.demo.district import (
    ADCODE,
    DISTRICT_NAME,
    RELIGION_COUNTS,
    SOURCES_TEXT,
    load_boundary,
    load_communities,
    load_townships,
)
from scripts.demo.religious_sites import religious_sites_layer
from scripts.demo.townships import (
    partition,
    seat_of,
    township_minorities,
    township_population,
    townships_layer,
)
from scripts.demo.units import MADE_UP_UNITS, units_layer
from scripts.demo.visits import VISIT_FORMS, visits_layer
from scripts.demo.workstations import STATION_COUNTS, workstations_layer
from storage.gpkg import create_dataset

DEFAULT_OUT = ROOT / "data" / "demo" / "tongxin-demo.gpkg"


def build_geography(seed: int) -> Geography:
    """Partition the boundary, size the population and place the communities.

    Parameters
    ----------
    seed : int
        The build's seed.

    Returns
    -------
    Geography
        Townships and communities with their figures and metric geometry.
    """
    boundary = load_boundary().to_crs(METRIC_CRS).geometry.iloc[0]
    townships = load_townships()
    shapes = partition(boundary, stage_rng(seed, 1))
    cells = {code: shapes[name]
             for code, name in zip(townships["code"], townships["name"], strict=True)}
    seats = {code: seat_of(cell) for code, cell in cells.items()}
    rng = stage_rng(seed, 2)
    townships["population"] = township_population(townships, rng)
    townships["minority_population"] = township_minorities(
        townships, townships["population"].to_numpy(), rng)
    communities = community_population(load_communities(), townships, rng)
    communities["key_community"] = key_communities(communities)
    xy = place_communities(communities, cells, seats, townships, stage_rng(seed, 3))
    return Geography(townships, cells, seats, communities, xy)


def check_config() -> None:
    """Fail unless the configured lists are the ones this recipe was written for.

    The demo's rules name categories, religions and kinds one by one; a district.toml with
    other lists would give a demo the dashboard refuses, so stop early with the difference.

    Raises
    ------
    ValueError
        Naming the list that differs.
    """
    config = district_config()
    expected = {
        "activity_categories": set(CATEGORY_RULES), "religions": set(RELIGION_COUNTS),
        "unit_categories": set(MADE_UP_UNITS),
        "station_kinds": {"民族工作站", *STATION_COUNTS},
        "visit_forms": set(VISIT_FORMS),
    }
    for name, values in expected.items():
        differ = values ^ set(getattr(config, name))
        if differ:
            raise ValueError(f"{name} in the district configuration differ: {sorted(differ)}")


def build_demo(seed: int = DEFAULT_SEED) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Build every layer of the demo district and its boundary, in memory.

    Parameters
    ----------
    seed : int
        Random seed; the same seed gives the same rows and values.

    Returns
    -------
    tuple
        ``({layer name: GeoDataFrame}, district GeoDataFrame)``, all in EPSG:4326 with the
        schemas' canonical columns.
    """
    check_config()
    geo = build_geography(seed)
    venues = religious_sites_layer(geo, seed)
    units = units_layer(geo, seed)
    frames = {
        "townships": townships_layer(geo),
        "communities": communities_layer(geo),
        "religious_sites": venues,
        "workstations": workstations_layer(geo, seed),
        "activities": activities_layer(geo, venues, seed),
        "units": units,
        "visits": visits_layer(units, seed),
    }
    return {name: frames[name] for name in LAYERS}, load_boundary()


def demo_meta(seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Return the dataset metadata of the demo.

    Parameters
    ----------
    seed : int
        The seed it was built with.

    Returns
    -------
    dict
        Key/value pairs; ``demo`` is ``"true"``.
    """
    return {"demo": "true", "district": DISTRICT_NAME, "adcode": ADCODE, "seed": str(seed),
            "built_by": "scripts/build_demo.py", "sources": SOURCES_TEXT}


def write_demo(out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """Build the demo and write it to ``out`` as a GeoPackage.

    Parameters
    ----------
    out : pathlib.Path
        Where to write (replaced if present).
    seed : int
        Random seed.

    Returns
    -------
    dict
        The layers written.
    """
    frames, district = build_demo(seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    create_dataset(out, frames, district, demo_meta(seed))
    return frames


def summary(frames: dict[str, gpd.GeoDataFrame]) -> str:
    """Return a short text summary of the demo's figures, for the console.

    Parameters
    ----------
    frames : dict
        The layers.

    Returns
    -------
    str
        Several lines.
    """
    towns = frames["townships"]
    lines = [f"{name}: {len(frame)} rows" for name, frame in frames.items()]
    lines.append(f"population {towns['population'].sum():,}, "
                 f"minority {towns['minority_population'].sum():,}")
    lines.append("religions " + str(frames["religious_sites"]["religion"].value_counts().to_dict()))
    lines.append("stations " + str(frames["workstations"]["kind"].value_counts().to_dict()))
    return "\n".join(lines)
