"""The WeChat layout of sanitised article HTML: inline styles, lists, code, figures, footnotes.

WeChat keeps only inline styles and re-renders lists, code and links its own way; each handler
below turns one kind of element into the markup that survives (docs/wechat-article-html.md §2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from syndication import theme
from syndication.markup import (
    INLINE,
    El,
    is_external,
    mp_link,
    shows_its_url,
    strip_zero_width,
    text_of,
)
from syndication.sanitise import format_style, parse_style

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_NEWLINE = re.compile(r"[ \t\r]*\n[ \t\r\n]*")
_SPACES = " \t\r\n"  # not &nbsp; or 　: those an author typed on purpose
# Alt texts that editors and WeChat's own editor fill in by default: no caption beats these.
_PLACEHOLDER_ALT = re.compile(
    r"图片|图像|图|image|img|picture|photo|\S+\.(png|jpe?g|gif|webp|bmp)", re.I
)
Blob = Callable[[str], str | None]  # image reference → csj-blob: src, or None to drop it


class Notes:
    """External links, numbered once per URL, for the 引用链接 list at the end."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, str]] = {}

    def number(self, url: str, text: str) -> int:
        if url not in self.entries:
            self.entries[url] = (len(self.entries) + 1, text)
        return self.entries[url][0]

    def section(self) -> list[El | str]:
        if not self.entries:
            return []
        rows: list[El | str] = [El("p", {"style": theme.NOTES_TITLE}, ["引用链接"])]
        for url, (n, text) in self.entries.items():
            line = f"[{n}] {text}：{url}" if text and text != url else f"[{n}] {url}"
            rows.append(El("p", {"style": theme.NOTE}, [line]))
        return [El("section", {"style": theme.NOTES}, rows)]


@dataclass(frozen=True)
class _Ctx:
    blob: Blob
    notes: Notes
    depth: int = 0  # list nesting
    quote: bool = False


def lay_out(tree: El, blob: Blob) -> El:
    """A root <section> of inline-styled blocks; external links numbered in a list at the end."""
    notes = Notes()
    children = _walk(tree.children, _Ctx(blob, notes)) + notes.section()
    return El("section", {"style": theme.ROOT}, children)


def _walk(nodes: list[El | str], ctx: _Ctx, block: bool = True) -> list[El | str]:
    out: list[El | str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_fold_newlines(strip_zero_width(node)))
        else:
            out.extend(_HANDLERS.get(node.tag, _plain)(node, ctx))
    return _trim(out, block)


def _is_block(node: El | str | None) -> bool:
    return isinstance(node, El) and node.tag not in INLINE


def _trim(nodes: list[El | str], block: bool) -> list[El | str]:
    """Drop spaces beside blocks and at a block's edges: WeChat turns them into stray breaks."""
    kept: list[El | str] = []
    for i, node in enumerate(nodes):
        if isinstance(node, str):
            before = nodes[i - 1] if i else None
            after = nodes[i + 1] if i + 1 < len(nodes) else None
            if _is_block(before) or (block and before is None):
                node = node.lstrip(_SPACES)
            if _is_block(after) or (block and after is None):
                node = node.rstrip(_SPACES)
            if not node:
                continue
        kept.append(node)
    return kept


def _fold_newlines(text: str) -> str:
    """A soft line break is a space in Latin text and nothing between Chinese characters."""

    def join(match: re.Match[str]) -> str:
        left = text[match.start() - 1] if match.start() else ""
        right = text[match.end()] if match.end() < len(text) else ""
        return "" if all(not c or _CJK.match(c) for c in (left, right)) else " "

    return _NEWLINE.sub(join, text)


def _styled(node: El, css: str, *overrides: str) -> El:
    """Give `node` the theme's style; the author's own inline style wins."""
    merged = parse_style(css)
    for extra in (*overrides, node.attrs.get("style", "")):
        merged.update(parse_style(extra))
    node.attrs["style"] = format_style(merged)
    return node


def _plain(node: El, ctx: _Ctx) -> list[El | str]:
    node.children = _walk(node.children, ctx, block=node.tag not in INLINE)
    return [_styled(node, theme.STYLES[node.tag])] if node.tag in theme.STYLES else [node]


def _paragraph(node: El, ctx: _Ctx) -> list[El | str]:
    parts = [c for c in node.children if not (isinstance(c, str) and not c.strip())]
    images = [c for c in parts if isinstance(c, El) and c.tag == "img"]
    if images and all(isinstance(c, El) and c.tag in ("img", "br") for c in parts):
        return [figure for img in images if (figure := _figure(img, ctx))]
    node.children = _walk(node.children, ctx)
    if not node.children:
        return []
    return [_styled(node, theme.QUOTE_P if ctx.quote else theme.STYLES["p"])]


def _blockquote(node: El, ctx: _Ctx) -> list[El | str]:
    node.children = _walk(node.children, replace(ctx, quote=True))
    return [_styled(node, theme.STYLES["blockquote"])]


def _image(node: El, ctx: _Ctx, css: str) -> El | None:
    src = ctx.blob(node.attrs.get("src", "").strip())
    if src is None:
        return None
    kept = {k: node.attrs[k] for k in ("alt", "title") if node.attrs.get(k)}
    return _styled(El("img", {"src": src, **kept, "style": node.attrs.get("style", "")}), css)


def _figure(node: El, ctx: _Ctx) -> El | None:
    """An image on its own line: a figure, captioned from its alt text (or title)."""
    img = _image(node, ctx, theme.STYLES["img"])
    if img is None:
        return None
    caption = (img.attrs.get("alt") or img.attrs.get("title") or "").strip()
    children: list[El | str] = [img]
    if caption and not _PLACEHOLDER_ALT.fullmatch(caption):
        children.append(El("figcaption", {"style": theme.STYLES["figcaption"]}, [caption]))
    return El("figure", {"style": theme.STYLES["figure"]}, children)


def _figure_tag(node: El, ctx: _Ctx) -> list[El | str]:
    children: list[El | str] = []
    for child in node.children:
        if isinstance(child, El) and child.tag == "img":
            children.extend(filter(None, [_image(child, ctx, theme.STYLES["img"])]))
        else:
            children.extend(_walk([child], ctx))
    if not any(isinstance(c, El) and c.tag == "img" for c in children):  # its image was dropped
        return [c for c in children if not (isinstance(c, El) and c.tag == "figcaption")]
    node.children = children
    return [_styled(node, theme.STYLES["figure"])]


def _inline_image(node: El, ctx: _Ctx) -> list[El | str]:
    img = _image(node, ctx, theme.INLINE_IMG)
    return [img] if img else []


def _unwrap_paragraphs(children: list[El | str]) -> list[El | str]:
    """A list item's paragraphs as lines of one block: <p> inside <li> adds blank lines."""
    out: list[El | str] = []
    for child in children:
        if isinstance(child, El) and child.tag == "p":
            meaningful = [n for n in out if not (isinstance(n, str) and not n.strip())]
            if meaningful and not _is_block(meaningful[-1]):
                out.append(El("br"))
            out.extend(child.children)
        else:
            out.append(child)
    return out


def _list(node: El, ctx: _Ctx) -> list[El | str]:
    inner = replace(ctx, depth=ctx.depth + 1)
    items = [c for c in node.children if isinstance(c, El) and c.tag == "li"]
    if inner.depth > 2:
        return [El("section", {"style": theme.DEEP_LIST}, _rows(node.tag, items, inner))]
    nested = "list-style-type:circle" if inner.depth == 2 and node.tag == "ul" else ""
    node.children = [_item(li, inner) for li in items]
    return [_styled(node, theme.STYLES[node.tag], nested)]


def _item(li: El, ctx: _Ctx) -> El:
    content = _walk(_unwrap_paragraphs(li.children), ctx)
    li.children = [El("section", {"style": theme.LIST_ITEM}, content)]
    return _styled(li, theme.STYLES["li"])


def _rows(tag: str, items: list[El], ctx: _Ctx) -> list[El | str]:
    """Lists below the second level, as indented rows with text markers (WeChat drops them)."""
    rows: list[El | str] = []
    for n, li in enumerate(items, start=1):
        marker = f"{n}. " if tag == "ol" else "◦ "
        content = _walk(_unwrap_paragraphs(li.children), ctx)
        rows.append(El("section", {"style": theme.LIST_ITEM}, [marker, *content]))
    return rows


def _code_block(node: El, ctx: _Ctx) -> list[El | str]:
    """Code keeps its lines and spaces only as <br> and &nbsp; (the API drops \\n in <code>)."""
    lines = text_of(node).rstrip("\n").expandtabs(4).split("\n")
    body: list[El | str] = []
    for n, line in enumerate(lines):
        body.extend([El("br")] if n else [])
        body.extend([line.replace(" ", "\u00a0")] if line else [])
    span = El("span", {"style": "display:block"}, body)
    code = El("code", {"style": theme.CODE_BLOCK}, [span])
    return [El("pre", {"style": theme.STYLES["pre"]}, [code])]


def _table(node: El, ctx: _Ctx) -> list[El | str]:
    """Tables scroll sideways inside a section instead of squeezing the column."""
    return [El("section", {"style": theme.TABLE_SCROLL}, _plain(node, ctx))]


def _link(node: El, ctx: _Ctx) -> list[El | str]:
    """Keep WeChat article links; other URLs become footnotes; anchors/relative links: text."""
    href = node.attrs.get("href", "").strip()
    children = _walk(node.children, ctx, block=False)
    mp = mp_link(href)
    if mp:
        title = {"title": node.attrs["title"]} if node.attrs.get("title") else {}
        node.attrs = {"href": mp, **title, "style": node.attrs.get("style", "")}
        node.children = children
        return [_styled(node, theme.STYLES["a"])]
    text = text_of(El("span", children=children)).strip()
    if not children or not is_external(href) or shows_its_url(href, text):
        return children
    n = ctx.notes.number(href, text)
    return [*children, El("sup", {"style": theme.FOOTNOTE_REF}, [f"[{n}]"])]


_HANDLERS: dict[str, Callable[[El, _Ctx], list[El | str]]] = {
    "p": _paragraph,
    "blockquote": _blockquote,
    "ul": _list,
    "ol": _list,
    "pre": _code_block,
    "table": _table,
    "figure": _figure_tag,
    "img": _inline_image,
    "a": _link,
}
