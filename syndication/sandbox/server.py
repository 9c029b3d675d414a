"""Serve the sandbox: a threaded werkzeug server (the drop fault needs its socket), the pusher."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from bot.config import Config
from syndication.sandbox.api import create_app
from syndication.sandbox.pusher import Deliverer
from syndication.sandbox.state import Settings

log = logging.getLogger("csj.sandbox.http")


class RedactingHandler(WSGIRequestHandler):
    """Log each request without its query string: it carries access tokens and app secrets."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        status = getattr(code, "value", code)
        path = self.path.split("?", 1)[0]
        level = logging.DEBUG if path.endswith("/healthz") else logging.INFO  # polled at start
        fields = {"method": self.command, "path": path, "status": status}
        log.log(level, "request", extra={"fields": fields})

    def log(self, type: str, message: str, *args: Any) -> None:
        text = message % args if args else message
        # A malformed request line may still hold a secret in its query: keep the path only.
        log.warning("server %s: %s", type, text.split("?", 1)[0])


def serve(
    config: Config,
    redis: Any,
    bind: str,
    *,
    settings: Settings | None = None,
    clock: Callable[[], float] = time.time,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C, or SIGTERM raising SystemExit), delivering pushes."""
    app = create_app(config, redis=redis, clock=clock, settings=settings)
    host, _, port = bind.rpartition(":")
    server = make_server(host, int(port), app, threaded=True, request_handler=RedactingHandler)
    deliverer = Deliverer(app.extensions["csj-sandbox"].state, config, clock).start()
    if ready:
        ready()
    try:
        server.serve_forever()
    finally:
        deliverer.stop()
        server.server_close()
