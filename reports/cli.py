"""``python -m reports``: make the Word briefing report from the command line.

``python -m reports build --out 汇报.docx --period 2025 --towns 西园街道 --lang zh`` writes the
same document as the dashboard's report page for the same choices.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from analysis.township_list import analysed_townships
from core.cli import EXIT_OK, CommandLine
from core.district import district_config
from core.errors import TongxinError
from core.i18n import t
from reports.build import build, file_bytes, write_atomically
from reports.figures import Request
from reports.request import ReportRequestError, parse_categories, parse_codes, parse_period
from storage import open_store

SUFFIXES = (".docx", ".pdf")


def _arguments(sub, lang: str) -> None:
    command = sub.add_parser("build", help=t("report_cli.build", lang))
    command.add_argument("--out", required=True, help=t("report_cli.help_out", lang))
    command.add_argument("--period", default="12m", help=t("report_cli.help_period", lang))
    command.add_argument("--towns", default="", help=t("report_cli.help_towns", lang))
    command.add_argument("--cats", default="", help=t("report_cli.help_cats", lang))


def _size(count: int) -> str:
    return f"{count / 1024:,.0f} KB" if count < 1024 * 1024 else f"{count / 1048576:,.1f} MB"


def _out_path(text: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() not in SUFFIXES:
        raise ReportRequestError("report.bad_out", path=text)
    if not path.parent.resolve().is_dir():
        raise ReportRequestError("report.out_dir_missing", path=str(path.parent))
    return path


def _build(args: argparse.Namespace, lang: str) -> int:
    started = time.perf_counter()
    out = _out_path(args.out)
    period = parse_period(args.period)
    store = open_store()
    # Before the townships' polygons are imported, the district's shipped list names them.
    towns = analysed_townships(store.read("townships"), store.district_code())
    names = dict(zip(towns["code"].astype(str), towns["name"].astype(str), strict=True))
    request = Request(period, parse_codes(args.towns, names, "report.unknown_towns"),
                      parse_categories(args.cats, district_config().activity_categories))
    built = build(store, request, lang)
    content = file_bytes(built, out.suffix.lower())
    try:
        write_atomically(out, content)
    except OSError as exc:
        raise ReportRequestError("report.write_failed", path=str(out),
                                 reason=exc.strerror or str(exc)) from exc
    print(t("report_cli.done", lang, path=str(out), size=_size(len(content)),
            seconds=f"{time.perf_counter() - started:.1f}", figures=built.figure_count,
            tables=built.table_count))
    return EXIT_OK


COMMAND_LINE = CommandLine("python -m reports", "report_cli.description", _arguments,
                           {"build": _build}, (TongxinError,))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status (0 written, 1 refused, 2 usage).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status.
    """
    return COMMAND_LINE.main(argv)
