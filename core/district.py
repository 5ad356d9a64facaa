"""The district's own configuration file, the shape it must have, and the configuration error.

``data/district.toml`` (the ``district_config`` setting) holds what varies by district: its
name, code and centre, the lists imports check values against, which station kind is the
township-level one and which kind the siting proposes, and each kind's service radius. It is
checked against a declared shape when loaded: every problem in the file is gathered and
reported at once, naming the file, each bad key and what it allows, in Chinese and English.

The problems are :class:`core.errors.Problem`, raised together as one
:class:`core.errors.ConfigError`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from core import settings
from core.errors import ConfigError, Problem
from core.settings import is_metric_crs

LIST_KEYS = ("activity_categories", "religions", "unit_categories", "station_kinds",
             "township_kinds", "community_kinds", "visit_forms")
# Lists a district file may leave out (files written before the list existed): their defaults.
OPTIONAL_LISTS = {"visit_forms": ("走访", "座谈", "联席会议", "电话", "其他")}
DISTRICT_KEYS = ("name", "adcode", "centre", "township_station_kind", "default_proposal_kind")
# Keys [district] may leave out (files written before them), with what stands in for them.
OPTIONAL_DISTRICT_KEYS = ("crs",)
TABLES = ("district", "lists", "service_radius_m", "value_aliases")
RADIUS_KEYS = ("urban", "rural")
# The same box layers/coords.py uses to tell a plausible position in China.
CHINA_LNG = (73.0, 135.0)
CHINA_LAT = (18.0, 54.0)
_ADCODE = re.compile(r"\d{6}")
# tomllib (3.11) puts the position only in its message text.
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_SHOWN_MAX = 80
# bad(where, message_key, value=None, missing=False, **params): records one problem.
_Report = Callable[..., None]


@dataclass(frozen=True)
class DistrictConfig:
    """What a district defines for itself (loaded from the ``district_config`` file).

    The last three fields default to the shipped file's values so that a configuration built
    in code (tests) need not repeat them; a file must always give them.
    """

    name: str
    adcode: str
    activity_categories: tuple[str, ...]
    religions: tuple[str, ...]
    unit_categories: tuple[str, ...]
    station_kinds: tuple[str, ...]
    township_kinds: tuple[str, ...]
    community_kinds: tuple[str, ...]
    service_radius_m: dict[str, tuple[float, float]]
    township_station_kind: str = "民族工作站"
    default_proposal_kind: str = "社区服务站点"
    centre: tuple[float, float] = (103.8, 36.0)
    visit_forms: tuple[str, ...] = OPTIONAL_LISTS["visit_forms"]
    # The projected CRS every distance and area is measured in (python -m layers init writes
    # the CGCS2000 3-degree Gauss-Kruger zone of the district's centre); "" is the
    # ``metric_crs`` setting's.
    crs: str = ""
    # {list name: {short form a ledger writes: the list's value}}, e.g. 央企 -> 中央企业.
    value_aliases: dict[str, dict[str, str]] = field(default_factory=dict)

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
def load(path: str) -> DistrictConfig:
    """Read and check a district file.

    Parameters
    ----------
    path : str
        The TOML file.

    Returns
    -------
    DistrictConfig
        The district's configuration.

    Raises
    ------
    ConfigError
        When the file cannot be read, is not TOML, or breaks its shape; every problem is
        listed in the one error.
    """
    raw = _parse(path)
    found = shape_problems(raw, path)
    if found:
        raise ConfigError(found)
    district, lists = raw["district"], raw["lists"]
    radii = {kind: (float(r["urban"]), float(r["rural"]))
             for kind, r in raw.get("service_radius_m", {}).items()}
    lng, lat = district["centre"]
    aliases = {name: dict(table) for name, table in raw.get("value_aliases", {}).items()}
    return DistrictConfig(
        name=district["name"], adcode=str(district["adcode"]), service_radius_m=radii,
        township_station_kind=district["township_station_kind"],
        default_proposal_kind=district["default_proposal_kind"],
        centre=(float(lng), float(lat)), value_aliases=aliases,
        crs=str(district.get("crs", "")),
        **{key: tuple(lists.get(key, OPTIONAL_LISTS.get(key, ()))) for key in LIST_KEYS},
    )


def problems(path: str) -> list[Problem]:
    """Return every problem of a district file; empty when it is fine.

    Parameters
    ----------
    path : str
        The TOML file.

    Returns
    -------
    list of Problem
        What is wrong, in the file's order.
    """
    try:
        load(path)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def _parse(path: str) -> dict[str, Any]:
    """Return the file's TOML, or raise one ConfigError saying why it cannot be read."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError([Problem("", "config.district.unreadable", file=path,
                                   params={"detail": exc.strerror or str(exc)})]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Problem("", "config.district.not_utf8", file=path)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column, detail = _position(str(exc), text)
        raise ConfigError([Problem("", "config.district.syntax", file=path, params={
            "line": line, "column": column, "detail": detail})]) from None


def _position(message: str, text: str) -> tuple[int, int, str]:
    """Return the line, column and bare reason of a tomllib error message."""
    found = _AT.search(message)
    if found:
        return int(found.group(1)), int(found.group(2)), message[:found.start()]
    # "(at end of document)": the position is the file's end.
    detail = message.removesuffix(" (at end of document)")
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1, detail


def shape_problems(raw: dict[str, Any], file: str) -> list[Problem]:
    """Return every way parsed district TOML departs from the declared shape.

    Parameters
    ----------
    raw : dict
        The parsed file.
    file : str
        The file's path, for the messages.

    Returns
    -------
    list of Problem
        Unknown tables, then ``[district]``, ``[lists]`` and ``[service_radius_m]`` problems.
    """
    found: list[Problem] = []

    def bad(where: str, key: str, value: object = None, missing: bool = False,
            **params: object) -> None:
        shown = None if value is None else _shown(value)
        found.append(Problem(where, key, params, shown, missing, file))

    for table in raw:
        if table not in TABLES:
            bad(f"[{table}]", "config.district.unknown_table", known=_listed(TABLES))
    # A missing or malformed table is reported once, not once for each of its keys.
    district = _table(raw, "district", bad)
    lists = _table(raw, "lists", bad)
    kinds = None if lists is None else _check_lists(lists, bad)
    if district is not None:
        _check_district(district, kinds, bad)
    # Optional, as before: a kind without a radius covers nothing.
    radii = _table(raw, "service_radius_m", bad, required=False)
    if radii:
        _check_radii(radii, kinds, bad)
    aliases = _table(raw, "value_aliases", bad, required=False)
    if aliases and lists is not None:
        _check_aliases(aliases, lists, bad)
    return found


def _table(raw: dict[str, Any], name: str, bad: _Report,
           required: bool = True) -> dict[str, Any] | None:
    """Return table ``name``, or None after reporting it missing (if required) or no table."""
    value = raw.get(name)
    if value is None:
        if required:
            bad(f"[{name}]", "config.district.table", missing=True, table=name)
        return None
    if not isinstance(value, dict):
        bad(f"[{name}]", "config.district.table", value, table=name)
        return None
    return value


def _check_lists(lists: dict[str, Any], bad: _Report) -> tuple[str, ...] | None:
    """Check ``[lists]``; return the station kinds when they are usable, else None."""
    for key in lists:
        if key not in LIST_KEYS:
            bad(f"[lists] {key}", "config.district.unknown_key", known=_listed(LIST_KEYS))
    kinds = None
    for key in LIST_KEYS:
        where = f"[lists] {key}"
        value = lists.get(key)
        if value is None and key in OPTIONAL_LISTS:
            continue
        if value is None:
            bad(where, "config.district.list", missing=True)
            continue
        if not isinstance(value, list) or not value or not all(_text(v) for v in value):
            bad(where, "config.district.list", value)
            continue
        twice = [item for item, n in Counter(value).items() if n > 1]
        if twice:
            bad(where, "config.district.duplicates", duplicates=_listed(twice))
            continue
        if key == "station_kinds":
            kinds = tuple(value)
    return kinds


def _check_district(district: dict[str, Any], kinds: tuple[str, ...] | None,
                    bad: _Report) -> None:
    """Check ``[district]``: name, adcode, centre and the two named station kinds."""
    allowed = DISTRICT_KEYS + OPTIONAL_DISTRICT_KEYS
    for key in district:
        if key not in allowed:
            bad(f"[district] {key}", "config.district.unknown_key", known=_listed(allowed))
    if "crs" in district and not (isinstance(district["crs"], str)
                                  and is_metric_crs(district["crs"])):
        bad("[district] crs", "config.district.crs", district["crs"])
    checks: dict[str, tuple[Callable[[object], bool], str, dict[str, object]]] = {
        "name": (_text, "config.district.name", {}),
        "adcode": (_adcode, "config.district.adcode", {}),
        "centre": (_centre, "config.district.centre", {
            "lng_min": CHINA_LNG[0], "lng_max": CHINA_LNG[1],
            "lat_min": CHINA_LAT[0], "lat_max": CHINA_LAT[1]}),
    }
    for key in ("township_station_kind", "default_proposal_kind"):
        if kinds is None:
            # station_kinds is itself wrong: only the type can be checked, against no list.
            checks[key] = (_text, "config.district.kind_text", {})
        else:
            checks[key] = (_one_of(kinds), "config.district.kind", {"kinds": _listed(kinds)})
    for key, (test, message, params) in checks.items():
        where = f"[district] {key}"
        if key not in district:
            bad(where, message, missing=True, **params)
        elif not test(district[key]):
            bad(where, message, district[key], **params)


def _check_radii(radii: dict[str, Any], kinds: tuple[str, ...] | None, bad: _Report) -> None:
    """Check ``[service_radius_m]``: known kinds, each with positive urban and rural metres."""
    for kind, value in radii.items():
        where = f'[service_radius_m] "{kind}"'
        if kinds is not None and kind not in kinds:
            bad(where, "config.district.radius_kind", kinds=_listed(kinds))
        elif not _radius(value):
            bad(where, "config.district.radius", value)


def _check_aliases(aliases: dict[str, Any], lists: dict[str, Any], bad: _Report) -> None:
    """Check ``[value_aliases]``: per known list, short forms mapping to one of its values."""
    for name, table in aliases.items():
        where = f"[value_aliases.{name}]"
        if name not in LIST_KEYS:
            bad(where, "config.district.unknown_key", known=_listed(LIST_KEYS))
            continue
        if not isinstance(table, dict):
            bad(where, "config.district.table", table, table=f"value_aliases.{name}")
            continue
        values = lists.get(name, OPTIONAL_LISTS.get(name, ()))
        values = tuple(values) if isinstance(values, list | tuple) else ()
        for short, target in table.items():
            if not _text(short) or target not in values:
                bad(f'{where} "{short}"', "config.district.alias", target,
                    values=_listed(values))


def _one_of(kinds: tuple[str, ...]) -> Callable[[object], bool]:
    return lambda value: value in kinds


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(value: object) -> bool:
    # TOML booleans are ints to Python; true is no radius.
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _adcode(value: object) -> bool:
    return (isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))) \
        and _ADCODE.fullmatch(str(value)) is not None


def _centre(value: object) -> bool:
    if not (isinstance(value, list) and len(value) == 2 and all(_number(v) for v in value)):
        return False
    lng, lat = value
    return CHINA_LNG[0] <= lng <= CHINA_LNG[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def _radius(value: object) -> bool:
    return (isinstance(value, dict) and set(value) == set(RADIUS_KEYS)
            and all(_number(value[k]) and value[k] > 0 for k in RADIUS_KEYS))


def _listed(items: Sequence[object]) -> str:
    return ", ".join(str(i) for i in items)


def _shown(value: object) -> str:
    """Return a value as it would be written in TOML, shortened for a message."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, list):
        text = "[" + ", ".join(_shown(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {_shown(v)}" for k, v in value.items()) + " }"
    else:
        text = str(value)
    return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX - 1] + "…"


def district_config() -> DistrictConfig:
    """Return the configured district's configuration (the ``district_config`` setting).

    Returns
    -------
    DistrictConfig
        Name, code and centre, the lists, the named station kinds and the service radii.

    Raises
    ------
    ConfigError
        When the setting or the file it names is wrong.
    """
    return load(str(settings.path("district_config")))


# A [district] key's line: `key = value`, maybe followed by a comment (kept as it is).
_KEY_LINE = r'^(?P<key>{key})\s*=\s*(?:"[^"\n]*"|\[[^\]\n]*\]|[^#\n]*?)(?P<rest>\s*(?:#.*)?)$'


def rewrite_district(path: str, values: dict[str, Any]) -> str:
    """Return the district file at ``path`` with ``values`` as its ``[district]`` keys.

    Everything else is kept as written, comments included: the lists, the radii, the
    aliases, and each key's own comment. A key the section does not have yet is added at its
    end. Nothing is written here; the caller writes the text (and checks it first).

    Parameters
    ----------
    path : str
        The district file (``data/district.toml``).
    values : dict
        ``{key: value}``: text is written as a TOML string, a pair as ``[lng, lat]``.

    Returns
    -------
    str
        The new text.
    """
    text = _read_text(path)
    start = re.search(r"^\[district\]\s*$", text, flags=re.MULTILINE)
    if start is None:
        raise ConfigError([Problem("[district]", "config.district.section", missing=True,
                                   file=path)])
    after = re.search(r"^\[", text[start.end():], flags=re.MULTILINE)
    end = start.end() + (after.start() if after else len(text) - start.end())
    section = text[start.end():end]
    for key, value in values.items():
        line = f"{key} = {_toml(value)}"
        pattern = re.compile(_KEY_LINE.format(key=re.escape(key)), flags=re.MULTILINE)
        found = pattern.search(section)
        if found:
            section = section[:found.start()] + line + found.group("rest") + section[found.end():]
        else:
            section = section.rstrip("\n") + f"\n{line}\n" + ("\n" if after else "")
    return text[:start.end()] + section + text[end:]


def _toml(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(f"{float(v):g}" for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem("", "config.district.unreadable", file=path,
                                   params={"detail": exc.strerror or str(exc)})]) from exc
