"""Towers read from the network: AlexNet's two towers are found, grouped layers of other networks are not towers."""

from __future__ import annotations

import pytest

from archsim.config.loader import load_arch
from archsim.fpga.search import search_design
from archsim.fpga.shapes import layer_shape, split_into_towers
from archsim.fpga.towers import mac_shapes, network_shapes, tower_count
from workloads.builder import GraphBuilder
from workloads.errors import InputError
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn
from workloads.registry import load_workload


def resnext_block() -> Workload:
    """1x1 -> grouped 3x3 (32 groups of 4 channels) -> 1x1: grouped, but not towers."""
    b = GraphBuilder("resnext-block")
    x = b.input((1, 256, 14, 14))
    x = b.conv(x, 128, 1, name="reduce")
    x = b.activation(x, Activation.RELU)
    x = b.conv(x, 128, 3, groups=32, name="grouped")
    b.conv(x, 256, 1, name="expand")
    return b.build()


def test_alexnet_towers_are_read_from_its_grouped_layers() -> None:
    workload = load_workload("alexnet")
    assert tower_count(workload) == 2  # conv4 (2 groups) feeds conv5 (2 groups)
    shapes = network_shapes(workload)
    split = {name: (s.groups, s.group_out, s.group_in) for name, s in shapes.items() if s is not None}
    assert split["conv1"] == (2, 48, 3)  # feeds the 2-group conv2 through pool1: 2 x 48 filters
    assert split["conv3"] == (2, 192, 256)  # feeds the 2-group conv4: 2 x 192, each reading both halves
    assert split["conv2"] == (2, 128, 48)  # already grouped
    assert split["fc6"][0] == split["fc7"][0] == 1  # consumers are not grouped convolutions


@pytest.mark.parametrize("network", ["mobilenet_v2", "resnet18", "vgg16"])
def test_networks_without_towers_keep_every_layer_whole(network: str) -> None:
    workload = load_workload(network)
    assert tower_count(workload) == 1
    plain = tuple(s for s in (layer_shape(n.op) for n in workload.nodes) if s is not None)
    assert mac_shapes(workload) == plain


def test_resnext_style_groups_are_not_towers() -> None:
    workload = resnext_block()
    assert tower_count(workload) == 1
    assert network_shapes(workload)["reduce"].groups == 1  # type: ignore[union-attr]


def test_merged_alexnet_would_choose_another_design() -> None:
    # Without its towers (conv1 as one 96-filter layer) the model prefers Tn = 3 for conv1:
    # the paper's <64, 7> is the optimum of the two-tower network it tabulates.
    merged = tuple(s for s in (layer_shape(n.op) for n in load_workload("alexnet").nodes) if s is not None)
    design = search_design(merged, load_arch("zhang2015-vc707")).design
    assert (design.tm, design.tn) == (147, 3)


def test_towers_must_divide_the_filters() -> None:
    b = GraphBuilder("odd")
    b.conv(b.input((1, 3, 8, 8)), 5, 3, name="c")
    c = layer_shape(b.build().nodes[0].op)
    assert c is not None
    with pytest.raises(InputError, match="2 towers must divide its 5 output channels"):
        split_into_towers(c, 2)


def test_pooling_between_layers_keeps_the_tower_link() -> None:
    b = GraphBuilder("two-towers")
    x = b.input((1, 8, 16, 16))
    x = b.conv(x, 16, 3, name="first")
    x = b.pool(x, VectorFn.MAXPOOL, 2, 2)
    x = b.conv(x, 16, 3, groups=2, name="g1")
    b.conv(x, 16, 3, groups=2, name="g2")
    shapes = network_shapes(b.build())
    assert (shapes["first"].groups, shapes["first"].group_out) == (2, 8)  # type: ignore[union-attr]
