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


def entries(redis: Any, article: str | None = None, count: int = 200) -> list[Entry]:
    """The newest entries first, optionally for one article."""
    out = []
    for entry_id, fields in redis.xrevrange(SynKeys.AUDIT, count=count * (20 if article else 1)):
        f = {k.decode(): v.decode() for k, v in fields.items()}
        if article and f["article"] != article:
            continue
        out.append(
            Entry(
                entry_id.decode(),
                float(f["at"]),
                f["by"],
                f["action"],
                f["article"],
                json.loads(f["detail"]),
            )
        )
        if len(out) >= count:
            break
    return out
