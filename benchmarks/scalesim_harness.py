"""Run SCALE-Sim 3.0.0 (the ``scalesim`` package, a test/benchmark extra) on small layers, in-process.

Writes a topology CSV, a ``.cfg`` and an empty layout file into a temporary
directory, runs ``scalesim.scale_sim.scalesim(save_disk_space=True)`` and returns
each layer's report items as a dict keyed like archsim's CSV columns. SCALE-Sim
takes 0.1-0.5 ms of CPU per simulated cycle: keep the layers small.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CONV_HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
GEMM_HEADER = "Layer, M, N, K,"
LAYOUT_HEADER = "Layer name, IFMAP Height Intraline Factor,"
SPARSE_EXACT = (
    "total_cycles",
    "stall_cycles",
    "overall_util_pct",
    "mapping_eff_pct",
    "compute_util_pct",
    "ifmap_sram_reads",
    "filter_sram_reads",
    "ofmap_sram_writes",
    "ifmap_dram_reads",
    "filter_dram_reads",
    "ofmap_dram_writes",
    "original_filter_words",
    "compressed_filter_words",
    "filter_metadata_words",
    "filter_metadata_sram_bw",
)
"""Every figure of SCALE-Sim's compute, detail and sparse reports."""


@dataclass(frozen=True)
class ScaleSimArch:
    """The SCALE-Sim config fields the comparisons vary (1-byte words)."""

    rows: int
    cols: int
    dataflow: str
    ifmap_sram_kb: int = 6144
    filter_sram_kb: int = 6144
    ofmap_sram_kb: int = 2048
    bandwidth: int = 10
    interface_bandwidth: str = "USER"
    """SCALE-Sim's ``InterfaceBandwidth``: USER (the bandwidth above) or CALC (it reports the bandwidth needed)."""
    sparsity_support: bool = False
    """``[sparsity] SparsitySupport`` (layer-wise N:M from the topology's Sparsity column)."""
    sparse_rep: str = "ellpack_block"
    """``[sparsity] SparseRep``: csr, csc or ellpack_block."""
    optimized_mapping: bool = False
    """``[sparsity] OptimizedMapping``: row-wise N:M (a random N per filter column, ws only)."""
    block_size: int = 8
    """``[sparsity] BlockSize``: the row-wise mapping's M."""
    seed: int = 40
    """``[sparsity] RandomNumberGeneratorSeed``: draws the row-wise mapping's N per column."""

    def cfg_text(self) -> str:
        """The ``.cfg`` file (bank count 1 so that any bandwidth divides it)."""
        return f"""[general]
run_name = archsim_diff

[architecture_presets]
ArrayHeight: {self.rows}
ArrayWidth: {self.cols}
IfmapSramSzkB: {self.ifmap_sram_kb}
FilterSramSzkB: {self.filter_sram_kb}
OfmapSramSzkB: {self.ofmap_sram_kb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Dataflow: {self.dataflow}
Bandwidth: {self.bandwidth}
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {self.bandwidth}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {self.bandwidth}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: {str(self.sparsity_support).lower()}
SparseRep: {self.sparse_rep}
OptimizedMapping: {str(self.optimized_mapping).lower()}
BlockSize: {self.block_size}
RandomNumberGeneratorSeed: {self.seed}

[run_presets]
InterfaceBandwidth: {self.interface_bandwidth}
UseRamulatorTrace: False
"""


def topology_text(rows: Sequence[Sequence[int | str]], gemm: bool, sparsity: bool = False) -> str:
    """A topology CSV: ``(name, H, W, R, S, C, K, stride)`` rows, or ``(name, M, N, K)`` with ``gemm``.

    With ``sparsity`` each row ends with an ``N:M`` cell (SCALE-Sim v3's Sparsity column).
    """
    lines = [(GEMM_HEADER if gemm else CONV_HEADER) + (" Sparsity," if sparsity else "")]
    lines += [", ".join(str(v) for v in row) + "," for row in rows]
    return "\n".join(lines) + "\n"


def run_scalesim(topology: str, arch: ScaleSimArch, gemm: bool = False) -> list[dict[str, float]]:
    """SCALE-Sim's per-layer report of ``topology`` (CSV text) on ``arch``."""
    from scalesim.scale_sim import scalesim

    with tempfile.TemporaryDirectory(prefix="scalesim_") as tmp:
        root = Path(tmp)
        (root / "topology.csv").write_text(topology)
        (root / "arch.cfg").write_text(arch.cfg_text())
        (root / "layout.csv").write_text(LAYOUT_HEADER + "\n")
        with contextlib.redirect_stdout(io.StringIO()):
            sim = scalesim(
                save_disk_space=True,
                verbose=False,
                config=str(root / "arch.cfg"),
                topology=str(root / "topology.csv"),
                layout=str(root / "layout.csv"),
                input_type_gemm=gemm,
            )
            sim.run_scale(top_path=str(root / "out"))
        rows = []
        for layer in sim.runner.single_layer_sim_object_list:
            _, total, stall, overall, mapping, compute = layer.get_compute_report_items()
            detail = layer.get_detail_report_items()
            bandwidth = layer.get_bandwidth_report_items()
            sparse = layer.get_sparse_report_items() if arch.sparsity_support else [0, 0, 0, 0]
            rows.append(
                {
                    "original_filter_words": float(sparse[0]),
                    "compressed_filter_words": float(sparse[1]),
                    "filter_metadata_words": float(sparse[2]),
                    "filter_metadata_sram_bw": float(sparse[3]),
                    "total_cycles": int(total),
                    "stall_cycles": int(stall),
                    "compute_cycles": int(total) - int(stall),
                    "overall_util_pct": float(overall),
                    "mapping_eff_pct": float(mapping),
                    "compute_util_pct": float(compute),
                    "ifmap_sram_reads": float(detail[2]),  # fractional under N:M sparsity (M/N re-reads)
                    "filter_sram_reads": int(detail[5]),
                    "ofmap_sram_writes": int(detail[8]),
                    "ifmap_dram_reads": int(detail[11]),
                    "filter_dram_reads": int(detail[14]),
                    "ofmap_dram_writes": int(detail[17]),
                    "ifmap_sram_bw": float(bandwidth[0]),
                    "filter_sram_bw": float(bandwidth[1]),
                    "ofmap_sram_bw": float(bandwidth[2 + int(arch.sparsity_support)]),
                    "ifmap_dram_bw": float(bandwidth[3 + int(arch.sparsity_support)]),
                    "filter_dram_bw": float(bandwidth[4 + int(arch.sparsity_support)]),
                    "ofmap_dram_bw": float(bandwidth[5 + int(arch.sparsity_support)]),
                }
            )
        return rows
