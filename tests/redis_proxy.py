"""A TCP proxy in front of the test Redis that loses replies: the command runs, the answer never
comes back, the connection drops. redis-py then sends the command again (R8)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class LosingProxy:
    """Forwards RESP both ways; for the first `budget` requests naming `command`, runs them on
    Redis, reads the reply, then closes the client's connection instead of answering."""

    def __init__(self, unix_path: str, command: bytes, budget: int) -> None:
        self.unix_path = unix_path
        self.marker = b"\r\n" + command.upper() + b"\r\n"
        self.budget = budget
        self.lost = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopping = False
        self._skip = False

    def start(self) -> LosingProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX)
        upstream.connect(self.unix_path)
        try:
            buffer = b""
            while True:
                request, buffer, commands = _read_values(client, buffer)
                if not commands:
                    return
                upstream.sendall(request)
                reply, _, _ = _read_values(upstream, b"", commands)
                if self._should_lose(request):
                    return  # the command ran; its answer is lost with the connection
                client.sendall(reply)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def _should_lose(self, request: bytes) -> bool:
        if self.marker not in request.upper():
            return False
        with self._lock:
            # Every other one: the command sent again after a loss gets its answer (redis-py
            # retries once; two losses in a row are an outage, not a lost reply).
            self._skip = not self._skip
            if self.lost >= self.budget or not self._skip:
                return False
            self.lost += 1
            return True


def _read_values(sock: socket.socket, buffer: bytes, want: int = 0) -> tuple[bytes, bytes, int]:
    """Read whole RESP values: `want` of them, or (want=0) all that a recv brought, at least one.

    Returns (the values' bytes, what is left over, how many); (b"", b"", 0) when the peer closed.
    """
    count, end = 0, 0
    while True:
        found = _value_end(buffer, end)
        while found is not None and (not want or count < want):
            count, end = count + 1, found
            found = _value_end(buffer, end)
        if count and (not want or count == want):
            return buffer[:end], buffer[end:], count
        more = sock.recv(65536)
        if not more:
            return b"", b"", 0
        buffer += more


def _value_end(data: bytes, pos: int) -> int | None:
    """Where the RESP value starting at `pos` ends, or None if it is not all there yet."""
    line_end = data.find(b"\r\n", pos)
    if line_end < 0:
        return None
    kind, head = data[pos : pos + 1], data[pos + 1 : line_end]
    after = line_end + 2
    if kind in (b"+", b"-", b":", b"_", b",", b"#"):
        return after
    if kind in (b"$", b"!", b"="):
        size = int(head)
        return after if size < 0 else (after + size + 2 if len(data) >= after + size + 2 else None)
    if kind in (b"*", b"%", b"~", b">"):
        items = int(head) * (2 if kind == b"%" else 1)
        for _ in range(max(items, 0)):
            nxt = _value_end(data, after)
            if nxt is None:
                return None
            after = nxt
        return after
    raise ValueError(f"not RESP: {data[pos : pos + 20]!r}")


@contextmanager
def losing_proxy(unix_path: str, command: bytes, budget: int) -> Iterator[LosingProxy]:
    proxy = LosingProxy(unix_path, command, budget).start()
    try:
        yield proxy
    finally:
        proxy.stop()
