"""Torch side of the proxy trainer: fake-quantised MobileNetV2-style blocks and a short training run.

Only :class:`envs.accuracy.proxy.ProxyTrainer` imports this module, so torch loads
only when a proxy evaluation actually runs. A change here that moves scores bumps
:data:`envs.accuracy.proxy.TRAINER_VERSION` (cached scores are keyed by it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from envs.accuracy.proxy import MAX_SIDE, ProxyNetwork, TrainingSetup

NUM_CLASSES = 10
FULL_PRECISION_BITS = 32


def fake_quantize(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Round ``x`` to a ``bits``-bit uniform grid over its own range; gradients pass straight through.

    Non-negative tensors (after ReLU6) use an unsigned grid [0, max]; others a
    symmetric signed grid [-max, max]. The range is per tensor and not
    differentiated (the straight-through estimator treats rounding as identity).
    """
    if bits >= FULL_PRECISION_BITS:
        return x
    detached = x.detach()
    peak = detached.abs().max().clamp_min(1e-8)
    levels = 2**bits - 1 if bool(detached.min() >= 0) else 2 ** (bits - 1) - 1
    scale = peak / levels
    quantized = torch.round(detached / scale).clamp(-levels, levels) * scale
    return x + (quantized - detached)


class QuantConv2d(nn.Conv2d):
    """A convolution whose weights and input activations are fake-quantised to ``bits``."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, groups: int, bits: int) -> None:
        super().__init__(in_ch, out_ch, kernel, stride, padding=kernel // 2, groups=groups, bias=False)
        self.bits = bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve the quantised input with the quantised weights."""
        weight = fake_quantize(self.weight, self.bits)
        return self._conv_forward(fake_quantize(x, self.bits), weight, None)


class QuantLinear(nn.Linear):
    """The classifier with fake-quantised weights and inputs."""

    def __init__(self, in_features: int, out_features: int, bits: int) -> None:
        super().__init__(in_features, out_features)
        self.bits = bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Affine map of the quantised input with quantised weights."""
        return F.linear(fake_quantize(x, self.bits), fake_quantize(self.weight, self.bits), self.bias)


def conv_bn(in_ch: int, out_ch: int, kernel: int, stride: int, groups: int, bits: int, act: bool) -> nn.Sequential:
    """Quantised conv, batch norm, and ReLU6 when ``act``."""
    layers: list[nn.Module] = [QuantConv2d(in_ch, out_ch, kernel, stride, groups, bits), nn.BatchNorm2d(out_ch)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, kxk depthwise, 1x1 project; identity shortcut when shapes allow.

    ``side`` is the input's spatial size: a depthwise kernel wider than ``2 * side - 1``
    is cropped to that width, because its outer taps only ever see zero padding (the
    block computes exactly the same function, with fewer wasted multiplies).
    """

    def __init__(
        self, in_ch: int, out_ch: int, kernel: int, expansion: float, stride: int, bits: int, side: int
    ) -> None:
        super().__init__()
        hidden = max(1, round(in_ch * expansion))
        kernel = min(kernel, 2 * side - 1)
        layers: list[nn.Module] = []
        if hidden != in_ch:
            layers.append(conv_bn(in_ch, hidden, 1, 1, 1, bits, act=True))
        layers.append(conv_bn(hidden, hidden, kernel, stride, hidden, bits, act=True))
        layers.append(conv_bn(hidden, out_ch, 1, 1, 1, bits, act=False))
        self.body = nn.Sequential(*layers)
        self.shortcut = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Block output, plus the input when the block keeps its shape."""
        out = self.body(x)
        return out + x if self.shortcut else out


def output_side(side: int, stride: int) -> int:
    """Spatial size after a 'same'-padded convolution with ``stride``."""
    return (side - 1) // stride + 1


def build_model(network: ProxyNetwork) -> nn.Module:
    """The torch module of ``network`` (10-way classifier over 1-channel images)."""
    bits = network.bits
    layers: list[nn.Module] = [conv_bn(1, network.stem_channels, 3, network.stem_stride, 1, bits, act=True)]
    channels = network.stem_channels
    side = output_side(network.input_side, network.stem_stride)
    for stage in network.stages:
        for index in range(stage.depth):
            stride = stage.stride if index == 0 else 1
            layers.append(
                InvertedResidual(channels, stage.channels, stage.kernel, stage.expansion, stride, stage.bits, side)
            )
            channels, side = stage.channels, output_side(side, stride)
    layers.append(conv_bn(channels, network.head_channels, 1, 1, 1, bits, act=True))
    layers.extend([nn.AdaptiveAvgPool2d(1), nn.Flatten(), QuantLinear(network.head_channels, NUM_CLASSES, bits)])
    return nn.Sequential(*layers)


@functools.cache
def digits_split(side: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified train/test split of scikit-learn's digits at ``side`` x ``side`` pixels, scaled to [0, 1].

    The split is fixed (random_state 0) whatever the training seed, so every
    architecture is scored on the same held-out images.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    if side != MAX_SIDE:
        tensor = torch.from_numpy(images)
        images = F.interpolate(tensor, size=(side, side), mode="bilinear", antialias=True, align_corners=False).numpy()
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=test_fraction, stratify=digits.target, random_state=0
    )
    return x_train, x_test, y_train.astype(np.int64), y_test.astype(np.int64)


@contextmanager
def deterministic_torch(seed: int) -> Iterator[None]:
    """Seeded, single-threaded, deterministic torch for the duration of the block (then restored)."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    fill = torch.utils.deterministic.fill_uninitialized_memory
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.utils.deterministic.fill_uninitialized_memory = False  # NaN-filling every new tensor doubles the time
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
        torch.utils.deterministic.fill_uninitialized_memory = fill


def recalibrate_batch_norm(model: nn.Module, inputs: torch.Tensor) -> None:
    """Set every batch norm's running statistics to those of ``inputs`` under the model's final weights.

    Training leaves each running mean/variance as an exponential average (momentum
    0.1) of batch statistics taken while the weights were still moving, still
    weighted towards the initial (0, 1) after a short run: after one epoch (11
    steps) the evaluated network collapses to a single class whatever its
    architecture. Recomputing the statistics once over the whole training set
    with the trained weights (as Once-for-All does for its sub-networks) scores
    the network that was actually trained. The model is left in eval mode.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average: one full batch gives its exact statistics
    model.train()
    with torch.no_grad():
        model(inputs)
    model.eval()


def train_and_score(network: ProxyNetwork, setup: TrainingSetup) -> float:
    """Train ``network`` for ``setup.epochs`` epochs on digits and return its held-out accuracy.

    Batch norm statistics are recomputed on the training set after training
    (:func:`recalibrate_batch_norm`), so the score is that of the trained weights.
    """
    x_train, x_test, y_train, y_test = digits_split(network.input_side, setup.test_fraction)
    with deterministic_torch(setup.seed):
        model = build_model(network)
        optimizer = torch.optim.Adam(model.parameters(), lr=setup.learning_rate)
        inputs, targets = torch.from_numpy(x_train), torch.from_numpy(y_train)
        steps = setup.epochs * math.ceil(len(inputs) / setup.batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, setup.learning_rate, total_steps=steps)
        generator = torch.Generator().manual_seed(setup.seed)
        model.train()
        for _ in range(setup.epochs):
            order = torch.randperm(len(inputs), generator=generator)
            for start in range(0, len(inputs), setup.batch_size):
                batch = order[start : start + setup.batch_size]
                loss = F.cross_entropy(model(inputs[batch]), targets[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
        recalibrate_batch_norm(model, inputs)
        with torch.no_grad():
            predictions = model(torch.from_numpy(x_test)).argmax(dim=1).numpy()
    return float((predictions == y_test).mean())
