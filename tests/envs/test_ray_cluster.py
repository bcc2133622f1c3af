"""A search on a local multi-node Ray cluster survives losing a node: exactly the budget, lost designs re-run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.postgres import PostgresServer
from support.ray_cluster import RayCluster
from test_shared_study import REPO, check_exactly_once, finish, reference, start_worker, wait_for_rows

from envs.storage import Storage

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster() -> Iterator[RayCluster]:
    """A head (1 CPU) and a second node (2 CPUs) whose workers can import the toy evaluator."""
    path = os.pathsep.join([str(Path(__file__).parent), str(REPO), os.environ.get("PYTHONPATH", "")])
    ray_cluster = RayCluster(head_cpus=1, env={"PYTHONPATH": path, "RAY_AUTH_MODE": "disabled"})
    try:
        yield ray_cluster
    finally:
        ray_cluster.close()


def test_killing_a_node_mid_search_reruns_its_designs_and_the_budget_is_exact(
    cluster: RayCluster, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One storage backend only (PostgreSQL, as several machines would use): a cluster start-up costs ~10-40 s."""
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    storage_url = postgres_server.new_database()
    second = cluster.add_node(cpus=2)
    budget = 150
    driver = start_worker(storage_url, "exhaustive", budget, "--workers", "3", "--ray-address", cluster.address)
    at_kill = wait_for_rows(Storage(storage_url), "shared", 30, [driver])
    cluster.kill_node(second)
    assert at_kill < budget, "the node should die mid-search"
    result = finish(driver)
    assert result["ray_nodes_at_start"] == 2
    assert result["evaluations"] == budget
    check_exactly_once(Storage(storage_url), budget, reference("exhaustive", budget, 3, tmp_path))
