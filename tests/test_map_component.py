"""The map element's payload: the same map gives the same parts, two keys keep distinct ids."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.activity import Period
from ui.filters import Filters
from ui.leaflet_layers import prelude_script
from ui.map_component import payload
from views.overview import build_map

pytestmark = pytest.mark.usefixtures("demo_env", "fresh_caches")


def _parts(key: str) -> dict:
    f = Filters((), Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))
    fmap = build_map("zh", f).folium_map
    root = fmap.get_root()
    root.render()
    return payload(root, fmap.get_name(), key, 500, "feature", prelude_script())


def test_the_same_map_gives_the_same_payload_and_another_key_other_ids():
    first, again, other = _parts("overview_map"), _parts("overview_map"), _parts("second")
    assert first["sig"] == again["sig"] and first == again
    assert first["mapVar"] == "map_overview_map_0" and other["mapVar"] == "map_second_0"
    text = json.dumps(first)
    assert "map_second" not in text


def test_the_payload_is_split_for_the_page_not_an_iframe_document():
    parts = _parts("overview_map")
    assert parts["js"] and all(url.startswith("/app/static/vendor/")
                               for url in parts["js"] + parts["css"])
    assert "html, body" not in parts["styles"]  # folium's full-page rules stay out of the app
    defined = "window.tongxinLayers = window.tongxinLayers ||"
    # Defined apart from the map's script: there its functions would keep the map alive.
    assert defined in parts["headScripts"] and defined not in parts["script"]
    assert 'id="map_overview_map_0"' in parts["html"]
    assert "document.documentElement" not in parts["script"]  # full screen is the map's own
