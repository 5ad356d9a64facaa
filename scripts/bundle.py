"""Build the intranet bundles: one archive per platform that installs with no network.

    python scripts/bundle.py [--platform x86_64 --platform aarch64] [--out dist]

Each ``dist/tongxin-<version>-linux-<arch>.tar.gz`` holds one folder with:

- ``wheels/``: a wheel of every package the dashboard needs (``requirements.lock``, hashes
  checked), built for that platform and CPython 3.11 (nothing is compiled on the target);
- ``app/``: the code, the vendored front-end files, the district configuration and the demo;
- ``install.sh`` and ``packaging/`` (settings file, systemd unit, nginx site);
- ``sbom.cdx.json`` (CycloneDX 1.5) and ``THIRD-PARTY-LICENSES.md``: every package with its
  version, licence and the SHA-256 of the wheel shipped (procurement asks for both).

Wheels are downloaded once into ``build/wheels/<arch>/`` and reused.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tomllib
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Run as a script (`python scripts/bundle.py`), the project root is not on the path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.lock import normalise, pins

ROOT = Path(__file__).resolve().parent.parent
# The interpreter the locks are resolved for; --python builds for another (same pins).
PYTHON_VERSION = "3.11"
# manylinux_2_28 is the newest tag any locked package needs (pyarrow, pyproj): glibc 2.28,
# which Kylin V10 and UOS 20 have. install.sh checks it on the target.
PLATFORM_TAGS = {
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"),
    "aarch64": ("manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"),
}
# What the dashboard needs at run time; tests, benchmarks and the demo builder stay behind.
APP_PATHS = ("dashboard.py", "server.py", ".streamlit/config.toml", "core", "layers", "storage",
             "auth", "analysis", "ledger", "cartography", "reports", "ui", "views", "tongxin",
             "static", "data/district.toml", "data/rubric.toml", "data/demo", "data/divisions",
             "data/README.md",
             "pyproject.toml", "requirements.lock", "README.md")
PACKAGING = ROOT / "packaging"
# Wheels whose metadata names no licence; what their source repository's LICENSE file says.
# None of the locked wheels needs one at present (tests/test_bundle.py fails on an UNKNOWN).
LICENCE_OVERRIDES: dict[str, str] = {}


@dataclass(frozen=True)
class Package:
    """One wheel in a bundle, as its metadata describes it."""

    name: str
    version: str
    licence: str
    wheel: str
    sha256: str
    homepage: str


def version() -> str:
    """Return Tongxin's version from ``pyproject.toml``."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def download_wheels(arch: str, cache: Path, python: str = PYTHON_VERSION) -> Path:
    """Download every locked package's wheel for ``arch`` and CPython ``python`` into the cache.

    Parameters
    ----------
    arch : str
        ``"x86_64"`` or ``"aarch64"``.
    cache : pathlib.Path
        Folder kept between builds (wheels go to ``cache/<arch>-cp<python>``).
    python : str
        ``"3.11"`` (what the locks are resolved for), or another CPython such as ``"3.12"``.

    Returns
    -------
    pathlib.Path
        The folder of wheels.
    """
    abi = "cp" + python.replace(".", "")
    target = cache / f"{arch}-{abi}"
    target.mkdir(parents=True, exist_ok=True)
    platforms = [arg for tag in PLATFORM_TAGS[arch] for arg in ("--platform", tag)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--only-binary=:all:", *platforms, "--python-version", python,
         "--implementation", "cp", "--abi", abi, "--require-hashes",
         "-r", str(ROOT / "requirements.lock"), "-d", str(target)], check=True)
    return target


def locked_names() -> set[str]:
    """Return the normalised names of every package in ``requirements.lock``."""
    return set(pins((ROOT / "requirements.lock").read_text(encoding="utf-8")))


def wheel_package(wheel: Path) -> Package:
    """Return a wheel's name, version, licence and digest, from its ``METADATA``.

    Parameters
    ----------
    wheel : pathlib.Path
        A ``.whl`` file.

    Returns
    -------
    Package
        What the SBOM and the licence list say of it.
    """
    with zipfile.ZipFile(wheel) as archive:
        meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(meta_name).decode("utf-8"))
    name = str(meta["Name"])
    return Package(name=name, version=str(meta["Version"]), licence=_licence(meta, name),
                   wheel=wheel.name, sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(),
                   homepage=_homepage(meta))


def _licence(meta: email.message.Message, name: str) -> str:
    # The SPDX expression when the wheel declares one, else its free-text licence field when
    # short, else its classifiers; a few wheels declare nothing (LICENCE_OVERRIDES).
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    text = str(meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 80 and text.upper() != "UNKNOWN":
        return text
    kinds = [c.rsplit("::", 1)[-1].strip() for c in meta.get_all("Classifier") or []
             if c.startswith("License ::")]
    classifiers = [k for k in kinds if k != "OSI Approved"]
    if classifiers:
        return " AND ".join(dict.fromkeys(classifiers))
    return LICENCE_OVERRIDES.get(normalise(name), "UNKNOWN")


def _homepage(meta: email.message.Message) -> str:
    for url in meta.get_all("Project-URL") or []:
        label, _, address = url.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return address.strip()
    return str(meta.get("Home-page") or "")


def sbom(packages: list[Package], arch: str, app_version: str) -> dict:
    """Return a CycloneDX 1.5 bill of materials of the bundle's packages.

    Parameters
    ----------
    packages : list of Package
        The wheels shipped.
    arch : str
        The platform.
    app_version : str
        Tongxin's version.

    Returns
    -------
    dict
        The SBOM, ready for ``json.dump``.
    """
    def licences(text: str) -> list[dict]:
        # An SPDX expression ("MIT", "BSD-3-Clause AND 0BSD") as such; free text by name.
        words = text.split()
        if text == "UNKNOWN":
            return []
        if all(w in ("AND", "OR", "WITH") for w in words[1::2]) and len(words) % 2:
            return [{"expression": text}]
        return [{"license": {"name": text}}]

    return {
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}", "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "tools": {"components": [{"type": "application", "name": "scripts/bundle.py"}]},
            "component": {"type": "application", "bom-ref": "tongxin", "name": "tongxin",
                          "version": app_version, "description":
                          f"Tongxin intranet bundle for linux-{arch}"},
        },
        "components": [{
            "type": "library", "bom-ref": f"pkg:pypi/{normalise(p.name)}@{p.version}",
            "name": p.name, "version": p.version,
            "purl": f"pkg:pypi/{normalise(p.name)}@{p.version}",
            "hashes": [{"alg": "SHA-256", "content": p.sha256}],
            "licenses": licences(p.licence),
            "externalReferences": [{"type": "distribution", "url": f"wheels/{p.wheel}"}],
        } for p in packages],
        "dependencies": [{"ref": "tongxin", "dependsOn": [
            f"pkg:pypi/{normalise(p.name)}@{p.version}" for p in packages]}],
    }


def licence_list(packages: list[Package], arch: str, app_version: str) -> str:
    """Return the licence list as Markdown: the Python packages, then the vendored front end."""
    lines = [f"# Third-party software in Tongxin {app_version} (linux-{arch})", "",
             "Python packages (the wheels in `wheels/`):", "",
             "| package | version | licence | wheel SHA-256 |", "| --- | --- | --- | --- |"]
    lines += [f"| {p.name} | {p.version} | {p.licence} | `{p.sha256}` |" for p in packages]
    vendor = ROOT / "static" / "vendor" / "README.md"
    lines += ["", "Front-end files served from `app/static/vendor/` (from npm; see that folder's "
              "README and licence files):", "", vendor.read_text(encoding="utf-8")]
    return "\n".join(lines) + "\n"


def app_files() -> list[str]:
    """Return the repository's files under :data:`APP_PATHS` (tracked by git: nothing stray)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", *APP_PATHS], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode("utf-8").split("\0")
    return sorted(f for f in listed if f)


def build(arch: str, out: Path, cache: Path, python: str = PYTHON_VERSION) -> Path:
    """Build the bundle for ``arch``; return the archive's path.

    Parameters
    ----------
    arch : str
        ``"x86_64"`` or ``"aarch64"``.
    out : pathlib.Path
        Folder the archive is written to.
    cache : pathlib.Path
        Folder of downloaded wheels kept between builds.
    python : str
        The target's CPython (``"3.11"``); another one gets its name in the archive's.

    Returns
    -------
    pathlib.Path
        ``out/tongxin-<version>-linux-<arch>.tar.gz`` (``...-py3.12.tar.gz`` for another).
    """
    app_version = version()
    name = f"tongxin-{app_version}-linux-{arch}"
    if python != PYTHON_VERSION:
        name += f"-py{python}"
    wheels = download_wheels(arch, cache, python)
    wanted = locked_names()
    shipped = sorted((w for w in wheels.glob("*.whl")
                      if normalise(w.name.split("-", 1)[0]) in wanted), key=lambda w: w.name)
    packages = [wheel_package(w) for w in shipped]
    missing = wanted - {normalise(p.name) for p in packages}
    if missing:
        msg = f"no {arch} wheel for: {', '.join(sorted(missing))}"
        raise SystemExit(msg)
    stage = out / f".{name}.staging"
    shutil.rmtree(stage, ignore_errors=True)
    top = stage / name
    (top / "wheels").mkdir(parents=True)
    for wheel in shipped:
        shutil.copy2(wheel, top / "wheels" / wheel.name)
    for rel in app_files():
        (top / "app" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, top / "app" / rel)
    shutil.copytree(PACKAGING, top / "packaging")
    shutil.move(top / "packaging" / "install.sh", top / "install.sh")
    (top / "VERSION").write_text(app_version + "\n", encoding="utf-8")
    (top / "ARCH").write_text(arch + "\n", encoding="utf-8")
    (top / "PYTHON").write_text(python + "\n", encoding="utf-8")
    (top / "sbom.cdx.json").write_text(
        json.dumps(sbom(packages, arch, app_version), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")
    (top / "THIRD-PARTY-LICENSES.md").write_text(licence_list(packages, arch, app_version),
                                                  encoding="utf-8")
    archive = out / f"{name}.tar.gz"
    partial = out / f".{name}.tar.gz.part"
    with tarfile.open(partial, "w:gz") as tar:
        tar.add(top, arcname=name)
    partial.replace(archive)
    shutil.rmtree(stage)
    return archive


def main(argv: list[str] | None = None) -> int:
    """Build the bundles named on the command line (both platforms by default)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORM_TAGS),
                        help="x86_64 and/or aarch64 (default: both)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "wheels")
    parser.add_argument("--python", default=PYTHON_VERSION,
                        help="the target's CPython, e.g. 3.12 (default 3.11, what the locks "
                             "are resolved for)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for arch in args.platform or sorted(PLATFORM_TAGS, reverse=True):
        archive = build(arch, args.out, args.cache, args.python)
        print(f"{archive.relative_to(ROOT) if archive.is_relative_to(ROOT) else archive}: "
              f"{archive.stat().st_size / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
