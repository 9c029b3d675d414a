"""The reply budget's runners: the work's result or its exception, Overrun past the budget while
the work goes on, and (greenlets) kept and reused, never making one run wait for another."""

from __future__ import annotations

import gevent
import pytest

from bot.budget import GreenletRunner, Overrun, ThreadRunner


def test_a_greenlet_run_returns_the_work_result():
    assert GreenletRunner().run(lambda: 42, 1.0) == 42


def test_a_greenlet_run_raises_the_work_exception():
    def fail() -> None:
        raise ValueError("broken answer")

    with pytest.raises(ValueError, match="broken answer"):
        GreenletRunner().run(fail, 1.0)


def test_past_the_budget_the_run_overruns_and_the_work_still_finishes():
    runner, finished = GreenletRunner(), gevent.event.Event()

    def slow() -> str:
        gevent.sleep(0.05)
        finished.set()
        return "late"

    with pytest.raises(Overrun):
        runner.run(slow, 0.0)
    assert not finished.is_set()
    assert finished.wait(5)  # it went on in the background
    gevent.sleep(0)
    assert runner.idle == 1  # and its greenlet is back for the next push


def test_greenlets_are_reused_one_after_another():
    runner, seen = GreenletRunner(), set()
    for _ in range(5):
        seen.add(runner.run(gevent.getcurrent, 1.0))
    assert len(seen) == 1 and runner.idle == 1


def test_concurrent_runs_each_get_a_greenlet_at_once():
    # Two runs at a time, each work waiting on its own event: with shared greenlets, the second
    # would wait behind the first and overrun.
    runner = GreenletRunner()
    runner.run(lambda: None, 1.0)  # one idle greenlet to start with
    gates = [gevent.event.Event() for _ in range(3)]

    def wait_for(gate: gevent.event.Event) -> bool:
        return gate.wait(2)

    callers = [gevent.spawn(runner.run, lambda g=gate: wait_for(g), 5.0) for gate in gates]
    gevent.sleep(0)  # every caller is now inside run(), its work waiting on its gate
    assert runner.idle == 0
    for gate in reversed(gates):
        gate.set()
    assert [caller.get(timeout=5) for caller in callers] == [True, True, True]
    gevent.sleep(0)
    assert runner.idle == 3


def test_idle_greenlets_beyond_the_cap_end():
    runner = GreenletRunner(max_idle=2)
    gate = gevent.event.Event()
    callers = [gevent.spawn(runner.run, lambda: gate.wait(2), 5.0) for _ in range(5)]
    gevent.sleep(0)
    gate.set()
    gevent.joinall(callers, timeout=5)
    gevent.sleep(0)
    assert runner.idle == 2


def test_a_thread_run_overruns_and_the_work_still_finishes():
    runner = ThreadRunner(2)
    release = __import__("threading").Event()
    with pytest.raises(Overrun):
        runner.run(lambda: release.wait(5), 0.01)
    release.set()
    runner.drain()
