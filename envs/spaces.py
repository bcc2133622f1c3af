"""Design spaces: named discrete knobs, mapped to Gymnasium spaces and back to configs.

A design is a point of the space: one value index per knob (``Point``), shown to
users as ``{knob: value}`` (``Design``). :class:`DesignSpace` knows nothing about
hardware, so network knobs (co-search) and hardware knobs combine with
:meth:`DesignSpace.combine`; :class:`HardwareSpace` adds the family and the base
config that its knobs override, and builds the validated config of a point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from gymnasium import spaces as gym_spaces

from archsim.config.loader import config_class, load_preset
from archsim.errors import InputError

Value = int | float | str
Point = tuple[int, ...]
Design = dict[str, Value]


@dataclass(frozen=True)
class Knob:
    """One discrete design choice.

    Attributes:
        name: What users call it (``rows``, ``dram_bw``).
        values: The allowed values, in order (ordinal knobs ascending).
        fields: Config fields it sets (None: the field called ``name``); one knob may
            set several fields, e.g. one DRAM bandwidth for every operand, or none when
            it only feeds a derived field of its space (FPGA ``tm`` into ``design``).
        ordinal: True when neighbouring values are similar (numbers); False for choices
            such as a dataflow, which samplers should treat as categories.
        group: ``hardware`` or ``network``; co-search splits a design by group.
    """

    name: str
    values: tuple[Value, ...]
    fields: tuple[str, ...] | None = None
    ordinal: bool = True
    group: str = "hardware"

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"knob {self.name!r}: needs at least one value")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"knob {self.name!r}: values repeat: {self.values!r}")
        if self.fields is None:
            object.__setattr__(self, "fields", (self.name,))

    def __len__(self) -> int:
        return len(self.values)

    def index(self, value: Any) -> int:
        """Index of ``value``, accepting numbers given as strings (``"32"`` for 32)."""
        for i, allowed in enumerate(self.values):
            if value == allowed or str(value).strip().lower() == str(allowed).lower():
                return i
            if isinstance(allowed, (int, float)) and not isinstance(value, bool):
                try:
                    if float(value) == float(allowed):
                        return i
                except (TypeError, ValueError):
                    continue
        raise InputError(
            f"knob {self.name}: unknown value {value!r}; allowed: {', '.join(str(v) for v in self.values)}"
        )


@dataclass(frozen=True)
class DesignSpace:
    """A product of knobs with a reference point (the normalisation baseline).

    ``evaluator`` is the import path (``"module:fn"``) of ``fn(space, workload) -> Evaluator``
    that evaluates its designs by default (co-search spaces name theirs); empty means
    the hardware family's simulator, for a :class:`HardwareSpace`.
    """

    name: str
    knobs: tuple[Knob, ...]
    reference: Point = ()
    description: str = ""
    evaluator: str = ""
    _by_name: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.knobs:
            raise ValueError(f"space {self.name!r}: needs at least one knob")
        by_name = {knob.name: i for i, knob in enumerate(self.knobs)}
        if len(by_name) != len(self.knobs):
            raise ValueError(f"space {self.name!r}: knob names repeat")
        object.__setattr__(self, "_by_name", by_name)
        if not self.reference:
            object.__setattr__(self, "reference", tuple(len(k) // 2 for k in self.knobs))
        self.check_point(self.reference)

    @property
    def names(self) -> tuple[str, ...]:
        """Knob names in order."""
        return tuple(k.name for k in self.knobs)

    @property
    def cardinalities(self) -> tuple[int, ...]:
        """Number of values of each knob."""
        return tuple(len(k) for k in self.knobs)

    @property
    def size(self) -> int:
        """Number of designs in the space."""
        return math.prod(self.cardinalities)

    def knob(self, name: str) -> Knob:
        """The knob called ``name`` (InputError naming the allowed knobs otherwise)."""
        if name not in self._by_name:
            raise InputError(f"space {self.name}: unknown knob {name!r}; allowed: {', '.join(self.names)}")
        return self.knobs[self._by_name[name]]

    def check_point(self, point: Sequence[int]) -> Point:
        """``point`` as a tuple of ints, after checking every index is in range."""
        if len(point) != len(self.knobs):
            raise ValueError(f"space {self.name}: a point has {len(self.knobs)} indices, got {len(point)}")
        out = tuple(int(i) for i in point)
        for knob, i in zip(self.knobs, out, strict=True):
            if not 0 <= i < len(knob):
                raise ValueError(f"space {self.name}: index {i} of knob {knob.name} not in [0, {len(knob) - 1}]")
        return out

    def decode(self, point: Sequence[int]) -> Design:
        """The ``{knob: value}`` design at ``point``."""
        return {k.name: k.values[int(i)] for k, i in zip(self.knobs, point, strict=True)}

    def encode(self, design: Mapping[str, Any]) -> Point:
        """The point of a ``{knob: value}`` design; missing knobs take the reference value."""
        for name in design:
            self.knob(name)
        return tuple(
            k.index(design[k.name]) if k.name in design else ref
            for k, ref in zip(self.knobs, self.reference, strict=True)
        )

    def flat_index(self, point: Sequence[int]) -> int:
        """Row-major rank of ``point`` in ``[0, size)``."""
        return int(np.ravel_multi_index(tuple(int(i) for i in point), self.cardinalities))

    def point_at(self, index: int) -> Point:
        """The point of row-major rank ``index``."""
        return tuple(int(i) for i in np.unravel_index(int(index), self.cardinalities))

    def points(self) -> Iterator[Point]:
        """Every point in row-major order."""
        for index in range(self.size):
            yield self.point_at(index)

    def action_space(self) -> gym_spaces.MultiDiscrete:
        """One design per action: one index per knob."""
        return gym_spaces.MultiDiscrete(np.array(self.cardinalities, dtype=np.int64))

    def normalise(self, point: Sequence[int]) -> np.ndarray:
        """Knob indices scaled to [-1, 1] (single-valued knobs sit at 0)."""
        out = np.zeros(len(self.knobs), dtype=np.float32)
        for j, (knob, i) in enumerate(zip(self.knobs, point, strict=True)):
            if len(knob) > 1:
                out[j] = 2.0 * int(i) / (len(knob) - 1) - 1.0
        return out

    def restrict(self, choices: Mapping[str, Sequence[Any]], name: str | None = None) -> DesignSpace:
        """A subspace: the knobs in ``choices`` keep only the listed values, the others their reference value."""
        knobs = []
        for knob, ref in zip(self.knobs, self.reference, strict=True):
            if knob.name in choices:
                kept = tuple(knob.values[knob.index(v)] for v in choices[knob.name])
            else:
                kept = (knob.values[ref],)
            knobs.append(Knob(knob.name, kept, knob.fields, knob.ordinal, knob.group))
        for other in choices:
            self.knob(other)
        return self._replace(name or f"{self.name}-subset", tuple(knobs))

    def _replace(self, name: str, knobs: tuple[Knob, ...]) -> DesignSpace:
        return DesignSpace(name, knobs, description=self.description, evaluator=self.evaluator)

    @staticmethod
    def combine(name: str, *parts: DesignSpace) -> DesignSpace:
        """Concatenate the knobs of several spaces (e.g. network and hardware) into one."""
        knobs = tuple(k for part in parts for k in part.knobs)
        reference = tuple(i for part in parts for i in part.reference)
        return DesignSpace(name, knobs, reference, " + ".join(p.name for p in parts))


@dataclass(frozen=True)
class HardwareSpace(DesignSpace):
    """Knobs over one hardware family's config: each point is a validated config.

    Config fields come from, in order: the ``preset`` (when given), ``base``
    (``(field, value)`` pairs, a tuple so that spaces stay hashable cache keys), each
    knob's fields, and ``derived`` fields (``(field, template)`` pairs formatted with
    the design, e.g. ``("design", "{tm}x{tn}")``).
    """

    family: str = "systolic"
    base: tuple[tuple[str, Any], ...] = ()
    preset: str = ""
    derived: tuple[tuple[str, str], ...] = ()

    def _replace(self, name: str, knobs: tuple[Knob, ...]) -> HardwareSpace:
        return HardwareSpace(
            name,
            knobs,
            description=self.description,
            evaluator=self.evaluator,
            family=self.family,
            base=self.base,
            preset=self.preset,
            derived=self.derived,
        )

    def config_fields(self, design: Mapping[str, Any]) -> dict[str, Any]:
        """Config fields a design sets over the preset (knobs of other groups in ``design`` are ignored)."""
        data = dict(self.base)
        for knob in self.knobs:
            for name in knob.fields or ():
                data[name] = design[knob.name]
        for name, template in self.derived:
            data[name] = template.format(**design)
        return data

    def config_for(self, design: Mapping[str, Any]) -> Any:
        """The family's frozen config of ``design``; its ``ValueError`` means an invalid design."""
        fields = self.config_fields(design)
        fields.setdefault("name", "-".join(f"{k.name}{design[k.name]}" for k in self.knobs))
        if self.preset:
            return dataclasses.replace(_preset(self.preset), **fields)
        return config_class(self.family)(**fields)

    def config(self, point: Sequence[int]) -> Any:
        """The family's frozen config at ``point``."""
        return self.config_for(self.decode(point))


@lru_cache(maxsize=32)
def _preset(name: str) -> Any:
    return load_preset(name)
