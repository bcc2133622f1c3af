"""A multi-core schedule as data: tasks on cores, in per-core order, with their transfers.

A task runs a tuple of ops (whole layers, or the layers of one tile of a fused
stack, each cut to the rows that tile computes) on one core. Before it computes, its
``reads`` arrive (from DRAM, over the interconnect from the core of the task
that produced them, or over the interconnect from the shared buffer); after it
computes, its ``writes`` go to DRAM or, over the interconnect, to the shared
buffer. A task starts
when its core has finished the previous task in ``order`` and every task in
``deps`` is done (computed and written back).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from archsim.system.tiles import TaskOp


class Channel(StrEnum):
    """Where a transfer's bytes travel."""

    DRAM_READ = "dram_read"
    DRAM_WRITE = "dram_write"
    LINK = "link"
    SHARED_WRITE = "shared_write"
    """From a core into the system's shared buffer, over the interconnect."""
    SHARED_READ = "shared_read"
    """From the system's shared buffer into a core, over the interconnect."""

    @property
    def resource(self) -> str:
        """The shared channel the bytes occupy: ``dram``, or ``link`` (the interconnect, shared buffer included)."""
        return "dram" if self in (Channel.DRAM_READ, Channel.DRAM_WRITE) else "link"

    @property
    def is_write(self) -> bool:
        """True for a task's writes (its output leaving the core after it computed)."""
        return self in (Channel.DRAM_WRITE, Channel.SHARED_WRITE)


@dataclass(frozen=True)
class Transfer:
    """``nbytes`` of ``tensor`` (a weight, an activation or a tile of one) over ``channel``."""

    tensor: str
    nbytes: int
    channel: Channel
    multicast: str | None = None
    """Transfers with the same key are one broadcast: the bytes cross the channel once, every task waits for it."""

    def __post_init__(self) -> None:
        if not isinstance(self.nbytes, int) or self.nbytes < 0:
            raise ValueError(f"transfer of {self.tensor!r}: nbytes must be an integer >= 0, got {self.nbytes!r}")


@dataclass(frozen=True)
class Task:
    """Ops run back to back on one core, with the data they move."""

    name: str
    core: int
    ops: tuple[TaskOp, ...]
    reads: tuple[Transfer, ...] = ()
    writes: tuple[Transfer, ...] = ()
    deps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if any(t.channel.is_write for t in self.reads):
            raise ValueError(f"task {self.name!r}: a read cannot be a write (dram_write or shared_write)")
        if any(not t.channel.is_write for t in self.writes):
            raise ValueError(f"task {self.name!r}: writes go to DRAM or the shared buffer (dram_write or shared_write)")


@dataclass(frozen=True)
class SystemSchedule:
    """Tasks and, per core, the order in which they run.

    ``order[c]`` lists the names of core ``c``'s tasks. Validated on
    construction: names unique, each task listed once on its own core, deps known.
    """

    tasks: tuple[Task, ...]
    order: tuple[tuple[str, ...], ...]
    fusion: str = "none"
    scheduler: str = "given"

    def __post_init__(self) -> None:
        names = [t.name for t in self.tasks]
        if len(set(names)) != len(names):
            raise ValueError("schedule: task names must be unique")
        known = set(names)
        by_name = {t.name: t for t in self.tasks}
        listed: list[str] = [n for core in self.order for n in core]
        if sorted(listed) != sorted(names):
            raise ValueError("schedule: order must list every task exactly once")
        for core, names_on_core in enumerate(self.order):
            for name in names_on_core:
                if by_name[name].core != core:
                    raise ValueError(f"schedule: task {name!r} is on core {by_name[name].core}, listed on core {core}")
        for task in self.tasks:
            missing = [d for d in task.deps if d not in known]
            if missing:
                raise ValueError(f"schedule: task {task.name!r} depends on unknown tasks {missing}")

    def task(self, name: str) -> Task:
        """The task called ``name``."""
        return next(t for t in self.tasks if t.name == name)

    def summary(self) -> dict[str, Any]:
        """Counts for the JSON output."""
        return {
            "fusion": self.fusion,
            "scheduler": self.scheduler,
            "tasks": len(self.tasks),
            "tasks_per_core": [len(core) for core in self.order],
        }


__all__ = ["Channel", "SystemSchedule", "Task", "Transfer"]
