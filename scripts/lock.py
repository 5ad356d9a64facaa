"""Regenerate the locks and the plain requirements files from pyproject.toml (`make lock`).

pyproject.toml declares the direct dependencies; uv resolves them for CPython 3.11 on Linux
x86_64 into two locks that pin every transitive package with its hashes:

- ``requirements.lock``: the runtime (``make install``, ``make run``);
- ``requirements-dev.lock``: the runtime plus the ``dev`` dependency group (``make install-dev``),
  constrained to the runtime lock so that both install the same runtime.

``requirements.txt`` and ``requirements-dev.txt`` are then written from the locks as plain
``name==version`` lines, for readers and tools that want no hashes. tests/test_lock.py fails
when any of these files disagree with pyproject.toml or with each other.

Usage: ``python scripts/lock.py`` (needs uv, a dev dependency: ``make lock`` installs it first).
Extra arguments go to both ``uv pip compile`` runs, e.g. ``--upgrade-package streamlit``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = "requirements.lock"
DEV_LOCK = "requirements-dev.lock"
RUNTIME_TXT = "requirements.txt"
DEV_TXT = "requirements-dev.txt"
COMMAND = "make lock"
# What the locks are resolved for: the interpreter and platform of the intranet bundle.
TARGET = ["--python-version", "3.11", "--python-platform", "x86_64-unknown-linux-gnu"]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, str]:
    """Return the ``name == version`` pins of a requirements file or lock.

    Parameters
    ----------
    lock : str
        The text of a requirements file; hashes, markers, comments and options are skipped.

    Returns
    -------
    dict[str, str]
        Each pinned distribution's normalised name (PEP 503) and its version, in file order.
    """
    found = {}
    for line in lock.splitlines():
        match = _PIN.match(line)
        if match:
            found[normalise(match[1])] = match[2]
    return found


def normalise(name: str) -> str:
    """Return a distribution name normalised as PEP 503 does (``Foo_bar`` -> ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements_txt(runtime_lock: str) -> str:
    """Return requirements.txt: every pin of the runtime lock as a plain ``name==version`` line."""
    header = (f"# Generated from {RUNTIME_LOCK} by scripts/lock.py (`{COMMAND}`): do not edit.\n"
              "# Declare dependencies in pyproject.toml; install with the hashes of the lock:\n"
              f"#   pip install --require-hashes -r {RUNTIME_LOCK}\n")
    return header + "".join(f"{name}=={version}\n" for name, version in pins(runtime_lock).items())


def requirements_dev_txt(runtime_lock: str, dev_lock: str) -> str:
    """Return requirements-dev.txt: the runtime file plus the dev lock's other pins."""
    runtime = pins(runtime_lock)
    header = (f"# Generated from {DEV_LOCK} by scripts/lock.py (`{COMMAND}`): do not edit.\n"
              "# Declare dependencies in pyproject.toml; install with the hashes of the lock:\n"
              f"#   pip install --require-hashes -r {DEV_LOCK}\n"
              f"-r {RUNTIME_TXT}\n")
    return header + "".join(f"{name}=={version}\n" for name, version in pins(dev_lock).items()
                            if name not in runtime)


def compile_lock(output: str, *args: str) -> None:
    """Resolve pyproject.toml with ``uv pip compile`` into ``output``, with hashes."""
    command = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", *args,
               "--generate-hashes", *TARGET, "--custom-compile-command", COMMAND,
               "--quiet", "--output-file", output]
    subprocess.run(command, cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    """Regenerate both locks, then the two plain requirements files from them."""
    compile_lock(RUNTIME_LOCK, *argv)
    compile_lock(DEV_LOCK, "--group", "dev", "--constraints", RUNTIME_LOCK, *argv)
    runtime = (ROOT / RUNTIME_LOCK).read_text(encoding="utf-8")
    dev = (ROOT / DEV_LOCK).read_text(encoding="utf-8")
    (ROOT / RUNTIME_TXT).write_text(requirements_txt(runtime), encoding="utf-8")
    (ROOT / DEV_TXT).write_text(requirements_dev_txt(runtime, dev), encoding="utf-8")
    for name in (RUNTIME_LOCK, DEV_LOCK, RUNTIME_TXT, DEV_TXT):
        print(f"{name}: {len(pins((ROOT / name).read_text(encoding='utf-8')))} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
