"""The briefing screen's views: each draws one theme for a wall screen, from cached analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.activity import Period
from analysis.scorecard import load_rubric, scorecard
from analysis.township_list import has_polygons
from core.district import district_config
from core.i18n import t
from storage import last_import_time
from ui import chart_component, data
from ui.briefing_style import ACCENT, BACKGROUND, FONT, MUTED, PANEL, TEXT
from ui.escape import html_plain, labels
from ui.map_object import Map

# Heights in CSS pixels of the main visual on a 1080-line screen; "?screen=4k" doubles them.
VISUAL_PX_1080 = 780
EMPTY_CELL = "#7a2e14"
TOP_ROWS = 8  # rows of a list readable at this size
NAME_CHARS = 14  # longer names are cut with an ellipsis to keep one line per row
STATION_COLOUR = ACCENT  # the stations stand out on the dark map when no township is coloured
STATION_PX = 9  # at 1080p; "?screen=4k" doubles it


@dataclass(frozen=True)
class Screen:
    """What a view needs to lay itself out: language, scale and the activity period."""

    lang: str
    scale: float
    period: Period
    as_of: pd.Timestamp

    @property
    def visual_px(self) -> int:
        """Return the main visual's height in pixels."""
        return int(VISUAL_PX_1080 * self.scale)


def _kpis(items: list[tuple[str, str, bool]], columns: int = 2) -> None:
    cells = "".join(f'<div class="tx-kpi{" bad" if bad else ""}"><div class="v">'
                    f'{html_plain(value)}</div><div class="l">{html_plain(label)}</div></div>'
                    for label, value, bad in items)
    st.html(f'<div class="tx-kpis" style="grid-template-columns:repeat({columns}, 1fr)">'
            f"{cells}</div>")


def _rows(title: str, rows: list[tuple[str, str]], empty: str) -> None:
    body = "".join(f'<div class="row"><span>{html_plain(_short(a))}</span><b>{html_plain(b)}'
                   f"</b></div>" for a, b in rows) or f"<div>{html_plain(empty)}</div>"
    st.html(f'<div class="tx-list"><div style="color:{MUTED}">{html_plain(title)}</div>'
            f"{body}</div>")


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def _dark(fig: go.Figure, screen: Screen) -> go.Figure:
    size = int(22 * screen.scale)
    fig.update_layout(paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND, height=screen.visual_px,
                      font={"family": FONT, "size": size, "color": TEXT},
                      xaxis={"tickfont": {"size": size}, "automargin": True},
                      yaxis={"tickfont": {"size": size}, "automargin": True},
                      margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False,
                      template="plotly")  # not the pages' light default (ui.renderers)
    return fig


def _chart(fig: go.Figure, key: str, lang: str) -> None:
    # A still picture: nobody hovers or zooms on a wall screen.
    chart_component.mount(chart_component.payload(
        fig, {"displayModeBar": False, "staticPlot": True}, lang), key)


def coverage_view(screen: Screen) -> None:
    """District KPIs beside the coverage map."""
    lang, cov = screen.lang, data.coverage()
    left, right = st.columns([2, 3])
    with left:
        totals = cov.totals
        _kpis([(t("overview.townships", lang), str(totals["townships"]), False),
               (t("overview.stations", lang),
                f'{totals["townships_with_station"]}/{totals["townships"]}',
                totals["townships_with_station"] < totals["townships"]),
               (t("overview.communities", lang), str(totals["communities"]), False),
               (t("overview.community_rate", lang),
                _share(totals, "community_rate", "communities"), False),
               (t("overview.sites", lang), str(totals["venues"]), False),
               (t("overview.minority_rate", lang),
                _share(totals, "minority_rate", "minority_population"), False)])
        if data.townships_missing():
            # Said once, in the screen's own type: the map beside it has no township to show.
            st.html(f'<div class="tx-list" style="color:{MUTED}">'
                    f'{html_plain(t("page_missing.townships_short", lang))}</div>')
    with right:
        coverage_map(screen).show(key="briefing_map", height=screen.visual_px)


def _share(totals: dict, rate: str, whole: str) -> str:
    # Nothing recorded to cover yet (a district just set up): a dash, not 100 %.
    return f"{totals[rate]:.1%}" if totals[whole] else "—"


def coverage_map(screen: Screen) -> Map:
    """Return the finished coverage map for the wall screen: townships by minority coverage."""
    lang, cov = screen.lang, data.coverage()
    fmap = Map.for_district(data.map_layer("district"), "none", lang)
    # Nobody touches the wall screen: no controls; the legend sized for reading at 5 m.
    fmap.add_css(
        f".leaflet-container{{background:{BACKGROUND};}}"
        ".leaflet-control-zoom,.leaflet-control-layers,.leaflet-control-attribution"
        "{display:none;} .tongxin-legend{font-size:" + str(int(24 * screen.scale)) +
        "px !important;line-height:1.6 !important;max-width:none !important;"
        # The screen's light text would vanish on the legend's white: a panel of the screen's.
        f"background:{PANEL} !important;color:{TEXT} !important;}}"
        ".tongxin-legend span{width:1em !important;height:1em !important;}"
        ".leaflet-control-scale-line{font-size:" + str(int(20 * screen.scale)) + "px;}")
    towns = data.map_layer("townships")
    if has_polygons(towns):
        rates = cov.townships["minority_rate"] * 100
        fmap.add_townships(towns, {"name": t("map.name", lang)}, values=rates,
                           legend_title=t("briefing.legend_rate", lang))
    else:
        # No township to colour yet: the district's own stations show where the work is.
        stations = data.layer("workstations")
        own = stations[stations["kind"] == district_config().township_station_kind]
        fmap.add_points(own, t("overview.stations", lang), {"name": t("map.name", lang)},
                        color=STATION_COLOUR, radius=STATION_PX * screen.scale,
                        legend_title=t("overview.stations", lang) if len(own) else None)
    return fmap.finish(tools=False)


def activity_view(screen: Screen) -> None:
    """"Ten enters" activity: the period's figures and the township x category matrix."""
    lang = screen.lang
    act = data.activity(screen.period)
    before = data.activity(screen.period.previous())
    left, right = st.columns([1, 3])
    with left:
        change = act.total - before.total
        _kpis([(t("overview.activities", lang), f"{act.total:,}", False),
               (t("briefing.change", lang), f"{change:+,}", change < 0),
               (t("briefing.empty_cells", lang), str(len(act.empty_cells)),
                len(act.empty_cells) > 0),
               (t("briefing.participants", lang), f"{int(act.participants.sum().sum()):,}",
                False)], columns=1)
    with right:
        counts = act.counts
        # Names go into plotly's labels, which read tags: shown as written.
        names = labels(act.townships["name"].reindex(counts.index))
        text = counts.map(lambda v: str(v) if v else "—").to_numpy()
        fig = go.Figure(go.Heatmap(z=counts.where(counts > 0).to_numpy(),
                                   x=labels(counts.columns),
                                   y=names, text=text, texttemplate="%{text}",
                                   colorscale="Blues", showscale=False, xgap=2, ygap=2))
        fig.update_yaxes(autorange="reversed")
        # Empty cells have no value and show the plot background: rust, so they stand out.
        _chart(_dark(fig, screen).update_layout(plot_bgcolor=EMPTY_CELL), "briefing_matrix",
               screen.lang)


def units_view(screen: Screen) -> None:
    """Stationed units: how many engaged, and the most serious gaps."""
    lang = screen.lang
    status = data.units(screen.as_of)
    counts = status["status"].value_counts()
    left, right = st.columns([1, 1])
    with left:
        _kpis([(t("briefing.units_total", lang), str(len(status)), False),
               (t("overview.units_engaged", lang), str(int((status["status"] != "never").sum())),
                False),
               (t("analysis.status.never", lang), str(int(counts.get("never", 0))),
                bool(counts.get("never", 0))),
               (t("analysis.status.overdue", lang), str(int(counts.get("overdue", 0))),
                bool(counts.get("overdue", 0)))])
    with right:
        gaps = status[status["status"] != "ok"].sort_values(
            ["severity", "days_since_contact"], ascending=[False, False])
        _rows(t("overview.gap_units", lang),
              [(str(r.name), t(f"analysis.status.{r.status}", lang))
               for r in gaps.head(TOP_ROWS).itertuples()], t("overview.no_gaps", lang))


def scorecard_view(screen: Screen) -> None:
    """Show the township scorecard as bars, best on top."""
    lang = screen.lang
    rubric = load_rubric()
    table = scorecard(data.score_inputs(screen.period, screen.as_of), rubric)
    fig = go.Figure(go.Bar(x=table["score"], y=labels(table["name"]), orientation="h",
                           marker_color=ACCENT, text=table["score"].map(lambda v: f"{v:.2f}"),
                           textposition="outside"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, rubric.total * 1.08], gridcolor=PANEL)
    st.html(f'<div class="tx-list" style="color:{MUTED}">'
            f'{html_plain(t("briefing.score_title", lang, total=rubric.total))}</div>')
    _chart(_dark(fig, screen), "briefing_scores", screen.lang)


@dataclass(frozen=True)
class View:
    """One rotating view: its catalog key and how it draws."""

    key: str
    draw: Callable[[Screen], None]


# The rotation, in order. A view earns its place by answering a question leaders ask.
VIEWS = (View("briefing.view.coverage", coverage_view),
         View("briefing.view.activity", activity_view),
         View("briefing.view.units", units_view),
         View("briefing.view.scorecard", scorecard_view))


def last_updated() -> str:
    """Return when the working dataset last changed (its latest import), as local time."""
    stamp = last_import_time(data.store())
    return stamp[:16].replace("T", " ") if stamp else "-"


def district_name() -> str:
    """Return the session's district's name."""
    return data.district_name()
