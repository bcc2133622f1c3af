"""Stream 2.1 hardware YAML: compute cores as loop-nest configs, DRAM and interconnect from its connectivity."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.config.loader import load_arch
from archsim.errors import InputError
from archsim.system.engine import run_schedule
from archsim.system.metrics import core_peak_macs
from mappers.multicore.checker import check_timeline
from mappers.multicore.split import split_schedule
from workloads.builder import GraphBuilder

OFFCHIP = """
name: offchip
type: zigzag.offchip
memories:
  dram:
    size: 10000000000
    r_cost: 1000
    w_cost: 1000
    area: 0
    latency: 1
    operands: [I1, I2, O]
    ports:
      - name: rw_port_1
        type: read_write
        bandwidth_min: 64
        bandwidth_max: 64
        allocation: [I1, fh]
    served_dimensions: [D1, D2]
operational_array:
  unit_energy: 0
  unit_area: 0
  dimensions: [D1, D2]
  sizes: [0, 0]
"""


def zigzag_core(name: str) -> Path:
    """A ZigZag core file bundled with ``zigzag-dse`` (a test extra)."""
    import importlib.util

    spec = importlib.util.find_spec("zigzag")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "inputs" / "hardware" / f"{name}.yaml"


def stream_file(tmp_path: Path) -> Path:
    (tmp_path / "offchip.yaml").write_text(OFFCHIP)
    core = zigzag_core("tpu_like")
    path = tmp_path / "dual.yaml"
    path.write_text(
        "name: dual\n"
        f"cores:\n  0: {core}\n  1: {core}\n  2: ./offchip.yaml\n"
        "offchip_core_id: 2\n"
        "core_connectivity:\n"
        "  - {type: link, cores: [0, 1], bandwidth: 32}\n"
        "  - {type: bus, cores: [0, 1, 2], bandwidth: 128}\n"
    )
    return path


def test_reader_builds_loopnest_cores_and_channels(tmp_path: Path) -> None:
    system = load_arch(str(stream_file(tmp_path)))
    assert system.family == "system"
    assert [c.family for c in system.cores] == ["loopnest", "loopnest"]
    assert system.dram_bytes_per_cycle == 8.0  # the 64-bit off-chip port, under the 128-bit bus
    assert system.link_bytes_per_cycle == 4.0  # one 32-bit link


def test_split_schedule_on_stream_cores_is_physical(tmp_path: Path) -> None:
    system = load_arch(str(stream_file(tmp_path)))
    b = GraphBuilder("tiny")
    x = b.conv(b.input((1, 4, 8, 8)), 8, 1, name="a")
    b.conv(x, 8, 1, name="b")
    workload = b.build()
    schedule = split_schedule(workload, system)
    timeline = run_schedule(workload, system, schedule)
    assert not check_timeline(system, schedule, timeline, [core_peak_macs(c) for c in system.cores])
    # the graph input is broadcast once over the DRAM port, not once per core
    reads = [t for t in timeline.transfers if t.tensor == "input"]
    assert len(reads) == 1 and reads[0].nbytes == 4 * 8 * 8


def test_missing_offchip_core_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"cores:\n  0: {zigzag_core('tpu_like')}\noffchip_core_id: 5\ncore_connectivity: []\n")
    with pytest.raises(InputError, match="offchip_core_id 5"):
        load_arch(str(path))
