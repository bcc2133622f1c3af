"""Ethos-U85 elementwise output blocks against Vela 5.2 (docs/npu.md "The U85 elementwise block").

The table was read from Vela 5.2's debug database (``vela --enable-debug-db``, default U85 system) for the
LLM decoder block of tests/support/tflite_llm.py (its norm MUL and softmax's elementwise passes) and for
single add/mul probe graphs (tests/support/tflite_models.py's writer; shapes, broadcast operands, int16):
96 elementwise operations on U85-256 and U85-512, all of which archsim's block matches; a sample is
listed here and three probes are compiled live.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.tflite_models import TfliteGraphWriter

from archsim.config.loader import load_arch
from archsim.npu.blocks import choose_block, elementwise_block
from archsim.npu.ops import Geometry, NpuKind

Shape = tuple[int, int, int]

VELA_BLOCKS: list[tuple[str, Shape, Shape | None, int, Shape]] = [
    # (preset, output (= first operand unless noted), second operand, input bits, Vela's output block)
    ("ethos-u85-256", (1, 1, 256), (1, 1, 256), 8, (1, 8, 256)),  # the decoder's norm2 MUL
    ("ethos-u85-512", (1, 1, 256), (1, 1, 256), 8, (2, 16, 256)),
    ("ethos-u85-256", (1, 2, 128), (1, 2, 1), 8, (1, 16, 128)),  # softmax: x - max, broadcast in depth
    ("ethos-u85-512", (1, 2, 128), (1, 2, 1), 8, (2, 16, 128)),
    ("ethos-u85-256", (1, 2, 128), (1, 1, 1), 32, (1, 4, 128)),  # softmax: 32-bit shift by a scalar
    ("ethos-u85-512", (1, 2, 128), (1, 1, 1), 32, (2, 8, 128)),
    ("ethos-u85-256", (1, 2, 1), None, 32, (1, 32, 16)),  # softmax: unary CLZ
    ("ethos-u85-512", (1, 2, 1), None, 32, (2, 64, 16)),
    ("ethos-u85-256", (1, 2, 128), (1, 2, 1), 32, (1, 4, 128)),  # softmax: 32-bit scale, broadcast in depth
    ("ethos-u85-512", (1, 2, 128), (1, 2, 1), 32, (2, 4, 128)),
    ("ethos-u85-256", (56, 56, 24), (56, 56, 24), 8, (56, 64, 32)),  # MobileNetV2-sized residual
    ("ethos-u85-512", (56, 56, 24), (56, 56, 24), 8, (56, 128, 32)),
    ("ethos-u85-256", (7, 7, 160), (7, 7, 160), 8, (7, 12, 160)),
    ("ethos-u85-512", (7, 7, 160), (7, 7, 160), 8, (7, 28, 160)),
    ("ethos-u85-256", (1, 1, 2000), (1, 1, 2000), 8, (1, 2, 1024)),
    ("ethos-u85-512", (1, 1, 2000), (1, 1, 2000), 8, (2, 4, 1024)),
    ("ethos-u85-256", (2, 130, 20), (2, 130, 20), 8, (2, 128, 16)),
    ("ethos-u85-512", (150, 3, 16), (150, 3, 16), 8, (76, 256, 16)),
    ("ethos-u85-256", (8, 8, 64), (1, 1, 64), 8, (8, 8, 32)),  # broadcast in height and width
    ("ethos-u85-512", (16, 16, 32), (1, 16, 1), 8, (16, 16, 32)),  # broadcast in height and depth
    ("ethos-u85-256", (4, 10, 48), (1, 10, 48), 8, (4, 16, 16)),  # broadcast in height
    ("ethos-u85-512", (4, 10, 48), (4, 1, 48), 8, (4, 86, 48)),  # broadcast in width: no change
    ("ethos-u85-256", (20, 20, 16), (1, 1, 1), 8, (20, 128, 16)),  # scalar operand
    ("ethos-u85-256", (10, 10, 40), (10, 10, 40), 16, (10, 22, 48)),
    ("ethos-u85-256", (6, 6, 48), (6, 6, 1), 16, (1, 8, 48)),
    ("ethos-u85-512", (4, 10, 48), (1, 10, 48), 16, (4, 8, 16)),
]


@pytest.mark.parametrize(("preset", "ofm", "ifm2", "bits", "vela"), VELA_BLOCKS)
def test_elementwise_blocks_are_velas(preset: str, ofm: Shape, ifm2: Shape | None, bits: int, vela: Shape) -> None:
    geometry = Geometry(NpuKind.ELEMENTWISE, ofm, ofm, ifm_bits=bits, ifm2=ifm2)
    config = load_arch(preset)
    assert elementwise_block(geometry, config) == vela
    block = choose_block(geometry, config)
    assert block.ofm == block.ifm == vela


def test_presets_without_the_u85_buffers_keep_the_least_fetch_search() -> None:
    """U55/U65: the block stays within the output rounded to micro-blocks (2 wide here, not the U85's 8-16)."""
    geometry = Geometry(NpuKind.ELEMENTWISE, (1, 1, 256), (1, 1, 256), ifm2=(1, 1, 256))
    for preset in ("ethos-u55-128", "ethos-u55-256", "ethos-u65-256", "ethos-u65-512"):
        config = load_arch(preset)
        assert config.ob_ram_bytes == config.cb_ram_bytes == 0
        assert choose_block(geometry, config).ofm[1] <= config.ublock_w


def test_output_and_chaining_buffers_are_set_together() -> None:
    with pytest.raises(ValueError, match="ob_ram_bytes and cb_ram_bytes"):
        dataclasses.replace(load_arch("ethos-u85-256"), cb_ram_bytes=0)


def _debug_table(path: Path, name: str) -> list[dict[str, str]]:
    """Rows of one table of Vela's debug database (CSV inside the XML)."""
    text = path.read_text()
    match = re.search(rf'<table name="{name}"[^>]*>\s*<!\[CDATA\[\n(.*?)\]\]>', text, re.S)
    assert match is not None, name
    return list(csv.DictReader(io.StringIO(match.group(1))))


def _vela_elementwise(model: Path, accelerator: str, out_dir: Path) -> list[tuple[Geometry, Shape]]:
    """Each elementwise op Vela compiles in ``model``: its geometry (batch folded into height) and block."""
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    subprocess.run([*command, "--enable-debug-db", "--output-dir", str(out_dir)], check=True, capture_output=True)
    path = out_dir / f"{model.stem}_debug.xml"
    blocks = {row["id"]: row for row in _debug_table(path, "perf_debug_main")}
    operators = {row["id"]: row["operator"] for row in _debug_table(path, "perf")}
    found = []
    for row in _debug_table(path, "perf_debug"):
        if operators.get(row["id"]) not in ("Add", "Mul"):
            continue

        def shape(prefix: str, row: dict[str, str] = row) -> Shape | None:
            n, h, w, c = (int(row[f"{prefix}_shape_{axis}"] or 0) for axis in "nhwc")
            return (n * h, w, c) if n else None

        bits = int(row["ifm_dtype"].removeprefix("U").removeprefix("Int"))
        geometry = Geometry(NpuKind.ELEMENTWISE, shape("ifm"), shape("ofm"), ifm_bits=bits, ifm2=shape("ifm2"))
        found.append((geometry, tuple(int(blocks[row["id"]][f"ofm_block_{axis}"]) for axis in "hwc")))
    return found


@pytest.mark.parametrize("accelerator", ["ethos-u85-256", "ethos-u85-512"])
@pytest.mark.parametrize(
    ("first", "second", "op"),
    [
        ((1, 28, 28, 32), (1, 28, 28, 32), "add"),
        ((1, 16, 16, 32), (1, 16, 16, 1), "add"),  # broadcast in depth
        ((1, 1, 1, 768), (1, 1, 1, 768), "mul"),
    ],
)
def test_live_probe_blocks_are_velas(
    first: tuple[int, ...], second: tuple[int, ...], op: str, accelerator: str, tmp_path: Path
) -> None:
    """One add/mul of two graph inputs compiled by Vela 5.2: archsim's block is the one Vela picks."""
    w = TfliteGraphWriter("int8", seed=0)
    x, y = w.input(first, name="x"), w.input(second, name="y")
    out = (w.add if op == "add" else w.mul)(x, y, name="out")
    model = w.write(tmp_path / "probe.tflite", [out])
    ops = _vela_elementwise(model, accelerator, tmp_path / "out")
    assert len(ops) == 1
    geometry, vela = ops[0]
    assert elementwise_block(geometry, load_arch(accelerator)) == vela
