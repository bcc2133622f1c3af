"""What every parametric network family offers: named knobs, validation, a spec syntax, a builder.

A family maps a dict of knob choices to a :class:`Workload`, deterministically.
Knobs are discrete (a tuple of allowed values each), so search code can turn
them into Gymnasium spaces. Choices are validated once here, at the edge, with
an :class:`InputError` naming the family, the knob, the value and the allowed values.

Spec syntax (CLI): ``family:knob=value,knob=value``. A *group* name (e.g.
``kernel`` for the per-stage ``s1_kernel``, ``s2_kernel``, ...) sets every
member to one value, or to one value per member separated by ``/``
(``kernel=3/5/7/3/5/7``). Later items override earlier ones; knobs left out
keep the family's default.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from workloads.errors import InputError
from workloads.graph import Workload

StructureT = TypeVar("StructureT")


class Family(ABC, Generic[StructureT]):
    """A parametric network family.

    Subclasses set ``name``, ``knobs`` (knob -> allowed values),
    ``default`` (knob -> value) and ``groups`` (group name -> member knobs), and
    implement :meth:`structure` (choices -> a plain dataclass describing the
    network) and :meth:`build_structure` (that dataclass -> Workload).
    """

    name: str
    knobs: Mapping[str, tuple[Any, ...]]
    default: Mapping[str, Any]
    groups: Mapping[str, tuple[str, ...]]

    # -- validation --------------------------------------------------------
    def choices(self, partial: Mapping[str, Any]) -> dict[str, Any]:
        """A complete, validated choice dict: ``partial`` over the defaults.

        ``partial`` may use group names: one value for every member, or a sequence
        with one value per member. Items apply in order, so a knob after its group
        overrides it. Values equal to an allowed value (``np.int64(5)`` for ``5``,
        ``"0.75"`` for ``0.75``) are replaced by that allowed value.
        """
        full = dict(self.default)
        for key, value in partial.items():
            for knob, member_value in self._expand(key, value):
                full[knob] = self._canonical(knob, member_value)
        return full

    def _expand(self, key: str, value: Any) -> list[tuple[str, Any]]:
        """(knob, value) pairs of one item; a group item gives one pair per member."""
        members = self.groups.get(key)
        if members is None:
            return [(key, value)]
        values = list(value) if isinstance(value, list | tuple) else [value]
        if len(values) == 1:
            values *= len(members)
        if len(values) != len(members):
            raise InputError(
                f"family {self.name}: {key}={'/'.join(map(str, values))!r} gives {len(values)} values; "
                f"give one, or {len(members)} separated by '/' (one per {', '.join(members)})"
            )
        return list(zip(members, values, strict=True))

    def _canonical(self, knob: str, value: Any) -> Any:
        allowed = self.knobs.get(knob)
        if allowed is None:
            names = ", ".join([*self.knobs, *self.groups])
            raise InputError(f"family {self.name}: unknown knob {knob!r}; allowed: {names}")
        for option in allowed:
            if _equal(option, value):
                return option
        shown = ", ".join(str(option) for option in allowed)
        raise InputError(f"family {self.name}: {knob}={value!r} is not allowed; allowed: {shown}")

    # -- spec strings ------------------------------------------------------
    def parse(self, text: str) -> dict[str, Any]:
        """Choices from the part of a spec after ``family:`` (may be empty: the default)."""
        partial: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            key, sep, value = item.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key or not value:
                raise InputError(f"family {self.name}: {item!r} is not knob=value (e.g. {self._example()})")
            partial.pop(key, None)  # keep the items' order when a key repeats
            values = [_number(v.strip()) for v in value.split("/")]
            partial[key] = values if len(values) > 1 else values[0]
        return self.choices(partial)

    def spec(self, choices: Mapping[str, Any]) -> str:
        """The canonical spec string of ``choices``; parses back to them.

        A group is written once when its members agree, else as ``a/b/c``.
        """
        full = self.choices(choices)
        grouped = {knob for members in self.groups.values() for knob in members}
        items = [f"{k}={full[k]}" for k in self.knobs if k not in grouped]
        for group, members in self.groups.items():
            values = [str(full[k]) for k in members]
            items.append(f"{group}={values[0] if len(set(values)) == 1 else '/'.join(values)}")
        return f"{self.name}:{','.join(items)}"

    def _example(self) -> str:
        knob = next(iter(self.knobs))
        return f"{knob}={self.default[knob]}"

    # -- building ----------------------------------------------------------
    @abstractmethod
    def structure(self, choices: Mapping[str, Any]) -> StructureT:
        """The network's structure for ``choices`` as a plain dataclass (for building models elsewhere)."""

    @abstractmethod
    def build_structure(self, structure: StructureT, name: str) -> Workload:
        """The Workload of a structure (from :meth:`structure` or a hand-made, reduced one)."""

    def build(self, choices: Mapping[str, Any]) -> Workload:
        """The Workload for ``choices`` (missing knobs take the default), named by its spec string."""
        full = self.choices(choices)
        return self.build_structure(self.structure(full), self.spec(full))


def _number(text: str) -> Any:
    """A CLI value as int or float when it reads as one, else the string itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _equal(option: Any, value: Any) -> bool:
    """True when ``value`` (a number, a numeric string, a numpy scalar) means ``option``."""
    if isinstance(value, bool):
        return False
    if isinstance(option, int | float):
        try:
            return float(option) == float(value)
        except (TypeError, ValueError):
            return False
    return option == value
