"""Typed messages and events pushed by WeChat, built from the parsed XML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


class BadMessage(ValueError):
    """The XML parsed but is not a WeChat message."""


@dataclass(frozen=True)
class Message:
    """One push from WeChat: a follower's message or an event."""

    account: str
    to_user: str
    from_user: str
    create_time: int
    type: str  # text, image, voice, video, shortvideo, location, link, event (lower case)
    msg_id: str = ""
    content: str = ""
    event: str = ""  # lower case: subscribe, click, publishjobfinish …
    event_key: str = ""
    recognition: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dedupe_id(self) -> str:
        """MsgId for messages; sender + time + event for events, as WeChat recommends.

        Job-finished events also carry their own job id: two publish jobs may finish in the
        same second, and both come from the same sender (mphelper).
        """
        if self.msg_id and self.type != "event":
            return self.msg_id
        job = _publish_info(self.raw).get("publish_id", "") or self.raw.get("MsgID", "")
        return f"{self.from_user}:{self.create_time}:{self.event}:{job}"


def parse_message(data: dict[str, Any], account: str) -> Message:
    """Validate the fields every push has and build a Message."""
    missing = [name for name in REQUIRED if not _text(data.get(name))]
    if missing:
        raise BadMessage(f"missing {', '.join(missing)}")
    try:
        create_time = int(data["CreateTime"])
    except ValueError:
        raise BadMessage("CreateTime is not an integer") from None
    message = Message(
        account=account,
        to_user=_text(data["ToUserName"]),
        from_user=_text(data["FromUserName"]),
        create_time=create_time,
        type=_text(data["MsgType"]).lower(),
        msg_id=_text(data.get("MsgId")),
        content=_text(data.get("Content")),
        event=_text(data.get("Event")).lower(),
        event_key=_text(data.get("EventKey")),
        recognition=_text(data.get("Recognition")),
        raw=data,
    )
    if message.type == "event" and message.event in TYPED_EVENTS:
        TYPED_EVENTS[message.event](message)  # refuse a malformed job event before any work
    return message


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def shared_location(message: Message) -> tuple[float, float] | None:
    """(latitude, longitude) of a LOCATION message; None if missing or impossible."""
    try:
        lat, lng = (
            float(message.raw.get("Location_X", "")),
            float(message.raw.get("Location_Y", "")),
        )
    except (TypeError, ValueError):
        return None
    if not (abs(lat) <= 90 and abs(lng) <= 180):  # also NaN and inf, which would crash haversine
        return None
    return lat, lng


def _publish_info(raw: dict[str, Any]) -> dict[str, Any]:
    info = raw.get("PublishEventInfo")
    return info if isinstance(info, dict) else {}


@dataclass(frozen=True)
class PublishJobFinished:
    """PUBLISHJOBFINISH: the outcome of a freepublish/submit."""

    account: str
    publish_id: str
    publish_status: int
    article_id: str
    article_urls: tuple[str, ...]
    fail_idx: tuple[int, ...]
    create_time: int

    def to_stream(self) -> dict[str, str]:
        """Flatten for XADD; lists as JSON."""
        return {
            "type": "publishjobfinish",
            "account": self.account,
            "publish_id": self.publish_id,
            "publish_status": str(self.publish_status),
            "article_id": self.article_id,
            "article_urls": json.dumps(self.article_urls),
            "fail_idx": json.dumps(self.fail_idx),
            "create_time": str(self.create_time),
        }


@dataclass(frozen=True)
class MassSendJobFinished:
    """MASSSENDJOBFINISH: the outcome of a message/mass/sendall."""

    account: str
    msg_id: str
    status: str
    total_count: int
    filter_count: int
    sent_count: int
    error_count: int
    article_urls: tuple[str, ...]
    create_time: int

    def to_stream(self) -> dict[str, str]:
        """Flatten for XADD; lists as JSON."""
        return {
            "type": "masssendjobfinish",
            "account": self.account,
            "msg_id": self.msg_id,
            "status": self.status,
            "total_count": str(self.total_count),
            "filter_count": str(self.filter_count),
            "sent_count": str(self.sent_count),
            "error_count": str(self.error_count),
            "article_urls": json.dumps(self.article_urls),
            "create_time": str(self.create_time),
        }


def publish_job_finished(message: Message) -> PublishJobFinished:
    """Read a PUBLISHJOBFINISH event; raise BadMessage if its fields are missing."""
    info = _publish_info(message.raw)
    publish_id = _text(info.get("publish_id"))
    if not publish_id:
        raise BadMessage("PUBLISHJOBFINISH without PublishEventInfo/publish_id")
    detail = info.get("article_detail")
    items = _as_list(detail.get("item")) if isinstance(detail, dict) else []
    return PublishJobFinished(
        account=message.account,
        publish_id=publish_id,
        publish_status=_int(info.get("publish_status"), "publish_status"),
        article_id=_text(info.get("article_id")),
        article_urls=tuple(_text(i.get("article_url")) for i in items if isinstance(i, dict)),
        fail_idx=tuple(_int(i, "fail_idx") for i in _as_list(info.get("fail_idx"))),
        create_time=message.create_time,
    )


def mass_send_job_finished(message: Message) -> MassSendJobFinished:
    """Read a MASSSENDJOBFINISH event; raise BadMessage if its fields are missing."""
    raw = message.raw
    msg_id = _text(raw.get("MsgID")) or _text(raw.get("MsgId"))
    if not msg_id:
        raise BadMessage("MASSSENDJOBFINISH without MsgID")
    result = raw.get("ArticleUrlResult")
    result_list = result.get("ResultList") if isinstance(result, dict) else None
    items = _as_list(result_list.get("item")) if isinstance(result_list, dict) else []
    return MassSendJobFinished(
        account=message.account,
        msg_id=msg_id,
        status=_text(raw.get("Status")),
        total_count=_int(raw.get("TotalCount", 0), "TotalCount"),
        filter_count=_int(raw.get("FilterCount", 0), "FilterCount"),
        sent_count=_int(raw.get("SentCount", 0), "SentCount"),
        error_count=_int(raw.get("ErrorCount", 0), "ErrorCount"),
        article_urls=tuple(_text(i.get("ArticleUrl")) for i in items if isinstance(i, dict)),
        create_time=message.create_time,
    )


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadMessage(f"{name} is not an integer") from None


TYPED_EVENTS = {
    "publishjobfinish": publish_job_finished,
    "masssendjobfinish": mass_send_job_finished,
}
