"""The whole configuration checked at once: every setting, then the district file.

Start-up (the command lines' runner, the dashboard) calls :func:`ensure_valid` before anything
reads a setting, so an administrator learns every mistake in one message.
"""

from __future__ import annotations

from core import district, settings
from core.errors import ConfigError, Problem


def check_all() -> list[Problem]:
    """Return every problem of the configuration: each setting, then the district file.

    Returns
    -------
    list of Problem
        Empty when everything is fine. The district file is only read when its setting
        names an existing file (else that setting's problem says so).
    """
    found = settings.problems()
    if all(p.where != settings.env_name("district_config") for p in found):
        found += district.problems(str(settings.path("district_config")))
    return found


def ensure_valid() -> None:
    """Check the whole configuration and raise one error listing every problem.

    Raises
    ------
    ConfigError
        When :func:`check_all` finds any problem.
    """
    found = check_all()
    if found:
        raise ConfigError(found)
