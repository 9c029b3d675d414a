"""Run a piece of work within a time budget; past it, the work goes on in the background."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Protocol


class Overrun(Exception):
    """The work did not finish within its budget (it is still running)."""


class Runner(Protocol):
    def run(self, work: Callable[[], Any], timeout: float) -> Any:
        """Return work()'s result, or raise Overrun after `timeout` seconds."""


class ThreadRunner:
    """Threads, for the development server and the tests."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="answer")

    def run(self, work: Callable[[], Any], timeout: float) -> Any:
        future = self.executor.submit(work)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise Overrun() from None

    def drain(self) -> None:
        """Wait for background work to finish (tests, shutdown); later work gets fresh threads."""
        self.executor.shutdown(wait=True)
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="answer")


class GreenletRunner:
    """Greenlets, under gunicorn's gevent workers: cheaper than threads, no join at exit."""

    def __init__(self) -> None:
        import gevent

        self._gevent = gevent

    def run(self, work: Callable[[], Any], timeout: float) -> Any:
        greenlet = self._gevent.spawn(work)
        greenlet.join(timeout=timeout)
        if not greenlet.ready():
            raise Overrun()
        return greenlet.get()


def default_runner(threads: int) -> Runner:
    """Greenlets when gevent has patched this process, threads otherwise."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return ThreadRunner(threads)
    return GreenletRunner() if monkey.is_module_patched("threading") else ThreadRunner(threads)
