"""The leader-elected scheduler: jobs run on the leader only, once per slot; a standby takes over.

Small figures keep this file to a few seconds: a 1 s lease renewed every 1/3 s, jobs every 0.1 s.
Every scheduler's interval jobs share one grid (start_date=ANCHOR), so a slot is the same slot in
every process and a run twice in one slot is a duplicate, as in R6.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pytest
import redis as redis_lib

from bot.config import Config, SyndicationConfig
from bot.embedded_redis import EmbeddedRedis
from bot.store import SynKeys
from syndication.lease import Lease
from syndication.scheduler import (
    JOB_DEFAULTS,
    TIMEZONE,
    Job,
    Leadership,
    build_scheduler,
    leader_info,
    main,
    run_scheduler,
)
from tests.test_lease import fail_fast

ROOT = Path(__file__).resolve().parent.parent
TTL = 1.0
LEASE_TICK = TTL / 3
INTERVAL = 0.1
SLACK = 0.4  # for a loaded CI machine; the figures themselves come from TTL and the intervals
# Deadlines for polling only: they bound a failing test, and a passing one never waits them out.
PATIENCE = 10
STARTUP = 30  # two Python processes importing Flask & co. on a busy 2-core machine
ANCHOR = datetime(2020, 1, 1, tzinfo=TIMEZONE)
RUNS = "test:runs"  # list of "job who slot time", one per run


class Run(NamedTuple):
    job: str
    who: str
    slot: int
    at: float


def record(client: redis_lib.Redis, job: str, who: str) -> None:
    """A job's effect: note which process ran which slot, and when."""
    now = time.time()
    # Runs start at or just after their grid time; 1 ms absorbs float rounding of that time.
    slot = int((now - ANCHOR.timestamp()) / INTERVAL + 1e-3)
    client.rpush(RUNS, f"{job} {who} {slot} {now!r}")


def recording_jobs(client: redis_lib.Redis, who: str, config: Config) -> list[Job]:
    """Two jobs on the shared grid, wired the way the lead wires the real ones."""
    tick = config.syndication.tick
    return [
        Job.every(name, lambda n=name: record(client, n, who), tick, start_date=ANCHOR)
        for name in ("due", "sweep")
    ]


def runs(client: redis_lib.Redis) -> list[Run]:
    parsed = (entry.decode().split() for entry in client.lrange(RUNS, 0, -1))
    return [Run(job, who, int(slot), float(at)) for job, who, slot, at in parsed]


def assert_once_per_slot(all_runs: list[Run]) -> None:
    twice = {key: n for key, n in Counter((r.job, r.slot) for r in all_runs).items() if n > 1}
    assert not twice, f"(job, slot) run more than once: {twice}"


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll a real process's progress until `predicate` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.02)


def small_config() -> Config:
    return Config(syndication=SyndicationConfig(scheduler_lease=TTL, tick=INTERVAL))


class Threaded:
    """A scheduler in a thread of its own, stopped the way SIGTERM stops the process."""

    def __init__(self, client: redis_lib.Redis, jobs: list[Job]) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=run_scheduler,
            args=(small_config(), client, jobs),
            kwargs={"stop_event": self.stop_event},
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the scheduler did not stop"


@pytest.fixture
def threaded(redis) -> Iterator[Callable[..., Threaded]]:
    """threaded(who) -> a running scheduler whose jobs record runs as `who`."""
    started: list[Threaded] = []

    def start(who: str, jobs: list[Job] | None = None) -> Threaded:
        started.append(Threaded(redis, jobs or recording_jobs(redis, who, small_config())))
        return started[-1]

    yield start
    for scheduler in started:
        scheduler.stop()


def test_job_defaults_are_explicit(redis):
    assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    scheduler = build_scheduler(Leadership(Lease(redis, "k", TTL, "a")), [], LEASE_TICK)
    assert scheduler.timezone == TIMEZONE
    assert scheduler._job_defaults == JOB_DEFAULTS


def test_duplicate_job_names_are_refused(redis):
    jobs = [Job.every("due", print, 1), Job.cron("due", print, hour=8, minute=30)]
    with pytest.raises(ValueError, match="unique"):
        build_scheduler(Leadership(Lease(redis, "k", TTL, "a")), jobs, LEASE_TICK)


def test_jobs_run_on_the_leader_only_and_pass_over_on_release(redis, threaded):
    first = threaded("a")
    wait_for(lambda: leader_info(redis), PATIENCE, "a leader")
    second = threaded("b")
    wait_for(lambda: len(runs(redis)) >= 10, PATIENCE, "the leader's runs")
    assert {r.who for r in runs(redis)} == {"a"}  # the first to start leads; b stands by

    stopping_at = time.time()
    first.stop()
    wait_for(lambda: any(r.who == "b" for r in runs(redis)), PATIENCE, "b to take over")
    wait_for(lambda: sum(r.who == "b" for r in runs(redis)) >= 6, PATIENCE, "b's runs")
    second.stop()

    done = runs(redis)
    assert_once_per_slot(done)
    last_a = max(r.at for r in done if r.who == "a")
    first_b = min(r.at for r in done if r.who == "b")
    assert last_a < first_b  # never both
    assert first_b - stopping_at <= LEASE_TICK + INTERVAL + SLACK  # at once: no TTL to wait out
    assert leader_info(redis) is None  # b released it too


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(redis, threaded, caplog):
    caplog.set_level(logging.INFO, logger="csj.scheduler")
    failures = []

    def boom() -> None:
        failures.append(1)
        raise RuntimeError("boom")

    jobs = [Job.every("boom", boom, INTERVAL), *recording_jobs(redis, "a", small_config())]
    threaded("a", jobs)

    def going_on() -> bool:
        return len(failures) >= 3 and len(runs(redis)) >= 6

    wait_for(going_on, PATIENCE, "runs beside a failing job")

    logged = [r for r in caplog.records if r.getMessage() == "job boom failed"]
    assert len(logged) >= 3
    assert logged[0].name == "csj.scheduler" and logged[0].exc_info[0] is RuntimeError


def test_guard_runs_the_job_only_while_the_lease_is_held(redis, clock):
    ran = []
    leadership = Leadership(Lease(redis, SynKeys.LEADER, TTL, "a", clock=clock))
    job = leadership.guard(Job("due", lambda: ran.append(1), {}))
    job()
    assert ran == []
    leadership.tick()
    job()
    assert ran == [1]
    clock.advance(TTL)  # not renewed: we must stop before Redis lets anyone else in
    job()
    assert ran == [1]


def test_each_change_of_role_is_logged(tmp_path, clock, caplog):
    caplog.set_level(logging.INFO, logger="csj.scheduler")
    with EmbeddedRedis(tmp_path) as server:
        client = fail_fast(server.url)
        leadership = Leadership(Lease(client, SynKeys.LEADER, TTL, "a", clock=clock))
        leadership.tick()
        clock.advance(TTL)  # a pause: our lease lapses and another process takes it
        client.delete(SynKeys.LEADER)
        assert Lease(client, SynKeys.LEADER, TTL, "b").acquire()
        leadership.tick()
        server.stop()
        leadership.tick()
        leadership.tick()  # still down: nothing new to say
        server.start()
        leadership.tick()  # a fresh Redis: the lease is free again
    assert [r.getMessage() for r in caplog.records if r.name == "csj.scheduler"] == [
        "became leader as a",
        "lost the lease: standing by",
        "Redis unreachable: standing by",
        "Redis reachable again",
        "became leader as a",
    ]


def child(url: str, who: str) -> None:
    """A scheduler process for the tests below (run with python -c)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    client = redis_lib.Redis.from_url(url)
    client.set(f"test:up:{who}", os.getpid())
    main(small_config(), client, recording_jobs(client, who, small_config()))


@pytest.fixture
def spawn(redis_server, tmp_path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """spawn(who) -> a scheduler process; its log goes to tmp_path/<who>.log."""
    children: list[subprocess.Popen[bytes]] = []

    def start(who: str) -> subprocess.Popen[bytes]:
        code = "import sys; from tests.test_scheduler import child; child(*sys.argv[1:])"
        with open(tmp_path / f"{who}.log", "wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-c", code, redis_server.url, who],
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        children.append(process)
        return process

    yield start
    for process in children:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_killed_leader_is_replaced_within_a_ttl_and_no_slot_runs_twice(redis, spawn):
    processes = {who: spawn(who) for who in ("a", "b")}
    wait_for(lambda: redis.exists("test:up:a", "test:up:b") == 2, STARTUP, "both schedulers")
    wait_for(lambda: len(runs(redis)) >= 10, PATIENCE, "the leader's runs")
    holder, ttl_ms = leader_info(redis)
    assert 0 < ttl_ms <= TTL * 1000
    pid = int(holder.split(":")[1])
    leader = next(who for who, p in processes.items() if p.pid == pid)
    standby = "b" if leader == "a" else "a"

    processes[leader].send_signal(signal.SIGKILL)  # no release: the lease must run out
    processes[leader].wait()
    killed_at = time.time()
    wait_for(lambda: sum(r.who == standby for r in runs(redis)) >= 6, PATIENCE, "the takeover")
    processes[standby].send_signal(signal.SIGTERM)
    assert processes[standby].wait(timeout=5) == 0
    assert leader_info(redis) is None  # released on SIGTERM: a third would take over at once

    done = runs(redis)
    assert_once_per_slot(done)
    before = [r for r in done if r.at < killed_at]
    after = [r for r in done if r.at >= killed_at]
    assert {r.who for r in before} == {leader} and {r.who for r in after} == {standby}
    gap = min(r.at for r in after) - max(r.at for r in before)
    # The dead leader's key lives at most TTL past its last renewal; the standby looks every
    # LEASE_TICK and then runs on the next grid point.
    assert gap <= TTL + LEASE_TICK + INTERVAL + SLACK, f"gap {gap:.2f} s"
