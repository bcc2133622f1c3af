"""Small graphs shared by the mapper tests."""

from __future__ import annotations

import pytest

from workloads.builder import GraphBuilder
from workloads.graph import Workload


def residual_net(blocks: int = 2, channels: int = 8, size: int = 8) -> Workload:
    """A stem conv, ``blocks`` residual blocks (two convs and an add), pooling and a classifier."""
    b = GraphBuilder("residual")
    x = b.conv(b.input((1, 3, size, size)), channels, 3, name="stem")
    for k in range(blocks):
        y = b.conv(x, channels, 3, name=f"b{k}.c1")
        y = b.conv(y, channels, 3, name=f"b{k}.c2")
        x = b.add(x, y, name=f"b{k}.add")
    return _head(b, x)


def _head(b: GraphBuilder, x: str) -> Workload:
    b.linear(b.global_avgpool(x, name="gap"), 4, name="fc")
    return b.build()


def diamond() -> Workload:
    """in -> a -> (b, c) -> concat: four ops, two orders, 16..64-byte tensors."""
    b = GraphBuilder("diamond")
    x = b.input((1, 1, 4, 4))
    a = b.conv(x, 2, 1, name="a")
    left = b.conv(a, 1, 1, name="b")
    right = b.conv(a, 3, 1, name="c")
    b.concat([left, right], name="cat")
    return b.build()


@pytest.fixture
def residual() -> Workload:
    """A 10-op residual network."""
    return residual_net()


@pytest.fixture(name="diamond")
def diamond_fixture() -> Workload:
    """The four-op diamond."""
    return diamond()
