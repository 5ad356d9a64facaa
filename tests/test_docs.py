"""The README documents every setting, every layer and the importer's commands."""

from __future__ import annotations

import re

from core.settings import SETTINGS
from layers import LAYERS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_names_every_setting_and_its_variable():
    for setting in SETTINGS:
        assert f"`{setting.name}`" in README, setting.name
        assert f"`{setting.env}`" in README, setting.env


def test_readme_names_every_layer():
    for name in LAYERS:
        assert f"`{name}`" in README, name


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_readme_shows_every_importer_command():
    for command in ("check", "import", "template", "export", "status", "backups", "restore"):
        assert f"python -m layers {command}" in README, command


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, line
