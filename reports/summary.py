"""The report's generated sentences: one short paragraph per section, for an official to edit.

Each function states what the figures show and names the places that need attention first,
at most :data:`NAMES_MAX` of them (then "等 N 个"). Names come from the data and are written
as they are; the Word writer keeps them literal.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core import settings
from core.i18n import t
from reports.figures import Figures

NAMES_MAX = 3
DATE = "%Y-%m-%d"


def names_text(names: Sequence[str], lang: str) -> str:
    """Return up to :data:`NAMES_MAX` names joined, with "等 N 个" when there are more.

    Parameters
    ----------
    names : sequence of str
        Names, most important first.
    lang : str
        Language.

    Returns
    -------
    str
        ``"甲、乙、丙"`` or ``"甲、乙、丙等 5 个"``.
    """
    sep = t("report_text.list_sep", lang)
    shown = sep.join(str(n) for n in names[:NAMES_MAX])
    if len(names) <= NAMES_MAX:
        return shown
    return t("report_text.and_more", lang, names=shown, count=len(names))


def _kpi(figures: Figures, key: str) -> float:
    return next(k for k in figures.kpis if k.key == key).value


def _kpi_text(figures: Figures, key: str) -> str:
    return next(k for k in figures.kpis if k.key == key).text()


def overall(figures: Figures, lang: str) -> str:
    """Return the overview sentence: activity and its change, units, coverage."""
    period = figures.request.period
    now, before = figures.activity.total, figures.activity_before.total
    change = (t("report_text.sum.up", lang, n=f"{now - before:,}") if now > before
              else t("report_text.sum.down", lang, n=f"{before - now:,}") if now < before
              else t("report_text.sum.same", lang))
    towns = figures.request.townships
    scope = (t("report_text.sum.scope_some", lang, count=len(towns)) if towns
             else t("report_text.sum.scope_all", lang))
    return t("report_text.sum.overall", lang, start=period.start.strftime(DATE),
             end=period.end.strftime(DATE), scope=scope, activities=f"{now:,}", change=change,
             units=f"{len(figures.units):,}", engaged=f"{int(_kpi(figures, 'units_engaged')):,}",
             gaps=f"{int(_kpi(figures, 'units_gap')):,}",
             rate=_kpi_text(figures, "community_rate"),
             minority_rate=_kpi_text(figures, "minority_rate"))


def coverage(figures: Figures, lang: str) -> list[str]:
    """Return the coverage sentences: the rate, what is not covered, townships without a station."""
    cov = figures.coverage
    totals = cov.totals
    out = [t("report_text.sum.coverage", lang, communities=f"{totals['communities']:,}",
             covered=f"{totals['communities_covered']:,}",
             rate=_kpi_text(figures, "community_rate"),
             towns_with=f"{totals['townships_with_station']:,}")]
    uncovered = cov.communities[~cov.communities["covered"]].sort_values(
        "minority_population", ascending=False, kind="stable")
    if len(uncovered):
        out.append(t("report_text.sum.uncovered", lang,
                     names=names_text(uncovered["name"].astype(str).tolist(), lang),
                     minority=f"{int(uncovered['minority_population'].sum()):,}"))
    else:
        out.append(t("report_text.sum.all_covered", lang))
    without = cov.townships[~cov.townships["has_station"]]
    if len(without):
        out.append(t("report_text.sum.no_station", lang,
                     names=names_text(without["name"].astype(str).tolist(), lang)))
    return out


def activity(figures: Figures, lang: str) -> list[str]:
    """Return the "ten enters" sentences: totals, the most active township, the empty cells."""
    act = figures.activity
    if act.total == 0:
        return [t("report_text.sum.activity_none", lang)]
    towns = act.townships
    ranked = towns.dropna(subset=["per_10k_residents"]).sort_values(
        "per_10k_residents", ascending=False, kind="stable")
    top = ranked.iloc[0] if len(ranked) else towns.sort_values("activities").iloc[-1]
    reached = int((act.counts.to_numpy().sum(axis=0) > 0).sum())
    out = [t("report_text.sum.activity", lang, activities=f"{act.total:,}",
             people=f"{int(towns['participants'].sum()):,}", reached=reached,
             categories=len(act.categories), top=str(top["name"]),
             rate=f"{top['per_10k_residents']:.1f}" if pd.notna(top["per_10k_residents"])
             else "—")]
    empty = act.counts.eq(0)
    chosen = figures.request.townships
    if chosen:
        empty = empty[empty.index.isin(chosen)]
    per_town = empty.sum(axis=1)
    gaps = per_town[per_town > 0].sort_values(ascending=False, kind="stable")
    if not len(gaps):
        return [*out, t("report_text.sum.no_cells", lang)]
    sep = t("report_text.list_sep", lang)
    examples = sep.join(
        t("report_text.sum.cell_example", lang, town=str(towns.at[code, "name"]),
          categories=names_text([c for c in act.categories if empty.at[code, c]], lang))
        for code in gaps.index[:NAMES_MAX])
    return [*out, t("report_text.sum.cells", lang, towns=len(gaps), examples=examples)]


def units(figures: Figures, lang: str) -> str:
    """Return the stationed-units sentence: never engaged, overdue, the most urgent."""
    status, gaps = figures.units, figures.unit_gaps
    day = figures.request.as_of.strftime(DATE)
    if not len(gaps):
        return t("report_text.sum.units_ok", lang, day=day, total=f"{len(status):,}")
    return t("report_text.sum.units", lang, day=day, total=f"{len(status):,}",
             never=f"{int((status['status'] == 'never').sum()):,}",
             overdue=f"{int((status['status'] == 'overdue').sum()):,}",
             days=settings.get("contact_overdue_days"),
             names=names_text(gaps["name"].astype(str).tolist(), lang))


def scores(figures: Figures, lang: str) -> str:
    """Return the scorecard sentence: mean, best and worst (empty without a scorecard)."""
    table, rubric = figures.scores, figures.rubric
    if table is None or rubric is None or table.empty:
        return ""
    best, worst = table.iloc[0], table.iloc[-1]
    return t("report_text.sum.scores", lang, count=len(table), mean=f"{table['score'].mean():.2f}",
             total=f"{rubric.total:g}", best=str(best["name"]), best_score=f"{best['score']:.2f}",
             worst=str(worst["name"]), worst_score=f"{worst['score']:.2f}")


def supervision(figures: Figures, lang: str) -> str:
    """Return the supervision sentence: how many items of each kind."""
    period = figures.supervision_period
    dates = {"start": period.start.strftime(DATE), "end": period.end.strftime(DATE)}
    items = figures.supervision
    if items.empty:
        return t("report_text.sum.supervision_none", lang, **dates)
    counts = items.groupby("kind", sort=False).size()
    kinds = t("report_text.list_sep", lang).join(
        t("report_text.sum.supervision_kind", lang, kind=t(f"analysis.kind.{k}", lang),
          count=int(n)) for k, n in counts.items())
    return t("report_text.sum.supervision", lang, count=len(items), kinds=kinds, **dates)
