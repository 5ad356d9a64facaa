"""The map element: a folium map drawn in the app's own page through ``st.components.v2``.

No iframe and no component bundle: the map's div, styles and script go straight into the
page, and Leaflet with its plugins is loaded once per browser tab, every file at the same time
(``ui/map_component.js`` keeps the registry). The component is registered once, at import.

The payload is what folium renders for the map, split into its parts. folium names every
element with 32 random hex digits; they are renumbered in order of appearance, prefixed by the
widget key, so the same map gives the same payload on every rerun (and the browser keeps the
drawn map) and two maps on one page keep distinct ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import streamlit as st
from branca.element import Figure

from ui.assets import element_script, signed

# The loader both page elements share, then the map's own script (one module per component).
_JS = element_script("element_assets.js", "map_component.js")
# isolate_styles=False: in a shadow root Leaflet's CSS would not apply and folium's
# L.map("map_<id>") would not find its div. Full screen is the map's own wrapper.
_CSS = ".tx-map-root:fullscreen{height:100vh !important;width:100vw !important;background:#fff;}"
_MOUNT = st.components.v2.component("tongxin_map", js=_JS, css=_CSS, isolate_styles=False)

_FOLIUM_ID = re.compile(r"_([0-9a-f]{32})(?![0-9a-f])")
# Rules folium writes for its own full-page document; in the app they would restyle the app.
_PAGE_RULES = re.compile(r"^\s*(html\s*,\s*body|#map)\s*\{", re.S)
# Builds of one plugin that define the same global: the browser runs the one a map needs.
_SLOTS = {"/leaflet-measure/leaflet-measure": "leaflet-measure"}
# ui.map_tools makes the whole document go full screen, right for the downloaded page; in the
# app it is the map's wrapper, which the component hands the script as __txRoot.
_FULLSCREEN = ('"fullscreenElement": document.documentElement', '"fullscreenElement": __txRoot')


@dataclass
class _Head(HTMLParser):
    """folium's rendered <head>: script and stylesheet links, inline styles and scripts."""

    js: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    _inside: str | None = None
    _text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.js.append(str(found["src"]))
        elif tag == "link" and found.get("rel") == "stylesheet" and found.get("href"):
            self.css.append(str(found["href"]))
        elif tag in ("script", "style"):
            self._inside, self._text = tag, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._inside != tag:
            return
        text = "".join(self._text)
        if tag == "style" and not _PAGE_RULES.match(text):
            self.styles.append(text)
        elif tag == "script" and text.strip():
            self.scripts.append(text)
        self._inside = None


def payload(root: Figure, map_name: str, key: str, height: int, report: str,
            prelude: str | None = None) -> dict[str, Any]:
    """Return what the browser needs to draw a rendered folium page as a map element.

    Parameters
    ----------
    root : branca.element.Figure
        The map's page, already rendered (``fmap.get_root().render()``).
    map_name : str
        The folium map's variable name (``fmap.get_name()``).
    key : str
        Widget key: prefixes the renumbered ids.
    height : int
        Pixels.
    report : {"feature", "click"}
        What a click reports: a township's code, or any point's latitude and longitude.
    prelude : str, optional
        Script defining page-wide helpers once (``window.tongxinLayers``). Run in a scope of
        its own: inside the first map's script its functions would keep that map alive.

    Returns
    -------
    dict
        JSON-ready parts and their signature ``sig``.
    """
    head = _Head()
    head.feed(root.header.render())
    script = root.script.render()
    if prelude and prelude in script:
        script = script.replace(prelude, "")
        head.scripts.insert(0, prelude)
    prefix = re.sub(r"\W", "_", key)
    ids: dict[str, str] = {}

    def renumber(text: str) -> str:
        return _FOLIUM_ID.sub(
            lambda m: "_" + ids.setdefault(m.group(1), f"{prefix}_{len(ids)}"), text)

    # The order fixes the numbering: the same map always gets the same names.
    js = list(dict.fromkeys(head.js))
    parts: dict[str, Any] = {
        "mapVar": renumber(map_name),
        "styles": renumber("\n".join(head.styles)),
        "headScripts": renumber("\n".join(head.scripts)),
        "html": renumber(root.html.render()),
        "script": renumber(script).replace(*_FULLSCREEN),
        "js": js, "css": list(dict.fromkeys(head.css)),
        "slots": {url: slot for url in js for part, slot in _SLOTS.items() if part in url},
        "height": int(height), "report": report,
    }
    return signed(parts)


def mount(parts: dict[str, Any], key: str) -> dict[str, Any]:
    """Draw the map element; return the last click it reported (``{}`` before any).

    Parameters
    ----------
    parts : dict
        From :func:`payload`.
    key : str
        Widget key, unique on the page (without one, new data would remount the element).

    Returns
    -------
    dict
        ``code`` (a township's, or None), ``lat``, ``lng`` of the last click.
    """
    result = _MOUNT(key=key, data=parts, height=parts["height"],
                    on_clicked_change=lambda: None, on_last_change=lambda: None)
    return dict(getattr(result, "last", None) or {})
