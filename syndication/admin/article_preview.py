"""The live preview: the form's content through the real pipeline, as WeChat will show it.

It reports what saving would report (the same checks, in the same order) and the lint's advice,
without storing anything and without downloading: an image given by URL is drawn as a grey
placeholder until the article is saved.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from functools import cache

from PIL import Image

from syndication import checks, content, images, markup, sources
from syndication.admin import article_form
from syndication.admin.article_form import ArticleForm
from syndication.articles import ArticleError
from syndication.sources import Loader

URL_NOTE = "正文里有 {n} 张网络图片，保存时才下载，预览里暂以灰色占位图显示"


@dataclass
class Preview:
    """What the preview pane shows: WeChat HTML (images inline), the cover, problems, advice."""

    html: str = ""
    cover: str = ""  # a data: URI of the prepared cover, or ""
    problems: list[str] = field(default_factory=list)  # saving would refuse these
    warnings: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)  # article_form.FIXES that apply

    def as_dict(self) -> dict[str, object]:
        return {
            "html": self.html,
            "cover": self.cover,
            "problems": self.problems,
            "warnings": self.warnings,
            "fixes": self.fixes,
        }


@cache
def placeholder() -> bytes:
    """A light grey 2.35:1 PNG standing in for an image not downloaded yet."""
    out = io.BytesIO()
    Image.new("RGB", (470, 200), (225, 228, 232)).save(out, "PNG")
    return out.getvalue()


def data_uri(data: bytes) -> str:
    """Image bytes as a data: URI (the preview is one JSON answer, no image requests)."""
    kind = "png" if data.startswith(b"\x89PNG") else "gif" if data.startswith(b"GIF") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def preview(form: ArticleForm) -> Preview:
    """Render the form's body and cover; list what saving would refuse and what to look at."""
    if form.body_format not in markup.FORMATS:
        return Preview(problems=[f"{article_form.WHERE}：body_format 应为 markdown 或 html"])
    refs = content.image_refs(form.body, form.body_format)
    given = {ref: form.images.get(ref) or placeholder() for ref in refs}
    rendered = content.render(form.body, form.body_format, given)
    html = content.swap_images(rendered.html, lambda sha: data_uri(rendered.images[sha]))
    cover, cover_notes = _cover(form.cover)
    problems = _problems(form, rendered)
    if not problems and not cover:  # saving checks the cover once the fields are good
        problems = cover_notes
    remote = sum(sources.is_url(ref) and ref not in form.images for ref in refs)
    notes = [URL_NOTE.format(n=remote)] if remote else []
    lint = checks.lint(
        form.title, form.author, form.digest, form.body, rendered.html, form.body_format
    )
    advice = rendered.warnings + lint + (cover_notes if cover else []) + notes
    fixes = article_form.fixes_for(form)
    return Preview(html, cover, problems, list(dict.fromkeys(advice)), fixes)


def _offline(names: dict[str, bytes]) -> Loader:
    """Uploaded images by name; a URL gets the placeholder instead of a download."""
    load = sources.supplied_loader(names)
    return lambda ref: placeholder() if sources.is_url(ref) else load(ref)


def _problems(form: ArticleForm, rendered: content.Rendered) -> list[str]:
    """The first round of problems saving would show: the fields, then the rendered content."""
    try:
        article_form.to_input(form, load=_offline(form.images))
    except ArticleError as exc:
        return exc.problems
    fields = checks.check_fields(
        form.title, form.author, form.digest, form.source_url, rendered.html
    )
    return list(dict.fromkeys(rendered.problems + fields))


def _cover(cover: tuple[str, bytes] | None) -> tuple[str, list[str]]:
    """The prepared cover as a data: URI with its warnings, or "" with the problem."""
    if cover is None:
        return "", ["缺少封面图片"]
    try:
        prepared = images.prepare_cover(cover[1])
    except images.ImageError as exc:
        return "", [f"封面图片 {cover[0]}：{exc}"]
    return data_uri(prepared), list(images.cover_warnings(cover[1]))
