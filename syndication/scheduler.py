"""The scheduler process: APScheduler 3 fires every job, and a job runs only while we lead.

Any number of these processes may run. Each one fires every job on time, but the job returns
at once unless the process holds the Redis lease, so a standby is always ready: the first tick
after it takes the lease runs the jobs.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import redis as redis_lib
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.config import Config
from bot.store import SynKeys
from syndication.lease import Lease, holder_id

log = logging.getLogger("csj.scheduler")

TIMEZONE = ZoneInfo("Asia/Shanghai")
# APScheduler 3 drops a run more than 1 s late by default (a GC pause, a slow neighbour); 30 s
# lets it run late, once (coalesce), and never beside itself (max_instances).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
LEASE_JOB = "csj-lease"


@dataclass(frozen=True)
class Job:
    """A job for the leader; trigger_kwargs go to add_job: trigger="interval", seconds=… etc."""

    name: str
    func: Callable[[], object]
    trigger_kwargs: Mapping[str, Any]

    @classmethod
    def every(cls, name: str, func: Callable[[], object], seconds: float, **options: Any) -> Job:
        """A job run every `seconds` (options: start_date, jitter, …)."""
        return cls(name, func, {"trigger": "interval", "seconds": seconds, **options})

    @classmethod
    def cron(cls, name: str, func: Callable[[], object], **fields: Any) -> Job:
        """A job run at cron times in Asia/Shanghai, e.g. hour=8, minute=30."""
        return cls(name, func, {"trigger": "cron", **fields})


class Leadership:
    """Keeps this process's lease, logs each change of role, and guards the jobs with it."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self._leading = False
        self._reachable = True

    def tick(self) -> None:
        """Renew or take the lease, then log what changed."""
        self.lease.keep()
        self._note_reachability()
        self._note_role()

    def guard(self, job: Job) -> Callable[[], None]:
        """Wrap a job so it runs only while we lead, and a failure is logged, never raised."""

        def run() -> None:
            if not self.lease.held:
                return
            try:
                job.func()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                # Redis went away: one line, not a traceback a tick; the lease stands us down.
                log.warning("job %s: Redis unreachable (%s)", job.name, exc)
            except Exception:
                log.exception("job %s failed", job.name)

        return run

    def stand_down(self) -> None:
        """Release the lease, so a standby takes over on its next tick instead of after a TTL."""
        if self.lease.release():
            log.info("released the lease")
        self._leading = False

    def _note_reachability(self) -> None:
        if self.lease.reachable == self._reachable:
            return
        self._reachable = self.lease.reachable
        if self._reachable:
            log.info("Redis reachable again")
        else:
            log.warning("Redis unreachable: standing by")
            self._leading = False  # said above: no second line about the lease

    def _note_role(self) -> None:
        held = self.lease.held
        if held == self._leading:
            return
        self._leading = held
        if held:
            log.info("became leader as %s", self.lease.holder)
        else:
            log.warning("lost the lease: standing by")


def build_scheduler(
    leadership: Leadership, jobs: Sequence[Job], renew_every: float
) -> BlockingScheduler:
    """A BlockingScheduler with the lease job (run at once) and every job guarded by the lease."""
    names = [job.name for job in jobs]
    if len(set(names)) != len(names) or LEASE_JOB in names:
        raise ValueError(f"job names must be unique and not {LEASE_JOB!r}: {names}")
    scheduler = BlockingScheduler(
        timezone=TIMEZONE,
        job_defaults=JOB_DEFAULTS,
        # A thread per job, and one for the lease: a slow job must never delay a renewal.
        executors={
            "default": ThreadPoolExecutor(max(1, len(jobs))),
            "lease": ThreadPoolExecutor(1),
        },
    )
    scheduler.add_job(
        leadership.tick,
        "interval",
        seconds=renew_every,
        id=LEASE_JOB,
        name=LEASE_JOB,
        executor="lease",
        next_run_time=datetime.now(TIMEZONE),
        replace_existing=True,
    )
    for job in jobs:
        scheduler.add_job(
            leadership.guard(job),
            id=job.name,
            name=job.name,
            replace_existing=True,
            **job.trigger_kwargs,
        )
    return scheduler


def run_scheduler(
    config: Config,
    redis: redis_lib.Redis,
    jobs: Sequence[Job],
    *,
    stop_event: threading.Event | None = None,
) -> None:
    """Run `jobs` while this process leads; once `stop_event` is set, finish them and hand over."""
    ttl = config.syndication.scheduler_lease
    leadership = Leadership(Lease(redis, SynKeys.LEADER, ttl, holder_id()))
    scheduler = build_scheduler(leadership, jobs, renew_every=ttl / 3)
    stop_event = threading.Event() if stop_event is None else stop_event
    scheduler.add_listener(lambda _: _stop_when_set(scheduler, stop_event), EVENT_SCHEDULER_STARTED)
    log.info(
        "scheduler %s starting: lease %s s, jobs %s",
        leadership.lease.holder,
        ttl,
        ", ".join(job.name for job in jobs),
    )
    try:
        scheduler.start()  # blocks until the stop thread shuts it down
    finally:
        leadership.stand_down()  # only now: no job of ours is running any more
        log.info("scheduler %s stopped", leadership.lease.holder)


def _stop_when_set(scheduler: BlockingScheduler, stop_event: threading.Event) -> None:
    """Shut the scheduler down once stop_event is set: its own thread is blocked in start()."""

    def wait_then_stop() -> None:
        stop_event.wait()
        scheduler.shutdown(wait=True)  # waits for running jobs, so none outlives our lease

    threading.Thread(target=wait_then_stop, name="csj-scheduler-stop", daemon=True).start()


def leader_info(redis: redis_lib.Redis) -> tuple[str, int] | None:
    """The leading scheduler's holder id and its lease's remaining ms, or None if none leads."""
    with redis.pipeline(transaction=True) as pipe:  # both answers describe the same lease
        holder, ttl_ms = pipe.get(SynKeys.LEADER).pttl(SynKeys.LEADER).execute()
    if holder is None:
        return None
    return (holder.decode() if isinstance(holder, bytes) else holder), ttl_ms


def main(config: Config, redis: redis_lib.Redis, jobs: Sequence[Job]) -> None:
    """The `csj scheduler` process: lead or stand by until SIGTERM/SIGINT, then hand over."""
    stop_event = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_event.set())
    # APScheduler logs every run at INFO: eight lines a second at a 0.25 s tick, on every standby.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler(config, redis, jobs, stop_event=stop_event)
