"""Article source → plain HTML, and a small element tree to rewrite it (no styling here)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

FORMATS = ("markdown", "html")
MP_HOST = "mp.weixin.qq.com"  # the only links WeChat lets an article keep
VOID = frozenset({"br", "hr", "img", "wbr", "col", "area", "source", "input", "meta", "link"})
INLINE = frozenset(
    {"a", "b", "br", "code", "del", "em", "i", "img", "s", "span", "strong", "sub", "sup", "u"}
)
# Zero-width space/joiners, word joiner, BOM, Mongolian vowel separator: pasted text has them.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u180e]")


@dataclass
class El:
    """One element: a tag, its attributes and its children (elements or text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[El | str] = field(default_factory=list)


def strip_zero_width(text: str) -> str:
    """Remove zero-width characters (they become stray breaks in WeChat's editor)."""
    return _ZERO_WIDTH.sub("", text)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Keep image references exactly as written (图1.png, not %E5%9B%BE1.png): they are the keys
    # the caller's image mapping uses. Escaping for HTML is still done by the renderer.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


_MD = _markdown()


def source_html(body: str, body_format: str) -> str:
    """The body as HTML, before any sanitising: Markdown is rendered, HTML is taken as is."""
    if body_format not in FORMATS:
        raise ValueError(f"body_format must be one of {FORMATS}, not {body_format!r}")
    body = strip_zero_width(body)
    return _MD.render(body) if body_format == "markdown" else body


class _Builder(HTMLParser):
    """Build an El tree; tolerant of unclosed tags (an end tag closes up to its opener)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = El("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = El(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(El(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(markup: str) -> El:
    """Parse an HTML fragment into a tree under a synthetic `root` element."""
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    return builder.root


def serialise(node: El | str) -> str:
    """Write a tree back as HTML (the `root` element itself is left out)."""
    if isinstance(node, str):
        return html.escape(node, quote=False)
    inner = "".join(serialise(child) for child in node.children)
    if node.tag == "root":
        return inner
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in node.attrs.items())
    return (
        f"<{node.tag}{attrs}>" if node.tag in VOID else f"<{node.tag}{attrs}>{inner}</{node.tag}>"
    )


def walk(node: El) -> Iterator[El]:
    """Every element under `node`, depth first, `node` included."""
    yield node
    for child in node.children:
        if isinstance(child, El):
            yield from walk(child)


def text_of(node: El | str) -> str:
    """The text inside a node, tags dropped."""
    if isinstance(node, str):
        return node
    return "".join(text_of(child) for child in node.children)


def image_sources(tree: El) -> list[str]:
    """The `src` of every image, in order of appearance, each once."""
    found = (el.attrs.get("src", "").strip() for el in walk(tree) if el.tag == "img")
    return list(dict.fromkeys(src for src in found if src))


def mp_link(href: str) -> str | None:
    """The https form of a WeChat article link, or None for any other link."""
    parts = urlsplit(href.strip())
    if parts.scheme.lower() in ("http", "https") and (parts.hostname or "") == MP_HOST:
        return parts._replace(scheme="https").geturl()
    return None


def is_external(href: str) -> bool:
    """An absolute web or mail address (not an #anchor, a relative path or javascript:)."""
    parts = urlsplit(href.strip())
    scheme = parts.scheme.lower()
    return (scheme in ("http", "https") and bool(parts.hostname)) or scheme == "mailto"


def shows_its_url(href: str, text: str) -> bool:
    """Whether a link's text is its address already (then no footnote is needed)."""
    href, text = href.strip(), text.strip()
    return text in (href, href.removeprefix("mailto:"))
