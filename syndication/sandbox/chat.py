"""The follower simulator: sends what a follower does, signed and encrypted exactly as WeChat does,
and reads the webhook's reply the way the WeChat app would show it. Used by `csj chat` and tests."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.config import Account
from bot.wechat.crypto import DecryptError, MessageCipher, decrypt_any, signature_ok
from bot.wechat.xml import XMLRefused, parse
from syndication.sandbox.pushes import Push, event_xml, location_xml, sign_push, text_xml, voice_xml

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/bmp": "bmp"}


def default_openid(account_id: str) -> str:
    """A stable, realistic-looking openid (28 characters) for the simulated follower."""
    return "o" + hashlib.sha1(f"csj-chat:{account_id}".encode()).hexdigest()[:27]


@dataclass
class ChatReply:
    """What the follower sees: text, news, image (saved to a file), nothing, or an error."""

    kind: str  # text | news | image | voice | none | error
    text: str = ""
    articles: list[dict[str, str]] = field(default_factory=list)
    media_id: str = ""
    saved: Path | None = None
    size: int = 0
    status: int = 0

    def lines(self) -> list[str]:
        """The reply as the terminal shows it (Chinese labels)."""
        if self.kind == "text":
            return [self.text]
        if self.kind == "news":
            return [
                f"【图文】{a['title']}\n  {a['description']}\n  {a['url']}".rstrip()
                for a in self.articles
            ]
        if self.kind == "image":
            where = (
                f"已保存到 {self.saved}（{self.size} 字节）"
                if self.saved
                else f"无法下载：{self.text}"
            )
            return [f"【图片】media_id {self.media_id}，{where}"]
        if self.kind == "none":
            return ["（公众号没有回复）"]
        return [f"【出错】{self.text}"]


def custom_line(message: dict[str, Any]) -> str:
    """A customer-service message as the chat shows it."""
    payload = message.get("payload") or {}
    if message.get("msgtype") == "text":
        return f"【客服消息】{payload.get('content', '')}"
    if message.get("msgtype") == "news":
        titles = "、".join(a.get("title", "") for a in payload.get("articles", []))
        return f"【客服消息·图文】{titles}"
    return f"【客服消息·{message.get('msgtype')}】"


class Follower:
    """One follower of one account, talking to a webhook URL."""

    def __init__(
        self,
        account: Account,
        webhook_url: str,
        *,
        sandbox_url: str = "",
        openid: str = "",
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        save_dir: Path | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.account = account
        self.webhook_url = webhook_url
        self.sandbox_url = sandbox_url.rstrip("/")
        self.openid = openid or default_openid(account.id)
        self.clock = clock
        self.session = session or requests.Session()
        self.save_dir = save_dir or Path("var/chat")
        self.timeout = timeout
        self.last: tuple[bytes, str] | None = None
        self.last_reply: ChatReply | None = None
        self.inbox_after = self.clock() - 0.001  # custom messages newer than this are news

    def now(self) -> int:
        """The follower's clock, in WeChat's whole seconds."""
        return int(self.clock())

    def say(self, text: str) -> ChatReply:
        """Send a text message."""
        return self._send(
            text_xml(self.account, self.openid, text, create_time=self.now()), "message"
        )

    def subscribe(self) -> ChatReply:
        """Follow the account."""
        return self._send(
            event_xml(self.account, self.openid, "subscribe", {"EventKey": ""}, self.now()),
            "subscribe",
        )

    def unsubscribe(self) -> ChatReply:
        """Unfollow the account (no window for custom messages)."""
        return self._send(
            event_xml(self.account, self.openid, "unsubscribe", {"EventKey": ""}, self.now()), ""
        )

    def click(self, key: str) -> ChatReply:
        """Tap a menu button with this EventKey."""
        return self._send(
            event_xml(self.account, self.openid, "CLICK", {"EventKey": key}, self.now()), "click"
        )

    def location(self, lat: float, lng: float, label: str = "") -> ChatReply:
        """Share a place in the chat."""
        return self._send(
            location_xml(self.account, self.openid, lat, lng, label, create_time=self.now()),
            "message",
        )

    def voice(self, recognition: str) -> ChatReply:
        """Send a voice message that WeChat recognised as `recognition`."""
        media_id = secrets.token_urlsafe(48)[:64]
        return self._send(
            voice_xml(self.account, self.openid, recognition, media_id, create_time=self.now()),
            "message",
        )

    def retry(self) -> ChatReply:
        """Resend the last push (same MsgId and CreateTime), freshly signed: WeChat's retry."""
        if self.last is None:
            self.last_reply = ChatReply("error", "还没有发过消息，无法重试")
            return self.last_reply
        # The same push again, not a new action of the follower: no new custom-message window.
        self.last_reply = self._exchange(self.last[0], "")
        return self.last_reply

    def _send(self, xml: bytes, interaction: str) -> ChatReply:
        self.last = (xml, interaction)
        self.last_reply = self._exchange(xml, interaction)
        return self.last_reply

    def _exchange(self, xml: bytes, interaction: str) -> ChatReply:
        push = sign_push(
            self.account,
            xml,
            timestamp=self.now(),
            openid=self.openid,
            compatible=not self.account.require_encryption,
        )
        try:
            response = self.session.post(
                self.webhook_url,
                params=push.query,
                data=push.body,
                headers={"Content-Type": "text/xml"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            return ChatReply(
                "error", f"连不上 {self.webhook_url}（{type(exc).__name__}）：webhook 在运行吗？"
            )
        if interaction:
            self._tell_sandbox(interaction)
        return self._read(response, push)

    def _tell_sandbox(self, kind: str) -> None:
        """Tell the sandbox the follower acted: custom messages to them are allowed (48 h rule)."""
        if not self.sandbox_url:
            return
        try:
            self.session.post(
                f"{self.sandbox_url}/_sandbox/{self.account.id}/interactions",
                json={"openid": self.openid, "kind": kind},
                timeout=2,
            )
        except requests.RequestException:
            pass  # no sandbox running: the chat still works

    def inbox(self) -> list[str]:
        """Customer-service messages the account sent this follower since the last look."""
        if not self.sandbox_url:
            return []
        url = f"{self.sandbox_url}/_sandbox/{self.account.id}/custom"
        try:
            response = self.session.get(
                url, params={"openid": self.openid, "after": self.inbox_after}, timeout=2
            )
            messages = response.json()["messages"] if response.status_code == 200 else []
        except (requests.RequestException, ValueError, KeyError):
            return []  # no sandbox running: nothing to show
        if messages:
            self.inbox_after = max(m["at"] for m in messages)
        return [custom_line(m) for m in messages]

    def _read(self, response: requests.Response, push: Push) -> ChatReply:
        if response.status_code != 200:
            return ChatReply(
                "error",
                f"HTTP {response.status_code}: {response.text.strip()[:200]}",
                status=response.status_code,
            )
        body = response.content
        if body.strip() in (b"", b"success"):
            return ChatReply("none", status=200)
        try:
            data = self._open(parse(body), push)
        except (XMLRefused, DecryptError, ValueError) as exc:
            return ChatReply("error", f"回复无法解析：{exc}", status=200)
        return self._reply_of(data)

    def _open(self, outer: dict[str, Any], push: Push) -> dict[str, Any]:
        """Check and decrypt an encrypted reply, as WeChat does; plain replies pass through."""
        if "Encrypt" not in outer:
            return outer
        encrypted, timestamp, nonce = (
            outer["Encrypt"],
            outer.get("TimeStamp", ""),
            outer.get("Nonce", ""),
        )
        if not signature_ok(
            outer.get("MsgSignature", ""), self.account.token, timestamp, nonce, encrypted
        ):
            raise ValueError("回复的 MsgSignature 不正确")
        if nonce != push.query["nonce"]:
            raise ValueError("回复的 Nonce 不是请求里的 nonce")
        ciphers = [MessageCipher(k, self.account.appid) for k in self.account.aes_keys]
        plaintext, _ = decrypt_any(ciphers, encrypted)
        return parse(plaintext)

    def _reply_of(self, data: dict[str, Any]) -> ChatReply:
        kind = data.get("MsgType", "")
        if kind == "text":
            return ChatReply("text", data.get("Content", ""), status=200)
        if kind == "news":
            items = (data.get("Articles") or {}).get("item", [])
            items = items if isinstance(items, list) else [items]
            return ChatReply(
                "news",
                articles=[
                    {
                        "title": i.get("Title", ""),
                        "description": i.get("Description", ""),
                        "url": i.get("Url", ""),
                        "pic_url": i.get("PicUrl", ""),
                    }
                    for i in items
                ],
                status=200,
            )
        if kind in ("image", "voice"):
            media_id = (data.get(kind.capitalize()) or {}).get("MediaId", "")
            return self._download(kind, media_id)
        return ChatReply("error", f"不认识的回复类型 {kind!r}", status=200)

    def _download(self, kind: str, media_id: str) -> ChatReply:
        """Fetch a reply's media from the sandbox and save it, as the phone would show it."""
        reply = ChatReply(kind, media_id=media_id, status=200)
        if not self.sandbox_url:
            reply.text = "没有沙盒地址"
            return reply
        try:
            response = self.session.get(
                f"{self.sandbox_url}/_sandbox/media/{media_id}", timeout=self.timeout
            )
        except requests.RequestException as exc:
            reply.text = type(exc).__name__
            return reply
        if response.status_code != 200:
            reply.text = f"HTTP {response.status_code}"
            return reply
        extension = EXTENSIONS.get(response.headers.get("Content-Type", "").split(";")[0], "bin")
        self.save_dir.mkdir(parents=True, exist_ok=True)
        reply.saved = self.save_dir / f"{kind}-{media_id[:16]}.{extension}"
        reply.saved.write_bytes(response.content)
        reply.size = len(response.content)
        return reply
