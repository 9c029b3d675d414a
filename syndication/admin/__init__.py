"""The internal admin app: editors upload forecasts (and, later, queue column posts)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from bot.config import Config, load_config
from bot.forecast.media import Uploader

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a week's forecast for 41 cities is ~20 KB


def create_app(
    config: Config | None = None,
    *,
    redis: Any = None,
    clock: Callable[[], float] | None = None,
    uploader: Uploader | None = None,
) -> Flask:
    """Build the admin app; `uploader` sends the forecast picture to WeChat (None: not yet)."""
    from bot import store
    from syndication.admin import forecasts, posts

    if config is None:
        config = load_config(os.environ.get("CSJ_CONFIG", "config.toml"))
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES
    app.extensions["csj_admin"] = {
        "config": config,
        "redis": redis if redis is not None else store.connect(config.redis),
        "clock": clock or time.time,
        "uploader": uploader,
    }
    app.register_blueprint(forecasts.bp)
    app.register_blueprint(posts.bp)
    app.register_error_handler(413, forecasts.too_large)
    return app
