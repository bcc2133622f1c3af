"""Imports point one way: no package module imports one that imports it back (at any depth, lazily or not)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("archsim", "envs", "workloads", "mappers")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> project modules it imports anywhere in its body (function-level imports included)."""
    modules = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    """True when ``start`` imports ``goal`` or a module inside it, directly or through other modules."""
    seen, stack = set(), [start]
    while stack:
        module = stack.pop()
        for target in graph[module] - seen:
            if target == goal or target.startswith(goal + "."):
                return True
            seen.add(target)
            stack.append(target)
    return False


def test_space_catalog_is_on_no_import_cycle() -> None:
    graph = _import_graph()
    assert _reaches(graph, "envs.catalog", "envs.cosearch")  # the catalog looks co-search spaces up
    assert not _reaches(graph, "envs.catalog", "envs.catalog")
    assert not any(_reaches(graph, m, m) for m in graph if m.startswith("envs.cosearch") and m != "envs.cosearch")


def test_workload_registry_is_on_no_import_cycle_with_the_zoo_and_families() -> None:
    graph = _import_graph()
    assert _reaches(graph, "workloads.registry", "workloads.zoo")
    assert _reaches(graph, "workloads.registry", "workloads.families")
    assert not _reaches(graph, "workloads.registry", "workloads.registry")
    below = [m for m in graph if m.startswith(("workloads.zoo", "workloads.families"))]
    assert not any(_reaches(graph, m, "workloads.registry") for m in below)


def test_llm_spec_lookup_works_as_the_first_import_of_a_fresh_interpreter() -> None:
    """``simulate`` asks every workload for its LLM spec; that must not half-import the family registry."""
    code = (
        "import types; from workloads.llm import llm_spec_of; "
        "assert llm_spec_of(types.SimpleNamespace(name='resnet18')) is None; "
        "assert llm_spec_of(types.SimpleNamespace(name='llama3.2-1b:phase=decode')).run.phase.value == 'decode'"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
