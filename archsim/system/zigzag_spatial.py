"""The spatial unrolling ZigZag's generator ranks first, as Stream prices a core with it.

Stream 2.1.1 costs a layer slice on a ZigZag core with ``nb_mappings_generated=1``:
ZigZag's spatial-mapping generator keeps the one unrolling it ranks highest, and only
the temporal mapping is searched (LOMA). Its rule, restated from ZigZag 3.9.1's
``SpatialMappingGeneratorStage`` (read, not copied):

1. per array dimension, each loop may be unrolled up to ``min(loop size, dimension size)``;
   an innermost memory serving that dimension caps the loops relevant to its operand at
   ``port bits / operand bits`` elements (partial sums at the accumulator width);
2. candidates per array dimension: one loop by any divisor of its cap, and (``mixed``)
   two or more loops by products of their non-trivial divisors within the dimension;
3. the kept combination maximises ``utilization + utilization / largest loop unrolling - 1``
   (array use first, then spread over loops), no loop unrolled beyond its size.

Ties go to the combination generated first: one-loop candidates before mixed ones, loops
in the order ZigZag iterates its set of dimension names. That order is fixed (ZigZag hashes a
dimension by the SHA-512 of its name); for the dims ``D0..D6`` Stream gives an ONNX
convolution (B, OY, OX, FY, FX, C, K) it is D4, D0, D3, D1, D2, D5, D6 (printed by ZigZag
3.9.1 on Python 3.12), i.e. :data:`HINT_ORDER`. Stream runs the one-loop generator, and the
mixed one too when it fills more of the array, and keeps the faster of the two.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

from archsim.config.loopnest import Direction
from archsim.loopnest.layer import LoopNestLayer, Operand

Spatial = dict[str, dict[str, int]]

HINT_ORDER = ("FX", "B", "FY", "OY", "OX", "C", "K")
"""Loop order in which ZigZag's generator proposes unrollings of a Stream convolution (see above)."""


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def unrolling_caps(layer: LoopNestLayer, config: Any) -> dict[str, dict[str, int]]:
    """Per array dimension and loop, the largest unrolling (rule 1 of the module docstring)."""
    array = config.operational_array.size_of
    caps = {oa: {loop: min(size, width) for loop, size in layer.sizes.items()} for oa, width in array.items()}
    link = {config.operand_links[op.value]: op for op in layer.operands}
    for mem in config.memories:
        held = [m for m in mem.operands if m in link]
        if not held or any(config.levels(m)[0] is not mem for m in held):
            continue  # not an innermost memory
        for memory_operand in held:
            op = link[memory_operand]
            output = op is layer.operands[0]
            port = mem.port_of(memory_operand, Direction.FROM_LOW if output else Direction.TO_LOW)
            if port is None:
                continue
            bits = layer.precision["O" if output else op.value]
            limit = int(port.bandwidth_max // bits)
            irrelevant = set(layer.irrelevant(op))
            for oa in mem.served_dimensions:
                for loop in caps.get(oa, {}):
                    if loop not in irrelevant:
                        caps[oa][loop] = min(caps[oa][loop], limit)
    return caps


def _options(caps: dict[str, int], width: int, mixed: bool) -> list[dict[str, int]]:
    """Candidates of one array dimension in generation order, then sorted by utilization (stable)."""
    ranked = [loop for loop in HINT_ORDER if loop in caps] + [loop for loop in caps if loop not in HINT_ORDER]
    loops = [loop for loop in ranked if caps[loop] >= 1]
    out: list[dict[str, int]] = [{loop: f} for loop in loops for f in sorted(_divisors(caps[loop]), reverse=True)]
    if mixed:
        pools = {loop: [d for d in _divisors(caps[loop]) if d > 1] for loop in loops}
        for length in range(2, len(loops) + 1):
            for combo in itertools.combinations(loops, length):
                for factors in itertools.product(*(pools[loop] for loop in combo)):
                    if math.prod(factors) <= width:
                        out.append(dict(zip(combo, factors, strict=True)))
    return sorted(out, key=lambda o: -math.prod(o.values()))


def zigzag_spatial(layer: LoopNestLayer, config: Any, mixed: bool) -> tuple[int, Spatial]:
    """(array units used, the unrolling ZigZag's generator ranks first) for ``layer`` on ``config``."""
    array = config.operational_array.size_of
    caps = unrolling_caps(layer, config)
    dims = list(array)
    per_dim = [_options(caps[oa], array[oa], mixed) for oa in dims]
    best_score = -math.inf
    best: Spatial = {}
    best_util = 0
    for choice in itertools.product(*per_dim):
        totals: dict[str, int] = {}
        for option in choice:
            for loop, f in option.items():
                totals[loop] = totals.get(loop, 1) * f
        if any(f > layer.sizes[loop] for loop, f in totals.items()):
            continue
        util = math.prod(math.prod(o.values()) for o in choice)
        score = util + util / max(totals.values(), default=1) - 1
        if score > best_score + 1e-9:
            best_score, best_util = score, util
            best = {oa: {k: v for k, v in o.items() if v > 1} for oa, o in zip(dims, choice, strict=True)}
    return best_util, best


def with_accumulator(layer: LoopNestLayer, psum_bits: int) -> LoopNestLayer:
    """``layer`` with partial sums of ``psum_bits`` bits (a core's accumulator width; 0 keeps the default)."""
    if psum_bits <= 0 or layer.operands[0] is not Operand.O:
        return layer
    return dataclasses.replace(layer, precision={**layer.precision, "O": psum_bits})


__all__ = ["HINT_ORDER", "unrolling_caps", "with_accumulator", "zigzag_spatial"]
