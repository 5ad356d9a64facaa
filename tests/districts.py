"""A second district made from a dataset, for tests of many districts in one database."""

from __future__ import annotations

import dataclasses

import pandas as pd

from storage import Dataset

HOME = "620103"


def as_district(dataset: Dataset, adcode: str, name: str, keep: float = 1.0) -> Dataset:
    """Return ``dataset`` as district ``adcode``'s: its codes, names and district table.

    Every text value starting with the home district's code gets ``adcode`` instead, names
    are marked with the new district's name, and a ``keep`` share of the activities,
    drawn evenly over time, is kept, so that the two districts' figures differ. History and log are not
    carried over: the new district's start with its arrival.

    Parameters
    ----------
    dataset : Dataset
        The home district's (:meth:`storage.Store.dump`).
    adcode, name : str
        The new district.
    keep : float
        Share of the activities kept (0-1).

    Returns
    -------
    Dataset
        A new dataset.
    """
    layers = {}
    for layer, frame in dataset.layers.items():
        moved = frame.copy()
        for column in moved.columns:
            if column != moved.geometry.name and not pd.api.types.is_numeric_dtype(moved[column]) \
                    and not pd.api.types.is_datetime64_any_dtype(moved[column]):
                moved[column] = moved[column].astype(object).map(
                    lambda v: adcode + v[len(HOME):] if isinstance(v, str)
                    and v.startswith(HOME) else v)
        if "name" in moved:
            moved["name"] = moved["name"].astype(object).map(
                lambda v: f"{v}（{name}）" if isinstance(v, str) else v)
        layers[layer] = moved
    activities = layers["activities"]
    layers["activities"] = activities.sample(frac=keep, random_state=0).sort_index()
    district = dataset.district.assign(name=name, adcode=adcode)
    return dataclasses.replace(dataset, layers=layers, district=district, history=(),
                               audit=(), imports=())
