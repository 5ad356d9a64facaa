"""Nothing lost, nothing stuck: kill -9 in the middle of a write, a damaged working file on start.

The kills are real (SIGKILL to a ``python -m layers`` process): once at a random moment of a
big import's write, and at fixed points of a restore and an import (the child pauses there,
says so, and is killed). Afterwards the working file must be byte for byte the one before,
open without recovery, hold the old rows, and the next writer must neither wait nor fail.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.import_bench import make_ledger
from core import settings
from ledger.importer import import_file
from storage import StoreError
from storage.gpkg import GeoPackageStore, diagnose, recovery_message
from tests.conftest import DATA, ROOT

DEMO = settings.path("demo")
DEMO_ACTIVITIES = 4_950
# Big enough that writing the activities table into the staged copy lasts a few seconds
# (about 5 s here), so the kill lands in the middle of it.
BIG_ROWS = 200_000
UNITS = DATA / "layers" / "units_good.csv"

# Runs the command line with a pause at one point of a write: prints PAUSED, then waits to be
# killed. ``staged``: a restore's staged copy is written and checked; ``backup_copy``: half of
# the current version is copied into the backups; ``before_rename``: everything is ready and
# only the rename over the working file remains.
DRIVER = """
import os, shutil, sys, time
from storage import gpkg

def pause():
    print("PAUSED", flush=True)
    time.sleep(600)

point, argv = sys.argv[1], sys.argv[2:]
if point == "staged":
    checked = gpkg.GeoPackageStore._check_readable
    def check_then_pause(self, path):
        checked(self, path)
        pause()
    gpkg.GeoPackageStore._check_readable = check_then_pause
elif point == "backup_copy":
    # Backups are hard links where the filesystem allows; the copy is the fallback.
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
elif point == "before_rename":
    rename = os.replace
    def paused_rename(src, dst):
        if ".staged." in str(src):
            pause()
        rename(src, dst)
    gpkg.os.replace = paused_rename
from tongxin.layers_cli import main
sys.exit(main(argv))
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env(work: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "TONGXIN_DATA": str(work), "PYTHONPATH": str(ROOT),
            "TONGXIN_ACCOUNTS": str(work.with_name("accounts.json")), "TONGXIN_USER": "tester",
            # make_ledger jitters points around communities; a few land just outside the
            # boundary, which is not what these tests are about.
            "TONGXIN_DISTRICT_TOLERANCE_M": "5000", **extra}


def _cli(work: Path, *args: str, timeout: float = 300, **extra: str):
    return subprocess.run([sys.executable, "-m", "layers", *args], cwd=ROOT,
                          env=_env(work, **extra), capture_output=True, text=True,
                          timeout=timeout, check=False)


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


def _two_imports(work: Path) -> GeoPackageStore:
    # Two imports: the newest backup (after the first) differs from the demo (2 units, not 45).
    store = GeoPackageStore(work, DEMO)
    for _ in range(2):
        report, backup = import_file("units", UNITS, store=store, user="tester")
        assert report.ok and backup is not None
    return store


# -- kill -9 ------------------------------------------------------------------------------

@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_big_import(work, tmp_path):
    ledger = make_ledger(GeoPackageStore(work, DEMO), BIG_ROWS, tmp_path / "big.csv")
    before = _sha(work)
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "layers", "import", "activities", str(ledger), "--yes"],
                            cwd=ROOT, env=_env(work), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    staged = work.with_name(f".{work.stem}.{proc.pid}.staged.gpkg")
    journal = Path(f"{staged}-journal")
    try:
        while not staged.exists():
            assert proc.poll() is None, "the import ended before it began to write"
            assert time.monotonic() - start < 300, "the import never began to write"
            time.sleep(0.01)
        appeared = time.monotonic()
        # The staged copy is first a plain copy; wait until GDAL writes into it, then a bit.
        while (time.monotonic() - appeared < 20 and not journal.exists()
               and staged.stat().st_size <= work.stat().st_size):
            time.sleep(0.01)
        writing = time.monotonic()
        time.sleep(0.5)
        size_at_kill, journal_at_kill = staged.stat().st_size, journal.exists()
        proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert staged.exists(), "killed after the commit: nothing was interrupted"
    print(f"\nkill test: {BIG_ROWS:,} rows; staged copy after {appeared - start:.1f} s, "
          f"writing after {writing - start:.1f} s, killed at {killed - start:.1f} s with "
          f"the staged copy at {size_at_kill / 1e6:.1f} MB "
          f"(working file {work.stat().st_size / 1e6:.1f} MB), "
          f"{'its journal open' if journal_at_kill else 'no journal'}")

    # The working file is untouched and nobody holds the lock.
    assert _sha(work) == before
    assert _lock_is_free(work)
    # Opening clears what the killed writer left and needs no recovery.
    store = GeoPackageStore(work, DEMO)
    assert store.recovered is None
    assert _leftovers(work) == []
    cleanup = store.audit()[-1]
    assert cleanup["action"] == "cleanup" and staged.name in cleanup["removed"]
    assert len(store.read("activities")) == DEMO_ACTIVITIES
    assert [e["action"] for e in store.audit()].count("import") == 0
    # The next writer goes through.
    small = make_ledger(store, 300, tmp_path / "small.csv")
    done = _cli(work, "import", "activities", str(small), "--yes", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(GeoPackageStore(work, DEMO).read("activities")) == 300


@pytest.mark.slow
@pytest.mark.parametrize(("command", "point"), [
    ("restore", "staged"), ("restore", "backup_copy"), ("restore", "before_rename"),
    ("import", "backup_copy"), ("import", "before_rename")])
def test_kill_9_at_each_step_of_a_restore_or_an_import(work, command, point):
    store = GeoPackageStore(work, DEMO)
    report, backup = import_file("units", UNITS, store=store, user="tester")
    assert report.ok
    args = ["restore", backup.id] if command == "restore" else ["import", "units", str(UNITS), "--yes"]
    before, backups_before = _sha(work), {b.id for b in store.backups()}
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, point, *args], cwd=ROOT,
                            env=_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "PAUSED", line + proc.stderr.read()
        assert not _lock_is_free(work)  # the child is killed while it holds the lock
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
    assert len(reopened.read("units")) == 2
    # No half backup is ever listed (a kill mid-copy leaves only a hidden .part, now gone).
    for kept in reopened.backups():
        assert diagnose(reopened.backup_dir / f"{kept.id}.gpkg") is None, kept.id
    assert {b.id for b in reopened.backups()} >= backups_before
    # The same command, run again, goes through.
    done = _cli(work, *args, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    if command == "restore":
        # The data is the backup's; the records' history is carried over, not rolled back.
        restored = GeoPackageStore(work, DEMO)
        kept = GeoPackageStore(reopened.backup_dir / f"{backup.id}.gpkg", DEMO)
        for layer in ("units", "activities"):
            assert restored.read(layer).equals(kept.read(layer))
    assert GeoPackageStore(work, DEMO).audit()[-1]["action"] == command


def test_opening_never_waits_for_a_writer_and_sweeps_once_it_is_done(work):
    leftover = work.with_name(f".{work.stem}.999999.staged.gpkg")
    leftover.write_bytes(b"half written")
    with open(work.with_name(work.stem + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a writer at work
        start = time.monotonic()
        GeoPackageStore(work, DEMO)
        assert time.monotonic() - start < 5
        assert leftover.exists()  # it may be that writer's: left alone
        fcntl.flock(lock, fcntl.LOCK_UN)
    GeoPackageStore(work, DEMO)
    assert not leftover.exists()


# -- a damaged working file -----------------------------------------------------------------

def _damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "half":
        os.truncate(path, size // 2)
    elif how == "zeros":
        path.write_bytes(bytes(size))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "html":  # what a failed download through a proxy leaves
        path.write_text("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                        "<body><h1>502 Bad Gateway</h1></body></html>\n", encoding="utf-8")
    elif how == "pages":  # pages in the middle overwritten (a bad disk sector, a bad copy)
        with open(path, "r+b") as fh:
            fh.seek(int(size * 0.4))
            fh.write(bytes(range(256)) * (int(size * 0.1) // 256))
    else:
        raise ValueError(how)


@pytest.mark.parametrize("how", ["half", "zeros", "empty", "html", "pages"])
def test_a_damaged_working_file_is_recovered_from_the_newest_backup(work, how):
    store = _two_imports(work)
    newest = store.backups()[0]
    _damage(work, how)
    damaged = _sha(work)

    recovered = GeoPackageStore(work, DEMO)

    assert recovered.recovered is not None
    assert recovered.recovered["from"] == newest.id
    assert _sha(work) == _sha(recovered.backup_dir / f"{newest.id}.gpkg")
    assert len(recovered.read("units")) == 2 and len(recovered.read("townships")) == 15
    corrupt = work.with_name(recovered.recovered["corrupt_copy"])
    assert corrupt.name.startswith("tongxin.corrupt-") and corrupt.suffix == ".gpkg"
    assert _sha(corrupt) == damaged  # kept, as it was, for inspection
    entry = recovered.audit()[-1]
    assert entry["action"] == "recover" and entry["from"] == newest.id
    assert entry["reason"] and entry["corrupt_copy"] == corrupt.name
    for lang in ("zh", "en"):
        text = recovery_message(recovered.recovered, lang)
        assert newest.id in text and corrupt.name in text
    # Opened again, the file is sound: no second recovery.
    again = GeoPackageStore(work, DEMO)
    assert again.recovered is None
    assert [e["action"] for e in again.audit()].count("recover") == 1


def test_a_damaged_newest_backup_is_skipped_for_the_next_one(work):
    store = _two_imports(work)
    newest, older = store.backups()[:2]
    _damage(store.backup_dir / f"{newest.id}.gpkg", "half")
    _damage(work, "zeros")
    recovered = GeoPackageStore(work, DEMO)
    assert recovered.recovered["from"] == older.id
    assert [s["backup"] for s in recovered.recovered["skipped"]] == [newest.id]
    assert _sha(work) == _sha(store.backup_dir / f"{older.id}.gpkg")


def test_with_no_backup_it_is_rebuilt_from_the_demo(work):
    _damage(work, "html")
    recovered = GeoPackageStore(work, DEMO)
    assert recovered.recovered["from"] == "demo"
    assert _sha(work) == _sha(DEMO)
    assert recovered.audit()[-1]["action"] == "recover"
    assert "示例数据" in recovery_message(recovered.recovered, "zh")
    assert "demo" in recovery_message(recovered.recovered, "en")


def test_a_missing_working_file_is_still_simply_created_from_the_demo(tmp_path):
    store = GeoPackageStore(tmp_path / "new" / "tongxin.gpkg", DEMO)
    assert store.recovered is None
    assert [e["action"] for e in store.audit()] == ["create"]


def test_with_neither_backup_nor_demo_it_says_so_and_touches_nothing(work, tmp_path):
    _damage(work, "zeros")
    with pytest.raises(StoreError) as info:
        GeoPackageStore(work, tmp_path / "no-demo.gpkg")
    assert info.value.key == "store.unrecoverable"
    assert "build_demo.py" in info.value.message("zh")
    assert work.read_bytes() == bytes(work.stat().st_size)
    assert not list(work.parent.glob("*.corrupt-*"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_status_command_says_what_it_recovered(work, lang):
    store = _two_imports(work)
    newest = store.backups()[0]
    _damage(work, "half")
    done = _cli(work, "status", TONGXIN_LANG=lang, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert newest.id in done.stderr
    assert ("已损坏" if lang == "zh" else "was damaged") in done.stderr
    assert str(work) in done.stdout  # and then the status as usual


@pytest.mark.slow
def test_two_processes_opening_a_damaged_file_at_once_recover_it_once(work):
    _two_imports(work)
    _damage(work, "zeros")
    procs = [subprocess.Popen([sys.executable, "-m", "layers", "status", "--json"], cwd=ROOT,
                              env=_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(json.loads(out)["layers"] for out, _ in outs)
    assert len(list(work.parent.glob("tongxin.corrupt-*.gpkg"))) == 1
    actions = [e["action"] for e in GeoPackageStore(work, DEMO).audit()]
    assert actions.count("recover") == 1


def test_the_dashboard_on_a_damaged_file_warns_and_shows_the_district(demo_env, open_page):
    store = _two_imports(demo_env)
    newest = store.backups()[0]
    _damage(demo_env, "half")
    at = open_page()  # caches emptied: ui.data.store() opens the damaged file afresh
    warnings = [w.value for w in at.warning if newest.id in w.value]
    assert len(warnings) == 1 and "已损坏" in warnings[0]
    assert {m.label: m.value for m in at.metric}["乡镇(街道)"] == "15"
