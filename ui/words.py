"""Small things every page says the same way: a layer's name, a stored time."""

from __future__ import annotations

from core.clock import local_time
from layers import LAYERS

__all__ = ["layer_label", "local_time"]


def layer_label(layer: str, lang: str) -> str:
    """Return what users call ``layer`` in ``lang`` (驻区单位 / Stationed units)."""
    schema = LAYERS[layer]
    return schema.label if lang == "zh" else schema.label_en
