"""Grid sweeps: every design of a (restricted) space evaluated, one row each, streamed to CSV or Parquet.

Designs are evaluated in chunks (vectorised where the family allows) and written as
they finish, so memory stays flat however large the grid. With ``-o FILE`` each chunk
is first committed as a part file in ``FILE.parts/`` (written to a temp name, then
renamed); a killed sweep run again with the same arguments skips the parts already
there, and only a complete sweep becomes ``FILE`` (the parts are then removed). A
partial output is never left under the final name.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from archsim.errors import InputError
from envs.evaluate import METRICS, DesignMetrics, Evaluator
from envs.spaces import DesignSpace

SWEEP_LIMIT = 2_000_000
"""Largest grid a sweep accepts."""

SWEEP_CHUNK = 4096
"""Designs evaluated and committed together."""

FORMATS = ("csv", "parquet")


def grid(space: DesignSpace, choices: Mapping[str, Sequence[Any] | None]) -> DesignSpace:
    """The subspace to sweep: listed knobs over their listed values (None: all), others at the reference.

    With no choices at all, the whole space.
    """
    if not choices:
        return space
    full = {name: list(space.knob(name).values) if values is None else list(values) for name, values in choices.items()}
    sub = space.restrict(full, name=f"{space.name}-sweep")
    if sub.size > SWEEP_LIMIT:
        detail = f"the grid has {sub.size} designs, more than {SWEEP_LIMIT}; list fewer values"
        raise InputError.option("choices", "--knob", detail)
    return sub


def columns(space: DesignSpace) -> list[str]:
    """Column names: the knobs, ``valid``, every metric, ``error``."""
    return [*(k.name for k in space.knobs), "valid", *METRICS, "error"]


def sweep_row(space: DesignSpace, point: tuple[int, ...], metrics: DesignMetrics) -> dict[str, Any]:
    """One design's row (metrics None when invalid)."""
    row: dict[str, Any] = dict(space.decode(point))
    row["valid"] = metrics.valid
    for name in METRICS:
        row[name] = metrics.get(name) if metrics.valid else None
    row["error"] = metrics.error
    return row


def chunks(space: DesignSpace, evaluator: Evaluator, chunk: int, skip: set[int]) -> Iterator[tuple[int, list[dict]]]:
    """``(chunk index, rows)`` in row-major order, the chunks in ``skip`` left out (not evaluated, not cached)."""
    for index in range((space.size + chunk - 1) // chunk):
        if index in skip:
            continue
        points = [space.point_at(i) for i in range(index * chunk, min((index + 1) * chunk, space.size))]
        metrics = evaluator.compute_many(points)
        yield index, [sweep_row(space, p, m) for p, m in zip(points, metrics, strict=True)]


def sweep_rows(space: DesignSpace, evaluator: Evaluator, chunk: int = SWEEP_CHUNK) -> list[dict[str, Any]]:
    """Every row in memory (small grids, the Python API)."""
    return [row for _, rows in chunks(space, evaluator, chunk, set()) for row in rows]


def write_csv_rows(rows: Sequence[Mapping[str, Any]], names: list[str], out: TextIO, header: bool) -> None:
    """CSV rows (an invalid design's metrics are empty cells)."""
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)


def parquet_schema(space: DesignSpace) -> Any:
    """Column types: knobs as int, float or string by their values, ``valid`` bool, metrics float, ``error`` string."""
    import pyarrow as pa

    fields = []
    for knob in space.knobs:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in knob.values):
            kind = pa.int64()
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in knob.values):
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append(pa.field(knob.name, kind))
    fields += [pa.field("valid", pa.bool_()), *(pa.field(m, pa.float64()) for m in METRICS)]
    return pa.schema([*fields, pa.field("error", pa.string())])


def require_pyarrow() -> Any:
    """The pyarrow module (with ``pyarrow.parquet``), or a one-line error naming the extra that installs it."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        detail = "pyarrow is not installed (pip install 'archsim[parquet]')"
        raise InputError.option("fmt parquet", "--format parquet", detail) from None
    return pyarrow


class StreamedSweep:
    """A sweep written chunk by chunk to ``output`` (or CSV to standard output), resumable from its part files.

    Args:
        space: The grid.
        evaluator: Evaluates the grid's points.
        output: Final file; None streams CSV to standard output (not resumable).
        fmt: ``csv`` or ``parquet``.
        identity: What the sweep is (space, knobs, workload): a rerun resumes only the same sweep.
        chunk: Designs per part.
    """

    def __init__(
        self,
        space: DesignSpace,
        evaluator: Evaluator,
        output: Path | None,
        fmt: str,
        identity: Mapping[str, Any],
        chunk: int = SWEEP_CHUNK,
    ) -> None:
        if fmt not in FORMATS:
            raise InputError.option(f"fmt {fmt}", f"--format {fmt}", f"allowed: {', '.join(FORMATS)}")
        if fmt == "parquet":
            if output is None:
                raise InputError(
                    "fmt parquet: give an output file (Parquet is not written to standard output)",
                    cli="--format parquet: give -o FILE (Parquet is not written to standard output)",
                )
            require_pyarrow()
        if output is not None and not output.parent.exists():
            raise InputError.option(f"output {output}", f"-o {output}", f"directory {output.parent} does not exist")
        self.space = space
        self.evaluator = evaluator
        self.output = output
        self.fmt = fmt
        self.chunk = chunk
        self.names = columns(space)
        self.manifest = {**identity, "designs": space.size, "chunk": chunk, "format": fmt, "columns": self.names}
        self.parts = output.with_name(output.name + ".parts") if output is not None else None
        self.resumed = 0

    def run(self, progress: bool = False) -> int:
        """Evaluate and write every design not already written; return the designs evaluated by this run."""
        bar = _progress_bar(self.space.size, progress)
        try:
            if self.output is None:
                return self._to_stdout(bar)
            done = self._open_parts()
            self.resumed = sum(self._part_size(i) for i in done)
            if bar is not None:
                bar.update(self.resumed)
            evaluated = 0
            for index, rows in chunks(self.space, self.evaluator, self.chunk, done):
                self._write_part(index, rows)
                evaluated += len(rows)
                if bar is not None:
                    bar.update(len(rows))
            self._combine()
            return evaluated
        finally:
            if bar is not None:
                bar.close()

    def _to_stdout(self, bar: Any) -> int:
        write_csv_rows([], self.names, sys.stdout, header=True)
        count = 0
        for _, rows in chunks(self.space, self.evaluator, self.chunk, set()):
            write_csv_rows(rows, self.names, sys.stdout, header=False)
            sys.stdout.flush()
            count += len(rows)
            if bar is not None:
                bar.update(len(rows))
        return count

    def _part_size(self, index: int) -> int:
        return min(self.chunk, self.space.size - index * self.chunk)

    def _parts_dir(self) -> Path:
        if self.parts is None:
            raise RuntimeError("a sweep to standard output has no part files")
        return self.parts

    def _part(self, index: int) -> Path:
        return self._parts_dir() / f"part-{index:06d}.{self.fmt}"

    def _open_parts(self) -> set[int]:
        """The chunks already written by an earlier run of the same sweep (none for a new one)."""
        parts = self._parts_dir()
        manifest = parts / "sweep.json"
        if parts.exists():
            try:
                earlier = json.loads(manifest.read_text())
            except (OSError, ValueError):
                earlier = None
            if earlier != json.loads(json.dumps(self.manifest)):
                raise InputError.option(
                    f"output {self.output}",
                    f"-o {self.output}",
                    f"{parts} holds the partial output of a different sweep; delete it or write to another file",
                )
            return {int(p.name.split("-")[1].split(".")[0]) for p in parts.glob(f"part-*.{self.fmt}")}
        parts.mkdir()
        _atomic_write_text(manifest, json.dumps(self.manifest))
        return set()

    def _write_part(self, index: int, rows: list[dict[str, Any]]) -> None:
        path = self._part(index)
        tmp = path.with_name(path.name + ".tmp")
        if self.fmt == "csv":
            with open(tmp, "w", newline="") as out:
                write_csv_rows(rows, self.names, out, header=False)
        else:
            pa = require_pyarrow()
            pa.parquet.write_table(pa.Table.from_pylist(rows, schema=parquet_schema(self.space)), tmp)
        tmp.replace(path)

    def _combine(self) -> None:
        """Join the parts in order into ``output`` (atomically), then remove them."""
        parts = self._parts_dir()
        output = parts.with_name(parts.name.removesuffix(".parts"))
        tmp = output.with_name(output.name + ".tmp")
        count = (self.space.size + self.chunk - 1) // self.chunk
        if self.fmt == "csv":
            with open(tmp, "w", newline="") as out:
                write_csv_rows([], self.names, out, header=True)
                for index in range(count):
                    with open(self._part(index)) as part:
                        shutil.copyfileobj(part, out)
        else:
            pa = require_pyarrow()
            with pa.parquet.ParquetWriter(tmp, parquet_schema(self.space)) as writer:
                for index in range(count):
                    writer.write_table(pa.parquet.read_table(self._part(index)))
        tmp.replace(output)
        shutil.rmtree(parts)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="sweep", unit="design", leave=False)
