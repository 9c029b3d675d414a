"""Passive replies (被动回复) and their XML."""

from __future__ import annotations

from dataclasses import dataclass

from bot.wechat.xml import element

# "直接回复success … 微信服务器不会对此作任何处理，并且不会发起重试"
SUCCESS = b"success"


@dataclass(frozen=True)
class Reply:
    """Base: a reply knows its WeChat MsgType and its own elements."""

    msg_type = ""

    def body(self) -> str:
        raise NotImplementedError

    def render(self, to_user: str, from_user: str, create_time: int) -> bytes:
        """Render the whole reply XML addressed back to the follower."""
        head = (
            element("ToUserName", to_user)
            + element("FromUserName", from_user)
            + element("CreateTime", create_time)
            + element("MsgType", self.msg_type)
        )
        return f"<xml>{head}{self.body()}</xml>".encode()


@dataclass(frozen=True)
class TextReply(Reply):
    content: str
    msg_type = "text"

    def body(self) -> str:
        return element("Content", self.content)


@dataclass(frozen=True)
class ImageReply(Reply):
    media_id: str
    msg_type = "image"

    def body(self) -> str:
        return f"<Image>{element('MediaId', self.media_id)}</Image>"


@dataclass(frozen=True)
class Article:
    title: str
    description: str = ""
    url: str = ""
    pic_url: str = ""


@dataclass(frozen=True)
class NewsReply(Reply):
    articles: tuple[Article, ...]
    msg_type = "news"

    def body(self) -> str:
        items = "".join(
            "<item>"
            + element("Title", a.title)
            + element("Description", a.description)
            + element("PicUrl", a.pic_url)
            + element("Url", a.url)
            + "</item>"
            for a in self.articles[:8]  # WeChat shows at most 8 (now 1) articles
        )
        return element("ArticleCount", min(len(self.articles), 8)) + f"<Articles>{items}</Articles>"


@dataclass(frozen=True)
class NoReply(Reply):
    """Answer 'success': WeChat shows nothing and does not retry."""

    def render(self, to_user: str, from_user: str, create_time: int) -> bytes:
        return SUCCESS
