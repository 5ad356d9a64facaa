"""kill -9 in the middle of an append: the data, its history and the lock are as before.

A ``python -m layers import activities FILE --mode append`` is paused at a fixed point of its
write (it says so, then waits) and killed with SIGKILL: once the records' history has been
written into the staged copy, once when only the rename over the working file remains, and
once half-way through copying the backup (where hard links are refused). Afterwards the
working file must be byte for byte the one before, the lock free, no staged copy or half
backup left, no history of the append anywhere, and the same append must then go through.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core import settings
from storage import _history
from storage.gpkg import GeoPackageStore, diagnose
from tests.conftest import DATA, ROOT

DEMO = settings.path("demo")
LEDGER = DATA / "layers" / "activities_good.csv"  # three activities, ids left blank

# Runs the command line with a pause at one point of a write: prints PAUSED, then waits to be
# killed. ``history``: the records' history is written into the staged copy (and the layer
# before it); ``before_rename``: only the rename over the working file remains;
# ``backup_copy``: half of the current version is copied into the backups.
DRIVER = """
import os, sys, time
from storage import _history, gpkg

def pause():
    print("PAUSED", flush=True)
    time.sleep(600)

point, argv = sys.argv[1], sys.argv[2:]
if point == "history":
    write = _history.write
    def write_then_pause(*args, **kwargs):
        kept = write(*args, **kwargs)
        pause()
        return kept
    _history.write = write_then_pause
elif point == "before_rename":
    rename = os.replace
    def paused_rename(src, dst):
        if ".staged." in str(src):
            pause()
        rename(src, dst)
    gpkg.os.replace = paused_rename
elif point == "backup_copy":
    def no_link(src, dst):
        raise OSError("no hard links here")
    gpkg.os.link = no_link
    def half_copy(src, dst, *args, **kwargs):
        data = open(src, "rb").read()
        with open(dst, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
            os.fsync(fh.fileno())
        pause()
    gpkg.shutil.copy2 = half_copy
from tongxin.layers_cli import main
sys.exit(main(argv))
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env(work: Path) -> dict[str, str]:
    return {**os.environ, "TONGXIN_DATA": str(work), "PYTHONPATH": str(ROOT),
            "TONGXIN_ACCOUNTS": str(work.with_name("accounts.json")), "TONGXIN_USER": "tester"}


def _leftovers(work: Path) -> list[Path]:
    found = list(work.parent.glob(f".{work.stem}.*.staged.gpkg*"))
    backups = work.with_name(work.stem + ".backups")
    return found + (list(backups.glob(".*.part")) if backups.is_dir() else [])


def _lock_is_free(work: Path) -> bool:
    with open(work.with_name(work.stem + ".lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A working dataset made from the shipped demo, in its own folder."""
    path = tmp_path / "work" / "tongxin.gpkg"
    GeoPackageStore(path, DEMO)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("point", ["history", "before_rename", "backup_copy"])
def test_kill_9_during_an_append_leaves_the_data_as_before(work, tmp_path, point):
    ledger = tmp_path / LEDGER.name
    shutil.copyfile(LEDGER, ledger)
    store = GeoPackageStore(work, DEMO)
    rows_before = store.read("activities")["code"].tolist()
    before, backups_before = _sha(work), [b.id for b in store.backups()]
    audit_before = store.audit()
    args = ["import", "activities", str(ledger), "--mode", "append"]
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, point, *args], cwd=ROOT,
                            env=_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    staged = work.with_name(f".{work.stem}.{proc.pid}.staged.gpkg")
    try:
        line = proc.stdout.readline()
        assert line.strip() == "PAUSED", line + proc.stderr.read()
        assert not _lock_is_free(work)  # killed while it holds the lock
        # The append and its history are written, into the staged copy only.
        assert sorted(e["op"] for e in _history.read(staged, "activities")) == ["add"] * 3
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert _sha(work) == before
    assert _lock_is_free(work)
    reopened = GeoPackageStore(work, DEMO)
    assert reopened.recovered is None
    assert _leftovers(work) == []
    assert reopened.read("activities")["code"].tolist() == rows_before
    assert reopened.history("activities") == []
    # Killed before the rename, the backup of the current version may already be kept (a
    # second name of the unchanged file); no half backup is ever listed.
    kept = [b.id for b in reopened.backups()]
    assert set(kept) >= set(backups_before)
    for backup in kept:
        assert diagnose(reopened.backup_dir / f"{backup}.gpkg") is None, backup
        if backup not in backups_before:
            assert _sha(reopened.backup_dir / f"{backup}.gpkg") == before
    assert [e for e in reopened.audit() if e["action"] != "cleanup"] == audit_before

    # The same append, run again, goes through: three new activities, each with its history.
    done = subprocess.run([sys.executable, "-m", "layers", *args], cwd=ROOT, env=_env(work),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    after = GeoPackageStore(work, DEMO)
    codes = after.read("activities")["code"].tolist()
    assert codes[: len(rows_before)] == rows_before and len(codes) == len(rows_before) + 3
    assert sorted(e["record_id"] for e in after.history("activities")) == codes[-3:]
    entry = after.audit()[-1]
    assert (entry["action"], entry["add"], entry["file"]) == ("import", 3, LEDGER.name)
