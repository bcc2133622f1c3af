"""LLM serving metrics (TTFT, TPOT, tokens/s, energy per token, footprint) over any family's results."""

from archsim.llm.metrics import (
    conversion_warning,
    dram_cycles,
    llm_totals,
    memory_check,
    op_bound,
    positions_warning,
    unfit_warning,
    with_llm_metrics,
)

__all__ = [
    "conversion_warning",
    "dram_cycles",
    "llm_totals",
    "memory_check",
    "op_bound",
    "positions_warning",
    "unfit_warning",
    "with_llm_metrics",
]
