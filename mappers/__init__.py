"""Graph-level mapping: operator order, scratchpad residency and offsets, spills, checked by replay."""

from mappers.checker import ScheduleError, check, replay
from mappers.mapper import map_workload
from mappers.problem import MappingProblem
from mappers.result import MappingResult, Status

__all__ = ["MappingProblem", "MappingResult", "ScheduleError", "Status", "check", "map_workload", "replay"]
