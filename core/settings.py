"""Every Tongxin setting, declared once with its default, environment variable and help."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, type and the help text the README repeats.

    The environment variable that overrides it is ``TONGXIN_`` + the upper-cased name.
    """

    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        """Return the environment variable that overrides this setting."""
        return "TONGXIN_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data", "data/working/tongxin.gpkg",
            "Path of the working GeoPackage (one table per layer, EPSG:4326). Created from the "
            "shipped demo on first use. Relative paths are taken from the project root."),
    Setting("demo", "data/demo/tongxin-demo.gpkg",
            "Path of the shipped demo GeoPackage; it is only ever read."),
    Setting("district_config", "data/district.toml",
            "TOML file with the lists that vary by district: activity categories, religions, "
            "unit categories, station kinds."),
    Setting("lang", "zh", "Default language of messages: zh (Chinese) or en (English)."),
    Setting("backups_keep", 5, "How many previous versions of the working dataset to keep."),
    Setting("district_tolerance_m", 500.0,
            "How far (metres) outside the district boundary a feature may lie before it is "
            "refused; allows for boundary generalisation and GPS error."),
    Setting("metric_crs", "EPSG:4544",
            "Projected CRS for every distance and area (CGCS2000 / 3-degree Gauss-Kruger CM 105E)."),
    Setting("contact_overdue_days", 180,
            "A stationed unit whose last contact is older than this many days is overdue."),
    Setting("activity_gap_days", 365,
            "A township that has not reached an activity category for this many days is put on "
            "the supervision list."),
    Setting("rubric", "data/rubric.toml",
            "TOML file with the township scorecard's indicators, weights and total."),
    Setting("tile_url", "",
            "XYZ tile URL of an intranet basemap server ({z}/{x}/{y}); offered as a basemap "
            "when set."),
    Setting("tile_crs", "wgs84",
            "Coordinate system of the intranet tiles: wgs84 (also CGCS2000) or gcj02, in which "
            "case the data is shifted to match them."),
    Setting("tile_attribution", "",
            "Attribution shown for the intranet basemap (its owner and licence)."),
    Setting("tianditu_key", "",
            "Tianditu (天地图) key; the Tianditu basemap is offered when set."),
    Setting("map_screen_px", 640,
            "Pixels the district's longer side spans when a map is fitted to it (the maps are "
            "560 px tall); outlines are simplified to about one such pixel and coordinates "
            "rounded to match."),
    Setting("map_points_max", 5000,
            "Most points a map draws one by one (clustered above 400); beyond this a layer "
            "shows hexagon totals instead, so a map's size follows the screen, not the data."),
    Setting("chart_rows_max", 60,
            "Most townships a chart draws as rows (the activity matrix, the score bars); with "
            "more, it shows those most in need of attention and says so. Excel has them all."),
    Setting("briefing_seconds", 30,
            "How long the briefing screen shows each view before rotating (the URL parameter "
            "?interval= overrides it)."),
    Setting("accounts", "data/working/accounts.json",
            "File of user accounts (bcrypt password hashes and roles). With no enabled account "
            "the dashboard runs as a read-only demo."),
    Setting("session_idle_minutes", 30,
            "A signed-in session that has been idle this long must sign in again."),
    Setting("upload_max_mb", 50,
            "Largest file (MB) the data page accepts; a zip may hold at most 20 times this "
            "unpacked. Streamlit's own server.maxUploadSize (.streamlit/config.toml) should "
            "be the same."),
    Setting("user", "",
            "Name written to the audit log for command-line imports; defaults to the login name."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> Any:
    """Return the value of a setting, from its environment variable or its default.

    Parameters
    ----------
    name : str
        The setting's name as declared in :data:`SETTINGS`.

    Returns
    -------
    Any
        The value, converted to the type of the default.
    """
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return setting.default
    kind = type(setting.default)
    try:
        return kind(raw)
    except ValueError as exc:
        msg = f"{setting.env}={raw!r} is not a valid {kind.__name__}: {setting.help}"
        raise ValueError(msg) from exc


def env_name(name: str) -> str:
    """Return the environment variable that overrides a setting.

    Parameters
    ----------
    name : str
        The setting's name as declared in :data:`SETTINGS`.

    Returns
    -------
    str
        ``TONGXIN_`` + the upper-cased name.
    """
    return _BY_NAME[name].env


def path(name: str) -> Path:
    """Return a path setting resolved against the project root.

    Parameters
    ----------
    name : str
        A setting whose value is a file path.

    Returns
    -------
    pathlib.Path
        Absolute path.
    """
    value = Path(str(get(name))).expanduser()
    return value if value.is_absolute() else PROJECT_ROOT / value


@dataclass(frozen=True)
class DistrictConfig:
    """The lists a district defines for itself (loaded from ``district_config``)."""

    name: str
    adcode: str
    activity_categories: tuple[str, ...]
    religions: tuple[str, ...]
    unit_categories: tuple[str, ...]
    station_kinds: tuple[str, ...]
    township_kinds: tuple[str, ...]
    community_kinds: tuple[str, ...]
    service_radius_m: dict[str, tuple[float, float]]

    def radius(self, kind: str, urban: bool) -> float:
        """Return the service radius (m) of a station of ``kind`` in an urban or rural township.

        Parameters
        ----------
        kind : str
            A station kind.
        urban : bool
            Whether the station's township is urban.

        Returns
        -------
        float
            Metres; 0 for a kind with no configured radius (it covers nothing).
        """
        urban_r, rural_r = self.service_radius_m.get(kind, (0.0, 0.0))
        return urban_r if urban else rural_r


@lru_cache(maxsize=4)
def _load_district(config_path: str) -> DistrictConfig:
    with open(config_path, "rb") as fh:
        raw = tomllib.load(fh)
    district = raw.get("district", {})
    lists = raw.get("lists", {})
    radii = {str(kind): (float(r["urban"]), float(r["rural"]))
             for kind, r in raw.get("service_radius_m", {}).items()}
    return DistrictConfig(
        name=str(district.get("name", "")),
        adcode=str(district.get("adcode", "")),
        service_radius_m=radii,
        **{key: tuple(lists[key]) for key in (
            "activity_categories", "religions", "unit_categories", "station_kinds",
            "township_kinds", "community_kinds")},
    )


def district() -> DistrictConfig:
    """Return the district's configured lists.

    Returns
    -------
    DistrictConfig
        Activity categories, religions, unit categories and station kinds.
    """
    return _load_district(str(path("district_config")))
