"""Fixtures and helpers for the sandbox tests: a live sandbox, wechatpy clients aimed at it."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from werkzeug.serving import make_server

from bot.config import Config
from syndication.sandbox import pusher
from syndication.sandbox.api import create_app
from syndication.sandbox.server import RedactingHandler
from syndication.sandbox.state import Settings, State

JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
GIF = b"GIF89a" + b"\x00" * 200


class SandboxClient(WeChatClient):
    """wechatpy's own client, its API base and token URL (hard-coded in wechatpy) on the sandbox."""

    def __init__(self, base: str, appid: str, secret: str, **options: Any) -> None:
        super().__init__(appid, secret, session=MemoryStorage(), timeout=5, **options)
        self.API_BASE_URL = base

    def fetch_access_token(self) -> dict:
        return self._fetch_access_token(
            self.API_BASE_URL + "token",
            {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


@dataclasses.dataclass
class Sandbox:
    """A running sandbox: its URL, state, config and the fake clock it lives by."""

    url: str
    app: Any
    config: Config
    clock: Any
    slept: list[float]

    @property
    def state(self) -> State:
        return self.app.extensions["csj-sandbox"].state

    @property
    def api(self) -> str:
        return f"{self.url}/cgi-bin/"

    def client(self, account_id: str = "sh", **options: Any) -> SandboxClient:
        account = self.config.accounts[account_id]
        return SandboxClient(self.api, account.appid, account.secret, **options)

    def control(self, path: str, body: Any = None, method: str = "post") -> requests.Response:
        return requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=5)

    def deliver(self) -> list[pusher.Delivery]:
        """Deliver what is due at the fake clock's time (what the server's thread does)."""
        return pusher.deliver_due(self.state, self.config, self.clock())

    def raw(self, path: str, method: str = "post", **kwargs: Any) -> dict:
        """Call the API over HTTP without wechatpy (to see the exact errcode, no auto-retry)."""
        response = requests.request(method, self.api + path, timeout=5, **kwargs)
        return response.json()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Like conftest's live_server (real HTTP on a free port) but stopping in milliseconds."""
    servers = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=RedactingHandler)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_sandbox(config: Config, redis, clock, serve) -> Callable[..., Sandbox]:
    """Start a sandbox over real HTTP; options override the config's [sandbox] section."""

    def start(settings: Settings | None = None, **sandbox_options: Any) -> Sandbox:
        cfg = dataclasses.replace(
            config, sandbox=dataclasses.replace(config.sandbox, **sandbox_options)
        )
        slept: list[float] = []
        app = create_app(
            cfg, redis=redis, clock=clock, settings=settings or Settings(), sleep=slept.append
        )
        return Sandbox(serve(app), app, cfg, clock, slept)

    return start


@pytest.fixture
def sandbox(make_sandbox) -> Sandbox:
    return make_sandbox()


@pytest.fixture
def wx(sandbox: Sandbox) -> SandboxClient:
    return sandbox.client("sh")


def upload(client: SandboxClient, kind: str = "thumb", data: bytes = JPG) -> str:
    """Add permanent material; return its media_id."""
    return client.material.add(kind, ("cover.jpg", io.BytesIO(data)))["media_id"]


def article(thumb: str, **fields: Any) -> dict:
    return {
        "title": "美丽长三角",
        "author": "沪苏浙皖",
        "content": "<p>长三角生态绿色一体化</p>",
        "thumb_media_id": thumb,
        **fields,
    }


def errcode_of(call: Callable[[], Any]) -> int | None:
    """Run a wechatpy call that must fail; return its errcode."""
    with pytest.raises(WeChatClientException) as caught:
        call()
    return caught.value.errcode


def post_json(client: SandboxClient, path: str, body: Any) -> Any:
    """POST a raw body through wechatpy (which adds the token and checks the errcode)."""
    data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(path, data=data)
