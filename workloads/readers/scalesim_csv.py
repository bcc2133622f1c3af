"""SCALE-Sim topology CSVs, read with SCALE-Sim v3's own semantics.

Conv form: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
Channels, Num Filter, Strides,`` (optionally a sparsity ``N:M`` field). GEMM form
(header ``Layer, M, N, K,``): SCALE-Sim maps it to an ``M x K`` ifmap with a
``1 x K`` filter and ``N`` filters, which is the GEMM ``(M x K) @ (K x N)``.

Semantics kept from SCALE-Sim 3.0.0: no padding; output size
``ceil((H - R + s) / s)``; the last field of a row is dropped, so rows end with a
comma; a name containing ``DP`` is a depthwise layer that SCALE-Sim splits into
one single-channel layer per channel, named ``<name>Channel_<i>``. The file is a
chain: each row reads the previous row's output (the CSV omits pooling, so the
element counts of neighbouring rows need not agree). SCALE-Sim runs rows that
repeat a name; the repeats are renamed ``<name>#<k>``. A SCALE-Sim v3 sparsity
column (``N:M`` after the last dimension) becomes the op's ``weight_sparsity``
(used by the systolic model when the config turns SCALE-Sim's sparsity on).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from workloads.errors import InputError
from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import Conv2d, MatMul, Op
from workloads.precision import Precision

CONV_FIELDS = ("IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides")
GEMM_FIELDS = ("M", "N", "K")


def _ints(path: Path, lineno: int, fields: tuple[str, ...], values: list[str]) -> list[int]:
    out = []
    for field, raw in zip(fields, values, strict=True):
        text = raw.strip()
        try:
            value = int(text)
        except ValueError:
            raise InputError(f"{path}:{lineno}: field {field!r} must be a positive integer, got {text!r}") from None
        if value <= 0:
            raise InputError(f"{path}:{lineno}: field {field!r} must be a positive integer, got {value}")
        out.append(value)
    return out


def _conv_ops(path: Path, lineno: int, name: str, values: list[str]) -> list[Op]:
    h, w, r, s, c, k, stride = _ints(path, lineno, CONV_FIELDS, values)
    if r > h or s > w:
        raise InputError(f"{path}:{lineno}: layer {name!r}: filter {r}x{s} is larger than its input {h}x{w}")
    if "DP" in name:
        return [Conv2d(f"{name}Channel_{i}", 1, k, h, w, r, s, stride, stride, ceil_mode=True) for i in range(c)]
    return [Conv2d(name, c, k, h, w, r, s, stride, stride, ceil_mode=True)]


def _gemm_ops(path: Path, lineno: int, name: str, values: list[str]) -> list[Op]:
    m, n, k = _ints(path, lineno, GEMM_FIELDS, values)
    return [MatMul(name, m=m, n=n, k=k)]


def read_scalesim_csv(path: str | Path, precision: Precision = Precision.INT8) -> Workload:
    """Read a SCALE-Sim topology CSV (conv or GEMM form) into a chain workload."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        lines = path.read_text().splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text file (byte {exc.start} is not UTF-8)") from None
    if not lines:
        raise InputError(f"{path}: empty file; expected a SCALE-Sim topology header")
    header = [h.strip().lower() for h in lines[0].split(",")]
    gemm = len(header) >= 4 and header[1:4] == ["m", "n", "k"]
    if not gemm and (len(header) < 8 or "ifmap" not in header[1]):
        raise InputError(
            f"{path}:1: not a SCALE-Sim topology header; expected 'Layer name, IFMAP Height, ..., Strides,' "
            "or 'Layer, M, N, K,'"
        )
    fields = GEMM_FIELDS if gemm else CONV_FIELDS
    ops: list[Op] = []
    for lineno, raw in enumerate(lines[1:], start=2):
        row = raw.strip()
        if not row:
            continue
        cells = row.split(",")[:-1]  # SCALE-Sim drops the last field: rows end with a comma
        if len(cells) < len(fields) + 1:
            raise InputError(
                f"{path}:{lineno}: expected {len(fields) + 1} fields ending with a comma "
                f"(name, {', '.join(fields)},), got {len(cells)}"
            )
        name = cells[0].strip()
        if not name:
            raise InputError(f"{path}:{lineno}: empty layer name")
        values = cells[1 : len(fields) + 1]
        sparsity = None
        if len(cells) > len(fields) + 1 and cells[len(fields) + 1].strip():
            sparsity = _sparsity(path, lineno, cells[len(fields) + 1])
        layer_ops = (_gemm_ops if gemm else _conv_ops)(path, lineno, name, values)
        ops.extend(layer_ops if sparsity is None else [replace(op, weight_sparsity=sparsity) for op in layer_ops])
    if not ops:
        raise InputError(f"{path}: no layers")
    return _chain(path.stem, _unique_names(ops), precision, str(path))


def _sparsity(path: Path, lineno: int, cell: str) -> tuple[int, int]:
    """A SCALE-Sim ``N:M`` sparsity cell (N non-zeros in every block of M)."""
    text = cell.strip()
    n, sep, m = text.partition(":")
    if not sep or not n.strip().isdigit() or not m.strip().isdigit() or not 0 < int(n) <= int(m):
        raise InputError(f"{path}:{lineno}: field 'Sparsity' must be N:M with 0 < N <= M, got {text!r}")
    return int(n), int(m)


def _unique_names(ops: list[Op]) -> list[Op]:
    """SCALE-Sim runs rows with a repeated name; the k-th repeat becomes ``<name>#<k>``."""
    seen: dict[str, int] = {}
    out = []
    for op in ops:
        count = seen.get(op.name, 0) + 1
        seen[op.name] = count
        out.append(op if count == 1 else replace(op, name=f"{op.name}#{count}"))
    return out


def _chain(name: str, ops: list[Op], precision: Precision, source: str) -> Workload:
    first = ops[0]
    tensors = [Tensor("input", first.input_shape, TensorKind.INPUT)]
    nodes = []
    previous = "input"
    seen: set[str] = set()
    for op in ops:
        if op.name in seen:
            raise InputError(f"{source}: layer name {op.name!r} appears twice")
        seen.add(op.name)
        weight = f"{op.name}:w"
        out = f"{op.name}:out"
        tensors.append(Tensor(weight, op.weight_shape, TensorKind.WEIGHT))
        tensors.append(Tensor(out, op.output_shape, TensorKind.ACTIVATION))
        nodes.append(Node(op, (previous, weight), (out,)))
        previous = out
    return Workload(name, tuple(nodes), tuple(tensors), precision, source)
