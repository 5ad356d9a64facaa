"""The first-run page (设置本区县): set up a district from its code, on the dashboard."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from auth.accounts import AccountStore
from core.district import district_config
from layers import LAYERS
from storage import ImportRecord, open_store
from tests.conftest import ROOT, opened_page

PASSWORD = "correct horse 42"


@pytest.fixture
def first_run(demo_env, tmp_path, monkeypatch, fresh_caches):
    """A fresh install: the demo, and a district file of its own (the page rewrites it)."""
    config = tmp_path / "district.toml"
    shutil.copyfile(ROOT / "data" / "district.toml", config)
    monkeypatch.setenv("TONGXIN_DISTRICT_CONFIG", str(config))
    return config


def _sign_in(at, user: str):
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_a_fresh_install_sets_up_its_district_from_the_page(first_run):
    at = opened_page("views/setup.py")
    at.text_input(key="setup_adcode").set_value("620100").run()
    assert any("兰州市" in e.value and "城关区 620102" in e.value for e in at.error)
    assert not at.button  # nothing to set up
    at.text_input(key="setup_adcode").set_value("650102").run()
    assert not at.exception and not at.error
    figures = {m.label: m.value for m in at.metric}
    assert figures["坐标系（3 度带）"] == "EPSG:4538" and figures["乡镇(街道)"] == "22"
    assert any("650102 天山区" in s.value for s in at.subheader)
    at.button[-1].click().run()
    assert not at.exception
    assert any("650102 天山区" in s.value and "EPSG:4538" in s.value for s in at.success)
    written = tomllib.loads(first_run.read_text(encoding="utf-8"))["district"]
    assert (written["adcode"], written["crs"]) == ("650102", "EPSG:4538")
    assert district_config().name == "天山区"
    store = open_store()
    try:
        assert store.read_district()["adcode"].tolist() == ["650102"]
        assert all(store.read(name).empty for name in LAYERS) and not store.is_demo()
    finally:
        store.close()
    # The overview of the new district: its name, and nothing made up.
    at = opened_page()
    assert not at.exception and any("天山区" in h.value for h in at.header)


def test_only_an_administrator_gets_the_page_and_only_before_real_data(first_run):
    accounts = AccountStore.from_settings(audit=open_store().record)
    accounts.add("boss", "admin", PASSWORD, "tester", must_change=False)
    accounts.add("li", "viewer", PASSWORD, "tester", must_change=False)
    at = _sign_in(opened_page(), "li")
    with pytest.raises(Exception):  # noqa: B017 - AppTest raises on a page not in navigation
        at.switch_page("views/setup.py").run()
    at = _sign_in(opened_page(), "boss")
    at.switch_page("views/setup.py").run()
    assert not at.exception and at.text_input(key="setup_adcode") is not None


def test_the_page_goes_once_an_office_has_records_of_its_own(first_run):
    # One layer imported into the demo is the office's data already: the page is not offered,
    # and init refuses without --yes.
    store = open_store()
    units = store.read("units").head(3)
    store.replace("units", units, ImportRecord("units", "台账.xlsx", "ab" * 32, 3, "tester"))
    assert store.is_demo()  # the other layers are still the demo's
    at = opened_page()
    with pytest.raises(Exception):  # noqa: B017 - AppTest raises on a page not in navigation
        at.switch_page("views/setup.py").run()
