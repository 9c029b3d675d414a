"""Column articles: the record, its storage in Redis, and its life before publishing.

An article is written once (CLI, API, later the admin UI), reviewed (三审三校: `approvals` people
other than its author), then scheduled; the engine (syndication.engine) takes it from there.
Every change is validated whole before anything is stored, and lands in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from redis.exceptions import WatchError

from bot.config import Config
from bot.store import SynKeys
from syndication import audit

# Article states (the per-account publication states live in syndication.engine).
AWAITING = "awaiting_approval"  # needs approvals before it may go out
SCHEDULED = "scheduled"  # approved; waits for its time (or goes now)
STARTED = "started"  # the engine has created its publications; no more edits
CANCELLED = "cancelled"
HISTORY = "history"  # published before csj, imported (csj post import-history); never edited
STATE_NAMES = {
    AWAITING: "待审核",
    SCHEDULED: "已排期",
    STARTED: "发布中/已发布",
    CANCELLED: "已取消",
    HISTORY: "往期（已导入）",
}
EDITABLE = (AWAITING, SCHEDULED)


class ArticleError(ValueError):
    """An article cannot be stored or changed; `problems` lists every reason, for a person."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass(frozen=True)
class Approval:
    by: str
    at: float
    version: int


@dataclass(frozen=True)
class Article:
    """One column article as stored. `html` has `csj-blob:<sha>` image sources."""

    id: str
    title: str
    author: str
    digest: str
    body: str
    body_format: str  # "markdown" | "html"
    html: str
    cover: str  # sha256 of the prepared cover in SynKeys.blob
    images: tuple[str, ...]  # sha256 of each prepared body image
    source_url: str
    accounts: tuple[str, ...]
    publish_at: float | None  # None: as soon as it is approved
    created_by: str
    created_at: float
    updated_at: float
    version: int = 1
    state: str = AWAITING
    approvals: tuple[Approval, ...] = ()
    number: int | None = None  # 第N期, set when first published anywhere
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def current_approvals(self) -> tuple[Approval, ...]:
        """Approvals given to this version (an edit voids the earlier ones)."""
        return tuple(a for a in self.approvals if a.version == self.version)


_JSON_FIELDS = ("images", "accounts", "approvals", "warnings", "extra")


def to_hash(article: Article) -> dict[str, str]:
    """Encode for HSET: scalars as text, structures as JSON, None as ""."""
    out: dict[str, str] = {}
    for name, value in article.__dict__.items():
        if name == "approvals":
            out[name] = json.dumps([a.__dict__ for a in value])
        elif name in _JSON_FIELDS:
            out[name] = json.dumps(
                list(value) if isinstance(value, tuple) else dict(value), ensure_ascii=False
            )
        else:
            out[name] = "" if value is None else str(value)
    return out


def from_hash(raw: Mapping[bytes | str, bytes | str]) -> Article:
    """Decode what to_hash stored."""
    data = {_text(k): _text(v) for k, v in raw.items()}
    return Article(
        id=data["id"],
        title=data["title"],
        author=data["author"],
        digest=data["digest"],
        body=data["body"],
        body_format=data["body_format"],
        html=data["html"],
        cover=data["cover"],
        images=tuple(json.loads(data["images"])),
        source_url=data["source_url"],
        accounts=tuple(json.loads(data["accounts"])),
        publish_at=float(data["publish_at"]) if data["publish_at"] else None,
        created_by=data["created_by"],
        created_at=float(data["created_at"]),
        updated_at=float(data["updated_at"]),
        version=int(data["version"]),
        state=data["state"],
        approvals=tuple(Approval(**a) for a in json.loads(data["approvals"])),
        number=int(data["number"]) if data.get("number") else None,
        warnings=tuple(json.loads(data.get("warnings") or "[]")),
        extra=json.loads(data.get("extra") or "{}"),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(redis: Any, article_id: str) -> Article | None:
    """The stored article, or None."""
    raw = redis.hgetall(SynKeys.article(article_id))
    return from_hash(raw) if raw else None


def require(redis: Any, article_id: str) -> Article:
    """The stored article, or an ArticleError naming the id."""
    article = load(redis, article_id)
    if article is None:
        raise ArticleError([f"没有编号为 {article_id} 的文章"])
    return article


def blob(redis: Any, digest: str) -> bytes:
    """Image bytes stored under their SHA-256."""
    data = redis.get(SynKeys.blob(digest))
    if data is None:
        raise LookupError(f"image {digest[:12]}… is missing from Redis")
    return data


def list_ids(redis: Any, limit: int = 50, offset: int = 0) -> list[str]:
    """Article ids, newest first."""
    ids = redis.zrevrange(SynKeys.ARTICLES, offset, offset + limit - 1)
    return [_text(i) for i in ids]


def default_accounts(config: Config) -> tuple[str, ...]:
    """Every account that carries the column."""
    return tuple(a.id for a in config.accounts.values() if a.column)


def check_accounts(config: Config, accounts: tuple[str, ...]) -> list[str]:
    """Problems with a list of target account ids."""
    if not accounts:
        return ["至少要选择一个发布账号"]
    unknown = [a for a in accounts if a not in config.accounts]
    if unknown:
        known = "、".join(config.accounts)
        return [f"未知的账号：{'、'.join(unknown)}（可选：{known}）"]
    if len(set(accounts)) != len(accounts):
        return ["发布账号有重复"]
    return []


def store_new(
    redis: Any, article: Article, blobs: Mapping[str, bytes], by: str, now: float
) -> Article:
    """Store a validated new article and its images in one transaction; assign its id."""
    article_id = f"A{redis.incr(SynKeys.ARTICLE_SEQ)}"
    article = replace(article, id=article_id)
    pipe = redis.pipeline(transaction=True)
    for sha, data in blobs.items():
        pipe.set(SynKeys.blob(sha), data, nx=True)
    pipe.hset(SynKeys.article(article_id), mapping=to_hash(article))
    pipe.zadd(SynKeys.ARTICLES, {article_id: article.created_at})
    if article.state == SCHEDULED:
        pipe.zadd(SynKeys.DUE, {article_id: article.publish_at or now})
    audit.record_in(pipe, by, "create", article_id, now, title=article.title)
    pipe.execute()
    return article


def save_change(
    redis: Any,
    before: Article,
    after: Article,
    blobs: Mapping[str, bytes],
    by: str,
    action: str,
    now: float,
    **detail: Any,
) -> Article:
    """Store a changed article if nobody changed it since `before` was read; keep DUE in step."""
    key = SynKeys.article(before.id)
    stale = ArticleError([f"文章 {before.id} 刚被别人修改过，请刷新后再试"])
    with redis.pipeline(transaction=True) as pipe:
        pipe.watch(key)
        current = pipe.hgetall(key)
        # Any difference at all (an approval, a note) means someone else changed it since it
        # was read: their change must not be overwritten.
        if not current or from_hash(current) != before:
            raise stale
        pipe.multi()
        for sha, data in blobs.items():
            pipe.set(SynKeys.blob(sha), data, nx=True)
        pipe.hset(key, mapping=to_hash(after))
        if after.state == SCHEDULED:
            pipe.zadd(SynKeys.DUE, {after.id: after.publish_at or now})
        else:
            pipe.zrem(SynKeys.DUE, after.id)
        audit.record_in(pipe, by, action, after.id, now, **detail)
        try:
            pipe.execute()
        except WatchError:  # changed between our read and our write
            raise stale from None
    return after
