"""datacube/*: reading and follower statistics with WeChat's date rules (wechat-datacube.md).

Served under /datacube/<name> (beside /cgi-bin/, as on api.weixin.qq.com). Each endpoint checks
the dates as the docs say: `YYYY-MM-DD` (else 61500), begin ≤ end ≤ yesterday and within the
endpoint's span (else 61501), and yesterday's data only from 08:00 Beijing time (else 61503).
The figures come from syndication.sandbox.figures, for the articles the sandbox published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response

from syndication.sandbox import figures, quotas
from syndication.sandbox.errors import ApiError
from syndication.sandbox.registry import ZONE, Call
from syndication.sandbox.state import Keys, State

READY_HOUR = 8  # "每日8点后获取前一天数据" (Beijing time)
#: name -> (longest span in days, handler).
SPANS = {
    "getarticleread": 1,
    "getarticletotaldetail": 1,  # [unconfirmed]: an SDK says 1 day; csj sends one day anyway
    "getusercumulate": 7,
    "getusersummary": 7,
}


@dataclass(frozen=True)
class Published:
    """One article the sandbox made public on an account, as datacube sees it."""

    msgid: str  # <msg_data_id>_<idx>
    day: date  # publish day (Beijing time)
    title: str
    url: str
    publish_type: int  # 0 pushed to followers (mass send), 1 not (freepublish)


def dates(call: Call, span: int) -> list[date]:
    """The days asked for, checked against the date rules; raise ApiError otherwise."""
    body = call.json()
    try:
        begin, end = (date.fromisoformat(str(body.get(k, ""))) for k in ("begin_date", "end_date"))
    except ValueError:
        raise ApiError(61500, "begin_date and end_date must be YYYY-MM-DD") from None
    now = datetime.fromtimestamp(call.now, ZONE)
    yesterday = now.date() - timedelta(days=1)
    if begin > end or end > yesterday:
        raise ApiError(61501, f"need begin_date <= end_date <= {yesterday.isoformat()}")
    if (end - begin).days + 1 > span:
        raise ApiError(61501, f"at most {span} day(s) per call")
    if end == yesterday and now.hour < READY_HOUR:
        raise ApiError(61503, f"{yesterday.isoformat()} is ready after {READY_HOUR:02d}:00")
    return [begin + timedelta(days=i) for i in range((end - begin).days + 1)]


def published(state: State, account: str) -> list[Published]:
    """Every article published on the account (freepublish and mass sends), oldest first."""
    records = [state.get_json(Keys.article(i.decode())) for i in _ids(state, account)]
    out = []
    for record in filter(None, records):
        day = datetime.fromtimestamp(record["create_time"], ZONE).date()
        kind = 0 if record["source"] == "mass" else 1
        for idx, item in enumerate(record["items"], 1):
            msgid = f"{record.get('msg_data_id', '')}_{idx}"
            out.append(Published(msgid, day, item["title"], item["url"], kind))
    return sorted(out, key=lambda p: p.day)


def _ids(state: State, account: str) -> list[bytes]:
    ids = list(state.redis.zrange(Keys.articles(account), 0, -1))
    for msg_id in state.redis.zrange(Keys.masses(account), 0, -1):
        job = state.get_json(Keys.mass(msg_id.decode())) or {}
        if job.get("article_id"):
            ids.append(job["article_id"].encode())
    return ids


def getarticleread(call: Call, days: list[date]) -> dict[str, Any]:
    """Per article read that day: read_user and its sources (articles nobody read are left out)."""
    rows = []
    for day in days:
        for art in published(call.state, call.acct.id):
            readers = figures.readers_on(art.msgid, art.day, day)
            if readers:
                detail = {"read_user": readers, "read_user_source": figures.scene_split(readers)}
                rows.append({"ref_date": day.isoformat(), "msgid": art.msgid, "detail": detail})
    return {"list": rows, "is_delay": False}


def getarticletotaldetail(call: Call, days: list[date]) -> dict[str, Any]:
    """Articles published on the days asked: totals to each stat_date of their 30-day window."""
    last = datetime.fromtimestamp(call.now, ZONE).date() - timedelta(days=1)
    if datetime.fromtimestamp(call.now, ZONE).hour < READY_HOUR:
        last -= timedelta(days=1)  # yesterday's figures are not in yet
    rows = []
    for art in published(call.state, call.acct.id):
        if art.day not in days or art.day < figures.ARTICLE_DATA_START:
            continue
        end = min(last, art.day + timedelta(days=figures.STAT_WINDOW_DAYS - 1))
        stats = [art.day + timedelta(days=i) for i in range((end - art.day).days + 1)]
        rows.append(
            {
                "ref_date": art.day.isoformat(),
                "msgid": art.msgid,
                "publish_type": art.publish_type,
                "title": art.title,
                "content_url": art.url,
                "detail_list": [_detail(art, stat) for stat in stats],
            }
        )
    return {"list": rows, "is_delay": False}


def _detail(art: Published, stat: date) -> dict[str, Any]:
    readers, sharers = figures.totals_until(art.msgid, art.day, stat)
    return {
        "stat_date": stat.isoformat(),
        "read_user": readers,
        "read_user_source": figures.scene_split(readers),
        "share_user": sharers,
        "zaikan_user": round(readers * 0.03),
        "like_user": round(readers * 0.06),
        "comment_count": round(readers * 0.005),
        "collection_user": round(readers * 0.01),
    }


def getusercumulate(call: Call, days: list[date]) -> dict[str, Any]:
    """Followers at the end of each day."""
    appid = call.acct.appid
    rows = [
        {
            "ref_date": d.isoformat(),
            "user_source": 0,
            "cumulate_user": figures.followers_on(appid, d),
        }
        for d in days
    ]
    return {"list": rows}


def getusersummary(call: Call, days: list[date]) -> dict[str, Any]:
    """New and lost followers, one row per channel per day."""
    rows = [
        {"ref_date": d.isoformat(), "user_source": source, "new_user": new, "cancel_user": cancel}
        for d in days
        for source, (new, cancel) in figures.follower_changes(call.acct.appid, d).items()
    ]
    return {"list": rows}


HANDLERS: dict[str, Callable[[Call, list[date]], dict[str, Any]]] = {
    "getarticleread": getarticleread,
    "getarticletotaldetail": getarticletotaldetail,
    "getusercumulate": getusercumulate,
    "getusersummary": getusersummary,
}


def view(name: str) -> Response:
    """POST /datacube/<name>?access_token=…: token, faults, quota, date rules, then the figures."""
    from syndication.sandbox import api, tokens

    box = api.sandbox()
    call = api._call(box)
    handler = HANDLERS.get(name)
    try:
        if handler is None:
            raise ApiError(40066, f"no API /datacube/{name} in the sandbox")
        if api.request.method != "POST":
            raise ApiError(43002)
        call.account = tokens.check_token(call, call.args.get("access_token", ""))
        early, drop = api._apply_faults(box, call.account, f"datacube/{name}")
        if early is not None:
            return early
        quotas.count(box.state, call.account.id, f"/datacube/{name}", call.day)
        result = handler(call, dates(call, SPANS[name]))  # WeChat's answer has no errcode here
    except ApiError as error:
        result, drop = error.body(), False
    response = api.json_response(result)
    if drop:
        api._drop_connection(f"datacube/{name}")
    return response
