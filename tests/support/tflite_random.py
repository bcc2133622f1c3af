"""Seeded random small int8 networks (convolutions, depthwise, pooling, residual adds) for checks on unseen shapes.

Odd feature-map sizes, channel counts that are not multiples of 8 (down to 3), 1x1 to 5x5 kernels, strides 1
and 2, SAME and VALID padding: the shapes the zoo networks never hit, where layout and block rules show.
"""

from __future__ import annotations

import random
from pathlib import Path

from support.tflite_models import TfliteGraphWriter
from support.vela_runs import ETHOS_PRESETS


def random_network(seed: int, path: Path) -> tuple[Path, str]:
    """Write seed ``seed``'s network to ``path``; return it and the preset the seed draws."""
    rng = random.Random(seed)
    g = TfliteGraphWriter("int8", seed=rng.randint(0, 999))
    h = rng.choice([7, 12, 17, 28, 33, 56])
    w = rng.choice([h, h + 5, 9])
    x = g.input((1, h, w, rng.choice([3, 8, 13, 16, 24, 37, 64, 96])))
    for _ in range(rng.randint(2, 5)):
        _, height, width, channels = g.shape(x)
        small = min(height, width)
        kind = rng.choice(["conv", "conv", "depthwise", "pool", "add", "pointwise"])
        if kind == "conv":
            kernel = rng.choice([1, 3, 5])
            stride = rng.choice([1, 1, 2]) if small > 4 else 1
            padding = rng.choice(["same", "valid"]) if small > kernel else "same"
            filters = rng.choice([8, 16, 19, 32, 48, 64, 100, 128])
            x = g.conv2d(x, filters, kernel, stride, padding, rng.choice(["relu", None, "relu6"]))
        elif kind == "pointwise":
            x = g.conv2d(x, rng.choice([16, 40, 72, 160, 256]), 1, 1, "same", "relu6")
        elif kind == "depthwise":
            stride = rng.choice([1, 2]) if small > 4 else 1
            x = g.depthwise(x, rng.choice([3, 5]), stride, "same", "relu6")
        elif kind == "pool" and small >= 4:
            x = g.pool(x, rng.choice(["max", "avg"]), rng.choice([2, 3]), 2, "same")
        elif kind == "add":
            x = g.add(x, g.conv2d(x, channels, 1, 1, "same", None), rng.choice([None, "relu"]))
    return g.write(path, [x]), rng.choice(ETHOS_PRESETS)
