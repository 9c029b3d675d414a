"""Fixtures: a throwaway Redis server for the session, a fresh app per test, a fake clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from werkzeug.serving import make_server

from bot import create_app
from bot.budget import ThreadRunner
from bot.config import Config, load_config
from bot.embedded_redis import EmbeddedRedis
from syndication.sandbox.pushes import Push, sign_push

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config.example.toml"
pytest_plugins = ["tests.sandbox_support"]  # the sandbox fixtures: make_sandbox, sandbox, wx, serve
NOW = 1795488000.0  # 2026-11-24 08:00 Asia/Shanghai


class Clock:
    """A settable clock: epoch seconds."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    """Our own redis-server on a unix socket: never the developer's Redis."""
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture
def redis(redis_server: EmbeddedRedis) -> Iterator[redis_lib.Redis]:
    client = redis_lib.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def config() -> Config:
    """The example config, as a newcomer gets it (no environment overrides)."""
    return load_config(EXAMPLE_CONFIG, environ={})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runner() -> Iterator[ThreadRunner]:
    runner = ThreadRunner(4)
    yield runner
    runner.drain()


@pytest.fixture
def app(config: Config, redis: redis_lib.Redis, clock: Clock, runner: ThreadRunner):
    return create_app(config, redis=redis, clock=clock, runner=runner)


@pytest.fixture
def client(app):
    return app.test_client()


class WeChat:
    """Sends pushes to the app as WeChat's servers would, signed at the fake clock's time."""

    def __init__(self, client, config: Config, clock: Clock) -> None:
        self.client = client
        self.config = config
        self.clock = clock

    def sign(self, account_id: str, xml: bytes, **options) -> Push:
        options.setdefault("timestamp", int(self.clock()))
        return sign_push(self.config.accounts[account_id], xml, **options)

    def post(self, account_id: str, push: Push, content_type: str = "text/xml"):
        return self.client.post(
            f"/wechat/{account_id}",
            query_string=push.query,
            data=push.body,
            content_type=content_type,
        )

    def send(self, account_id: str, xml: bytes, **options):
        return self.post(account_id, self.sign(account_id, xml, **options))


@pytest.fixture
def wechat(client, config: Config, clock: Clock) -> WeChat:
    return WeChat(client, config, clock)


@pytest.fixture
def live_server():
    """Serve a WSGI app over real HTTP on a free port: live_server(app) -> base URL."""
    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
