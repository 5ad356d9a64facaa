"""Text from data shown, never run: every escaping the dashboard does, in one place.

Each function is for one destination, each with its own rules:

- a map's HTML (tooltips, popups, legends): :func:`html_text`, and :func:`escaped` for the
  columns of a frame; the map's script data: :func:`dumps_safe`. branca renders every map
  element a second time as a Jinja template on the server, so these also write ``{`` so that
  no Jinja tag can form;
- HTML a Streamlit page shows itself (``st.html``): :func:`html_plain`;
- Streamlit markdown (captions, alerts, metric deltas): :func:`markdown_literal`;
- plotly labels (tick labels, hover labels, legends): :func:`label` and :func:`labels`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

# branca renders every element's output a second time, as a Jinja template: "{{", "{%" or
# "{#" in text from data would be run on the server ("{{7*7}}" would show 49).
_TEMPLATE_START = re.compile(r"\{(?=[{%#])")
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark


def dumps_safe(value: object) -> str:
    r"""Return compact JSON for a page's script that neither ends the script nor runs as Jinja.

    ``</`` is broken so nothing closes the ``<script>``; a ``{`` that would open a Jinja tag
    is written ``\u007b`` (the same character to JavaScript). Only text inside strings can
    hold one: JSON's own braces are never followed by ``{``, ``%`` or ``#``.

    Parameters
    ----------
    value : object
        Anything :func:`json.dumps` takes.

    Returns
    -------
    str
        The JSON.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return _TEMPLATE_START.sub(r"\\u007b", text)


def html_text(text: str) -> str:
    """Return ``text`` for a map's HTML (tooltips, popups, legends): shown, never run.

    HTML-escaped, and ``{`` written as ``&#123;`` so that branca's second, Jinja pass over a
    rendered element finds no tag in it.

    Parameters
    ----------
    text : str
        Text from data or the catalog.

    Returns
    -------
    str
        The escaped text.
    """
    return html.escape(text).replace("{", "&#123;")


def html_plain(text: str) -> str:
    """Return ``text`` for HTML a Streamlit page shows itself (``st.html``): shown, never run.

    HTML-escaped, quotes included. No Jinja pass follows, so ``{`` stays as it is (compare
    :func:`html_text`).

    Parameters
    ----------
    text : str
        Text from data, configuration or the catalog.

    Returns
    -------
    str
        The escaped text.
    """
    return html.escape(text)


def escaped(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return ``columns`` as HTML-escaped text: text from data is shown, never run.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows.
    columns : sequence of str
        Columns to show in tooltips or popups.

    Returns
    -------
    pandas.DataFrame
        The columns as escaped strings ("-" where missing).
    """
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col]
        out[col] = [("-" if _missing(v) else html_text(_text(v))) for v in values]
    return out


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, (str, tuple, list)) and pd.isna(value))


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bool, np.bool_)):
        return "✓" if value else "✗"
    return str(value)


def markdown_literal(text: object) -> str:
    """Return ``text`` for a Streamlit markdown string (captions, alerts), shown as written.

    ``st.caption``, ``st.success``, ``st.error``, ``st.metric`` deltas and the like read
    markdown: a name from the data such as ``[x](javascript:…)`` would become a link,
    ``![x](http://…)`` would fetch an image from outside, ``:red[x]`` or ``$x$`` would be
    restyled. Every ASCII punctuation mark is backslash-escaped (CommonMark shows it as
    the mark itself); tags were never run (Streamlit shows raw HTML as text) and still are not.

    Parameters
    ----------
    text : object
        A value from the data or an upload (a township name, a file name).

    Returns
    -------
    str
        The escaped text, on one line.
    """
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def label(text: object) -> str:
    """Return ``text`` for a plotly label, shown as written: tags in it are not interpreted.

    Plotly reads ``<b>``, ``<a href>``, ``<br>`` and a few other tags in tick labels, hover
    labels, legends and text, and turns entities back into characters: escaping ``&``, ``<``
    and ``>`` makes a name such as ``<b>x</b>`` read as typed instead of bold.

    Parameters
    ----------
    text : object
        A name from the data (a township, a unit category) or from configuration.

    Returns
    -------
    str
        The escaped text.
    """
    return html.escape(str(text), quote=False)


def labels(values: Iterable[object]) -> list[str]:
    """Return :func:`label` of each value (axis categories, bar names)."""
    return [label(v) for v in values]
