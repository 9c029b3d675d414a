"""message/mass/sendall and mass/get: clientmsgid idempotency, the mass quota, MASSSENDJOBFINISH."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Config
from syndication.sandbox import drafts, quotas
from syndication.sandbox.errors import ApiError, ok
from syndication.sandbox.publish import create_article
from syndication.sandbox.pushes import mass_send_job_finish_xml
from syndication.sandbox.registry import ZONE, Call, Endpoint, field_str
from syndication.sandbox.state import RETENTION, Keys, State

# "对于认证公众号，群发接口每天可成功调用1次"; 4 a natural month (to all followers).
TO_ALL_PER_DAY, TO_ALL_PER_MONTH = 1, 4
CLIENTMSGID_BYTES = 64
CLIENTMSGID_RETRY_WAIT = 60  # 45066 before, 45065 (with the msg_id) after
FOLLOWERS = 1000  # the sandbox's pretend audience, for the counts in the finish event
SUCCESS = "send success"


def _filter(data: dict[str, Any]) -> tuple[bool, int | None]:
    target = data.get("filter")
    if not isinstance(target, dict):
        raise ApiError(47001, "filter must be an object")
    is_to_all = target.get("is_to_all", False)
    if not isinstance(is_to_all, bool):
        raise ApiError(47001, "filter.is_to_all must be true or false")
    tag_id = target.get("tag_id")
    if not is_to_all and (not isinstance(tag_id, int) or isinstance(tag_id, bool)):
        raise ApiError(40035, "filter.tag_id is required unless is_to_all")
    return is_to_all, tag_id


def _content(call: Call, data: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str, str]:
    """(msgtype, articles, text, draft media_id) of the message to send."""
    msgtype = field_str(data, "msgtype")
    body = data.get(msgtype)
    if msgtype not in ("mpnews", "text"):
        raise ApiError(40008, "the sandbox mass-sends mpnews and text")
    if not isinstance(body, dict):
        raise ApiError(47001, f"{msgtype} must be an object")
    if msgtype == "text":
        content = field_str(body, "content", missing=44004)
        return msgtype, [], content, ""
    media_id = field_str(body, "media_id", missing=40007)
    draft = drafts.load(call.state, call.acct.id, media_id)
    if draft is None:
        raise ApiError(40007)
    return msgtype, draft["articles"], "", media_id


def _clientmsgid(call: Call, data: dict[str, Any]) -> str:
    """Check the caller's idempotency key: a repeat never sends twice."""
    clientmsgid = field_str(data, "clientmsgid", required=False)
    if len(clientmsgid.encode()) > CLIENTMSGID_BYTES:
        raise ApiError(45067)
    seen = call.state.get_json(Keys.clientmsgid(call.acct.id, clientmsgid)) if clientmsgid else None
    if seen and call.now - seen["at"] < CLIENTMSGID_RETRY_WAIT:
        raise ApiError(45066)
    if seen:  # "返回数据中带有已存在的群发任务的 msgid" (§2.5); as seen on WeChat:
        # {"errcode":45065,"errmsg":"clientmsgid exist","msg_id":3147494441}
        raise ApiError(45065, msg_id=seen["msg_id"])
    return clientmsgid


def _take_quota(call: Call) -> None:
    """One to-all send a day and four a month, counted only when accepted (else 45028)."""
    state, account = call.state, call.acct.id
    month = datetime.fromtimestamp(call.now, ZONE).strftime("%Y%m")
    today = int(state.redis.hget(Keys.quota(account, call.day), "masssend#to_all") or 0)
    this_month = int(state.redis.hget(Keys.monthly(account, month), "masssend#to_all") or 0)
    if today >= quotas.limit(
        state, account, "masssend#day", TO_ALL_PER_DAY
    ) or this_month >= quotas.limit(state, account, "masssend#month", TO_ALL_PER_MONTH):
        raise ApiError(45028)
    state.redis.hincrby(Keys.quota(account, call.day), "masssend#to_all", 1)
    state.redis.hincrby(Keys.monthly(account, month), "masssend#to_all", 1)
    state.redis.expire(Keys.monthly(account, month), RETENTION)


def sendall(call: Call) -> dict:
    """message/mass/sendall: accept a mass send; MASSSENDJOBFINISH follows after the delay."""
    data = call.json()
    clientmsgid = _clientmsgid(call, data)
    is_to_all, tag_id = _filter(data)
    msgtype, articles, text, media_id = _content(call, data)
    if is_to_all:
        _take_quota(call)
    settings = call.state.settings(call.acct.id)
    msg_id, msg_data_id = call.state.next_id(), call.state.next_id()
    call.state.set_json(
        Keys.mass(str(msg_id)),
        {
            "msg_id": msg_id,
            "msg_data_id": msg_data_id,
            "account": call.acct.id,
            "msgtype": msgtype,
            "articles": articles,
            "text": text,
            "media_id": media_id,
            "is_to_all": is_to_all,
            "tag_id": tag_id,
            "clientmsgid": clientmsgid,
            "created_at": call.now,
            "due_at": call.now + settings.mass_delay,
            "outcome": settings.mass_status,
            "base_url": call.base_url,
            "settled": False,
        },
    )
    call.state.redis.zadd(Keys.masses(call.acct.id), {str(msg_id): call.now})
    if clientmsgid:
        call.state.set_json(
            Keys.clientmsgid(call.acct.id, clientmsgid), {"msg_id": msg_id, "at": call.now}
        )
    call.state.schedule(f"mass:{msg_id}", call.now + settings.mass_delay)
    return ok(msg_id=msg_id, msg_data_id=msg_data_id)


def settle(state: State, config: Config, msg_id: str, now: float) -> dict[str, Any] | None:
    """Finish a due mass send once: its article pages, the draft gone, its MASSSENDJOBFINISH."""
    job, mine = state.take_due(Keys.mass(msg_id), now)
    if not mine:
        return job
    success = job["outcome"] == SUCCESS
    urls: list[str] = []
    if success and job["articles"]:
        article = create_article(state, job, "mass", now, deleted=False)
        job["article_id"], urls = article["article_id"], [i["url"] for i in article["items"]]
    if success and job["media_id"] and job["is_to_all"]:
        drafts.remove(state, job["account"], job["media_id"])  # "后台草稿也会被自动删除"
    sent = FOLLOWERS if success else 0
    counts = {"TotalCount": FOLLOWERS, "FilterCount": FOLLOWERS, "SentCount": sent, "ErrorCount": 0}
    xml = mass_send_job_finish_xml(
        config.accounts[job["account"]], msg_id, job["outcome"], counts, urls, int(now)
    )
    job.update(settled=True, finished_at=now, event_xml=xml.decode())
    state.set_json(Keys.mass(msg_id), job)
    return job


def get(call: Call) -> dict:
    """message/mass/get {msg_id}: SENDING, then SEND_SUCCESS or SEND_FAIL."""
    data = call.json()
    msg_id = str(data.get("msg_id", ""))
    job = call.state.get_json(Keys.mass(msg_id)) if msg_id else None
    if job is None or job["account"] != call.acct.id:
        raise ApiError(40035, "unknown msg_id")
    job = settle(call.state, call.config, msg_id, call.now) or job
    status = (
        "SENDING"
        if not job["settled"]
        else "SEND_SUCCESS"
        if job["outcome"] == SUCCESS
        else "SEND_FAIL"
    )
    return ok(msg_id=job["msg_id"], msg_status=status)


ENDPOINTS = [
    Endpoint("message/mass/sendall", "POST", sendall),
    Endpoint("message/mass/get", "POST", get),
]
