"""Events followers sign up for, with exact capacity, and the environmental-days calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.events.importer import read_events
from bot.events.model import Event
from bot.events.repo import EventRepo


def import_events(redis: Any, data: bytes, now: datetime, *, filename: str = "") -> list[Event]:
    """Check a whole file against itself and the stored events, then store all of it, numbered.

    Raises ImportRejected (every problem listed) and stores nothing if anything is wrong.
    """
    repo = EventRepo(redis)
    return repo.add(read_events(data, now, filename=filename, known=repo.all()))
