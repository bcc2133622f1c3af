"""Multi-core systems: a schedule (tasks on cores, transfers) evaluated on a :class:`SystemConfig`.

The evaluator takes the schedule as data; choosing it (allocation, order,
fusion stacks, tiles) is the mappers' job (``mappers/multicore``).
"""

from archsim.system.engine import Timeline, run_schedule
from archsim.system.schedule import Channel, SystemSchedule, Task, Transfer

__all__ = ["Channel", "SystemSchedule", "Task", "Timeline", "Transfer", "run_schedule"]
