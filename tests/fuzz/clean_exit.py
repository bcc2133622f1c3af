"""The bad-input contract every fuzz test checks: exit 0, or exit 2 with one line and no output file."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from archsim.cli import main


def run_cli(argv: list[str], output: Path) -> tuple[int, str]:
    """Run ``archsim`` in process, writing to ``output``; any exception the CLI lets out fails the test."""
    for leftover in (output, output.with_name(output.name + ".tmp")):
        leftover.unlink(missing_ok=True)
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        code = main([*argv, "-o", str(output)])
    return code, stderr.getvalue()


def assert_clean(code: int, err: str, output: Path, command: str, culprit: Path) -> None:
    """Exit 0 with complete JSON, or exit 2 with one error line (after any notes) naming ``culprit``, no output."""
    assert code in (0, 2), f"exit code {code}: {err}"
    if code == 2:
        # One error line; notes on settings archsim does not model (`archsim: note: ...`) may precede it.
        lines = [line for line in err.strip().splitlines() if not line.startswith("archsim: note: ")]
        assert len(lines) == 1 and lines[0].startswith(f"archsim {command}: error: "), err
        assert culprit.name in lines[0], f"the message does not name {culprit.name}: {lines[0]}"
        assert "Traceback" not in err
        assert not output.exists() and not output.with_name(output.name + ".tmp").exists()
    else:
        json.loads(output.read_text())
