"""The proxy trainer: a scaled-down network of the chosen shape, trained briefly on digits.

The proxy keeps what the co-search varies (per-stage depth, kernel size, expansion
ratio, relative widths, input resolution and bit-width) and shrinks the rest so
that one evaluation takes about a second on one core: 8x8 inputs from
scikit-learn's ``load_digits`` (1,797 images, 10 classes), channel counts divided
by a constant, a fixed number of epochs, a fixed seed. Weights and activations are
fake-quantised to the chosen bit-width during training (straight-through
estimator), so a lower bit-width costs accuracy as on real hardware.

What the proxy accuracy is: a deterministic, cheap signal that ranks architectures
and bit-widths on a toy task. What it is not: ImageNet (or any real task's)
accuracy; small gaps between architectures are within the noise of a different seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from envs.accuracy.base import Choices

MAX_SIDE = 8
"""Side of the digits images (pixels): the proxy's full resolution."""

BITS = (2, 3, 4, 5, 6, 7, 8, 16, 32)
"""Bit-widths the fake quantiser accepts (32 means no quantisation)."""


@dataclass(frozen=True)
class ProxyStage:
    """One stage of inverted-residual blocks: ``depth`` blocks, the first with ``stride``, at ``bits``."""

    channels: int
    depth: int
    kernel: int
    expansion: float
    stride: int
    bits: int

    def __post_init__(self) -> None:
        for name in ("channels", "depth", "kernel"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"proxy stage: {name} must be a positive integer, got {value!r}")
        if self.kernel % 2 == 0:
            raise ValueError(f"proxy stage: kernel must be odd, got {self.kernel}")
        if not self.expansion >= 1:
            raise ValueError(f"proxy stage: expansion must be >= 1, got {self.expansion!r}")
        if self.stride not in (1, 2):
            raise ValueError(f"proxy stage: stride must be 1 or 2, got {self.stride!r}")
        if self.bits not in BITS:
            raise ValueError(f"proxy stage: bits must be one of {BITS}, got {self.bits!r}")


@dataclass(frozen=True)
class ProxyNetwork:
    """A MobileNetV2-style network small enough to train on 8x8 digits in a second.

    ``input_side`` < 8 downsamples the digits (a lower input resolution);
    ``bits`` is the fake-quantisation width of the stem, head and classifier (each
    stage has its own).
    """

    stem_channels: int
    stages: tuple[ProxyStage, ...]
    head_channels: int
    input_side: int
    bits: int
    stem_stride: int = 1

    def __post_init__(self) -> None:
        if self.stem_stride not in (1, 2):
            raise ValueError(f"proxy network: stem_stride must be 1 or 2, got {self.stem_stride!r}")
        if not self.stages:
            raise ValueError("proxy network: needs at least one stage")
        for name in ("stem_channels", "head_channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"proxy network: {name} must be a positive integer, got {value!r}")
        if not 2 <= self.input_side <= MAX_SIDE:
            raise ValueError(f"proxy network: input_side must be in [2, {MAX_SIDE}], got {self.input_side!r}")
        if self.bits not in BITS:
            raise ValueError(f"proxy network: bits must be one of {BITS}, got {self.bits!r}")

    @property
    def blocks(self) -> int:
        """Inverted-residual blocks over all stages."""
        return sum(stage.depth for stage in self.stages)


TRAINER_VERSION = 2
"""Version of what :func:`envs.accuracy.torchnet.train_and_score` computes, part of the trainer's cache name:
bump it whenever a change there moves scores, so cached scores of the old trainer are never served.
v2: batch-norm statistics recomputed with the trained weights before scoring (v1 scored short runs
with lagging running averages, often at chance)."""


@dataclass(frozen=True)
class TrainingSetup:
    """How the proxy is trained; part of the evaluator's name, so caches never mix setups."""

    epochs: int = 6
    batch_size: int = 128
    learning_rate: float = 0.02
    seed: int = 0
    test_fraction: float = 0.25

    def __post_init__(self) -> None:
        if self.epochs <= 0 or self.batch_size <= 0:
            raise ValueError(f"training setup: epochs and batch_size must be > 0, got {self.epochs}, {self.batch_size}")
        if not self.learning_rate > 0:
            raise ValueError(f"training setup: learning_rate must be > 0, got {self.learning_rate}")
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"training setup: test_fraction must be in (0, 1), got {self.test_fraction}")

    @property
    def tag(self) -> str:
        """Short text naming the setup."""
        return f"e{self.epochs}-b{self.batch_size}-lr{self.learning_rate:g}-s{self.seed}-t{self.test_fraction:g}"


class ProxyTrainer:
    """Accuracy evaluator that trains the proxy network of the chosen architecture.

    Deterministic: a fixed data split, ``torch.manual_seed``, one thread and
    deterministic algorithms (restored afterwards), so the same choices always give
    the same accuracy on the same machine.

    Args:
        describe: turns network choices into the :class:`ProxyNetwork` to train
            (for a network family, :class:`envs.accuracy.scaling.FamilyProxy`).
        setup: epochs, batch size, learning rate, seed and test split.
        name: names the evaluator in the cache (default: ``proxy-digits``, the trainer version and the setup).
    """

    def __init__(
        self,
        describe: Callable[[Choices], ProxyNetwork],
        setup: TrainingSetup | None = None,
        name: str | None = None,
    ) -> None:
        self.describe = describe
        self.setup = setup or TrainingSetup()
        self.name = name or f"proxy-digits-v{TRAINER_VERSION}:{self.setup.tag}"

    def evaluate(self, choices: Choices) -> float:
        """Held-out digits accuracy of the proxy of ``choices`` after brief quantisation-aware training."""
        from envs.accuracy.torchnet import train_and_score  # torch is imported here only

        return train_and_score(self.describe(choices), self.setup)
