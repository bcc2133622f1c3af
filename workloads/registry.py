"""Where workloads come from: zoo names, parametric families and files, behind one call."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from workloads.errors import InputError
from workloads.graph import Workload
from workloads.precision import Precision

ZOO: dict[str, str] = {}
"""Zoo name -> import path of a zero-argument builder returning a Workload (filled in workloads.zoo)."""

READERS: dict[str, str] = {
    ".csv": "workloads.readers.scalesim_csv:read_scalesim_csv",
}
"""File suffix -> import path of ``reader(path, precision) -> Workload``."""


def _resolve(target: str) -> Callable[..., Workload]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def zoo_names() -> list[str]:
    """Names of the zoo networks."""
    from workloads import zoo  # noqa: F401  (fills ZOO)

    return sorted(ZOO)


def zoo_builder(name: str) -> Callable[..., Workload]:
    """The builder function of zoo network ``name`` (its docstring describes the network)."""
    zoo_names()
    return _resolve(ZOO[name])


def load_workload(spec: str, precision: Precision | None = None) -> Workload:
    """A workload from a zoo name or a file path (``.csv``, ``.onnx``, ``.tflite``)."""
    suffix = Path(spec).suffix.lower()
    if suffix:
        reader = READERS.get(suffix)
        if reader is None:
            raise InputError(f"--workload {spec}: unknown file type {suffix!r}; allowed: {', '.join(READERS)}")
        workload = _resolve(reader)(Path(spec), precision or Precision.INT8)
        return workload
    names = zoo_names()
    if spec not in ZOO:
        raise InputError(f"--workload: unknown network {spec!r}; allowed: {', '.join(names)} (or a .csv file)")
    workload = _resolve(ZOO[spec])()
    return workload.with_precision(precision) if precision else workload
