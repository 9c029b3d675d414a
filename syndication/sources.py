"""Read a column article: a file (front matter + Markdown or HTML) or the API's fields.

Every problem is collected, not just the first, and names the file (or request) and the field,
in Chinese: an editor fixes the file once and tries again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import requests
import yaml

from bot import ZONE
from syndication import content, markup
from syndication.articles import ArticleError

#: Front-matter fields (what `fields` may name) and what an editor calls each.
LABELS = {
    "title": "标题",
    "author": "作者",
    "digest": "摘要",
    "cover": "封面",
    "accounts": "发布账号",
    "source_url": "原文链接",
    "publish_at": "发布时间",
}
TEXT_FIELDS = ("title", "author", "digest", "cover", "source_url")
REQUIRED = ("title", "author", "cover")  # no digest: WeChat takes the opening lines
FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = 10  # seconds, per connect and per read
TIME_HINT = "格式：YYYY-MM-DD HH:MM（北京时间），或 now"


@dataclass(frozen=True)
class ArticleInput:
    """An article's raw inputs, as read (checked for shape; rendering comes later)."""

    title: str
    author: str
    digest: str
    body: str
    body_format: str  # "markdown" | "html"
    source_url: str = ""
    accounts: tuple[str, ...] | None = None  # None: every account that carries the column
    publish_at: float | None = None  # None: as soon as it may go out
    cover: bytes | None = None
    cover_name: str = ""
    images: Mapping[str, bytes] = field(default_factory=dict)  # reference in the body -> bytes
    given: frozenset[str] = frozenset()  # the front-matter fields the source named


class SourceError(ValueError):
    """One image or cover could not be had; the message says why, for a person."""


Loader = Callable[[str], bytes]


def read_markdown_file(path: str | Path) -> ArticleInput:
    """Read an article file (.md or .html with front matter); images and cover beside it."""
    path = Path(path)
    where = path.name
    body_format = FORMATS.get(path.suffix.lower())
    if body_format is None:
        raise ArticleError([f"{where}：只支持 .md 或 .html 文件"])
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError([f"{where}：找不到这个文件（{path}）"]) from None
    except OSError as exc:
        raise ArticleError([f"{where}：无法读取（{exc.strerror or exc}）"]) from None
    meta, body = split_front_matter(_decode(raw, where), where)
    return build_input(meta, body, body_format, where=where, load=local_loader(path.parent))


def _decode(raw: bytes, where: str) -> str:
    # utf-8-sig drops the BOM Windows editors add; CRLF would otherwise end up in the body.
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArticleError([f"{where}：不是 UTF-8 编码的文本（请另存为 UTF-8）"]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    """The front matter (parsed) and the body after it."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        hint = "第一行应为 ---，然后是 title、author 等字段，再以 --- 结束"
        raise ArticleError([f"{where}：开头缺少 front matter（{hint}）"])
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            meta = _parse_yaml("\n".join(lines[1:end]), where)
            return meta, "\n".join(lines[end + 1 :]).strip("\n")
    raise ArticleError([f"{where}：front matter 没有结束行 ---"])


def _parse_yaml(block: str, where: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" 第 {mark.line + 2} 行" if mark else ""  # +1: 1-based, +1: the opening ---
        detail = getattr(exc, "problem", None) or str(exc)
        raise ArticleError([f"{where}{line}：front matter 不是有效的 YAML（{detail}）"]) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ArticleError(
            [f"{where}：front matter 应是“字段: 值”的形式（半角冒号，冒号后加空格）"]
        )
    return meta


def build_input(
    meta: Mapping[Any, Any],
    body: str,
    body_format: str,
    *,
    where: str,
    load: Loader,
    cover: tuple[str, bytes] | None = None,
    images: Mapping[str, bytes] | None = None,
) -> ArticleInput:
    """Check front-matter fields and gather the cover and images; ArticleError lists every problem.

    `cover` (name, bytes already uploaded) replaces loading `meta["cover"]`; `images` are
    references already supplied; the rest are loaded with `load` (a local name or URL -> bytes).
    """
    problems: list[str] = []
    unknown = sorted(str(k) for k in meta if k not in LABELS)
    if unknown:
        known = "、".join(LABELS)
        problems.append(f"{where}：不认识的字段 {'、'.join(unknown)}（可用：{known}）")
    if cover is not None:
        meta = {**meta, "cover": cover[0]}
    texts = {name: _text(meta, name, where, problems) for name in TEXT_FIELDS}
    if body_format in markup.FORMATS:
        found = _gather(body, body_format, images or {}, load, where, problems)
    else:
        found = {}
        problems.append(f"{where}：body_format 应为 markdown 或 html")
    cover_data = cover[1] if cover is not None else None
    if cover is None and texts["cover"]:
        cover_data = _load(load, texts["cover"], f"{where}：封面 {texts['cover']}", problems)
    accounts = _accounts(meta.get("accounts"), where, problems)
    publish_at = _publish_at(meta.get("publish_at"), where, problems)
    if not body.strip():
        problems.append(f"{where}：正文是空的")
    if problems:
        raise ArticleError(problems)
    return ArticleInput(
        title=texts["title"],
        author=texts["author"],
        digest=texts["digest"],
        body=body,
        body_format=body_format,
        source_url=texts["source_url"],
        accounts=accounts,
        publish_at=publish_at,
        cover=cover_data,
        cover_name=texts["cover"],
        images=found,
        given=frozenset(str(k) for k in meta),
    )


def _text(meta: Mapping[Any, Any], name: str, where: str, problems: list[str]) -> str:
    value = meta.get(name)
    label = f"{where}：{name}（{LABELS[name]}）"
    if isinstance(value, bool) or not isinstance(value, str | int | float | date | type(None)):
        problems.append(f"{label}应为一段文字")
        return ""
    text = "" if value is None else str(value).strip()
    if not text and name in REQUIRED:
        missing = f"{where}：缺少 {name}（{LABELS[name]}）"
        problems.append(f"{label}不能为空" if name in meta else missing)
    return text


def _accounts(value: Any, where: str, problems: list[str]) -> tuple[str, ...] | None:
    try:
        return parse_accounts(value)
    except ValueError as exc:
        problems.append(f"{where}：accounts（发布账号）{exc}")
        return None


def parse_accounts(value: Any) -> tuple[str, ...] | None:
    """Account ids from a list or "sh,js"; None when not given (every column account)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
        return tuple(v for v in value if v)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("应为账号编号的列表，例如 [sh, js, zj, ah]")
    return tuple(v.strip() for v in value)


def _publish_at(value: Any, where: str, problems: list[str]) -> float | None:
    try:
        return parse_publish_at(value)
    except ValueError as exc:
        problems.append(f"{where}：publish_at（发布时间）{exc}")
        return None


def parse_publish_at(value: Any) -> float | None:
    """Epoch seconds from "YYYY-MM-DD HH:MM" (Asia/Shanghai); None for "now" or nothing."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "now", "立即")):
        return None
    if isinstance(value, datetime):  # YAML reads "2026-11-24 08:00:00" as a datetime
        return (value if value.tzinfo else value.replace(tzinfo=ZONE)).timestamp()
    if isinstance(value, str) and ":" in value:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=ZONE)).timestamp()
    raise ValueError(f"“{value}”不是有效的时间（{TIME_HINT}）")


def _gather(
    body: str,
    body_format: str,
    supplied: Mapping[str, bytes],
    load: Loader,
    where: str,
    problems: list[str],
) -> dict[str, bytes]:
    """Bytes for every image the body refers to: supplied ones first, the rest loaded."""
    found: dict[str, bytes] = {}
    for ref in content.image_refs(body, body_format):
        data = supplied.get(ref)
        if data is None:
            data = _load(load, ref, f"{where}：正文图片 {ref}", problems)
        if data is not None:
            found[ref] = data
    return found


def _load(load: Loader, ref: str, label: str, problems: list[str]) -> bytes | None:
    try:
        data = load(ref)
    except SourceError as exc:
        problems.append(f"{label}：{exc}")
        return None
    if len(data) > MAX_IMAGE_BYTES:
        problems.append(f"{label}：超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB")
        return None
    return data


def local_loader(base: Path) -> Loader:
    """Load references relative to an article file's folder; URLs are downloaded."""

    def load(ref: str) -> bytes:
        if is_url(ref):
            return fetch_url(ref)
        _refuse_scheme(ref)
        path = base / ref
        if not path.is_file():
            path = base / unquote(ref)  # markdown-it percent-encodes non-ASCII names
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"找不到文件（应放在文章旁边：{base}）") from None
        except OSError as exc:
            raise SourceError(f"无法读取（{exc.strerror or exc}）") from None

    return load


def supplied_loader(names: Mapping[str, bytes]) -> Loader:
    """Load references from uploaded files (the API); URLs are downloaded."""

    def load(ref: str) -> bytes:
        if is_url(ref):
            return fetch_url(ref)
        _refuse_scheme(ref)
        if ref in names:
            return names[ref]
        raise SourceError("没有随请求上传（文件名须与正文里写的一致）")

    return load


def is_url(ref: str) -> bool:
    return ref.lower().startswith(("http://", "https://"))


def _refuse_scheme(ref: str) -> None:
    if ref.lower().startswith("data:"):
        raise SourceError("不支持 data: 内嵌图片，请改为单独的图片文件")
    head = ref.split("/", 1)[0]
    if ":" in head and len(head.split(":", 1)[0]) > 1:  # "C:" is a drive, "ftp:" a scheme
        raise SourceError("不支持这种地址（只支持文章旁的文件或 http(s) 链接）")


def fetch_url(url: str) -> bytes:
    """Download an image (10 s timeouts, at most MAX_IMAGE_BYTES); SourceError says why not."""
    try:
        with requests.get(url, timeout=FETCH_TIMEOUT, stream=True) as response:
            response.raise_for_status()
            return _read_capped(response)
    except requests.HTTPError as exc:
        raise SourceError(f"下载失败（HTTP {exc.response.status_code}）") from None
    except requests.Timeout:
        raise SourceError(f"下载超时（{FETCH_TIMEOUT} 秒）") from None
    except requests.RequestException as exc:
        raise SourceError(f"下载失败（{type(exc).__name__}）") from None


def _read_capped(response: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise SourceError(f"超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB")
        chunks.append(chunk)
    return b"".join(chunks)
