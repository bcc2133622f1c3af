"""The zoo against published MAC totals, layer counts, shapes and graph structure."""

from __future__ import annotations

import math

import pytest

from workloads import InputError, Precision, Workload, load_workload, zoo_names
from workloads.ops import Conv2d, MatMul, VectorFn, VectorOp

TORCHVISION = "torchvision weights metadata `_ops` (GMACs, the GFLOPS column of its model docs)"

PUBLISHED_MACS: dict[str, tuple[float, str]] = {
    "alexnet": (724e6, "Sze et al., Proc. IEEE 2017, Table III: AlexNet 724M MACs"),
    "vgg16": (15.47e9, TORCHVISION),
    "resnet18": (1.814e9, TORCHVISION),
    "resnet50": (4.089e9, TORCHVISION),
    "mobilenet_v1": (569e6, "Howard et al. 2017, Table 8: 569M mult-adds"),
    "mobilenet_v2": (0.301e9, TORCHVISION),
    "mobilenet_v3_large": (0.217e9, TORCHVISION),
    "efficientnet_b0": (0.386e9, TORCHVISION),
    "vit_b16": (17.564e9, TORCHVISION),
    "yolo_tiny": (5.56e9 / 2, "pjreddie.com/darknet/yolo: YOLOv3-tiny 5.56 Bn FLOPs (2 per MAC)"),
}
"""Published MACs per zoo network, with where each figure is published."""


def palm_forward_macs(layers: int, width: int, ffn: int, tokens: int, context: int) -> int:
    """Forward MACs of a transformer stack from Chowdhery et al. (PaLM) 2022, Appendix B.

    Per token 2N + 4LHQT FLOPs, i.e. N + 2 L (HQ) T MACs, with N the layers' weight
    matmul parameters (4 d^2 + 2 d d_ff per layer) and T the attended context.
    """
    n_params = layers * (4 * width * width + 2 * width * ffn)
    return tokens * n_params + 2 * layers * width * tokens * context


GPT2_HEAD = 768 * 50257
"""GPT-2's tied LM head (d x vocabulary), applied to one position."""

FORMULA_MACS: dict[str, int] = {
    "transformer_encoder": palm_forward_macs(1, 768, 3072, 128, 128),
    "bert_base": palm_forward_macs(12, 768, 3072, 128, 128),
    "bert_base_512": palm_forward_macs(12, 768, 3072, 512, 512),
    "gpt2_prefill": palm_forward_macs(12, 768, 3072, 128, 128) + GPT2_HEAD,
    "gpt2_decode": palm_forward_macs(12, 768, 3072, 1, 129) + GPT2_HEAD,
}
"""Transformers: the PaLM Appendix B formula with the papers' hyperparameters."""


@pytest.fixture(scope="module")
def zoo() -> dict[str, Workload]:
    """Every zoo network, built once for the module."""
    return {name: load_workload(name) for name in zoo_names()}


def _ops(workload: Workload, kind: type) -> list:
    return [op for op in workload.ops if isinstance(op, kind)]


def _op(workload: Workload, name: str):
    return next(node.op for node in workload.nodes if node.name == name)


def test_every_network_has_a_reference_figure() -> None:
    assert set(zoo_names()) == set(PUBLISHED_MACS) | set(FORMULA_MACS)


@pytest.mark.parametrize("name", sorted(PUBLISHED_MACS))
def test_macs_match_published_figure_within_the_claimed_0_2pct(zoo: dict[str, Workload], name: str) -> None:
    """README and docs/workloads.md claim every zoo total within 0.2% of its published figure."""
    published, _source = PUBLISHED_MACS[name]
    assert zoo[name].total_macs == pytest.approx(published, rel=0.002)


@pytest.mark.parametrize("name", sorted(FORMULA_MACS))
def test_transformer_macs_match_palm_formula(zoo: dict[str, Workload], name: str) -> None:
    assert zoo[name].total_macs == FORMULA_MACS[name]


def test_vit_matches_its_own_formula_and_torchvision() -> None:
    vit = load_workload("vit_b16")
    patch = 196 * 768 * 16 * 16 * 3
    expected = patch + palm_forward_macs(12, 768, 3072, 197, 197) + 768 * 1000
    assert vit.total_macs == expected


def test_alexnet_conv_work_is_zhang_fpga2015_figure(zoo: dict[str, Workload]) -> None:
    convs = _ops(zoo["alexnet"], Conv2d)
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert 2 * sum(c.macs for c in convs) == pytest.approx(1.33e9, rel=0.002)  # docs: +0.1%
    conv2 = _op(zoo["alexnet"], "conv2")
    assert (conv2.channels_per_group, conv2.output_shape) == (48, (1, 256, 27, 27))
    assert _op(zoo["alexnet"], "conv1").output_shape == (1, 96, 55, 55)
    assert [m.k for m in _ops(zoo["alexnet"], MatMul)] == [9216, 4096, 4096]


@pytest.mark.parametrize(
    ("name", "convs", "matmuls"),
    [
        ("alexnet", 5, 3),
        ("vgg16", 13, 3),
        ("resnet18", 20, 1),
        ("resnet50", 53, 1),
        ("mobilenet_v1", 27, 1),
        ("mobilenet_v2", 52, 1),
        ("mobilenet_v3_large", 46, 18),
        ("efficientnet_b0", 49, 33),
        ("yolo_tiny", 13, 0),
        ("transformer_encoder", 0, 8),
        ("bert_base", 0, 96),
        ("vit_b16", 1, 97),
        ("gpt2_prefill", 0, 73),
        ("gpt2_decode", 0, 73),
    ],
)
def test_layer_counts(zoo: dict[str, Workload], name: str, convs: int, matmuls: int) -> None:
    assert (len(_ops(zoo[name], Conv2d)), len(_ops(zoo[name], MatMul))) == (convs, matmuls)


@pytest.mark.parametrize(
    ("name", "adds"),
    [("resnet18", 8), ("resnet50", 16), ("mobilenet_v2", 10), ("efficientnet_b0", 9), ("bert_base", 24)],
)
def test_residual_branches_are_edges(zoo: dict[str, Workload], name: str, adds: int) -> None:
    """Each residual add joins two paths from one fork: a shared ancestor read by two ops."""
    workload = zoo[name]
    add_nodes = [n for n in workload.nodes if isinstance(n.op, VectorOp) and n.op.fn is VectorFn.ADD]
    assert len(add_nodes) == adds
    for node in add_nodes:
        left, right = node.inputs
        assert left != right
        forks = _ancestors(workload, left) & _ancestors(workload, right)
        assert any(len(workload.consumers[t]) >= 2 for t in forks), node.name


def _ancestors(workload: Workload, tensor: str) -> set[str]:
    """Activation tensors on some path into ``tensor``, itself included."""
    by_name = {node.name: node for node in workload.nodes}
    seen, todo = set(), [tensor]
    while todo:
        current = todo.pop()
        if current in seen or current not in workload.producers:
            continue
        seen.add(current)
        todo.extend(by_name[workload.producers[current]].inputs)
    return seen


def test_resnet50_downsampling_stride_is_on_the_3x3(zoo: dict[str, Workload]) -> None:
    conv2 = _op(zoo["resnet50"], "layer2.0.conv2")
    down = _op(zoo["resnet50"], "layer2.0.downsample")
    assert (conv2.kernel_h, conv2.stride_h, conv2.output_shape) == (3, 2, (1, 128, 28, 28))
    assert (down.kernel_h, down.stride_h, down.output_shape) == (1, 2, (1, 512, 28, 28))


def test_mobilenets_are_depthwise(zoo: dict[str, Workload]) -> None:
    dws = [c for c in _ops(zoo["mobilenet_v2"], Conv2d) if c.is_depthwise]
    assert len(dws) == 17
    last = _op(zoo["mobilenet_v2"], "stage7.0.dw")
    assert (last.in_channels, last.out_h) == (960, 7)
    se = _op(zoo["mobilenet_v3_large"], "bneck4.se.fc1")
    assert (se.k, se.n) == (72, 24)


def test_yolo_tiny_has_two_heads_and_an_upsampled_route(zoo: dict[str, Workload]) -> None:
    yolo = zoo["yolo_tiny"]
    assert sorted(yolo.graph_outputs) == ["conv15_detect13:out", "conv22_detect26:out"]
    assert yolo.tensor("route20:out").shape == (1, 384, 26, 26)
    assert yolo.tensor("pool11:out").shape == (1, 512, 13, 13)
    assert len(yolo.consumers["conv13:out"]) == 2


def test_attention_is_activation_by_activation(zoo: dict[str, Workload]) -> None:
    bert = zoo["bert_base"]
    scores = _op(bert, "layer0.attn.scores")
    context = _op(bert, "layer0.attn.context")
    assert (scores.batch, scores.m, scores.n, scores.k, scores.weight_operand) == (12, 128, 128, 64, False)
    assert (context.batch, context.m, context.n, context.k, context.weight_operand) == (12, 128, 64, 128, False)
    assert _op(bert, "layer0.mlp.fc1").activation == "gelu"
    fns = {op.fn for op in _ops(bert, VectorOp)}
    assert {VectorFn.SOFTMAX, VectorFn.LAYERNORM, VectorFn.ADD} <= fns


def test_gpt2_decode_is_gemv_over_a_kv_cache(zoo: dict[str, Workload]) -> None:
    decode = zoo["gpt2_decode"]
    weights = [m for m in _ops(decode, MatMul) if m.weight_operand]
    assert all(m.m == 1 for m in weights)
    scores = _op(decode, "h0.attn.scores")
    assert (scores.batch, scores.m, scores.n, scores.k) == (12, 1, 129, 64)
    assert decode.tensor("h0.attn.k_cache").shape == (1, 12, 128, 64)
    weight_bytes = sum(decode.tensor_bytes(t.name) for t in decode.tensors if t.kind == "weight")
    assert weight_bytes / decode.total_macs > 0.9  # about one weight byte per MAC: memory-bound
    prefill = zoo["gpt2_prefill"]
    assert _op(prefill, "h0.attn.qkv").n == 3 * 768
    assert _op(prefill, "lm_head").m == 1


def test_precision_scales_bytes(zoo: dict[str, Workload]) -> None:
    for workload in zoo.values():
        int8 = sum(workload.tensor_bytes(t.name) for t in workload.tensors)
        fp16 = workload.with_precision(Precision.FP16)
        assert sum(fp16.tensor_bytes(t.name) for t in fp16.tensors) == 2 * int8
        int4 = workload.with_precision(Precision.INT4)
        int4_bytes = sum(int4.tensor_bytes(t.name) for t in int4.tensors)
        assert int8 / 2 <= int4_bytes <= int8 / 2 + len(workload.tensors)
        assert fp16.total_macs == workload.total_macs


def test_every_network_is_a_connected_dag(zoo: dict[str, Workload]) -> None:
    for workload in zoo.values():
        inputs = [t.name for t in workload.tensors if t.kind == "input"]
        reached = set(inputs) | {t.name for t in workload.tensors if t.kind == "weight"}
        for node in workload.nodes:
            assert set(node.inputs) <= reached, node.name
            reached.update(node.outputs)
        assert all(workload.consumers[name] for name in inputs)
        assert workload.graph_outputs
        assert math.prod(workload.tensor(workload.graph_outputs[0]).shape) > 0


def test_unknown_zoo_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="resnet50"):
        load_workload("resnet51")
