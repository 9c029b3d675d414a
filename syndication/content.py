"""Markdown or HTML column bodies → WeChat-safe HTML (docs/wechat-article-html.md).

Both formats take one path: source → HTML → sanitiser → layout (inline styles, lists, code,
tables, figures, links → footnotes, images → csj-blob: placeholders) → sanitiser again.
Pure: the caller reads image files and fetches URLs (`image_refs` says which).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from syndication.checks import lint_body
from syndication.images import ImageError, is_animated, looks_like_svg, prepare_body_image
from syndication.layout import lay_out
from syndication.markup import image_sources, parse, serialise, source_html
from syndication.sanitise import sanitise

BLOB = "csj-blob:"
_BLOB_SRC = re.compile(r'src="csj-blob:([0-9a-f]{64})"')


@dataclass
class Rendered:
    """WeChat-ready HTML, its prepared images (sha256 → bytes), and what to tell the editor."""

    html: str
    images: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # blocking
    warnings: list[str] = field(default_factory=list)


class _Job:
    """What one render collects: prepared images, problems and warnings."""

    def __init__(self, given: Mapping[str, bytes]) -> None:
        self.given = given
        self.used: dict[str, bytes] = {}
        self.blobs: dict[str, str | None] = {}
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def blob(self, src: str) -> str | None:
        """The csj-blob: src for a reference, or None when the image cannot go out."""
        if src not in self.blobs:
            self.blobs[src] = self._prepare(src)
        return self.blobs[src]

    def _prepare(self, src: str) -> str | None:
        if not src or _dropped_image(src):
            return None  # lint_body tells the editor
        data = self.given.get(src)
        if data is None:
            self.problems.append(f"图片“{src}”没有提供文件：请上传它，或检查文件名与正文一致")
            return None
        if looks_like_svg(data):
            self.warnings.append(f"图片“{src}”是 SVG，微信无法上传，已删除：请导出为 PNG 再插入")
            return None
        try:
            prepared = prepare_body_image(data)
        except ImageError as exc:
            self.problems.append(f"图片“{src}”无法使用：{exc}")
            return None
        if is_animated(data):
            self.warnings.append(
                f"图片“{src}”是动图，正文里只显示第一帧：如需动图请在公众号后台插入"
            )
        sha = hashlib.sha256(prepared).hexdigest()
        self.used[sha] = prepared
        return BLOB + sha


def _dropped_image(src: str) -> bool:
    """References WeChat can never show: inline data: URIs and SVG files."""
    return src.lower().startswith("data:") or urlsplit(src).path.lower().endswith(".svg")


def image_refs(body: str, body_format: str) -> list[str]:
    """The image references (file names or URLs) whose bytes `render` needs, in order."""
    tree = parse(sanitise(source_html(body, body_format)))
    return [src for src in image_sources(tree) if not _dropped_image(src)]


def render(body: str, body_format: str, images: Mapping[str, bytes]) -> Rendered:
    """Turn a Markdown or HTML body into WeChat-safe HTML with csj-blob: image sources."""
    job = _Job(images)
    tree = parse(sanitise(source_html(body, body_format)))
    out = sanitise(serialise(lay_out(tree, job.blob)))
    warnings = lint_body(body, body_format) + job.warnings
    return Rendered(out, dict(sorted(job.used.items())), job.problems, warnings)


def swap_images(html_text: str, url_for: Callable[[str], str]) -> str:
    """Replace each csj-blob:SHA image source with `url_for(SHA)` (the account's uploadimg URL)."""
    return _BLOB_SRC.sub(lambda m: f'src="{html.escape(url_for(m.group(1)))}"', html_text)
