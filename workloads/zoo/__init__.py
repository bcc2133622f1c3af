"""The zoo: real networks with their published layer shapes, registered by name."""

from workloads.registry import ZOO

ZOO.update({})
