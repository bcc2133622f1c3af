"""The error type for bad user input; the CLI turns it into one line and exit code 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a file or the command line.

    The message is one line naming where (file, row, field) and what is allowed.
    """
