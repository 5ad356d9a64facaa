"""The audit log's hash chain: verify-audit names the first entry edited, removed or added."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from pathlib import Path

import pytest

from auth.cli import main as auth_main
from core.i18n import t
from storage import open_store
from storage._audit_log import append, read, verify


def _log(tmp_path: Path, n: int = 5) -> Path:
    path = tmp_path / "x.audit.jsonl"
    for i in range(n):
        append(path, {"time": f"2026-11-0{i + 1}T10:00:00+08:00", "action": "import",
                      "user": "li", "rows": i})
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_an_untouched_log_holds(tmp_path):
    path = _log(tmp_path)
    check = verify(path)
    assert check.ok and check.entries == 5
    entries = read(path)
    assert entries[0]["prev"] == "0" * 64
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries))


def test_an_edited_entry_is_named(tmp_path):
    path = _log(tmp_path)
    lines = _lines(path)
    entry = json.loads(lines[2])
    entry["user"] = "someone else"
    lines[2] = json.dumps(entry, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    check = verify(path)
    assert (check.first_bad, check.reason) == (3, "hash")


def test_a_deleted_entry_is_named_by_the_one_after_it(tmp_path):
    path = _log(tmp_path)
    lines = _lines(path)
    path.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    check = verify(path)
    assert (check.first_bad, check.reason) == (2, "prev")


def test_entries_cut_off_the_end_are_caught(tmp_path):
    path = _log(tmp_path)
    path.write_text("".join(_lines(path)[:3]), encoding="utf-8")
    check = verify(path)
    assert (check.first_bad, check.reason) == (4, "head")


def test_an_entry_added_by_hand_is_caught(tmp_path):
    path = _log(tmp_path)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": "2026-11-09", "action": "import", "user": "x"}) + "\n")
    assert (verify(path).first_bad, verify(path).reason) == (6, "unchained")


def test_lines_from_before_the_chain_are_sealed_not_rewritten(tmp_path):
    path = tmp_path / "old.audit.jsonl"
    old = [json.dumps({"time": "2025-01-01", "action": "create", "user": "system"}) + "\n",
           json.dumps({"time": "2025-02-01", "action": "import", "user": "li"}) + "\n"]
    path.write_text("".join(old), encoding="utf-8")
    assert verify(path).ok  # an old log, never appended to since
    append(path, {"time": "2026-11-29", "action": "import", "user": "li"})
    assert _lines(path)[:2] == old and verify(path).ok
    path.write_text(old[0].replace("system", "mallory") + "".join(_lines(path)[1:]),
                    encoding="utf-8")
    check = verify(path)
    assert (check.first_bad, check.reason) == (3, "prev")


def _append_many(path: str, who: str) -> None:
    for i in range(40):
        append(Path(path), {"time": "2026-11-29", "action": "edit", "user": who, "n": i})


def test_two_processes_appending_at_once_keep_one_chain(tmp_path):
    path = tmp_path / "busy.audit.jsonl"
    workers = [multiprocessing.Process(target=_append_many, args=(str(path), who))
               for who in ("li", "wang")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    check = verify(path)
    assert check.ok and check.entries == 80


def test_the_stores_log_is_chained_and_the_cli_checks_it(demo_env, capsys):
    store = open_store()
    store.record({"action": "account_add", "account": "zhang", "user": "admin"})
    assert store.verify_audit().ok
    assert auth_main(["verify-audit"]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    log = demo_env.with_name(demo_env.stem + ".audit.jsonl")
    lines = _lines(log)
    lines[-1] = lines[-1].replace('"zhang"', '"li"')
    log.write_text("".join(lines), encoding="utf-8")
    assert auth_main(["verify-audit", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert f"entry {len(lines)} (of {len(lines)})" in out and "edited" in out


def test_audit_prints_entries_since_a_day_and_as_json(demo_env, capsys):
    store = open_store()
    store.record({"action": "account_add", "account": "zhang", "user": "admin"})
    assert auth_main(["audit", "--since", "2000-01-01", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[-1]["account"] == "zhang" and "hash" in entries[-1]
    assert auth_main(["audit", "--since", "2999-01-01"]) == 0
    assert "共 0 条" in capsys.readouterr().out
    assert auth_main(["audit", "--since", "last week"]) == 1
    assert "2026-11-01" in capsys.readouterr().err


@pytest.mark.parametrize("reason", ["hash", "prev", "json", "unchained", "head"])
def test_every_reason_has_words(reason):
    assert t(f"auth.audit.why.{reason}", "zh") != t(f"auth.audit.why.{reason}", "en")
