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

    def attempt(self, work: Callable[[], Any], timeout: float) -> Any:
        """Like run, for work without effects: past `timeout` it may be abandoned."""


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

    def attempt(self, work: Callable[[], Any], timeout: float) -> Any:
        return self.run(work, timeout)  # a thread cannot be stopped: it finishes unseen

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

    def attempt(self, work: Callable[[], Any], timeout: float) -> Any:
        # In this greenlet: a spawn and a join cost ~60 us of a push's CPU (bench/stages.py).
        # Past the budget the work is interrupted, which work without effects allows.
        # gevent.Timeout is a BaseException: an answer's `except Exception` cannot swallow it.
        timer = self._gevent.Timeout(timeout)
        try:
            with timer:
                return work()
        except self._gevent.Timeout as expired:
            if expired is not timer:
                raise
            raise Overrun() from None


def default_runner(threads: int) -> Runner:
    """Greenlets when gevent has patched this process, threads otherwise."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return ThreadRunner(threads)
    return GreenletRunner() if monkey.is_module_patched("threading") else ThreadRunner(threads)
