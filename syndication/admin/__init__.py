"""The internal admin app: editors upload forecasts (and, later, queue column posts)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.config import Config, load_config
from bot.forecast.media import Uploader

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a week's forecast for 41 cities is ~20 KB
SESSION_HOURS = 12


def create_app(
    config: Config | None = None,
    *,
    redis: Any = None,
    clock: Callable[[], float] | None = None,
    uploader: Uploader | None = None,
) -> Flask:
    """Build the admin app; `uploader` sends the forecast picture to WeChat (None: not yet)."""
    from bot import store
    from syndication.admin import auth, forecasts, posts
    from syndication.admin.articles import bp as articles_bp
    from syndication.admin.audit_page import bp as audit_bp
    from syndication.admin.dashboard import register_ops_pages
    from syndication.admin.event_pages import bp as event_pages_bp
    from syndication.admin.forecast_pages import bp as forecast_pages_bp
    from syndication.admin.logs import bp as logs_bp

    if config is None:
        config = load_config(os.environ.get("CSJ_CONFIG", "config.toml"))
    app = Flask(__name__)
    if redis is None:
        redis = store.connect(config.redis)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SECRET_KEY=config.admin.secret_key or None,  # None: auth.Sessions takes Redis's
        SESSION_COOKIE_NAME="csj_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.admin.secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_HOURS * 3600,
    )
    app.session_interface = auth.Sessions()
    app.extensions["csj_admin"] = {
        "config": config,
        "redis": redis,
        "clock": clock or time.time,
        "uploader": uploader,
    }
    app.register_blueprint(auth.bp)
    app.register_blueprint(forecasts.bp)
    app.register_blueprint(posts.bp)
    app.register_blueprint(articles_bp)
    register_ops_pages(app)
    app.register_blueprint(logs_bp)
    app.register_blueprint(forecast_pages_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(event_pages_bp)
    app.register_error_handler(413, forecasts.too_large)
    if config.admin.trusted_proxies:
        # The client's address (sign-in throttling, the audit) from the proxies' header.
        n = config.admin.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    return app


def production_app() -> Flask:
    """The app `csj admin` serves: config from CSJ_CONFIG, and the forecast picture uploaded to
    each account's WeChat when an editor publishes a forecast (tests pass their own uploader)."""
    from bot import store
    from bot.wechat.client import image_uploader

    config = load_config(os.environ.get("CSJ_CONFIG", "config.toml"))
    redis = store.connect(config.redis)
    return create_app(config, redis=redis, uploader=image_uploader(config, redis))
