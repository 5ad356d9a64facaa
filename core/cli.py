"""What every Tongxin command line shares: its language, its exit codes and its last guards."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import select
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol, TypeVar

from core import config
from core.errors import ConfigError
from core.i18n import LANGUAGES, lang_or_default, t

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

_ParserT = TypeVar("_ParserT", bound=argparse.ArgumentParser)


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in the user's language instead of exiting.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`argparse.ArgumentParser`.
    lang : str
        ``"zh"`` or ``"en"``: the language of its usage errors (keyword only).
    """

    def __init__(self, *args: Any, lang: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse's hook
        raise UsageError(t("cli.usage_error", self.lang, detail=message, prog=self.prog))


Command = Callable[[argparse.Namespace, str], int]
Report = Callable[[argparse.Namespace | None, str, str], None]


@dataclass(frozen=True)
class CommandLine:
    """One command line: its name, its subcommands and how each runs.

    Parameters
    ----------
    prog : str
        The name shown in usage (``python -m layers``).
    description : str
        Catalog key of its description.
    arguments : callable
        ``arguments(subparsers, lang)`` adds every subcommand's parser.
    commands : dict
        ``{subcommand: run(args, lang) -> exit status}``.
    explained : tuple of exception types
        Errors with a ``message(lang)`` for the user: exit status 1, that message printed.
    report : callable
        Prints such an error (``--json`` commands print JSON).
    """

    prog: str
    description: str
    arguments: Callable[[Any, str], None]
    commands: dict[str, Command]
    explained: tuple[type[Exception], ...]
    report: Report | None = None

    def parser(self, lang: str) -> Parser:
        """Return the parser in ``lang``: ``--lang`` before or after any subcommand."""
        parser = Parser(prog=self.prog, description=t(self.description, lang), lang=lang)
        parser.add_argument("--lang", choices=LANGUAGES, help=t("cli.help_lang", lang))
        # argparse only calls parser_class; typeshed wants a class, not a partial of one.
        sub = parser.add_subparsers(dest="command", required=True,  # type: ignore[call-overload]
                                    parser_class=functools.partial(Parser, lang=lang))
        self.arguments(sub, lang)
        return lang_on_every_command(parser)

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Run the command line; return 0 done, 1 refused or invalid, 2 usage or configuration.

        Parameters
        ----------
        argv : sequence of str, optional
            Arguments; ``sys.argv[1:]`` when omitted.

        Returns
        -------
        int
            The exit status.
        """
        return run(argv, self.parser, lambda args, lang: self.commands[args.command](args, lang),
                   self.explained, self.report or say_error)


class Explained(Protocol):
    """An error that can say itself in a language (``TongxinError``, ``AccountError``)."""

    def message(self, lang: str | None = None) -> str:  # noqa: D102 - the protocol
        ...


def early_lang(argv: Sequence[str]) -> str:
    """Return the ``--lang`` given in ``argv``, or the configured default.

    Usage errors must already speak the user's language, before argparse has run.

    Parameters
    ----------
    argv : sequence of str
        The arguments.

    Returns
    -------
    str
        ``"zh"`` or ``"en"``.
    """
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return lang_or_default(argv[i + 1])
        if arg.startswith("--lang="):
            return lang_or_default(arg.split("=", 1)[1])
    return lang_or_default(None)


def lang_on_every_command(parser: _ParserT) -> _ParserT:
    """Let ``--lang`` follow any command too (``status --lang en``), not only precede it.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A parser with its subcommands added.

    Returns
    -------
    argparse.ArgumentParser
        The same parser.
    """
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        # The subparsers group holds _SubParsersAction only: its choices are a dict of parsers.
        for command in action.choices.values():  # type: ignore[union-attr]
            if "--lang" not in command._option_string_actions:
                # SUPPRESS as default too: a command's own default must not hide a --lang
                # given before it (early_lang reads it either way).
                command.add_argument("--lang", choices=LANGUAGES, help=argparse.SUPPRESS,
                                     default=argparse.SUPPRESS)
    return parser


def say_error(args: argparse.Namespace | None, text: str, lang: str) -> None:
    """Print an error for people, on standard error, with the localised prefix.

    Parameters
    ----------
    args : argparse.Namespace or None
        The parsed arguments (unused here; the signature of every error printer).
    text : str
        The message.
    lang : str
        ``"zh"`` or ``"en"``.
    """
    print(t("cli.error_prefix", lang) + text, file=sys.stderr)


def run(argv: Sequence[str] | None, build_parser: Callable[[str], argparse.ArgumentParser],
        dispatch: Callable[[argparse.Namespace, str], int],
        explained: tuple[type[Exception], ...],
        report: Callable[[argparse.Namespace | None, str, str], None] = say_error) -> int:
    """Parse ``argv``, run the command and turn every outcome into a message and exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when omitted.
    build_parser : callable
        Builds the parser in a language.
    dispatch : callable
        Runs the parsed command and returns its exit status.
    explained : tuple of exception types
        Errors with a ``message(lang)`` for the user: exit status 1, that message printed.
    report : callable, optional
        Prints an error (``--json`` commands print JSON); :func:`say_error` by default.

    Returns
    -------
    int
        0 done, 1 refused or invalid input, 2 usage error or wrong configuration (every
        setting and the district file are checked first).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # Before anything reads a setting: a wrong one is a usage error, all said at once.
        config.ensure_valid()
    except ConfigError as exc:
        # early_lang never raises: a wrong lang setting itself is said in Chinese.
        print(exc.message(early_lang(argv)), file=sys.stderr)
        return EXIT_USAGE
    lang = early_lang(argv)
    try:
        args = build_parser(lang).parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help prints and exits 0
        return int(exc.code or 0)
    try:
        status = dispatch(args, lang)
        sys.stdout.flush()  # a reader gone away shows here, inside the guards
        return status
    except explained as exc:
        report(args, exc.message(lang), lang)  # type: ignore[attr-defined]
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(t("cli.interrupted", lang), file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        if not _stdout_gone():  # a pipe to something else broke: a real failure
            return _internal_error(lang)
        # The reader went away (`status | head`): what it wanted was printed. Later writes
        # and the interpreter's final flush would raise again, so they go nowhere.
        _silence_stdout()
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the last guard: users get a message, not a traceback
        return _internal_error(lang)


def _internal_error(lang: str) -> int:
    if os.environ.get("TONGXIN_DEBUG"):
        traceback.print_exc()
    print(t("cli.internal_error", lang), file=sys.stderr)
    return EXIT_INVALID


def _stdout_gone() -> bool:
    # A pipe whose reader has closed reports an error condition when polled for writing.
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() or no real stdout
        return True


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
