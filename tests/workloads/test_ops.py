"""Op arithmetic: output sizes, MACs and validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workloads.ops import Conv2d, MatMul, VectorFn, VectorOp
from workloads.precision import Precision


def test_conv_output_size_and_macs_match_hand_computation() -> None:
    conv = Conv2d(
        "c",
        in_channels=3,
        out_channels=64,
        in_h=224,
        in_w=224,
        kernel_h=7,
        kernel_w=7,
        stride_h=2,
        stride_w=2,
        pad_top=3,
        pad_bottom=3,
        pad_left=3,
        pad_right=3,
    )
    assert (conv.out_h, conv.out_w) == (112, 112)
    assert conv.macs == 112 * 112 * 64 * 3 * 7 * 7
    assert conv.weight_elements == 64 * 3 * 7 * 7


def test_ceil_mode_reproduces_scalesim_output_size() -> None:
    conv = Conv2d("alex1", 3, 96, 224, 224, 11, 11, 4, 4, ceil_mode=True)
    assert conv.out_h == 55  # ceil((224 - 11 + 4) / 4)
    assert Conv2d("alex1", 3, 96, 224, 224, 11, 11, 4, 4).out_h == 54


def test_depthwise_and_grouped_macs() -> None:
    dw = Conv2d("dw", 32, 32, 112, 112, 3, 3, pad_top=1, pad_bottom=1, pad_left=1, pad_right=1, groups=32)
    assert dw.is_depthwise
    assert dw.macs == 112 * 112 * 32 * 9
    grouped = Conv2d("g", 96, 256, 27, 27, 5, 5, pad_top=2, pad_bottom=2, pad_left=2, pad_right=2, groups=2)
    assert grouped.macs == 27 * 27 * 256 * 48 * 25
    assert not grouped.is_depthwise


def test_dilation_shrinks_output() -> None:
    conv = Conv2d("d", 8, 8, 32, 32, 3, 3, dilation_h=2, dilation_w=2)
    assert conv.out_h == 28


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_channels": 0}, "in_channels must be a positive integer"),
        ({"kernel_h": 9}, "larger than its input"),
        ({"groups": 3}, "groups=3 must divide"),
        ({"pad_top": -1}, "pad_top must be an integer >= 0"),
    ],
)
def test_conv_rejects_bad_dimensions(kwargs: dict[str, int], message: str) -> None:
    base = {"name": "bad", "in_channels": 4, "out_channels": 4, "in_h": 8, "in_w": 8, "kernel_h": 3, "kernel_w": 3}
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Conv2d(**base)


def test_matmul_weight_and_activation_operands() -> None:
    fc = MatMul("fc", m=1, n=1000, k=2048)
    assert fc.macs == 2_048_000
    assert fc.weight_elements == 2048 * 1000
    scores = MatMul("qk", m=128, n=128, k=64, batch=12, weight_operand=False)
    assert scores.weight_elements == 12 * 64 * 128
    assert scores.macs == 12 * 128 * 128 * 64


def test_vector_op_has_no_macs() -> None:
    op = VectorOp("sm", VectorFn.SOFTMAX, 1000, 1000, ops_per_output=5)
    assert op.macs == 0
    assert op.vector_ops == 5000


@given(
    h=st.integers(1, 64),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    pad=st.integers(0, 3),
)
def test_conv_output_never_reads_past_padded_input(h: int, k: int, s: int, pad: int) -> None:
    if k > h + 2 * pad:
        with pytest.raises(ValueError):
            Conv2d("c", 1, 1, h, h, k, k, s, s, pad, pad, pad, pad)
        return
    conv = Conv2d("c", 1, 1, h, h, k, k, s, s, pad, pad, pad, pad)
    assert conv.out_h >= 1
    assert (conv.out_h - 1) * s + k <= h + 2 * pad


def test_precision_bytes_and_parse_errors() -> None:
    assert Precision.INT4.bytes == 0.5
    assert Precision.parse("FP16") is Precision.FP16
    with pytest.raises(ValueError, match="allowed: int4, int8, int16, fp16, fp32"):
        Precision.parse("int3")
