"""/healthz: is this process able to answer, i.e. is Redis reachable?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 with {"redis": "ok"} when Redis answers PING, else 503."""
    try:
        current_app.extensions["csj"].redis.ping()
    except RedisError as exc:
        return jsonify(status="unavailable", redis=type(exc).__name__), 503
    return jsonify(status="ok", redis="ok")
