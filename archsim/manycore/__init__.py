"""Many-core (GPU-class) family: matmul tiles over cores in waves, a shared L2, DRAM; vector ops streamed."""

from archsim.manycore.model import KernelCost, gemm_cost, op_cost, vector_cost
from archsim.manycore.network import simulate_manycore

__all__ = ["KernelCost", "gemm_cost", "op_cost", "simulate_manycore", "vector_cost"]
