"""Count Redis round trips as the socket sees them: a command, a pipeline or a script is one."""

from __future__ import annotations

from typing import Any

from redis.connection import AbstractConnection


class RoundTrips:
    """Every request any client sends while installed (use with pytest's monkeypatch)."""

    def __init__(self, monkeypatch: Any) -> None:
        self.count = 0
        send = AbstractConnection.send_packed_command

        def counted(connection: Any, command: Any, check_health: bool = True) -> None:
            self.count += 1
            send(connection, command, check_health)

        monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
