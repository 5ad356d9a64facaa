"""Accounts changed by several processes at once (dashboard processes, the command line).

Real processes on one real file: every change made at the same moment is kept.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from auth.accounts import AccountStore

PER_PROCESS = 6
TOGGLES = 300
PASSWORD = "correct horse 42"


def _add_many(path: str, prefix: str) -> None:
    store = AccountStore(Path(path))
    for n in range(PER_PROCESS):
        store.add(f"{prefix}{n}", "viewer", PASSWORD, actor="admin")


def _toggle(path: str, username: str) -> None:
    # Disable and enable one account over and over while another process does the same to
    # another account: a write of the file as that process read it before this one's change
    # would bring back this account's old state, seen at the next read (or at the end).
    store = AccountStore(Path(path))
    written = False  # as added
    for n in range(TOGGLES):
        if store.get(username).disabled != written:
            raise SystemExit(f"{username}: a change was lost before write {n}")
        written = n % 2 == 0 or n == TOGGLES - 1
        store.set_disabled(username, disabled=written, actor="admin")


def _run(target, *argsets) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=target, args=args) for args in argsets]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0


def test_accounts_added_by_two_processes_at_once_are_all_kept(tmp_path):
    path = tmp_path / "accounts.json"
    _run(_add_many, (str(path), "zhang"), (str(path), "li"))
    names = sorted(a.username for a in AccountStore(path).all())
    assert names == sorted([f"zhang{n}" for n in range(PER_PROCESS)] +
                           [f"li{n}" for n in range(PER_PROCESS)])


def test_two_processes_changing_two_accounts_at_once_lose_neither_change(tmp_path):
    path = tmp_path / "accounts.json"
    store = AccountStore(path)
    for name in ("zhang", "li"):
        store.add(name, "viewer", PASSWORD, actor="admin")
    _run(_toggle, (str(path), "zhang"), (str(path), "li"))
    assert [(a.username, a.disabled) for a in AccountStore(path).all()] == \
        [("zhang", True), ("li", True)]
