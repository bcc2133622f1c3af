"""YOLOv3-tiny (COCO, 80 classes) at 416x416, as darknet's ``cfg/yolov3-tiny.cfg``.

Redmon and Farhadi, "YOLOv3: An Incremental Improvement", arXiv:1804.02767; the
tiny network is defined by the cfg file in pjreddie/darknet. Convs are 3x3 or 1x1
with "same" padding, batch norm folded, leaky ReLU fused (the two detection
convs are linear). Max pools are 2x2/2 except the sixth, 2x2/1 padded at the
bottom/right to keep 13x13. The second head upsamples a 13x13 branch and
concatenates it with the 26x26 feature of layer 8 (a real branch in the DAG).
The ``yolo`` decoding layers are post-processing and are left out.
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn

HEAD_CHANNELS = 3 * (80 + 5)
"""Detection outputs per cell: 3 anchors x (80 classes + 4 box + 1 objectness) = 255."""


def yolov3_tiny() -> Workload:
    """YOLOv3-tiny at 416x416: 13 convs, 6 max pools, upsample + concat, two detection heads."""
    leaky = Activation.LEAKY_RELU
    b = GraphBuilder("yolo_tiny", source="Redmon & Farhadi, arXiv:1804.02767; darknet cfg/yolov3-tiny.cfg, 416x416")
    x = b.input((1, 3, 416, 416))
    route = x
    for index, channels in enumerate((16, 32, 64, 128, 256, 512)):
        x = b.conv(x, channels, 3, padding=1, activation=leaky, name=f"conv{2 * index}")
        if channels == 256:
            route = x
        if channels < 512:
            x = b.pool(x, VectorFn.MAXPOOL, 2, 2, name=f"pool{2 * index + 1}")
        else:
            x = b.pool(x, VectorFn.MAXPOOL, 2, 1, padding=(0, 1, 0, 1), name=f"pool{2 * index + 1}")
    x = b.conv(x, 1024, 3, padding=1, activation=leaky, name="conv12")
    neck = b.conv(x, 256, 1, padding=0, activation=leaky, name="conv13")
    x = b.conv(neck, 512, 3, padding=1, activation=leaky, name="conv14")
    b.conv(x, HEAD_CHANNELS, 1, padding=0, name="conv15_detect13")
    x = b.conv(neck, 128, 1, padding=0, activation=leaky, name="conv18")
    x = b.upsample(x, 2, name="upsample19")
    x = b.concat([x, route], axis=1, name="route20")
    x = b.conv(x, 256, 3, padding=1, activation=leaky, name="conv21")
    b.conv(x, HEAD_CHANNELS, 1, padding=0, name="conv22_detect26")
    return b.build()
