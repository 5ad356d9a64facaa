"""Every Tongxin setting, declared once with its default, environment variable, help and rule.

A setting's rule says which values it allows; :func:`get` refuses any other with a
:class:`ConfigError` naming the variable, the value and what is allowed. :func:`check_all`
gathers the problems of every setting and of the district file, so that start-up (the command
lines, the dashboard) reports them all at once through :func:`ensure_valid`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyproj

from core.errors import ConfigError, Problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Rule:
    """What values a setting allows: a test, and the catalog text that says what passes.

    Attributes
    ----------
    test : callable
        Takes the value (already converted to the default's type) and returns whether it
        is allowed.
    allowed : str
        Catalog key (``core/messages/config.toml``) of the text saying what is allowed.
    params : tuple of (str, str) pairs
        Values for that text's placeholders.
    """

    test: Callable[[Any], bool]
    allowed: str
    params: tuple[tuple[str, str], ...] = ()


def one_of(*choices: str) -> Rule:
    """Return a rule allowing exactly ``choices``."""
    return Rule(lambda value: value in choices, "config.allowed.choices",
                (("choices", ", ".join(choices)),))


def positive() -> Rule:
    """Return a rule allowing whole numbers above 0 (a count, a size, a duration)."""
    return Rule(lambda value: value > 0, "config.allowed.positive_int")


def port() -> Rule:
    """Return a rule allowing a TCP port number (1 to 65535)."""
    return Rule(lambda value: 0 < value < 65536, "config.allowed.port")


def url_path() -> Rule:
    """Return a rule allowing a URL path prefix of letters, digits, ``-``, ``_``, ``.``, ``/``."""
    return Rule(lambda value: re.fullmatch(r"[A-Za-z0-9._/-]*", str(value)) is not None,
                "config.allowed.url_path")


def non_negative() -> Rule:
    """Return a rule allowing finite numbers of 0 or more."""
    return Rule(lambda value: math.isfinite(value) and value >= 0, "config.allowed.non_negative")


def projected_crs() -> Rule:
    """Return a rule allowing a projected CRS in metres that pyproj knows."""
    return Rule(is_metric_crs, "config.allowed.projected_crs")


def existing_file() -> Rule:
    """Return a rule allowing the path of an existing file (relative to the project root)."""
    return Rule(lambda value: _resolve(str(value)).is_file(), "config.allowed.existing_file",
                (("root", str(PROJECT_ROOT)),))


@lru_cache(maxsize=8)
def is_metric_crs(value: str) -> bool:
    """Return whether ``value`` names a projected CRS in metres that pyproj knows."""
    # Cached: building a CRS costs milliseconds and get() runs on every map and analysis.
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        return False
    # Every distance and area is taken as metres: a projected CRS in feet would be wrong too.
    return crs.is_projected and all(axis.unit_name == "metre" for axis in crs.axis_info)


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, help text (the README repeats it) and allowed values.

    The environment variable that overrides it is ``TONGXIN_`` + the upper-cased name. A
    value is converted to the type of the default, then tested by ``rule`` when there is one.
    """

    name: str
    default: Any
    help: str
    rule: Rule | None = None

    @property
    def env(self) -> str:
        """Return the environment variable that overrides this setting."""
        return "TONGXIN_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data", "data/working/tongxin.gpkg",
            "Where the working dataset lives: a GeoPackage file (one table per layer, "
            "EPSG:4326; relative paths are taken from the project root), or a PostGIS "
            "database as postgresql://USER@HOST:PORT/DB. Created from the shipped demo on "
            "first use."),
    Setting("demo", "data/demo/tongxin-demo.gpkg",
            "Path of the shipped demo GeoPackage; it is only ever read.",
            existing_file()),
    Setting("district_config", "data/district.toml",
            "TOML file with the lists that vary by district: activity categories, religions, "
            "unit categories, station kinds.",
            existing_file()),
    Setting("lang", "zh", "Default language of messages: zh (Chinese) or en (English).",
            one_of("zh", "en")),
    Setting("backups_keep", 5, "How many previous versions of the working dataset to keep.",
            positive()),
    Setting("district_tolerance_m", 500.0,
            "How far (metres) outside the district boundary a feature may lie before it is "
            "refused; allows for boundary generalisation and GPS error.",
            non_negative()),
    Setting("metric_crs", "EPSG:4544",
            "Projected CRS for every distance and area when the district file names none "
            "(its [district] crs, which python -m layers init writes); CGCS2000 / 3-degree "
            "Gauss-Kruger CM 105E.",
            projected_crs()),
    Setting("contact_overdue_days", 180,
            "A stationed unit whose last contact is older than this many days is overdue.",
            positive()),
    Setting("activity_gap_days", 365,
            "A township that has not reached an activity category for this many days is put on "
            "the supervision list.",
            positive()),
    Setting("rubric", "data/rubric.toml",
            "TOML file with the township scorecard's indicators, weights and total.",
            existing_file()),
    Setting("tile_url", "",
            "XYZ tile URL of an intranet basemap server ({z}/{x}/{y}); offered as a basemap "
            "when set."),
    Setting("tile_crs", "wgs84",
            "Coordinate system of the intranet tiles: wgs84 (also CGCS2000) or gcj02, in which "
            "case the data is shifted to match them.",
            one_of("wgs84", "gcj02")),
    Setting("tile_attribution", "",
            "Attribution shown for the intranet basemap (its owner and licence)."),
    Setting("tianditu_key", "",
            "Tianditu (天地图) key; the Tianditu basemap is offered when set."),
    Setting("map_screen_px", 640,
            "Pixels the district's longer side spans when a map is fitted to it (the maps are "
            "560 px tall); outlines are simplified to about one such pixel and coordinates "
            "rounded to match.",
            positive()),
    Setting("map_points_max", 5000,
            "Most points a map draws one by one (clustered above 400); beyond this a layer "
            "shows hexagon totals instead, so a map's size follows the screen, not the data.",
            positive()),
    Setting("chart_rows_max", 60,
            "Most townships a chart draws as rows (the activity matrix, the score bars); with "
            "more, it shows those most in need of attention and says so. Excel has them all.",
            positive()),
    Setting("report_rows_max", 60,
            "Most rows a table of the Word report lists (unit gaps, scorecard, supervision, "
            "the activity matrix); with more, it lists the most urgent and says where the full "
            "list is (the page's Excel download).",
            positive()),
    Setting("password_min_length", 8,
            "Fewest characters a new password may have (等保 2.0 asks for at least 8).",
            positive()),
    Setting("password_min_kinds", 3,
            "Fewest kinds of character a new password must mix, of four: capital letters, "
            "small letters, digits, and others (punctuation, Chinese characters).",
            Rule(lambda value: 1 <= value <= 4, "config.allowed.kinds")),
    Setting("password_max_age_days", 0,
            "Days after which a password must be changed at the next sign-in; 0 for never.",
            Rule(lambda value: value >= 0, "config.allowed.non_negative")),
    Setting("signin_max_failures", 5,
            "Failed sign-ins (per account name, and per client address) within "
            "signin_window_minutes that lock further attempts.",
            positive()),
    Setting("signin_window_minutes", 15,
            "The window, in minutes, in which failed sign-ins are counted.",
            positive()),
    Setting("signin_lockout_minutes", 15,
            "How long, in minutes, a lock after too many failed sign-ins lasts.",
            positive()),
    Setting("briefing_seconds", 30,
            "How long the briefing screen shows each view before rotating (the URL parameter "
            "?interval= overrides it).",
            positive()),
    Setting("accounts", "data/working/accounts.json",
            "File of user accounts (bcrypt password hashes and roles). With no enabled account "
            "the dashboard runs as a read-only demo."),
    Setting("session_idle_minutes", 30,
            "A signed-in session that has been idle this long must sign in again.",
            positive()),
    Setting("upload_max_mb", 50,
            "Largest file (MB) the data page accepts; a zip may hold at most 20 times this "
            "unpacked. Streamlit's own server.maxUploadSize (.streamlit/config.toml) should "
            "be the same.",
            positive()),
    Setting("user", "",
            "Name written to the audit log for command-line imports; defaults to the login name."),
    Setting("serve_address", "127.0.0.1",
            "Address `tongxin serve` listens on: 127.0.0.1 behind a reverse proxy on the same "
            "server, 0.0.0.0 to be reached directly."),
    Setting("serve_port", 8501, "Port `tongxin serve` listens on.", port()),
    Setting("base_url_path", "",
            "Path prefix the dashboard is served under, as the reverse proxy forwards it "
            "(tongxin for https://SERVER/tongxin/); empty at the root.", url_path()),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_MISSING = object()


def _read(setting: Setting, raw: str | None) -> tuple[Any, Problem | None]:
    """Return a setting's value from its raw text (None: unset), or the problem with it."""
    if raw is None or raw == "":
        value, text = setting.default, str(setting.default)
    else:
        text = raw
        try:
            value = type(setting.default)(raw)
        except ValueError:
            value = _MISSING
    rule = setting.rule
    if value is not _MISSING and (rule is None or rule.test(value)):
        return value, None
    if rule is None:  # every number setting has a rule; this is only a safeguard
        rule = Rule(bool, "config.allowed.type", (("type", type(setting.default).__name__),))
    return None, Problem(setting.env, rule.allowed, dict(rule.params), _quoted(text))


def _quoted(text: str) -> str:
    return f'"{text}"'


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

    Raises
    ------
    ConfigError
        When the value is not one the setting allows; the message names the variable, the
        value and what is allowed.
    """
    setting = _BY_NAME[name]
    value, problem = _read(setting, os.environ.get(setting.env))
    if problem is not None:
        raise ConfigError([problem])
    return value


def problems() -> list[Problem]:
    """Return the problem of every setting whose value it does not allow.

    Returns
    -------
    list of Problem
        Empty when every setting is fine.
    """
    return [problem for setting in SETTINGS
            if (problem := _read(setting, os.environ.get(setting.env))[1]) is not None]


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


def _resolve(value: str) -> Path:
    """Return a path text as an absolute path, relative ones taken from the project root."""
    found = Path(value).expanduser()
    return found if found.is_absolute() else PROJECT_ROOT / found


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
    return _resolve(str(get(name)))

