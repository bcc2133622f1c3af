"""SCALE-Sim topology CSVs: semantics and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import SCALESIM_TOPOLOGIES

from workloads.errors import InputError
from workloads.ops import Conv2d, MatMul
from workloads.readers.scalesim_csv import read_scalesim_csv

REFERENCE = SCALESIM_TOPOLOGIES


def _write(tmp_path: Path, text: str, name: str = "topo.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_alexnet_reference_topology_uses_scalesim_semantics() -> None:
    w = read_scalesim_csv(REFERENCE / "conv_nets" / "alexnet.csv")
    conv1 = w.ops[0]
    assert isinstance(conv1, Conv2d)
    assert (conv1.out_h, conv1.out_w) == (55, 55)  # ceil((224 - 11 + 4) / 4): no padding, SCALE-Sim rounding
    assert [op.name for op in w.ops] == ["Conv1", "Conv2", "Conv3", "Conv4", "Conv5"]
    assert w.consumers["Conv1:out"] == ("Conv2",)


def test_gemm_form_maps_m_n_k() -> None:
    w = read_scalesim_csv(REFERENCE / "GEMM_mnk" / "vit_s.csv")
    first = w.ops[0]
    assert isinstance(first, MatMul)
    assert (first.m, first.n, first.k) == (196, 192, 384)


def test_dp_rows_split_per_channel_like_scalesim(tmp_path: Path) -> None:
    text = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    text += "DP1, 10, 10, 3, 3, 4, 1, 1,\n"
    w = read_scalesim_csv(_write(tmp_path, text))
    assert [op.name for op in w.ops] == [f"DP1Channel_{i}" for i in range(4)]
    assert all(op.in_channels == 1 for op in w.ops)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("L1, 10, 10, 3, 3, 0, 8, 1,", r"topo.csv:2: field 'Channels' must be a positive integer, got 0"),
        ("L1, 10, 10, 3, x3, 4, 8, 1,", r"topo.csv:2: field 'Filter Width' must be a positive integer, got 'x3'"),
        ("L1, 4, 4, 5, 5, 4, 8, 1,", r"topo.csv:2: layer 'L1': filter 5x5 is larger than its input 4x4"),
        ("L1, 10, 10, 3, 3, 4,", r"topo.csv:2: expected 8 fields"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    with pytest.raises(InputError, match=message):
        read_scalesim_csv(_write(tmp_path, header + row + "\n"))


def test_missing_file_and_bad_header(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_scalesim_csv(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="not a SCALE-Sim topology header"):
        read_scalesim_csv(_write(tmp_path, "a,b,c\n1,2,3,\n"))
