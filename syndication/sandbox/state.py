"""The sandbox's state in Redis: every key name (prefix csj:sandbox:) and small JSON helpers."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from redis import Redis

PREFIX = "csj:sandbox"
#: Records are kept this long (real seconds) after their last write; the sandbox is a dev tool.
RETENTION = 90 * 86400
ORDER_SLOTS = 10**6  # records a second that State.newest keeps in order


class Keys:
    """Key names of the sandbox; nothing else in csj reads them."""

    DUE = f"{PREFIX}:due"  # sorted set: push job ref -> due time (sandbox clock)
    FAULTS = f"{PREFIX}:faults"  # list of fault ids, oldest first
    DUE_ATTEMPTS = f"{PREFIX}:due-attempts"  # hash: push job ref -> attempts so far
    SEQ = f"{PREFIX}:seq"  # counter for numeric ids (publish_id, msg_id …)

    @staticmethod
    def token(token: str) -> str:
        return f"{PREFIX}:token:{token}"

    @staticmethod
    def token_slots(account: str, kind: str) -> str:
        """Hash: current and previous token of one kind (token | stable) for an account."""
        return f"{PREFIX}:{account}:tokens:{kind}"

    @staticmethod
    def quota(account: str, day: str) -> str:
        return f"{PREFIX}:{account}:quota:{day}"

    @staticmethod
    def quota_limits(account: str) -> str:
        return f"{PREFIX}:{account}:quota-limits"

    @staticmethod
    def monthly(account: str, month: str) -> str:
        return f"{PREFIX}:{account}:monthly:{month}"

    @staticmethod
    def media(media_id: str) -> str:
        return f"{PREFIX}:media:{media_id}"

    @staticmethod
    def drafts(account: str) -> str:
        return f"{PREFIX}:{account}:drafts"

    @staticmethod
    def draft(media_id: str) -> str:
        return f"{PREFIX}:draft:{media_id}"

    @staticmethod
    def order(second: int) -> str:
        """Counter of records stamped within one second (State.newest)."""
        return f"{PREFIX}:order:{second}"

    @staticmethod
    def draft_publishing(media_id: str) -> str:
        """Set while a freepublish job of the draft is pending: the publish_id."""
        return f"{PREFIX}:draft:{media_id}:publishing"

    @staticmethod
    def job(publish_id: str) -> str:
        return f"{PREFIX}:publish:{publish_id}"

    @staticmethod
    def articles(account: str) -> str:
        return f"{PREFIX}:{account}:articles"

    @staticmethod
    def article(article_id: str) -> str:
        return f"{PREFIX}:article:{article_id}"

    @staticmethod
    def masses(account: str) -> str:
        return f"{PREFIX}:{account}:masses"

    @staticmethod
    def mass(msg_id: str) -> str:
        return f"{PREFIX}:mass:{msg_id}"

    @staticmethod
    def clientmsgid(account: str, clientmsgid: str) -> str:
        return f"{PREFIX}:{account}:clientmsgid:{clientmsgid}"

    @staticmethod
    def custom(account: str) -> str:
        return f"{PREFIX}:{account}:custom"

    @staticmethod
    def interaction(account: str, openid: str) -> str:
        return f"{PREFIX}:{account}:interaction:{openid}"

    @staticmethod
    def menu(account: str) -> str:
        return f"{PREFIX}:{account}:menu"

    @staticmethod
    def fault(fault_id: str) -> str:
        return f"{PREFIX}:fault:{fault_id}"

    @staticmethod
    def settings(account: str) -> str:
        return f"{PREFIX}:{account}:settings"

    @staticmethod
    def push_log(account: str) -> str:
        return f"{PREFIX}:{account}:push-log"

    @staticmethod
    def demo(account: str) -> str:
        return f"{PREFIX}:{account}:demo-loaded"


@dataclass(frozen=True)
class Settings:
    """How asynchronous jobs end: delays in seconds (sandbox clock) and outcomes."""

    publish_delay: float = 5.0
    publish_status: int = 0  # 0 success … 6 banned, as freepublish/get reports
    fail_idx: tuple[int, ...] = ()  # for statuses 2 and 4; empty means [1]
    mass_delay: float = 5.0
    mass_status: str = "send success"

    def merged(self, raw: dict[str, Any]) -> Settings:
        """Return these settings with the overrides stored in Redis applied."""
        known = {f.name: f for f in fields(self)}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name in known:
                values[name] = tuple(value) if name == "fail_idx" else value
        return replace(self, **values)


def check_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate settings overrides from the control API; raise ValueError naming the field."""
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("publish_delay", "mass_delay"):
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not 0 <= value <= 86400
            ):
                raise ValueError(f"{name} must be 0 to 86400 seconds")
        elif name == "publish_status":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 6:
                raise ValueError("publish_status must be an integer 0 to 6")
        elif name == "fail_idx":
            if not isinstance(value, list) or not all(isinstance(i, int) and i >= 1 for i in value):
                raise ValueError("fail_idx must be a list of article indexes (1-based)")
        elif name == "mass_status":
            if not isinstance(value, str) or not value:
                raise ValueError(
                    "mass_status must be a non-empty string, e.g. 'send success' or 'err(30001)'"
                )
        else:
            raise ValueError(f"unknown setting {name!r}")
        clean[name] = value
    return clean


class State:
    """Redis access for the sandbox: JSON records, ids, settings."""

    def __init__(self, redis: Redis, defaults: Settings | None = None) -> None:
        self.redis = redis
        self.defaults = defaults or Settings()

    def get_json(self, key: str) -> Any:
        raw = self.redis.get(key)
        return json.loads(raw) if raw else None

    def set_json(self, key: str, value: Any) -> None:
        self.redis.set(key, json.dumps(value, ensure_ascii=False), ex=RETENTION)

    def next_id(self) -> int:
        """A numeric id, unique across the sandbox, shaped like WeChat's (10 digits)."""
        return 2247480000 + int(self.redis.incr(Keys.SEQ))

    def newest(self, at: float) -> int:
        """A sorted-set score for `at` that lists newest first with ZREVRANGE: by the second,
        then by arrival within it. Without it, records of the same second (a test's clock
        stands still) come out in the order of their random ids. Exact in a double (< 2**53)."""
        key = Keys.order(int(at))
        arrived = int(self.redis.incr(key))
        self.redis.expire(key, RETENTION)
        return int(at) * ORDER_SLOTS + min(arrived, ORDER_SLOTS - 1)

    def schedule(self, ref: str, due: float) -> None:
        """Queue a push job ("publish:<id>", "mass:<id>") to be settled and pushed at `due`."""
        self.redis.zadd(Keys.DUE, {ref: due})

    def take_due(self, key: str, now: float) -> tuple[dict[str, Any] | None, bool]:
        """The job at `key` if due (None if not), and whether this caller settles it: one does."""
        job = self.get_json(key)
        if job is None or now < job["due_at"]:
            return None, False
        if job["settled"] or not self.claim(key):
            return self.get_json(key), False
        return job, True

    def claim(self, key: str) -> bool:
        """Take a one-time lock (settling a job happens once, whoever gets there first)."""
        return bool(self.redis.set(f"{key}:claimed", 1, nx=True, ex=RETENTION))

    def settings(self, account: str) -> Settings:
        raw = self.get_json(Keys.settings(account)) or {}
        return self.defaults.merged(raw)

    def update_settings(self, account: str, overrides: dict[str, Any]) -> Settings:
        """Store validated overrides for an account; return the settings now in force."""
        current = self.get_json(Keys.settings(account)) or {}
        current.update(check_settings(overrides))
        self.set_json(Keys.settings(account), current)
        return self.settings(account)

    def settings_dict(self, account: str) -> dict[str, Any]:
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in asdict(self.settings(account)).items()
        }


def random_id(prefix: str = "", length: int = 32) -> str:
    """An opaque id like WeChat's media_id / article_id (URL-safe characters)."""
    return prefix + secrets.token_urlsafe(length)[:length]
