"""Deliver due pushes (PUBLISHJOBFINISH, MASSSENDJOBFINISH) to the webhook, signed as WeChat signs.

Jobs wait in a Redis sorted set scored by their due time on the sandbox clock. The running server
delivers them from a background thread; tests call deliver_due() at their fake clock's time.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import requests

from bot.config import Config
from syndication.sandbox import mass, publish
from syndication.sandbox.pushes import sign_push
from syndication.sandbox.state import RETENTION, Keys, State

log = logging.getLogger("csj.sandbox.pusher")

SETTLERS: dict[str, Callable[[State, Config, str, float], dict[str, Any] | None]] = {
    "publish": publish.settle,
    "mass": mass.settle,
}
ATTEMPTS = 3  # WeChat tries a push up to three times when no answer comes
RETRY_AFTER = 5.0
SETTLING_RETRY = 0.2  # seconds: a job another thread is settling is pushed on the next round
TIMEOUT = 5.0  # "五秒内收不到响应会断掉连接"
KEEP_LOG = 100


@dataclass
class Delivery:
    """One push attempt and what the webhook answered."""

    ref: str
    account: str
    event: str
    url: str
    at: float
    attempt: int
    status: int | None = None  # HTTP status; None when no answer came
    reply: str = ""
    error: str = ""


def settle_due(state: State, config: Config, now: float) -> None:
    """Finish every job whose time has come, pushed or not yet, so API reads see WeChat's state."""
    for raw in state.redis.zrangebyscore(Keys.DUE, "-inf", now):
        kind, _, job_id = raw.decode().partition(":")
        if kind in SETTLERS:
            SETTLERS[kind](state, config, job_id, now)


def deliver_due(
    state: State, config: Config, now: float, session: requests.Session | None = None
) -> list[Delivery]:
    """Settle every job due at `now` and push its event; return what happened."""
    deliveries = []
    for raw in state.redis.zrangebyscore(Keys.DUE, "-inf", now):
        ref = raw.decode()
        if not state.redis.zrem(Keys.DUE, ref):
            continue  # another deliverer took it
        kind, _, job_id = ref.partition(":")
        job = SETTLERS[kind](state, config, job_id, now) if kind in SETTLERS else None
        if job is None:
            continue
        if not job.get("settled"):
            # An API call is settling it this very moment (settle_due): push it next round,
            # or its event is lost (WeChat does push every finished job).
            state.schedule(ref, now + SETTLING_RETRY)
            continue
        delivery = push(state, config, ref, job, now, session or requests.Session())
        deliveries.append(delivery)
        if delivery.status is None and delivery.attempt < ATTEMPTS:
            state.schedule(ref, now + RETRY_AFTER)
    return deliveries


def push(
    state: State,
    config: Config,
    ref: str,
    job: dict[str, Any],
    now: float,
    session: requests.Session,
) -> Delivery:
    """POST a job's event XML to the account's push URL, freshly signed (and encrypted in kind)."""
    account = config.accounts[job["account"]]
    attempt = int(state.redis.hincrby(Keys.DUE_ATTEMPTS, ref, 1))
    signed = sign_push(
        account,
        job["event_xml"].encode(),
        timestamp=int(now),
        compatible=not account.require_encryption,
    )
    url = config.sandbox.push_url.format(account=account.id)
    event = "PUBLISHJOBFINISH" if ref.startswith("publish:") else "MASSSENDJOBFINISH"
    delivery = Delivery(ref, account.id, event, url, now, attempt)
    try:
        response = session.post(
            url,
            params=signed.query,
            data=signed.body,
            timeout=TIMEOUT,
            headers={"Content-Type": "text/xml"},
        )
    except requests.RequestException as exc:
        delivery.error = type(exc).__name__
    else:
        delivery.status, delivery.reply = response.status_code, response.text[:200]
    _log(state, delivery)
    return delivery


def _log(state: State, delivery: Delivery) -> None:
    key = Keys.push_log(delivery.account)
    state.redis.lpush(key, json.dumps(asdict(delivery), ensure_ascii=False))
    state.redis.ltrim(key, 0, KEEP_LOG - 1)
    state.redis.expire(key, RETENTION)
    log.info("push", extra={"fields": {k: v for k, v in asdict(delivery).items() if k != "reply"}})


def push_log(state: State, account: str) -> list[dict[str, Any]]:
    """Recent push attempts for an account, newest first."""
    return [json.loads(raw) for raw in state.redis.lrange(Keys.push_log(account), 0, KEEP_LOG - 1)]


class Deliverer:
    """A background thread delivering due pushes every `interval` seconds (the running server)."""

    def __init__(
        self, state: State, config: Config, clock: Callable[[], float], interval: float = 0.5
    ) -> None:
        self.state, self.config, self.clock, self.interval = state, config, clock, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-pusher", daemon=True)
        self._session = requests.Session()

    def start(self) -> Deliverer:
        """Start delivering in the background."""
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                deliver_due(self.state, self.config, self.clock(), self._session)
            except Exception:  # keep delivering: one bad job must not stop the others
                log.exception("delivering pushes failed")

    def stop(self) -> None:
        """Stop after the current round of deliveries."""
        self._stop.set()
        self._thread.join(timeout=10)
