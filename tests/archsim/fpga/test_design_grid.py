"""The design grid stops at the widest Tm and Tn that fit alone, and loses no fitting design by it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from archsim.config.loader import load_arch
from archsim.fpga.search import _breakpoints, _design_grid, _largest_tm
from archsim.fpga.towers import network_shapes
from workloads.registry import load_workload

LONG_DECODE = "llama3-8b:phase=decode,context=32768,batch=16,wbits=8,abits=8,kvbits=8,layers=1"


def uncapped_grid(shapes: tuple, weight_depth: int, config) -> tuple[np.ndarray, np.ndarray, int]:
    """The grid over every Tm and Tn up to the layers' channel counts (the search before the caps)."""
    top_m = max(s.out_channels for s in shapes)
    top_n = max(s.in_channels for s in shapes)
    valid = int(_largest_tm(np.arange(1, top_n + 1), top_m, weight_depth, config).sum())
    tms = _breakpoints({(s.group_out, s.groups) for s in shapes}, top_m)
    tns = _breakpoints({(s.group_in, s.groups) for s in shapes}, top_n)
    tm, tn = (a.ravel() for a in np.meshgrid(tms, tns, indexing="ij"))
    keep = tm <= _largest_tm(tns, top_m, weight_depth, config)[np.searchsorted(tns, tn)]
    return tm[keep], tn[keep], valid


@pytest.mark.parametrize(
    ("network", "arch"),
    [
        ("mobilenet_v2", "fpga-pynqz2-int8"),
        ("vgg16", "fpga-vc707-fp32"),
        ("bert_base", "fpga-zcu102-int8"),
        (LONG_DECODE, "fpga-ultra96v2-int8"),
    ],
)
def test_capped_grid_equals_the_uncapped_one(network: str, arch: str) -> None:
    shapes = tuple(s for s in network_shapes(load_workload(network)).values() if s is not None)
    config = load_arch(arch)
    depth = max(s.kernel_area for s in shapes)
    tm, tn, valid = _design_grid(shapes, depth, config)
    ref_tm, ref_tn, ref_valid = uncapped_grid(shapes, depth, config)
    assert valid == ref_valid > 0
    assert sorted(zip(tm.tolist(), tn.tolist(), strict=True)) == sorted(
        zip(ref_tm.tolist(), ref_tn.tolist(), strict=True)
    )
    if network == LONG_DECODE:  # the premise: channel counts far beyond any fitting engine
        assert max(s.out_channels for s in shapes) > 10 * int(tm.max())


def test_repeated_layers_keep_their_own_tiling_and_options() -> None:
    """An LLM's 16 identical blocks are costed once per distinct shape; every layer still gets its own options
    and the tiling its shape's copies share."""
    from archsim.fpga.search import search_design
    from archsim.fpga.shapes import tile_options

    config = load_arch("fpga-zcu102-int8")
    workload = load_workload("llama3.2-1b:phase=decode,context=1024,wbits=8,abits=8")
    shapes = tuple(s for s in network_shapes(workload).values() if s is not None)
    result = search_design(shapes, config)
    distinct = {dataclasses.replace(s, name="") for s in shapes}
    assert len(shapes) >= 10 * len(distinct)  # the premise: mostly repeats
    for got, shape in zip(result.options, shapes, strict=True):
        want = tile_options(shape)
        assert all(np.array_equal(getattr(got, f.name), getattr(want, f.name)) for f in dataclasses.fields(want))
    by_shape: dict = {}
    for shape, tile in zip(shapes, result.design.tile_index, strict=True):
        assert by_shape.setdefault(dataclasses.replace(shape, name=""), tile) == tile
