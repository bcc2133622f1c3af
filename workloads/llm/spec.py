"""LLM workload specs: ``MODEL[:key=value,...]``, e.g. ``llama3.2-1b:phase=decode,context=2048,batch=4,wbits=4``.

``MODEL`` is a built-in name (:data:`workloads.llm.catalog.MODELS`) or the path of
a Hugging Face ``config.json`` or of a folder holding one. Keys (all optional):

- ``phase``: ``prefill`` (the prompt), ``decode`` (generation steps over a KV cache)
  or ``request`` (prefill, then decode steps); default ``decode``.
- ``prompt``: prompt tokens of a prefill or request (default 512).
- ``context``: positions already in the KV cache when decoding starts (default:
  ``prompt``); ``request`` always starts from its prompt.
- ``batch``: sequences served together (default 1).
- ``tokens``: tokens generated (default 1). ``decode`` runs ``tokens`` steps;
  ``request`` runs its prefill (which yields the first token) and ``tokens - 1``
  steps. The steps are represented by one step at their mean context.
- ``wbits``: weight bits 4, 8 or 16 (fp16; default 16). ``group``: weights per
  fp16 scale of 4/8-bit weights (default 128; 0 = one scale per output channel).
- ``abits``: activation bits 8 or 16 (default 16); ``kvbits``: KV-cache bits 4, 8
  or 16 (default 16; 4/8-bit caches also carry an fp16 scale per ``group`` values).
- ``layers``: build only this many of the model's layers (default: all).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path

from workloads.errors import InputError
from workloads.llm.catalog import MODELS
from workloads.llm.config import LlmConfig
from workloads.llm.hf import read_hf_config
from workloads.precision import Precision


class Phase(StrEnum):
    """Which part of serving a request the workload is."""

    PREFILL = "prefill"
    DECODE = "decode"
    REQUEST = "request"


WEIGHT_BITS: dict[int, Precision] = {4: Precision.INT4, 8: Precision.INT8, 16: Precision.FP16}
"""Allowed ``wbits`` -> weight element precision."""

ACTIVATION_BITS: dict[int, Precision] = {8: Precision.INT8, 16: Precision.FP16}
"""Allowed ``abits`` -> activation precision."""

KV_BITS: dict[int, Precision] = {4: Precision.INT4, 8: Precision.INT8, 16: Precision.FP16}
"""Allowed ``kvbits`` -> KV-cache element precision."""

SCALE_PRECISION = Precision.FP16
"""Precision of the per-group scales of quantised weights and KV caches."""


@dataclass(frozen=True)
class LlmRun:
    """What to run of a model: phase, lengths, batch and precisions (validated)."""

    phase: Phase = Phase.DECODE
    prompt: int = 512
    context: int = 0
    batch: int = 1
    tokens: int = 1
    wbits: int = 16
    group: int = 128
    abits: int = 16
    kvbits: int = 16
    layers: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "phase", Phase(str(self.phase).lower()))
        except ValueError:
            allowed = ", ".join(p.value for p in Phase)
            raise ValueError(f"phase={self.phase!r} is not allowed; allowed: {allowed}") from None
        for name in ("prompt", "batch", "tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        for name in ("context", "group", "layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}={value!r} must be an integer >= 0")
        for name, table in (("wbits", WEIGHT_BITS), ("abits", ACTIVATION_BITS), ("kvbits", KV_BITS)):
            value = getattr(self, name)
            if value not in table:
                raise ValueError(f"{name}={value!r} is not allowed; allowed: {', '.join(map(str, table))}")
        if self.phase is Phase.REQUEST and self.context and self.context != self.prompt:
            raise ValueError(f"context={self.context} with phase=request: a request's decode starts from its prompt")
        # canonical form: a decode names its cache length; prefill and request have none of their own
        object.__setattr__(self, "context", self.start_context if self.phase is Phase.DECODE else 0)

    @property
    def weight_precision(self) -> Precision:
        """Element precision of the weight matrices."""
        return WEIGHT_BITS[self.wbits]

    @property
    def activation_precision(self) -> Precision:
        """Precision of activations (the workload's default precision)."""
        return ACTIVATION_BITS[self.abits]

    @property
    def kv_precision(self) -> Precision:
        """Element precision of the KV cache."""
        return KV_BITS[self.kvbits]

    @property
    def start_context(self) -> int:
        """Positions in the KV cache before the first decode step."""
        return self.prompt if self.phase is Phase.REQUEST or not self.context else self.context

    @property
    def decode_steps(self) -> int:
        """Decode steps run: ``tokens`` for decode, ``tokens - 1`` for a request (prefill gives the first)."""
        if self.phase is Phase.PREFILL:
            return 0
        return self.tokens if self.phase is Phase.DECODE else self.tokens - 1

    @property
    def positions(self) -> int:
        """Positions the run feeds the model: the prompt, or the cache plus every decode step's new token."""
        return self.prompt if self.phase is Phase.PREFILL else self.start_context + self.decode_steps

    @property
    def step_positions(self) -> int:
        """Positions the representative decode step attends: the mean over the steps, rounded up.

        Step ``i`` (from 0) attends the cache plus the ``i + 1`` tokens generated so far, so
        the mean is ``start_context + (steps + 1) / 2`` (exact for an odd number of steps).
        """
        return self.start_context + (self.decode_steps + 2) // 2


@dataclass(frozen=True)
class LlmSpec:
    """A parsed spec: the model's configuration, how to run it, and the canonical spec text."""

    model: str
    config: LlmConfig
    run: LlmRun

    @property
    def text(self) -> str:
        """The canonical spec string (every key, in a fixed order); parses back to the same spec."""
        items = ",".join(f"{f.name}={getattr(self.run, f.name)}" for f in fields(LlmRun))
        return f"{self.model}:{items}"

    @property
    def layers(self) -> int:
        """Layers actually built."""
        return self.run.layers or self.config.layers


_KEYS = tuple(f.name for f in fields(LlmRun))


def model_config(model: str) -> LlmConfig | None:
    """The configuration of a built-in name or a ``config.json`` path; None when ``model`` is neither."""
    if model in MODELS:
        return MODELS[model]
    path = Path(model)
    if path.suffix.lower() == ".json" or path.is_dir() or "/" in model:
        return read_hf_config(path)
    return None


def is_llm_spec(text: str) -> bool:
    """True when ``text`` names an LLM (a built-in model or a ``config.json``) before any ``:``."""
    model = text.partition(":")[0].strip()
    if model in MODELS or model.lower().endswith(".json"):
        return True
    return bool(model) and (Path(model) / "config.json").is_file()


def parse_spec(text: str) -> LlmSpec:
    """Parse ``MODEL[:key=value,...]``; errors name the key and what is allowed."""
    model, _, items = text.partition(":")
    model = model.strip()
    config = model_config(model)
    if config is None:
        raise _spec_error(text, f"unknown model {model!r}; allowed: {', '.join(MODELS)} or a config.json")
    values: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in items.split(","))):
        key, sep, value = (s.strip() for s in item.partition("="))
        if not sep or key not in _KEYS or not value:
            raise _spec_error(text, f"{item!r} is not key=value with key one of {', '.join(_KEYS)}")
        if key in values:
            raise _spec_error(text, f"{key} is given twice; give each key once")
        values[key] = value if key == "phase" else _integer(text, key, value)
    if values.get("context") == 0 and str(values.get("phase", Phase.DECODE.value)).lower() == Phase.DECODE.value:
        # Inside LlmRun 0 stands for the prompt length; written out on a decode it would silently mean 512.
        raise _spec_error(
            text, "context=0 is not allowed on a decode: give context >= 1, or omit it for the prompt length"
        )
    try:
        run = LlmRun(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise _spec_error(text, str(exc)) from None
    if run.layers > config.layers:
        raise _spec_error(text, f"layers={run.layers} exceeds the model's {config.layers} layers")
    return LlmSpec(model, config, run)


def _spec_error(text: str, detail: str) -> InputError:
    """A bad LLM spec: the workload given to ``load_workload`` in Python, ``--workload`` on the command line."""
    return InputError.option(f"workload {text}", f"--workload {text}", detail)


def _integer(text: str, key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _spec_error(text, f"{key}={value!r} must be an integer") from None
