"""Every operator of GenZ's Llama-2-7B and Mixtral-8x7B layers, matched in FLOPs and bytes (fp16).

GenZ (``genz-llm``, its golden CSVs in ../shared/reference/llm/genz/) lists one
layer's operators with MFLOP (2 per MAC) and input/weight/output MiB. Its shapes:
prefill of 1024 tokens; decode attends a 1024-position cache plus 32 generated
positions, which GenZ writes as two Logit and two Attend rows (each with the query
as its input): our decode step attends all 1056 in one op, so the pair is compared
summed (FLOPs, K/V bytes, outputs) and per row on the query. GenZ counts the
Mixtral layer's idle experts as weight-only rows (``Collective``, 0 FLOPs); they are
held against our resident expert weights.
"""

from __future__ import annotations

import ast
import csv
from dataclasses import dataclass

import pytest
from support.paths import LLM_REFERENCE

from workloads.llm import load_llm, parse_spec
from workloads.llm.footprint import quantised_bytes
from workloads.ops import MatMul

MIB = 2**20
FP16 = 2


@dataclass(frozen=True)
class GenzRow:
    """One operator row of GenZ's table."""

    op_type: str
    dimension: str
    mflop: float
    input_mib: float
    weight_mib: float
    output_mib: float


def _rows(name: str) -> list[GenzRow]:
    with (LLM_REFERENCE / "genz" / name).open() as handle:
        return [
            GenzRow(
                r["Op Type"],
                r["Dimension"],
                float(r["Num ops (MFLOP)"]),
                float(r["Input_a (MB)"]),
                float(r["Input_w (MB)"]),
                float(r["Output (MB)"]),
            )
            for r in csv.DictReader(handle)
        ]


def _ours(text: str) -> dict[str, MatMul]:
    ops = load_llm(text).ops
    return {op.name.split(".", 2)[2]: op for op in ops if isinstance(op, MatMul) and ".L0." in op.name}


def _check(row: GenzRow, op: MatMul) -> None:
    assert 2 * op.macs / 1e6 == pytest.approx(row.mflop, rel=1e-12), (row.dimension, op)
    assert op.input_elements * FP16 / MIB == pytest.approx(row.input_mib, rel=1e-12), (row.dimension, op)
    assert op.weight_elements * FP16 / MIB == pytest.approx(row.weight_mib, rel=1e-12), (row.dimension, op)
    assert op.output_elements * FP16 / MIB == pytest.approx(row.output_mib, rel=1e-12), (row.dimension, op)


def _check_split(rows: list[GenzRow], op: MatMul) -> None:
    """Two GenZ rows (cache + generated positions) against one op of ours."""
    assert 2 * op.macs / 1e6 == pytest.approx(sum(r.mflop for r in rows), rel=1e-12)
    streamed = op.weight_elements * FP16 / MIB
    assert streamed == pytest.approx(sum(r.weight_mib for r in rows), rel=1e-12)
    query, scores = (op.input_elements, op.output_elements)
    if op.name.endswith("scores"):  # Logit: the query is the input, the scores the output
        assert all(query * FP16 / MIB == pytest.approx(r.input_mib, rel=1e-12) for r in rows)
        assert scores * FP16 / MIB == pytest.approx(sum(r.output_mib for r in rows), rel=1e-12)
    else:  # Attend: the probabilities are the input, the context the output
        assert op.input_elements * FP16 / MIB == pytest.approx(sum(r.input_mib for r in rows), rel=1e-12)
        assert all(op.output_elements * FP16 / MIB == pytest.approx(r.output_mib, rel=1e-12) for r in rows)


def test_llama2_7b_prefill_layer() -> None:
    rows = _rows("llama2_7b_prefill_on_TPU.csv")
    ours = _ours("llama2-7b:phase=prefill,prompt=1024,layers=1")
    order = ["qkv", "scores", "context", "o_proj", "gate_up", "down"]
    assert len(rows) == len(order)
    for row, name in zip(rows, order, strict=True):
        _check(row, ours[name])


def test_llama2_7b_decode_layer() -> None:
    rows = _rows("llama2_7b_decode_on_TPU.csv")
    ours = _ours("llama2-7b:phase=decode,context=1055,layers=1")  # attends 1024 + 32 positions
    _check(rows[0], ours["qkv"])
    _check_split(rows[1:3], ours["scores"])
    _check_split(rows[3:5], ours["context"])
    for row, name in zip(rows[5:], ["o_proj", "gate_up", "down"], strict=True):
        _check(row, ours[name])


def test_mixtral_8x7b_prefill_layer() -> None:
    rows = _rows("mixtral_8x7b_prefill_on_GH200.csv")
    ours = _ours("mixtral-8x7b:phase=prefill,prompt=1024,layers=1")
    order = ["qkv", "scores", "context", "o_proj", "router", "experts_gate_up", "experts_down"]
    assert len(rows) == len(order)
    for row, name in zip(rows, order, strict=True):
        _check(row, ours[name])


def test_mixtral_8x7b_decode_layer() -> None:
    rows = _rows("mixtral_8x7b_decode_on_GH200.csv")
    text = "mixtral-8x7b:phase=decode,context=1055,layers=1"
    ours = _ours(text)
    _check(rows[0], ours["qkv"])
    _check_split(rows[1:3], ours["scores"])
    _check_split(rows[3:5], ours["context"])
    for row, name in zip(rows[5:9], ["o_proj", "router", "experts_gate_up", "experts_down"], strict=True):
        _check(row, ours[name])
    idle = rows[9:]
    assert all(r.op_type == "GEMM" and r.mflop == 0 for r in idle)
    spec = parse_spec(text)
    config = spec.config
    experts = config.layer_matrices()[3:]  # after qkv, o_proj, router
    resident = sum(quantised_bytes(k, n, spec.run.weight_precision, 0) for k, n in experts)
    genz_experts = sum(r.weight_mib for r in rows[7:])
    assert resident / MIB == pytest.approx(genz_experts, rel=1e-12)
    shapes = [ast.literal_eval(r.dimension)[0][1] for r in idle]
    assert shapes == [(6 * 2 * config.ffn, config.hidden), (config.hidden, 6 * config.ffn)]
