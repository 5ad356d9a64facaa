"""The configuration is checked at start-up: every bad setting or district-file key, said once."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from core import cli, config, lang, settings
from core.district import district_config, problems
from core.errors import ConfigError
from tests.conftest import ROOT

SHIPPED = ROOT / "data" / "district.toml"
KINDS = "民族工作站, 社区服务站点, 同心驿站, 党群服务中心"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from the defaults, whatever the developer's shell sets."""
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


def _messages(exc: ConfigError) -> tuple[str, str]:
    return exc.message("zh"), exc.message("en")


def _district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str = "", new: str = "",
              text: str | None = None) -> Path:
    """Write the shipped district file with ``old`` replaced by ``new`` and configure it."""
    if text is None:
        text = SHIPPED.read_text(encoding="utf-8")
        if old:
            assert old in text, old
            text = text.replace(old, new)
    path = tmp_path / "district.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("TONGXIN_DISTRICT_CONFIG", str(path))
    return path


# --- The shipped configuration --------------------------------------------------------------

def test_the_shipped_configuration_passes():
    assert config.check_all() == []
    config.ensure_valid()
    assert problems(str(SHIPPED)) == []


def test_the_shipped_district_names_its_stations_and_centre():
    conf = district_config()
    assert conf.township_station_kind == "民族工作站"
    assert conf.default_proposal_kind == "社区服务站点"
    assert conf.centre == (103.8, 36.0)
    assert {conf.township_station_kind, conf.default_proposal_kind} <= set(conf.station_kinds)


# --- Settings -------------------------------------------------------------------------------

BAD_SETTINGS = [
    # variable, value, what the Chinese and the English message say is allowed
    ("TONGXIN_LANG", "fr", "只能是以下之一：zh, en", "must be one of: zh, en"),
    ("TONGXIN_TILE_CRS", "wgs-84", "只能是以下之一：wgs84, gcj02", "must be one of: wgs84, gcj02"),
    ("TONGXIN_BACKUPS_KEEP", "five", "大于 0 的整数", "whole number greater than 0"),
    ("TONGXIN_MAP_POINTS_MAX", "0", "大于 0 的整数", "whole number greater than 0"),
    ("TONGXIN_UPLOAD_MAX_MB", "1.5", "大于 0 的整数", "whole number greater than 0"),
    ("TONGXIN_SESSION_IDLE_MINUTES", "-30", "大于 0 的整数", "whole number greater than 0"),
    ("TONGXIN_DISTRICT_TOLERANCE_M", "-1", "不小于 0 的数", "0 or more"),
    ("TONGXIN_DISTRICT_TOLERANCE_M", "nan", "不小于 0 的数", "0 or more"),
    ("TONGXIN_METRIC_CRS", "EPSG:4326", "投影坐标系", "projected CRS in metres"),
    ("TONGXIN_METRIC_CRS", "EPSG:2227", "投影坐标系", "projected CRS in metres"),  # US feet
    ("TONGXIN_METRIC_CRS", "no such crs", "投影坐标系", "projected CRS in metres"),
    ("TONGXIN_RUBRIC", "data/no-such-rubric.toml", "存在的文件", "existing file"),
    ("TONGXIN_DEMO", "/nowhere/demo.gpkg", "存在的文件", "existing file"),
    ("TONGXIN_DISTRICT_CONFIG", "data", "存在的文件", "existing file"),  # a directory
]


@pytest.mark.parametrize(("env", "value", "zh", "en"), BAD_SETTINGS)
def test_a_bad_setting_names_the_variable_the_value_and_what_is_allowed(
        monkeypatch, env, value, zh, en):
    monkeypatch.setenv(env, value)
    name = env.removeprefix("TONGXIN_").lower()
    with pytest.raises(ConfigError) as info:
        settings.get(name)
    for text, allowed in zip(_messages(info.value), (zh, en), strict=True):
        assert f'{env} = "{value}"' in text
        assert allowed in text
    assert len(info.value.problems) == 1


@pytest.mark.parametrize(("env", "value", "expected"), [
    ("TONGXIN_LANG", "en", "en"), ("TONGXIN_TILE_CRS", "gcj02", "gcj02"),
    ("TONGXIN_BACKUPS_KEEP", " 7 ", 7), ("TONGXIN_DISTRICT_TOLERANCE_M", "0", 0.0),
    ("TONGXIN_METRIC_CRS", "EPSG:32648", "EPSG:32648"),
    ("TONGXIN_RUBRIC", str(ROOT / "data" / "rubric.toml"), str(ROOT / "data" / "rubric.toml"))])
def test_good_overrides_pass(monkeypatch, env, value, expected):
    monkeypatch.setenv(env, value)
    assert config.check_all() == []
    assert settings.get(env.removeprefix("TONGXIN_").lower()) == expected


def test_an_empty_variable_means_the_default(monkeypatch):
    monkeypatch.setenv("TONGXIN_TILE_CRS", "")
    assert settings.get("tile_crs") == "wgs84"


def test_every_bad_setting_is_reported_at_once(monkeypatch):
    for env, value, _, _ in BAD_SETTINGS[:4]:
        monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    zh, en = _messages(info.value)
    assert "共 4 处" in zh
    assert "4 problem(s)" in en
    for env, value, _, _ in BAD_SETTINGS[:4]:
        assert f'{env} = "{value}"' in zh
        assert f'{env} = "{value}"' in en


def test_a_bad_language_setting_is_reported_in_chinese(monkeypatch):
    monkeypatch.setenv("TONGXIN_LANG", "english")
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    assert info.value.message() == info.value.message("zh")
    assert info.value.message("fr") == info.value.message("zh")


def test_a_good_language_setting_is_the_default_for_the_message(monkeypatch):
    monkeypatch.setenv("TONGXIN_LANG", "en")
    monkeypatch.setenv("TONGXIN_TILE_CRS", "gcj-02")
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    assert info.value.message() == info.value.message("en")


# --- The district file ----------------------------------------------------------------------

BAD_FILES = [
    # what is replaced, by what, the key named, what the zh and en messages say
    ('religions = ["伊斯兰教", "佛教", "道教", "基督教", "天主教"]\n', "",
     "[lists] religions", "缺少此项", "missing"),
    ('"同心驿站" = { urban = 800, rural = 2000 }', '"流动站" = { urban = 800, rural = 2000 }',
     '[service_radius_m] "流动站"', KINDS, KINDS),
    ('township_kinds = ["街道", "镇", "乡"]', 'township_kinds = ["街道", "镇", "街道"]',
     "[lists] township_kinds", "有重复的项：街道", "duplicate entries: 街道"),
    ('"同心驿站" = { urban = 800, rural = 2000 }', '"同心驿站" = { urban = 0, rural = 2000 }',
     '[service_radius_m] "同心驿站" = { urban = 0, rural = 2000 }', "大于 0 的数",
     "greater than 0"),
    ('"同心驿站" = { urban = 800, rural = 2000 }', '"同心驿站" = { urban = 800 }',
     '[service_radius_m] "同心驿站"', "rural = 米数", "rural = metres"),
    ('township_station_kind = "民族工作站"', 'township_station_kind = "工作站"',
     '[district] township_station_kind = "工作站"', KINDS, KINDS),
    ('default_proposal_kind = "社区服务站点"', "",
     "[district] default_proposal_kind", "缺少此项", "missing"),
    ('adcode = "620103"', 'adcode = "62013"', '[district] adcode = "62013"', "6 位数字",
     "6-digit"),
    ("centre = [103.8, 36.0]", "centre = [36.0, 103.8]", "[district] centre = [36.0, 103.8]",
     "经度 73.0–135.0", "longitude 73.0–135.0"),
    ('religions = ["伊斯兰教"', 'religions = [1, "伊斯兰教"', "[lists] religions",
     "非空的文字列表", "non-empty list"),
    ('community_kinds = ["社区", "村"]', "community_kinds = []", "[lists] community_kinds = []",
     "非空的文字列表", "non-empty list"),
    ('community_kinds = ["社区", "村"]', 'community_kinds = ["社区", "村"]\nstation_kind = ["x"]',
     "[lists] station_kind", "拼写有误", "a typo?"),
    ("[district]", "[distrct]", "[district]", "缺少此项", "missing"),
]


@pytest.mark.parametrize(("old", "new", "where", "zh", "en"), BAD_FILES)
def test_a_bad_district_file_names_the_file_the_key_and_what_is_allowed(
        tmp_path, monkeypatch, old, new, where, zh, en):
    path = _district(tmp_path, monkeypatch, old, new)
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    for text, allowed in zip(_messages(info.value), (zh, en), strict=True):
        assert str(path) in text
        assert where in text
        assert allowed in text
    # Reading the district any other way says the same.
    with pytest.raises(ConfigError) as again:
        district_config()
    assert again.value.message("en") == info.value.message("en")


def test_every_problem_of_the_file_is_reported_at_once(tmp_path, monkeypatch):
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new, *_ in (BAD_FILES[0], BAD_FILES[2], BAD_FILES[5]):
        text = text.replace(old, new)
    path = _district(tmp_path, monkeypatch, text=text)
    monkeypatch.setenv("TONGXIN_TILE_CRS", "gcj")
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    zh, en = _messages(info.value)
    assert "共 4 处" in zh
    assert "4 problem(s)" in en
    assert en.count(str(path)) == 1  # the file is named once, its keys below it
    for where in ("TONGXIN_TILE_CRS", "[lists] religions", "[lists] township_kinds",
                  "[district] township_station_kind"):
        assert where in zh
        assert where in en


def test_a_toml_syntax_error_gives_the_line(tmp_path, monkeypatch):
    path = _district(tmp_path, monkeypatch, 'name = "七里河区"', 'name = "七里河区')
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("name ="))
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    zh, en = _messages(info.value)
    assert str(path) in zh
    assert f"第 {line} 行" in zh
    assert str(path) in en
    assert f"line {line}" in en


def test_a_file_cut_short_gives_its_last_line(tmp_path, monkeypatch):
    path = _district(tmp_path, monkeypatch, text='[district]\nname = "七里河区"\ncentre = [1')
    with pytest.raises(ConfigError) as info:
        district_config()
    assert "line 3" in info.value.message("en")
    assert str(path) in info.value.message("en")


def test_a_file_that_is_not_utf8_is_said_so(tmp_path, monkeypatch):
    path = tmp_path / "district.toml"
    path.write_bytes('[district]\nname = "七里河区"\n'.encode("gbk"))  # saved by a GBK editor
    monkeypatch.setenv("TONGXIN_DISTRICT_CONFIG", str(path))
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    assert "UTF-8" in info.value.message("zh")
    assert "UTF-8" in info.value.message("en")


def test_a_missing_district_file_is_one_setting_problem(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGXIN_DISTRICT_CONFIG", str(tmp_path / "gone.toml"))
    found = config.check_all()
    assert [p.where for p in found] == ["TONGXIN_DISTRICT_CONFIG"]


# --- The named fields are used --------------------------------------------------------------

def test_the_configured_centre_guides_the_grid_guess(tmp_path, monkeypatch):
    from layers.coords import suggest_projected_crs

    # 3-degree CM 105E coordinates without a zone prefix near 七里河 read as EPSG:4544 ...
    assert suggest_projected_crs([480_000.0], [3_990_000.0]) == "EPSG:4544"
    # ... and the same digits read as a CM 102E grid when the district lies nearer it.
    _district(tmp_path, monkeypatch, "centre = [103.8, 36.0]", "centre = [100.8, 36.0]")
    assert district_config().centre == (100.8, 36.0)
    assert suggest_projected_crs([480_000.0], [3_990_000.0]) == "EPSG:4543"


def test_the_proposal_kind_is_named_not_positional(tmp_path, monkeypatch):
    _district(tmp_path, monkeypatch, 'default_proposal_kind = "社区服务站点"',
              'default_proposal_kind = "同心驿站"')
    conf = district_config()
    assert conf.default_proposal_kind == "同心驿站" != conf.station_kinds[1]


# --- Start-up: the command lines and the dashboard ------------------------------------------

def _trivial_parser(lang: str) -> argparse.ArgumentParser:
    parser = cli.Parser(prog="tongxin-test")
    parser.lang = lang
    parser.add_argument("--lang")
    return parser


def _run(argv: list[str]) -> tuple[int, list[str]]:
    ran: list[str] = []

    def dispatch(args: argparse.Namespace, lang: str) -> int:
        ran.append(lang)
        return cli.EXIT_OK

    return cli.run(argv, _trivial_parser, dispatch, ()), ran


def test_the_command_line_runs_with_a_good_configuration():
    assert _run(["--lang", "en"]) == (cli.EXIT_OK, ["en"])


@pytest.mark.parametrize(("argv", "expected"), [([], "zh"), (["--lang", "en"], "en"),
                                                (["--lang=en"], "en"), (["--lang", "fr"], "zh")])
def test_the_command_line_refuses_a_bad_district_file_with_status_2(
        tmp_path, monkeypatch, capsys, argv, expected):
    _district(tmp_path, monkeypatch, 'township_station_kind = "民族工作站"',
              'township_station_kind = "工作站"')
    status, ran = _run(argv)
    err = capsys.readouterr().err
    assert (status, ran) == (cli.EXIT_USAGE, [])
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    assert err.strip() == info.value.message(expected)
    assert "Traceback" not in err


def test_the_command_line_reports_a_bad_language_setting_in_chinese(monkeypatch, capsys):
    monkeypatch.setenv("TONGXIN_LANG", "EN")
    assert _run([]) == (cli.EXIT_USAGE, [])
    err = capsys.readouterr().err
    assert 'TONGXIN_LANG = "EN"：只能是以下之一：zh, en' in err


def test_a_real_process_exits_2_with_the_message_and_no_traceback(tmp_path, monkeypatch):
    # core.cli.run is what every command line (accounts, importer) shares; a trivial parser
    # keeps this test independent of their entry points' names.
    path = _district(tmp_path, monkeypatch, "[service_radius_m]",
                     '[service_radius_m]\n"流动站" = { urban = 1, rural = 2 }')
    script = ("import argparse, sys; from core import cli; "
              "sys.exit(cli.run(sys.argv[1:], lambda lang: cli.Parser(), "
              "lambda args, lang: 0, ()))")
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == cli.EXIT_USAGE
    assert str(path) in done.stderr
    assert '[service_radius_m] "流动站"' in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def _dashboard():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    return at


def test_the_dashboard_shows_a_bad_district_file_in_an_error_box(demo_env, tmp_path,
                                                                  monkeypatch):
    _district(tmp_path, monkeypatch, "religions = [", 'religions = ["佛教", ')
    at = _dashboard()
    assert not at.exception
    with pytest.raises(ConfigError) as info:
        config.ensure_valid()
    assert [e.value for e in at.error] == [info.value.message("zh")]
    assert "有重复的项：佛教" in at.error[0].value
    assert not at.sidebar.radio  # stopped before the sidebar


def test_the_dashboard_reports_a_bad_language_setting_in_chinese(demo_env, monkeypatch):
    monkeypatch.setenv("TONGXIN_LANG", "de")
    monkeypatch.setenv("TONGXIN_METRIC_CRS", "EPSG:4326")
    at = _dashboard()
    assert not at.exception
    assert len(at.error) == 1
    assert 'TONGXIN_LANG = "de"：只能是以下之一' in at.error[0].value
    assert 'TONGXIN_METRIC_CRS = "EPSG:4326"：' in at.error[0].value


def test_the_dashboard_speaks_the_chosen_language(demo_env, monkeypatch):
    monkeypatch.setenv("TONGXIN_TILE_CRS", "GCJ02")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert 'TONGXIN_TILE_CRS = "GCJ02": must be one of: wgs84, gcj02' in at.error[0].value


def test_the_default_language_is_read_from_the_lang_setting_variable(monkeypatch):
    # core.lang reads the variable itself (it sits below the settings); both must agree.
    assert settings.env_name("lang") == lang.ENV
    monkeypatch.setenv(lang.ENV, "en")
    assert lang.lang_or_default(None) == "en" and settings.get("lang") == "en"
    monkeypatch.setenv(lang.ENV, "fr")
    assert lang.lang_or_default(None) == "zh"
