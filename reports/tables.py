"""The report's tables: figures turned into rows of text, with the pages' own column headers.

Headers come from the same catalog keys as the pages' tables and Excel files (``units.col.*``,
``scorecard.col_*``), so a table in the report reads like the list it was taken from.
"""

from __future__ import annotations

import pandas as pd

from analysis.activity import ActivitySummary
from analysis.kpis import Kpi
from analysis.scorecard import Rubric
from core import settings
from core.i18n import t
from reports.model import Table

DATE = "%Y-%m-%d"
# Supervision kinds whose empty "since" means the work was never done (not merely n/a).
NEVER_KINDS = ("unit_never", "category_gap")
# The gap list's columns in the report -> catalog key of their header (units.col.*): the
# page's list without the contact details, which do not belong in a briefing.
UNIT_COLUMNS = {"name": "name", "category": "category", "township_name": "township",
                "status_label": "status", "last_contact": "last_contact", "days": "days"}
SUPERVISION_COLUMNS = {"township_name": "scorecard.name", "kind_label": "scorecard.col_kind",
                       "item": "scorecard.col_item", "since_text": "scorecard.col_since",
                       "overdue_text": "scorecard.col_overdue"}


def rows_max() -> int:
    """Return the most rows a report table lists (the ``report_rows_max`` setting)."""
    return int(settings.get("report_rows_max"))


def supervision_frame(items: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return supervision ``items`` plus words: ``kind_label``, ``since_text``, ``overdue_text``.

    Parameters
    ----------
    items : pandas.DataFrame
        Rows of :func:`analysis.scorecard.supervision_list`.
    lang : str
        Language of the words.

    Returns
    -------
    pandas.DataFrame
        A copy with the three columns and ``ref_text`` (the item's reference, blank where it
        repeats the item).
    """
    out = items.copy()
    out["kind_label"] = [t(f"analysis.kind.{k}", lang) for k in out["kind"]]
    out["since_text"] = [d.strftime(DATE) if pd.notna(d) else "" for d in out["since"]]
    out["overdue_text"] = [
        t("analysis.overdue_days", lang, days=int(d)) if pd.notna(d)
        else t("analysis.never_done", lang) if k in NEVER_KINDS else ""
        for d, k in zip(out["overdue_days"], out["kind"], strict=True)]
    # A category gap's ref repeats its item (the category): show it once.
    out["ref_text"] = out["ref"].where(out["ref"] != out["item"], "")
    return out


def _delta(kpi: Kpi) -> str:
    if kpi.delta is None:
        return "—"
    return f"{kpi.delta:+,.0f}" if kpi.delta else "0"


def kpi_table(kpis: list[Kpi], lang: str) -> Table:
    """Return the headline figures with their previous value and change."""
    rows = [[t(f"overview.{k.key}", lang), k.text(),
             "—" if k.previous is None else f"{int(k.previous):,}", _delta(k)] for k in kpis]
    return Table(t("report_text.table.kpis", lang),
                 [t("report_text.col.indicator", lang), t("report_text.col.now", lang),
                  t("report_text.col.before", lang), t("report_text.col.change", lang)],
                 rows, numeric=(False, True, True, True),
                 note=t("report_text.kpi_note", lang))


def _limited(frame: pd.DataFrame, lang: str, what: str) -> tuple[pd.DataFrame, str]:
    """Return the first ``report_rows_max`` rows of ``frame`` and a note on what was left out."""
    limit = rows_max()
    if len(frame) <= limit:
        return frame, ""
    return frame.head(limit), t("report_text.rows_left_out", lang, shown=limit,
                                total=len(frame), where=what)


def matrix_table(activity: ActivitySummary, lang: str) -> Table:
    """Return the township x category matrix of activity counts; empty cells read "—".

    Beyond ``report_rows_max`` townships it keeps those with the most empty cells (as the
    page's chart does), in their order.
    """
    counts = activity.counts
    empty = counts.eq(0).sum(axis=1)
    limit = rows_max()
    keep = counts.index
    note = ""
    if len(counts) > limit:
        ranked = empty.sort_values(ascending=False, kind="stable").index[:limit]
        keep = counts.index[counts.index.isin(ranked)]
        note = t("report_text.matrix_left_out", lang, shown=limit, total=len(counts))
    names = activity.townships["name"]
    rows = [[str(names.get(code, code)),
             *[f"{int(n):,}" if n else "—" for n in counts.loc[code]],
             f"{int(counts.loc[code].sum()):,}"] for code in keep]
    columns = [t("scorecard.name", lang), *activity.categories, t("report_text.col.total", lang)]
    return Table(t("report_text.table.matrix", lang), columns, rows,
                 numeric=(False, *[True] * (len(columns) - 1)), note=note)


def unit_gap_table(gaps: pd.DataFrame, names: dict[str, str], lang: str) -> Table:
    """Return the stationed units not ok, most urgent first (the units page's gap list)."""
    shown, note = _limited(gaps, lang, t("report_text.where.units", lang))
    rows = [[str(r["name"]), str(r["category"]), names.get(str(r["township_code"]), ""),
             t(f"analysis.status.{r['status']}", lang),
             "—" if pd.isna(r["last_contact"]) else r["last_contact"].strftime(DATE),
             "—" if pd.isna(r["days_since_contact"]) else f"{int(r['days_since_contact']):,}"]
            for _, r in shown.iterrows()]
    return Table(t("report_text.table.units", lang),
                 [t(f"units.col.{key}", lang) for key in UNIT_COLUMNS.values()], rows,
                 numeric=(False, False, False, False, False, True), note=note)


def score_table(scores: pd.DataFrame, rubric: Rubric, lang: str) -> Table:
    """Return the township scorecard: rank, township, each indicator's points, the score."""
    shown, note = _limited(scores, lang, t("report_text.where.scorecard", lang))
    columns = [t("analysis.rank", lang), t("scorecard.name", lang),
               *[t("scorecard.indicator_column", lang, label=i.label_in(lang),
                   weight=f"{i.weight:g}") for i in rubric.indicators],
               t("scorecard.score_column", lang, total=f"{rubric.total:g}")]
    rows = [[str(int(r["rank"])), str(r["name"]),
             *[f"{r[i.name]:.2f}" for i in rubric.indicators], f"{r['score']:.2f}"]
            for _, r in shown.iterrows()]
    return Table(t("report_text.table.scores", lang), columns, rows,
                 numeric=(True, False, *[True] * (len(rubric.indicators) + 1)), note=note)


def supervision_table(items: pd.DataFrame, lang: str) -> Table:
    """Return the supervision list, most severe first (the scorecard page's list)."""
    shown, note = _limited(supervision_frame(items, lang), lang,
                           t("report_text.where.scorecard", lang))
    rows = [[str(r[c]) if pd.notna(r[c]) else "" for c in SUPERVISION_COLUMNS]
            for _, r in shown.iterrows()]
    return Table(t("report_text.table.supervision", lang),
                 [t(key, lang) for key in SUPERVISION_COLUMNS.values()], rows, note=note)
