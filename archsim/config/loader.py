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
import re
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from archsim.errors import InputError, did_you_mean

FAMILIES: dict[str, str] = {
    "systolic": "archsim.config.systolic:SystolicConfig",
    "fpga": "archsim.config.fpga:FpgaConfig",
    "npu": "archsim.config.npu:NpuConfig",
    "system": "archsim.config.system:SystemConfig",
    "loopnest": "archsim.config.loopnest:LoopNestConfig",
    "manycore": "archsim.config.manycore:ManyCoreConfig",
}
"""Family name -> import path of its frozen config class."""

PRESET_PACKAGE = "archsim.presets"

LARGEST_NUMBER = 1e15
"""Largest magnitude a hardware field may take (sizes in bits of a petabyte memory fit; beyond it, integer
conversions of cycle counts overflow)."""
SMALLEST_NUMBER = 1e-9
"""Smallest nonzero magnitude (a bandwidth of 1e-300 would give cycle counts no integer holds)."""


def check_numbers(data: Any, where: str, path: str = "") -> None:
    """Refuse NaN, infinities and magnitudes outside [1e-9, 1e15] (zero aside) anywhere in a config's data."""
    if isinstance(data, dict):
        for key, value in data.items():
            check_numbers(value, where, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            check_numbers(value, where, f"{path}[{index}]")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        if not math.isfinite(data):
            raise InputError(f"{where}: {path} must be a finite number, got {data}")
        if data and not SMALLEST_NUMBER <= abs(data) <= LARGEST_NUMBER:
            raise InputError(
                f"{where}: {path} = {data:g} is outside the modelled range: 0 or a magnitude from "
                f"{SMALLEST_NUMBER:g} to {LARGEST_NUMBER:g}"
            )


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
    check_numbers(data, where)
    description = data.pop("description", "")  # a sentence for `archsim archs`, not a hardware field
    if not isinstance(description, str):
        raise InputError(f"{where}: description must be a text, got {description!r}")
    family = str(data.pop("family", "systolic"))
    cls = config_class(family, where)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r} for family {family!r}; allowed: {', '.join(fields)}")
    for key, value in data.items():
        _check_kind(fields[key], value, where)
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        message = str(exc).removeprefix(f"{data.get('name')}: ")  # the file already names the config
        raise InputError(f"{where}: {message}") from None


def _check_kind(field: dataclasses.Field[Any], value: Any, where: str) -> None:
    """Refuse a value of another kind than the field's default (a list for a name, a number for a list...)."""
    if field.default is not dataclasses.MISSING:
        default = field.default
    elif field.default_factory is not dataclasses.MISSING:
        default = field.default_factory()
    else:
        return
    if isinstance(default, bool):
        kinds: tuple[type, ...] = (bool,)
        wanted = "true or false"
    elif isinstance(default, int | float):
        kinds, wanted = (int, float), "a number"
    elif isinstance(default, str):
        kinds, wanted = (str,), "a text"
    elif isinstance(default, tuple | list):
        kinds, wanted = (list, tuple), "a list"
    else:
        return
    if not isinstance(value, kinds) or (kinds == (int, float) and isinstance(value, bool)):
        raise InputError(f"{where}: {field.name} must be {wanted}, got {value!r}")


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
    if not data:
        raise InputError(f"{path}: no fields; give `family` and its fields, or `preset = NAME` to start from a preset")
    check_numbers(data, str(path))
    if "preset" in data:
        data = _preset_data(data.pop("preset"), path) | data  # a preset's fields, the file's over them
    from archsim.config.stream_yaml import is_stream_hardware, read_stream_hardware

    if is_stream_hardware(data):
        return read_stream_hardware(path, data)
    data.setdefault("name", path.stem)
    if data.get("family", "loopnest") == "loopnest" and "operational_array" in data:
        from archsim.config.loopnest_zigzag import hardware_from_dict

        data.pop("description", None)  # a sentence for `archsim archs`, not a hardware field
        return hardware_from_dict(data, str(path))  # ZigZag's hardware YAML or the native loop-nest form
    if data.get("family") == "system" and isinstance(data.get("cores"), list):
        data["cores"] = [_core_file_entry(entry, path, k) for k, entry in enumerate(data["cores"])]
    return from_mapping(data, str(path))


def _core_file_entry(entry: Any, system_file: Path, index: int) -> Any:
    """A system's core entry, with a config file's path (relative to the system's file) read into its config."""
    if not (isinstance(entry, str) and _is_file_spec(entry)):
        return entry
    try:
        return read_config_file(system_file.parent / entry)
    except InputError as exc:
        raise InputError(f"{system_file}: cores[{index}]: {exc}") from None


def _is_file_spec(spec: str) -> bool:
    """Whether an arch spec names a file rather than a preset."""
    return Path(spec).suffix.lower() in (".toml", ".yaml", ".yml", ".cfg") or "/" in spec


CFG_KEYS: dict[str, str] = {
    "rows": "[architecture_presets] ArrayHeight",
    "cols": "[architecture_presets] ArrayWidth",
    "dataflow": "[architecture_presets] Dataflow",
    "ifmap_sram_kb": "[architecture_presets] IfmapSramSzkB",
    "filter_sram_kb": "[architecture_presets] FilterSramSzkB",
    "ofmap_sram_kb": "[architecture_presets] OfmapSramSzkB",
    "ifmap_dram_bw": "[layout] IfmapSRAMBankBandwidth",
    "filter_dram_bw": "[layout] FilterSRAMBankBandwidth",
    "ofmap_dram_bw": "[architecture_presets] Bandwidth",
    "bandwidth_mode": "[run_presets] InterfaceBandwidth",
    "sparse_rep": "[sparsity] SparseRep",
    "sparsity_rowwise": "[sparsity] OptimizedMapping",
    "sparsity_block_size": "[sparsity] BlockSize",
    "sparsity_seed": "[sparsity] RandomNumberGeneratorSeed",
}
"""SystolicConfig field -> the SCALE-Sim key it is read from (errors name the user's key)."""

CFG_NOT_MODELLED = (
    (
        "layout",
        "IfmapCustomLayout",
        "custom SRAM layouts (bank conflicts) are not modelled; the default layout is used",
    ),
    (
        "layout",
        "FilterCustomLayout",
        "custom SRAM layouts (bank conflicts) are not modelled; the default layout is used",
    ),
    ("run_presets", "UseRamulatorTrace", "Ramulator DRAM traces are not modelled; the bandwidth model is used"),
)
"""Switches SCALE-Sim reads that archsim does not model: a one-line note each when turned on."""


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


def _note(message: str) -> None:
    """A one-line note on standard error (the run goes on)."""
    print(f"archsim: note: {message}", file=sys.stderr)


def read_scalesim_cfg(path: Path) -> Any:
    """Read a SCALE-Sim v2/v3 ``.cfg`` into a :class:`SystolicConfig`.

    In SCALE-Sim v3 USER mode, ``Bandwidth`` drives the ofmap write port and the
    ``[layout]`` bank bandwidths drive the ifmap/filter reads (``Bandwidth`` when absent).
    ``InterfaceBandwidth: CALC`` is SCALE-Sim's stall-free mode (it reports the
    bandwidth each operand needs). Errors name the file and the SCALE-Sim key;
    switches archsim does not model (custom layouts, Ramulator traces) get a one-line note.
    ``OptimizedMapping`` (row-wise N:M) is read with its ``BlockSize`` and seed when sparsity is on.
    """
    parser = configparser.ConfigParser(interpolation=None)  # SCALE-Sim's names may hold a literal %
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
            value = float(raw)
        except ValueError:
            raise InputError(f"{path}: [{section}] {key} must be a number, got {raw!r}") from None
        check_numbers({f"[{section}] {key}": value}, str(path))
        return value

    def integer(section: str, key: str) -> int:
        value = number(section, key)
        if not math.isfinite(value) or value != int(value):
            raise InputError(f"{path}: [{section}] {key} must be an integer, got {value}")
        return int(value)

    mode = _cfg_get(parser, "run_presets", "InterfaceBandwidth", path, "USER")
    if mode.upper() not in ("USER", "CALC"):
        raise InputError(f"{path}: [run_presets] InterfaceBandwidth must be USER or CALC, got {mode!r}")
    for section, key, what in CFG_NOT_MODELLED:
        if _cfg_get(parser, section, key, path, "false").lower() == "true":
            _note(f"{path}: [{section}] {key} is on: {what}")
    data: dict[str, Any] = {
        "name": _cfg_get(parser, "general", "run_name", path, path.stem),
        "rows": integer(arch, "ArrayHeight"),
        "cols": integer(arch, "ArrayWidth"),
        "dataflow": _cfg_get(parser, arch, "Dataflow", path).lower(),
        "ifmap_sram_kb": number(arch, "IfmapSramSzkB"),
        "filter_sram_kb": number(arch, "FilterSramSzkB"),
        "ofmap_sram_kb": number(arch, "OfmapSramSzkB"),
    }
    # SCALE-Sim reads Bandwidth only in USER mode (CALC files often omit it).
    bandwidth = number(arch, "Bandwidth", None if mode.upper() == "USER" else "10")
    data |= {
        "ifmap_dram_bw": number("layout", "IfmapSRAMBankBandwidth", str(bandwidth)),
        "filter_dram_bw": number("layout", "FilterSRAMBankBandwidth", str(bandwidth)),
        "ofmap_dram_bw": bandwidth,
        "bandwidth_mode": mode.lower(),
        "sparsity_support": _cfg_get(parser, "sparsity", "SparsitySupport", path, "false").lower() == "true",
        "sparse_rep": _cfg_get(parser, "sparsity", "SparseRep", path, "ellpack_block").lower(),
    }
    # SCALE-Sim reads the row-wise mapping's keys only with SparsitySupport on.
    if data["sparsity_support"] and _cfg_get(parser, "sparsity", "OptimizedMapping", path, "false").lower() == "true":
        data |= {
            "sparsity_rowwise": True,
            "sparsity_block_size": integer("sparsity", "BlockSize"),
            "sparsity_seed": integer("sparsity", "RandomNumberGeneratorSeed"),
        }
    cls = config_class("systolic", str(path))
    try:
        return cls(**data)
    except ValueError as exc:
        raise InputError(f"{path}: {_in_cfg_words(str(exc), data['name'])}") from None


def _in_cfg_words(message: str, name: str) -> str:
    """A config error restated with the SCALE-Sim key instead of archsim's field name."""
    message = message.removeprefix(f"{name}: ")
    for field, key in CFG_KEYS.items():
        message, count = re.subn(rf"\b{field}\b", key, message)
        if count:
            break
    return message


def _preset_files() -> dict[str, Any]:
    return {
        p.name.removesuffix(".toml"): p for p in resources.files(PRESET_PACKAGE).iterdir() if p.name.endswith(".toml")
    }


def preset_names() -> list[str]:
    """Names of the built-in presets."""
    return sorted(_preset_files())


def _unknown_preset(name: str, files: dict[str, Any]) -> str:
    allowed = f"{', '.join(sorted(files))} (or a .toml/.yaml/.cfg file)"
    return f"unknown preset {name!r}{did_you_mean(name, files)}; allowed: {allowed}"


def _preset_data(name: Any, path: Path) -> dict[str, Any]:
    """The fields of the built-in preset a config file starts from (``preset = "ethos-u55-64"``), without its
    name and description: the file's design is its own."""
    files = _preset_files()
    if not isinstance(name, str) or name not in files:
        raise InputError(f"{path}: preset: {_unknown_preset(str(name), files)}")
    data = tomllib.loads(files[name].read_text())
    data.pop("description", None)
    data.pop("name", None)
    return data


def load_preset(name: str) -> Any:
    """A built-in preset by name."""
    files = _preset_files()
    if name not in files:
        detail = _unknown_preset(name, files)
        raise InputError(f"arch: {detail}", cli=f"--arch: {detail}")
    data = tomllib.loads(files[name].read_text())
    data.setdefault("name", name)
    if data.get("family") == "loopnest":
        from archsim.config.loopnest_zigzag import hardware_from_dict

        data.pop("description", None)  # a sentence for `archsim archs`, not a hardware field
        return hardware_from_dict(data, f"preset {name}")
    return from_mapping(data, f"preset {name}")


def load_arch(spec: str) -> Any:
    """A config from a preset name or a file path."""
    if _is_file_spec(spec):
        return read_config_file(Path(spec))
    return load_preset(spec)
