"""The city page and the districts' sessions, on a PostGIS database holding two districts.

The shipped demo is 七里河区 (620103); the same data, with half its activities, is moved in as
城关区 (620102). A session of the whole city compares them and opens either; an account of
one district sees that district only, whatever its session asks for.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.districts import PER_RESIDENTS
from auth.accounts import AccountStore
from core import settings
from storage import CITY, GeoPackageStore, PostGISStore
from tests.conftest import opened_page
from tests.districts import as_district

HOME, OTHER = "620103", "620102"
PASSWORD = "correct horse 42"


@pytest.fixture
def city_env(pg, tmp_path, monkeypatch, fresh_caches):
    """TONGXIN_DATA: a database holding the demo district and 城关区."""
    dsn = pg.new_database()
    monkeypatch.setenv("TONGXIN_DATA", dsn)
    monkeypatch.setenv("TONGXIN_USER", "tester")
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "accounts.json"))
    demo = settings.path("demo")
    home = PostGISStore(dsn, demo)
    moved = as_district(GeoPackageStore(demo, demo).dump(), OTHER, "城关区", keep=0.5)
    other, _ = PostGISStore.create(dsn, moved, demo, entry={"action": "migrate",
                                                            "user": "tester"})
    yield home, other
    home.close()
    other.close()


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_city_compares_its_districts_with_their_own_figures(city_env):
    home, _ = city_env
    at = opened_page("views/city.py")
    table = at.dataframe[0].value
    assert list(table["区县"]) == ["城关区", "七里河区"]
    by_name = table.set_index("区县")
    # The districts' own data: half the activities moved in with 城关区.
    assert by_name.loc["城关区", "十进活动（次）"] < by_name.loc["七里河区", "十进活动（次）"]
    assert by_name.loc["七里河区", "乡镇(街道)数"] == 15 == by_name.loc["城关区", "乡镇(街道)数"]
    towns = home.read("townships")
    population = float(towns["population"].sum())
    activities = by_name.loc["七里河区", "十进活动（次）"]
    assert by_name.loc["七里河区", "每万人活动（次）"] == pytest.approx(
        activities / population * PER_RESIDENTS)
    assert by_name.loc["七里河区", "排名"] in (1, 2) and set(by_name["排名"]) <= {1, 2}
    assert not at.exception and not at.error


def test_opening_a_district_shows_its_pages(city_env):
    at = opened_page("views/city.py")
    picker = at.main.selectbox[-1]
    picker.select_index(picker.options.index(f"城关区 {OTHER}"))
    at.button[-1].click().run()
    assert not at.exception
    figures = _metrics(at)
    city = opened_page("views/city.py").dataframe[0].value.set_index("区县")
    assert int(figures["本期“十进”活动"].replace(",", "")) == city.loc["城关区", "十进活动（次）"]
    # The sidebar's district choice follows.
    chosen = [s for s in at.sidebar.selectbox if s.label == "区县"]
    assert chosen and chosen[0].value == OTHER


def test_a_district_account_sees_its_district_and_no_other(city_env):
    _, other = city_env
    accounts = AccountStore.from_settings(audit=other.record)
    accounts.add("cgq", "viewer", PASSWORD, "tester", must_change=False, district=OTHER)
    at = opened_page()
    at.text_input(key="login_user").set_value("cgq")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert not [s for s in at.sidebar.selectbox if s.label == "区县"]
    mine = int(_metrics(at)["本期“十进”活动"].replace(",", ""))
    # A session that asks for another district (a bug, a tampered state) is put back.
    at.session_state["tongxin_district"] = HOME
    at.run()
    assert int(_metrics(at)["本期“十进”活动"].replace(",", "")) == mine
    assert at.session_state["tongxin_district"] == OTHER
    with pytest.raises(Exception):  # noqa: B017 - AppTest raises on a page not in navigation
        at.switch_page("views/city.py").run()


def test_an_account_of_a_district_the_database_lacks_is_told_so(city_env):
    _, other = city_env
    accounts = AccountStore.from_settings(audit=other.record)
    accounts.add("lost", "viewer", PASSWORD, "tester", must_change=False, district="620104")
    at = opened_page()
    at.text_input(key="login_user").set_value("lost")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert any("620104" in e.value and "620102" in e.value for e in at.error)
    assert len(at.metric) == 0


def test_the_city_store_the_page_reads_writes_nothing(city_env):
    home, _ = city_env
    city = home.scoped(CITY)
    units = city.read("units")
    assert set(units["code"]) and len(units) == 2 * len(home.read("units"))
    assert isinstance(city.versions()["units"], str)
    assert pd.Series([d["adcode"] for d in city.districts()]).tolist() == [OTHER, HOME]


def test_a_city_sessions_district_travels_in_the_address(city_env):
    at = opened_page(query={"district": OTHER})
    assert not at.exception
    chosen = [s for s in at.sidebar.selectbox if s.label == "区县"]
    assert chosen and chosen[0].value == OTHER
    assert OTHER in str(at.query_params["district"])
    city = opened_page("views/city.py").dataframe[0].value.set_index("区县")
    activities = int(_metrics(at)["本期“十进”活动"].replace(",", ""))
    assert activities == city.loc["城关区", "十进活动（次）"]
    # An unknown district in the address is said in words, not a traceback.
    at = opened_page(query={"district": "999999"})
    assert not at.exception and any("999999" in e.value for e in at.error)


def test_a_district_account_ignores_the_address(city_env):
    _, other = city_env
    accounts = AccountStore.from_settings(audit=other.record)
    accounts.add("cgq", "viewer", PASSWORD, "tester", must_change=False, district=OTHER)
    at = opened_page(query={"district": HOME})
    at.text_input(key="login_user").set_value("cgq")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.session_state["tongxin_district"] == OTHER
