"""Read Stream 2.1's hardware YAML (``stream/inputs/examples/hardware/*.yaml``) into a :class:`SystemConfig`.

A Stream accelerator lists cores (each a ZigZag core file, relative to it), an
off-chip core, and its connectivity (point-to-point ``link``s and ``bus``es,
bandwidths in bits per cycle, as ZigZag's memory ports). It becomes:

- cores: the ``zigzag.compute`` cores with the largest PE array (Stream's
  compute cores; its pooling and SIMD side cores are dropped, and the vector
  ops they would run cost nothing here, as in ZigZag), each a loop-nest config;
- DRAM: the off-chip core's memory port bandwidth, capped by the bus that
  reaches it (bits / 8 = bytes per cycle);
- interconnect: the sum of the links among compute cores, as one shared
  channel (Stream routes each transfer over its own path of links; this model
  shares their total bandwidth among concurrent transfers instead);
- per-core pricing as Stream's: each core's ``operand_precision.accumulator``
  (e.g. ``int32``) sets its partial-sum bits, and a layer's spatial unrolling is
  the one ZigZag's generator ranks first (``loopnest_spatial = "zigzag"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archsim.config.system import SystemConfig
from archsim.errors import InputError

_ZIGZAG_KEYS = ("name", "memories", "operational_array")


def is_stream_hardware(data: Mapping[str, Any]) -> bool:
    """Whether parsed YAML looks like a Stream accelerator (cores and their connectivity)."""
    return "cores" in data and ("core_connectivity" in data or "offchip_core_id" in data)


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a table of fields at the top level")
    return data


def _core_file(path: Path, name: str) -> Path:
    """A core file named in ``path``: beside it, or in its ``cores/`` folder (Stream looks in both)."""
    beside = path.parent / name
    return beside if beside.is_file() else path.parent / "cores" / Path(name).name


def _port_bits(core: Mapping[str, Any]) -> float:
    ports = [p for m in core["memories"].values() for p in m.get("ports", [])]
    return float(max(p.get("bandwidth_max", 0) for p in ports))


def _accumulator_bits(core: Mapping[str, Any], where: str) -> int:
    """Bits of a core's declared accumulator (``operand_precision.accumulator``, e.g. ``int32``), 0 when none."""
    name = (core.get("operand_precision") or {}).get("accumulator")
    if name is None:
        return 0
    digits = "".join(ch for ch in str(name) if ch.isdigit())
    if not digits:
        raise InputError(f"{where}: operand_precision.accumulator {name!r} must name its width, e.g. int32")
    return int(digits)


def read_stream_hardware(path: Path, data: Mapping[str, Any] | None = None) -> SystemConfig:
    """The system of a Stream hardware file (see the module docstring for what maps to what)."""
    data = dict(data) if data is not None else _read_yaml(path)
    try:
        return _system(path, data)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        missing = f"missing key {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{path}: not a Stream hardware description its cores can be read from ({missing})") from None


def _system(path: Path, data: dict[str, Any]) -> SystemConfig:
    """The system of parsed Stream hardware ``data`` read from ``path``."""
    from archsim.config.loopnest_zigzag import hardware_from_dict

    cores_raw = data.get("cores")
    if not isinstance(cores_raw, Mapping) or not cores_raw:
        raise InputError(f"{path}: cores must be a table of core id -> core file")
    offchip = data.get("offchip_core_id")
    files = {int(k): _read_yaml(_core_file(path, str(v))) for k, v in cores_raw.items()}
    if offchip not in files:
        raise InputError(f"{path}: offchip_core_id {offchip!r} is not one of the cores {sorted(files)}")
    compute = {k: c for k, c in files.items() if k != offchip and "operational_array" in c}
    if not compute:
        raise InputError(f"{path}: no compute core (a core file with an operational_array) besides the off-chip core")

    def units(core: Mapping[str, Any]) -> int:
        size = 1
        for s in core["operational_array"].get("sizes", [1]):
            size *= int(s)
        return size

    largest = max(units(c) for c in compute.values())
    chosen = sorted(k for k, c in compute.items() if units(c) == largest)
    links = [c for c in data["core_connectivity"] if isinstance(c, Mapping)]
    link_bits = sum(
        float(c["bandwidth"])
        for c in links
        if c.get("type") == "link" and all(int(k) in chosen for k in c.get("cores", []))
    )
    buses = [float(c["bandwidth"]) for c in links if c.get("type") == "bus" and offchip in c.get("cores", [])]
    dram_bits = _port_bits(files[offchip])
    if buses:
        dram_bits = min(dram_bits, max(buses))
    cores = tuple(
        hardware_from_dict({k: v for k, v in files[k].items() if k in _ZIGZAG_KEYS}, f"{path}: core {k}")
        for k in chosen
    )
    try:
        return SystemConfig(
            name=str(data.get("name", path.stem)),
            cores=cores,
            core_names=tuple(f"core{k}" for k in chosen),
            dram_bytes_per_cycle=dram_bits / 8,
            dram_latency_cycles=0,
            link_bytes_per_cycle=max(link_bits, 8.0) / 8,
            link_latency_cycles=0,
            core_accumulator_bits=tuple(_accumulator_bits(files[k], f"{path}: core {k}") for k in chosen),
            loopnest_spatial="zigzag",
        )
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


__all__ = ["is_stream_hardware", "read_stream_hardware"]
