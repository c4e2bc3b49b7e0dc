"""The one argument parser of the ``lidlib`` command and its subcommands.

A bad command line is reported in one line on stderr, ``<prog>: error: <message>``,
with exit status 2 (argparse would print the whole usage first and exit from inside
the parser). Every subcommand's entry point ``cli_<name>(argv) -> int`` is decorated
with :func:`command`, so it can be called from Python and from tests and always returns
its exit status.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable


class UsageError(ValueError):
    """A bad command line: reported in one line with exit status 2.

    ``prog`` is the (sub)command whose parser found it, if any.
    """

    def __init__(self, message: str, prog: str | None = None) -> None:
        super().__init__(message)
        self.prog = prog


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors raise :class:`UsageError` instead of
    printing the usage and exiting. ``--help`` and ``--version`` still exit (status 0)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, self.prog)


def report(prog: str, exc: Exception | str, status: int = 2) -> int:
    """Print ``<prog>: error: <message>`` on one line of stderr and return ``status``."""
    print(f"{prog}: error: {' '.join(str(exc).split())}", file=sys.stderr)
    return status


def command(prog: str) -> Callable[[Callable[[list[str]], int]], Callable[[list[str]], int]]:
    """Decorate a subcommand ``cli_x(argv) -> int`` named ``prog`` (e.g. ``"lidlib data"``).

    A :class:`UsageError` raised while it runs (by the parser or by the command's own
    checks of its arguments) becomes one line on stderr and exit status 2; ``--help``
    returns 0 after printing the help.
    """

    def wrap(fn: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
        @functools.wraps(fn)
        def run(argv: list[str]) -> int:
            try:
                return fn(list(argv))
            except UsageError as exc:
                return report(prog, exc)
            except SystemExit as exc:  # --help
                return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1

        return run

    return wrap
