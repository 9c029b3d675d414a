"""The allow-list sanitiser for article HTML (docs/wechat-article-html.md, "What this means")."""

from __future__ import annotations

import re

import nh3

TAGS = frozenset(
    "section p span br strong b em i u s del sup sub code pre blockquote h1 h2 h3 h4 h5 h6 "
    "ul ol li hr img figure figcaption table thead tbody tr th td a".split()
)
ATTRIBUTES = {"*": {"style"}, "img": {"src", "alt", "title"}, "a": {"href", "title"}}
# Removed together with everything inside: their text means nothing without them.
DROPPED = frozenset(
    "script style iframe frame frameset object embed applet noscript template head title "
    "form button select option optgroup textarea datalist svg math canvas audio video".split()
)
# csj-blob: is our own placeholder for an image that is uploaded at publish time.
URL_SCHEMES = frozenset({"http", "https", "mailto", "csj-blob"})
# WeChat keeps only inline styles, and not these ("公众号不支持 position").
_BANNED_PROPERTIES = frozenset({"position", "top", "left", "right", "bottom", "z-index"})
_BANNED_VALUES = ("var(", "expression(", "url(", "javascript:", "@import", "\\", "/*", "<")
_PROPERTY = re.compile(r"-?[a-z][a-z0-9-]*")
_IMPORTANT = re.compile(r"!\s*important", re.IGNORECASE)
# The editor drops pure black; the doc's converters use #3f3f3f instead.
_PURE_BLACK = re.compile(r"#000(000)?|black|rgba?\(\s*0\s*,\s*0\s*,\s*0\s*(,\s*1(\.0*)?\s*)?\)")
_DIV_LIKE = re.compile(r"<(/?)(?:div|article|header|footer|main|aside|nav)\b", re.IGNORECASE)
BODY_COLOUR = "#3f3f3f"


def _declaration(text: str) -> tuple[str, str] | None:
    """One `name:value` pair, cleaned, or None when WeChat would not keep it."""
    name, colon, value = text.partition(":")
    name, value = name.strip().lower(), " ".join(_IMPORTANT.sub("", value).split())
    if not colon or not value or not _PROPERTY.fullmatch(name) or name in _BANNED_PROPERTIES:
        return None
    if any(bad in value.lower() for bad in _BANNED_VALUES):
        return None
    if name == "color" and _PURE_BLACK.fullmatch(value.lower()):
        value = BODY_COLOUR
    return name, value


def parse_style(style: str) -> dict[str, str]:
    """Inline CSS as an ordered name → value mapping, without what WeChat drops."""
    pairs = (_declaration(part) for part in style.split(";"))
    return dict(pair for pair in pairs if pair)


def format_style(declarations: dict[str, str]) -> str:
    """A mapping back to compact inline CSS (`a:b;c:d`)."""
    return ";".join(f"{name}:{value}" for name, value in declarations.items())


def clean_style(style: str) -> str:
    """Inline CSS without position/offsets, !important, var(), expression(), url()."""
    return format_style(parse_style(style))


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return clean_style(value) or None
    return value


def sanitise(markup: str) -> str:
    """Allow-listed tags and attributes only; idempotent on its own output."""
    markup = _DIV_LIKE.sub(r"<\1section", markup)  # keep the block break WeChat needs
    return nh3.clean(
        markup,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
    )
