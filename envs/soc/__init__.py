"""The SoC scheduling env (``archsim/SocSchedule-v0``), its maskable-PPO agent and its search runs."""

from envs.soc.env import SocScheduleEnv
from envs.soc.scenario import SocScenario

__all__ = ["SocScenario", "SocScheduleEnv"]
