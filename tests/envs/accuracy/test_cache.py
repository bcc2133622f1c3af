"""The per-architecture cache: nothing evaluated twice, failures recorded, hits counted in the study storage."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from envs.accuracy import CachedEvaluator, FunctionEvaluator, MemoryStore, SqlStore, canonical_key
from workloads.errors import InputError


class Counting:
    """An evaluator that counts its calls and fails on request."""

    def __init__(self, name: str = "counting") -> None:
        self.name = name
        self.calls = 0

    def evaluate(self, choices: dict) -> float:
        self.calls += 1
        if choices.get("fail") == "raise":
            raise RuntimeError("training diverged")
        if choices.get("fail") == "nan":
            return math.nan
        return 0.5 + choices.get("depth", 0) / 10


def test_each_architecture_is_evaluated_once_and_hits_are_counted() -> None:
    inner = Counting()
    cached = CachedEvaluator(inner)
    first = cached.record({"depth": 2, "width": 1})
    again = cached.record({"width": 1, "depth": 2})
    other = cached.record({"depth": 3, "width": 1})
    assert inner.calls == 2
    assert first.accuracy == again.accuracy == pytest.approx(0.7) and other.accuracy == pytest.approx(0.8)
    assert not first.cached and again.cached
    assert (cached.stats.hits, cached.stats.misses, cached.stats.hit_rate) == (1, 2, pytest.approx(1 / 3))


@pytest.mark.parametrize(("fail", "error"), [("raise", "RuntimeError: training diverged"), ("nan", "NaN")])
def test_failures_are_recorded_with_their_error_and_not_retried(fail: str, error: str) -> None:
    inner = Counting()
    cached = CachedEvaluator(inner)
    record = cached.record({"fail": fail})
    assert not record.ok and record.accuracy is None and error in (record.error or "")
    assert math.isnan(cached.evaluate({"fail": fail}))
    assert inner.calls == 1 and cached.stats.failures == 1


def test_sql_store_persists_across_processes_and_counts_hits(storage_url: str) -> None:
    url = storage_url
    inner = Counting()
    CachedEvaluator(inner, SqlStore(url)).record({"depth": 1})
    later = CachedEvaluator(inner, SqlStore(url))
    record = later.record({"depth": 1})
    later.record({"depth": 1})
    assert inner.calls == 1 and record.cached and record.accuracy == pytest.approx(0.6)
    assert SqlStore(url).hit_counts("counting") == {canonical_key({"depth": 1}): 2}
    assert len(SqlStore(url)) == 1


def test_evaluators_with_different_names_never_share_scores() -> None:
    store = MemoryStore()
    a = CachedEvaluator(FunctionEvaluator(lambda c: 0.1, name="a"), store)
    b = CachedEvaluator(FunctionEvaluator(lambda c: 0.9, name="b"), store)
    assert (a.evaluate({"k": 1}), b.evaluate({"k": 1})) == (0.1, 0.9)
    assert len(store) == 2


def test_unusable_storage_url_is_an_input_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    with pytest.raises(InputError, match=r"^storage sqlite:") as raised:
        SqlStore(url)
    assert raised.value.cli.startswith(f"--storage {url}: cannot open the storage")


def test_wrapping_something_without_evaluate_is_rejected() -> None:
    with pytest.raises(ValueError, match="evaluate"):
        CachedEvaluator(object())  # type: ignore[arg-type]
