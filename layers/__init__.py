"""The seven geodata layers: contract, reading, validation and import (``python -m layers``)."""

from __future__ import annotations

from layers import (
    activities,
    communities,
    religious_sites,
    townships,
    units,
    visits,
    workstations,
)
from layers._convert import fold_key
from layers._errors import CrsError, ReadError
from layers._schema import Column, LayerSchema

# The registry: every part of Tongxin asks here instead of naming layers one by one.
# Order matters: a layer may refer only to layers before it.
LAYERS: dict[str, LayerSchema] = {
    module.SCHEMA.name: module.SCHEMA
    for module in (townships, communities, religious_sites, workstations, activities, units,
                   visits)
}

__all__ = ["LAYERS", "Column", "CrsError", "LayerSchema", "ReadError", "fold_key", "schema"]


def schema(name: str) -> LayerSchema:
    """Return the schema of the layer called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`LAYERS`.

    Returns
    -------
    LayerSchema
        Its contract.
    """
    return LAYERS[name]
