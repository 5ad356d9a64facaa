"""Properties of the import modes, on generated activity and unit ledgers written as real CSVs.

The ledgers hold what offices write: ids given or left blank, dates in three forms, categories
from the district's lists, townships by name, bare name or code, text with formula-like and
quoting characters, numbers, and points near the demo's communities. Each is imported through
:func:`ledger.apply_import` into a fresh copy of the demo, or planned with
:func:`ledger.plan_import` on the frame :func:`layers.validate.validate_file` gives.

- an append followed by a dry-run replace with the layer's export (the union) changes nothing;
- an update is idempotent: the same file a second time changes nothing;
- every plan accounts for each row of the file once, and leaves each id once in the layer.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core import settings as tongxin_settings
from core.district import district_config
from layers import LAYERS
from layers.context import Context
from layers.export import export_layer
from layers.validate import validate_file
from ledger import apply_import, plan_import, preview
from storage.gpkg import GeoPackageStore

DEMO = tongxin_settings.path("demo")
# Each example of the first two imports into a fresh copy of the demo (a few seconds each).
# No shrinking: at seconds an example it would take many minutes; a failure is reported as
# generated, with the blob that reproduces it (@reproduce_failure).
WRITES = settings(max_examples=3, deadline=None, print_blob=True,
                  phases=[Phase.explicit, Phase.reuse, Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PLANS = settings(WRITES, max_examples=6)
# Text as ledgers hold it: Chinese, Latin, digits, and what spreadsheets and CSV treat
# specially (formula starts, the guard apostrophe, quotes, commas).
TEXT = st.text(alphabet="民族团结进步示例活动社区学校abcXYZ0123456789 =+-@'\",（）", min_size=1,
               max_size=10).filter(lambda s: s.strip() != "")
DATE_FORMS = ("%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日")
MODES = [("replace", "refuse"), ("append", "refuse"), ("append", "skip"),
         ("append", "update"), ("update", "refuse")]


@functools.cache
def _refs() -> dict:
    """The demo's townships, communities and ids, read once from a private copy."""
    with tempfile.TemporaryDirectory() as folder:
        store = GeoPackageStore(Path(folder) / "work.gpkg", DEMO)
        towns = store.read("townships")
        communities = store.read("communities")
        return {
            "towns": list(zip(towns["code"], towns["name"], strict=True)),
            "points": [(round(g.x, 6), round(g.y, 6)) for g in communities.geometry
                       if g is not None and g.geom_type == "Point"],
            "ids": {layer: store.read(layer)["code"].astype(str).tolist()
                    for layer in ("activities", "units")},
        }


@functools.cache
def _context_and_layers() -> tuple[Context, dict[str, gpd.GeoDataFrame]]:
    with tempfile.TemporaryDirectory() as folder:
        store = GeoPackageStore(Path(folder) / "work.gpkg", DEMO)
        return Context.from_store(store), {n: store.read(n) for n in ("activities", "units")}


@st.composite
def _township(draw) -> str:
    code, name = draw(st.sampled_from(_refs()["towns"]))
    bare = name[:-2] if name.endswith("街道") else name[:-1]
    return draw(st.sampled_from([code, name, bare]))


@st.composite
def _date(draw) -> str:
    day = draw(st.dates(dt.date(2016, 1, 1), dt.date(2026, 6, 30)))
    return day.strftime(draw(st.sampled_from(DATE_FORMS)))


@st.composite
def _point(draw) -> tuple[str, str]:
    if not draw(st.booleans()):
        return "", ""
    x, y = draw(st.sampled_from(_refs()["points"]))
    dx, dy = draw(st.integers(-300, 300)), draw(st.integers(-300, 300))  # up to about 30 m
    return f"{x + dx * 1e-6:.6f}", f"{y + dy * 1e-6:.6f}"


def _maybe(strategy) -> st.SearchStrategy:
    return st.one_of(st.just(""), strategy)


@st.composite
def _ids(draw, layer: str, rows: int, blanks: bool, existing: bool) -> list[str]:
    """Unique ids for ``rows`` rows: new ones, perhaps blank ones and the demo's own ones."""
    prefix = LAYERS[layer].id_prefix
    new = st.one_of(st.integers(10_000, 999_999).map(lambda n: f"{prefix}{n:06d}"),
                    st.integers(1, 99_999).map(lambda n: f"{prefix}X-{n}"))
    kinds = [new]
    if existing:
        # Not the ids a blank row's number would give (A000002...): the check blames the
        # blank row for repeating them (see test_ledger_modes.py,
        # test_a_blank_id_is_not_blamed_for_the_id_its_row_number_would_give).
        row_ids = {f"{prefix}{n:06d}" for n in range(rows + 2)}
        kinds.append(st.sampled_from([i for i in _refs()["ids"][layer] if i not in row_ids]))
    given = draw(st.lists(st.one_of(*kinds), min_size=rows, max_size=rows, unique=True))
    if blanks:
        return [draw(st.sampled_from([v, ""])) for v in given]
    return given


@st.composite
def ledgers(draw, layer: str, *, blanks: bool = True, existing: bool = False,
            max_rows: int = 6) -> pd.DataFrame:
    """A ledger of ``layer`` with Chinese headers, every cell as text."""
    rows = draw(st.integers(1, max_rows))
    ids = draw(_ids(layer, rows, blanks, existing))
    records = []
    for code in ids:
        lng, lat = draw(_point())
        if layer == "activities":
            record = {
                "活动编号": code, "活动日期": draw(_date()),
                "活动类别": draw(st.sampled_from(district_config().activity_categories)),
                "活动名称": draw(_maybe(TEXT)), "所属乡镇(街道)": draw(_township()),
                "参与人数": draw(_maybe(st.integers(0, 5000).map(str))),
                "组织单位": draw(_maybe(TEXT))}
        else:
            record = {
                "单位编号": code, "单位名称": draw(TEXT),
                "单位类别": draw(st.sampled_from(district_config().unit_categories)),
                "所属乡镇(街道)": draw(_township()),
                "走访对接日期": draw(_maybe(_date())), "最近联系日期": draw(_maybe(_date())),
                "联席会议成员": draw(st.sampled_from(["是", "否", ""])),
                "联络人": draw(_maybe(TEXT)),
                "职工人数": draw(_maybe(st.integers(0, 90_000).map(str)))}
        records.append({**record, "经度": lng, "纬度": lat})
    return pd.DataFrame(records, dtype=object)


def _resulting_ids(plan, current: list[str]) -> list[str]:
    """The layer's ids once ``plan`` is written (a plan that only adds holds those rows)."""
    if plan.frame is not None:
        return plan.frame["code"].astype(str).tolist()
    assert plan.appended is not None
    return current + plan.appended["code"].astype(str).tolist()


def _write(frame: pd.DataFrame, folder: Path, name: str = "ledger.csv") -> Path:
    path = folder / name
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _fresh_store(folder: Path) -> GeoPackageStore:
    return GeoPackageStore(folder / "work" / "tongxin.gpkg", DEMO)


@pytest.mark.parametrize("layer", ["activities", "units"])
@WRITES
@given(data=st.data())
def test_an_append_then_a_replace_with_the_union_changes_nothing(layer, data):
    ledger = data.draw(ledgers(layer), label="ledger")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = _fresh_store(folder)
        before = store.read(layer)["code"].astype(str).tolist()
        appended = apply_import(layer, _write(ledger, folder), mode="append", store=store,
                                user="prop")
        assert appended.written, [i.message("en") for i in appended.report.errors]
        assert appended.plan.counts() == {"added": len(ledger), "updated": 0, "removed": 0,
                                          "unchanged": 0}
        layer_ids = store.read(layer)["code"].astype(str).tolist()
        assert layer_ids[: len(before)] == before and len(layer_ids) == len(before) + len(ledger)
        union = export_layer(layer, store.read(layer), folder / "union.csv")
        version = store.version()
        replaced = preview(layer, union, mode="replace", store=store)
        assert replaced.ok, [(i.row, i.message("en")) for i in replaced.report.errors[:5]]
        assert replaced.plan.counts() == {"added": 0, "updated": 0, "removed": 0,
                                          "unchanged": len(layer_ids)}, \
            replaced.plan.updated[:2]
        assert store.version() == version


@pytest.mark.parametrize("layer", ["activities", "units"])
@WRITES
@given(data=st.data())
def test_an_update_is_idempotent(layer, data):
    ledger = data.draw(ledgers(layer, blanks=False, existing=True), label="ledger")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = _fresh_store(folder)
        path = _write(ledger, folder)
        first = apply_import(layer, path, mode="update", store=store, user="prop")
        assert first.written, [i.message("en") for i in first.report.errors]
        counts = first.plan.counts()
        assert counts["added"] + counts["updated"] + counts["unchanged"] == len(ledger)
        assert counts["removed"] == 0
        after_first = store.read(layer)
        second = apply_import(layer, path, mode="update", store=store, user="prop")
        assert second.plan.counts() == {"added": 0, "updated": 0, "removed": 0,
                                        "unchanged": len(ledger)}, second.plan.updated[:2]
        assert store.read(layer)["code"].tolist() == after_first["code"].tolist()


@pytest.mark.parametrize("layer", ["activities", "units"])
@PLANS
@given(data=st.data())
def test_every_plan_accounts_for_each_row_once_and_each_id_once(layer, data):
    ledger = data.draw(ledgers(layer, existing=True, max_rows=8), label="ledger")
    context, layers = _context_and_layers()
    current = layers[layer]
    schema = LAYERS[layer]
    old_ids = current["code"].astype(str).tolist()
    with tempfile.TemporaryDirectory() as tmp:
        report = validate_file(layer, _write(ledger, Path(tmp)), context)
    assert report.ok, [(i.row, i.message("en")) for i in report.errors]
    file_ids = report.frame["code"].astype(str).tolist()
    given_ids = [v for v in ledger[schema.column("code").label] if v]
    existing = [i for i in given_ids if i in set(old_ids)]
    for mode, duplicate in MODES:
        plan = plan_import(schema, current, report.frame, mode=mode, on_duplicate=duplicate,
                           generated=report.generated_ids, rows=report.row_numbers)
        where = (mode, duplicate)
        if mode == "append" and duplicate == "refuse" and existing:
            assert not plan.ok, where
            assert sorted(i.params["value"] for i in plan.refused) == sorted(existing), where
            assert not plan.changed and plan.frame is None and plan.appended is None, where
            continue
        assert plan.ok, where
        counts = plan.counts()
        assert counts["added"] + counts["updated"] + counts["unchanged"] == len(ledger), where
        result = _resulting_ids(plan, old_ids)
        assert len(set(result)) == len(result), where
        added = [str(a["code"]) for a in plan.added]
        assert not set(added) & set(old_ids) or mode == "replace", where
        assert all(fields for *_, fields in plan.updated), where
        if mode == "replace":
            assert result == file_ids, where
            assert sorted(str(r["code"]) for r in plan.removed) == \
                sorted(set(old_ids) - set(file_ids)), where
        else:
            assert counts["removed"] == 0, where
            assert result[: len(old_ids)] == old_ids, where
            assert len(result) == len(old_ids) + counts["added"], where
            generated = [a for a in added if a not in given_ids]
            assert all(a.startswith(schema.id_prefix) for a in generated), where
            assert sum(v == "" for v in ledger[schema.column("code").label]) == len(generated), \
                where
        if duplicate == "skip":
            assert plan.skipped == len(existing) and not plan.updated, where
