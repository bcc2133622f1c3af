"""AlexNet as published: the two-group network of Krizhevsky, Sutskever and Hinton (NIPS 2012).

Layer shapes follow the paper's Figure 2 with the 227x227 input of Caffe's
``bvlc_alexnet/deploy.prototxt`` (the paper's "224" does not give its own 55x55
conv1 output; 227 does, with no padding). conv2, conv4 and conv5 have two groups
(one per GPU in the paper). These are the shapes of Zhang et al., FPGA 2015,
Table: five conv layers of 665.8M MACs (1.33 GFLOP). Local response
normalisation has no op type in the IR and is left out (it has no MACs).
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn

SOURCE = "Krizhevsky et al., NIPS 2012 (Fig. 2); input 227x227 as Caffe bvlc_alexnet"


def alexnet() -> Workload:
    """AlexNet, batch 1, 227x227: 5 convs (conv2/4/5 grouped by 2), 3 max pools, 3 FCs, softmax."""
    relu = Activation.RELU
    b = GraphBuilder("alexnet", source=SOURCE)
    x = b.input((1, 3, 227, 227))
    x = b.conv(x, 96, 11, stride=4, padding=0, activation=relu, name="conv1")
    x = b.pool(x, VectorFn.MAXPOOL, 3, 2, name="pool1")
    x = b.conv(x, 256, 5, padding=2, groups=2, activation=relu, name="conv2")
    x = b.pool(x, VectorFn.MAXPOOL, 3, 2, name="pool2")
    x = b.conv(x, 384, 3, padding=1, activation=relu, name="conv3")
    x = b.conv(x, 384, 3, padding=1, groups=2, activation=relu, name="conv4")
    x = b.conv(x, 256, 3, padding=1, groups=2, activation=relu, name="conv5")
    x = b.pool(x, VectorFn.MAXPOOL, 3, 2, name="pool5")
    x = b.reshape(x, (1, 256 * 6 * 6), name="flatten")
    x = b.linear(x, 4096, activation=relu, name="fc6")
    x = b.linear(x, 4096, activation=relu, name="fc7")
    x = b.linear(x, 1000, name="fc8")
    b.softmax(x, name="prob")
    return b.build()
