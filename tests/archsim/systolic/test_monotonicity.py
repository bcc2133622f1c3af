"""Monotonicity of the default systolic model (hypothesis), and its physics over sparsity, batch and packing.

The properties (default model, one op on one design):

* more work is never faster: ``total_cycles`` does not decrease when a convolution gets more input
  channels, more filters, a larger ifmap or a larger batch, or a matmul a larger ``m``, ``n``, ``k``
  or batch;
* more memory or bandwidth is never slower: ``total_cycles`` and ``stall_cycles`` do not increase
  with any SRAM's size or any DRAM channel's bandwidth, and no channel's DRAM words increase with
  an SRAM's size.

``stall_cycles`` alone is *not* monotone in the work: a longer compute hides more of the same
transfer (``test_more_compute_hides_a_fixed_transfer``). Multi-core designs behind one shared DRAM
(``dram_shared_bw``) are left out of the first property: the even split of filters over cores can
sweep the ifmap once more than a split one filter wider does (docs/systolic.md, "Monotonicity").
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.systolic import simulate_layer
from archsim.systolic.costs import hardware
from archsim.systolic.lowbit import packed_layer
from archsim.systolic.vectorised import Designs
from workloads.ops import Conv2d, MatMul

SRAMS = ("ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb")
BANDWIDTHS = ("ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw")
CHANNELS = {
    "ifmap_dram_reads": "ifmap_dram_bw",
    "filter_dram_reads": "filter_dram_bw",
    "ofmap_dram_writes": "ofmap_dram_bw",
}


@st.composite
def convs(draw: st.DrawFn) -> Conv2d:
    """Convolutions with groups, strides, batch and (sometimes) N:M weight sparsity."""
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    kernel = draw(st.integers(1, 5))
    return Conv2d(
        "c",
        in_channels=groups * draw(st.integers(1, 12)),
        out_channels=groups * draw(st.integers(1, 16)),
        in_h=draw(st.integers(kernel, 36)),
        in_w=draw(st.integers(kernel, 36)),
        kernel_h=kernel,
        kernel_w=kernel,
        stride_h=draw(st.integers(1, 2)),
        stride_w=draw(st.integers(1, 2)),
        groups=groups,
        batch=draw(st.integers(1, 2)),
        weight_sparsity=draw(st.sampled_from([None, None, (1, 4), (2, 4)])),
    )


@st.composite
def designs(draw: st.DrawFn, shared: bool = True) -> SystolicConfig:
    """Default-model designs from spilling 0.25 KB SRAMs to roomy ones, slow to fast channels."""
    kb = st.sampled_from([0.25, 0.5, 1.0, 4.0, 16.0, 64.0, 256.0])
    bw = st.sampled_from([0.5, 1.0, 2.0, 3.0, 10.0, 64.0])
    cores = draw(st.integers(1, 3))
    return SystolicConfig(
        rows=draw(st.integers(1, 64)),
        cols=draw(st.integers(1, 64)),
        dataflow=draw(st.sampled_from(["os", "ws", "is"])),
        ifmap_sram_kb=draw(kb),
        filter_sram_kb=draw(kb),
        ofmap_sram_kb=draw(kb),
        ifmap_dram_bw=draw(bw),
        filter_dram_bw=draw(bw),
        ofmap_dram_bw=draw(bw),
        word_bytes=draw(st.sampled_from([1, 2, 4])),
        cores=cores,
        sparsity_support=draw(st.booleans()),
        dram_shared_bw=draw(st.sampled_from([0.0, 0.0, 4.0])) if shared or cores == 1 else 0.0,
    )


@settings(max_examples=250, deadline=None)
@given(convs(), designs(shared=False), st.integers(1, 3))
def test_a_larger_convolution_is_never_faster(conv: Conv2d, config: SystolicConfig, more: int) -> None:
    cycles = simulate_layer(conv, config).total_cycles
    for dimension in ("in_channels", "out_channels", "in_h", "in_w", "batch"):
        step = more * conv.groups if dimension in ("in_channels", "out_channels") else more
        bigger = dataclasses.replace(conv, **{dimension: getattr(conv, dimension) + step})
        assert simulate_layer(bigger, config).total_cycles >= cycles, dimension


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 200),
    st.integers(1, 200),
    st.integers(1, 200),
    st.integers(1, 3),
    st.booleans(),
    designs(shared=False),
    st.sampled_from(["m", "n", "k", "batch"]),
)
def test_a_larger_matmul_is_never_faster(
    m: int, n: int, k: int, batch: int, shared_weight: bool, config: SystolicConfig, dimension: str
) -> None:
    matmul = MatMul("mm", m=m, n=n, k=k, batch=batch, weight_operand=shared_weight)
    bigger = dataclasses.replace(matmul, **{dimension: getattr(matmul, dimension) + 5})
    assert simulate_layer(bigger, config).total_cycles >= simulate_layer(matmul, config).total_cycles


@settings(max_examples=250, deadline=None)
@given(convs(), designs(), st.sampled_from([1.25, 2.0, 4.0]))
def test_more_sram_or_bandwidth_is_never_slower(conv: Conv2d, config: SystolicConfig, factor: float) -> None:
    before = simulate_layer(conv, config)
    for field in SRAMS + BANDWIDTHS:
        after = simulate_layer(conv, dataclasses.replace(config, **{field: getattr(config, field) * factor}))
        assert after.total_cycles <= before.total_cycles, field
        assert after.stall_cycles <= before.stall_cycles, field
        if field in SRAMS:
            for words in CHANNELS:
                assert getattr(after, words) <= getattr(before, words), (field, words)


def test_issue_case_the_ifmap_that_fits_the_sram_is_fetched_once_and_stalls_grow_with_channels() -> None:
    """os 4x16, 64 KB SRAMs, 1 word/cycle: a 5x5 conv 20x20xC -> 17 stalled 241,387 cycles at C = 6 and
    103,297 at C = 11 before; the ifmap (swept once per column fold) is now held while it fits the SRAM."""
    config = SystolicConfig(
        rows=4, cols=16, ifmap_sram_kb=64, filter_sram_kb=64, ofmap_sram_kb=64,
        ifmap_dram_bw=1, filter_dram_bw=1, ofmap_dram_bw=1,
    )  # fmt: skip
    runs = [simulate_layer(Conv2d("c", c, 17, 20, 20, 5, 5), config) for c in range(1, 16)]
    assert all(a.total_cycles < b.total_cycles and a.stall_cycles < b.stall_cycles for a, b in itertools.pairwise(runs))
    six, ten, eleven = runs[5], runs[9], runs[10]
    # 38,400 and 64,000 im2col words fit 65,536: read once, one word per cycle.
    assert (six.ifmap_dram_reads, six.total_cycles, six.stall_cycles) == (38_400, 38_400, 16_897)
    assert (ten.ifmap_dram_reads, ten.total_cycles) == (64_000, 64_000)
    # 70,400 do not: both column folds fetch the stream again.
    assert (eleven.ifmap_dram_reads, eleven.total_cycles, eleven.stall_cycles) == (140_800, 140_800, 103_297)


def test_more_compute_hides_a_fixed_transfer() -> None:
    """Why stalls are not monotone in the work: a 1x1 conv's ofmap writes do not grow with its input
    channels, its compute does, so more channels stall less (and never finish sooner)."""
    config = SystolicConfig(rows=8, cols=8, ofmap_sram_kb=1, ofmap_dram_bw=1)
    few, many = (simulate_layer(Conv2d("c", c, 8, 16, 16, 1, 1), config) for c in (2, 16))
    assert few.ofmap_dram_writes == many.ofmap_dram_writes
    assert many.stall_cycles < few.stall_cycles and many.total_cycles >= few.total_cycles


@st.composite
def rowwise_designs(draw: st.DrawFn) -> SystolicConfig:
    """Row-wise N:M (ws) designs: the block size divides twice the array height."""
    rows = draw(st.sampled_from([8, 16, 32]))
    return dataclasses.replace(
        draw(designs()),
        rows=rows,
        dataflow="ws",
        sparsity_support=True,
        sparsity_rowwise=True,
        sparsity_block_size=draw(st.sampled_from([4, 8])),
    )


@settings(max_examples=150, deadline=None)
@given(convs(), st.one_of(designs(), rowwise_designs()), st.booleans())
def test_sparse_batched_and_packed_layers_fit_bandwidth_and_peak(
    conv: Conv2d, config: SystolicConfig, packed_int4: bool
) -> None:
    peak = config.pes
    if packed_int4:  # two int4 MACs per PE and cycle on a 1-byte datapath
        config = dataclasses.replace(config, word_bytes=1, int4_macs_per_pe=2)
        m, peak = packed_layer(conv, hardware(config), config, None), 2 * config.pes
    else:
        m = simulate_layer(conv, config)
    for words, bandwidth in CHANNELS.items():
        assert getattr(m, words) <= getattr(config, bandwidth) * config.cores * m.total_cycles, words
    if config.dram_shared_bw:
        assert m.ifmap_dram_reads + m.filter_dram_reads + m.ofmap_dram_writes <= config.dram_shared_bw * m.total_cycles
    assert m.macs <= peak * m.total_cycles
    assert m.total_cycles == m.compute_cycles + m.stall_cycles and m.stall_cycles >= 0
    for value in (m.overall_util, m.mapping_efficiency, m.compute_util):
        assert 0.0 <= value <= 1.0


def test_an_sram_smaller_than_one_word_is_a_one_line_error() -> None:
    """It used to divide by zero deep in the buffer model."""
    with pytest.raises(ValueError, match=r"ifmap_sram_kb must hold at least one 4-byte word \(>= 0.00390625 KB\)"):
        SystolicConfig(ifmap_sram_kb=0.001, word_bytes=4)
    with pytest.raises(InputError, match="filter_sram_kb: must hold at least one word"):
        Designs.from_arrays(rows=[8, 8], cols=8, filter_sram_kb=[1.0, 0.001], word_bytes=2)
