"""archsim: cycle-approximate simulation of DNN workloads on systolic arrays, FPGAs and NPUs."""

from archsim.config.loader import load_arch
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.simulate import simulate

__all__ = ["LayerMetrics", "NetworkMetrics", "load_arch", "simulate"]
