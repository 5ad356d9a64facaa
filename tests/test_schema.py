"""Every layer module declares the same shape of contract, and the contract is consistent."""

from __future__ import annotations

import importlib

import pytest

from core.district import district_config
from layers import LAYERS
from layers._schema import DTYPES, strip_suffix

EXPECTED = ["townships", "communities", "religious_sites", "workstations", "activities", "units",
            "visits"]


def test_registry_lists_the_seven_layers_in_reference_order():
    assert list(LAYERS) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_each_layer_module_declares_a_schema(name):
    module = importlib.import_module(f"layers.{name}")
    assert module.SCHEMA is LAYERS[name]
    assert module.__doc__ and "\n" not in module.__doc__.strip()


@pytest.mark.parametrize("name", EXPECTED)
def test_columns_are_well_formed(name):
    schema = LAYERS[name]
    names = [c.name for c in schema.columns]
    assert len(names) == len(set(names))
    assert schema.id_column in names
    assert "name" in names or name in ("activities", "visits")
    for col in schema.columns:
        assert col.dtype in DTYPES
        assert col.label and col.label_en and col.help and col.help_en
        if col.ref is not None:
            assert EXPECTED.index(col.ref) < EXPECTED.index(name), "refer only to earlier layers"


@pytest.mark.parametrize("name", EXPECTED)
def test_no_header_names_two_columns(name):
    schema = LAYERS[name]
    seen: dict[str, str] = {}
    for col in schema.columns:
        for header in col.headers():
            assert seen.setdefault(header, col.name) == col.name, (header, seen[header], col.name)


@pytest.mark.parametrize("name", EXPECTED)
def test_choice_lists_come_from_the_district_configuration(name):
    conf = district_config()
    for col in LAYERS[name].columns:
        if isinstance(col.choices, str):
            assert getattr(conf, col.choices), col.choices


def test_default_configuration_has_the_ten_enters_and_five_religions():
    conf = district_config()
    assert len(conf.activity_categories) == 10
    assert {"进机关", "进企业", "进乡镇(街道)"} <= set(conf.activity_categories)
    assert conf.religions == ("伊斯兰教", "佛教", "道教", "基督教", "天主教")
    assert conf.station_kinds[0] == "民族工作站"


@pytest.mark.parametrize(("name", "bare"), [
    ("西园街道", "西园"), ("阿干镇", "阿干"), ("魏岭乡", "魏岭"), ("街道", "街道"), ("西园", "西园")])
def test_strip_suffix(name, bare):
    assert strip_suffix(name, ("街道", "镇", "乡")) == bare
