"""The forecast pages: upload a file, read every problem, preview the picture, then publish."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from bot import ZONE
from bot.forecast import card, media
from bot.forecast.importer import ImportRejected
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import ImportResult, check_forecast, publish_forecast, summary
from syndication import forecast_uploads as uploads
from syndication.admin.auth import allowed, role_required

bp = Blueprint("forecast_pages", __name__)

#: Editors and above (admins pass every role check).
ROLES = ("editor", "reviewer")
HISTORY = 6
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ISSUE = re.compile(r"\d{12}-[0-9a-f]{10}")
VIA_NAMES = {"web": "网页", "api": "接口", "cli": "命令行", "demo": "演示数据"}


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


@bp.get("/forecasts")
@role_required(*ROLES)
def index() -> tuple[str, int]:
    """The current forecast with its picture, the upload form, the latest imports."""
    return _index_page()


def _index_page(status: int = 200, **page: Any) -> tuple[str, int]:
    redis = _ext()["redis"]
    repo = ForecastRepo(redis)
    history = [i for i in (repo.get(n) for n in repo.history(HISTORY)) if i is not None]
    return render_template(
        "forecasts.html",
        current=repo.latest(),
        history=history,
        notes=uploads.import_notes(redis, [i.id for i in history]),
        via_names=VIA_NAMES,
        **page,
    ), status


@bp.post("/forecasts")
@role_required(*ROLES)
def upload() -> Any:
    """Check an uploaded file without publishing it: every problem, or the preview page."""
    ext = _ext()
    sent = request.files.get("file")
    data, filename = (sent.read(), sent.filename or "") if sent else (b"", "")
    if not data:
        return _index_page(400, error="请先选择要上传的预报文件（CSV 或 JSON）")
    now = ext["clock"]()
    try:
        issue = check_forecast(data, datetime.fromtimestamp(now, ZONE), filename=filename)
    except ImportRejected as rejected:
        found = list(zip(rejected.problems, uploads.excerpts(data, rejected.problems), strict=True))
        return _index_page(422, problems=found, filename=filename)
    token = uploads.stage(ext["redis"], g.user.name, issue, card.render(issue), filename, now)
    return redirect(url_for(".pending", token=token))


@bp.get("/forecasts/uploads/<token>")
@role_required(*ROLES)
def pending(token: str) -> tuple[str, int]:
    """A checked upload: its summary and picture, and the publish button."""
    found = _load(token)
    if found is None:
        return _index_page(404, error=uploads.EXPIRED)
    current = ForecastRepo(_ext()["redis"]).latest()
    return render_template(
        "forecast_upload.html",
        upload=found,
        info=summary(found.issue),
        current=current,
    ), 200


@bp.get("/forecasts/uploads/<token>/picture.png")
@role_required(*ROLES)
def pending_picture(token: str) -> Response:
    """The checked upload's "一图可见" picture, as followers would get it."""
    png = uploads.picture(_ext()["redis"], g.user.name, token) if _TOKEN.fullmatch(token) else None
    if png is None:
        abort(404)
    return _png(png, "private, max-age=600")


@bp.post("/forecasts/uploads/<token>/publish")
@role_required(*ROLES)
def publish(token: str) -> Any:
    """Make the checked upload the forecast followers get (once; audited)."""
    ext = _ext()
    redis, now = ext["redis"], ext["clock"]()
    if not _TOKEN.fullmatch(token):
        return _index_page(404, error=uploads.EXPIRED)
    try:
        claimed = uploads.claim(redis, g.user.name, token, now)
    except uploads.UploadGone as gone:
        return _index_page(409, error=str(gone))
    try:
        result = publish_forecast(
            redis,
            claimed.issue,
            datetime.fromtimestamp(now, ZONE),
            accounts=ext["config"].accounts.values(),
            uploader=ext["uploader"],
        )
    except Exception:
        uploads.release(redis, g.user.name, token)  # let the user press publish again
        raise
    uploads.record_import(
        redis, g.user.name, claimed.issue, now, via="web", filename=claimed.filename
    )
    _say_published(result)
    return redirect(url_for(".index"))


def _say_published(result: ImportResult) -> None:
    """Tell the user what publishing did, including accounts whose picture upload failed."""
    if not result.is_latest:
        flash("已保存，但一份发布时间更晚的预报仍在使用，粉丝收到的仍是那一份", "warning")
        return
    flash("已发布：粉丝现在询问空气质量预报时，收到的就是这份预报", "ok")
    accounts = _ext()["config"].accounts
    if _ext()["uploader"] is None:
        return
    missing = [a.name for a in accounts.values() if a.id not in result.media]
    if missing:
        flash(
            f"以下账号的预报图暂未上传成功，暂以文字回复（稍后自动重试）：{'、'.join(missing)}",
            "warning",
        )


@bp.get("/forecasts/issues/<issue_id>/picture.png")
@role_required(*ROLES)
def issue_picture(issue_id: str) -> Response:
    """A stored issue's picture (the current one, or one from the history)."""
    redis = _ext()["redis"]
    issue = ForecastRepo(redis).get(issue_id) if _ISSUE.fullmatch(issue_id) else None
    if issue is None:
        abort(404)
    return _png(media.card_bytes(redis, issue), "private, max-age=86400")


def _load(token: str) -> uploads.Pending | None:
    if not _TOKEN.fullmatch(token):
        return None
    return uploads.load(_ext()["redis"], g.user.name, token)


def _png(data: bytes, cache: str) -> Response:
    return Response(data, mimetype="image/png", headers={"Cache-Control": cache})


def too_large_page(limit_mb: int) -> Any:
    """An upload past the size limit, on the page (the API answers JSON instead)."""
    if not allowed(g.get("user"), ROLES):
        return Response(f"文件太大（最多 {limit_mb} MB）", 413, mimetype="text/plain")
    return _index_page(413, error=f"文件太大（最多 {limit_mb} MB）：一周的预报通常只有几十 KB")

