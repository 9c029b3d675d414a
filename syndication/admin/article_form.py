"""The editors' article form: what was typed and uploaded, checked as the API checks it.

A form that fails keeps everything: the text as typed, and the files already uploaded, carried
back in hidden fields (a browser cannot refill a file input), so nothing is stored on error and
nothing has to be chosen again.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from bot import ZONE
from bot.config import Config
from syndication import articles, checks, content, sources
from syndication.admin import intake
from syndication.articles import Article
from syndication.sources import ArticleInput, Loader

WHERE = "表单"
FORMATS = {"markdown": "Markdown", "html": "HTML（粘贴的富文本）"}
TEXTS = ("title", "author", "digest", "source_url")
#: The lint's one-click fixes (actions of the form's buttons), applied to every text field.
FIXES = {
    "strip_pinyin": checks.strip_pinyin_annotations,
    "to_simplified": checks.to_simplified,
}
FIXED_FIELDS = ("title", "author", "digest", "body")
_BLOB = re.compile(r"csj-blob:([0-9a-f]{64})")


@dataclass
class ArticleForm:
    """The form's fields as typed (publish_at as the datetime-local input gives it)."""

    title: str = ""
    author: str = ""
    digest: str = ""
    source_url: str = ""
    body: str = ""
    body_format: str = "markdown"
    accounts: tuple[str, ...] = ()
    publish_at: str = ""
    cover: tuple[str, bytes] | None = None  # uploaded now, or kept from the last submit
    images: dict[str, bytes] = field(default_factory=dict)  # the name the body uses -> bytes
    new_cover: bool = False  # a cover came with this form (an edit keeps the stored one)
    new_images: bool = False

    def meta(self) -> dict[str, Any]:
        """The front-matter fields, as sources.build_input reads them."""
        texts = {name: getattr(self, name) for name in TEXTS}
        return {**texts, "accounts": list(self.accounts), "publish_at": self.publish_at}

    def kept_cover(self) -> str:
        """The cover for the hidden field: JSON [name, base64], or ""."""
        if self.cover is None or not self.new_cover:
            return ""
        return json.dumps([self.cover[0], base64.b64encode(self.cover[1]).decode()])

    def kept_images(self) -> str:
        """The uploaded images for the hidden field: JSON {name: base64}, or ""."""
        if not self.images or not self.new_images:
            return ""
        return json.dumps({n: base64.b64encode(d).decode() for n, d in self.images.items()})


def fix(form: ArticleForm, action: str) -> ArticleForm:
    """The form with one of FIXES applied to its title, author, digest and body."""
    change = FIXES[action]
    return replace(form, **{name: change(getattr(form, name)) for name in FIXED_FIELDS})


def fixes_for(form: ArticleForm) -> list[str]:
    """The FIXES that would change something in the form."""
    texts = [getattr(form, name) for name in FIXED_FIELDS]
    return [action for action, change in FIXES.items() if any(change(t) != t for t in texts)]


def blank(config: Config) -> ArticleForm:
    """A new article's form: every account that carries the column ticked."""
    return ArticleForm(accounts=articles.default_accounts(config))


def from_request(form: MultiDict, files: MultiDict) -> ArticleForm:
    """The form as submitted: typed fields, new uploads, and uploads kept from before."""
    cover = _upload(files.get("cover")) or _kept_cover(form.get("kept_cover", ""))
    images = _kept_images(form.get("kept_images", ""))
    images |= dict(filter(None, (_upload(f) for f in files.getlist("images"))))
    return ArticleForm(
        **{name: form.get(name, "").strip() for name in TEXTS},
        body=form.get("body", "").replace("\r\n", "\n"),
        body_format=form.get("body_format", "markdown"),
        accounts=tuple(form.getlist("accounts")),
        publish_at=form.get("publish_at", "").strip(),
        cover=cover,
        images=images,
        new_cover=cover is not None,
        new_images=bool(images),
    )


def _upload(upload: FileStorage | None) -> tuple[str, bytes] | None:
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(sources.MAX_IMAGE_BYTES + 1)


def _kept_cover(raw: str) -> tuple[str, bytes] | None:
    try:
        name, data = json.loads(raw) if raw else ("", "")
        return (str(name), base64.b64decode(data, validate=True)) if data else None
    except (ValueError, TypeError, binascii.Error):
        return None  # altered by hand: as if nothing had been kept


def _kept_images(raw: str) -> dict[str, bytes]:
    try:
        found = json.loads(raw) if raw else {}
        return {str(n): base64.b64decode(d, validate=True) for n, d in found.items()}
    except (ValueError, TypeError, AttributeError, binascii.Error):
        return {}


def from_article(article: Article) -> ArticleForm:
    """An edit form filled with the stored article (its cover and images stay unless replaced)."""
    return ArticleForm(
        **{name: getattr(article, name) for name in TEXTS},
        body=article.body,
        body_format=article.body_format,
        accounts=article.accounts,
        publish_at=local_time(article.publish_at),
    )


def local_time(ts: float | None) -> str:
    """The datetime-local input's value (Asia/Shanghai), or "" for "as soon as possible"."""
    return "" if ts is None else datetime.fromtimestamp(ts, ZONE).strftime("%Y-%m-%dT%H:%M")


def to_input(form: ArticleForm, load: Loader | None = None) -> ArticleInput:
    """Check the form as the API checks a request; ArticleError lists every problem."""
    too_big = [
        f"{WHERE}：{name} 超过 {sources.MAX_IMAGE_BYTES // 1024 // 1024} MB"
        for name, data in ([form.cover] if form.cover else []) + list(form.images.items())
        if len(data) > sources.MAX_IMAGE_BYTES
    ]
    return intake.build(
        form.meta(),
        form.body,
        form.body_format,
        form.cover,
        form.images,
        too_big,
        where=WHERE,
        load=load,
    )


def stored_images(redis: Any, article: Article) -> dict[str, bytes]:
    """The stored article's body images by the names its body uses (for an edit's render).

    Images are stored by SHA-256; the body names them. Both list each image once, in order of
    appearance, so they line up, unless an image was dropped (an SVG): then none are given and
    the editor is asked to upload them again.
    """
    refs = content.image_refs(article.body, article.body_format)
    shas = list(dict.fromkeys(_BLOB.findall(article.html)))
    if len(refs) != len(shas):
        return {}
    return {ref: articles.blob(redis, sha) for ref, sha in zip(refs, shas, strict=True)}


def with_stored(redis: Any, form: ArticleForm, article: Article) -> ArticleForm:
    """The form with the stored cover and images filling in what it did not upload (an edit)."""
    cover = form.cover or ("当前封面", articles.blob(redis, article.cover))
    return replace(form, cover=cover, images={**stored_images(redis, article), **form.images})


def changes(before: Article, data: ArticleInput, form: ArticleForm) -> dict[str, Any]:
    """What an edit changes, for review.edit: only the fields that differ."""
    out: dict[str, Any] = {
        n: getattr(data, n) for n in TEXTS if getattr(data, n) != getattr(before, n)
    }
    if data.accounts != before.accounts:
        out["accounts"] = data.accounts
    if data.publish_at != before.publish_at:
        out["publish_at"] = data.publish_at
    if form.new_images or (data.body, data.body_format) != (before.body, before.body_format):
        out |= {"body": data.body, "body_format": data.body_format, "images": data.images}
    if form.new_cover:
        out |= {"cover": data.cover, "cover_name": data.cover_name}
    return out
