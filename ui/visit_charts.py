"""A unit's visits (走访记录) as a timeline: one dot per visit, a row and a colour per form."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.i18n import t
from ui import charts, escape
from ui.maps import PALETTE

# A row per form, tall enough for its dots and its label; room for the date axis and legend.
ROW_PX, EXTRA_PX = 46, 150
DOT_PX = 13
DATE = "%Y-%m-%d"


def _text(value: object) -> str:
    # Blank cells read as a dash; text from the data is shown as written, never as markup.
    return "—" if value is None or pd.isna(value) or not str(value).strip() \
        else escape.label(value)


def visit_timeline(visits: pd.DataFrame, forms: tuple[str, ...], lang: str) -> go.Figure:
    """Return one unit's visits by date, a row and a colour per form, details on hover.

    Parameters
    ----------
    visits : pandas.DataFrame
        Rows of the visits layer: ``date``, ``form``, ``topic``, ``outcome``, ``follow_up``,
        ``follow_up_due``.
    forms : tuple of str
        The district's visit forms, in the order their rows and colours take; a form not
        among them (an older list) comes after them.
    lang : str
        Language of the hover labels.

    Returns
    -------
    plotly.graph_objects.Figure
        The styled chart.
    """
    present = [str(f) for f in visits["form"].dropna().unique()]
    order = [f for f in forms if f in present] + sorted(set(present) - set(forms))
    fig = go.Figure()
    hover = (f"%{{x|{DATE}}} · %{{customdata[0]}}<br>"
             f"{t('units.visit_col.topic', lang)}：%{{customdata[1]}}<br>"
             f"{t('units.visit_col.outcome', lang)}：%{{customdata[2]}}<br>"
             f"{t('units.visit_col.follow_up', lang)}：%{{customdata[3]}}<br>"
             f"{t('units.visit_col.follow_up_due', lang)}：%{{customdata[4]}}<extra></extra>")
    for i, form in enumerate(order):
        rows = visits[visits["form"].astype(str) == form]
        due = pd.to_datetime(rows["follow_up_due"])
        custom = [[_text(form), _text(topic), _text(outcome), _text(follow), _text(
            None if pd.isna(day) else day.strftime(DATE))]
            for topic, outcome, follow, day in zip(rows["topic"], rows["outcome"],
                                                   rows["follow_up"], due, strict=True)]
        name = escape.label(form)
        colour = PALETTE[(forms.index(form) if form in forms else i) % len(PALETTE)]
        fig.add_scatter(x=pd.to_datetime(rows["date"]), y=[name] * len(rows), mode="markers",
                        name=name, customdata=custom, hovertemplate=hover,
                        marker={"size": DOT_PX, "color": colour,
                                "line": {"width": 1, "color": "white"}})
    fig.update_xaxes(title=t("units.visit_col.date", lang), type="date")
    fig.update_yaxes(categoryorder="array", categoryarray=[escape.label(f) for f in order],
                     autorange="reversed")
    fig = charts.styled(fig, height=ROW_PX * max(len(order), 1) + EXTRA_PX)
    fig.update_layout(margin_t=10, showlegend=len(order) > 1)
    return fig
