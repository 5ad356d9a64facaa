"""Small things every page says the same way: a layer's name, a stored time."""

from __future__ import annotations

from datetime import datetime

from layers import LAYERS

TIME = "%Y-%m-%d %H:%M:%S"


def layer_label(layer: str, lang: str) -> str:
    """Return what users call ``layer`` in ``lang`` (驻区单位 / Stationed units)."""
    schema = LAYERS[layer]
    return schema.label if lang == "zh" else schema.label_en


def local_time(text: object) -> str:
    """Return a stored ISO time as the server's local time, to the second (as given if not one)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return (moment.astimezone() if moment.tzinfo else moment).strftime(TIME)
