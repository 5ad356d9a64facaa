"""``tongxin serve``: the dashboard in the foreground, as the system service runs it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from core import settings
from core.cli import Parser, run
from core.errors import ConfigError
from core.i18n import LANGUAGES, t


def _parser(lang: str) -> Parser:
    parser = Parser(prog="tongxin serve", description=t("cli.serve_description", lang),
                    lang=lang)
    def port(text: str) -> int:
        if not (text.isdigit() and 0 < int(text) < 65536):
            raise argparse.ArgumentTypeError(t("config.allowed.port", lang))
        return int(text)

    parser.add_argument("--port", type=port, help=t("cli.help_port", lang))
    parser.add_argument("--address", help=t("cli.help_address", lang))
    parser.add_argument("--base-url-path", help=t("cli.help_base_url_path", lang))
    parser.add_argument("--lang", choices=LANGUAGES, help=t("cli.help_lang", lang))
    return parser


def streamlit_argv(port: int, address: str, base_url_path: str) -> list[str]:
    """Return the command that runs the dashboard with Streamlit, listening as asked.

    Parameters
    ----------
    port : int
        TCP port.
    address : str
        Address to listen on.
    base_url_path : str
        Path prefix behind a reverse proxy (``tongxin``), or empty.

    Returns
    -------
    list of str
        The interpreter and its arguments.
    """
    return [sys.executable, "-m", "streamlit", "run", str(settings.PROJECT_ROOT / "server.py"),
            "--server.port", str(port), "--server.address", address,
            "--server.baseUrlPath", base_url_path.strip("/"),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            # Streamlit's own limit follows the setting the data page enforces.
            "--server.maxUploadSize", str(settings.get("upload_max_mb"))]


def _serve(args: argparse.Namespace, lang: str) -> int:
    port = settings.get("serve_port") if args.port is None else args.port
    address = args.address or settings.get("serve_address")
    base = settings.get("base_url_path") if args.base_url_path is None else args.base_url_path
    # .streamlit/config.toml (static files, no usage statistics) is read from the working
    # directory; the process becomes Streamlit (same id for systemd, signals go straight to it).
    os.chdir(settings.PROJECT_ROOT)
    argv = streamlit_argv(port, address, base)
    os.execv(argv[0], argv)
    return 0  # not reached: execv replaces the process


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tongxin serve``; returns only on a usage or configuration error (exit 2).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status.
    """
    return run(argv, _parser, _serve, (ConfigError,))
