"""POST /api/forecasts (import) and GET /api/forecasts/latest for the admin UI."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from bot import ZONE
from bot.forecast.importer import ImportRejected
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import import_forecast, summary
from syndication import forecast_uploads
from syndication.admin import auth

bp = Blueprint("forecasts", __name__, url_prefix="/api/forecasts")


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


def _json(data: Any, status: int) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


@bp.before_request
def _guard() -> Response | None:
    """A signed-in session (with X-CSRF-Token) or the API's bearer token."""
    return auth.api_guard()


@bp.post("")
def upload() -> Response:
    """Import a forecast sent as a multipart file, or as a CSV or JSON body."""
    ext = _ext()
    data, filename = _payload()
    if not data:
        return _problem("没有收到文件", 400)
    now = datetime.fromtimestamp(ext["clock"](), ZONE)
    try:
        result = import_forecast(
            ext["redis"],
            data,
            now,
            filename=filename,
            accounts=ext["config"].accounts.values(),
            uploader=ext["uploader"],
        )
    except ImportRejected as rejected:
        return _json({"problems": [p.to_dict() for p in rejected.problems]}, 422)
    by = g.user.name if g.user is not None else "api-token"
    forecast_uploads.record_import(
        ext["redis"], by, result.issue, ext["clock"](), via="api", filename=filename
    )
    body = {
        **summary(result.issue),
        "is_latest": result.is_latest,
        "media_ready": sorted(result.media),
    }
    return _json(body, 201)


def _problem(message: str, status: int) -> Response:
    """One problem with the whole upload, in the shape the import's problems have."""
    problem = {"line": None, "column": None, "message": message, "text": f"文件：{message}"}
    return _json({"problems": [problem]}, status)


def too_large(error: Exception) -> Response:
    """Past MAX_CONTENT_LENGTH: the same JSON problem list, not an HTML error page (the
    forecast pages answer with their page and the problem)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    if request.path.startswith("/forecasts"):
        from syndication.admin import forecast_pages

        return forecast_pages.too_large_page(limit)
    return _problem(f"文件太大（最多 {limit} MB）", 413)


def _payload() -> tuple[bytes, str]:
    upload_file = request.files.get("file")
    if upload_file is not None:
        return upload_file.read(), upload_file.filename or ""
    name = ".json" if request.mimetype == "application/json" else ""
    return request.get_data(), name


@bp.get("/latest")
def latest() -> Response:
    """The forecast followers get now, with its rows."""
    issue = ForecastRepo(_ext()["redis"]).latest()
    if issue is None:
        return _json({"error": "no forecast imported yet"}, 404)
    rows = [r.to_dict() | {"level": r.level_text} for r in issue.rows]
    return _json(
        {**summary(issue), "summary": issue.summary, "health_tip": issue.health_tip, "rows": rows},
        200,
    )
