"""POST /api/posts (queue a column article), GET /api/posts and /api/posts/<id> (docs/api.md).

For other systems: every request carries `Authorization: Bearer <[syndication] api_token>`;
an empty token turns the API off. Errors are JSON {"errors": [...]} listing every problem, and
nothing is stored unless the whole article is good.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, current_app, request

from syndication import actions, articles, audit, review, sources
from syndication.admin import intake
from syndication.articles import STATE_NAMES, ArticleError
from syndication.sources import ArticleInput

bp = Blueprint("posts", __name__, url_prefix="/api/posts")

#: The whole request: a cover and a few images of up to 10 MB each (the app's default is 2 MB,
#: for forecasts; this raises it for these routes only).
MAX_REQUEST_BYTES = 32 * 1024 * 1024
MAX_META_BYTES = 2 * 1024 * 1024  # the `meta` form field: fields and the body text
MAX_FILE_BYTES = sources.MAX_IMAGE_BYTES
WHERE = "请求"


class TooLarge(ArticleError):
    """One file is over MAX_FILE_BYTES (413, not 400)."""


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


def _json(data: Any, status: int, **headers: str) -> Response:
    body = json.dumps(data, ensure_ascii=False)
    return Response(body, status, headers, mimetype="application/json")


def _errors(problems: list[str], status: int, **headers: str) -> Response:
    return _json({"errors": problems}, status, **headers)


@bp.before_request
def _guard() -> Response | None:
    """Check the token from the headers alone, before any of the body is read."""
    request.max_content_length = MAX_REQUEST_BYTES
    request.max_form_memory_size = MAX_META_BYTES
    token = _ext()["config"].syndication.api_token
    if not token:
        return _errors(["接口未开启：请在配置中设置 [syndication] api_token"], 403)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="csj"'}
    if scheme.lower() != "bearer" or not given.strip():
        return _errors(["缺少令牌：请加上 Authorization: Bearer <令牌>"], 401, **challenge)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _errors(["令牌不正确"], 401, **challenge)
    return None


@bp.errorhandler(413)
def _too_large(error: Exception) -> Response:
    limit = MAX_REQUEST_BYTES // 1024 // 1024
    return _errors([f"请求太大（最多 {limit} MB，每张图片最多 10 MB）"], 413)


@bp.post("")
def create() -> Response:
    """Queue an article sent as JSON (base64 images) or multipart (`meta` + files)."""
    ext = _ext()
    try:
        data, by = _read_request()
        article = review.create(ext["redis"], ext["config"], data, by, ext["clock"]())
    except TooLarge as exc:
        return _errors(exc.problems, 413)
    except ArticleError as exc:
        return _errors(exc.problems, 400)
    body = review.as_dict(article, ext["config"])
    return _json(body, 201, Location=f"{request.base_url}/{article.id}")


def _read_request() -> tuple[ArticleInput, str]:
    """The article and the person acting, from either request shape."""
    if request.mimetype == "multipart/form-data":
        meta = _multipart_meta()
        cover = request.files.get("cover")
        files = {f.filename or "": _sized(f.read(), f.filename or "") for f in _images()}
        upload = (cover.filename or "cover", _sized(cover.read(), "cover")) if cover else None
        return _build(meta, upload, files, [])
    if request.mimetype == "application/json":
        return _from_json(request.get_json(silent=True))
    raise ArticleError(["Content-Type 应为 application/json 或 multipart/form-data"])


def _images() -> list[Any]:
    return [f for f in request.files.getlist("images") if f.filename]


def _multipart_meta() -> dict[str, Any]:
    raw = request.form.get("meta")
    if raw is None and "meta" in request.files:
        raw = request.files["meta"].read().decode("utf-8", "replace")
    if raw is None:
        raise ArticleError(["缺少 meta 部分（JSON：title、author、digest、body 等）"])
    return _object(_parse_json(raw))


def _parse_json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ArticleError([f"meta 不是有效的 JSON（{exc}）"]) from None


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArticleError(["请求内容应为一个 JSON 对象（字段: 值）"])
    return value


def _from_json(payload: Any) -> tuple[ArticleInput, str]:
    """JSON: `cover` is base64 (or a URL); `images` maps each reference to base64."""
    meta = _object(payload)
    problems: list[str] = []
    files = {
        name: _decoded(value, f"images 中的 {name}", problems)
        for name, value in _mapping(meta.pop("images", None) or {}, problems).items()
    }
    cover = meta.get("cover")
    upload = None
    if isinstance(cover, str) and cover and not sources.is_url(cover):
        upload = ("cover", _decoded(meta.pop("cover"), "cover", problems))
    return _build(meta, upload, files, problems)


def _mapping(value: Any, problems: list[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        problems.append(f'{WHERE}：images 应为 {{"正文里写的文件名": "base64"}} 形式的对象')
        return {}
    return value


def _decoded(value: Any, label: str, problems: list[str]) -> bytes:
    text = value.split(",", 1)[1] if isinstance(value, str) and value.startswith("data:") else value
    try:
        data = base64.b64decode(text, validate=True) if isinstance(text, str) else None
    except (binascii.Error, ValueError):
        data = None
    if data is None:
        problems.append(f"{WHERE}：{label} 不是有效的 base64")
        return b""
    return _sized(data, label)


def _sized(data: bytes, name: str) -> bytes:
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge([f"{WHERE}：{name} 超过 {MAX_FILE_BYTES // 1024 // 1024} MB"])
    return data


def _build(
    meta: dict[str, Any],
    cover: tuple[str, bytes] | None,
    files: Mapping[str, bytes],
    problems: list[str],
) -> tuple[ArticleInput, str]:
    """Check every field at once (intake.build), with the problems found so far."""
    by = _person(meta.pop("by", None), problems)
    body, body_format = meta.pop("body", None), meta.pop("body_format", "markdown")
    return intake.build(meta, body, body_format, cover, files, problems, where=WHERE), by


def _person(field: Any, problems: list[str]) -> str:
    """The person acting: the `by` field, else the X-CSJ-User header (UTF-8, may be %-encoded)."""
    if isinstance(field, str) and field.strip():
        return field.strip()
    header = request.headers.get("X-CSJ-User", "")
    try:
        header = header.encode("latin-1").decode("utf-8")  # raw UTF-8 arrives as latin-1
    except UnicodeError:
        pass
    name = unquote(header).strip()
    if not name:
        problems.append("缺少操作人：请在 X-CSJ-User 请求头或 by 字段写明是谁在操作")
    return name


@bp.get("")
def list_posts() -> Response:
    """Articles, newest first: ?state=… and ?limit=… (at most 200)."""
    ext = _ext()
    state = request.args.get("state") or None
    if state is not None and state not in STATE_NAMES:
        return _errors([f"state 应为 {'、'.join(STATE_NAMES)} 之一"], 400)
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= 200:
        return _errors(["limit 应为 1 到 200 的整数"], 400)
    found = review.newest(ext["redis"], state, int(limit))
    return _json([review.as_dict(a, ext["config"]) for a in found], 200)


@bp.get("/<article_id>")
def show(article_id: str) -> Response:
    """One article with its body, HTML and audit trail."""
    ext = _ext()
    article = articles.load(ext["redis"], article_id)
    if article is None:
        return _errors([f"没有编号为 {article_id} 的文章"], 404)
    data = review.as_dict(article, ext["config"], full=True)
    data["audit"] = [
        {"at": review.iso_time(e.at), "by": e.by, "action": e.action, "detail": e.detail}
        for e in audit.entries(ext["redis"], article=article_id)
    ]
    data["publications"] = actions.publications_dict(ext["redis"], article)
    return _json(data, 200)
