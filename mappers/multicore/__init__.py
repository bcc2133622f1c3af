"""Multi-core mapping: fused stacks and tiles, allocation to cores, and their order."""

from mappers.multicore.flow import SCHEDULERS, plan_system, simulate_system

__all__ = ["SCHEDULERS", "plan_system", "simulate_system"]
