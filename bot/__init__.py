"""csj's follower-facing side: the WeChat webhook and its answers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

ZONE = ZoneInfo("Asia/Shanghai")
UPLOAD_TIMEOUT = 2.5


def create_app(
    config: Any = None,
    *,
    redis: Any = None,
    clock: Callable[[], float] | None = None,
    router: Any = None,
    runner: Any = None,
) -> Flask:
    """Build the webhook app; with no config, read the file named by CSJ_CONFIG (gunicorn's way)."""
    from bot import health, logs, store, webhook
    from bot.answers import build_router
    from bot.batching import default_scripts
    from bot.budget import default_runner
    from bot.config import load_config
    from bot.exchange import Exchange
    from bot.wechat.client import image_uploader
    from bot.wechat.crypto import MessageCipher

    if config is None:
        config = load_config(os.environ.get("CSJ_CONFIG", "config.toml"))
        logs.configure(config.logging.level)
    if redis is None:
        redis = store.connect(config.redis)
    app = Flask(__name__)
    service = webhook.WebhookService(
        config=config,
        redis=redis,
        router=router or build_router(),
        exchange=Exchange(
            redis,
            runner or default_runner(config.webhook.handler_threads),
            config.webhook,
            scripts=default_scripts(redis),
        ),
        clock=clock or time.time,
        zone=ZONE,
        ciphers={
            a.id: [MessageCipher(k, a.appid) for k in a.aes_keys] for a in config.accounts.values()
        },
        # Short: an upload in the reply path must leave room in the 4.5 s budget.
        uploader=image_uploader(config, redis, timeout=UPLOAD_TIMEOUT),
    )
    app.extensions["csj"] = service
    app.wsgi_app = webhook.WebhookMiddleware(app.wsgi_app, service)  # type: ignore[method-assign]
    app.register_blueprint(health.bp)
    return app
