"""The third-party renderers' settings, made once and explicitly by whoever draws maps or charts.

Importing a module of this project changes nothing outside it. What folium (with branca, which
it renders with) and plotly are to do differently from their defaults is set here, by
:func:`configure`, which the entry point (``dashboard.py``) calls on every run and tests and
benchmarks call before they draw.
"""

from __future__ import annotations

import folium
import plotly.io as pio

from ui.templates import patch_branca_text_elements

# Chinese text as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6) in what folium's
# own templates write (layer names). Jinja's tojson still escapes < > & ' so no text can close
# the script.
FOLIUM_JSON = {"sort_keys": True, "ensure_ascii": False}
# The charts' template as the process default, applied when a figure is serialised: set on
# each figure, plotly validates the whole template again, 17 ms a chart on every run of a page.
PLOTLY_TEMPLATE = "plotly_white"


def configure() -> None:
    """Set folium's JSON policy and plotly's default template; idempotent and cheap to repeat.

    - folium: the ``json.dumps_kwargs`` policy of the Jinja environment all folium templates
      share (:data:`FOLIUM_JSON`);
    - branca: the pieces folium renders are kept as text, not compiled as Jinja templates
      (:func:`ui.templates.patch_branca_text_elements`; the same page, 10 to 25 ms sooner);
    - plotly: the default template (:data:`PLOTLY_TEMPLATE`); the briefing screen's charts
      name their own.
    """
    policies = folium.features.GeoJson._template.environment.policies
    if policies.get("json.dumps_kwargs") != FOLIUM_JSON:
        policies["json.dumps_kwargs"] = dict(FOLIUM_JSON)
    patch_branca_text_elements()
    if pio.templates.default != PLOTLY_TEMPLATE:
        pio.templates.default = PLOTLY_TEMPLATE
