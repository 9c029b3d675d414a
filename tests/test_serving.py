"""The production server as deployed: gunicorn with gevent workers, over real sockets."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from bot.config import load_config
from syndication import services
from syndication.sandbox.pushes import sign_push, text_xml

OPENID = "oFollower0000000000000000001"


@contextmanager
def gunicorn(config, redis_url: str) -> Iterator[str]:
    """gunicorn on a socket bound here first: requests queue until a worker is up (no polling)."""
    listener = socket.create_server(("127.0.0.1", 0))
    command = services.gunicorn_command(config, f"fd://{listener.fileno()}")
    process = subprocess.Popen(
        command,
        env=services.service_env(config, redis_url),
        pass_fds=[listener.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        services.stop([process])
        listener.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory, config_file, redis_server):
    path = tmp_path_factory.mktemp("serving") / "config.toml"
    shutil.copy(config_file, path)
    config = load_config(path, environ={})
    with gunicorn(config, redis_server.url) as base:
        yield config, base


def _post(config, base, account_id="zj", text="帮助", **options):
    account = config.accounts[account_id]
    push = sign_push(account, text_xml(account, OPENID, text), **options)
    return requests.post(
        f"{base}/wechat/{account_id}",
        params=push.query,
        data=push.body,
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )


def test_a_push_is_answered_encrypted(served):
    config, base = served
    response = _post(config, base)
    assert response.status_code == 200 and response.text.startswith("<xml><Encrypt>")


def test_slow_clients_do_not_starve_the_workers(served):
    config, base = served
    port = int(base.rsplit(":", 1)[1])
    slow = []
    for _ in range(48):  # far more than 2 workers x any thread pool a sync server would have
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /wechat/zj HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<xml>")
        slow.append(sock)
    try:
        assert _post(config, base).status_code == 200
    finally:
        for sock in slow:
            sock.close()


def test_chunked_oversize_body_is_refused(served):
    config, base = served
    account = config.accounts["ah"]
    push = sign_push(account, b"", encrypt=False)

    def chunks():
        yield b"<xml>"
        for _ in range(100):
            yield b"a" * 12000

    response = requests.post(
        f"{base}/wechat/ah",
        params=push.query,
        data=chunks(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    assert response.status_code == 413


def test_overlong_query_is_refused_by_gunicorn(served):
    config, base = served
    response = requests.post(
        f"{base}/wechat/zj", params={"nonce": "1" * 10000}, data=b"<xml/>", timeout=10
    )
    assert response.status_code in (400, 414)


def test_healthz(served):
    _, base = served
    assert requests.get(f"{base}/healthz", timeout=10).json()["redis"] == "ok"


def test_retry_storm_answers_each_message_once_and_identically(served, redis_server):
    """R1: each push delivered 4 times at once (new nonce each, as WeChat retries)."""
    from concurrent.futures import ThreadPoolExecutor

    import redis as redis_lib

    from bot.wechat.crypto import MessageCipher
    from bot.wechat.xml import parse

    config, base = served
    account = config.accounts["zj"]
    cipher = MessageCipher(account.encoding_aes_key, account.appid)
    copies = [
        (msg_id, sign_push(account, text_xml(account, OPENID, "帮助", msg_id=str(msg_id))))
        for msg_id in range(9_100_000, 9_100_100)
        for _ in range(4)
    ]

    def deliver(item):
        msg_id, push = item
        response = requests.post(
            f"{base}/wechat/zj",
            params=push.query,
            data=push.body,
            headers={"Content-Type": "text/xml"},
            timeout=10,
        )
        assert response.status_code == 200
        return msg_id, cipher.decrypt(parse(response.content)["Encrypt"])

    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(deliver, copies))
    by_message: dict[int, set[bytes]] = {}
    for msg_id, reply in replies:
        by_message.setdefault(msg_id, set()).add(reply)
    assert len(by_message) == 100 and all(len(r) == 1 for r in by_message.values())
    stored = redis_lib.Redis.from_url(redis_server.url).keys("csj:wx:{zj}:msg:91000*")
    assert len(stored) == 100
