"""Where designs are evaluated: in process, in local worker processes, or on Ray.

Each executor rebuilds the evaluator on the worker side from a picklable factory
(by default :class:`~envs.evaluate.SharedEvaluatorFactory`, whose evaluator is cached per process) and
yields ``(position, metrics, seconds)`` as each design finishes, so the runner can
store it at once.

No evaluation can stop a study: an evaluator that raises gives a failed trial
(an invalid design whose error names the exception); with a time limit, a design
that runs over it is a failed trial too and its worker process is killed and
replaced; a worker process that dies (killed, out of memory) fails its design; a Ray
node that dies has its tasks re-run elsewhere.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from archsim.errors import InputError
from envs.evaluate import DesignMetrics, Evaluator
from envs.spaces import Point

Finished = tuple[int, DesignMetrics, float]
EvaluatorFactory = Callable[[], Evaluator]

FAILED = "evaluation failed"
"""Prefix of the error of a trial whose evaluation raised, timed out or lost its worker."""


def failed(reason: str) -> DesignMetrics:
    """A failed evaluation: an invalid design whose error says why."""
    return DesignMetrics.invalid(f"{FAILED}: {reason}")


def evaluate_safely(evaluator: Evaluator, point: Point) -> tuple[DesignMetrics, float]:
    """One design; any exception of the evaluator is a failed trial, not a crash."""
    start = time.perf_counter()
    try:
        metrics = evaluator.evaluate(point)
    except Exception as exc:  # the evaluator may be a user's: its failure is data
        metrics = failed(f"{type(exc).__name__}: {exc}")
    return metrics, time.perf_counter() - start


def evaluate_batch(evaluator: Evaluator, points: list[Point]) -> list[tuple[DesignMetrics, float]]:
    """Many designs in one call (the vectorised path); if the batch raises, one by one."""
    start = time.perf_counter()
    try:
        metrics = evaluator.evaluate_many(points)
    except Exception:  # find the culprit: each design on its own
        return [evaluate_safely(evaluator, p) for p in points]
    share = (time.perf_counter() - start) / max(1, len(points))
    return [(m, share) for m in metrics]


def evaluate_on_worker(factory: EvaluatorFactory, point: Point) -> tuple[DesignMetrics, float]:
    """Evaluate one design with the evaluator ``factory`` builds in this process (Ray tasks)."""
    return evaluate_safely(factory(), point)


class Executor:
    """Evaluates a batch of points, yielding each result as it finishes."""

    parallelism: int = 1
    """Designs evaluated at once."""

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """Yield ``(index in points, metrics, seconds)`` in completion order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers."""


class SerialExecutor(Executor):
    """In this process, with the task's own evaluator (which may be a user's); batches vectorised."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """The whole batch in one call (one design at a time if it raises)."""
        for j, (metrics, seconds) in enumerate(evaluate_batch(self.evaluator, points)):
            yield j, metrics, seconds


LIVENESS_SECONDS = 1.0
"""How often a waiting pool checks that its workers are still alive."""
SPAWN_HINT = (
    '; if a script started the search, guard it with `if __name__ == "__main__":`'
    " (workers are spawned processes that import the script again)"
)
"""Why a spawned worker most often dies at start: the script it re-imports starts a search itself."""

POOL_START_METHOD = "spawn"
"""How local workers start: ``spawn``, not ``fork``. Forking after torch (the co-search proxy
trainer) or any other library has started its thread pools deadlocks the children, so each
worker starts a fresh interpreter and rebuilds its evaluator from the pickled factory."""


def _worker_loop(conn: Connection, factory: EvaluatorFactory) -> None:
    """A worker process: build the evaluator, say so, then receive batches ``(first index, points)`` and send back
    ``(first index, results)``."""
    try:
        evaluator = factory()
    except Exception as exc:  # every design of this worker fails with the reason
        conn.send(f"{type(exc).__name__}: {exc}")
        return
    conn.send("")
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        first, points = message
        conn.send((first, evaluate_batch(evaluator, points)))


class _Worker:
    """One spawned worker process and its end of the pipe."""

    def __init__(self, context: Any, factory: EvaluatorFactory) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_loop, args=(child, factory), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[int, int] | None = None
        """(first index, number of designs) of the batch it runs."""
        self.deadline = float("inf")
        self.broken: str | None = None
        """Why its evaluator could not be built (None until it said it is ready)."""

    def wait_ready(self) -> None:
        """Block until the worker has built its evaluator (time limits start after that).

        A worker that dies before it reads its pipe may leave no end-of-file to see (its end is
        still held for it), so the process itself is watched too.
        """
        if self.broken is not None:
            return
        while not self.conn.poll(LIVENESS_SECONDS):
            if self.dead():
                self.broken = f"worker process died at start (exit code {self.process.exitcode}){SPAWN_HINT}"
                return
        try:
            self.broken = str(self.conn.recv())
        except (EOFError, OSError):
            self.broken = f"worker process died at start (exit code {self.process.exitcode}){SPAWN_HINT}"

    def dead(self) -> bool:
        """Whether the process has exited with nothing left to read from it."""
        return not self.process.is_alive() and not self.conn.poll(0)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class PoolExecutor(Executor):
    """``workers`` freshly spawned processes (the factory must pickle), with an optional time limit per design.

    Without a limit, each worker gets a slice of the batch (vectorised there); with
    one, a design at a time, and a worker over its limit is killed and replaced.
    """

    def __init__(self, factory: EvaluatorFactory, workers: int, timeout: float | None = None) -> None:
        self.factory = factory
        self.parallelism = workers
        self.timeout = timeout
        self.context = multiprocessing.get_context(POOL_START_METHOD)
        self.workers = [_Worker(self.context, factory) for _ in range(workers)]

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """Hand out slices, yield designs as their slices come back."""
        size = 1 if self.timeout is not None else max(1, min(256, -(-len(points) // (4 * len(self.workers)))))
        queue = deque((i, points[i : i + size]) for i in range(0, len(points), size))
        busy = 0
        while queue or busy:
            for worker in self.workers:
                if worker.job is None and queue:
                    first, chunk = queue.popleft()
                    worker.wait_ready()
                    if worker.broken:
                        for k in range(len(chunk)):
                            yield first + k, failed(f"cannot build the evaluator: {worker.broken}"), 0.0
                        continue
                    worker.conn.send((first, chunk))
                    worker.job = (first, len(chunk))
                    worker.deadline = time.monotonic() + (self.timeout or float("inf"))
                    busy += 1
            limit = min(w.deadline for w in self.workers) - time.monotonic()
            timeout = min(LIVENESS_SECONDS, max(0.0, limit))
            ready = wait([w.conn for w in self.workers if w.job is not None], timeout=timeout)
            for worker in list(self.workers):
                if worker.job is None:
                    continue
                if worker.conn not in ready and worker.dead():
                    code = worker.process.exitcode
                    yield from self._replace(worker, f"worker process died (exit code {code})")
                    busy -= 1
                elif worker.conn in ready:
                    try:
                        first, results = worker.conn.recv()
                    except (EOFError, OSError):
                        code = worker.process.exitcode
                        yield from self._replace(worker, f"worker process died (exit code {code})")
                    else:
                        worker.job = None
                        for k, (metrics, seconds) in enumerate(results):
                            yield first + k, metrics, seconds
                    busy -= 1
                elif time.monotonic() >= worker.deadline:
                    yield from self._replace(worker, f"timed out after {self.timeout:g} s")
                    busy -= 1

    def _replace(self, worker: _Worker, reason: str) -> Iterator[Finished]:
        """Fail the worker's designs, kill it and start a fresh one in its place."""
        first, count = worker.job or (0, 0)
        worker.process.join(timeout=0.1)
        seconds = self.timeout or 0.0
        worker.kill()
        self.workers[self.workers.index(worker)] = _Worker(self.context, self.factory)
        for k in range(count):
            yield first + k, failed(reason), seconds

    def close(self) -> None:
        """Stop the workers."""
        for worker in self.workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.kill()


RAY_RETRIES = 3
"""Times a design whose Ray worker or node died is submitted again before it is a failed trial."""


class RayExecutor(Executor):
    """Ray tasks on a cluster at ``address``, or on a local Ray instance when ``address`` is ``local``.

    A task lost with its worker or node is submitted again (up to :data:`RAY_RETRIES`
    times); with a time limit, a task over it is cancelled and failed.
    """

    def __init__(self, factory: EvaluatorFactory, workers: int, address: str, timeout: float | None = None) -> None:
        try:
            import ray
        except ImportError:
            detail = "Ray is not installed (pip install 'archsim[ray]')"
            raise InputError.option("ray_address", "--ray-address", detail) from None
        self.ray = ray
        self.parallelism = workers
        self.timeout = timeout
        self.started = False
        self.resubmitted = 0
        if not ray.is_initialized():
            try:
                if address == "local":
                    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                detail = f"cannot join Ray: {str(exc).splitlines()[0]}"
                raise InputError.option(f"ray_address {address}", f"--ray-address {address}", detail) from None
            self.started = True
        self.remote = ray.remote(max_retries=RAY_RETRIES)(evaluate_on_worker)
        self.factory_ref = ray.put(factory)

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """Launch one Ray task per design, yield as they finish."""
        from ray.exceptions import GetTimeoutError, RayError, TaskCancelledError

        pending: dict[Any, tuple[int, int, float]] = {}

        def submit(j: int, tries: int) -> None:
            pending[self.remote.remote(self.factory_ref, points[j])] = (j, tries, time.monotonic())

        for j in range(len(points)):
            submit(j, 0)
        while pending:
            done, _ = self.ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in done:
                j, tries, started = pending.pop(ref)
                try:
                    metrics, seconds = self.ray.get(ref)
                except TaskCancelledError:
                    yield j, failed(f"timed out after {self.timeout:g} s"), time.monotonic() - started
                except (RayError, GetTimeoutError) as exc:
                    if tries < RAY_RETRIES:
                        self.resubmitted += 1
                        submit(j, tries + 1)
                    else:
                        yield j, failed(f"Ray: {str(exc).splitlines()[0]}"), time.monotonic() - started
                else:
                    yield j, metrics, seconds
            if self.timeout is not None:
                now = time.monotonic()
                for ref, (_, _, started) in list(pending.items()):
                    if now - started > self.timeout:
                        self.ray.cancel(ref, force=True)

    def close(self) -> None:
        """Shut down the Ray instance this executor started."""
        if self.started:
            self.ray.shutdown()


def make_executor(
    factory: EvaluatorFactory,
    evaluator: Evaluator,
    workers: int,
    ray_address: str | None,
    timeout: float | None = None,
) -> Executor:
    """Ray when an address is given, worker processes for several workers or a time limit, else in process."""
    if ray_address is not None:
        return RayExecutor(factory, workers, ray_address, timeout)
    if workers > 1 or timeout is not None:
        return PoolExecutor(factory, workers, timeout)
    return SerialExecutor(evaluator)
