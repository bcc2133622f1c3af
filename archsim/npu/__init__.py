"""Ethos-U / Edge-TPU class NPU model: block choice, MAC/output-stage cycles, memory traffic, network totals."""

from archsim.npu.network import simulate_npu

__all__ = ["simulate_npu"]
