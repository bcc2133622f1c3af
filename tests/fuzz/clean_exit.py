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
    """Exit 0 with a complete JSON output, or exit 2 with one error line naming ``culprit`` and no output file."""
    assert code in (0, 2), f"exit code {code}: {err}"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"archsim {command}: error: "), err
        assert culprit.name in lines[0], f"the message does not name {culprit.name}: {lines[0]}"
        assert "Traceback" not in err
        assert not output.exists() and not output.with_name(output.name + ".tmp").exists()
    else:
        json.loads(output.read_text())
