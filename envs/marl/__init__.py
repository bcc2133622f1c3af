"""Multi-agent design search: PettingZoo forms of the design spaces and independent PPO.

Only :mod:`envs.marl.split` is imported here; the env (PettingZoo) and the trainer
(stable-baselines3, torch) load when used: ``from envs.marl.env import parallel_env``.
"""

from __future__ import annotations

from envs.marl.split import AgentSplit, default_split, resolve_split

__all__ = ["AgentSplit", "default_split", "resolve_split"]
