"""folium's rendered pieces render without a compiled template, and exactly as they did.

:func:`ui.templates.patch_branca_text_elements` (applied by ``ui.renderers.configure``, which
the session fixture calls) keeps ``branca.element.Element(text)`` from compiling ``text``.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import folium
import jinja2
import pytest
from branca.element import ENV, Element, Figure
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT, opened_page
from ui import map_component, renderers, templates

BRANCA_INIT = inspect.unwrap(Element.__init__)
MAP_PAGES = ["views/overview.py", "views/workstations.py", "views/activities.py",
             "views/units.py", "views/sites.py", "views/scorecard.py"]
EDGES = ["", "\n", "\n\n", "a", "a\n", "a\n\n", "a\r\n", "a\r", "a\rb\r\nc\n", "\r\n\r\n",
         " \n ", "{", "}", "{ {", "}}", "%}", "#}", "{}", "{\n{", "var o = {a: {b: 1}};\n",
         '<style>#map {position:relative;}</style>', "中文 图例\n", "{{ 1 + 1 }}",
         "{% if true %}x{% endif %}\n", "a{# note #}b", "{%- raw %}{{{% endraw %}"]


@pytest.fixture
def compiled_sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every template text Jinja compiles while the test runs, in order."""
    seen: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, *args, **kwargs):
        seen.append(str(source))
        return compile_(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def _as_branca_rendered(text: str) -> str:
    # What branca's own Element(text) renders: the text compiled as a template.
    return jinja2.Template(text).render(this=None, kwargs={})


@pytest.mark.parametrize("text", EDGES)
def test_an_element_renders_what_branca_compiled_it_to(text):
    assert Element(text).render() == _as_branca_rendered(text)


@given(st.text(st.sampled_from(["a", "中", " ", "{", "}", "%", "#", "-", "+", "\n", "\r"]),
               max_size=16))
def test_any_text_renders_as_branca_rendered_it(text):
    try:
        expected = _as_branca_rendered(text)
    except jinja2.TemplateSyntaxError:
        with pytest.raises(jinja2.TemplateSyntaxError):
            Element(text)
        return
    assert Element(text).render() == expected


def test_plain_text_is_not_compiled(compiled_sources):
    script = "var map_0123 = L.map('map_0123', {\n  zoom: 3,\n});\n"
    element = Element(script)
    page = Figure()  # its <meta> line is such an element too
    folium.Element("<style>.tongxin-legend{}</style>").add_to(page.header)
    page.render()
    assert element.render() == script[:-1]
    assert element._template is templates.PLAIN
    assert compiled_sources == []


def test_text_with_jinja_syntax_is_compiled_once_and_renders_as_before(compiled_sources):
    text = "{% for name, element in this._children.items() %}{{ name }};{% endfor %}"
    first, second = Element(text), Element(text)
    first.add_child(Element("x"), name="a")
    assert first.render() == "a;" and second.render() == ""
    assert first._template is second._template
    assert compiled_sources.count(text) <= 1  # once per process: the cache may hold it already


def test_an_element_from_a_file_or_from_nothing_is_branca_s_own():
    assert Element(template_name="color_scale.js")._template is ENV.get_template("color_scale.js")
    assert Element()._template is Element._template
    kept = Element("x", template_name="color_scale.js")
    assert (kept._template_str, kept._template_name, kept.render()) == \
        ("x", "color_scale.js", "x")


def test_every_map_page_sends_the_same_map_with_and_without_the_patch(
        demo_env, fresh_caches, monkeypatch, compiled_sources):
    patched = {"on": True}

    def apply() -> None:  # what configure() does at the top of each run, on or off
        if patched["on"]:
            templates.patch_branca_text_elements()
        else:
            monkeypatch.setattr(Element, "__init__", BRANCA_INIT)

    monkeypatch.setattr(renderers, "patch_branca_text_elements", apply)
    sigs: dict[str, str] = {}
    payload = map_component.payload

    def recording(root, map_name, key, *args, **kwargs):
        parts = payload(root, map_name, key, *args, **kwargs)
        sigs[key] = parts["sig"]
        return parts

    monkeypatch.setattr(map_component, "payload", recording)
    at = opened_page()
    for page in MAP_PAGES:
        at.switch_page(page).run()  # cold: the page's caches filled
        sent = {}
        for on in (False, True):
            patched["on"] = on
            sigs.clear()
            del compiled_sources[:]
            at.run()  # warm
            assert not at.exception, (page, on, at.exception)
            sent[on] = (dict(sigs), len(compiled_sources))
        (before, compiles_before), (after, compiles_after) = sent[False], sent[True]
        assert after and after == before, page
        assert compiles_before > 0 and compiles_after == 0, (page, compiles_before,
                                                             compiles_after)
    templates.patch_branca_text_elements()


IMPORT_THEN_CONFIGURE = """
import importlib, inspect, sys
from branca.element import Element
branca_init = Element.__init__
import ui.map_object, ui.renderers, ui.templates, views.overview, views.sites
assert Element.__init__ is branca_init, "an import patched branca"
ui.renderers.configure()
patched = Element.__init__
ui.renderers.configure()
assert Element.__init__ is patched is not branca_init
assert patched.__wrapped__ is branca_init and inspect.unwrap(patched) is branca_init
del sys.modules["ui.templates"]  # as Streamlit re-imports a changed module: a new copy
importlib.import_module("ui.templates").patch_branca_text_elements()
assert Element.__init__ is not patched and Element.__init__.__wrapped__ is branca_init
assert Element("a\\n").render() == "a"
"""


def test_importing_patches_nothing_and_configure_patches_once():
    done = subprocess.run([sys.executable, "-c", IMPORT_THEN_CONFIGURE], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
