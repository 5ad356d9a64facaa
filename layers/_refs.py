"""Resolving references between layers: a township, community or unit named by code or name."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from core.district import district_config
from layers._convert import fold_key
from layers._schema import strip_suffix

# Ledgers write a community as 下西园社区, 下西园社区居委会 or 下西园社区居民委员会, and a
# village as 阿干村 or 阿干村委会: each official suffix and its short form.
_COMMUNITY_SUFFIXES = (("社区居民委员会", "社区"), ("社区居委会", "社区"), ("居民委员会", ""),
                       ("居委会", ""), ("村民委员会", "村"), ("村委会", "村"))


@dataclass(frozen=True)
class Lookup:
    """Codes of one referenced layer, reachable by code, full name and bare name."""

    by_key: dict[str, str]
    ambiguous: frozenset[str]
    names: tuple[str, ...]
    # For communities, names repeat across townships; (township code, key) disambiguates.
    by_parent: dict[tuple[str, str], str]

    def resolve(self, value: object, parent: str | None = None) -> str | None:
        """Return the code ``value`` names, or None when it names nothing (or several)."""
        key = fold_key(value)
        if not key:
            return None
        if parent is not None and (parent, key) in self.by_parent:
            return self.by_parent[(parent, key)]
        if key in self.ambiguous:
            return None
        return self.by_key.get(key)

    def suggest(self, value: object) -> list[str]:
        """Return up to three names close to ``value``, for the error message."""
        return difflib.get_close_matches(str(value), self.names, n=3, cutoff=0.5)


def _keys(name: str, suffixes: tuple[str, ...]) -> set[str]:
    full = fold_key(name)
    return {full, fold_key(strip_suffix(str(name), suffixes))} - {""}


def township_lookup(townships: pd.DataFrame) -> Lookup:
    """Return a lookup of townships by code, name and name without 街道/镇/乡.

    Parameters
    ----------
    townships : pandas.DataFrame
        Rows with ``code`` and ``name``.

    Returns
    -------
    Lookup
        The lookup.
    """
    suffixes = district_config().township_kinds
    return _build(townships, lambda name: _keys(name, suffixes), parent_column=None)


def community_lookup(communities: pd.DataFrame) -> Lookup:
    """Return a lookup of communities by code and name, with and without 居委会-style suffixes.

    Parameters
    ----------
    communities : pandas.DataFrame
        Rows with ``code``, ``name`` and ``township_code``.

    Returns
    -------
    Lookup
        The lookup; a name shared by two townships resolves only with the township given.
    """
    def keys(name: str) -> set[str]:
        name = str(name)
        forms = {name} | {name[: -len(suffix)] + short for suffix, short in _COMMUNITY_SUFFIXES
                          if name.endswith(suffix) and len(name) > len(suffix)}
        # "下西园社区居委会" is also written "下西园社区" and "下西园".
        return set().union(*(_keys(form, ("社区", "村")) for form in forms))
    return _build(communities, keys, parent_column="township_code")


def unit_lookup(units: pd.DataFrame) -> Lookup:
    """Return a lookup of stationed units by code and by name.

    Parameters
    ----------
    units : pandas.DataFrame
        Rows with ``code`` and ``name``.

    Returns
    -------
    Lookup
        The lookup; a name two units share resolves only by code.
    """
    # Unit names carry no administrative suffix to drop: the name as written is the key.
    return _build(units, lambda name: {fold_key(name)} - {""}, parent_column=None)


def _build(frame: pd.DataFrame, keys_of, parent_column: str | None) -> Lookup:
    by_key: dict[str, str] = {}
    ambiguous: set[str] = set()
    by_parent: dict[tuple[str, str], str] = {}
    codes = frame["code"].astype(str).tolist()
    parents = frame[parent_column].astype(str).tolist() if parent_column else [None] * len(codes)
    for code, name, parent in zip(codes, frame["name"].astype(str), parents, strict=True):
        by_key[fold_key(code)] = code
        for key in keys_of(name):
            if key in by_key and by_key[key] != code:
                ambiguous.add(key)
            by_key.setdefault(key, code)
            if parent is not None:
                by_parent[(parent, key)] = code
    return Lookup(by_key, frozenset(ambiguous), tuple(frame["name"].astype(str)), by_parent)
