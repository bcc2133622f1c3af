"""Where designs are evaluated: in process, in a local process pool, or on Ray.

Each executor rebuilds the evaluator on the worker side from a picklable factory
(by default :class:`~envs.evaluate.SharedEvaluatorFactory`, whose evaluator is cached per process) and
yields ``(position, metrics, seconds)`` as each design finishes, so the runner can
store it at once.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from archsim.errors import InputError
from envs.evaluate import DesignMetrics, Evaluator
from envs.spaces import Point

Finished = tuple[int, DesignMetrics, float]
EvaluatorFactory = Callable[[], Evaluator]


def evaluate_on_worker(factory: EvaluatorFactory, point: Point) -> tuple[DesignMetrics, float]:
    """Evaluate one design with the evaluator ``factory`` builds in this process."""
    start = time.perf_counter()
    metrics = factory().evaluate(point)
    return metrics, time.perf_counter() - start


class Executor:
    """Evaluates a batch of points, yielding each result as it finishes."""

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """Yield ``(index in points, metrics, seconds)`` in completion order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers."""


class SerialExecutor(Executor):
    """In this process, with the task's own evaluator (which may be a user's)."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """One design after another."""
        for j, point in enumerate(points):
            start = time.perf_counter()
            metrics = self.evaluator.evaluate(point)
            yield j, metrics, time.perf_counter() - start


POOL_START_METHOD = "spawn"
"""How local workers start: ``spawn``, not ``fork``. Forking after torch (the co-search proxy
trainer) or any other library has started its thread pools deadlocks the children, so each
worker starts a fresh interpreter and rebuilds its evaluator from the pickled factory."""


class PoolExecutor(Executor):
    """A local pool of ``workers`` freshly spawned processes (the factory must pickle)."""

    def __init__(self, factory: EvaluatorFactory, workers: int) -> None:
        self.factory = factory
        context = multiprocessing.get_context(POOL_START_METHOD)
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """Submit the whole batch, yield as designs finish."""
        futures: dict[Future[tuple[DesignMetrics, float]], int] = {
            self.pool.submit(evaluate_on_worker, self.factory, p): j for j, p in enumerate(points)
        }
        for future in as_completed(futures):
            metrics, seconds = future.result()
            yield futures[future], metrics, seconds

    def close(self) -> None:
        """Stop the pool."""
        self.pool.shutdown(cancel_futures=True)


class RayExecutor(Executor):
    """Ray tasks on a cluster at ``address``, or on a local Ray instance when ``address`` is ``local``."""

    def __init__(self, factory: EvaluatorFactory, workers: int, address: str) -> None:
        try:
            import ray
        except ImportError:
            raise InputError("--ray-address: Ray is not installed (pip install 'archsim[ray]')") from None
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            try:
                if address == "local":
                    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise InputError(f"--ray-address {address}: cannot join Ray: {str(exc).splitlines()[0]}") from None
            self.started = True
        self.remote = ray.remote(evaluate_on_worker)
        self.factory_ref = ray.put(factory)

    def run(self, points: list[Point]) -> Iterator[Finished]:
        """Launch one Ray task per design, yield as they finish."""
        pending = {self.remote.remote(self.factory_ref, p): j for j, p in enumerate(points)}
        while pending:
            done, _ = self.ray.wait(list(pending), num_returns=1)
            for ref in done:
                metrics, seconds = self.ray.get(ref)
                yield pending.pop(ref), metrics, seconds

    def close(self) -> None:
        """Shut down the Ray instance this executor started."""
        if self.started:
            self.ray.shutdown()


def make_executor(factory: EvaluatorFactory, evaluator: Evaluator, workers: int, ray_address: str | None) -> Executor:
    """Ray when an address is given, a process pool for several workers, else in process."""
    if ray_address is not None:
        return RayExecutor(factory, workers, ray_address)
    if workers > 1:
        return PoolExecutor(factory, workers)
    return SerialExecutor(evaluator)
