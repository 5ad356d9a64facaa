"""Which metric projection a place in China is measured in: its CGCS2000 Gauss-Krüger zone.

Distances and areas are computed in the 3-degree Gauss-Krüger zone whose central meridian is
nearest the place (CGCS2000, the datum of China's official maps). Those zones' EPSG codes run
from 4534 (central meridian 75°E) to 4554 (135°E) in steps of 3°: the variants whose false
easting is 500 km *without* the zone number in front, so eastings read as plain metres from
the central meridian plus 500 km. Pure arithmetic, no third-party imports: the contract layer
and the build scripts may both call it.
"""

from __future__ import annotations

import math

__all__ = [
    "EAST_LIMIT",
    "EPSG_FIRST",
    "EPSG_LAST",
    "WEST_LIMIT",
    "central_meridian",
    "gauss_kruger_epsg",
]

# China spans about 73.5°E (Pamir) to 135.1°E (the Heilongjiang-Ussuri confluence). The zones
# below cover 73.5°E-136.5°E; the checks use whole degrees so a boundary vertex on the edge is
# still accepted.
WEST_LIMIT = 73.0
EAST_LIMIT = 135.0
# CGCS2000 / 3-degree Gauss-Kruger CM 75E ... CM 135E, one EPSG code per 3 degrees.
EPSG_FIRST = 4534
EPSG_LAST = 4554
_FIRST_MERIDIAN = 75
_ZONE_WIDTH = 3


def gauss_kruger_epsg(longitude: float) -> int:
    """Return the EPSG code of the 3-degree Gauss-Krüger zone nearest ``longitude``.

    The zone is the one whose central meridian ``3 * round(longitude / 3)`` is nearest;
    a longitude exactly half-way between two meridians (a multiple of 1.5° that is not a
    multiple of 3°) goes to the eastern one, so the answer never depends on the float
    rounding mode. Longitudes from 73°E to 73.5°E, nearest to 72°E where the series has no
    zone, go to the westernmost zone (75°E).

    Parameters
    ----------
    longitude : float
        Degrees east of Greenwich, within China's range (73° to 135° east).

    Returns
    -------
    int
        An EPSG code between 4534 (CGCS2000 / 3-degree Gauss-Kruger CM 75E) and
        4554 (CM 135E), e.g. 4544 for 103.8°E (CM 105E).

    Raises
    ------
    ValueError
        When ``longitude`` is not a finite number within 73°E to 135°E.

    Examples
    --------
    >>> gauss_kruger_epsg(116.4)
    4548
    >>> gauss_kruger_epsg(87.6)
    4538
    """
    if not math.isfinite(longitude) or not WEST_LIMIT <= longitude <= EAST_LIMIT:
        msg = (f"longitude {longitude!r} is outside China's range "
               f"({WEST_LIMIT:g} to {EAST_LIMIT:g} degrees east)")
        raise ValueError(msg)
    # floor(x + 0.5) rather than round(): Python's round() sends halves to the even zone.
    meridian = _ZONE_WIDTH * math.floor(longitude / _ZONE_WIDTH + 0.5)
    # West of 73.5°E the nearest meridian would be 72°E, which has no zone in the series
    # (EPSG:4533 is another system): the westernmost zone, 75°E, serves that sliver of Pamir.
    meridian = max(meridian, _FIRST_MERIDIAN)
    return EPSG_FIRST + (meridian - _FIRST_MERIDIAN) // _ZONE_WIDTH


def central_meridian(epsg: int) -> int:
    """Return the central meridian, in degrees east, of a 3-degree Gauss-Krüger zone.

    Parameters
    ----------
    epsg : int
        One of EPSG:4534 to EPSG:4554 (CGCS2000 / 3-degree Gauss-Kruger CM 75E to CM 135E).

    Returns
    -------
    int
        75 for EPSG:4534, ..., 105 for EPSG:4544, ..., 135 for EPSG:4554.

    Raises
    ------
    ValueError
        When ``epsg`` is not one of those codes.

    Examples
    --------
    >>> central_meridian(4544)
    105
    """
    if not EPSG_FIRST <= epsg <= EPSG_LAST:
        msg = (f"EPSG:{epsg} is not a CGCS2000 3-degree Gauss-Kruger zone "
               f"(EPSG:{EPSG_FIRST} to EPSG:{EPSG_LAST})")
        raise ValueError(msg)
    return _FIRST_MERIDIAN + _ZONE_WIDTH * (epsg - EPSG_FIRST)


# CGCS2000 Gauss-Kruger grids as EPSG numbers: 3-degree zones 25-45 with the zone number in
# the false easting (4513-4533), 6-degree zones 13-23 with it (4491-4501) and without it
# (4502-4512).
_PREFIXED_3_FIRST = 4513
_PREFIXED_6_FIRST, _PLAIN_6_FIRST = 4491, 4502


def candidate_grids(longitude: float) -> tuple[str, ...]:
    """Return the CGCS2000 grids a district's metre coordinates are likely in, likeliest first.

    A data keeper's projected coordinates come in the district's own 3-degree zone (with or
    without the zone number in the easting), its 6-degree zone, or a neighbouring 3-degree
    zone: these, for the district whose centre is at ``longitude``.

    Parameters
    ----------
    longitude : float
        The district's centre, degrees east (73 to 135).

    Returns
    -------
    tuple of str
        ``"EPSG:NNNN"`` codes: the own 3-degree zone (plain, then numbered), the 6-degree
        zone (numbered, then plain), then the neighbouring 3-degree zones.

    Examples
    --------
    >>> candidate_grids(103.8)[:4]
    ('EPSG:4544', 'EPSG:4523', 'EPSG:4496', 'EPSG:4507')
    """
    own = gauss_kruger_epsg(longitude)
    six = min(int((max(longitude, 75.0) - 72.0) // 6.0), 10)  # 6-degree zones 13 (75E)..23
    codes = [own, _PREFIXED_3_FIRST + own - EPSG_FIRST, _PREFIXED_6_FIRST + six,
             _PLAIN_6_FIRST + six]
    for neighbour in (own - 1, own + 1):
        if EPSG_FIRST <= neighbour <= EPSG_LAST:
            codes += [neighbour, _PREFIXED_3_FIRST + neighbour - EPSG_FIRST]
    return tuple(f"EPSG:{code}" for code in codes)
