"""What a file is checked against: the working dataset's reference layers and its boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import divisions
from layers._refs import Lookup, community_lookup, township_lookup, unit_lookup


def _no_units() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype=object), "name": pd.Series(dtype=object),
                         "township_code": pd.Series(dtype=object)})


@dataclass
class Context:
    """The reference data a layer's rows resolve against.

    Parameters
    ----------
    townships : geopandas.GeoDataFrame
        Township polygons with ``code`` and ``name`` (EPSG:4326).
    communities : pandas.DataFrame
        Communities with ``code``, ``name`` and ``township_code``.
    district : shapely.Geometry
        The district boundary (EPSG:4326).
    units : pandas.DataFrame, optional
        Stationed units with ``code``, ``name`` and ``township_code`` (none when omitted),
        which visits name.
    listed : pandas.DataFrame, optional
        The townships rows may name (``code``, ``name``) when ``townships`` has none yet: a
        district set up from its code has its official list long before its polygons.
    """

    townships: gpd.GeoDataFrame
    communities: pd.DataFrame
    district: shapely.Geometry
    units: pd.DataFrame = field(default_factory=_no_units)
    listed: pd.DataFrame | None = None
    _names: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_store(cls, store) -> Context:
        """Return the context held by a store's working dataset.

        Parameters
        ----------
        store : storage.Store
            The working dataset.

        Returns
        -------
        Context
            Its townships, communities, stationed units and district boundary.
        """
        district = store.read_district()
        townships = store.read("townships")
        listed = _official_townships(district) if townships.empty else None
        return cls(townships, store.read("communities"), district.union_all(),
                   store.read("units"), listed)

    @property
    def named_townships(self) -> pd.DataFrame:
        """Return the townships rows may name: the layer's, else the district's official list."""
        return self.listed if self.listed is not None and self.townships.empty \
            else self.townships

    @cached_property
    def _township_lookup(self) -> Lookup:
        return township_lookup(self.named_townships)

    @cached_property
    def _community_lookup(self) -> Lookup:
        return community_lookup(self.communities)

    @cached_property
    def _unit_lookup(self) -> Lookup:
        return unit_lookup(self.units)

    def township_lookup(self) -> Lookup:
        """Return the lookup of townships by code or name."""
        return self._township_lookup

    def community_lookup(self) -> Lookup:
        """Return the lookup of communities by code or name."""
        return self._community_lookup

    def unit_lookup(self) -> Lookup:
        """Return the lookup of stationed units by code or name."""
        return self._unit_lookup

    def unit_townships(self) -> dict[str, str]:
        """Return ``{unit code: township code}`` of the units that have a township."""
        units = self.units.dropna(subset=["township_code"])
        return dict(zip(units["code"].astype(str), units["township_code"].astype(str),
                        strict=True))

    def township_name(self, code: str) -> str:
        """Return a township's name from its code (the code itself when unknown)."""
        if not self._names:
            named = self.named_townships
            self._names.update(zip(named["code"].astype(str), named["name"].astype(str),
                                   strict=True))
        return self._names.get(str(code), str(code))

    def township_at(self, geoms: gpd.GeoSeries) -> pd.Series:
        """Return the code of the township containing each geometry's representative point.

        Parameters
        ----------
        geoms : geopandas.GeoSeries
            Geometry in EPSG:4326 (None allowed).

        Returns
        -------
        pandas.Series
            Township codes, None where outside every township or absent.
        """
        result = pd.Series(None, index=geoms.index, dtype=object)
        values = geoms.to_numpy(dtype=object)
        present = ~pd.isna(values)
        if not present.any() or self.townships.empty:
            return result
        points = shapely.point_on_surface(values[present])
        tree = shapely.STRtree(self.townships.geometry.to_numpy())
        hits = tree.query(points, predicate="within")
        codes = self.townships["code"].astype(str).to_numpy()
        found = np.full(int(present.sum()), None, dtype=object)
        # A point on a shared border may fall in two townships; the first one is kept.
        order = np.argsort(hits[0], kind="stable")
        found[hits[0][order][::-1]] = codes[hits[1][order][::-1]]
        result.iloc[np.flatnonzero(present)] = found
        return result


def _official_townships(district: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """Return the district's official townships (shipped division data); None when unknown."""
    codes = district.get("adcode")
    code = str(codes.iloc[0]) if codes is not None and len(codes) else ""
    try:
        return divisions.townships(code)
    except divisions.DivisionError:
        return None  # a made-up district (a test's) or a zone: rows must name imported ones
