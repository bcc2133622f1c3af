"""Where workloads come from: zoo names, parametric families and files, behind one call."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from workloads.errors import InputError, did_you_mean
from workloads.graph import Workload
from workloads.precision import Precision

if TYPE_CHECKING:
    from workloads.families.base import Family

READERS: dict[str, str] = {
    ".csv": "workloads.readers.scalesim_csv:read_scalesim_csv",
    ".onnx": "workloads.readers.onnx_reader:read_onnx",
    ".tflite": "workloads.readers.tflite_reader:read_tflite",
}
"""File suffix -> import path of ``reader(path, precision) -> Workload``."""

MODEL_FILES = frozenset({".onnx", ".tflite"})
"""Suffixes whose readers also take ``input_shapes`` and ``skip_unsupported`` (and ``precision=None``:
the file's own tensor types)."""


def _resolve(target: str) -> Callable[..., Workload]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _zoo() -> dict[str, str]:
    """Zoo name -> builder import path (the zoo package is imported on first use only)."""
    from workloads.zoo import ZOO

    return ZOO


def zoo_names() -> list[str]:
    """Names of the zoo networks."""
    return sorted(_zoo())


def zoo_builder(name: str) -> Callable[..., Workload]:
    """The builder function of zoo network ``name`` (its docstring describes the network)."""
    return _resolve(_zoo()[name])


def families() -> dict[str, Family]:
    """The parametric network families, by name."""
    from workloads.families import FAMILIES

    return FAMILIES


def family_names() -> list[str]:
    """Names of the parametric network families."""
    return sorted(families())


def load_family(spec: str) -> Workload | None:
    """The workload of a family spec ``name`` or ``name:knob=value,...``; None if ``spec`` names no family."""
    name, _, knobs = spec.partition(":")
    family = families().get(name.strip())
    if family is None:
        return None
    return family.build(family.parse(knobs))


def load_workload(
    spec: str,
    precision: Precision | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    skip_unsupported: bool = False,
) -> Workload:
    """A workload from a zoo name, an LLM spec, a family spec or a file path (``.csv``, ``.onnx``, ``.tflite``).

    For a family, ``precision`` sets the default precision of tensors its ``bits`` knobs do not set.
    For model files, ``input_shapes`` fixes dynamic input dimensions (ONNX) and ``skip_unsupported``
    imports unknown ops as data movement, listed in ``Workload.notes``.
    """
    if (input_shapes or skip_unsupported) and Path(spec).suffix.lower() not in MODEL_FILES:
        raise InputError(
            f"workload {spec!r}: input_shapes and skip_unsupported apply to .onnx/.tflite files only",
            cli=f"--workload {spec}: --input-shape and --skip-unsupported apply to .onnx/.tflite files only",
        )
    from workloads.llm.spec import is_llm_spec

    if is_llm_spec(spec):
        from workloads.llm.workload import load_llm

        workload = load_llm(spec)
        return workload.with_precision(precision) if precision else workload
    family = load_family(spec)
    if family is not None:
        return family.with_precision(precision) if precision else family
    suffix = Path(spec).suffix.lower()
    if suffix:
        reader = READERS.get(suffix)
        if reader is None:
            problem = f"unknown file type {suffix!r}{_did_you_mean(spec)}; allowed: {', '.join(READERS)}"
            raise InputError(f"workload {spec!r}: {problem}", cli=f"--workload {spec}: {problem}")
        if suffix in MODEL_FILES:
            return _resolve(reader)(Path(spec), precision, input_shapes, skip_unsupported)
        return _resolve(reader)(Path(spec), precision or Precision.INT8)
    names = zoo_names()
    if spec not in names:
        from workloads.llm.catalog import MODELS

        allowed = (
            f"allowed: {', '.join(names)}, an LLM ({', '.join(MODELS)} or a config.json, then :key=value,...), "
            f"a family spec ({', '.join(family_names())}:knob=value,...) or a model file"
        )
        problem = f"unknown network {spec!r}{_did_you_mean(spec)}; {allowed}"
        raise InputError(f"workload: {problem}", cli=f"--workload: {problem}")
    workload = zoo_builder(spec)()
    return workload.with_precision(precision) if precision else workload


def _did_you_mean(spec: str) -> str:
    """A hint naming the built-in workload ``spec`` most likely misspells, or ``""``."""
    from workloads.llm.catalog import MODELS

    return did_you_mean(spec.partition(":")[0].strip(), [*zoo_names(), *MODELS, *family_names()])
