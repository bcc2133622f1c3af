"""Look accuracies up in a CSV table (e.g. exported from a NAS benchmark)."""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

from envs.accuracy.base import Choices, canonical_key
from workloads.errors import InputError


def parse_cell(text: str) -> int | float | str:
    """A CSV cell as an int, a float or (failing both) the stripped string."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


class TableEvaluator:
    """Accuracy from a CSV whose columns are knob names plus an accuracy column.

    Each row is one architecture; a lookup matches the knob columns exactly (``8``,
    ``8.0`` and ``"8"`` are the same value). Architectures missing from the table
    raise ``KeyError``, which a cached evaluator records as a failed evaluation.

    Args:
        path: the CSV file.
        accuracy_column: name of the column that holds accuracies in [0, 1].
    """

    def __init__(self, path: str | Path, accuracy_column: str = "accuracy") -> None:
        self.path = Path(path)
        self.accuracy_column = accuracy_column
        self.knobs, self._rows = self._read()
        # The cache namespace names the file *and* its contents: an edited table is a new one, never old entries.
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
        self.name = f"table:{self.path.name}:{digest}"

    def _read(self) -> tuple[tuple[str, ...], dict[str, float]]:
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        with self.path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            if self.accuracy_column not in header:
                raise InputError(
                    f"{self.path}: no {self.accuracy_column!r} column; columns are: {', '.join(header) or '(none)'}"
                )
            knobs = tuple(name for name in header if name != self.accuracy_column)
            if not knobs:
                raise InputError(f"{self.path}: needs at least one knob column besides {self.accuracy_column!r}")
            rows: dict[str, float] = {}
            for line, raw in enumerate(reader, start=2):
                row = {str(k).strip(): (v or "") for k, v in raw.items() if k is not None}
                key = canonical_key({knob: parse_cell(row.get(knob, "")) for knob in knobs})
                accuracy = self._accuracy(row.get(self.accuracy_column, ""), line)
                if key in rows and rows[key] != accuracy:
                    raise InputError(
                        f"{self.path}: row {line}: architecture {key} listed twice with different accuracy"
                    )
                rows[key] = accuracy
        if not rows:
            raise InputError(f"{self.path}: no data rows")
        return knobs, rows

    def _accuracy(self, text: str, line: int) -> float:
        value = parse_cell(text)
        if isinstance(value, str) or math.isnan(value) or not 0.0 <= value <= 1.0:
            raise InputError(
                f"{self.path}: row {line}: field {self.accuracy_column!r} must be a number in [0, 1], got {text!r}"
            )
        return float(value)

    def __len__(self) -> int:
        return len(self._rows)

    def evaluate(self, choices: Choices) -> float:
        """The table's accuracy for the row whose knob columns equal ``choices``."""
        missing = [knob for knob in self.knobs if knob not in choices]
        if missing:
            raise KeyError(f"{self.path.name}: choices lack knob column(s) {', '.join(missing)}")
        key = canonical_key({knob: choices[knob] for knob in self.knobs})
        if key not in self._rows:
            raise KeyError(f"{self.path.name}: no row for architecture {key}")
        return self._rows[key]
