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


def message_xml(account: Account, openid: str, msg_type: str, fields: dict[str, str | int],
                create_time: int | None = None, original_id: str | None = None) -> bytes:
    """Render a push's inner XML (ToUserName is the account's original id, gh_…)."""
    head = (element("ToUserName", original_id or f"gh_{account.appid[2:14]}")
            + element("FromUserName", openid)
            + element("CreateTime", create_time if create_time is not None else int(time.time()))
            + element("MsgType", msg_type))
    return f"<xml>{head}{''.join(element(k, v) for k, v in fields.items())}</xml>".encode()


def text_xml(account: Account, openid: str, content: str, msg_id: str | None = None,
             create_time: int | None = None) -> bytes:
    """A follower's text message."""
    return message_xml(account, openid, "text", {"Content": content, "MsgId": int(msg_id or next_msg_id())},
                       create_time)


def sign_push(account: Account, xml: bytes, *, encrypt: bool | None = None, timestamp: int | None = None,
              nonce: str | None = None, openid: str = "") -> Push:
    """Sign (and, for accounts with an EncodingAESKey, encrypt) a push as WeChat does."""
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
    body = f"<xml>{element('ToUserName', 'gh_' + account.appid[2:14])}{element('Encrypt', encrypted)}</xml>"
    return Push(query, body.encode())
