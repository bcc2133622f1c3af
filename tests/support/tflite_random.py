"""Seeded random networks for checks on unseen shapes: small int8 ones (convolutions, depthwise, pooling, residual
adds) and larger mobile-class ones in int8 or int16 (:func:`random_block_network`).

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


BLOCK_PRESETS = tuple(preset for preset in ETHOS_PRESETS if not preset.startswith("ethos-u55"))
"""The presets with an SRAM cache in front of DRAM (Vela's Dedicated_Sram), where cascades and placement matter."""


def random_block_network(seed: int, path: Path) -> tuple[Path, str, str]:
    """Write seed ``seed``'s mobile-class network to ``path``; return it, the preset and the activation type drawn.

    A 96 to 224-pixel input, a strided 3x3 stem, then 4 to 9 blocks: separable (depthwise + pointwise), inverted
    residual (expand, depthwise, project, add), residual (two 3x3, add) or plain 3x3; strides 1 and 2, widths up to
    512 (960 expanded); int8 or int16 activations. Maps large enough for Vela to cascade them through the cache.
    """
    rng = random.Random(seed)
    dtype = rng.choice(["int8", "int16"])
    g = TfliteGraphWriter(dtype, seed=rng.randint(0, 999))
    size = rng.choice([96, 112, 128, 160, 224])
    x = g.conv2d(g.input((1, size, size, 3)), rng.choice([16, 24, 32]), 3, 2, "same", "relu6")
    for _ in range(rng.randint(4, 9)):
        _, height, _, channels = g.shape(x)
        kind = rng.choice(["separable", "separable", "inverted", "residual", "plain"])
        stride = rng.choice([1, 1, 2]) if height > 7 else 1
        widths = [channels, 2 * channels, 4 * channels] if stride == 2 else [channels, channels, 2 * channels]
        out = min(rng.choice(widths), 512)
        if kind == "separable":
            x = g.conv2d(g.depthwise(x, 3, stride, "same", "relu6"), out, 1, 1, "same", "relu6")
        elif kind == "inverted":
            y = g.conv2d(x, min(6 * channels, 960), 1, 1, "same", "relu6")
            projected = channels if stride == 1 else out
            y = g.conv2d(g.depthwise(y, 3, stride, "same", "relu6"), projected, 1, 1, "same", None)
            x = g.add(x, y) if stride == 1 else y
        elif kind == "residual":
            y = g.conv2d(g.conv2d(x, channels, 3, 1, "same", "relu"), channels, 3, 1, "same", None)
            x = g.add(x, y, "relu")
        else:
            x = g.conv2d(x, out, 3, stride, "same", "relu")
    return g.write(path, [x]), rng.choice(BLOCK_PRESETS), dtype
