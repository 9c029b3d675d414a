"""Fixtures: a throwaway Redis server for the session, a fresh app per test, a fake clock."""

from __future__ import annotations

import os
import re
import socket
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
# The sandbox and engine fixtures.
pytest_plugins = ["tests.sandbox_support", "tests.publishing_support", "tests.browser_support"]
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


#: Where the tests' config points every address: TCP's discard port, which nothing listens on
#: (checked once per session) and which, being below the ephemeral range, is never handed to a
#: test's own server. Tests that need a sandbox or a webhook start their own (make_sandbox,
#: live_server, serve) and put its URL in the config: the suite never reaches a `make run`.
UNREACHABLE = "127.0.0.1:9"
#: The addresses `make run` listens on (webhook, admin, sandbox): no test may reach them.
DEMO_PORTS = (8080, 8081, 8090)


def isolated_config_text(text: str) -> str:
    """A config's text with every 127.0.0.1/localhost address moved to UNREACHABLE."""
    text = re.sub(r"(127\.0\.0\.1|localhost|0\.0\.0\.0):\d+", UNREACHABLE, text)
    left = [f":{port}" for port in DEMO_PORTS if f":{port}" in text]
    assert not left, f"config.example.toml has an address the tests cannot move: {left}"
    return text


def assert_unreachable(address: str = UNREACHABLE) -> None:
    """Prove that nothing listens on `address` (a connection is refused)."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except ConnectionRefusedError:
        return
    except OSError as exc:
        pytest.exit(f"{address} must refuse connections for the tests, but: {exc}", returncode=3)
    pytest.exit(f"something listens on {address}; the tests need it closed", returncode=3)


@pytest.fixture(scope="session")
def config_file(tmp_path_factory) -> Path:
    """config.example.toml with every address moved to UNREACHABLE, as a file (for the CLI)."""
    assert_unreachable()
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text(isolated_config_text(EXAMPLE_CONFIG.read_text("utf-8")), "utf-8")
    return path


@pytest.fixture
def config(config_file: Path) -> Config:
    """The example config, no environment overrides, every address UNREACHABLE (see above)."""
    return load_config(config_file, environ={})


class PortGuard:
    """Listeners on make run's ports that note every connection a test makes to them."""

    def __init__(self, ports: tuple[int, ...]) -> None:
        self.ports = ports
        self.sockets: list[socket.socket] = []
        self.seen: list[str] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        for port in self.ports:
            try:
                sock = socket.create_server(("127.0.0.1", port))
            except OSError as exc:
                self.stop()
                pytest.exit(
                    f"CSJ_TEST_GUARD_PORTS: cannot listen on 127.0.0.1:{port} ({exc}); "
                    "stop `make run` (or whatever holds it) for a guarded run",
                    returncode=3,
                )
            sock.settimeout(0.05)
            self.sockets.append(sock)
            threading.Thread(target=self._accept, args=(sock, port), daemon=True).start()

    def _accept(self, sock: socket.socket, port: int) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                try:
                    first = conn.recv(512).split(b"\r\n", 1)[0].decode("latin-1")
                except OSError:
                    first = ""
            with self.lock:
                self.seen.append(f"127.0.0.1:{port} {first!r}")

    def take(self) -> list[str]:
        with self.lock:
            seen, self.seen = self.seen, []
        return seen

    def stop(self) -> None:
        self.stopping.set()
        for sock in self.sockets:
            sock.close()


@pytest.fixture(scope="session")
def port_guard() -> Iterator[PortGuard | None]:
    """With CSJ_TEST_GUARD_PORTS=1, listen on make run's ports and fail whoever connects."""
    if os.environ.get("CSJ_TEST_GUARD_PORTS") != "1":
        yield None
        return
    guard = PortGuard(DEMO_PORTS)
    guard.start()
    yield guard
    guard.stop()
    late = guard.take()
    if late:
        pytest.fail(f"the tests reached make run's ports: {late}")


@pytest.fixture(autouse=True)
def _stay_off_demo_ports(port_guard: PortGuard | None) -> Iterator[None]:
    yield
    if port_guard is not None:
        seen = port_guard.take()
        if seen:
            pytest.fail(f"this test (or the one before) reached make run's ports: {seen}")


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
