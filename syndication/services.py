"""Start and stop csj's processes: the embedded Redis, gunicorn for the webhook, and friends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot import store
from bot.config import Config, RedisConfig
from bot.embedded_redis import EmbeddedRedis


class ServiceError(RuntimeError):
    """A service could not start; the message says which and why."""


def port_free(bind: str) -> bool:
    """True if nothing listens on host:port."""
    host, _, port = bind.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError:
            return False
    return True


def require_free(name: str, bind: str) -> None:
    """Refuse clearly when another program holds the port."""
    if not port_free(bind):
        raise ServiceError(
            f"{name}: {bind} is already in use (another csj, or another program?). "
            f"Stop it, or choose another address with --bind or the config's bind."
        )


@contextmanager
def redis_url(config: Config) -> Iterator[str]:
    """Yield the configured Redis URL, or run an embedded Redis under data_dir meanwhile."""
    if config.redis.url or config.redis.sentinels:
        yield config.redis.url
        return
    server = EmbeddedRedis(Path(config.redis.data_dir), persistent=True)
    if server.answering():
        # `csj run` is up on this data dir: share its Redis. A second server on the same
        # files would fight over the AOF, and remove the socket from under the first on exit.
        yield server.url
        return
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def redis_client(config: Config, redis_config: RedisConfig | None = None) -> Iterator[Any]:
    """A Redis client for a command's duration (sharing or starting the embedded Redis)."""
    with redis_url(config) as url:
        client = store.connect(redis_config or config.redis, url)
        try:
            yield client
        finally:
            client.close()


def gunicorn_command(config: Config, bind: str) -> list[str]:
    """gunicorn with gevent workers: a slow client holds a greenlet, never a whole worker."""
    web = config.web
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "bot:create_app()",
        "--bind",
        bind,
        "--workers",
        str(web.workers),
        "--worker-class",
        web.worker_class,
        "--threads",
        str(web.threads),
        "--worker-connections",
        str(web.worker_connections),
        "--timeout",
        str(web.timeout),
        "--graceful-timeout",
        str(web.graceful_timeout),
        "--keep-alive",
        str(web.keepalive),
        "--limit-request-line",
        "4094",
        "--limit-request-fields",
        "50",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
    ]


def service_env(config: Config, url: str) -> dict[str, str]:
    """Environment for a child process: the same config file, the Redis actually in use."""
    env = dict(os.environ, CSJ_CONFIG=str(Path(config.source).resolve()))
    if url:
        env["CSJ_REDIS__URL"] = url
    return env


def start_web(config: Config, bind: str, url: str) -> subprocess.Popen[bytes]:
    """Start the webhook under gunicorn."""
    # Own session: a Ctrl-C reaches csj only, which then stops gunicorn gracefully with SIGTERM.
    return subprocess.Popen(
        gunicorn_command(config, bind), env=service_env(config, url), start_new_session=True
    )


def start_sandbox(
    config: Config, bind: str, url: str, *, demo: bool = True, webhook: str | None = None
) -> subprocess.Popen[bytes]:
    """Start the WeChat sandbox (`csj sandbox`), loading the demo data once.

    `webhook` (host:port) is where this run's webhook listens: the sandbox pushes events there.
    """
    command = [
        sys.executable,
        "-c",
        "from syndication.cli import main; main()",
        "sandbox",
        "--bind",
        bind,
        *(["--demo"] if demo else []),
    ]
    env = service_env(config, url)
    if webhook:
        env["CSJ_SANDBOX__PUSH_URL"] = f"http://{webhook}/wechat/{{account}}"
    return subprocess.Popen(command, env=env, start_new_session=True)


def start_csj(config: Config, url: str, *args: str, api: str = "") -> subprocess.Popen[bytes]:
    """Start a `csj` subcommand (worker, scheduler) as a child process on the same config;
    `api` overrides its WeChat API base URL."""
    command = [sys.executable, "-c", "from syndication.cli import main; main()", *args]
    env = service_env(config, url)
    if api:
        env["CSJ_WECHAT__API_BASE_URL"] = api
    return subprocess.Popen(command, env=env, start_new_session=True)


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Wait until `url` answers 200, or fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"{url}: the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise ServiceError(f"{url}: not healthy after {timeout:.0f} s")


def stop(processes: list[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    """SIGTERM every process, then wait; SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
