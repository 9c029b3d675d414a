"""Fault injection: for an endpoint and account, the next N calls fail in a chosen way.

kinds: errcode (answer errcode X, do nothing), http (answer HTTP 5xx, do nothing), delay (wait D
seconds, then work normally), drop (do the work, then close the connection without an answer:
the "outcome unknown" case a publisher must reconcile rather than repeat).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from syndication.sandbox.errors import ERRMSG
from syndication.sandbox.state import RETENTION, Keys, State, random_id

KINDS = ("errcode", "http", "delay", "drop")
MAX_DELAY = 120.0


@dataclass(frozen=True)
class Fault:
    """One rule; `remaining` calls left."""

    id: str
    kind: str
    endpoint: str = "*"  # a path under /cgi-bin/, e.g. freepublish/submit, or *
    account: str = "*"
    count: int = 1
    errcode: int = -1
    status: int = 503
    seconds: float = 0.0

    def matches(self, account: str, endpoint: str) -> bool:
        """Whether a call of this account to this endpoint triggers the fault."""
        return self.account in ("*", account) and self.endpoint in ("*", endpoint)

    def describe(self) -> str:
        """One line for people: where, how many, what happens."""
        detail = {
            "errcode": f"errcode {self.errcode}",
            "http": f"HTTP {self.status}",
            "delay": f"wait {self.seconds:g} s",
            "drop": "drop the connection after the work",
        }
        return f"{self.account}/{self.endpoint}: next {self.count} call(s): {detail[self.kind]}"


def parse(spec: dict[str, Any], accounts: Any) -> Fault:
    """Validate a fault from the control API or the CLI; raise ValueError naming the field."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    fault = Fault(
        id=random_id(length=10),
        kind=kind,
        endpoint=str(spec.get("endpoint", "*")).strip("/") or "*",
        account=str(spec.get("account", "*")),
        count=_int(spec, "count", 1),
        errcode=_int(spec, "errcode", -1),
        status=_int(spec, "status", 503),
        seconds=_seconds(spec),
    )
    if fault.account != "*" and fault.account not in accounts:
        raise ValueError(f"unknown account {fault.account!r}")
    if not 1 <= fault.count <= 10_000:
        raise ValueError("count must be 1 to 10000")
    if kind == "errcode" and fault.errcode not in ERRMSG:
        raise ValueError(f"errcode {fault.errcode} is not one the sandbox knows")
    if kind == "http" and not 500 <= fault.status <= 599:
        raise ValueError("status must be 500 to 599")
    if kind == "delay" and not 0 < fault.seconds <= MAX_DELAY:
        raise ValueError(f"seconds must be more than 0 and at most {MAX_DELAY:g}")
    return fault


def _seconds(spec: dict[str, Any]) -> float:
    try:
        return float(spec.get("seconds", 0) or 0)
    except (TypeError, ValueError):
        raise ValueError("seconds must be a number") from None


def _int(spec: dict[str, Any], name: str, default: int) -> int:
    value = spec.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer") from None


def add(state: State, fault: Fault) -> Fault:
    """Store a fault; it applies from the next matching call."""
    state.redis.hset(Keys.fault(fault.id), mapping={k: str(v) for k, v in asdict(fault).items()})
    state.redis.hset(Keys.fault(fault.id), "remaining", fault.count)
    state.redis.expire(Keys.fault(fault.id), RETENTION)
    state.redis.rpush(Keys.FAULTS, fault.id)
    return fault


def _load(state: State, fault_id: str) -> tuple[Fault, int] | None:
    raw = {k.decode(): v.decode() for k, v in state.redis.hgetall(Keys.fault(fault_id)).items()}
    if not raw:
        return None
    fault = Fault(
        id=raw["id"],
        kind=raw["kind"],
        endpoint=raw["endpoint"],
        account=raw["account"],
        count=int(raw["count"]),
        errcode=int(raw["errcode"]),
        status=int(raw["status"]),
        seconds=float(raw["seconds"]),
    )
    return fault, int(raw["remaining"])


def active(state: State) -> list[tuple[Fault, int]]:
    """Every fault with calls left, oldest first, with how many."""
    found = []
    for fault_id in state.redis.lrange(Keys.FAULTS, 0, -1):
        loaded = _load(state, fault_id.decode())
        if loaded is None or loaded[1] <= 0:
            state.redis.lrem(Keys.FAULTS, 0, fault_id)
        else:
            found.append(loaded)
    return found


def take(state: State, account: str, endpoint: str) -> list[Fault]:
    """The faults this call triggers; each one used up by one call (atomically, across threads)."""
    taken = []
    for fault, _ in active(state):
        if (
            fault.matches(account, endpoint)
            and state.redis.hincrby(Keys.fault(fault.id), "remaining", -1) >= 0
        ):
            taken.append(fault)
    return taken


def clear(state: State) -> None:
    """Remove every fault."""
    for fault_id in state.redis.lrange(Keys.FAULTS, 0, -1):
        state.redis.delete(Keys.fault(fault_id.decode()))
    state.redis.delete(Keys.FAULTS)


def parse_spec(text: str) -> dict[str, Any]:
    """Read a CLI fault: ENDPOINT=KIND[:VALUE][xCOUNT][@ACCOUNT], e.g. freepublish/submit=drop@sh,
    draft/add=errcode:45009x2, *=http:502, freepublish/submit=delay:6."""
    endpoint, sep, rest = text.partition("=")
    if not sep or not endpoint:
        raise ValueError(f"{text!r}: expected ENDPOINT=KIND[:VALUE][xCOUNT][@ACCOUNT]")
    rest, _, account = rest.partition("@")
    rest, _, count = rest.partition("x")
    kind, _, value = rest.partition(":")
    spec: dict[str, Any] = {
        "endpoint": endpoint,
        "kind": kind,
        "account": account or "*",
        "count": count or 1,
    }
    if value:
        spec[{"errcode": "errcode", "http": "status", "delay": "seconds"}.get(kind, "value")] = (
            value
        )
    return spec
