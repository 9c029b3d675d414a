"""Every WeChat API call syndication makes: timed, logged (the `csj log`), errors typed.

A failed call becomes one of three exceptions, so the steps never look at errcodes:
CallFailed (WeChat answered with an error: policy.decide says what next), NotSent (the request
never left: safe to retry) and OutcomeUnknown (it may have been done: reconcile, never repeat).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from wechatpy.exceptions import WeChatClientException

from bot.store import SynKeys
from syndication import policy

log = logging.getLogger("csj.syndication")
T = TypeVar("T")


class CallFailed(Exception):
    """WeChat refused the call; `decision` is what to do about it."""

    def __init__(self, step: str, errcode: int | None, errmsg: str, decision: policy.Decision):
        self.step, self.errcode, self.errmsg, self.decision = step, errcode, errmsg, decision
        super().__init__(f"{step}: {errcode} {errmsg}")


class NotSent(Exception):
    """The request could not be sent (no connection): nothing happened at WeChat."""


class OutcomeUnknown(Exception):
    """The request was sent but no answer came back: it may or may not have taken effect."""


@dataclass(frozen=True)
class Where:
    """Which publication a call is for, for the log."""

    article: str
    account: str
    attempt: int


class Recorder:
    """Makes calls and appends one log entry per call to SynKeys.LOG."""

    def __init__(self, redis: Any, clock: Callable[[], float]) -> None:
        self.redis = redis
        self.clock = clock

    def call(self, where: Where, step: str, fn: Callable[[], T]) -> T:
        """Run `fn` (one API call), log it, and type its failure."""
        started = time.perf_counter()
        try:
            result = fn()
        except WeChatClientException as exc:
            status = exc.response.status_code if exc.response is not None else None
            errcode = int(exc.errcode) if exc.errcode not in (None, "") else None
            errmsg = str(exc.errmsg or (f"HTTP {status}" if status else ""))
            self._log(where, step, started, errcode if errcode is not None else -2, errmsg)
            if errcode is None and status is not None and status >= 500:
                raise OutcomeUnknown(f"{step}: HTTP {status}") from exc
            raise CallFailed(step, errcode, errmsg, policy.decide(errcode, errmsg, status)) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            sent = not _never_sent(exc)
            self._log(where, step, started, -3 if sent else -4, _describe(exc, sent))
            log.warning("WeChat API unreachable for %s (%s): %s", where.account, step, exc)
            raise (OutcomeUnknown if sent else NotSent)(f"{step}: {exc}") from exc
        self._log(where, step, started, 0, "ok")
        return result

    def _log(self, where: Where, step: str, started: float, errcode: int, errmsg: str) -> None:
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        entry = {
            "at": repr(self.clock()),
            "account": where.account,
            "article": where.article,
            "step": step,
            "errcode": str(errcode),
            "errmsg": errmsg[:300],
            "attempt": str(where.attempt),
            "latency_ms": str(latency_ms),
        }
        self.redis.xadd(SynKeys.LOG, entry)
        log.info(
            "wechat call",
            extra={"fields": {k: v for k, v in entry.items() if k != "at"}},
        )


def _never_sent(exc: Exception) -> bool:
    """True when the connection was never made, so WeChat cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    return isinstance(exc, requests.ConnectionError) and (
        "NewConnectionError" in text or "Connection refused" in text or "NameResolution" in text
    )


def _describe(exc: Exception, sent: bool) -> str:
    kind = "timeout" if isinstance(exc, requests.Timeout) else "connection error"
    return f"{kind} ({'outcome unknown' if sent else 'not sent'})"
