"""freepublish/submit|get|batchget|getarticle|delete; jobs end after a delay (facts §2.3–2.4)."""

from __future__ import annotations

from typing import Any

from bot.config import Config
from syndication.sandbox import drafts
from syndication.sandbox.errors import ApiError, ok
from syndication.sandbox.pushes import publish_job_finish_xml
from syndication.sandbox.registry import Call, Endpoint, field_int, field_str
from syndication.sandbox.state import RETENTION, Keys, State, random_id

PUBLISHING = 1
WITH_ARTICLE = (0, 5, 6)  # success, and success later deleted / banned
WITH_FAIL_IDX = (2, 4)  # originality check failed, review rejected


def article_url(base_url: str, account: str, article_id: str, idx: int) -> str:
    """The public link of a published article: a page of the sandbox."""
    return f"{base_url}/_sandbox/{account}/articles/{article_id}/{idx}"


def create_article(
    state: State, job: dict[str, Any], source: str, now: float, deleted: bool
) -> dict[str, Any]:
    """Store the articles a publish job or mass send made public; return the record.

    Its time is when the job ended (due_at), not when the sandbox noticed: a publisher
    reconciling an unknown submit matches update_time against its submit time (§2.8)."""
    now = min(now, job["due_at"])
    article_id = random_id(length=44)
    items = [
        {
            **a,
            "url": article_url(job["base_url"], job["account"], article_id, i),
            "is_deleted": deleted,
        }
        for i, a in enumerate(job["articles"], 1)
    ]
    record = {
        "article_id": article_id,
        "account": job["account"],
        "source": source,
        "msg_data_id": str(job.get("msg_data_id", "")),  # datacube's msgid is <this>_<idx>
        "items": items,
        "create_time": int(now),
        "update_time": int(now),
    }
    state.set_json(Keys.article(article_id), record)
    if source == "publish":
        state.redis.zadd(Keys.articles(job["account"]), {article_id: state.newest(now)})
    return record


def submit(call: Call) -> dict:
    """freepublish/submit {media_id}: accept the job; its outcome comes later, pushed and polled."""
    media_id = field_str(call.json(), "media_id", missing=40007)
    draft = drafts.load(call.state, call.acct.id, media_id)
    if draft is None:
        raise ApiError(40007)
    settings = call.state.settings(call.acct.id)
    publish_id, msg_data_id = str(call.state.next_id()), str(call.state.next_id())
    _hold(call, media_id, publish_id)
    status = settings.publish_status
    # fail_idx names articles of this draft (from 1): an index it does not have is dropped.
    count = len(draft["articles"])
    wanted = [i for i in settings.fail_idx if i <= count]
    fail_idx = (wanted or [1]) if status in WITH_FAIL_IDX else []
    call.state.set_json(
        Keys.job(publish_id),
        {
            "publish_id": publish_id,
            "msg_data_id": msg_data_id,
            "account": call.acct.id,
            "media_id": media_id,
            "articles": draft["articles"],
            "submitted_at": call.now,
            "due_at": call.now + settings.publish_delay,
            "outcome": status,
            "fail_idx": fail_idx,
            "base_url": call.base_url,
            "settled": False,
        },
    )
    call.state.schedule(f"publish:{publish_id}", call.now + settings.publish_delay)
    return ok(publish_id=publish_id, msg_data_id=msg_data_id)


def _hold(call: Call, media_id: str, publish_id: str) -> None:
    """One pending job per draft: a second submit while the first is publishing is refused.

    §2.1 "上传到草稿箱中的素材被群发或发布后，该素材将从草稿箱中移除": once published the draft is
    gone (40007), so it is never published twice. While its job is pending the sandbox keeps the
    draft in the box (draft/get and batchget still show it; a failed job leaves it to be fixed)
    and answers a second submit 53503 (§2.3 该草稿未通过发布检查). WeChat does not document this
    case: our reading (docs/sandbox.md), so a publisher must not count on it."""
    key = Keys.draft_publishing(media_id)
    if not call.state.redis.set(key, publish_id, nx=True, ex=RETENTION):
        pending = (call.state.redis.get(key) or b"").decode()
        raise ApiError(53503, f"draft is already being published: publish_id {pending}")


def settle(state: State, config: Config, publish_id: str, now: float) -> dict[str, Any] | None:
    """Finish a due job once: make its article, empty the draft, render its PUBLISHJOBFINISH."""
    job, mine = state.take_due(Keys.job(publish_id), now)
    if not mine:
        return job
    status, article_id, urls = job["outcome"], "", []
    if status in WITH_ARTICLE:
        article = create_article(state, job, "publish", now, deleted=status != 0)
        article_id, urls = article["article_id"], [i["url"] for i in article["items"]]
        drafts.remove(state, job["account"], job["media_id"])
    else:  # failed (2, 3, 4): the draft stays in the box and may be submitted again
        state.redis.delete(Keys.draft_publishing(job["media_id"]))
    account = config.accounts[job["account"]]
    xml = publish_job_finish_xml(
        account, publish_id, status, article_id, urls, job["fail_idx"], int(now)
    )
    job.update(
        settled=True, status=status, article_id=article_id, finished_at=now, event_xml=xml.decode()
    )
    state.set_json(Keys.job(publish_id), job)
    return job


def _article(call: Call, article_id: str) -> dict[str, Any]:
    record = call.state.get_json(Keys.article(article_id)) if article_id else None
    if record is None or record["account"] != call.acct.id or record["source"] != "publish":
        raise ApiError(53600)
    return record


def get(call: Call) -> dict:
    """freepublish/get {publish_id}: 1 while publishing, then the outcome (5 once all deleted)."""
    publish_id = field_str(call.json(), "publish_id", missing=53502)
    job = call.state.get_json(Keys.job(publish_id))
    if job is None or job["account"] != call.acct.id:
        raise ApiError(53502)
    job = settle(call.state, call.config, publish_id, call.now) or job
    if not job["settled"]:
        return ok(publish_id=publish_id, publish_status=PUBLISHING, fail_idx=[])
    status, body = job["status"], {}
    if job["article_id"]:
        items = _article(call, job["article_id"])["items"]
        if status == 0 and all(i["is_deleted"] for i in items):
            status = 5
        body = {
            "article_id": job["article_id"],
            "article_detail": {
                "count": len(items),
                "item": [{"idx": n, "article_url": i["url"]} for n, i in enumerate(items, 1)],
            },
        }
    return ok(publish_id=publish_id, publish_status=status, **body, fail_idx=job["fail_idx"])


def _news_items(record: dict[str, Any], no_content: bool = False) -> list[dict[str, Any]]:
    return drafts.news_items(record["items"], no_content)


def getarticle(call: Call) -> dict:
    """freepublish/getarticle {article_id} -> {news_item: [...]}."""
    return ok(
        news_item=_news_items(_article(call, field_str(call.json(), "article_id", missing=53600)))
    )


def batchget(call: Call) -> dict:
    """freepublish/batchget {offset, count, no_content}: published articles, newest first."""
    offset, number, no_content = drafts.page_args(call)
    key = Keys.articles(call.acct.id)
    items = []
    for article_id in call.state.redis.zrevrange(key, offset, offset + number - 1):
        record = call.state.get_json(Keys.article(article_id.decode()))
        if record:
            items.append(
                {
                    "article_id": record["article_id"],
                    "update_time": record["update_time"],
                    "content": {
                        "news_item": _news_items(record, no_content),
                        "create_time": record["create_time"],
                        "update_time": record["update_time"],
                    },
                }
            )
    return {"total_count": call.state.redis.zcard(key), "item_count": len(items), "item": items}


def delete(call: Call) -> dict:
    """freepublish/delete {article_id, index}: 0 (or none) deletes all, else the n-th (from 1)."""
    data = call.json()
    record = _article(call, field_str(data, "article_id", missing=53600))
    index = field_int(data, "index", 0)
    if not 0 <= index <= len(record["items"]):
        raise ApiError(40035, f"index must be 0 (all) to {len(record['items'])}")
    for n, item in enumerate(record["items"], 1):
        if index in (0, n):
            item["is_deleted"] = True
    record["update_time"] = int(call.now)
    call.state.set_json(Keys.article(record["article_id"]), record)
    return ok()


ENDPOINTS = [
    Endpoint("freepublish/submit", "POST", submit),
    Endpoint("freepublish/get", "POST", get),
    Endpoint("freepublish/getarticle", "POST", getarticle),
    Endpoint("freepublish/batchget", "POST", batchget),
    Endpoint("freepublish/delete", "POST", delete),
]
