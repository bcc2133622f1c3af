"""The many-core (GPU-class) family: its mechanisms, physics, config validation and the CLI.

Mechanisms asserted as the model states them (archsim/manycore/model.py): tiles run
in waves over the cores, each tile's accumulators taking less than the register file; a
kernel with fewer tiles than cores gets only those cores' shares of the DRAM; an operand
that fits half the L2 crosses the DRAM once however many tiles read it; a row-wise op
re-reads its rows from the L2 while the rows in flight fit it, from DRAM otherwise (a
row-blind softmax: three passes from DRAM); a vector op is never faster than its counted
instructions (an 8-bit softmax is bound by them, an add by its bytes). Physics on a grid of
shapes: never above the arrays' peak, never more DRAM bytes than the usable rate x time,
more bandwidth never slower.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.config.manycore import ManyCoreConfig
from archsim.errors import InputError
from archsim.manycore.instructions import (
    BINARY,
    GELU,
    LAYERNORM_OUT,
    LAYERNORM_STATS,
    SILU,
    SOFTMAX_MAX,
    SOFTMAX_OUT,
    SOFTMAX_SUM,
    arithmetic_cycles,
    kernel_passes,
)
from archsim.manycore.model import (
    Gemm,
    dram_read_passes,
    gemm_cost,
    gemm_of,
    op_cost,
    rows_in_flight,
    vector_cost,
)
from workloads.llm import build_llm, parse_spec
from workloads.ops import Activation, MatMul, VectorFn, VectorOp

A100 = load_arch("a100-manycore")


def test_the_preset_is_the_datasheet() -> None:
    assert isinstance(A100, ManyCoreConfig)
    assert 2 * A100.peak_macs_per_cycle * A100.clock_mhz * 1e6 == pytest.approx(311.9e12, rel=1e-3)
    assert A100.dram_bytes_per_cycle * A100.clock_mhz * 1e6 == pytest.approx(2039e9 * (1 - 0.0897))


SHAPES = [(1, 1, 4096, 4096), (8, 8, 12288, 3072), (192, 1, 3072, 128), (1, 8192, 64, 64), (2, 4096, 4096, 4096)]


@pytest.mark.parametrize(("batch", "m", "n", "k"), SHAPES)
@pytest.mark.parametrize("shared", [True, False])
def test_physics_on_a_grid_of_matmuls(batch: int, m: int, n: int, k: int, shared: bool) -> None:
    op = MatMul("op", m=m, n=n, k=k, batch=batch, weight_operand=shared)
    cost = op_cost(op, A100)
    assert cost.cycles >= op.macs / A100.peak_macs_per_cycle
    assert cost.padded_macs >= op.macs
    moved = cost.dram_read_bytes + cost.dram_write_bytes
    assert moved >= (op.input_elements + op.weight_elements + op.output_elements) * 2  # compulsory bytes
    assert moved <= A100.dram_bytes_per_cycle * cost.cycles * (1 + 1e-12)
    faster = op_cost(op, dataclasses.replace(A100, dram_gb_per_s=2 * A100.dram_gb_per_s))
    assert faster.cycles <= cost.cycles


def test_waves_and_the_lost_dram_share_of_idle_cores() -> None:
    """Without split-K a weight GEMV over 54 tiles of 64 columns (the fewest a kernel has) runs on half the
    cores: twice the time of the whole DRAM rate; 108 tiles reach it."""
    unsplit = dataclasses.replace(A100, split_k_max=1)
    half = op_cost(MatMul("half", m=1, n=54 * 64, k=8192), unsplit)
    full = op_cost(MatMul("full", m=1, n=108 * 64, k=8192), unsplit)
    assert half.bound == full.bound == "dram" and half.waves == full.waves == 1
    assert half.cycles == pytest.approx(full.cycles, rel=0.02)  # same time for half the bytes
    whole_rate = (full.dram_read_bytes + full.dram_write_bytes) / A100.dram_bytes_per_cycle
    assert full.cycles == pytest.approx(whole_rate, rel=0.02)


def test_split_k_puts_a_gemv_on_every_core() -> None:
    """Split into K slices, the 54-tile GEMV keeps every core streaming: within 3% of the whole DRAM rate,
    its fp32 partial sums written and read back (in the bytes, under bandwidth x time); a GEMM whose tiles
    already fill the cores is never split."""
    gemv = op_cost(MatMul("half", m=1, n=54 * 64, k=8192), A100)
    assert gemv.split_k > 1
    assert gemv.dram_partial_bytes == gemv.split_k * 54 * 64 * 4
    moved = gemv.dram_read_bytes + gemv.dram_write_bytes
    assert moved <= A100.dram_bytes_per_cycle * gemv.cycles * (1 + 1e-12)
    assert gemv.cycles == pytest.approx(moved / A100.dram_bytes_per_cycle, rel=0.03)
    unsplit = op_cost(MatMul("half", m=1, n=54 * 64, k=8192), dataclasses.replace(A100, split_k_max=1))
    assert gemv.cycles < 0.55 * unsplit.cycles
    assert op_cost(MatMul("big", m=8192, n=12288, k=12288), A100).split_k == 1


def test_a_tile_s_accumulators_take_less_than_the_register_file() -> None:
    """A 256 x 256 tile's fp32 accumulators (256 KB) fill the A100's register file: never a candidate there;
    with a larger file (the MI210's 512 KB per CU) it is, and it is the fastest for a large square GEMM."""
    big = MatMul("big", m=32768, n=12288, k=12288)
    tile = op_cost(big, A100).tile
    assert tile is not None and tile[0] * tile[1] * 4 < A100.register_file_kb * 1024
    assert op_cost(big, dataclasses.replace(A100, register_file_kb=512)).tile == (256, 256)
    assert load_arch("mi210-manycore").register_file_kb == 512


def test_a_shared_operand_crosses_the_dram_once_while_it_fits_half_the_l2() -> None:
    small = gemm_cost(gemm_of(MatMul("w", m=8192, n=1024, k=1024), 2), A100)  # 2 MiB of weights
    assert small.dram_weight_bytes == 1024 * 1024 * 2
    assert small.l2_weight_bytes > 10 * small.dram_weight_bytes  # every row block of tiles reads it
    big = Gemm(1, 8192, 32768, 32768, 8192 * 32768 * 2, 32768**2 * 2, 8192 * 32768 * 2, 2, 2)
    assert gemm_cost(big, A100).dram_weight_bytes > big.b_bytes  # 2 GiB: re-read per wave footprint


def test_a_row_blind_softmax_reads_its_input_three_times() -> None:
    """Without its row length a softmax keeps the three passes from DRAM; other vector ops read once."""
    softmax = vector_cost(VectorOp("s", VectorFn.SOFTMAX, 1 << 24, 1 << 24, 5), A100)
    norm = vector_cost(VectorOp("n", VectorFn.LAYERNORM, 1 << 24, 1 << 24, 5), A100)
    add = vector_cost(VectorOp("a", VectorFn.ADD, 1 << 24, 1 << 24, 1), A100)
    assert softmax.dram_read_bytes == 3 * add.dram_read_bytes == 3 * norm.dram_read_bytes
    assert softmax.bound == add.bound == "dram"


def _rows(fn: VectorFn, rows: int, row: int) -> VectorOp:
    return VectorOp("op", fn, rows * row, rows * row, 5, row=row)


def test_rows_in_flight_are_the_resident_blocks() -> None:
    """108 SMs x 2,048 threads / 128 per block on the A100, 104 x 2,048 / 256 on the MI210; at most the op's rows."""
    assert rows_in_flight(_rows(VectorFn.LAYERNORM, 4096, 4096), A100) == 1728
    assert rows_in_flight(_rows(VectorFn.LAYERNORM, 4096, 4096), load_arch("mi210-manycore")) == 832
    assert rows_in_flight(_rows(VectorFn.LAYERNORM, 64, 4096), A100) == 64
    mi210 = load_arch("mi210-manycore")  # 832 rows x 2 bytes fit its 8 MiB L2 up to rows of 5,041
    assert dram_read_passes(_rows(VectorFn.LAYERNORM, 4096, 5041), mi210) == 1
    assert dram_read_passes(_rows(VectorFn.LAYERNORM, 4096, 5042), mi210) == 2


@pytest.mark.parametrize(("fn", "passes"), [(VectorFn.SOFTMAX, 3), (VectorFn.LAYERNORM, 2)])
def test_a_row_is_re_read_from_the_l2_while_the_rows_in_flight_fit_it(fn: VectorFn, passes: int) -> None:
    """1,728 rows in flight x 2 bytes fit the 40 MiB L2 up to rows of 12,136 elements: re-reads hit the
    L2 at 8,192 and come from DRAM at 16,384; 64 rows of 65,536 fit whatever the row."""
    for rows, row, from_dram in ((4096, 8192, 1), (4096, 16384, passes), (64, 65536, 1)):
        op = _rows(fn, rows, row)
        cost = vector_cost(op, A100)
        input_bytes = op.input_elements * A100.word_bytes
        assert cost.dram_read_bytes == from_dram * input_bytes, (rows, row)
        assert cost.l2_input_bytes == passes * input_bytes
        moved = cost.dram_read_bytes + cost.dram_write_bytes
        assert moved <= A100.dram_bytes_per_cycle * cost.cycles * (1 + 1e-12)
    assert dram_read_passes(_rows(fn, 4096, 12136), A100) == 1 < dram_read_passes(_rows(fn, 4096, 12144), A100)


def test_the_row_changes_no_count_of_the_op() -> None:
    blind = VectorOp("s", VectorFn.SOFTMAX, 1 << 24, 1 << 24, 5)
    known = dataclasses.replace(blind, row=2048)
    assert (known.vector_ops, known.input_elements, known.output_elements) == (
        blind.vector_ops,
        blind.input_elements,
        blind.output_elements,
    )
    with pytest.raises(ValueError, match="row"):
        dataclasses.replace(blind, row=-1)


def test_a_softmax_with_many_elements_and_few_bytes_is_arithmetic_bound() -> None:
    """An 8-bit softmax (2 bytes an element) of rows that stay in the L2: its 20 FMA-pipe instructions per
    element at 64 per SM-clock take longer than its bytes, so the counted instructions set its time."""
    op = _rows(VectorFn.SOFTMAX, 32768, 4096)
    int8 = dataclasses.replace(A100, word_bytes=1)
    cost = vector_cost(op, int8)
    assert cost.bound == "compute"
    assert cost.cycles == arithmetic_cycles(op, int8) == pytest.approx(op.output_elements * 20 / 64 / 108)
    assert cost.cycles > (cost.dram_read_bytes + cost.dram_write_bytes) / int8.dram_bytes_per_cycle
    fp16 = vector_cost(op, A100)  # the same op in fp16: 4 bytes an element, and the bytes bind (by 5%)
    assert fp16.bound == "dram" and fp16.cycles == pytest.approx(1.05 * arithmetic_cycles(op, A100), rel=0.01)


def test_a_copy_like_add_stays_bandwidth_bound() -> None:
    """An add moves 6 bytes per element for 6.25 issued instructions: an order of magnitude under its bytes."""
    op = VectorOp("a", VectorFn.ADD, 2 << 24, 1 << 24, 1, num_inputs=2)
    cost = vector_cost(op, A100)
    assert cost.bound == "dram"
    assert cost.cycles == (cost.dram_read_bytes + cost.dram_write_bytes) / A100.dram_bytes_per_cycle
    assert arithmetic_cycles(op, A100) < cost.cycles / 9


def test_which_kernels_are_counted() -> None:
    """Softmax 3 passes, norms 2, GELU and SiLU by their activation, a gated SiLU-multiply both; others none."""
    elements = 1 << 20
    gelu = VectorOp("g", VectorFn.ACTIVATION, elements, elements, 1, activation=Activation.GELU)
    act_mul = VectorOp("m", VectorFn.MUL, 2 * elements, elements, 1, activation=Activation.SWISH)
    assert [len(kernel_passes(op)) for op in (_rows(VectorFn.SOFTMAX, 1, 64), _rows(VectorFn.LAYERNORM, 1, 64))] == [
        3,
        2,
    ]
    assert kernel_passes(gelu) == (GELU,) and kernel_passes(act_mul) == (SILU, BINARY)
    unknown = VectorOp("r", VectorFn.ACTIVATION, elements, elements, 1, activation=Activation.RELU)
    pool = VectorOp("p", VectorFn.MAXPOOL, 4 * elements, elements, 4)
    for op in (unknown, pool, dataclasses.replace(gelu, activation=None)):
        assert kernel_passes(op) == () and arithmetic_cycles(op, A100) == 0.0
        assert vector_cost(op, A100).compute_cycles == op.vector_ops / (108 * 64)  # the IR's operations


@pytest.mark.parametrize("word_bytes", [1, 2, 4])
@pytest.mark.parametrize("fn", [VectorFn.SOFTMAX, VectorFn.LAYERNORM, VectorFn.ADD])
def test_a_vector_op_is_never_faster_than_its_instructions_or_its_bytes(fn: VectorFn, word_bytes: int) -> None:
    for rows, row in ((4096, 2048), (4096, 16384), (8, 1 << 20)):
        config = dataclasses.replace(A100, word_bytes=word_bytes)
        op = _rows(fn, rows, row)
        cost = vector_cost(op, config)
        assert cost.cycles >= arithmetic_cycles(op, config) > 0
        assert cost.cycles >= (cost.dram_read_bytes + cost.dram_write_bytes) / config.dram_bytes_per_cycle
        slower = vector_cost(op, dataclasses.replace(config, issue_per_core=64, sfu_lanes_per_core=8))
        assert slower.cycles >= cost.cycles


def test_llm_softmax_and_norms_carry_their_rows() -> None:
    """The LLM builder gives a softmax its keys and a norm the hidden width; other vector ops no row."""
    workload = build_llm(parse_spec("llama3.2-1b:phase=prefill,prompt=256,layers=1"))
    rows = {node.op.name.split(".")[-1]: node.op.row for node in workload.nodes if isinstance(node.op, VectorOp)}
    assert rows["softmax"] == 256 and rows["norm1"] == rows["norm_f"] == 2048 and rows["attn_add"] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cores = 0\n", "cores must be a positive integer, got 0"),
        ("dram_refresh_fraction = 1.5\n", "dram_refresh_fraction must be a number in [0, 1)"),
        ("tile_sizes = [64, -1]\n", "tile_sizes must be a list of positive integers"),
        ("core_sram_kb = 8\n", "cannot double-buffer even a 64x64 tile"),
        ("register_file_kb = 16\n", "register_file_kb=16 cannot hold even a 64x64 tile's accumulators"),
        ("register_file_kb = 0\n", "register_file_kb must be a number > 0, got 0"),
        ("l2_mb = 40\n", "unknown field 'l2_mb' for family 'manycore'"),
        ("row_block_threads = 4096\n", "row_block_threads=4096 must be at most threads_per_core=2048"),
        ("sfu_lanes_per_core = 0\n", "sfu_lanes_per_core must be a positive integer, got 0"),
        ("issue_per_core = 1.5\n", "issue_per_core must be a positive integer, got 1.5"),
    ],
)
def test_bad_config_names_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gpu.toml"
    path.write_text('family = "manycore"\n' + text)
    with pytest.raises(InputError) as error:
        load_arch(str(path))
    assert str(path) in str(error.value) and message in str(error.value)


def test_cli_runs_an_llm_and_exits_2_on_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = "llama3.2-1b:phase=decode,context=512,batch=2,layers=2,wbits=4"
    assert main(["simulate", "-w", spec, "-a", "a100-manycore", "-f", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    total = result["total"]
    assert result["arch"]["family"] == "manycore" and total["fits_memory"] is True
    assert total["tpot_s"] >= total["tpot_floor_s"] > 0
    qkv = next(row for row in result["layers"] if row["layer"] == "decode.L0.qkv")
    assert qkv["bound"] == "dram" and math.isfinite(qkv["latency_s"])
    bad = tmp_path / "bad.toml"
    bad.write_text('family = "manycore"\ncores = -4\n')
    assert main(["simulate", "-w", "resnet18", "-a", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cores must be a positive integer" in err[0]


def test_the_doc_lists_the_counts_the_model_uses() -> None:
    """docs/llm.md's instruction table (FP32, alu, SFU, issued per element) is the model's data, row by row."""
    doc = (Path(__file__).parents[3] / "docs" / "llm.md").read_text()
    start = doc.index("| pass (PyTorch kernel) |")
    rows = [line for line in doc[start:].splitlines()[2:] if line.startswith("|")][:8]
    listed = [tuple(float(cell) for cell in row.strip("|").split("|")[-4:]) for row in rows]
    passes = (SOFTMAX_MAX, SOFTMAX_SUM, SOFTMAX_OUT, LAYERNORM_STATS, LAYERNORM_OUT, GELU, SILU, BINARY)
    assert listed == [(p.fp32, p.alu, p.sfu, p.issued) for p in passes]
