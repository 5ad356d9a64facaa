"""``python -m layers`` (``tongxin layers``), the data command line.

Check, import (replace, append, update; dry run), template, export, status, backups, restore,
a record's history, moving the whole dataset to another store (migrate), and setting up any
district of China from its code (init).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auth.guard import authorise, authorised_account
from core.actor import current_user
from core.cli import EXIT_INVALID, EXIT_OK, CommandLine, say_error
from core.errors import Issue, TongxinError
from core.i18n import t
from core.projection import central_meridian
from layers import LAYERS
from layers.export import export_layer
from layers.template import write_template
from layers.validate import Report
from ledger import MODES, Outcome, apply_import, check, preview
from ledger.setup import set_up_district
from ledger.summary import change_lines, field_label, shown
from storage import Store, open_store, recovery_note
from storage.migrate import Migration, migrate


def _arguments(sub: Any, lang: str) -> None:
    layer_help = t("cli.help_layer", lang, layers=", ".join(LAYERS))
    for name in ("check", "import"):
        cmd = sub.add_parser(name, help=t(f"cli.help_{name}", lang))
        cmd.add_argument("layer", choices=list(LAYERS), metavar="LAYER", help=layer_help)
        cmd.add_argument("file", type=Path, metavar="FILE", help=t("cli.help_file", lang))
        cmd.add_argument("--crs", help=t("cli.help_crs", lang))
        cmd.add_argument("--sheet", dest="part", help=t("cli.help_sheet", lang))
        cmd.add_argument("--json", action="store_true", help=t("cli.help_json", lang))
        if name == "import":
            cmd.add_argument("--mode", choices=MODES, default="replace",
                             help=t("cli.help_mode", lang))
            cmd.add_argument("--on-duplicate", choices=("skip", "update"), default=None,
                             help=t("cli.help_on_duplicate", lang))
            cmd.add_argument("--dry-run", action="store_true", help=t("cli.help_dry_run", lang))
            cmd.add_argument("--yes", action="store_true", help=t("cli.help_yes", lang))
    history = sub.add_parser("history", help=t("cli.help_history", lang))
    history.add_argument("layer", choices=list(LAYERS), metavar="LAYER", help=layer_help)
    history.add_argument("record", metavar="ID", help=t("cli.help_record", lang))
    history.add_argument("--json", action="store_true", help=t("cli.help_json", lang))
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
    init = sub.add_parser("init", help=t("cli.help_init", lang))
    init.add_argument("adcode", metavar="ADCODE", help=t("cli.help_adcode", lang))
    init.add_argument("--yes", action="store_true", help=t("cli.help_yes_init", lang))
    init.add_argument("--json", action="store_true", help=t("cli.help_json", lang))
    move = sub.add_parser("migrate", help=t("cli.help_migrate", lang))
    move.add_argument("--to", required=True, metavar="TARGET", help=t("cli.help_to", lang))
    move.add_argument("--yes", action="store_true", help=t("cli.help_yes_migrate", lang))
    move.add_argument("--json", action="store_true", help=t("cli.help_json", lang))


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
    store = _store(lang)
    on_duplicate = args.on_duplicate or "refuse"
    if args.dry_run:
        outcome = preview(args.layer, args.file, mode=args.mode, on_duplicate=on_duplicate,
                          crs=args.crs, part=args.part, store=store)
    else:
        account = authorised_account("import", lang)
        outcome = apply_import(args.layer, args.file, mode=args.mode, on_duplicate=on_duplicate,
                               crs=args.crs, part=args.part, store=store,
                               user=account.username if account else None,
                               scope=account.scope if account else None, confirmed=args.yes)
    _print_report(outcome.report, args, lang, imported=outcome.backup, outcome=outcome)
    return EXIT_OK if outcome.ok and not outcome.needs_confirmation else EXIT_INVALID


def _print_report(report: Report, args: argparse.Namespace, lang: str, imported,
                  outcome: Outcome | None = None) -> None:
    plan = outcome.plan if outcome else None
    refused = plan.refused if plan is not None else []
    confirm = bool(outcome and outcome.needs_confirmation)
    if args.json:
        out = report.to_json(lang)
        if plan is not None:
            out["ok"] = out["ok"] and plan.ok and not confirm
            out["mode"] = plan.mode
            out["changes"] = plan.counts()
            out["errors"] += [i.as_dict(lang) for i in refused]
            out["needs_confirmation"] = confirm
            out["dry_run"] = bool(getattr(args, "dry_run", False))
        if imported is not None:
            out["backup"] = imported.id
        out["written"] = imported is not None
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(t("cli.report_head", lang, layer=LAYERS[report.layer].label, file=report.file_name,
            kind=report.kind or "-", rows=report.rows))
    if report.crs_label:
        print(t("cli.report_crs", lang, crs=report.crs_label))
    for title_key, issues in (("cli.errors", [*report.errors, *refused]),
                              ("cli.warnings", report.warnings)):
        if issues:
            print(t(title_key, lang, count=len(issues)))
            for issue in issues:
                print("  " + _where(issue, report.row_label, lang) + issue.message(lang))
    if plan is not None and plan.ok:
        for line in change_lines(plan, LAYERS[report.layer], lang):
            print(line)
    if not report.ok or refused:
        print(t("cli.result_invalid" if args.command == "check" else "cli.result_not_imported",
                lang))
    elif confirm and plan is not None:
        print(t("ledger.confirm_removal", lang, removed=len(plan.removed),
                total=plan.before_count))
    elif imported is not None:
        print(t("cli.result_imported", lang, rows=report.rows, backup=imported.id))
    elif getattr(args, "dry_run", False):
        print(t("cli.result_dry_run", lang))
    else:
        print(t("cli.result_valid", lang, rows=report.rows))


def _history(args: argparse.Namespace, lang: str) -> int:
    entries = _store(lang).history(args.layer, args.record)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not entries:
        print(t("cli.no_history", lang, record=args.record))
    schema = LAYERS[args.layer]
    for entry in entries:
        print(t("cli.history_row", lang, time=entry["time"], user=entry["user"] or "-",
                how=entry["how"], source=entry["source"] or "-",
                op=t(f"cli.op_{entry['op']}", lang)))
        before, after = entry["before"] or {}, entry["after"] or {}
        for name in (after or before):
            if before.get(name) != after.get(name):
                print(f"    {field_label(schema, name, lang)}：{shown(before.get(name), lang)}"
                      f" → {shown(after.get(name), lang)}")
    return EXIT_OK


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


def _migrate(args: argparse.Namespace, lang: str) -> int:
    # Moving the whole dataset replaces what may be at the target: the right of whoever may
    # make a backup the working data again.
    user = authorise("restore", lang) or current_user()
    source = _store(lang)
    try:
        moved = migrate(source, args.to, user, replace=args.yes)
    finally:
        source.close()
    if args.json:
        print(json.dumps(_migration_json(moved, lang), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("cli.migrated_head", lang, source=moved.source, target=moved.target))
    for name, rows in moved.rows.items():
        print(t("cli.migrated_layer", lang, label=LAYERS[name].label, layer=name, rows=rows))
    print(t("cli.migrated_books", lang, imports=moved.imports, history=moved.history,
            audit=moved.audit))
    check = moved.source_audit
    if not check.ok:
        print(t("cli.migrated_audit_broken", lang, line=check.first_bad,
                reason=t(f"auth.audit.why.{check.reason}", lang)))
    if moved.replaced:
        print(t("cli.migrated_replaced", lang, kept=moved.replaced))
    print(t("cli.migrated_no_backups", lang, source=moved.source))
    if moved.source_note is not None:
        print(t("cli.migrated_source_note", lang, detail=moved.source_note.message(lang)))
    print(t("cli.migrated_next", lang, target=moved.target))
    return EXIT_OK


def _init(args: argparse.Namespace, lang: str) -> int:
    # Setting a district up replaces the working dataset: the right of whoever may make a
    # backup the working data again, as for migrate.
    user = authorise("restore", lang) or current_user()
    done = set_up_district(args.adcode, user, replace=args.yes)
    plan = done.plan
    if args.json:
        print(json.dumps({
            "ok": True, "adcode": plan.division.adcode, "name": plan.division.name,
            "place": plan.division.place, "crs": plan.crs, "centre": list(plan.centre),
            "area_km2": round(plan.area_km2, 2), "townships": plan.townships,
            "villages": plan.villages, "dataset": done.location, "config": done.config,
            "replaced": done.replaced or None}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("cli.init_head", lang, district=plan.division.label))
    print(t("cli.init_boundary", lang, area=f"{plan.area_km2:,.2f}", crs=plan.crs,
            meridian=central_meridian(int(plan.crs.split(":")[1])),
            lng=plan.centre[0], lat=plan.centre[1]))
    print(t("cli.init_lists", lang, townships=plan.townships, villages=plan.villages))
    print(t("cli.init_written", lang, dataset=done.location, config=done.config))
    if done.replaced:
        print(t("cli.init_replaced", lang, kept=done.replaced))
    print(t("cli.init_next", lang))
    return EXIT_OK


def _migration_json(moved: Migration, lang: str) -> dict[str, Any]:
    check = moved.source_audit
    return {"ok": True, "from": moved.source, "to": moved.target, "layers": moved.rows,
            "imports": moved.imports, "history": moved.history, "audit": moved.audit,
            "replaced": moved.replaced or None, "backups_moved": False,
            "source_audit": {"ok": check.ok, "first_bad": check.first_bad,
                             "reason": check.reason},
            "warnings": [moved.source_note.message(lang)] if moved.source_note else []}


COMMAND_LINE = CommandLine(
    "python -m layers", "cli.description", _arguments,
    {"check": _check, "import": _import, "template": _template, "export": _export,
     "status": _status, "backups": _backups, "restore": _restore, "history": _history,
     "migrate": _migrate, "init": _init},
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
