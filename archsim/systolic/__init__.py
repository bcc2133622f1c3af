"""SCALE-Sim-compatible systolic-array model: closed-form folds, double-buffered SRAMs, energy, area."""

from archsim.systolic.layer import simulate_layer
from archsim.systolic.network import simulate_systolic

__all__ = ["simulate_layer", "simulate_systolic"]
