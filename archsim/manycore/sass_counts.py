"""Count the SASS instructions per element of the kernels in ``vector_kernels.cu`` (the source of
:data:`archsim.manycore.instructions.VECTOR_PASSES`).

Needs ``nvcc`` (CUDA 11+) and ``cuobjdump`` on the PATH: compiles the file for sm_80 with ``-O3``,
takes each kernel's main loop (its longest backward branch), leaves out the slow path of an IEEE
division (a call taken only for denormal or huge operands) and classes each instruction as the CUDA
C Programming Guide's throughput table does: FP32 add/mul/fma and the integer multiply-add (``IMAD``,
on the same FMA pipe); compare/min/max/select, other integer, logic and data movement ("alu");
special functions (MUFU) and type conversions ("sfu"); the rest (fp16-pipe moves and conversions,
loads, stores, branches) only takes issue slots. Prints counts per element.

Run: ``python -m archsim.manycore.sass_counts``
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("vector_kernels.cu")
ELEMENTS_PER_LOAD = {"sm_max": 8, "sm_sum": 8, "sm_out": 8, "ln_stats": 4, "ln_out": 4}
"""fp16 elements one vector load brings (softmax's ILP of 16 bytes; every other kernel 4)."""
LOADS_PER_ITERATION = {"ln_out": 3, "add": 2, "mul": 2}
"""Vector loads per element group (layernorm's x, gamma, beta; a binary op's two operands)."""
FP32 = ("FADD", "FMUL", "FFMA", "IMAD")
"""The FMA pipe: FP32 add/mul/fma and the integer multiply-add (on GA100, per NVIDIA's developer forum)."""
SFU = ("MUFU", "F2F", "I2F", "F2I")
ISSUE_ONLY = ("HADD2", "HFMA2", "HMUL2", "LDG", "STG", "LDS", "STS", "BRA", "BSSY", "BSYNC", "EXIT", "CALL", "RET")


def instruction_class(opcode: str) -> str:
    """The throughput class of one SASS opcode: ``fp32``, ``alu``, ``sfu`` or ``issue``."""
    base = opcode.split(".")[0]
    if base in FP32:
        return "fp32"
    if base in SFU:
        return "sfu"
    return "issue" if base in ISSUE_ONLY else "alu"


def loop_counts(sass: str, kernel: str) -> dict[str, float]:
    """Per-element instruction counts of ``kernel``'s main loop in ``cuobjdump -sass`` text."""
    body = re.search(rf"Function : {kernel}\n(.*?)(?=Function : |\Z)", sass, re.S)
    if body is None:
        raise ValueError(f"{kernel}: not in the SASS")
    code = [(int(a, 16), s.strip()) for a, s in re.findall(r"/\*([0-9a-f]{4})\*/\s+([^;]*);", body.group(1))]
    back = [(a, int(t, 16)) for a, s in code for t in re.findall(r"BRA (0x[0-9a-f]+)$", s) if int(t, 16) < a]
    end, start = max(back, key=lambda jump: jump[0] - jump[1])
    loop = [(a, s) for a, s in code if start <= a <= end and s != "NOP"]
    slow = set()
    for i, (a, s) in enumerate(loop):
        if s.startswith("CALL.REL"):  # the division's slow path: the call and its argument/result moves
            slow |= {loop[i - 1][0], a, loop[i + 1][0]}
    counts: collections.Counter[str] = collections.Counter()
    for a, s in loop:
        if a not in slow:
            opcode = re.sub(r"^@!?P\d ", "", s).split()[0]
            counts[instruction_class(opcode)] += 1
    loads = sum(1 for _, s in loop if s.startswith("LDG")) // LOADS_PER_ITERATION.get(kernel, 1)
    elements = ELEMENTS_PER_LOAD.get(kernel, 4) * max(1, loads)
    issued = sum(counts.values())
    return {
        "fp32": counts["fp32"] / elements,
        "alu": counts["alu"] / elements,
        "sfu": counts["sfu"] / elements,
        "issued": issued / elements,
    }


def main() -> None:
    """Compile ``vector_kernels.cu`` for sm_80 and print every kernel's counts per element."""
    missing = [tool for tool in ("nvcc", "cuobjdump") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"sass_counts: {' and '.join(missing)} not on the PATH (CUDA toolkit needed)")
    with tempfile.TemporaryDirectory() as folder:
        cubin = Path(folder) / "k.cubin"
        subprocess.run(["nvcc", "-arch=sm_80", "-O3", "-cubin", "-o", str(cubin), str(SOURCE)], check=True)
        sass = subprocess.run(["cuobjdump", "-sass", str(cubin)], check=True, capture_output=True, text=True).stdout
    for kernel in re.findall(r'extern "C" __global__ void (\w+)', SOURCE.read_text()):
        counts = loop_counts(sass, kernel)
        print(f"{kernel:10s} " + " ".join(f"{k}={v:.3f}" for k, v in counts.items()))


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
