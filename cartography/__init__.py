"""Maps independent of the dashboard: their looks, a map described once, and a picture of it.

:mod:`cartography.style` holds the palettes, township fills and classes every map shares;
:class:`cartography.sketch.Sketch` describes a map (its layers as the small values of
:mod:`cartography.ops`, their fills, its legends) without drawing it;
:func:`cartography.picture.render_png` draws a sketch on the server as a print-resolution PNG
with matplotlib (no browser), with its legends (:mod:`cartography.legend_box`), names, scale
bar and north arrow (:mod:`cartography.map_marks`) in a font that shows Chinese
(:mod:`cartography.fonts`). The dashboard's folium map draws the same sketch in a browser.

This package may import only ``core``, ``layers`` and ``analysis``: never ``ui``, ``views``,
``storage``, Streamlit or folium, so that reports and command lines can draw maps too.
"""
