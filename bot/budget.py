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
    """Greenlets, under gunicorn's gevent workers: cheaper than threads, no join at exit.

    Each piece of work runs in a greenlet of its own, so a push past its budget is answered
    while its work goes on. The greenlets are kept and reused rather than spawned per push: a
    new greenlet costs ~20 us more (its object, and the 16 KB frame stack CPython 3.11 maps
    and unmaps for it, two syscalls a push), measured in docs/benchmarks.md. Every run gets a
    greenlet at once (an idle one, else a new one), so no work ever waits behind another."""

    def __init__(self, max_idle: int = 64) -> None:
        import gevent
        from gevent.queue import SimpleQueue

        self._gevent = gevent
        self.max_idle = max_idle  # idle greenlets kept; one more finishing its work just ends
        self._idle = 0  # greenlets waiting for work and not yet promised any
        self._work: Any = SimpleQueue()

    def run(self, work: Callable[[], Any], timeout: float) -> Any:
        from gevent.event import AsyncResult

        done = AsyncResult()
        if self._idle > 0:
            self._idle -= 1  # promised: exactly one idle greenlet takes exactly this work
            self._work.put((work, done))
        else:
            self._gevent.spawn(self._serve, work, done)
        try:
            return done.get(timeout=timeout)
        except self._gevent.Timeout:
            raise Overrun() from None

    def _serve(self, work: Callable[[], Any], done: Any) -> None:
        while True:
            _settle(work, done, self._gevent.Timeout)
            if self._idle >= self.max_idle:
                return
            self._idle += 1
            del work, done  # an idle greenlet holds nothing of the last push
            try:
                work, done = self._work.get()
            except BaseException:  # killed while idle (at exit): no longer one to promise work to
                self._idle -= 1
                raise

    @property
    def idle(self) -> int:
        """Greenlets waiting for work (for tests and the benchmark)."""
        return self._idle


def _settle(work: Callable[[], Any], done: Any, timeout_type: type) -> None:
    """Run the work and hand its result or exception to whoever waits for it."""
    try:
        done.set(work())
    except (Exception, timeout_type) as exc:  # the caller's to handle, as if it ran there
        done.set_exception(exc)
    except BaseException as exc:  # GreenletExit, SystemExit: the caller hears; this greenlet ends
        done.set_exception(exc)
        raise


def default_runner(threads: int) -> Runner:
    """Greenlets when gevent has patched this process, threads otherwise."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return ThreadRunner(threads)
    return GreenletRunner() if monkey.is_module_patched("threading") else ThreadRunner(threads)
