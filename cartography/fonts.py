"""A font that shows Chinese, found once among those matplotlib knows.

matplotlib's default font (DejaVu Sans) has no Chinese: labels would print as empty boxes
("tofu") with only a warning. So pictures ask for a CJK family by name, and refuse to draw,
saying how to install one, when the server has none.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

from core.errors import TongxinError

# Preferred first: Debian's, Kylin's and UOS's fonts-noto-cjk, then what Windows and macOS ship.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
                "WenQuanYi Zen Hei", "PingFang SC")
# After the CJK family, for the odd glyph it lacks (matplotlib falls back family by family).
FALLBACK = "DejaVu Sans"


class FontMissingError(TongxinError):
    """No font matplotlib knows can show Chinese; the message says how to install one."""

    def __init__(self) -> None:
        super().__init__("cartography.font_missing", families=", ".join(CJK_FAMILIES),
                         cache=matplotlib.get_cachedir())


def installed_families() -> set[str]:
    """Return the family names of every font matplotlib found (its cached font list)."""
    return {entry.name for entry in font_manager.fontManager.ttflist}


@lru_cache(maxsize=1)
def cjk_families() -> tuple[str, ...]:
    """Return the installed CJK families, most preferred first, then the fallback family.

    Looked up once per process: the font list does not change while the server runs (a font
    installed later is seen after a restart). A failed lookup is not kept, so installing a
    font and clearing the cache is enough in a test.

    Returns
    -------
    tuple of str
        Family names for :class:`~matplotlib.font_manager.FontProperties`.

    Raises
    ------
    FontMissingError
        When none of :data:`CJK_FAMILIES` is installed.
    """
    installed = installed_families()
    found = tuple(family for family in CJK_FAMILIES if family in installed)
    if not found:
        raise FontMissingError
    return (*found, FALLBACK)


def cjk_font(size: float, weight: str = "normal") -> FontProperties:
    """Return a font that shows Chinese at ``size`` points.

    Parameters
    ----------
    size : float
        Size in points.
    weight : str
        ``"normal"`` or ``"bold"`` (the nearest weight installed is used).

    Returns
    -------
    matplotlib.font_manager.FontProperties
        The CJK families of :func:`cjk_families`, in order.

    Raises
    ------
    FontMissingError
        When no CJK font is installed.
    """
    return FontProperties(family=list(cjk_families()), size=size, weight=weight)
