"""Scheduling jobs (task graphs) that arrive over time on the cores of a heterogeneous SoC.

``jobs`` builds the task graphs (zoo networks priced by the family simulators on a
system preset, or random graphs as in the HEFT literature), ``dispatch`` plays a
schedule out in time (with optional execution-time noise), ``plans`` holds the static
list schedulers (HEFT, PEFT, the exact solver) and ``policies`` every baseline that
acts in the dispatcher. The Gymnasium env (``envs.soc``) wraps the dispatcher.
"""

from mappers.soc.dispatch import Dispatcher
from mappers.soc.jobs import Job, critical_path_bound, random_task_graph, zoo_task_graph
from mappers.soc.policies import BASELINES, make_baseline, run_policy

__all__ = [
    "BASELINES",
    "Dispatcher",
    "Job",
    "critical_path_bound",
    "make_baseline",
    "random_task_graph",
    "run_policy",
    "zoo_task_graph",
]
