"""A local multi-node Ray cluster for tests: a head and worker nodes, each ``ray start --block`` in its own session.

Each node is a process group of its own, so a test can kill one node (``kill_node``)
with SIGKILL, as a machine failure would, without touching the rest of the cluster or
any other Ray on the machine (``ray stop`` would stop every Ray of the host: never used).
Every port a node opens is one found free (Ray's fixed defaults, such as the client
server's 10001 and the dashboard agent's 52365, would collide with another Ray on the
machine), and the cluster keeps its session files in a temp dir of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from support.postgres import free_port

WORKER_PORTS = 24
"""Ports reserved per node for its worker processes (a few per CPU, with room for restarts)."""


def ray_command() -> str:
    """The ``ray`` script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("ray")
    found = str(beside) if beside.exists() else shutil.which("ray")
    if found is None:
        raise RuntimeError("Ray is not installed: pip install 'archsim[ray]' (it is in the test extra)")
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports nobody listens on right now (held open together while chosen)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _own_ports(head: bool) -> list[str]:
    """``ray start`` options giving a node free ports for everything it listens on."""
    ports = free_ports(6 + WORKER_PORTS)
    options = [
        f"--node-manager-port={ports[0]}",
        f"--object-manager-port={ports[1]}",
        f"--dashboard-agent-listen-port={ports[2]}",
        f"--dashboard-agent-grpc-port={ports[3]}",
        f"--metrics-export-port={ports[4]}",
        f"--runtime-env-agent-port={ports[5]}",
        f"--worker-port-list={','.join(map(str, ports[6:]))}",
    ]
    if head:
        options.append(f"--ray-client-server-port={free_port()}")
    return options


class RayCluster:
    """A head node plus worker nodes on this machine.

    Args:
        head_cpus: CPUs the head offers to tasks.
        env: Environment of every node (e.g. PYTHONPATH so workers import the test's evaluator).
    """

    def __init__(self, head_cpus: int, env: Mapping[str, str]) -> None:
        self.env = {**os.environ, **env, "RAY_USAGE_STATS_ENABLED": "0"}
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="rc-", dir="/tmp"))
        self.nodes: list[subprocess.Popen[bytes]] = []
        self._start(["--head", f"--port={self.port}", "--node-ip-address=127.0.0.1"], head_cpus)
        self.wait_for_nodes(1)

    def _start(self, args: list[str], cpus: int) -> subprocess.Popen[bytes]:
        argv = [ray_command(), "start", *args, f"--num-cpus={cpus}", "--block", "--disable-usage-stats"]
        argv += _own_ports("--head" in args)
        if "--head" in args:
            argv += ["--include-dashboard=false", f"--temp-dir={self.temp}"]
        log = open(self.temp.parent / f"{self.temp.name}-node{len(self.nodes)}.log", "wb")  # noqa: SIM115
        node = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.nodes.append(node)
        return node

    def add_node(self, cpus: int) -> subprocess.Popen[bytes]:
        """Start a worker node and wait until the cluster counts it."""
        node = self._start([f"--address={self.address}", "--node-ip-address=127.0.0.1"], cpus)
        self.wait_for_nodes(len(self.nodes))
        return node

    def alive_nodes(self) -> int:
        """Nodes the head reports alive (asked through ``ray status``, with no driver of our own)."""
        done = subprocess.run(
            [ray_command(), "status", f"--address={self.address}"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            return 0
        active = done.stdout.split("Active:", 1)[-1].split("Pending:", 1)[0]
        return sum(1 for line in active.splitlines() if "node_" in line)

    def wait_for_nodes(self, count: int, timeout: float = 120) -> None:
        """Block until ``count`` nodes are alive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.alive_nodes() >= count:
                return
            time.sleep(0.5)
        raise RuntimeError(f"Ray cluster at {self.address}: {count} nodes not up after {timeout} s")

    def kill_node(self, node: subprocess.Popen[bytes]) -> None:
        """SIGKILL a node's whole process group (raylet, object store, its workers)."""
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()

    def close(self) -> None:
        """Kill every node of this cluster (and only them) and delete its files."""
        for node in reversed(self.nodes):
            if node.poll() is None:
                try:
                    os.killpg(node.pid, signal.SIGTERM)
                    node.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(node.pid, signal.SIGKILL)
                    node.wait()
        shutil.rmtree(self.temp, ignore_errors=True)
