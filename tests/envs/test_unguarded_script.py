"""A parallel search started by a script without a ``__main__`` guard ends with a clear reason instead of hanging."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_workers_dying_at_start_fail_their_designs_with_the_guard_hint(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            """
            from envs.runner import SearchConfig, run_search

            result = run_search(
                SearchConfig("archsim/SystolicDSE-v0", "random", 2, workers=2, storage="sqlite:///s.db"),
                progress=False,
            )
            print("FINISHED", result.evaluations, result.invalid)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    # The spawned workers re-import the script, which starts a search of its own and dies; the parent sees it.
    finished = [line for line in run.stdout.splitlines() if line.startswith("FINISHED")]
    assert finished, run.stdout[-2000:] + run.stderr[-2000:]
    _, evaluations, invalid = finished[-1].split()
    assert int(evaluations) == int(invalid) == 2  # every design failed: no evaluator could be built
