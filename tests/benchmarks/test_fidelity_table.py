"""README's fidelity table is what ``benchmarks/fidelity_table.py`` computes from the reference data now."""

from __future__ import annotations

from pathlib import Path

import fidelity_table


def test_readme_fidelity_table_equals_the_computed_one() -> None:
    assert fidelity_table.main(["--check"]) == 0


def test_a_stale_figure_fails_the_check_and_writing_restores_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    text = fidelity_table.README.read_text()
    assert "| equal on 68 of 68 rows |" in text  # a computed figure (systolic compute cycles)
    readme.write_text(text.replace("| equal on 68 of 68 rows |", "| equal on 67 of 68 rows |"))
    assert fidelity_table.main(["--check", "--readme", str(readme)]) == 1
    assert fidelity_table.main(["--readme", str(readme)]) == 0
    assert readme.read_text() == text


def test_every_row_names_its_mode_reference_and_test() -> None:
    rows = fidelity_table.render().splitlines()[3:-1]
    assert len(rows) >= 10
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 5 and all(cells), row
        assert cells[4].startswith("`tests/") and Path(fidelity_table.REPO / cells[4].strip("`")).is_file()
