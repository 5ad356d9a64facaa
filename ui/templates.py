r"""folium's rendered pieces kept as text: branca compiles no Jinja template for them.

Why this exists: every piece folium renders (a layer's script, the map's div, a line of the
page's head) is put on the page as ``branca.element.Element(text)``, and ``Element.__init__``
compiles that ``text`` as a new Jinja template (``jinja2.Template(text)``) only to render it
back once. On a warm rerun of a map page that is 16 to 47 compiles, 10 to 25 ms, and no cache
keyed by the text would help: folium names every element with random digits, so no text comes
twice. Rendered output has no Jinja syntax (:mod:`ui.escape` writes any ``{`` from data so that
none can form), and a template of plain text gives back the text with its line breaks written
``\n`` and one final line break dropped (Jinja's defaults). A single compiled template does
exactly that for every such element (:data:`PLAIN`).

branca offers no hook for it, so :func:`patch_branca_text_elements` wraps ``Element.__init__``;
the entry point applies it through :func:`ui.renderers.configure`, never an import. Text with
Jinja syntax is compiled and run as branca would (so :mod:`ui.escape` is still needed), once
per distinct text (:func:`compiled`).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

import jinja2
from branca.element import Element
from jinja2.defaults import BLOCK_START_STRING, COMMENT_START_STRING, VARIABLE_START_STRING

# What starts Jinja syntax in a template branca compiles (jinja2.Template: Jinja's defaults;
# line statements and line comments are off).
_SYNTAX = (BLOCK_START_STRING, VARIABLE_START_STRING, COMMENT_START_STRING)
# Jinja's line breaks (jinja2.lexer.newline_re), each written "\n" in the output.
_BREAK = re.compile(r"\r\n|\r|\n")


def as_rendered(text: str) -> str:
    r"""Return what ``jinja2.Template(text).render()`` gives for text without Jinja syntax.

    Parameters
    ----------
    text : str
        Plain text (see :func:`is_plain`).

    Returns
    -------
    str
        ``text`` with ``\r\n`` and ``\r`` written ``\n`` and one final line break dropped
        (``keep_trailing_newline=False``).
    """
    if "\r" in text:
        text = _BREAK.sub("\n", text)
    return text[:-1] if text.endswith("\n") else text


def is_plain(text: str) -> bool:
    """Return whether ``text`` has no Jinja syntax, so that its template only gives it back."""
    return not any(start in text for start in _SYNTAX)


# The one template every plain element renders with: its own text (branca keeps it as
# ``_template_str``), as Jinja would have rendered it. Autoescaping is off, as in the
# template branca would compile.
_ENV = jinja2.Environment(autoescape=False)
_ENV.filters["as_rendered"] = as_rendered
PLAIN: jinja2.Template = _ENV.from_string("{{ this._template_str | as_rendered }}")


@functools.lru_cache(maxsize=64)
def compiled(source: str) -> jinja2.Template:
    """Return ``jinja2.Template(source)``, compiled once per distinct text.

    Only texts with Jinja syntax get here: branca's own (``Div``'s), the same on every run,
    and, should one ever form, a rendered piece holding ``{{``; hence a small bound.

    Parameters
    ----------
    source : str
        Template text.

    Returns
    -------
    jinja2.Template
        The template branca would have compiled; shared (a template keeps no state of its
        own between renders).
    """
    return jinja2.Template(source)


def template_for(source: str) -> jinja2.Template:
    """Return the template an ``Element(source)`` renders with: :data:`PLAIN` or compiled.

    Parameters
    ----------
    source : str
        The element's template text.

    Returns
    -------
    jinja2.Template
        :data:`PLAIN` for plain text, else :func:`compiled`.
    """
    return PLAIN if is_plain(source) else compiled(source)


def _is_ours(init: Callable[..., Any]) -> bool:
    # Recognised by name, not identity: Streamlit re-imports a changed module, and a wrapper
    # made by the module's earlier copy must be replaced, not wrapped again.
    return (getattr(init, "__module__", None) == __name__
            and getattr(init, "__name__", None) == "_element_init")


def patch_branca_text_elements() -> None:
    """Make ``branca.element.Element(text)`` render plain text without compiling it.

    Wraps ``Element.__init__``: an element made from text keeps that text (``_template_str``,
    as branca does) and renders with :func:`template_for` instead of a template compiled
    from it; made from a template file or from nothing, it is made by branca unchanged. Every
    element renders exactly what it did (``tests/test_template_cache.py``). Idempotent: a
    second call, or a call from a re-imported copy of this module, leaves a single wrapper
    around branca's own ``__init__``.
    """
    current = Element.__init__
    if _is_ours(current) and getattr(current, "__globals__", None) is globals():
        return  # installed by this copy of the module
    branca_init = inspect.unwrap(current, stop=lambda f: not _is_ours(f))

    def _element_init(self: Element, template: str | None = None,
                      template_name: str | None = None) -> None:
        if template is None:
            branca_init(self, None, template_name)
            return
        branca_init(self)  # the id, children and parent, with the class's template
        self._template_str = template
        self._template_name = template_name
        self._template = template_for(template)

    # __wrapped__ leads back to branca's own (inspect.unwrap above, and anyone reading it).
    functools.update_wrapper(_element_init, branca_init, assigned=("__doc__",), updated=())
    Element.__init__ = _element_init  # type: ignore[method-assign]
