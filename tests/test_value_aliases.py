"""The district's short forms of list values ([value_aliases] in data/district.toml), on files.

A ledger may write 央企 for 中央企业: the district file says so, the import reads it so, a value
that stands for nothing is still refused, and a short form standing for a value not in its list
is a configuration error found at start-up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.district import problems
from ledger.importer import check
from tests.conftest import ROOT

SHIPPED = ROOT / "data" / "district.toml"
SHIPPED_ALIASES = '[value_aliases.unit_categories]\n"央企" = "中央企业"\n'


def _ledger(tmp_path: Path, categories: list[str]) -> Path:
    """Write a units ledger (UTF-8 CSV), one unit in 西园街道 per category."""
    lines = ["单位名称,单位类别,所属乡镇(街道)"]
    lines += [f"某某单位{i}（示例）,{category},西园街道" for i, category in enumerate(categories, 1)]
    path = tmp_path / "驻区单位.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _district(tmp_path: Path, old: str, new: str) -> Path:
    """Write the shipped district file with ``old`` replaced by ``new``."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "district.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_shipped_file_says_what_the_tests_rely_on():
    assert SHIPPED_ALIASES in SHIPPED.read_text(encoding="utf-8")


def test_a_short_form_imports_as_the_value_it_stands_for(demo_env, tmp_path):
    report = check("units", _ledger(tmp_path, ["央企", "中央企业", "科研院所"]))
    assert report.ok, [issue.message("en") for issue in report.errors]
    assert report.frame["category"].tolist() == ["中央企业", "中央企业", "科研院所"]


def test_a_short_form_comes_from_the_configured_district_file(demo_env, tmp_path, monkeypatch):
    path = _district(tmp_path, SHIPPED_ALIASES, SHIPPED_ALIASES + '"中字头" = "中央企业"\n')
    assert problems(str(path)) == []
    ledger = _ledger(tmp_path, ["中字头"])
    assert [issue.key for issue in check("units", ledger).errors] == ["validate.not_allowed"]
    monkeypatch.setenv("TONGXIN_DISTRICT_CONFIG", str(path))
    report = check("units", ledger)
    assert report.ok and report.frame["category"].tolist() == ["中央企业"]


def test_a_value_no_short_form_stands_for_is_refused_with_a_suggestion(demo_env, tmp_path):
    report = check("units", _ledger(tmp_path, ["央企", "大型企业"]))
    assert [(issue.key, issue.row, issue.column) for issue in report.errors] == \
        [("validate.not_allowed", 3, "单位类别")]
    issue = report.errors[0]
    assert issue.params["value"] == "大型企业" and issue.params["suggestion"] in \
        issue.params["allowed"].split("、")
    assert "“大型企业”不在允许的取值中。是否应为" in issue.message("zh")
    assert "\"大型企业\" is not an allowed value. Did you mean" in issue.message("en")


@pytest.mark.parametrize(("new", "where", "key"), [
    # A short form standing for a value its list does not hold.
    (SHIPPED_ALIASES + '"民企" = "民营企业"\n', '[value_aliases.unit_categories] "民企"',
     "config.district.alias"),
    # A table named after no list.
    (SHIPPED_ALIASES + '\n[value_aliases.unit_kinds]\n"央企" = "中央企业"\n',
     "[value_aliases.unit_kinds]", "config.district.unknown_key"),
], ids=["value not in the list", "no such list"])
def test_a_bad_short_form_is_a_problem_of_the_district_file(tmp_path, new, where, key):
    found = problems(str(_district(tmp_path, SHIPPED_ALIASES, new)))
    assert [(p.where, p.key) for p in found] == [(where, key)]
    if key == "config.district.alias":
        assert "民营企业" in found[0].value and "中央企业" in found[0].params["values"]
