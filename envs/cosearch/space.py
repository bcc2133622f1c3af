"""Co-search spaces: a network family's knobs and a hardware space's knobs in one design.

A co-search design is one ``{knob: value}`` dict whose network knobs (group
``network``) choose the network of a family and whose hardware knobs (group
``hardware``) choose the accelerator. Network knobs may be the family's own knobs
(``s3_kernel``) or its group names (``kernel``: every stage alike), which keeps the
small spaces small.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archsim.errors import InputError
from envs.hardware_catalog import get_hardware_space
from envs.spaces import DesignSpace, HardwareSpace, Knob
from workloads.registry import families

NETWORK = "network"
HARDWARE = "hardware"

DEFAULT_EVALUATOR = "envs.cosearch.evaluate:default_evaluator"
"""How the search framework evaluates a co-search space when no evaluator is given."""


@dataclass(frozen=True)
class CoSearchSpace(DesignSpace):
    """Network knobs of ``family`` followed by the knobs of ``hardware``.

    Attributes:
        family: Name of the network family (``workloads.registry.families()``).
        hardware: The hardware space whose config each design builds.
    """

    family: str = "ofa_mbv2"
    hardware: HardwareSpace | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.hardware is None:
            raise ValueError(f"space {self.name}: a co-search space needs a hardware space")

    @property
    def network_knobs(self) -> tuple[Knob, ...]:
        """Knobs that choose the network."""
        return tuple(k for k in self.knobs if k.group == NETWORK)

    def network_choices(self, design: Mapping[str, Any]) -> dict[str, Any]:
        """The family's complete, validated choices for ``design`` (knobs left out take the family default)."""
        family = families()[self.family]
        return family.choices({k.name: design[k.name] for k in self.network_knobs})

    def hardware_config(self, design: Mapping[str, Any]) -> Any:
        """The hardware config of ``design`` (its ``ValueError`` means an invalid design)."""
        assert self.hardware is not None  # checked in __post_init__
        return self.hardware.config_for({k.name: design[k.name] for k in self.knobs if k.group == HARDWARE})

    def _replace(self, name: str, knobs: tuple[Knob, ...]) -> CoSearchSpace:
        return CoSearchSpace(
            name,
            knobs,
            description=self.description,
            evaluator=self.evaluator,
            family=self.family,
            hardware=self.hardware,
        )

    def only(self, group: str, design: Mapping[str, Any], name: str | None = None) -> CoSearchSpace:
        """This space with every knob outside ``group`` fixed to its value in ``design``.

        The sequential baseline searches the network with the hardware fixed, then the
        hardware with the network fixed.
        """
        fixed = {k.name: [design[k.name]] for k in self.knobs if k.group != group}
        free = {k.name: list(k.values) for k in self.knobs if k.group == group}
        space = self.restrict({**free, **fixed}, name or f"{self.name}-{group}")
        assert isinstance(space, CoSearchSpace)
        return space


def network_knobs(family_name: str, choices: Mapping[str, Sequence[Any] | None]) -> tuple[Knob, ...]:
    """Network knobs named in ``choices`` (knob or group name -> values; None: every allowed value)."""
    all_families = families()
    if family_name not in all_families:
        raise InputError(f"family: unknown network family {family_name!r}; allowed: {', '.join(all_families)}")
    family = all_families[family_name]
    knobs = []
    for name, values in choices.items():
        member = family.groups[name][0] if name in family.groups else name
        if member not in family.knobs:
            allowed = ", ".join([*family.groups, *family.knobs])
            raise InputError(f"family {family_name}: unknown knob {name!r}; allowed: {allowed}")
        allowed_values = tuple(family.knobs[member])
        kept = allowed_values if values is None else tuple(family.choices({member: v})[member] for v in values)
        ordinal = all(isinstance(v, int | float) for v in kept)
        knobs.append(Knob(name, kept, fields=(), ordinal=ordinal, group=NETWORK))
    return tuple(knobs)


def cosearch_space(
    name: str,
    family: str,
    network: Mapping[str, Sequence[Any] | None],
    hardware: str | HardwareSpace,
    hardware_values: Mapping[str, Sequence[Any]] | None = None,
    network_reference: Mapping[str, Any] | None = None,
    description: str = "",
) -> CoSearchSpace:
    """A co-search space from network knob lists and a (restricted) named hardware space.

    ``network_reference`` sets the reference design's network (default: the middle
    value of each knob); the hardware reference is the hardware space's.
    """
    hw = get_hardware_space(hardware)
    if hardware_values:
        hw = hw.restrict(hardware_values, f"{hw.name}-cosearch")
        assert isinstance(hw, HardwareSpace)
    net = network_knobs(family, network)
    reference = tuple(
        k.index(network_reference[k.name]) if network_reference and k.name in network_reference else len(k) // 2
        for k in net
    )
    return CoSearchSpace(
        name,
        (*net, *hw.knobs),
        (*reference, *hw.reference),
        description,
        DEFAULT_EVALUATOR,
        family=family,
        hardware=hw,
    )


FPGA_DATAPATH: dict[int, str] = {4: "int4", 8: "int8", 16: "int16"}
"""Widest operand bits of a network -> the FPGA engine's precision."""


def with_datapath(config: Any, bits: int) -> Any:
    """``config`` with its datapath sized for ``bits``-bit operands, where the family has such a field.

    Systolic arrays get 2-byte words for int16 and 1-byte words otherwise (int4
    layers run packed on arrays with ``int4_macs_per_pe = 2``; on plain int8 PEs
    :mod:`envs.cosearch.precision` credits their narrower multiplies and packed traffic).
    An FPGA engine computes at one precision, the widest layer's (int4 only when every
    MAC layer is int4). NPUs read each layer's precision themselves (an unsupported one
    makes the design invalid) and are returned unchanged.
    """
    family = getattr(config, "family", "")
    if family == "systolic":
        return dataclasses.replace(config, word_bytes=2 if bits > 8 else 1)
    if family == "fpga":
        return dataclasses.replace(config, precision=FPGA_DATAPATH[bits])
    return config
