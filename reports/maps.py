"""The report's two map pictures, drawn on the server from the pages' own compositions.

The coverage picture is the stations page's map (:func:`cartography.compose.coverage_map`)
and the activity picture the "ten enters" page's (:func:`cartography.compose.activity_map`),
drawn on a :class:`cartography.sketch.Sketch` instead of the browser's map and printed by
:func:`cartography.picture.render_png` at 200 dpi across the A4 text width.
"""

from __future__ import annotations

from cartography.compose import activity_map, activity_points, coverage_map
from cartography.picture import render_png
from cartography.sketch import Sketch
from core.clock import MINUTES, local_time
from core.i18n import t
from reports.figures import Figures

# Print resolution: 156 mm (the A4 text width under GB/T 9704's margins) at 200 dpi.
WIDTH_MM, DPI = 156.0, 200


def map_note(figures: Figures, lang: str) -> str:
    """Return the line printed under a map picture: the data time, and the demo marking."""
    when = local_time(figures.data_time, MINUTES) or "—"
    key = "report_text.map_note_demo" if figures.is_demo else "report_text.map_note"
    return t(key, lang, time=when)


def coverage_sketch(figures: Figures, lang: str) -> Sketch:
    """Return the stations page's coverage map, for ``figures``, as a sketch."""
    frames = figures.frames
    sketch = Sketch.for_district(frames["district"], lang)
    return coverage_map(sketch, lang, figures.coverage, frames["townships"],
                        frames["workstations"], frames["communities"],
                        figures.request.townships, demo=figures.is_demo)


def activity_sketch(figures: Figures, lang: str) -> Sketch:
    """Return the "ten enters" page's map, for ``figures``, as a sketch."""
    frames, request = figures.frames, figures.request
    points = activity_points(frames["activities"], figures.activity, request.period,
                             request.townships)
    sketch = Sketch.for_district(frames["district"], lang)
    return activity_map(sketch, lang, figures.activity, points, frames["townships"],
                        request.townships)


def coverage_picture(figures: Figures, lang: str) -> bytes:
    """Return the coverage map as a print-resolution PNG."""
    return render_png(coverage_sketch(figures, lang), note=map_note(figures, lang),
                      width_mm=WIDTH_MM, dpi=DPI, lang=lang)


def activity_picture(figures: Figures, lang: str) -> bytes:
    """Return the "ten enters" map as a print-resolution PNG."""
    return render_png(activity_sketch(figures, lang), note=map_note(figures, lang),
                      width_mm=WIDTH_MM, dpi=DPI, lang=lang)
