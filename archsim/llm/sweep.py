"""Sweeps of an LLM spec's run keys (context x batch x ...) on one design: one row per point.

``archsim sweep --workload SPEC --arch A --vary context=512,1024 --vary batch=1,4``
evaluates the grid (the last ``--vary`` varies fastest) and writes the serving
figures of each point; ``archsim plot llm`` draws them.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workloads.errors import InputError
from workloads.llm.spec import LlmRun, is_llm_spec

VARIABLE = tuple(name for name in LlmRun.__dataclass_fields__ if name != "phase")
"""Spec keys a sweep may vary (every integer key of the run)."""

COLUMNS = (
    "ttft_s",
    "tpot_s",
    "tokens_per_s",
    "energy_per_token_pj",
    "request_latency_s",
    "kv_cache_bytes",
    "weight_bytes",
    "fits_memory",
    "within_max_positions",
)
"""Serving figures written per point, after the varied keys."""


def parse_vary(items: Sequence[str]) -> dict[str, list[int]]:
    """``KEY=V1,V2,...`` items -> key -> values (integers), checked against the spec keys."""
    grid: dict[str, list[int]] = {}
    for item in items:
        key, sep, values = (part.strip() for part in item.partition("="))
        if not sep or key not in VARIABLE or not values:
            detail = f"expected KEY=V1,V2,... with KEY one of {', '.join(VARIABLE)}"
            raise InputError.option(f"vary {item!r}", f"--vary {item!r}", detail)
        try:
            grid[key] = [int(v) for v in values.split(",")]
        except ValueError:
            raise InputError.option(f"vary {item!r}", f"--vary {item!r}", "values must be integers") from None
    return grid


def point_specs(spec: str, grid: Mapping[str, Sequence[int]]) -> list[tuple[dict[str, int], str]]:
    """Every grid point as (its values, the spec string with the varied keys set to them: a key the spec gives
    is replaced, not repeated)."""
    if not is_llm_spec(spec):
        raise InputError(
            f"spec {spec!r}: not an LLM spec (MODEL:key=value,...)",
            cli=f"--vary: --workload {spec!r} is not an LLM spec (MODEL:key=value,...)",
        )
    model, _, items = spec.partition(":")
    kept = [item for item in items.split(",") if item.strip() and item.partition("=")[0].strip() not in grid]
    points = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values, strict=True))
        keys = kept + [f"{k}={v}" for k, v in point.items()]
        points.append((point, f"{model}:{','.join(keys)}" if keys else model))
    return points


def sweep_llm(spec: str, grid: Mapping[str, Sequence[int]], config: Any) -> list[dict[str, Any]]:
    """One row per grid point: the varied keys, then :data:`COLUMNS` from the simulation."""
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    rows = []
    for point, text in point_specs(spec, grid):
        total = simulate(load_workload(text), config).total()
        rows.append({**point, **{column: total[column] for column in COLUMNS}})
    return rows


def write_parquet(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    """The rows as a Parquet file at ``path`` (atomically): keys and byte counts int64, ``fits_memory``
    and ``within_max_positions`` bool, the other figures float64."""
    from envs.sweep import require_pyarrow

    if not path.parent.exists():
        raise InputError.option(f"path {path}", f"-o {path}", f"directory {path.parent} does not exist")
    pa = require_pyarrow()
    varied = [name for name in rows[0] if name not in COLUMNS]
    types = {
        "fits_memory": pa.bool_(),
        "within_max_positions": pa.bool_(),
        "kv_cache_bytes": pa.int64(),
        "weight_bytes": pa.int64(),
    }
    fields = [pa.field(name, pa.int64()) for name in varied]
    fields += [pa.field(name, types.get(name, pa.float64())) for name in COLUMNS]
    tmp = path.with_name(path.name + ".tmp")
    pa.parquet.write_table(pa.Table.from_pylist(list(rows), schema=pa.schema(fields)), tmp)
    tmp.replace(path)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as CSV (header from the first row)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
