"""LLM workloads: model configs (built-in or a Hugging Face ``config.json``), specs and phases.

``load_llm("llama3.2-1b:phase=decode,context=2048,batch=4,wbits=4")`` builds the
Workload; :func:`llm_spec_of` recovers the parsed spec from a built Workload (its
name is the canonical spec), which is how the simulators' LLM metrics find the
phases, batch and lengths. The grammar is in :mod:`workloads.llm.spec` and docs/llm.md.
"""

import workloads.families  # noqa: F401  (first: it imports workloads.llm.family, which needs workloads.families.base)
from workloads.llm.build import build_llm
from workloads.llm.catalog import MODELS
from workloads.llm.config import LlmConfig
from workloads.llm.hf import read_hf_config
from workloads.llm.spec import LlmRun, LlmSpec, Phase, is_llm_spec, parse_spec
from workloads.llm.workload import llm_spec_of, load_llm

__all__ = [
    "MODELS",
    "LlmConfig",
    "LlmRun",
    "LlmSpec",
    "Phase",
    "build_llm",
    "is_llm_spec",
    "llm_spec_of",
    "load_llm",
    "parse_spec",
    "read_hf_config",
]
