"""The report's content: the figures, maps and generated sentences put in order as a Document.

Sections follow what an office reports upward: the overview and its headline figures, station
coverage (with its map), "ten enters" activity (map and matrix), stationed units (gap list),
the township scorecard and the supervision list. Every number comes from
:mod:`reports.figures`; the maps are drawn on the server by :mod:`reports.maps`.
"""

from __future__ import annotations

from core.clock import MINUTES, local_time
from core.district import district_config
from core.i18n import t
from core.settings import path as setting_path
from reports import maps, summary, tables
from reports.figures import Figures
from reports.model import Block, Document, Figure, Heading, Paragraph

DATE = "%Y-%m-%d"


def _subtitle(figures: Figures, lang: str) -> list[str]:
    period = figures.request.period
    lines = [t("report_text.period", lang, start=period.start.strftime(DATE),
               end=period.end.strftime(DATE))]
    if figures.request.townships:
        names = [figures.township_names.get(c, c) for c in figures.request.townships]
        lines.append(t("report_text.scope", lang, towns=t("report_text.list_sep", lang)
                       .join(names)))
    when = local_time(figures.data_time, MINUTES)
    lines.append(t("report_text.data_time", lang, time=when) if when
                 else t("report_text.data_time_unknown", lang))
    return lines


def _overall(figures: Figures, lang: str) -> list[Block]:
    return [Heading(t("report_text.section.overall", lang)),
            Paragraph(summary.overall(figures, lang)),
            tables.kpi_table(figures.kpis, lang)]


def _coverage(figures: Figures, lang: str, district: str) -> list[Block]:
    blocks: list[Block] = [Heading(t("report_text.section.coverage", lang)),
                           *[Paragraph(s) for s in summary.coverage(figures, lang)],
                           Figure(maps.coverage_picture(figures, lang),
                                  t("report_text.figure.coverage", lang, district=district))]
    if not figures.township_polygons:
        # Said once, under the first map: neither map can show the townships.
        blocks.append(Paragraph(t("page_missing.report_note", lang), note=True))
    return blocks


def _activity(figures: Figures, lang: str, district: str) -> list[Block]:
    period = figures.request.period
    return [Heading(t("report_text.section.activity", lang)),
            *[Paragraph(s) for s in summary.activity(figures, lang)],
            Figure(maps.activity_picture(figures, lang),
                   t("report_text.figure.activity", lang, district=district,
                     start=period.start.strftime(DATE), end=period.end.strftime(DATE))),
            tables.matrix_table(figures.activity, lang)]


def _units(figures: Figures, lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(t("report_text.section.units", lang)),
                           Paragraph(summary.units(figures, lang))]
    if len(figures.unit_gaps):
        blocks.append(tables.unit_gap_table(figures.unit_gaps, figures.township_names, lang))
    return blocks


def _scores(figures: Figures, lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(t("report_text.section.scores", lang))]
    if figures.scores is None or figures.rubric is None:
        blocks.append(Paragraph(t("report_text.rubric_broken", lang,
                                  path=setting_path("rubric"), problems=figures.rubric_error)))
        return blocks
    sentence = summary.scores(figures, lang)
    if sentence:
        blocks.append(Paragraph(sentence))
    if len(figures.scores):
        blocks.append(tables.score_table(figures.scores, figures.rubric, lang))
    return blocks


def _supervision(figures: Figures, lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(t("report_text.section.supervision", lang)),
                           Paragraph(summary.supervision(figures, lang))]
    if len(figures.supervision):
        blocks.append(tables.supervision_table(figures.supervision, lang))
    return blocks


def build_document(figures: Figures, lang: str) -> Document:
    """Return the whole report for ``figures`` in ``lang``.

    Parameters
    ----------
    figures : Figures
        What :func:`reports.figures.compute` found.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    Document
        Title, subtitle lines, the demo marking when the data is the demo, the six sections.
    """
    district = _district_name(figures)
    blocks: list[Block] = [
        *_overall(figures, lang), *_coverage(figures, lang, district),
        *_activity(figures, lang, district), *_units(figures, lang), *_scores(figures, lang),
        *_supervision(figures, lang),
        Paragraph(t("report_text.edit_hint", lang), note=True)]
    return Document(
        title=t("report_text.title", lang, district=district), lang=lang,
        subtitle=_subtitle(figures, lang),
        demo_mark=t("report_text.demo_mark", lang) if figures.is_demo else "",
        blocks=blocks, subject=t("report_text.subject", lang),
        author=t("report_text.author", lang, district=district),
        keywords=t("report_text.keywords", lang))


def _district_name(figures: Figures) -> str:
    """Return the name the data gives its district (one of a city's), else the configured."""
    outline = figures.frames["district"]
    names = [str(v) for v in outline.get("name", []) if isinstance(v, str) and v.strip()]
    return names[0] if names else district_config().name
