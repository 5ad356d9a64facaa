"""Religious sites layer: the 95 approved venues, made up near the communities."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from scripts.demo.common import (
    HUI_SURNAMES,
    METRIC_CRS,
    SURNAMES,
    TAG,
    Geography,
    bare_name,
    jitter_inside,
    person,
    phone,
    points,
    random_date,
    stage_rng,
    to_output,
    township_at,
)
from scripts.demo.district import RELIGION_COUNTS


def unique_name(stems: list[str], ending: str, taken: set[str]) -> str:
    """Return the first free ``stem + ending`` name, else one with a direction (东, 西...).

    Parameters
    ----------
    stems : list of str
        Place names to try, best first.
    ending : str
        What the place is (清真寺, 道观...).
    taken : set of str
        Names already used; the result is added.

    Returns
    -------
    str
        The name, marked （示例）.
    """
    options = [f"{s}{ending}{TAG}" for s in stems]
    options += [f"{s}{d}{ending}{TAG}"
                for d in ("东", "西", "南", "北", "新", "上", "下") for s in stems]
    name = next(o for o in options if o not in taken)
    taken.add(name)
    return name


VENUE_ENDINGS = {"伊斯兰教": ("清真寺",), "佛教": ("寺", "禅院"), "道教": ("道观", "庙"),
                 "基督教": ("基督教堂",), "天主教": ("天主教堂",)}


def venue_weights(religion: str, geo: Geography) -> np.ndarray:
    """Return how likely each community is to have a venue of ``religion`` nearby.

    Mosques follow the minority population; temples lean to the hill towns; churches
    to the streets.

    Parameters
    ----------
    religion : str
        One of :data:`RELIGION_COUNTS`.
    geo : Geography
        The geography.

    Returns
    -------
    numpy.ndarray
        A weight per community.
    """
    urban = geo.communities["township_code"].map(geo.townships.set_index("code")["urban"])
    urban = urban.to_numpy(dtype=bool)
    if religion == "伊斯兰教":
        return geo.communities["minority_population"].to_numpy(dtype=float) ** 1.3
    if religion in ("佛教", "道教"):
        return np.where(urban, 0.5, 1.5)
    return np.where(urban, 1.0, 0.05)


def religious_sites_layer(geo: Geography, seed: int) -> gpd.GeoDataFrame:
    """Return the 95 made-up religious venues.

    Parameters
    ----------
    geo : Geography
        The geography.
    seed : int
        The build's seed.

    Returns
    -------
    geopandas.GeoDataFrame
        95 rows in EPSG:4326, codes R001-R095.
    """
    rng = stage_rng(seed, 4)
    names = dict(zip(geo.townships["code"], geo.townships["name"], strict=True))
    rows, taken = [], set()
    for religion, count in RELIGION_COUNTS.items():
        weights = venue_weights(religion, geo)
        picks = rng.choice(len(weights), size=count, p=weights / weights.sum())
        for i in sorted(picks, key=lambda j: geo.communities["code"].iat[j]):
            community = geo.communities.iloc[i]
            inner = geo.cells[community["township_code"]].buffer(-40)
            xy = jitter_inside(geo.community_xy[i], inner, (100, 600), rng)
            ending = VENUE_ENDINGS[religion][rng.integers(len(VENUE_ENDINGS[religion]))]
            stems = [bare_name(names[community["township_code"]]), bare_name(community["name"])]
            surnames = HUI_SURNAMES if religion == "伊斯兰教" else SURNAMES
            rows.append({"religion": religion, "name": unique_name(stems, ending, taken),
                         "address": f"七里河区{bare_name(community['name'])}附近{TAG}",
                         "contact": person(rng, surnames), "phone": phone(rng),
                         "approved_on": random_date(date(1996, 1, 1), date(2019, 12, 31), rng),
                         "x": xy[0], "y": xy[1]})
    table = pd.DataFrame(rows)
    xy = table[["x", "y"]].to_numpy()
    table["township_code"] = township_at(xy, geo.cells)
    table["code"] = [f"R{i:03d}" for i in range(1, len(table) + 1)]
    frame = gpd.GeoDataFrame(table, geometry=points(xy), crs=METRIC_CRS)
    return to_output(frame, "religious_sites")
