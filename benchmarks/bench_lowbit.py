"""int4 vs int8 on every family for the same network: throughput, energy and area (or board resources).

Each row simulates one zoo network (MobileNetV1 by default) quantised to int8 or int4 on one
design; an unsupported precision is reported as the one-line error the simulator raises.
Where the per-precision costs come from:
- systolic: int4 on plain int8 PEs runs as int8 (no credit in the simulator); on packed PEs
  (``int4_macs_per_pe = 2``, after Bit Fusion, ISCA 2018) the reduction is folded in pairs,
  MAC energy from Horowitz's 45 nm table (``archsim.energy.MAC_PJ``), packing area
  ``archsim.systolic.lowbit.PACKING_EXTRA_UM2``;
- FPGA: DSP packing per precision (int8: 2 per DSP48E2, Xilinx WP486; int4: 4 per DSP48E2, WP521)
  or LUT-built multipliers (``mac_impl = "lut"``), ``archsim/fpga/resources.py``; the engine is
  re-designed by the paper's search for each precision;
- NPU: Ethos-U presets take int8 weights only (Vela 5.2); a custom decoder that reads int4 weights
  halves the weight bytes (``archsim/npu/precision.py``).

    python benchmarks/bench_lowbit.py [--workload mobilenet_v1] [--format markdown|json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from archsim.config.fpga import FpgaConfig
from archsim.config.loader import load_preset
from archsim.config.systolic import SystolicConfig
from archsim.simulate import simulate
from workloads.precision import Precision
from workloads.registry import load_workload

SYSTOLIC = SystolicConfig(
    name="systolic-32x32",
    rows=32,
    cols=32,
    dataflow="ws",
    ifmap_sram_kb=256,
    filter_sram_kb=256,
    ofmap_sram_kb=128,
    ifmap_dram_bw=8,
    filter_dram_bw=8,
    ofmap_dram_bw=8,
)


def designs() -> list[tuple[str, str, Any]]:
    """(family, design label, config) of every row."""
    u65 = load_preset("ethos-u65-256")
    return [
        ("systolic", "32x32 ws, int8 PEs", SYSTOLIC),
        ("systolic", "32x32 ws, packed int4 PEs", dataclasses.replace(SYSTOLIC, int4_macs_per_pe=2)),
        ("fpga", "ZCU104, DSP MACs, searched", FpgaConfig(name="zcu104-dsp", board="zcu104")),
        ("fpga", "ZCU104, LUT MACs, searched", FpgaConfig(name="zcu104-lut", board="zcu104", mac_impl="lut")),
        ("fpga", "Ultra96-V2, DSP MACs, searched", FpgaConfig(name="ultra96v2-dsp", board="ultra96v2")),
        ("npu", "Ethos-U55-128 (Vela: int8 weights)", load_preset("ethos-u55-128")),
        ("npu", "Ethos-U65-256 (Vela: int8 weights)", u65),
        ("npu", "U65-256 + int4 weight decoder", dataclasses.replace(u65, weight_precisions=("int4", "int8"))),
    ]


def row(family: str, label: str, config: Any, workload_name: str, precision: Precision) -> dict[str, Any]:
    """One design at one precision: inferences/s, energy, area, resources, or the error."""
    if family == "fpga":
        config = dataclasses.replace(config, precision=precision)
    workload = load_workload(workload_name).with_precision(precision)
    out: dict[str, Any] = {"family": family, "design": label, "precision": precision.value}
    try:
        metrics = simulate(workload, config)
    except ValueError as exc:
        return out | {"error": str(exc)}
    out |= {
        "inferences_per_s": 1.0 / metrics.latency_s,
        "latency_ms": metrics.latency_s * 1e3,
        "energy_mj": metrics.energy_pj * 1e-9,
        "area_mm2": metrics.area_mm2,
    }
    if metrics.resources:
        out["resources_pct"] = {k: round(v["pct"], 1) for k, v in metrics.resources.items() if isinstance(v, dict)}
        out["design_tm_tn"] = f"{metrics.design['tm']}x{metrics.design['tn']}"
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per design and precision."""
    lines = [
        "| family | design | precision | inferences/s | energy mJ | area mm^2 / resources |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['family']} | {r['design']} | {r['precision']} | invalid: {r['error']} | | |")
            continue
        cost = f"{r['area_mm2']:.2f}"
        if "resources_pct" in r:
            res = r["resources_pct"]
            cost = f"{r['design_tm_tn']}: DSP {res['dsp']}%, BRAM {res['bram18k']}%, LUT {res['lut']}%"
        lines.append(
            f"| {r['family']} | {r['design']} | {r['precision']} | {r['inferences_per_s']:.1f} | "
            f"{r['energy_mj']:.3f} | {cost} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Every design at int8 and int4."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", default="mobilenet_v1")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    ns = parser.parse_args()
    rows = [
        row(family, label, config, ns.workload, precision)
        for family, label, config in designs()
        for precision in (Precision.INT8, Precision.INT4)
    ]
    print(json.dumps(rows, indent=1) if ns.format == "json" else table(rows))


if __name__ == "__main__":
    main()
