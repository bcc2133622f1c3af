"""Multi-core mapping: fused stacks and tiles, allocation to cores, and their order.

Importing this package registers :func:`simulate_system` as ``simulate()``'s
simulator of the ``system`` family (the core package never imports mappers).
"""

from archsim.simulate import register_simulator
from mappers.multicore.flow import SCHEDULERS, plan_system, simulate_system

register_simulator("system", simulate_system)

__all__ = ["SCHEDULERS", "plan_system", "simulate_system"]
