"""Accuracy evaluator interface: canonical keys, the function wrapper, the CSV lookup table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from envs.accuracy import AccuracyEvaluator, FunctionEvaluator, TableEvaluator, canonical_key
from envs.accuracy.base import checked_accuracy
from workloads.errors import InputError


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(-5, 5) | st.sampled_from(["x", "y"])))
def test_canonical_key_ignores_order_and_numpy_types(choices: dict) -> None:
    shuffled = dict(reversed(list(choices.items())))
    as_numpy = {k: np.int64(v) if isinstance(v, int) else v for k, v in choices.items()}
    assert canonical_key(choices) == canonical_key(shuffled) == canonical_key(as_numpy)


def test_canonical_key_treats_whole_floats_as_ints_and_separates_values() -> None:
    assert canonical_key({"bits": 8.0}) == canonical_key({"bits": 8}) == '{"bits":8}'
    assert canonical_key({"width": 0.75}) != canonical_key({"width": 0.5})


@pytest.mark.parametrize("bad", [float("nan"), 1.5, -0.1, "high", None])
def test_checked_accuracy_rejects_nan_out_of_range_and_non_numbers(bad: object) -> None:
    with pytest.raises(ValueError):
        checked_accuracy(bad)


def test_function_evaluator_calls_the_function_and_is_an_evaluator() -> None:
    evaluator = FunctionEvaluator(lambda c: c["depth"] / 10, name="depth-tenths")
    assert isinstance(evaluator, AccuracyEvaluator)
    assert evaluator.evaluate({"depth": 3}) == pytest.approx(0.3)
    assert evaluator.name == "depth-tenths"
    with pytest.raises(ValueError):
        FunctionEvaluator(42)  # type: ignore[arg-type]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_table_looks_up_rows_whatever_the_number_spelling(tmp_path: Path) -> None:
    table = TableEvaluator(write(tmp_path / "nas.csv", "depth,width,bits,accuracy\n2,0.5,8,0.71\n3,1.0,4,0.65\n"))
    assert len(table) == 2 and table.knobs == ("depth", "width", "bits")
    assert table.evaluate({"depth": 2, "width": 0.5, "bits": 8}) == pytest.approx(0.71)
    assert table.evaluate({"depth": np.int64(3), "width": 1, "bits": 4.0, "extra": "ignored"}) == pytest.approx(0.65)


def test_table_misses_raise_key_error_naming_the_architecture(tmp_path: Path) -> None:
    table = TableEvaluator(write(tmp_path / "nas.csv", "depth,accuracy\n2,0.7\n"))
    with pytest.raises(KeyError, match="depth"):
        table.evaluate({"depth": 4})
    with pytest.raises(KeyError, match="lack"):
        table.evaluate({"width": 1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("depth,acc\n2,0.7\n", "no 'accuracy' column"),
        ("accuracy\n0.7\n", "at least one knob"),
        ("depth,accuracy\n2,0.7\n3,71\n", r"row 3: field 'accuracy' must be a number in \[0, 1\]"),
        ("depth,accuracy\n2,0.7\n2,0.8\n", "row 3: architecture .* twice"),
        ("depth,accuracy\n", "no data rows"),
    ],
)
def test_bad_tables_raise_input_error_naming_the_row(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        TableEvaluator(write(tmp_path / "bad.csv", text))


def test_missing_table_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        TableEvaluator(tmp_path / "absent.csv")


def test_an_edited_table_is_not_served_from_the_old_tables_cache(tmp_path: Path) -> None:
    """The cache namespace follows the table's contents, so a corrected CSV of the same name is looked up afresh."""
    from envs.accuracy.cache import CachedEvaluator, SqlStore

    path = write(tmp_path / "nas.csv", "depth,accuracy\n2,0.70\n")
    store = SqlStore(f"sqlite:///{tmp_path / 'study.db'}")
    first = CachedEvaluator(TableEvaluator(path), store)
    assert first.record({"depth": 3}).error  # a miss, recorded as a failed evaluation
    assert first.record({"depth": 2}).accuracy == pytest.approx(0.70)
    write(path, "depth,accuracy\n2,0.75\n3,0.80\n")
    second = CachedEvaluator(TableEvaluator(path), store)
    assert second.namespace != first.namespace
    assert second.record({"depth": 3}).accuracy == pytest.approx(0.80)
    assert second.record({"depth": 2}).accuracy == pytest.approx(0.75)
    unchanged = CachedEvaluator(TableEvaluator(path), store)
    assert unchanged.namespace == second.namespace and unchanged.record({"depth": 2}).cached
