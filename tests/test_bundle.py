"""The intranet bundle: built once per platform, installed with no network, upgraded, rolled back.

The offline install runs inside a network namespace that holds nothing but loopback
(``unshare -n``): pip, the dashboard and the command line there cannot reach any other host.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from scripts import bundle
from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.slow

VERSION = bundle.version()
TOP = f"tongxin-{VERSION}-linux-x86_64"


def _can_unshare() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


needs_unshare = pytest.mark.skipif(not _can_unshare(),
                                   reason="needs root for unshare -n (CI runs as root)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The x86_64 archive, built once for the module."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "scripts/bundle.py", "--platform", "x86_64", "--out",
                    str(out)], cwd=ROOT, check=True, capture_output=True)
    return out / f"{TOP}.tar.gz"


@pytest.fixture(scope="module")
def unpacked(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive unpacked, as IT would after carrying it in; returns its one folder."""
    where = tmp_path_factory.mktemp("carried")
    with tarfile.open(built) as tar:
        tar.extractall(where, filter="data")
    return where / TOP


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_folder_with_every_wheel_the_app_the_installer_sbom_and_licences(built, unpacked):
    with tarfile.open(built) as tar:
        assert {name.split("/", 1)[0] for name in tar.getnames()} == {TOP}
    wheels = sorted((unpacked / "wheels").glob("*.whl"))
    assert {bundle.normalise(w.name.split("-", 1)[0]) for w in wheels} == bundle.locked_names()
    for name in ("install.sh", "VERSION", "ARCH", "PYTHON", "sbom.cdx.json", "THIRD-PARTY-LICENSES.md",
                 "packaging/tongxin.service", "packaging/tongxin@.service", "packaging/tongxin.env",
                 "packaging/nginx-tongxin.conf", "app/dashboard.py", "app/server.py", "app/requirements.lock",
                 "app/static/vendor/leaflet/leaflet.js", "app/data/demo/tongxin-demo.gpkg"):
        assert (unpacked / name).is_file(), name
    # The app only: no tests, benchmarks or demo builder go to the intranet.
    assert not any((unpacked / "app" / d).exists() for d in ("tests", "benchmarks", "scripts"))
    assert (unpacked / "ARCH").read_text().strip() == "x86_64"

    sbom = json.loads((unpacked / "sbom.cdx.json").read_text(encoding="utf-8"))
    assert sbom["bomFormat"] == "CycloneDX" and sbom["specVersion"] == "1.5"
    assert sbom["metadata"]["component"]["version"] == VERSION
    by_wheel = {c["externalReferences"][0]["url"].removeprefix("wheels/"): c
                for c in sbom["components"]}
    assert set(by_wheel) == {w.name for w in wheels}
    for wheel in wheels:
        component = by_wheel[wheel.name]
        assert component["hashes"] == [{"alg": "SHA-256", "content": _sha256(wheel)}]
        assert component["purl"].startswith("pkg:pypi/") and component["licenses"], wheel.name
    licences = (unpacked / "THIRD-PARTY-LICENSES.md").read_text(encoding="utf-8")
    assert "UNKNOWN" not in licences
    for component in sbom["components"]:
        assert f"| {component['name']} | {component['version']} |" in licences
    assert "Leaflet" in licences  # the vendored front end too


def test_the_aarch64_bundle_holds_only_aarch64_or_pure_python_wheels(tmp_path):
    archive = bundle.build("aarch64", tmp_path, ROOT / "build" / "wheels")
    with tarfile.open(archive) as tar:
        wheels = [Path(n).name for n in tar.getnames() if n.endswith(".whl")]
    assert {bundle.normalise(w.split("-", 1)[0]) for w in wheels} == bundle.locked_names()
    for wheel in wheels:
        platform = wheel.removesuffix(".whl").rsplit("-", 1)[1]
        assert platform == "any" or "aarch64" in platform, wheel
        assert "x86_64" not in wheel, wheel


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _offline(script: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    # A fresh network namespace: only loopback, brought up; nothing else is reachable.
    return subprocess.run(["unshare", "-n", "bash", "-euo", "pipefail", "-c",
                           "ip link set lo up\n" + script], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _data_digest(prefix: Path) -> dict[str, str]:
    return {str(p.relative_to(prefix)): _sha256(p)
            for p in sorted((prefix / "data").rglob("*")) if p.is_file()}


@needs_unshare
def test_offline_install_serves_imports_and_upgrades_with_the_data_unchanged(unpacked,
                                                                            tmp_path):
    prefix = tmp_path / "opt" / "tongxin"
    ledger = tmp_path / "units.csv"
    shutil.copyfile(DATA / "layers" / "units_good.csv", ledger)
    port = _free_port()
    # The service's user is root here: the machine's Python lives under /root, which no other
    # user may enter (an intranet server's /usr/bin/python3.11 has no such limit).
    first = _offline(f"""
        bash install.sh --user root {prefix}
        {prefix}/bin/tongxin serve --port {port} > {tmp_path}/serve.log 2>&1 &
        server=$!
        for i in $(seq 90); do
          if curl -fsS http://127.0.0.1:{port}/tongxin/_stcore/health > {tmp_path}/health; then
            break; fi
          sleep 1
        done
        curl -sS -o /dev/null -D {tmp_path}/signout.headers \
          "http://127.0.0.1:{port}/tongxin/_tongxin/signout?next=/tongxin/"
        kill $server; wait $server || true
        {prefix}/bin/tongxin layers import units {ledger} --mode append --json > {tmp_path}/import.json
        {prefix}/bin/tongxin layers status --json > {tmp_path}/status.json
    """, unpacked)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "完成 Done" in first.stdout and "systemctl enable --now tongxin" in first.stdout
    assert (tmp_path / "health").read_text() == "ok"
    # The installed service is server.py: its own cookie routes and headers are in front.
    signout = (tmp_path / "signout.headers").read_text().lower()
    assert signout.startswith("http/1.1 303") and "location: /tongxin/" in signout
    assert "x-content-type-options: nosniff" in signout
    imported = json.loads((tmp_path / "import.json").read_text())
    assert imported["ok"] is True and imported["written"] is True
    assert imported["changes"] == {"added": 2, "updated": 0, "removed": 0, "unchanged": 0}
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["data"] == str(prefix / "data" / "tongxin.gpkg")
    assert {row["layer"]: row["file"] for row in status["layers"]}["units"] == "units.csv"
    # Everything the office keeps is under data/, nothing in the code.
    assert {p.name for p in (prefix / "data").iterdir()} >= {"tongxin.gpkg",
                                                             "tongxin.audit.jsonl"}
    env = (prefix / "etc" / "tongxin.env").read_text(encoding="utf-8")
    unit = (prefix / "etc" / "tongxin.service").read_text(encoding="utf-8")
    assert f"TONGXIN_DATA={prefix}/data/tongxin.gpkg" in env
    assert f"ExecStart={prefix}/bin/tongxin serve" in unit and "Restart=on-failure" in unit
    assert "User=root" in unit and f"ReadWritePaths={prefix}/data" in unit
    # Beside it, the template for several processes behind nginx: one per port (tongxin@8501).
    template = (prefix / "etc" / "tongxin@.service").read_text(encoding="utf-8")
    assert f"ExecStart={prefix}/bin/tongxin serve --port %i" in template
    assert "User=root" in template and f"ReadWritePaths={prefix}/data" in template
    assert "systemctl enable --now tongxin@8501 tongxin@8502" in first.stdout
    first_release = os.readlink(prefix / "current")

    (prefix / "etc" / "tongxin.env").write_text(env + "TONGXIN_LANG=en\n", encoding="utf-8")
    data_before = _data_digest(prefix)
    again = _offline(f"bash install.sh --user root {prefix}", unpacked)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _data_digest(prefix) == data_before, "an upgrade never touches data/"
    assert (prefix / "etc" / "tongxin.env").read_text(encoding="utf-8").endswith(
        "TONGXIN_LANG=en\n"), "the office's settings are kept"
    assert os.readlink(prefix / "previous") == first_release
    assert os.readlink(prefix / "current") != first_release

    back = subprocess.run(["bash", "install.sh", "--rollback", str(prefix)], cwd=unpacked,
                          capture_output=True, text=True, check=False)
    assert back.returncode == 0, back.stderr
    assert os.readlink(prefix / "current") == first_release
    assert _data_digest(prefix) == data_before


def _refused(result: subprocess.CompletedProcess, prefix: Path, *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "错误" in result.stderr and "Error" in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert not prefix.exists(), "nothing is changed before the checks pass"


def test_the_wrong_architecture_is_refused_before_anything_changes(unpacked, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(unpacked, copy, symlinks=True, ignore=shutil.ignore_patterns("wheels"))
    (copy / "ARCH").write_text("aarch64\n")
    prefix = tmp_path / "opt"
    _refused(subprocess.run(["bash", "install.sh", str(prefix)], cwd=copy, capture_output=True,
                            text=True, check=False), prefix, "aarch64", "x86_64")


def test_the_wrong_python_is_refused_before_anything_changes(unpacked, tmp_path):
    fake = tmp_path / "python3.9"
    fake.write_text('#!/bin/sh\necho 3.9\n')
    fake.chmod(0o755)
    prefix = tmp_path / "opt"
    result = subprocess.run(["bash", "install.sh", "--python", str(fake), str(prefix)],
                            cwd=unpacked, capture_output=True, text=True, check=False)
    _refused(result, prefix, "3.9", "3.11")
    missing = subprocess.run(["bash", "install.sh", "--python", "/nowhere/python3.11",
                              str(prefix)], cwd=unpacked, capture_output=True, text=True,
                             check=False)
    _refused(missing, prefix, "python3.11")


@needs_unshare
def test_too_little_disk_is_refused_before_anything_changes(unpacked, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    # A real 64 MB file system, mounted in a private mount namespace.
    result = subprocess.run(
        ["unshare", "-m", "bash", "-c", f"mount -t tmpfs -o size=64m tmpfs {small} && "
         f"bash install.sh {small}/opt/tongxin; echo \"rc=$?\"; ls -A {small}"],
        cwd=unpacked, capture_output=True, text=True, check=False)
    assert "rc=1" in result.stdout, result.stdout + result.stderr
    assert "MB" in result.stderr and "错误" in result.stderr
    assert result.stdout.strip().endswith("rc=1"), "the small disk was left empty"
