"""Article HTML: cleaned as WeChat cleans it on draft/add, and sanitised for the sandbox's pages."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

from markupsafe import Markup

# Elements removed with everything inside ("此处会去除JS").
DROPPED = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "source"}
# What the sandbox's article page shows; anything else is unwrapped to its text.
DISPLAY_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "span",
    "section",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "img",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "pre",
    "code",
    "sup",
    "sub",
}
DISPLAY_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_SAFE_URL = re.compile(r"^(https?://|/)", re.IGNORECASE)


class _Cleaner(HTMLParser):
    """Rebuild HTML keeping what `allowed` permits; drop scripts, JS attributes, refused images."""

    def __init__(self, keep_image: Callable[[str], bool], display: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.keep_image = keep_image
        self.display = display
        self.out: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        if tag in DROPPED:
            self.dropping += 0 if closed else 1
            return
        if self.dropping or (self.display and tag not in DISPLAY_TAGS):
            return
        kept = [(k, v or "") for k, v in attrs if self._attr_ok(tag, k, v or "")]
        if tag == "img" and not self.keep_image(dict(kept).get("src", "")):
            return
        rendered = "".join(f' {k}="{html.escape(v)}"' for k, v in kept)
        self.out.append(f"<{tag}{rendered}{' /' if closed and self.display else ''}>")

    def _attr_ok(self, tag: str, name: str, value: str) -> bool:
        if name.startswith("on") or "javascript:" in value.replace(" ", "").lower():
            return False
        if self.display:
            if name not in DISPLAY_ATTRS.get(tag, set()):
                return False
            return name not in ("href", "src") or bool(_SAFE_URL.match(value))
        return True

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif not self.dropping and tag not in VOID and (not self.display or tag in DISPLAY_TAGS):
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        self.handle_data(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.handle_data(html.unescape(f"&#{name};"))


def _clean(content: str, keep_image: Callable[[str], bool], display: bool) -> str:
    cleaner = _Cleaner(keep_image, display)
    cleaner.feed(content)
    cleaner.close()
    return "".join(cleaner.out)


def clean_for_draft(content: str, keep_image: Callable[[str], bool]) -> str:
    """What WeChat stores: JS removed, images not from uploadimg filtered out, the rest as given."""
    return _clean(content, keep_image, display=False)


def sanitise(content: str) -> Markup:
    """Safe HTML for the sandbox's pages: allow-listed tags and attributes, http(s) links only."""
    return Markup(_clean(content, bool, display=True))  # an <img> whose src was unsafe goes too


def text_of(content: str) -> str:
    """The visible text of some HTML, whitespace collapsed (for the default digest)."""
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", content, flags=re.IGNORECASE | re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return " ".join(text.split())
