"""The error type for bad user input; the CLI turns it into one line and exit code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad input from a file or the command line.

    The message is one line naming where (file, row, field) and what is allowed,
    in the words of the Python API (``skip_unsupported=True``). When the fix is
    spelled differently on the command line (``--skip-unsupported``), ``cli``
    holds the same line in command-line words; the CLI prints :func:`cli_text`.
    """

    def __init__(self, message: str, cli: str | None = None) -> None:
        super().__init__(message)
        self.cli = cli

    @classmethod
    def option(cls, api: str, cli: str, detail: str) -> InputError:
        """A bad argument, named ``api`` in Python (``budget``) and ``cli`` on the command line (``--budget``)."""
        return cls(f"{api}: {detail}", cli=f"{cli}: {detail}")


def cli_text(exc: BaseException) -> str:
    """The one-line message of ``exc`` as a command-line user should read it."""
    cli = getattr(exc, "cli", None)
    text = cli if isinstance(cli, str) and cli else str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint naming the entry of ``known`` that ``name`` most likely misspells (case or a typo), or ``""``."""
    by_lower = {entry.lower(): entry for entry in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.8)
    if not close:
        return ""
    case = "; names are case-sensitive" if close[0] == name.lower() else ""
    return f" (did you mean {by_lower[close[0]]!r}?{case})"
