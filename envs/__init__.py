"""Design-space search: spaces, Gymnasium envs, reward terms, agents, runner and storage.

Importing this package registers the envs below with Gymnasium (registration is data).
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

import envs.constraints  # registers the board-resource and SRAM budgets of user-unit constraints)
import envs.llm  # noqa: F401  (registers the serving objectives and budgets the LLM env uses)

_ONE_DESIGN = "envs.dse:DesignEnv"
_ONE_KNOB = "envs.sequential:SequentialEnv"

ENVS: tuple[dict[str, object], ...] = (
    {"id": "archsim/SystolicDSE-v0", "entry_point": _ONE_DESIGN, "kwargs": {"space": "systolic"}},
    {"id": "archsim/SystolicDSESeq-v0", "entry_point": _ONE_KNOB, "kwargs": {"space": "systolic"}},
    {"id": "archsim/FpgaDSE-v0", "entry_point": _ONE_DESIGN, "kwargs": {"space": "fpga"}},
    {"id": "archsim/FpgaDSESeq-v0", "entry_point": _ONE_KNOB, "kwargs": {"space": "fpga"}},
    {"id": "archsim/NpuDSE-v0", "entry_point": _ONE_DESIGN, "kwargs": {"space": "npu"}},
    {"id": "archsim/NpuDSESeq-v0", "entry_point": _ONE_KNOB, "kwargs": {"space": "npu"}},
    {"id": "archsim/SystemDSE-v0", "entry_point": _ONE_DESIGN, "kwargs": {"space": "system"}},
    {
        "id": "archsim/LoopNestDSE-v0",
        "entry_point": _ONE_DESIGN,
        "kwargs": {"space": "loopnest", "workload": "transformer_encoder"},
    },
    {
        "id": "archsim/LoopNestDSESeq-v0",
        "entry_point": _ONE_KNOB,
        "kwargs": {"space": "loopnest", "workload": "transformer_encoder"},
    },
    {
        "id": "archsim/LlmServingDSE-v0",
        "entry_point": _ONE_DESIGN,
        "kwargs": {
            "space": "llm-serving",
            "workload": "llama3.2-1b:phase=decode,context=2048,batch=4,wbits=8,abits=8,kvbits=8",
            # a decode workload's latency is one step (TPOT) and its energy the batch's tokens' energy:
            # minimise energy per token under a 200 tokens/s spec (TPOT <= 4 / 200 s)
            "objectives": {"energy": 1.0},
            "budgets": {"latency_s": 0.02},
        },
    },
    {
        "id": "archsim/CoSearch-v0",
        "entry_point": "envs.cosearch.env:CoSearchEnv",
        "kwargs": {"workload": "ofa_mbv2", "space": "cosearch-small"},
    },
    {
        "id": "archsim/HeteroCoSearch-v0",
        "entry_point": "envs.hetero.env:HeteroCoSearchEnv",
        "kwargs": {
            "workload": "ofa_mbv2",
            "space": "hetero-small",
            # the env's defaults (envs.hetero.env.HETERO_OBJECTIVES, HETERO_SPECS), so that runs score as the env does
            "objectives": {"accuracy": 10.0, "energy": 0.5},
            "budgets": {"latency_s": 1e-3, "area_mm2": 2.5, "power_w": 1.0},
        },
    },
)
"""Every design-search env archsim registers: id, entry point and default constructor arguments."""

SCHEDULING_ENVS: tuple[dict[str, object], ...] = (
    {"id": "archsim/SocSchedule-v0", "entry_point": "envs.soc.env:SocScheduleEnv", "kwargs": {}},
)
"""Envs whose episodes schedule jobs rather than evaluate designs (searched through ``envs.soc.run``)."""

for _spec in (*ENVS, *SCHEDULING_ENVS):
    if _spec["id"] not in registry:
        register(**_spec)  # type: ignore[arg-type]


def env_ids() -> list[str]:
    """Ids of archsim's registered envs."""
    return [str(spec["id"]) for spec in ENVS]


def scheduling_env_ids() -> list[str]:
    """Ids of archsim's registered scheduling envs."""
    return [str(spec["id"]) for spec in SCHEDULING_ENVS]


__all__ = ["ENVS", "SCHEDULING_ENVS", "env_ids", "scheduling_env_ids"]
