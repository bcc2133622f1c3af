"""Static shapes of every tensor of an ONNX model: shape inference plus folding of shape arithmetic.

Exporters such as ``torch.onnx`` compute Reshape targets at run time
(Shape -> Gather -> Concat ...). Once the inputs are static those chains are
constants, but ONNX's inference alone often leaves them unknown. So inference
runs in rounds: after each, Shape/Size of now-static tensors and every node
whose inputs are all known small constants are evaluated (one ONNX reference
runtime call per round) and become initializers; then inference runs again.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import numpy_helper

from workloads.errors import InputError

SMALL_CONSTANT = 4096
"""Constants up to this many elements keep (or get) values; larger initializers are shape-only."""

MAX_ROUNDS = 8
"""Inference/folding rounds before giving up on further constants."""

_NOT_FOLDABLE = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial"})

Dims = tuple[int | None, ...]


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (messages stay one line)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else "no detail"


def dims_of(value_info: onnx.ValueInfoProto) -> tuple[int | str, ...] | None:
    """A value's dimensions (ints, or the symbol/``?`` of unknown ones); None without a shape."""
    tensor_type = value_info.type.tensor_type
    if not tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tensor_type.shape.dim)


def infer_static_shapes(model: onnx.ModelProto, where: str) -> dict[str, Dims]:
    """Tensor name -> shape (None for a dimension that stays unknown)."""
    light = _light_copy(model)
    shapes: dict[str, Dims] = {}
    for _ in range(MAX_ROUNDS):
        shapes = _infer(light, where)
        if not _fold(light, shapes):
            break
    for tensor in (*model.graph.initializer, *light.graph.initializer):
        shapes[tensor.name] = tuple(int(d) for d in tensor.dims)
    return shapes


def _light_copy(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with large initializers turned into typed inputs, so rounds cost nothing per weight byte."""
    graph = model.graph
    large = [t for t in graph.initializer if math.prod(t.dims) > SMALL_CONSTANT]
    large_names = {t.name for t in large}
    typed = [onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in large]
    light_graph = onnx.helper.make_graph(
        nodes=graph.node,
        name=graph.name or "main",
        inputs=[vi for vi in graph.input if vi.name not in large_names] + typed,
        outputs=graph.output,
        initializer=[t for t in graph.initializer if t.name not in large_names],
    )
    return onnx.helper.make_model(
        light_graph, opset_imports=model.opset_import, ir_version=max(model.ir_version, 4), functions=model.functions
    )


def _infer(light: onnx.ModelProto, where: str) -> dict[str, Dims]:
    try:
        inferred = onnx.shape_inference.infer_shapes(light, check_type=False, strict_mode=False, data_prop=True)
    except Exception as exc:  # onnx raises InferenceError, ValidationError or RuntimeError
        raise InputError(f"{where}: ONNX shape inference failed: {first_line(exc)}") from None
    shapes: dict[str, Dims] = {}
    for vi in (*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output):
        dims = dims_of(vi)
        if dims is not None:
            shapes[vi.name] = tuple(d if isinstance(d, int) and d > 0 else None for d in dims)
    return shapes


def _shape_value(node: onnx.NodeProto, dims: Dims) -> np.ndarray | None:
    """The output of Shape/Size on a tensor of shape ``dims``, if it is static."""
    if any(d is None for d in dims):
        return None
    if node.op_type == "Size":
        return np.array(math.prod(dims), dtype=np.int64)  # type: ignore[arg-type]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    start, end = attrs.get("start", 0), attrs.get("end", len(dims))
    return np.array(dims[start:end], dtype=np.int64)  # type: ignore[misc]


def _fold(light: onnx.ModelProto, shapes: dict[str, Dims]) -> bool:
    """Evaluate the constant part of the graph and replace it by initializers; True if anything changed."""
    graph = light.graph
    known = {t.name for t in graph.initializer}
    plan: list[onnx.NodeProto] = []
    for node in graph.node:
        inputs = [t for t in node.input if t]
        if node.op_type in ("Shape", "Size"):
            value = _shape_value(node, shapes.get(node.input[0], (None,)))
            if value is None:
                continue
            plan.append(onnx.helper.make_node("Constant", [], [node.output[0]], value=numpy_helper.from_array(value)))
        elif node.op_type == "Constant" or (
            inputs and node.op_type not in _NOT_FOLDABLE and all(t in known for t in inputs) and not node.domain
        ):
            plan.append(node)
        else:
            continue
        known.update(t for t in node.output if t)
    if not plan:
        return False
    outputs = [t for node in plan for t in node.output if t]
    from onnx.reference import ReferenceEvaluator  # only models with shape arithmetic pay for its import

    try:
        evaluator = ReferenceEvaluator(_subgraph_model(light, plan, outputs))
        values = evaluator.run(None, {})
    except Exception:  # leave anything the reference runtime cannot evaluate to inference
        return False
    folded = {name: np.asarray(value) for name, value in zip(outputs, values, strict=True)}
    small = {name for name, value in folded.items() if value.size <= SMALL_CONSTANT}
    kept = [n for n in graph.node if not (n.output and all(t in small for t in n.output if t))]
    if len(kept) == len(graph.node):
        return False
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(numpy_helper.from_array(folded[name], name) for name in sorted(small))
    return True


def _subgraph_model(light: onnx.ModelProto, plan: list[onnx.NodeProto], outputs: list[str]) -> onnx.ModelProto:
    used = {t for node in plan for t in node.input}
    graph = onnx.helper.make_graph(
        nodes=plan,
        name="constants",
        inputs=[],
        outputs=[onnx.helper.make_empty_tensor_value_info(name) for name in outputs],
        initializer=[t for t in light.graph.initializer if t.name in used],
    )
    return onnx.helper.make_model(graph, opset_imports=light.opset_import, ir_version=light.ir_version)
