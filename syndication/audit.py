"""The audit trail: who changed what, and when (a Redis stream, kept whole)."""

from __future__ import annotations

import json
from collections.abc import Iterator
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


#: How far back one filtered read looks before it stops (a page stays fast on a long trail).
SCAN_LIMIT = 20_000
CHUNK = 500


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
    scanned, last = 0, ""
    for entry in _newest(redis, before):
        scanned, last = scanned + 1, entry.id
        if (by and entry.by != by) or (action and entry.action != action):
            continue
        if article and entry.article != article:
            continue
        out.append(entry)
        if len(out) == limit:
            return Page(out, entry.id)
    # Short of `limit`: the trail ended, or the scan reached its limit (the next page carries on).
    return Page(out, last if scanned >= SCAN_LIMIT else "")


def entries(redis: Any, article: str | None = None, count: int = 200) -> list[Entry]:
    """The newest entries first, optionally for one article."""
    return page(redis, limit=count, article=article or "").entries


def _newest(redis: Any, before: str) -> Iterator[Entry]:
    """Entries newest first from just before `before`, at most SCAN_LIMIT, read in chunks."""
    upper = f"({before}" if before else "+"
    for _ in range(0, SCAN_LIMIT, CHUNK):
        chunk = redis.xrevrange(SynKeys.AUDIT, max=upper, count=CHUNK)
        yield from (_entry(entry_id, fields) for entry_id, fields in chunk)
        if len(chunk) < CHUNK:
            return
        upper = "(" + chunk[-1][0].decode()


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
