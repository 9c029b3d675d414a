"""The audit trail: who changed what, and when (a Redis stream, kept whole)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store import SynKeys

#: The trail is the record of people's actions: it is long but small; trim only far in the past.
MAX_ENTRIES = 1_000_000


@dataclass(frozen=True)
class Entry:
    id: str
    at: float
    by: str
    action: str
    article: str
    detail: dict[str, Any]


def record_in(pipe: Any, by: str, action: str, article: str, now: float, **detail: Any) -> None:
    """Queue one audit entry on a pipeline (so it lands with the change it describes)."""
    pipe.xadd(
        SynKeys.AUDIT,
        {
            "at": repr(now),
            "by": by,
            "action": action,
            "article": article,
            "detail": json.dumps(detail, ensure_ascii=False, default=str),
        },
        maxlen=MAX_ENTRIES,
        approximate=True,
    )


def record(redis: Any, by: str, action: str, article: str, now: float, **detail: Any) -> None:
    """Append one audit entry."""
    pipe = redis.pipeline(transaction=False)
    record_in(pipe, by, action, article, now, **detail)
    pipe.execute()


#: How far back one filtered page looks before it says "nothing more here" (a page stays fast).
SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    older: str  # the id to pass as `before` for the next page; "" when the trail ends here


def page(
    redis: Any,
    before: str = "",
    limit: int = 50,
    *,
    by: str = "",
    action: str = "",
    article: str = "",
) -> Page:
    """Entries older than `before` (an entry id; "" for the newest), newest first, that match."""
    out: list[Entry] = []
    upper, scanned = f"({before}" if before else "+", 0
    while scanned < SCAN_LIMIT:
        chunk = redis.xrevrange(SynKeys.AUDIT, max=upper, count=500)
        for entry_id, fields in chunk:
            scanned += 1
            entry = _entry(entry_id, fields)
            if (by and entry.by != by) or (action and entry.action != action):
                continue
            if article and entry.article != article:
                continue
            out.append(entry)
            if len(out) == limit:
                return Page(out, entry.id)
        if len(chunk) < 500:
            return Page(out, "")
        upper = "(" + chunk[-1][0].decode()
    return Page(out, upper[1:])  # not all read: the next page carries on from here


def _entry(entry_id: bytes, fields: dict[bytes, bytes]) -> Entry:
    f = {k.decode(): v.decode() for k, v in fields.items()}
    return Entry(
        entry_id.decode(),
        float(f["at"]),
        f["by"],
        f["action"],
        f["article"],
        json.loads(f["detail"]),
    )


def entries(redis: Any, article: str | None = None, count: int = 200) -> list[Entry]:
    """The newest entries first, optionally for one article."""
    out = []
    for entry_id, fields in redis.xrevrange(SynKeys.AUDIT, count=count * (20 if article else 1)):
        entry = _entry(entry_id, fields)
        if article and entry.article != article:
            continue
        out.append(entry)
        if len(out) >= count:
            break
    return out
