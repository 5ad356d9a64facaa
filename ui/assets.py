"""Front-end files served locally: the CDN addresses folium would use, mapped to vendored copies."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import streamlit as st
from branca.element import Element

from core.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "static" / "vendor"
# name in folium's default_js/default_css -> file under static/vendor.
LOCAL_FILES = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet.heat/leaflet_heat.min.js",
    # The map tools (ui.map_tools); folium's own plugins use the same names.
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet_measure_js": "leaflet-measure/leaflet-measure.js",
    "leaflet_measure_cn_js": "leaflet-measure/leaflet-measure.cn.js",
    "leaflet_measure_css": "leaflet-measure/leaflet-measure.css",
    "Leaflet.Search.js": "leaflet-search/dist/leaflet-search.min.js",
    "Leaflet.Search.css": "leaflet-search/dist/leaflet-search.min.css",
}
# Images a vendored stylesheet may point at, by suffix: inlined into a downloaded map.
IMAGE_TYPES = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
# What folium adds by default but these maps never use (Bootstrap, jQuery, icon fonts).
UNUSED = {"jquery", "bootstrap", "bootstrap_css", "bootstrap_theme_css", "glyphicons_css",
          "awesome_markers", "awesome_markers_css", "awesome_markers_font_css",
          "awesome_rotate_css", "fontawesome",
          "fontawesome_css"}


_FULL_LINE_COMMENT = re.compile(r"^\s*//.*\n", re.M)


def element_script(*names: str) -> str:
    """Return the page elements' scripts ``names`` (files in ``ui/``) as one module's text.

    Streamlit sends a ``st.components.v2`` element's script with the element on every run, so
    whole-line comments (the why, for readers of the files) are left out of what is sent.

    Parameters
    ----------
    *names : str
        File names, in order (the shared loader first, then the element's own script).

    Returns
    -------
    str
        The scripts joined, without whole-line ``//`` comments.
    """
    here = Path(__file__).parent
    text = "\n".join((here / name).read_text(encoding="utf-8") for name in names)
    return _FULL_LINE_COMMENT.sub("", text)


def signed(parts: dict[str, Any]) -> dict[str, Any]:
    """Return an element's JSON-ready ``parts`` with ``sig``, the signature of all of them.

    The element's script compares it with the drawn one's: the same signature on a rerun
    keeps what is drawn.
    """
    parts["sig"] = hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return parts


def static_base() -> str:
    """Return the URL path static files are served under, honouring ``server.baseUrlPath``."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/vendor" if base else "/app/static/vendor"


def _localised(links: list[tuple[str, str]], base: str) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if name in UNUSED:
            continue
        out.append((name, f"{base}/{LOCAL_FILES[name]}" if name in LOCAL_FILES else url))
    return out


def localise(fmap: folium.Map) -> folium.Map:
    """Point every script and stylesheet of a map and its children at the vendored files.

    Parameters
    ----------
    fmap : folium.Map
        A finished map.

    Returns
    -------
    folium.Map
        The same map; instance attributes now shadow folium's CDN defaults.
    """
    base = static_base()
    for element in _walk(fmap):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links:
                setattr(element, attr, _localised(list(links), base))
    return fmap


def _walk(element: Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


@lru_cache(maxsize=32)
def _file_text(relative: str) -> str:
    return (VENDOR_DIR / relative).read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def _css_with_inline_images(relative: str) -> str:
    # Each image the stylesheet names beside or below it ("images/x.png", "../images/x.gif",
    # "icon.svg") becomes a data: URL; anything else (already data:, outside static/vendor,
    # absent) stays as written, and a missing icon then shows as an empty button.
    css = _file_text(relative)
    folder = (VENDOR_DIR / relative).parent

    def inline(match: re.Match) -> str:
        image = (folder / match.group(2)).resolve()
        kind = IMAGE_TYPES.get(image.suffix.lower())
        if kind is None or not image.is_relative_to(VENDOR_DIR.resolve()) or \
                not image.is_file():
            return match.group(0)
        data = base64.b64encode(image.read_bytes()).decode()
        return f"url(data:{kind};base64,{data})"

    return _CSS_URL.sub(inline, css)


def standalone_html(fmap: folium.Map) -> str:
    """Return the map as one HTML file with every vendored script and style inlined.

    A downloaded map is opened from a disk or an e-mail, where no server serves /app/static.

    Parameters
    ----------
    fmap : folium.Map
        A map built for the dashboard (localised).

    Returns
    -------
    str
        Self-contained HTML.
    """
    return inline_vendored(fmap.get_root().render())


def inline_vendored(html: str) -> str:
    """Return a rendered map page with every vendored script and style inlined.

    Parameters
    ----------
    html : str
        A map page as rendered for the dashboard (loading ``/app/static/vendor``).

    Returns
    -------
    str
        Self-contained HTML.
    """
    base = re.escape(static_base())
    html = re.sub(rf'<script src="{base}/([^"]+)"></script>',
                  lambda m: f"<script>{_file_text(m.group(1))}</script>", html)
    return re.sub(rf'<link rel="stylesheet" href="{base}/([^"]+)"/>',
                  lambda m: f"<style>{_css_with_inline_images(m.group(1))}</style>", html)


def vendored_files() -> list[Path]:
    """Return the vendored files the maps may load (for tests and the licence listing)."""
    return [VENDOR_DIR / relative for relative in LOCAL_FILES.values()]
