"""Hypothesis-generated bad inputs for every reader: always exit 2 with one line, never a traceback or a partial file.

Per reader (``max_examples`` each): SCALE-Sim topology CSV and ``.cfg`` (generated fields, and
SCALE-Sim's own files truncated and bit-flipped), TOML and YAML configs (generated fields, and
presets truncated and bit-flipped), ONNX and TFLite files (truncated and bit-flipped), and study
storage URLs. Any exception the CLI lets out fails the test.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from clean_exit import assert_clean, run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archsim.errors import InputError
from archsim.presets import __file__ as presets_init

EXAMPLES = 120
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
PRESETS = Path(presets_init).parent
ARCH = "systolic-8x8"
TOPOLOGY = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
SMALL_TOPOLOGY = TOPOLOGY + "c1, 8, 8, 3, 3, 4, 8, 1,\n"


@contextmanager
def workdir() -> Iterator[Path]:
    """A fresh temp dir (hypothesis examples cannot share pytest's function-scoped ``tmp_path``)."""
    with tempfile.TemporaryDirectory(prefix="archsim-fuzz-") as name:
        yield Path(name)


token = st.one_of(
    st.integers(-3, 300).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "os", "ws", "is", "1e400", "-0", "0x10", "nan", "None", "true", "\x00", "é"]),
    st.text(max_size=6),
)


cuts = st.one_of(st.just(1000), st.integers(0, 1000))
"""Where to truncate, in 1/1000 of the length (often not at all: bit flips in a whole file)."""


def simulate(workload: str, arch: str, directory: Path, culprit: Path) -> None:
    output = directory / "out.json"
    code, err = run_cli(["simulate", "--workload", workload, "--arch", arch, "--format", "json"], output)
    assert_clean(code, err, output, "simulate", culprit)


@SETTINGS
@given(
    header=st.booleans(),
    rows=st.lists(st.lists(token, max_size=10), max_size=5),
    raw=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_scalesim_topology_csv(header: bool, rows: list[list[str]], raw: bytes | None) -> None:
    with workdir() as d:
        path = d / "topo.csv"
        if raw is not None:
            path.write_bytes(raw)
        else:
            text = (TOPOLOGY if header else "") + "".join(",".join(r) + ",\n" for r in rows)
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        simulate(str(path), ARCH, d, path)


CFG_KEYS = (
    "ArrayHeight",
    "ArrayWidth",
    "IfmapSramSzkB",
    "FilterSramSzkB",
    "OfmapSramSzkB",
    "Bandwidth",
    "Dataflow",
)


@SETTINGS
@given(
    values=st.dictionaries(st.sampled_from(CFG_KEYS), token, max_size=len(CFG_KEYS)),
    mode=st.sampled_from(["", "USER", "CALC", "weird"]),
    sections=st.sampled_from(["architecture_presets", "general", "nothing"]),
    raw=st.one_of(st.none(), st.binary(max_size=200)),
)
@example(values={"ArrayHeight": "nan"}, mode="", sections="architecture_presets", raw=None)
@example(values={"ArrayWidth": "inf"}, mode="", sections="architecture_presets", raw=None)
def test_scalesim_cfg(values: dict[str, str], mode: str, sections: str, raw: bytes | None) -> None:
    with workdir() as d:
        path = d / "arch.cfg"
        (d / "topo.csv").write_text(SMALL_TOPOLOGY)
        if raw is not None:
            path.write_bytes(raw)
        else:
            lines = [f"[{sections}]", *(f"{k}: {v}" for k, v in values.items())]
            if mode:
                lines += ["[run_presets]", f"InterfaceBandwidth: {mode}"]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        simulate(str(d / "topo.csv"), str(path), d, path)


@SETTINGS
@given(
    kind=st.sampled_from(["topology", "cfg"]),
    source=st.sampled_from(["google.cfg", "rebuttal_test_ws.cfg"]),  # USER mode (CALC is refused by design)
    cut=cuts,
    flips=st.lists(st.integers(0, 10**5), max_size=4),
)
def test_truncated_and_bit_flipped_scalesim_files(kind: str, source: str, cut: int, flips: list[int]) -> None:
    from support.paths import SCALESIM_CONFIGS

    with workdir() as d:
        topology, arch = d / "topo.csv", d / "arch.cfg"
        topology.write_text(SMALL_TOPOLOGY)
        arch.write_bytes((SCALESIM_CONFIGS / source).read_bytes())
        culprit = topology if kind == "topology" else arch
        culprit.write_bytes(mutated(culprit.read_bytes(), cut, flips))
        simulate(str(topology), str(arch), d, culprit)


FIELDS = ("family", "rows", "cols", "dataflow", "ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb", "clock_mhz", "name")
scalar = st.one_of(
    st.integers(-10, 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from(["systolic", "fpga", "npu", "os", "ws"]),
)
value = st.one_of(scalar, st.lists(scalar, max_size=3), st.dictionaries(st.text(max_size=4), scalar, max_size=2))


def toml_value(v: object) -> str:
    """A TOML literal for the generated value (a tiny writer: tomllib only reads)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(v), repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').encode("unicode_escape").decode() + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def mutated(data: bytes, cut: int, flips: list[int]) -> bytes:
    """``data`` truncated at ``cut`` (as a fraction of its length in 1/1000) with bytes XOR-ed at ``flips``."""
    out = bytearray(data[: max(0, len(data) * cut // 1000)])
    for position in flips:
        if out:
            out[position % len(out)] ^= 1 << (position % 8)
    return bytes(out)


@SETTINGS
@given(fields=st.dictionaries(st.sampled_from(FIELDS), value, max_size=6), fmt=st.sampled_from(["toml", "yaml"]))
def test_toml_and_yaml_configs(fields: dict[str, object], fmt: str) -> None:
    with workdir() as d:
        (d / "topo.csv").write_text(SMALL_TOPOLOGY)
        path = d / f"arch.{fmt}"
        if fmt == "toml":
            path.write_text("".join(f"{k} = {toml_value(v)}\n" for k, v in fields.items()))
        else:
            path.write_text(yaml.safe_dump(fields))
        simulate(str(d / "topo.csv"), str(path), d, path)


@SETTINGS
@given(
    preset=st.sampled_from(sorted(p.name for p in PRESETS.glob("*.toml"))),
    fmt=st.sampled_from(["toml", "yaml"]),
    cut=cuts,
    flips=st.lists(st.integers(0, 10**6), max_size=4),
)
def test_truncated_and_bit_flipped_configs(preset: str, fmt: str, cut: int, flips: list[int]) -> None:
    import tomllib

    source = (PRESETS / preset).read_bytes()
    if fmt == "yaml":
        source = yaml.safe_dump(tomllib.loads(source.decode())).encode()
    with workdir() as d:
        (d / "topo.csv").write_text(SMALL_TOPOLOGY)
        path = d / f"arch.{fmt}"
        path.write_bytes(mutated(source, cut, flips))
        simulate(str(d / "topo.csv"), str(path), d, path)


def model_bytes(kind: str) -> bytes:
    """A small valid model of each format, built once per process."""
    cache = model_bytes.__dict__.setdefault("cache", {})
    if kind not in cache:
        with workdir() as d:
            if kind == "onnx":
                from support.onnx_models import write_resnet_style

                path = write_resnet_style(d / "m.onnx", image=16, width=4)
            else:
                from support.tflite_models import write_conv2d

                path = write_conv2d(d / "m.tflite", 8, 8, 4, 8)
            cache[kind] = Path(path).read_bytes()
    return cache[kind]


@SETTINGS
@given(
    kind=st.sampled_from(["onnx", "tflite"]),
    cut=st.integers(0, 1000),
    flips=st.lists(st.integers(0, 10**7), max_size=6),
)
def test_truncated_and_bit_flipped_models(kind: str, cut: int, flips: list[int]) -> None:
    with workdir() as d:
        path = d / f"model.{kind}"
        path.write_bytes(mutated(model_bytes(kind), cut, flips))
        simulate(str(path), ARCH, d, path)


SCHEMES = ["sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg", "mysql", "oracle", "nope", "", "sqlite:"]


@SETTINGS
@given(
    scheme=st.sampled_from(SCHEMES),
    slashes=st.sampled_from(["", ":", ":/", "://", ":///", ":////"]),
    rest=st.one_of(
        st.text(max_size=20),
        st.builds(lambda p, db: f"nobody@127.0.0.1:{p}/{db}", st.integers(-5, 70000), st.text(max_size=5)),
        st.sampled_from(["no/such/dir/x.db", "", "?mode=ro", ":memory:", "%%", "\x00"]),
    ),
)
def test_storage_urls(scheme: str, slashes: str, rest: str) -> None:
    from envs.storage import Storage, shown_url

    url = scheme + slashes + rest
    with workdir() as d:
        here = os.getcwd()
        os.chdir(d)
        try:
            Storage(url, retry_seconds=0).close()
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"storage {shown_url(url)}")
        finally:
            os.chdir(here)
