"""The system config, the evaluator's physics, and the CLI/API on multi-core presets."""

from __future__ import annotations

import ast
import dataclasses
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import archsim
from archsim.area import sram_mm2
from archsim.cli import main
from archsim.config.loader import load_arch, read_config_file
from archsim.config.system import SystemConfig
from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.plots.schedule import schedule_gantt
from archsim.simulate import SIMULATORS
from archsim.system import Channel, SystemSchedule, Task, Transfer, run_schedule
from archsim.system.metrics import core_peak_macs, evaluate, system_area_mm2
from archsim.system.tiles import TaskOp
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.precision import Precision

SYSTEM_PRESETS = ("system-quad-systolic", "system-hetero", "system-ethos-u65-512x2")


def chain(layers: int = 3, size: int = 16, channels: int = 8) -> Workload:
    """A chain of 3x3 convolutions."""
    b = GraphBuilder("chain")
    x = b.input((1, channels, size, size))
    for k in range(layers):
        x = b.conv(x, channels, 3, name=f"c{k}")
    return b.build()


def two_core(dram: float = 8.0, link: float = 16.0) -> SystemConfig:
    core = SystolicConfig(name="sa", rows=8, cols=8, dataflow="ws")
    return SystemConfig(name="two", cores=(core, core), dram_bytes_per_cycle=dram, link_bytes_per_cycle=link)


@pytest.mark.parametrize("name", SYSTEM_PRESETS)
def test_presets_load_with_their_families(name: str) -> None:
    system = load_arch(name)
    assert system.family == "system"
    assert system.n_cores >= 2
    assert len(set(system.core_names)) == system.n_cores


def test_hetero_preset_mixes_families_and_quad_is_homogeneous() -> None:
    assert {c.family for c in load_arch("system-hetero").cores} == {"systolic", "npu"}
    assert load_arch("system-quad-systolic").homogeneous


def test_bad_core_field_names_file_and_core(tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('family = "system"\ncores = [{family = "systolic", rowz = 4}]\n')
    with pytest.raises(InputError, match=r"bad.toml.*cores\[0\].*rowz"):
        read_config_file(path)


def test_system_needs_cores() -> None:
    with pytest.raises(ValueError, match="at least one core"):
        SystemConfig(cores=())


def _pair_schedule(nbytes: int) -> SystemSchedule:
    """Two independent tasks on two cores, each reading ``nbytes`` from DRAM."""
    tasks = (
        Task("a", 0, (TaskOp("c0"),), reads=(Transfer("x", nbytes, Channel.DRAM_READ),)),
        Task("b", 1, (TaskOp("c0"),), reads=(Transfer("x", nbytes, Channel.DRAM_READ),)),
    )
    return SystemSchedule(tasks, (("a",), ("b",)))


def test_dram_is_shared_by_concurrent_reads() -> None:
    system = two_core(dram=8.0)
    workload = chain(1)
    timeline = run_schedule(workload, system, _pair_schedule(8000))
    reads = [t for t in timeline.transfers]
    # two 8000-byte reads share 8 B/cycle: both end at 2000 cycles after the latency, not 1000
    assert all(math.isclose(t.end - t.start, 2000.0) for t in reads)


def test_one_read_alone_gets_the_whole_bandwidth() -> None:
    system = two_core(dram=8.0)
    tasks = (Task("a", 0, (TaskOp("c0"),), reads=(Transfer("x", 8000, Channel.DRAM_READ),)),)
    timeline = run_schedule(chain(1), system, SystemSchedule(tasks, (("a",), ())))
    assert math.isclose(timeline.transfers[0].end - timeline.transfers[0].start, 1000.0)


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 20_000), min_size=1, max_size=6),
    dram=st.floats(1.0, 64.0),
    link=st.floats(1.0, 64.0),
)
def test_channels_never_beat_bandwidth_and_cores_never_beat_peak(sizes: list[int], dram: float, link: float) -> None:
    system = two_core(dram=dram, link=link)
    workload = chain(2)
    tasks = []
    for k, nbytes in enumerate(sizes):
        channel = (Channel.DRAM_READ, Channel.LINK)[k % 2]
        tasks.append(
            Task(
                f"t{k}",
                k % 2,
                (TaskOp(f"c{k % 2}", 1 + k % 3),),
                reads=(Transfer("x", nbytes, channel),),
                writes=(Transfer("y", nbytes // 2, Channel.DRAM_WRITE),),
                deps=(f"t{k - 2}",) if k >= 2 else (),
            )
        )
    order = tuple(tuple(t.name for t in tasks if t.core == c) for c in range(2))
    timeline = run_schedule(workload, system, SystemSchedule(tuple(tasks), order))
    bandwidth = {"dram": dram, "link": link}
    for interval in timeline.intervals:
        assert interval.nbytes <= bandwidth[interval.channel] * (interval.end - interval.start) * (1 + 1e-9) + 1e-6
    for channel in ("dram", "link"):
        moved = sum(i.nbytes for i in timeline.intervals if i.channel == channel)
        assert moved <= bandwidth[channel] * timeline.makespan * (1 + 1e-9) + 1e-6
    peak = core_peak_macs(system.cores[0])
    for timing in timeline.tasks:
        assert timing.macs <= peak * timing.compute_cycles + 1e-6


def test_deadlock_is_reported() -> None:
    tasks = (Task("a", 0, (TaskOp("c0"),), deps=("b",)), Task("b", 0, (TaskOp("c0"),)))
    with pytest.raises(ValueError, match="deadlocks"):
        run_schedule(chain(1), two_core(), SystemSchedule(tasks, (("a", "b"), ())))


def test_more_dram_bandwidth_is_never_slower() -> None:
    workload = chain(3)
    schedule = _pair_schedule(50_000)
    slow = evaluate(workload, two_core(dram=4.0), schedule).makespan_cycles
    fast = evaluate(workload, two_core(dram=16.0), schedule).makespan_cycles
    assert fast < slow


@pytest.mark.parametrize("name", SYSTEM_PRESETS)
@pytest.mark.parametrize("fusion", ["none", "auto"])
def test_simulate_api_and_cli_json_schedule(name: str, fusion: str, tmp_path) -> None:
    out = tmp_path / "r.json"
    assert (
        main(
            [
                "simulate",
                "--workload",
                "resnet18",
                "--arch",
                name,
                "--fusion",
                fusion,
                "--format",
                "json",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())
    schedule = data["schedule"]
    assert schedule["fusion"] == fusion
    assert len(schedule["cores"]) == load_arch(name).n_cores
    assert data["total"]["makespan_cycles"] == schedule["makespan_cycles"] > 0
    ends = [t["end"] for core in schedule["cores"] for t in core["tasks"]]
    assert max(ends) == pytest.approx(schedule["makespan_cycles"])


def test_core_package_never_imports_mappers() -> None:
    """archsim <- mappers <- envs: only the CLI (which composes everything) may import mappers."""
    root = Path(archsim.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "cli.py" or "commands" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "mappers"]
    assert not offenders
    assert "mappers" not in " ".join(SIMULATORS.values())


def test_fusion_flag_on_single_core_exits_2(capsys) -> None:
    assert main(["simulate", "--workload", "resnet18", "--arch", "tpu-like", "--fusion", "auto"]) == 2
    assert "only multi-core systems" in capsys.readouterr().err


def test_plot_schedule(tmp_path) -> None:
    out = tmp_path / "r.json"
    main(["simulate", "--workload", "resnet18", "--arch", "system-hetero", "--format", "json", "-o", str(out)])
    png = tmp_path / "g.png"
    assert main(["plot", "schedule", str(out), "-o", str(png)]) == 0
    assert png.stat().st_size > 1000


def test_broadcast_crosses_the_channel_once() -> None:
    system = two_core(dram=8.0)
    tasks = tuple(
        Task(name, core, (TaskOp("c0"),), reads=(Transfer("x", 8000, Channel.DRAM_READ, multicast="x"),))
        for name, core in (("a", 0), ("b", 1))
    )
    timeline = run_schedule(chain(1), system, SystemSchedule(tasks, (("a",), ("b",))))
    assert len(timeline.transfers) == 1
    assert math.isclose(timeline.transfers[0].end - timeline.transfers[0].start, 1000.0)
    assert {t.task: t.compute_start for t in timeline.tasks}["b"] == pytest.approx(timeline.transfers[0].end)


def test_the_shared_buffer_adds_its_sram_area() -> None:
    base = load_arch("system-hetero")
    shared = (0.0, 128.0, 512.0)
    areas = [system_area_mm2(dataclasses.replace(base, shared_buffer_kb=kb), Precision.INT8) for kb in shared]
    assert areas[0] < areas[1] < areas[2]
    assert areas[2] - areas[0] == pytest.approx(sram_mm2(512.0))  # the cores' SRAM area model, 2.90 mm^2


def simulate_with_shared_buffer(tmp_path: Path, kb: int) -> dict:
    """``archsim simulate`` of MobileNetV2 on ``system-hetero`` with a ``kb`` shared buffer: the JSON result."""
    base = (Path(archsim.__file__).parent / "presets" / "system-hetero.toml").read_text()
    arch = tmp_path / f"s{kb}.toml"
    arch.write_text(base.replace("link_latency_cycles = 10", f"link_latency_cycles = 10\nshared_buffer_kb = {kb}"))
    out = tmp_path / f"s{kb}.json"
    assert main(["simulate", "-w", "mobilenet_v2", "-a", str(arch), "--format", "json", "-o", str(out)]) == 0
    return json.loads(out.read_text())


def test_cli_reports_the_shared_buffer_traffic(tmp_path) -> None:
    totals = {}
    for kb in (0, 512):
        data = simulate_with_shared_buffer(tmp_path, kb)
        assert data["arch"]["shared_buffer_kb"] == kb
        totals[kb] = data["total"]
    assert totals[0]["shared_buffer_bytes"] == {"write": 0, "read": 0}
    moved = totals[512]["shared_buffer_bytes"]
    assert moved["write"] > 0 and moved["read"] >= moved["write"]
    assert totals[512]["dram_bytes"] == totals[0]["dram_bytes"] - moved["write"] - moved["read"]
    assert totals[512]["total_cycles"] < totals[0]["total_cycles"]
    assert totals[512]["energy_by_component_pj"]["shared_buffer"] > 0


def test_the_gantt_shows_shared_buffer_rows_only_when_used(tmp_path) -> None:
    labels = {}
    for kb in (0, 512):
        figure = schedule_gantt(simulate_with_shared_buffer(tmp_path, kb)["schedule"])
        labels[kb] = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert "shared_write" not in labels[0] and "shared_read" not in labels[0]
    assert {"shared_write", "shared_read", "dram_read", "link"} <= set(labels[512])
