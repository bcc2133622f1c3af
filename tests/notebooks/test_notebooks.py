"""Every notebook runs top to bottom without errors and draws its figures (executed with nbclient).

The kernel is ``python3``; jupyter_client starts it with the running interpreter, so the
notebooks see the same environment as the tests. Each runs in a fresh temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

FIGURES: dict[str, int] = {
    "01_simulate_three_families": 5,
    "02_systolic_sweep_pareto": 2,
    "03_rl_vs_bayesian_search": 2,
    "04_ilp_mapper_timeline": 3,
    "05_cosearch_pareto": 2,
    "06_draco_memory_bound": 2,
    "07_llm_serving": 2,
    "08_cosearch_families": 3,
    "09_hetero_cosearch": 2,
    "10_soc_scheduling": 4,
}
"""Notebook -> the PNG figures it must produce."""


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_checked_and_committed_without_outputs() -> None:
    assert sorted(p.stem for p in _notebooks()) == sorted(FIGURES)
    for path in _notebooks():
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} has outputs"
        assert notebook.cells[0].cell_type == "markdown", f"{path.name} should open with what the reader sees"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_runs_and_draws_its_figures(name: str, tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= FIGURES[name]
