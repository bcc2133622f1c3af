"""From a spec string to a Workload and back (the Workload's name is its canonical spec)."""

from __future__ import annotations

from workloads.errors import InputError
from workloads.graph import Workload
from workloads.llm.build import build_llm
from workloads.llm.spec import LlmSpec, is_llm_spec, parse_spec


def load_llm(text: str) -> Workload:
    """The Workload of an LLM spec (``MODEL[:key=value,...]``)."""
    return build_llm(parse_spec(text))


def llm_spec_of(workload: Workload) -> LlmSpec | None:
    """The LLM spec a Workload was built from (built-in, config.json or ``llm:`` family), else None."""
    # Through the family registry: it imports workloads.llm.family, which imports the registry's
    # package; entering at workloads.llm.family first would find the registry half-built.
    import workloads.families  # noqa: F401
    from workloads.llm.family import FAMILY_NAME, LLM_FAMILY

    family, _, knobs = workload.name.partition(":")
    if family == FAMILY_NAME:
        return LLM_FAMILY.llm_spec(LLM_FAMILY.parse(knobs))
    name = workload.name
    if not is_llm_spec(name):
        return None
    try:
        return parse_spec(name)
    except InputError:  # a graph derived from an LLM (a family's sub-graph, e.g. ``SPEC:costs``), not the LLM itself
        return None
