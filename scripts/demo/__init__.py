"""The demo district's recipe (七里河区, 示例数据): one module per layer, built in a fixed order.

``scripts/build_demo.py`` is the command line; :func:`build_demo` builds every layer in
memory and :func:`write_demo` writes the GeoPackage. Each stage draws from its own random
stream (:func:`~scripts.demo.common.stage_rng`), so the same seed gives the same file.
"""

from __future__ import annotations

from scripts.demo.activities import activities_layer
from scripts.demo.build import (
    DEFAULT_OUT,
    build_demo,
    build_geography,
    check_config,
    demo_meta,
    summary,
    write_demo,
)
from scripts.demo.common import DEFAULT_SEED, REFERENCE_DATE, Geography
from scripts.demo.communities import communities_layer
from scripts.demo.district import load_boundary
from scripts.demo.religious_sites import religious_sites_layer
from scripts.demo.townships import townships_layer
from scripts.demo.units import REAL_UNITS, RealUnit, units_layer
from scripts.demo.visits import visits_layer
from scripts.demo.workstations import workstations_layer

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_SEED",
    "REAL_UNITS",
    "REFERENCE_DATE",
    "Geography",
    "RealUnit",
    "activities_layer",
    "build_demo",
    "build_geography",
    "check_config",
    "communities_layer",
    "demo_meta",
    "load_boundary",
    "religious_sites_layer",
    "summary",
    "townships_layer",
    "units_layer",
    "visits_layer",
    "workstations_layer",
    "write_demo",
]
