"""The report page (汇报材料): the Word briefing report for the sidebar's filters, and its PDF.

The document is the one ``python -m reports build`` writes for the same choices
(:mod:`reports.build`); the page shows what it says before it is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.errors import TongxinError
from core.i18n import LANGUAGES, t
from reports import pdf
from reports.build import Built, build
from reports.figures import Request
from reports.model import Figure, Heading, Paragraph, Table
from ui import data, filters, missing
from ui.sidebar import current_lang

DATE = "%Y-%m-%d"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The report made in this session, with what it was made for: a new filter makes it stale.
MADE = "report_made"


@dataclass(frozen=True)
class Made:
    """A report made on this page, what it was made for, and its PDF if one was asked for."""

    request: Request
    lang: str
    versions: tuple[tuple[str, str], ...]
    built: Built
    pdf: bytes | None = None


def _request(f: filters.Filters) -> Request:
    # The sidebar's choices; the day statuses are taken on is the pages' (Filters.as_of).
    return Request(f.period, f.townships, f.categories, today=f.as_of.date())


def file_stem(built: Built) -> str:
    """Return the report's file name without extension: its title and period."""
    period = built.figures.request.period
    return f"{built.document.title}_{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def _scope(f: filters.Filters, lang: str) -> None:
    names = data.township_names()
    towns = "、".join(names.get(c, c) for c in f.townships) or t("report_page.all_towns", lang)
    cats = "、".join(f.categories) or t("report_page.all_cats", lang)
    st.caption(t("report_page.scope", lang, start=f.period.start.strftime(DATE),
                 end=f.period.end.strftime(DATE), towns=towns, cats=cats))


def _make(request: Request, lang: str, versions: tuple[tuple[str, str], ...],
          with_pdf: bool) -> Made | None:
    try:
        with st.spinner(t("report_page.making", lang)):
            built = build(data.store(), request, lang)
            converted = pdf.docx_to_pdf(built.docx) if with_pdf else None
    except TongxinError as exc:
        st.error(exc.message(lang))
        return None
    return Made(request, lang, versions, built, converted)


def _preview(built: Built, lang: str) -> None:
    st.subheader(t("report_page.preview", lang))
    st.markdown(f"**{built.document.title}**")
    if built.document.demo_mark:
        st.warning(built.document.demo_mark)
    for block in built.document.blocks:
        if isinstance(block, Heading):
            st.markdown(f"**{block.text}**")
        elif isinstance(block, Paragraph):
            st.text(block.text)
        elif isinstance(block, Figure):
            st.image(block.png, caption=block.caption, width="stretch")
        elif isinstance(block, Table):
            st.caption(t("report_page.table_rows", lang, caption=block.caption,
                         rows=len(block.rows)))


def render() -> None:
    """Draw the report page: scope, options, the make button, downloads and a preview."""
    lang = current_lang()
    f = filters.current()
    st.header(t("report_page.heading", lang))
    st.caption(t("report_page.caption", lang))
    missing.township_notice(lang)
    _scope(f, lang)
    doc_lang = st.radio(t("report_page.language", lang), LANGUAGES, horizontal=True,
                        index=LANGUAGES.index(lang), key="report_lang",
                        format_func=lambda code: t(f"report_page.lang.{code}", lang))
    can_pdf = pdf.pdf_available()
    with_pdf = st.checkbox(t("report_page.with_pdf", lang), key="report_pdf",
                           disabled=not can_pdf,
                           help=None if can_pdf else t("report_page.no_pdf", lang))
    request = _request(f)
    versions = tuple(sorted(data.store().versions().items()))
    if st.button(t("report_page.make", lang), type="primary", key="report_make"):
        made = _make(request, doc_lang, versions, with_pdf and can_pdf)
        if made is not None:
            st.session_state[MADE] = made
    made = st.session_state.get(MADE)
    if made is None or (made.request, made.lang, made.versions) != (request, doc_lang, versions):
        st.info(t("report_page.not_made", lang))
        return
    built = made.built
    st.success(t("report_page.made", lang, figures=built.figure_count, tables=built.table_count,
                 size=f"{len(built.docx) / 1024:,.0f} KB"))
    stem = file_stem(built)
    left, right = st.columns(2)
    left.download_button(t("report_page.download_docx", lang), built.docx,
                         file_name=f"{stem}.docx", mime=DOCX_MIME, key="report_docx",
                         on_click="ignore", type="primary")
    if made.pdf is not None:
        right.download_button(t("report_page.download_pdf", lang), made.pdf,
                              file_name=f"{stem}.pdf", mime="application/pdf",
                              key="report_pdf_file", on_click="ignore")
    _preview(built, lang)


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
