"""``tongxin COMMAND ...``: hands the arguments to the command line of that part."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable, Sequence

from auth import cli as auth_cli
from core import settings
from core.cli import EXIT_OK, EXIT_USAGE, early_lang
from core.i18n import t
from tongxin import layers_cli, serve

# One entry per part; each part's own command line parses the rest.
COMMANDS: dict[str, Callable[[Sequence[str] | None], int]] = {
    "layers": layers_cli.main,
    "auth": auth_cli.main,
    "serve": serve.main,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tongxin COMMAND ...`` and return its exit status (2 for an unknown command).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The command's exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--version"]:
        print(f"tongxin {version()}")
        return EXIT_OK
    if args and args[0] in COMMANDS:
        return COMMANDS[args[0]](args[1:])
    lang = early_lang(args)
    print(t("cli.tongxin_usage", lang, commands=", ".join(COMMANDS)), file=sys.stderr)
    return EXIT_USAGE


def version() -> str:
    """Return Tongxin's version, as ``pyproject.toml`` declares it."""
    with open(settings.PROJECT_ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])
