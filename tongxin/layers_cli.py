"""``python -m layers`` (``tongxin layers``), the data command line.

Check, import, template, export, status, backups, restore.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auth.guard import authorise
from core.actor import current_user
from core.cli import EXIT_INVALID, EXIT_OK, CommandLine, say_error
from core.errors import Issue, TongxinError
from core.i18n import t
from layers import LAYERS
from layers.export import export_layer
from layers.template import write_template
from layers.validate import Report
from ledger.importer import check, import_file
from storage import Store, open_store, recovery_note


def _arguments(sub: Any, lang: str) -> None:
    layer_help = t("cli.help_layer", lang, layers=", ".join(LAYERS))
    for name in ("check", "import"):
        cmd = sub.add_parser(name, help=t(f"cli.help_{name}", lang))
        cmd.add_argument("layer", choices=list(LAYERS), metavar="LAYER", help=layer_help)
        cmd.add_argument("file", type=Path, metavar="FILE", help=t("cli.help_file", lang))
        cmd.add_argument("--crs", help=t("cli.help_crs", lang))
        cmd.add_argument("--sheet", dest="part", help=t("cli.help_sheet", lang))
        cmd.add_argument("--json", action="store_true", help=t("cli.help_json", lang))
    template = sub.add_parser("template", help=t("cli.help_template", lang))
    template.add_argument("layer", choices=list(LAYERS), metavar="LAYER", help=layer_help)
    template.add_argument("out", type=Path, metavar="OUT.xlsx")
    export = sub.add_parser("export", help=t("cli.help_export", lang))
    export.add_argument("layer", choices=list(LAYERS), metavar="LAYER", help=layer_help)
    export.add_argument("out", type=Path, metavar="OUT")
    for name in ("status", "backups"):
        cmd = sub.add_parser(name, help=t(f"cli.help_{name}", lang))
        cmd.add_argument("--json", action="store_true", help=t("cli.help_json", lang))
    restore = sub.add_parser("restore", help=t("cli.help_restore", lang))
    restore.add_argument("backup", metavar="BACKUP_ID")


def _store(lang: str) -> Store:
    store = open_store()
    note = recovery_note(store, lang)
    if note:
        print(note, file=sys.stderr)
    return store


def _say_error(args: argparse.Namespace | None, text: str, lang: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "rows": 0, "errors": [
            {"row": None, "column": None, "message": text}], "warnings": []}, ensure_ascii=False))
    else:
        say_error(args, text, lang)


def _check(args: argparse.Namespace, lang: str) -> int:
    report = check(args.layer, args.file, crs=args.crs, part=args.part, store=_store(lang))
    _print_report(report, args, lang, imported=None)
    return EXIT_OK if report.ok else EXIT_INVALID


def _import(args: argparse.Namespace, lang: str) -> int:
    user = authorise("import", lang)
    report, backup = import_file(args.layer, args.file, crs=args.crs, part=args.part,
                                 store=_store(lang), user=user)
    _print_report(report, args, lang, imported=backup)
    return EXIT_OK if report.ok else EXIT_INVALID


def _print_report(report: Report, args: argparse.Namespace, lang: str, imported) -> None:
    if args.json:
        out = report.to_json(lang)
        if imported is not None:
            out["backup"] = imported.id
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(t("cli.report_head", lang, layer=LAYERS[report.layer].label, file=report.file_name,
            kind=report.kind or "-", rows=report.rows))
    if report.crs_label:
        print(t("cli.report_crs", lang, crs=report.crs_label))
    for title_key, issues in (("cli.errors", report.errors), ("cli.warnings", report.warnings)):
        if issues:
            print(t(title_key, lang, count=len(issues)))
            for issue in issues:
                print("  " + _where(issue, report.row_label, lang) + issue.message(lang))
    if not report.ok:
        print(t("cli.result_invalid" if args.command == "check" else "cli.result_not_imported",
                lang))
    elif imported is not None:
        print(t("cli.result_imported", lang, rows=report.rows, backup=imported.id))
    else:
        print(t("cli.result_valid", lang, rows=report.rows))


def _where(issue: Issue, row_label: str, lang: str) -> str:
    parts = []
    if issue.row is not None:
        parts.append(t(f"cli.at_{row_label}", lang, row=issue.row))
    if issue.column:
        parts.append(t("cli.at_column", lang, column=issue.column))
    return (" · ".join(parts) + t("cli.colon", lang)) if parts else ""


def _template(args: argparse.Namespace, lang: str) -> int:
    _require_suffix(args.out, ".xlsx")
    out = write_template(args.layer, args.out)
    print(t("cli.template_written", lang, out=out, layer=LAYERS[args.layer].label))
    return EXIT_OK


def _export(args: argparse.Namespace, lang: str) -> int:
    frame = _store(lang).read(args.layer)
    out = export_layer(args.layer, frame, args.out)
    print(t("cli.export_written", lang, out=out, rows=len(frame), layer=LAYERS[args.layer].label))
    return EXIT_OK


def _require_suffix(path: Path, suffix: str) -> None:
    if path.suffix.lower() != suffix:
        raise TongxinError("cli.export_format", suffix=path.suffix or "-", known=suffix)


def _status(args: argparse.Namespace, lang: str) -> int:
    store = _store(lang)
    imports = {row["layer"]: row for row in store.imports()}
    rows = []
    for name, schema in LAYERS.items():
        last = imports.get(name, {})
        rows.append({"layer": name, "label": schema.label, "rows": len(store.read(name)),
                     "imported_at": last.get("imported_at"), "file": last.get("file_name"),
                     "user": last.get("user")})
    if args.json:
        print(json.dumps({"data": store.location(), "demo": store.is_demo(), "layers": rows},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("cli.status_head", lang, path=store.location()))
    if store.is_demo():
        print(t("cli.status_demo", lang))
    for row in rows:
        print(t("cli.status_row", lang, **{k: ("-" if v is None else v) for k, v in row.items()}))
    return EXIT_OK


def _backups(args: argparse.Namespace, lang: str) -> int:
    backups = _store(lang).backups()
    if args.json:
        print(json.dumps([b.__dict__ for b in backups], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not backups:
        print(t("cli.no_backups", lang))
    for backup in backups:
        print(t("cli.backup_row", lang, id=backup.id, created=backup.created,
                size_kb=round(backup.size / 1024), reason=backup.reason))
    return EXIT_OK


def _restore(args: argparse.Namespace, lang: str) -> int:
    user = authorise("restore", lang) or current_user()
    saved = _store(lang).restore(args.backup, user=user)
    print(t("cli.restored", lang, backup=args.backup, saved=saved.id))
    return EXIT_OK


COMMAND_LINE = CommandLine(
    "python -m layers", "cli.description", _arguments,
    {"check": _check, "import": _import, "template": _template, "export": _export,
     "status": _status, "backups": _backups, "restore": _restore},
    (TongxinError,), _say_error)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status (0 valid, 1 invalid input, 2 usage).

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
