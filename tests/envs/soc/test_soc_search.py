"""``archsim search --env archsim/SocSchedule-v0``: baselines and maskable PPO stored per episode, resume,
the Gantt and learning-curve plots, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsim.cli import main

BASE = ["search", "--env", "archsim/SocSchedule-v0", "--format", "json"]
TINY_PPO = [
    "--agent",
    "ppo",
    "--env-arg",
    "tasks=6",
    "--param",
    "n_steps=32",
    "--param",
    "batch_size=16",
    "--param",
    "n_epochs=2",
]


def search(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main([*BASE, *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_ppo_study_stores_episodes_and_resumes_by_exact_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = ["--storage", f"sqlite:///{tmp_path / 's.db'}"]
    first = search([*TINY_PPO, "--budget", "6", *storage], capsys)
    assert first["evaluations"] == 6 and first["resumed"] == 0
    assert [e["episode"] for e in first["episodes"]] == list(range(6))
    assert all(e["slr"] >= 1.0 for e in first["episodes"])
    more = search([*TINY_PPO, "--budget", "9", *storage], capsys)
    assert more["study"] == first["study"] and more["resumed"] == 6 and more["evaluations"] == 9
    assert more["episodes"][:6] == first["episodes"]  # replayed, checked equal, not stored twice
    out = tmp_path / "ppo.json"
    out.write_text(json.dumps(more))
    assert main(["plot", "episodes", str(out), "-o", str(tmp_path / "curve.png")]) == 0
    assert main(["plot", "schedule", str(out), "-o", str(tmp_path / "gantt.png")]) == 0
    assert (tmp_path / "curve.png").stat().st_size > 0 and (tmp_path / "gantt.png").stat().st_size > 0


def test_baselines_on_a_zoo_stream_with_their_gantt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    storage = ["--storage", f"sqlite:///{tmp_path / 's.db'}"]
    argv = ["--workload", "resnet18,mobilenet_v2", "--env-arg", "jobs=2", "--budget", "2", *storage]
    heft = search(["--agent", "heft", *argv], capsys)
    greedy = search(["--agent", "greedy", *argv], capsys)
    assert heft["arch"]["name"] == "system-soc5" and heft["study"] != greedy["study"]
    cores = heft["schedule"]["cores"]
    assert [c["core"] for c in cores] == ["sa-os-32", "sa-ws-16", "npu-u65", "npu-u55", "sa-os-8"]
    assert sum(len(c["tasks"]) for c in cores) == heft["episodes"][-1]["tasks"]
    assert heft["schedule"]["makespan_cycles"] == pytest.approx(heft["episodes"][-1]["makespan_cycles"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--agent", "dqn", "--budget", "2"], "--agent: unknown agent 'dqn' for archsim/SocSchedule-v0"),
        (["--agent", "heft", "--budget", "2", "--env-arg", "noise=2"], "noise must be in [0, 1)"),
        (["--agent", "heft"], "--budget: required"),
        (["--agent", "ppo", "--budget", "2", "--param", "policy=gnn"], "policy must be one of pairs, mlp"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*BASE, *argv, "--storage", f"sqlite:///{tmp_path / 's.db'}"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_an_llm_spec_keeps_its_commas_and_runs_on_the_cores_that_take_fp16(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from envs.soc.cli import split_networks

    text = "resnet18,qwen2.5-0.5b:phase=prefill,prompt=64,layers=2,ofa_mbv2:width=0.75,kernel=5,mobilenet_v2"
    assert split_networks(text) == [
        "resnet18",
        "qwen2.5-0.5b:phase=prefill,prompt=64,layers=2",
        "ofa_mbv2:width=0.75,kernel=5",
        "mobilenet_v2",
    ]
    argv = ["--agent", "heft", "--budget", "1", "--workload", "qwen2.5-0.5b:phase=prefill,prompt=64,layers=2"]
    result = search([*argv, "--storage", f"sqlite:///{tmp_path / 's.db'}"], capsys)
    placed = {core["core"]: len(core["tasks"]) for core in result["schedule"]["cores"]}
    assert result["best"]["tasks"] == sum(placed.values()) > 0
    assert placed["npu-u65"] == placed["npu-u55"] == 0  # the Ethos-U cores take int8/int16 only
