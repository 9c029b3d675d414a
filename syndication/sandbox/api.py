"""The sandbox's Flask app: WeChat's API under /cgi-bin/, control API and pages under /_sandbox/."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request

from bot.config import Account, Config, ConfigError
from syndication.sandbox import (
    custom,
    drafts,
    faults,
    mass,
    media,
    menus,
    publish,
    pusher,
    quotas,
    tokens,
)
from syndication.sandbox.errors import ApiError
from syndication.sandbox.registry import Call, Endpoint
from syndication.sandbox.state import Settings, State

log = logging.getLogger("csj.sandbox")

ENDPOINTS: dict[str, Endpoint] = {
    e.path: e
    for module in (tokens, media, drafts, publish, mass, custom, menus, quotas)
    for e in module.ENDPOINTS
}
MAX_UPLOAD = 12 * 1024 * 1024  # above the largest media limit, so the limit answers, not a 413


@dataclass
class Sandbox:
    """What the views need, built once per app."""

    config: Config
    state: State
    clock: Callable[[], float]
    sleep: Callable[[float], None]


def sandbox() -> Sandbox:
    return current_app.extensions["csj-sandbox"]


def settings_from(config: Config) -> Settings:
    """Default job settings from the [sandbox] config section (delays: 0 to a day)."""
    for name in ("publish_delay", "mass_delay"):
        if not 0 <= getattr(config.sandbox, name) <= 86400:
            raise ConfigError(f"sandbox.{name}", "must be 0 to 86400 seconds")
    return Settings(
        publish_delay=config.sandbox.publish_delay, mass_delay=config.sandbox.mass_delay
    )


def create_app(
    config: Config,
    *,
    redis: Any,
    clock: Callable[[], float] = time.time,
    settings: Settings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Flask:
    """Build the sandbox app on a Redis client; `clock` is the sandbox's time (fake in tests)."""
    from syndication.sandbox import control, datacube, pages

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["csj-sandbox"] = Sandbox(
        config, State(redis, settings or settings_from(config)), clock, sleep
    )
    app.add_url_rule("/cgi-bin/<path:path>", "cgi", cgi, methods=["GET", "POST"])
    app.add_url_rule("/datacube/<name>", "datacube", datacube.view, methods=["GET", "POST"])
    app.register_error_handler(
        413, lambda error: json_response(ApiError(45001, "body too large").body())
    )
    app.register_error_handler(500, _internal_error)
    app.register_blueprint(control.bp)
    app.register_blueprint(pages.bp)
    return app


def _internal_error(error: Exception) -> Response:
    """A bug in the sandbox answers like WeChat's "system error", never an HTML page."""
    log.error("sandbox error: %s", getattr(error, "original_exception", error))
    return json_response(ApiError(-1).body(), 500)


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


def cgi(path: str) -> Response:
    """One WeChat API call: account, faults, quota, then the endpoint's work."""
    box = sandbox()
    endpoint = ENDPOINTS.get(path)
    if endpoint is None:
        return json_response(ApiError(40066, f"no API /cgi-bin/{path} in the sandbox").body(), 404)
    call = _call(box)
    drop = False
    try:
        if request.method != endpoint.method:
            raise ApiError(43001 if endpoint.method == "GET" else 43002)
        call.account = _account(endpoint, call)
        early, drop = _apply_faults(box, call.account, path)
        if early is not None:
            return early
        quotas.count(box.state, call.account.id, quotas.cgi_path(path), call.day)
        pusher.settle_due(box.state, box.config, call.now)
        result = endpoint.handler(call)
    except ApiError as error:
        result = error.body()
    response = result if isinstance(result, Response) else json_response(result)
    if drop:
        _drop_connection(path)
    return response


def _call(box: Sandbox) -> Call:
    multipart = request.mimetype == "multipart/form-data"
    return Call(
        config=box.config,
        state=box.state,
        now=box.clock(),
        base_url=request.host_url.rstrip("/"),
        args=request.args,
        raw=b"" if multipart else request.get_data(),
        files=request.files if multipart else {},
    )


def _account(endpoint: Endpoint, call: Call) -> Account:
    if endpoint.account_from is not None:
        return endpoint.account_from(call)
    return tokens.check_token(call, call.args.get("access_token", ""))


def _apply_faults(box: Sandbox, account: Account, path: str) -> tuple[Response | None, bool]:
    """Run the faults this call triggers: wait, answer early, or mark it to be dropped."""
    drop = False
    for fault in faults.take(box.state, account.id, path):
        log.info(
            "fault", extra={"fields": {"account": account.id, "endpoint": path, "kind": fault.kind}}
        )
        if fault.kind == "delay":
            box.sleep(fault.seconds)
        elif fault.kind == "errcode":
            return json_response(ApiError(fault.errcode).body()), False
        elif fault.kind == "http":
            return Response(
                f"sandbox fault: HTTP {fault.status}\n", fault.status, mimetype="text/plain"
            ), False
        elif fault.kind == "drop":
            drop = True
    return None, drop


def _drop_connection(path: str) -> None:
    """Close the client's socket without an answer: the work is done, the caller can't know it."""
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is None:
        raise RuntimeError(
            "the drop fault needs werkzeug's or gunicorn's server (no socket in environ)"
        )
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone
    log.info("dropped connection", extra={"fields": {"endpoint": path}})
