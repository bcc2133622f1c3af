"""How long importing a 100+ layer ONNX and TFLite model takes (the issue asks for well under a second).

Builds the models in a temporary folder with the test-suite writers, then times
``load_workload`` on each: once cold (first call in the process; the writers
have already imported ``onnx``/``tflite``), then warm (best and median of
``--repeats``). The one-off cost of importing each reader module is timed in a
fresh interpreter. For reference it also times what ONNX itself needs for the
same file (``onnx.load`` plus ``infer_shapes`` on the full model).

Run: ``python benchmarks/bench_import.py [--blocks 50] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Args:
    """Benchmark settings."""

    blocks: int = 50
    """Residual blocks (ONNX: two 3x3 convs each) and dw+pw blocks (TFLite): 2 MAC layers per block."""
    repeats: int = 5
    """Warm timings per model."""


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=Args.blocks)
    parser.add_argument("--repeats", type=int, default=Args.repeats)
    return Args(**vars(parser.parse_args()))


def write_models(folder: Path, blocks: int) -> dict[str, Path]:
    """A ResNet-style ONNX (float32 weights) and a MobileNet-style int8 TFLite, ``2 * blocks`` MAC layers each."""
    runpy.run_path(str(ROOT / "tests" / "conftest.py"))  # registers tests/support as ``support``
    from support.onnx_models import OnnxGraphWriter
    from support.tflite_models import TfliteGraphWriter

    g = OnnxGraphWriter()
    x = g.node("Relu", [g.conv(g.input("image", (1, 3, 224, 224)), 3, 64, 7, "stem", stride=4, pad=3)], "stem_relu")
    for i in range(blocks):
        y = g.node("Relu", [g.conv(x, 64, 64, 3, f"b{i}c1")], f"b{i}r1")
        y = g.conv(y, 64, 64, 3, f"b{i}c2")
        x = g.node("Relu", [g.node("Add", [x, y], f"b{i}add")], f"b{i}relu")
    x = g.node("Flatten", [g.node("GlobalAveragePool", [x], "gap")], "flatten")
    onnx_path = g.save(
        folder / "resnet_like.onnx", [g.node("Gemm", [x, g.weight("fc.weight", (1000, 64))], "fc", transB=1)]
    )

    t = TfliteGraphWriter("int8")
    y = t.conv2d(t.input((1, 224, 224, 3)), 128, 3, 8, activation="relu6")
    for _ in range(blocks):
        y = t.depthwise(y, 3, activation="relu6")
        y = t.conv2d(y, 128, 1, activation="relu6")
    y = t.reshape(t.pool(y, "avg", 28, 1), (1, 128))
    tflite_path = t.write(folder / "mobilenet_like.tflite", [t.softmax(t.fully_connected(y, 1000))])
    return {"onnx": onnx_path, "tflite": tflite_path}


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def module_import_seconds(module: str) -> float:
    """Wall time of ``import module`` in a fresh interpreter (the one-off cost a CLI call pays)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models = write_models(Path(tmp), args.blocks)
        from workloads.registry import load_workload

        print(f"{'model':<22}{'nodes':>6}{'MAC ops':>9}{'MB':>7}{'cold s':>9}{'best s':>9}{'median s':>10}")
        for path in models.values():
            cold = timed(lambda p=path: load_workload(str(p)))
            warm = [timed(lambda p=path: load_workload(str(p))) for _ in range(args.repeats)]
            workload = load_workload(str(path))
            mac_ops = sum(1 for op in workload.ops if op.macs)
            size = path.stat().st_size / 1e6
            print(
                f"{path.name:<22}{len(workload):>6}{mac_ops:>9}{size:>7.1f}"
                f"{cold:>9.3f}{min(warm):>9.3f}{statistics.median(warm):>10.3f}"
            )
        import onnx

        reference = [
            timed(lambda: onnx.shape_inference.infer_shapes(onnx.load(models["onnx"]))) for _ in range(args.repeats)
        ]
        print(f"reference: onnx.load + infer_shapes on the full ONNX file, best {min(reference):.3f} s")
    for module in ("workloads.readers.onnx_reader", "workloads.readers.tflite_reader"):
        print(f"one-off import of {module}: {module_import_seconds(module):.3f} s")


if __name__ == "__main__":
    main()
