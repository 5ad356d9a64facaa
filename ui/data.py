"""The one place pages get data from: cached reads keyed on the working dataset's version."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from storage import Store, open_store


@st.cache_resource
def store() -> Store:
    """Return the working dataset's store (opened once per server process)."""
    return open_store()


@st.cache_data(show_spinner=False, max_entries=32)
def _layer(name: str, version: str) -> gpd.GeoDataFrame:
    # ``version`` is part of the cache key: an import changes it and the data is read anew.
    return store().read(name)


@st.cache_data(show_spinner=False, max_entries=4)
def _district(version: str) -> gpd.GeoDataFrame:
    return store().read_district()


def layer(name: str) -> gpd.GeoDataFrame:
    """Return a layer of the working dataset, cached until the dataset changes.

    Parameters
    ----------
    name : str
        A name from :data:`layers.LAYERS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows, EPSG:4326.
    """
    return _layer(name, store().version())


def district() -> gpd.GeoDataFrame:
    """Return the district boundary, cached until the dataset changes."""
    return _district(store().version())


def is_demo() -> bool:
    """Return whether the working dataset is the made-up demo (示例数据)."""
    return store().meta().get("demo") == "true"
