"""Forecast files checked in the admin app and waiting to be published; who imported which issue.

An upload is checked, drawn and kept for its uploader only, for UPLOAD_TTL; publishing claims it
once (a second press, or another tab, is told it is done), then makes it the forecast.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import ZONE
from bot.forecast.importer import Problem
from bot.forecast.model import ForecastIssue
from bot.store import AdminKeys
from syndication import audit

UPLOAD_TTL = 3600
MAX_EXCERPT = 300
EXPIRED = "这份上传已过期或不存在（上传后 1 小时内有效）：请重新上传文件"

# Claim a waiting upload in one step: of two presses of "publish", exactly one gets the issue.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {0, ''} end
if state ~= 'pending' then return {1, redis.call('HGET', KEYS[1], 'published_at')} end
redis.call('HSET', KEYS[1], 'state', 'published', 'published_at', ARGV[1])
return {2, ''}
"""
# Give a claimed upload back (its publishing failed), unless it has expired meanwhile.
_RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'state', 'pending')
  redis.call('HDEL', KEYS[1], 'published_at')
end
return 0
"""


class UploadGone(Exception):
    """The upload was published already or has expired; the message says which."""


@dataclass(frozen=True)
class Pending:
    token: str
    filename: str
    uploaded_at: float
    issue: ForecastIssue
    published_at: float | None  # None: still waiting to be published

    @property
    def expires_at(self) -> float:
        return self.uploaded_at + UPLOAD_TTL


@dataclass(frozen=True)
class ImportNote:
    """Who made an issue the forecast, when, and how (web, api, cli, demo)."""

    by: str
    at: float
    via: str
    filename: str


def stage(
    redis: Any, user: str, issue: ForecastIssue, picture: bytes, filename: str, now: float
) -> str:
    """Keep a checked issue and its picture for `user` to publish; return the upload's token."""
    token = secrets.token_urlsafe(16)
    key = AdminKeys.forecast_upload(user, token)
    fields = {
        "filename": filename[:200],
        "uploaded_at": repr(now),
        "issue": issue.to_json(),
        "picture": picture,
        "state": "pending",
    }
    pipe = redis.pipeline()
    pipe.hset(key, mapping=fields)
    pipe.expire(key, UPLOAD_TTL)
    pipe.execute()
    return token


def load(redis: Any, user: str, token: str) -> Pending | None:
    """The user's upload with this token, or None (expired, or someone else's)."""
    key = AdminKeys.forecast_upload(user, token)
    filename, uploaded_at, issue, published_at = redis.hmget(
        key, "filename", "uploaded_at", "issue", "published_at"
    )
    if issue is None:
        return None
    return Pending(
        token,
        filename.decode(),
        float(uploaded_at),
        ForecastIssue.from_json(issue),
        float(published_at) if published_at else None,
    )


def picture(redis: Any, user: str, token: str) -> bytes | None:
    """The upload's "一图可见" picture (PNG), or None."""
    return redis.hget(AdminKeys.forecast_upload(user, token), "picture")


def claim(redis: Any, user: str, token: str, now: float) -> Pending:
    """Mark the upload published and return it; UploadGone if it expired or was published."""
    key = AdminKeys.forecast_upload(user, token)
    found, published_at = redis.eval(_CLAIM, 1, key, repr(now))
    if found == 1:
        at = datetime.fromtimestamp(float(published_at), ZONE)
        raise UploadGone(f"这份预报已于 {at:%m月%d日 %H:%M} 发布过，无需再次发布")
    pending = load(redis, user, token) if found == 2 else None
    if pending is None:
        raise UploadGone(EXPIRED)
    return pending


def release(redis: Any, user: str, token: str) -> None:
    """Undo a claim whose publishing failed, so the user can press publish again."""
    redis.eval(_RELEASE, 1, AdminKeys.forecast_upload(user, token))


def record_import(
    redis: Any, by: str, issue: ForecastIssue, now: float, *, via: str, filename: str = ""
) -> None:
    """Note who made the issue the forecast, and add the import to the audit trail."""
    note = {"by": by, "at": now, "via": via, "filename": filename}
    pipe = redis.pipeline(transaction=False)
    pipe.hset(AdminKeys.FORECAST_IMPORTS, issue.id, json.dumps(note, ensure_ascii=False))
    detail = {"issue": issue.id, "via": via, "filename": filename, "rows": len(issue.rows)}
    audit.record_in(pipe, by, "forecast-import", "", now, **detail)
    pipe.execute()


def import_notes(redis: Any, issue_ids: list[str]) -> dict[str, ImportNote]:
    """Who imported each of these issues (issues imported before notes were kept are absent)."""
    if not issue_ids:
        return {}
    raw = redis.hmget(AdminKeys.FORECAST_IMPORTS, issue_ids)
    return {i: ImportNote(**json.loads(r)) for i, r in zip(issue_ids, raw, strict=True) if r}


@dataclass(frozen=True)
class Excerpt:
    """The text of the file a problem points at: its line (or JSON item) and the cell."""

    text: str
    cell: str


def excerpts(data: bytes, problems: Iterable[Problem]) -> list[Excerpt]:
    """For each problem, the offending line (CSV) or item (JSON) of the file, and its cell."""
    text = data.decode("utf-8-sig", errors="replace")
    lines = io.StringIO(text, newline=None).readlines()  # the lines as the CSV reader counts them
    items = _json_items(text)
    header = _csv_header(lines) if items is None else []
    out = []
    for problem in problems:
        if problem.line is None:
            out.append(Excerpt("", ""))
        elif items is not None and problem.unit == "条":
            out.append(_item_excerpt(items, problem))
        else:
            out.append(_line_excerpt(lines, header, problem))
    return out


def _json_items(text: str) -> list[Any] | None:
    """The rows of a JSON file, or None when it is not JSON (or not JSON that parses)."""
    if text.lstrip()[:1] not in ("[", "{"):
        return None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return None
    # {"rows": [...]} for a forecast, {"events": [...]} for an events file.
    rows = raw.get("rows", raw.get("events")) if isinstance(raw, dict) else raw
    return rows if isinstance(rows, list) else None


def _item_excerpt(items: list[Any], problem: Problem) -> Excerpt:
    assert problem.line is not None
    if not 1 <= problem.line <= len(items):
        return Excerpt("", "")
    item = items[problem.line - 1]
    cells = {str(k).lower(): v for k, v in item.items()} if isinstance(item, dict) else {}
    cell = "，".join(str(cells[c]) for c in _columns(problem) if c in cells)
    return Excerpt(_cut(json.dumps(item, ensure_ascii=False, default=str)), cell)


def _csv_header(lines: list[str]) -> list[str]:
    first = next((line for line in lines if line.strip()), "")
    return [h.strip().lower() for h in next(csv.reader([first]), [])]


def _line_excerpt(lines: list[str], header: list[str], problem: Problem) -> Excerpt:
    assert problem.line is not None
    if not 1 <= problem.line <= len(lines):
        return Excerpt("", "")
    line = lines[problem.line - 1].rstrip("\r\n")
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:
        cells = []
    spots = [header.index(c) for c in _columns(problem) if c in header]
    return Excerpt(_cut(line), "，".join(cells[i].strip() for i in spots if i < len(cells)))


def _columns(problem: Problem) -> list[str]:
    return [c for c in (problem.column or "").split(",") if c]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_EXCERPT else text[:MAX_EXCERPT] + "…"
