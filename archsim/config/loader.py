"""Load hardware configs from presets, YAML/TOML files and SCALE-Sim ``.cfg`` files.

Every family registers its config class here by name; files say which family
they describe with a ``family`` key (default ``systolic``). Validation happens
once, here at the edge, and errors name the file and field.
"""

from __future__ import annotations

import configparser
import dataclasses
import importlib
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from archsim.errors import InputError

FAMILIES: dict[str, str] = {
    "systolic": "archsim.config.systolic:SystolicConfig",
    "fpga": "archsim.config.fpga:FpgaConfig",
    "npu": "archsim.config.npu:NpuConfig",
}
"""Family name -> import path of its frozen config class."""

PRESET_PACKAGE = "archsim.presets"


def config_class(family: str, where: str = "config") -> type:
    """The config class of ``family``."""
    target = FAMILIES.get(family)
    if target is None:
        raise InputError(f"{where}: unknown family {family!r}; allowed: {', '.join(FAMILIES)}")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def from_mapping(data: dict[str, Any], where: str) -> Any:
    """Build a validated config from plain data (one table of a file)."""
    data = dict(data)
    family = str(data.pop("family", "systolic"))
    cls = config_class(family, where)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r} for family {family!r}; allowed: {', '.join(fields)}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None


def read_config_file(path: Path) -> Any:
    """Load a ``.toml``, ``.yaml``/``.yml`` or SCALE-Sim ``.cfg`` file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".cfg":
        return read_scalesim_cfg(path)
    text = _text(path)
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise InputError(f"{path}: unknown config format {suffix!r}; allowed: .toml, .yaml, .yml, .cfg")
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: not valid {suffix[1:].upper()}: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # yaml.YAMLError has no common base with ValueError
        raise InputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a table of fields at the top level")
    data.setdefault("name", path.stem)
    return from_mapping(data, str(path))


def _text(path: Path) -> str:
    """The file's text; a file that is not UTF-8 is an InputError naming it."""
    try:
        return path.read_text()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text file (byte {exc.start} is not UTF-8)") from None


def _cfg_get(parser: configparser.ConfigParser, section: str, key: str, path: Path, default: str | None = None) -> str:
    if parser.has_option(section, key):
        return parser.get(section, key).strip()
    if default is None:
        raise InputError(f"{path}: missing [{section}] {key}")
    return default


def read_scalesim_cfg(path: Path) -> Any:
    """Read a SCALE-Sim v2/v3 ``.cfg`` into a :class:`SystolicConfig`.

    In SCALE-Sim v3 USER mode, ``Bandwidth`` drives the ofmap write port and the
    ``[layout]`` bank bandwidths drive the ifmap/filter reads (``Bandwidth`` when absent).
    """
    parser = configparser.ConfigParser()
    try:
        parser.read_string(_text(path))
    except configparser.Error as exc:
        raise InputError(f"{path}: not a SCALE-Sim config: {str(exc).splitlines()[0]}") from None
    arch = "architecture_presets"
    if not parser.has_section(arch):
        raise InputError(f"{path}: missing section [{arch}]")

    def number(section: str, key: str, default: str | None = None) -> float:
        raw = _cfg_get(parser, section, key, path, default)
        try:
            return float(raw)
        except ValueError:
            raise InputError(f"{path}: [{section}] {key} must be a number, got {raw!r}") from None

    def integer(section: str, key: str) -> int:
        value = number(section, key)
        if not math.isfinite(value) or value != int(value):
            raise InputError(f"{path}: [{section}] {key} must be an integer, got {value}")
        return int(value)

    bandwidth = number(arch, "Bandwidth", "10")
    mode = _cfg_get(parser, "run_presets", "InterfaceBandwidth", path, "USER").lower()
    data: dict[str, Any] = {
        "family": "systolic",
        "name": _cfg_get(parser, "general", "run_name", path, path.stem),
        "rows": integer(arch, "ArrayHeight"),
        "cols": integer(arch, "ArrayWidth"),
        "dataflow": _cfg_get(parser, arch, "Dataflow", path).lower(),
        "ifmap_sram_kb": number(arch, "IfmapSramSzkB"),
        "filter_sram_kb": number(arch, "FilterSramSzkB"),
        "ofmap_sram_kb": number(arch, "OfmapSramSzkB"),
        "ifmap_dram_bw": number("layout", "IfmapSRAMBankBandwidth", str(bandwidth)),
        "filter_dram_bw": number("layout", "FilterSRAMBankBandwidth", str(bandwidth)),
        "ofmap_dram_bw": bandwidth,
        "bandwidth_mode": mode,
    }
    return from_mapping(data, str(path))


def _preset_files() -> dict[str, Any]:
    return {
        p.name.removesuffix(".toml"): p for p in resources.files(PRESET_PACKAGE).iterdir() if p.name.endswith(".toml")
    }


def preset_names() -> list[str]:
    """Names of the built-in presets."""
    return sorted(_preset_files())


def load_preset(name: str) -> Any:
    """A built-in preset by name."""
    files = _preset_files()
    if name not in files:
        raise InputError(
            f"--arch: unknown preset {name!r}; allowed: {', '.join(sorted(files))} (or a .toml/.yaml/.cfg file)"
        )
    data = tomllib.loads(files[name].read_text())
    data.setdefault("name", name)
    return from_mapping(data, f"preset {name}")


def load_arch(spec: str) -> Any:
    """A config from a preset name or a file path."""
    if Path(spec).suffix.lower() in (".toml", ".yaml", ".yml", ".cfg") or "/" in spec:
        return read_config_file(Path(spec))
    return load_preset(spec)
