"""GPU presets against LLMCompass's measured A100 operators (docs/llm.md).

Prints, per preset: the mean absolute error per operator kind over LLMCompass's
matmul/softmax/layernorm/GELU sweeps, then the GPT-3-175B layer shard (prefill of
2048 tokens and one decode step over 3072, batch 8) operator by operator with the
end-to-end figure (the two measured all-reduces added to both sides). For ``a100-manycore``
it also prints, per large compute-bound matmul, the clock at which the model's cycles would
take the measured time (a diagnostic of the GEMM gap, docs/llm.md; the model runs at 1,410 MHz).
``a100-manycore`` is the A100 as a many-core device (108 SMs of tensor arrays, a
shared L2, HBM); ``a100-like`` the earlier one-array approximation, for contrast.
The MI210 presets are not fitted to anything: their lines are predictions, and
their "error" column is their distance from the *A100* measurement.

Run: ``python benchmarks/llm_silicon.py``
"""

from __future__ import annotations

import argparse
import statistics

from support_loader import load_test_support

from archsim.config.loader import load_arch
from archsim.config.manycore import ManyCoreConfig

load_test_support()

from support.llmcompass import Compared, compute_bound_clocks, gpt3_layer, operator_sweeps, predict  # noqa: E402
from support.paths import LLM_REFERENCE  # noqa: E402

FOLDER = LLM_REFERENCE / "llmcompass"


def main() -> None:
    """Print both presets' comparisons."""
    for arch in ("a100-manycore", "a100-like", "mi210-manycore", "mi210-like"):
        config = load_arch(arch)
        compared = predict(operator_sweeps(FOLDER), config)
        print(f"== {arch}: operator sweeps (mean |error| vs the A100 measurement)")
        for kind in ("matmul", "softmax", "layernorm", "gelu"):
            errors = [abs(c.error) for c in compared if c.measured.overhead == kind]
            print(f"  {kind:9s} {len(errors):2d} points  {100 * statistics.fmean(errors):6.1f}%")
        print(f"  pooled    {len(compared):2d} points  {100 * statistics.fmean(abs(c.error) for c in compared):6.1f}%")
        end_to_end = []
        for decode in (False, True):
            rows, all_reduce = gpt3_layer(FOLDER, decode)
            layer = predict(rows, config)
            if not decode:
                prefill = layer
            print(f"  GPT-3 layer {'decode' if decode else 'prefill'}: op, measured ms, predicted ms, error")
            for c in layer:
                print(
                    f"    {c.measured.name:14s} {c.measured.latency_s * 1e3:9.3f} {c.predicted_s * 1e3:9.3f} "
                    f"{100 * c.error:+7.1f}%"
                )
            measured = sum(c.measured.latency_s for c in layer) + all_reduce
            predicted = sum(c.predicted_s for c in layer) + all_reduce
            mean = statistics.fmean(abs(c.error) for c in layer)
            end_to_end.append(abs(predicted / measured - 1))
            print(
                f"    end to end (+{all_reduce * 1e3:.3f} ms all-reduce, measured): {measured * 1e3:.3f} ms measured, "
                f"{predicted * 1e3:.3f} ms predicted ({100 * (predicted / measured - 1):+.1f}%); "
                f"mean |error| per op {100 * mean:.1f}%"
            )
        print(f"  mean |end to end| of prefill and decode {100 * statistics.fmean(end_to_end):.1f}%")
        if arch == "a100-manycore" and isinstance(config, ManyCoreConfig):
            _print_clocks(compared + prefill, config)


def _print_clocks(compared: list[Compared], config: ManyCoreConfig) -> None:
    """The clock each large compute-bound matmul implies (the model's cycles over the measured kernel time)."""
    clocks = compute_bound_clocks(compared, config)
    print("  compute-bound matmuls over 10x the launch overhead: MHz at which the model takes the measured time")
    for name, mhz in clocks.items():
        print(f"    {name:28s} {mhz:6.0f} MHz")
    print(f"    range {min(clocks.values()):.0f}-{max(clocks.values()):.0f} MHz ({len(clocks)} matmuls)")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
