"""Build pushes exactly as WeChat's servers do: XML, signed query, encrypted body in kind."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from bot.config import Account
from bot.wechat.crypto import MessageCipher, sign
from bot.wechat.xml import element

_msg_ids = itertools.count(secrets.randbelow(10**12) * 10**6)


def next_msg_id() -> str:
    """A fresh 64-bit-ish MsgId, unique within this process."""
    return str(next(_msg_ids))


@dataclass(frozen=True)
class Push:
    """One HTTP request as WeChat would send it."""

    query: dict[str, str]
    body: bytes

    def url(self, base: str) -> str:
        return f"{base}?{urlencode(self.query)}"


def message_xml(
    account: Account,
    openid: str,
    msg_type: str,
    fields: dict[str, str | int],
    create_time: int | None = None,
    original_id: str | None = None,
) -> bytes:
    """Render a push's inner XML (ToUserName is the account's original id, gh_…)."""
    head = (
        element("ToUserName", original_id or f"gh_{account.appid[2:14]}")
        + element("FromUserName", openid)
        + element("CreateTime", create_time if create_time is not None else int(time.time()))
        + element("MsgType", msg_type)
    )
    return f"<xml>{head}{''.join(element(k, v) for k, v in fields.items())}</xml>".encode()


def text_xml(
    account: Account,
    openid: str,
    content: str,
    msg_id: str | None = None,
    create_time: int | None = None,
) -> bytes:
    """A follower's text message."""
    return message_xml(
        account,
        openid,
        "text",
        {"Content": content, "MsgId": int(msg_id or next_msg_id())},
        create_time,
    )


def sign_push(
    account: Account,
    xml: bytes,
    *,
    encrypt: bool | None = None,
    timestamp: int | None = None,
    nonce: str | None = None,
    openid: str = "",
    compatible: bool = False,
) -> Push:
    """Sign (and, for accounts with an EncodingAESKey, encrypt) a push as WeChat does.

    compatible: 兼容模式, the body carries the plaintext fields as well as Encrypt.
    """
    encrypt = bool(account.encoding_aes_key) if encrypt is None else encrypt
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))
    query = {"signature": sign(account.token, ts, nonce), "timestamp": ts, "nonce": nonce}
    if openid:
        query["openid"] = openid
    if not encrypt:
        return Push(query, xml)
    encrypted = MessageCipher(account.encoding_aes_key, account.appid).encrypt(xml)
    query.update(encrypt_type="aes", msg_signature=sign(account.token, ts, nonce, encrypted))
    if compatible:
        return Push(query, _append(xml, element("Encrypt", encrypted)))
    to_user = element("ToUserName", "gh_" + account.appid[2:14])
    body = f"<xml>{to_user}{element('Encrypt', encrypted)}</xml>"
    return Push(query, body.encode())


def event_xml(
    account: Account,
    openid: str,
    event: str,
    fields: dict[str, str | int] | None = None,
    create_time: int | None = None,
) -> bytes:
    """An event push: subscribe, unsubscribe, CLICK (EventKey), LOCATION …"""
    return message_xml(account, openid, "event", {"Event": event, **(fields or {})}, create_time)


def voice_xml(
    account: Account,
    openid: str,
    recognition: str,
    media_id: str,
    msg_id: str | None = None,
    create_time: int | None = None,
) -> bytes:
    """A voice message with WeChat's speech recognition result."""
    return message_xml(
        account,
        openid,
        "voice",
        {
            "MediaId": media_id,
            "Format": "amr",
            "Recognition": recognition,
            "MsgId": int(msg_id or next_msg_id()),
        },
        create_time,
    )


def location_xml(
    account: Account,
    openid: str,
    lat: float,
    lng: float,
    label: str = "",
    msg_id: str | None = None,
    create_time: int | None = None,
) -> bytes:
    """A location message (the follower shares a place in the chat)."""
    return message_xml(
        account,
        openid,
        "location",
        {
            "Location_X": f"{lat:.6f}",
            "Location_Y": f"{lng:.6f}",
            "Scale": 15,
            "Label": label,
            "MsgId": int(msg_id or next_msg_id()),
        },
        create_time,
    )


def _append(xml: bytes, inner: str) -> bytes:
    """Insert nested elements before the closing </xml> (element() renders flat fields only)."""
    assert xml.endswith(b"</xml>")
    return xml[: -len(b"</xml>")] + inner.encode() + b"</xml>"


def _items(rows: list[str]) -> str:
    return "".join(f"<item>{row}</item>" for row in rows)


def publish_job_finish_xml(
    account: Account,
    publish_id: str,
    status: int,
    article_id: str,
    article_urls: list[str],
    fail_idx: list[int],
    create_time: int,
) -> bytes:
    """PUBLISHJOBFINISH from mphelper, as documented for freepublish/submit (facts doc §2.4)."""
    detail = ""
    if article_urls:
        rows = [
            element("idx", i) + element("article_url", url) for i, url in enumerate(article_urls, 1)
        ]
        detail = f"<article_detail>{element('count', len(rows))}{_items(rows)}</article_detail>"
    info = (
        element("publish_id", int(publish_id))
        + element("publish_status", status)
        + (element("article_id", article_id) if article_id else "")
        + detail
        + "".join(element("fail_idx", i) for i in fail_idx)
    )
    head = message_xml(account, "mphelper", "event", {"Event": "PUBLISHJOBFINISH"}, create_time)
    return _append(head, f"<PublishEventInfo>{info}</PublishEventInfo>")


def mass_send_job_finish_xml(
    account: Account,
    msg_id: str,
    status: str,
    counts: dict[str, int],
    article_urls: list[str],
    create_time: int,
) -> bytes:
    """MASSSENDJOBFINISH, with its counts and ArticleUrlResult (facts doc §2.5)."""
    fields: dict[str, str | int] = {
        "Event": "MASSSENDJOBFINISH",
        "MsgID": int(msg_id),
        "Status": status,
    }
    fields.update(
        {
            name: counts.get(name, 0)
            for name in ("TotalCount", "FilterCount", "SentCount", "ErrorCount")
        }
    )
    head = message_xml(account, "mphelper", "event", fields, create_time)
    urls = [
        element("ArticleIdx", i) + element("ArticleUrl", url)
        for i, url in enumerate(article_urls, 1)
    ]
    tail = (
        "<CopyrightCheckResult>"
        + element("Count", 0)
        + "<ResultList></ResultList>"
        + element("CheckState", 1)
        + "</CopyrightCheckResult>"
        + f"<ArticleUrlResult>{element('Count', len(urls))}<ResultList>{_items(urls)}</ResultList>"
        + "</ArticleUrlResult>"
    )
    return _append(head, tail)
