"""Vector ops against ZigZag 3.9.1 itself (a test extra): its ``Pooling`` and ``Add`` layers.

ZigZag costs pooling and elementwise addition as loop nests on the PE array (its mapping files
unroll ``G`` over ``D1``); archsim's vector unit defaults to the same lanes. The loop nests
archsim builds for a max pool and an add of an archsim workload are written as a ZigZag
workload file, ZigZag searches them on its tpu_like accelerator, and archsim must cost
ZigZag's mappings identically and find mappings as fast; ``simulate`` holds the result at or above the
busiest port's traffic over its bandwidth, which ZigZag's latency of the add is not.
"""

from __future__ import annotations

import logging
import math

import pytest
import yaml
from support.zigzag_reference import hardware, zigzag_inputs

from archsim.config.loopnest_zigzag import entry_for, hardware_from_dict, read_mapping_file
from archsim.loopnest.cost import evaluate, port_bound_cycles
from archsim.loopnest.layer import LoopNestLayer, Operand
from archsim.loopnest.mapper import Objective, best_mapping
from archsim.loopnest.mapping import Mapping
from archsim.loopnest.network import simulate_loopnest
from archsim.loopnest.vector import operator_type, vector_layer
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import VectorFn, VectorOp


def _workload() -> Workload:
    b = GraphBuilder("pool_add")
    x = b.input((1, 32, 5, 5))
    pooled = b.pool(x, VectorFn.MAXPOOL, 2, 1, name="pool")
    other = b.input((1, 32, 4, 4), name="skip")
    b.add(pooled, other, name="add")
    return b.build()


def _layers(workload: Workload) -> dict[str, tuple[LoopNestLayer, str]]:
    unit = hardware("tpu_like").vector_unit
    out = {}
    for node in workload:
        assert isinstance(node.op, VectorOp)
        shapes = [workload.tensor(t).shape for t in (node.inputs[0], node.outputs[0])]
        layer = vector_layer(node.op, unit, 8, *shapes)
        assert layer is not None
        out[node.op.name] = (layer, operator_type(node.op))
    return out


def _zigzag_layer(index: int, layer: LoopNestLayer, op_type: str) -> dict:
    """The same loop nest in ZigZag's workload YAML form."""
    dims = {op: [d.lower() for d in layer.relevant[op] if d in layer.sizes] for op in layer.operands}
    dims[Operand.I] += [p.name.lower() for p in layer.partial]
    refs = {op: "".join(f"[{d}]" for d in dims[op]) or "[]" for op in layer.operands}
    if op_type == "Add":
        equation = f"O{refs[Operand.O]}=I{refs[Operand.I]}+W{refs[Operand.W]}"
    else:
        equation = f"O{refs[Operand.O]}+=W{refs[Operand.W]}*I{refs[Operand.I]}"
    return {
        "id": index,
        "name": layer.name,
        "operator_type": op_type,
        "equation": equation,
        "dimension_relations": [
            f"{p.name.lower()}={p.outer_scale}*{p.outer.lower()}+{p.inner_scale}*{p.inner.lower()}"
            for p in layer.partial
        ],
        "loop_dims": list(layer.sizes),
        "loop_sizes": list(layer.sizes.values()),
        "operand_precision": dict(layer.precision),
        "operand_source": {"I": index, "W": index} if op_type == "Add" else {"I": index},
    }


@pytest.fixture(scope="module")
def zigzag_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """ZigZag's LOMA search (latency) on the two vector loop nests: layer name -> its evaluation."""
    from zigzag.api import get_hardware_performance_zigzag

    folder = tmp_path_factory.mktemp("zigzag_vector")
    layers = _layers(_workload())
    rows = [_zigzag_layer(i, layer, kind) for i, (layer, kind) in enumerate(layers.values())]
    (folder / "workload.yaml").write_text(yaml.safe_dump(rows, sort_keys=False))
    inputs = zigzag_inputs()
    logging.disable(logging.WARNING)
    try:
        _, _, cmes = get_hardware_performance_zigzag(
            str(folder / "workload.yaml"),
            str(inputs / "hardware" / "tpu_like.yaml"),
            str(inputs / "mapping" / "tpu_like.yaml"),
            opt="latency",
            dump_folder=str(folder / "out"),
            lpf_limit=6,
            loma_show_progress_bar=False,
        )
    finally:
        logging.disable(logging.NOTSET)
    return {cme.layer.name: cme for cme, _ in cmes[0][1]}


def _mapping_of(cme) -> Mapping:
    spatial = {str(oa): {str(d): int(f) for d, f in m.items()} for oa, m in cme.layer.spatial_mapping.items()}
    temporal = {
        Operand(str(op)): tuple(tuple((str(d), int(s)) for d, s in level) for level in levels)
        for op, levels in cme.temporal_mapping.mapping_dic_origin.items()
    }
    return Mapping(spatial, temporal)


def test_zigzags_mappings_of_pooling_and_add_cost_the_same(zigzag_run: dict) -> None:
    layers = _layers(_workload())
    assert sorted(zigzag_run) == sorted(layers) == ["add", "pool"]
    for name, (layer, _) in layers.items():
        cme = zigzag_run[name]
        assert cme.layer.type == {"add": "Add", "pool": "Pooling"}[name]
        cost = evaluate(layer, hardware("tpu_like"), _mapping_of(cme))
        assert cost.energy_pj == pytest.approx(cme.energy_total, rel=1e-9)
        assert cost.latency_cycles == pytest.approx(cme.latency_total2, rel=1e-9)


def test_simulate_finds_zigzags_latency_on_its_lanes_within_physics(zigzag_run: dict) -> None:
    inputs = zigzag_inputs()
    data = yaml.safe_load((inputs / "hardware" / "tpu_like.yaml").read_text())
    data["mapping_file"] = str(inputs / "mapping" / "tpu_like.yaml")
    config = hardware_from_dict(data, "tpu_like.yaml")
    assert (config.vector_unit.dimension, config.vector_unit.lanes) == ("D1", 32)  # ZigZag's G over D1
    entries = read_mapping_file(inputs / "mapping" / "tpu_like.yaml")
    layers = _layers(_workload())
    for row in simulate_loopnest(_workload(), config).layers:
        cme = zigzag_run[row.layer]
        layer, kind = layers[row.layer]
        best = best_mapping(layer, config, entry_for(entries, row.layer, kind).spatial, Objective.LATENCY).cost
        assert -0.05 <= best.latency_cycles / cme.latency_total2 - 1 <= 0.02  # the mapper simulate runs
        bound = port_bound_cycles(config, best)
        assert row.total_cycles == max(math.ceil(best.latency_cycles), math.ceil(bound))
        assert row.extras["zigzag_latency_cycles"] == best.latency_cycles
        assert row.extras["vector_ops"] == cme.layer.total_mac_count
    # ZigZag's own add moves more bytes over its DRAM port than bandwidth x its latency allows
    add, _ = layers["add"]
    zigzag_add = evaluate(add, config, _mapping_of(zigzag_run["add"]))
    assert zigzag_run["add"].latency_total2 == 176 < port_bound_cycles(config, zigzag_add) == 192
