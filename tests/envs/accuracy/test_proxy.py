"""The proxy trainer: fake quantisation, model shapes, family scaling, determinism, and bit-width mattering."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from envs.accuracy import (
    AccuracyRecord,
    CachedEvaluator,
    FamilyProxy,
    MemoryStore,
    ProxyNetwork,
    ProxyStage,
    ProxyTrainer,
    TrainingSetup,
    canonical_key,
)
from envs.accuracy.proxy import TRAINER_VERSION
from envs.accuracy.torchnet import build_model, fake_quantize, train_and_score
from workloads.families import OfaMobileNetV2


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([2, 3, 4, 8]), st.integers(0, 10_000), st.booleans())
def test_fake_quantize_uses_at_most_2_to_the_bits_levels_and_passes_gradients_straight(
    bits: int, seed: int, positive: bool
) -> None:
    x = torch.randn(257, generator=torch.Generator().manual_seed(seed))
    x = (x.abs() if positive else x).requires_grad_(True)
    q = fake_quantize(x, bits)
    assert len(torch.unique(q.detach())) <= 2**bits
    assert torch.max(torch.abs(q - x)).item() <= x.detach().abs().max().item() / (2 ** (bits - 1) - 1) + 1e-6
    q.sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))


def test_32_bits_is_no_quantisation() -> None:
    x = torch.randn(50)
    assert torch.equal(fake_quantize(x, 32), x)


def tiny(bits: int = 8, side: int = 8, kernel: int = 3, depth: int = 1) -> ProxyNetwork:
    stages = (ProxyStage(8, depth, kernel, 2.0, 2, bits), ProxyStage(8, 1, kernel, 2.0, 1, bits))
    return ProxyNetwork(8, stages, 16, side, bits, stem_stride=2)


@pytest.mark.parametrize(("side", "kernel"), [(8, 3), (5, 7), (2, 5)])
def test_model_maps_digits_to_ten_logits_for_every_side_and_kernel(side: int, kernel: int) -> None:
    model = build_model(tiny(side=side, kernel=kernel))
    assert model(torch.zeros(3, 1, side, side)).shape == (3, 10)


@pytest.mark.parametrize(
    "bad",
    [
        {"channels": 0},
        {"kernel": 4},
        {"expansion": 0.5},
        {"stride": 3},
        {"bits": 9},
    ],
)
def test_bad_proxy_stages_are_rejected(bad: dict) -> None:
    fields = {"channels": 8, "depth": 1, "kernel": 3, "expansion": 2.0, "stride": 1, "bits": 8, **bad}
    with pytest.raises(ValueError, match=next(iter(bad))):
        ProxyStage(**fields)


def test_family_proxy_keeps_depth_kernel_expansion_bits_and_width_ratios() -> None:
    family = OfaMobileNetV2()
    proxy = FamilyProxy(family)
    net = proxy({"depth": 3, "kernel": 5, "expand": 4, "bits": 4, "resolution": 128, "width": 1.25})
    searchable = net.stages[1:]
    assert [s.depth for s in searchable] == [3] * 6 and net.blocks == 1 + 18
    assert {s.kernel for s in searchable} == {5} and {s.expansion for s in searchable} == {4.0}
    assert {s.bits for s in searchable} == {4} and net.bits == 8 and net.stages[0].bits == 8
    channels = [s.channels for s in searchable]
    assert channels == sorted(channels) and channels[-1] == math.ceil(400 / 8)
    assert net.input_side == 5 and sum(s.stride == 2 for s in searchable) == proxy.max_downsamples
    assert proxy({"resolution": 224}).input_side == 8


def test_training_is_deterministic_and_accuracy_is_a_fraction() -> None:
    setup = TrainingSetup(epochs=2)
    first = train_and_score(tiny(), setup)
    assert 0.0 <= first <= 1.0
    assert train_and_score(tiny(), setup) == first
    assert torch.get_num_threads() >= 1 and not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("seed", [0, 3])
def test_one_epoch_scores_well_above_chance(seed: int) -> None:
    # chance is ~0.10; with the running batch-norm statistics left by training, every seed scored ~0.10
    assert train_and_score(tiny(), TrainingSetup(epochs=1, seed=seed)) > 0.25


def test_fewer_bits_cost_accuracy() -> None:
    setup = TrainingSetup(epochs=6)
    full, four, two = (train_and_score(tiny(bits=b), setup) for b in (32, 4, 2))
    assert full > 0.8 and two < four < full


def test_trainer_names_its_setup_and_evaluates_family_choices() -> None:
    trainer = ProxyTrainer(lambda choices: tiny(bits=choices["bits"]), TrainingSetup(epochs=1, seed=3))
    assert trainer.name == "proxy-digits-v2:e1-b128-lr0.02-s3-t0.25"
    assert 0.0 <= trainer.evaluate({"bits": 8}) <= 1.0


def test_scores_of_an_earlier_trainer_version_are_not_served_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = ProxyTrainer(lambda choices: tiny(bits=choices["bits"]), TrainingSetup(epochs=1, seed=3))
    store = MemoryStore()
    stale = AccuracyRecord(canonical_key({"bits": 8}), 0.1, None, 1.0)
    store.put("proxy-digits:e1-b128-lr0.02-s3-t0.25", stale)  # how v1 (before the batch-norm fix) named it
    store.put(f"proxy-digits-v{TRAINER_VERSION - 1}:e1-b128-lr0.02-s3-t0.25", stale)
    trained = []
    monkeypatch.setattr(trainer, "evaluate", lambda choices: trained.append(choices) or 0.9)
    cached = CachedEvaluator(trainer, store)
    assert cached.evaluate({"bits": 8}) == 0.9 and trained == [{"bits": 8}]  # trained afresh, not the stale 0.1
    assert cached.evaluate({"bits": 8}) == 0.9 and len(trained) == 1  # this version's score is cached
