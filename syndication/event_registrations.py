"""Who signed up for an event, as editors see it: `csj events registrations` and the admin's
活动 page read the same rows, with openids shortened (never in full)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import ZONE
from bot.events.repo import EventRepo
from bot.events.signup import mask, position
from syndication import reminders

#: The CSV's columns (docs/events.md "Registrations CSV"); scripts read them by name.
CSV_COLUMNS = (
    "position", "status", "checkin_code", "signup_order", "follower", "account",
    "signed_up_at", "promoted_at", "cancelled_at", "reminder",
)  # fmt: skip


@dataclass(frozen=True)
class Registration:
    """One sign-up: its place now, its check-in code, when things happened, the reminder."""

    position: int | None  # among the confirmed or on the waiting list; None when cancelled
    status: str  # confirmed | waitlisted | cancelled
    code: str
    order: int  # 1 = the first sign-up
    follower: str  # masked
    account: str
    signed_up_at: float | None
    promoted_at: float | None
    cancelled_at: float | None
    reminder: reminders.Reminder

    def csv_row(self) -> list[Any]:
        """The row under CSV_COLUMNS (times in Beijing time)."""
        return [
            "" if self.position is None else self.position, self.status, self.code, self.order,
            self.follower, self.account, beijing(self.signed_up_at), beijing(self.promoted_at),
            beijing(self.cancelled_at), self.reminder.outcome,
        ]  # fmt: skip


def registrations(redis: Any, number: int, limit: int | None = None) -> list[Registration]:
    """An event's sign-ups in sign-up order (the first `limit` of them, if given)."""
    found = EventRepo(redis).registrations(number)[:limit]
    return [_registration(redis, number, follower, record) for follower, record in found]


def _registration(redis: Any, number: int, follower: str, record: dict[str, Any]) -> Registration:
    status = record["status"]
    place = position(redis, number, follower, status) if status != "cancelled" else None
    return Registration(
        place, status, record["code"], record["seq"], mask(record["openid"]), record["account"],
        record.get("at"), record.get("promoted_at"), record.get("cancelled_at"),
        reminders.stored(redis, number, follower, record["openid"]),
    )  # fmt: skip


def beijing(epoch: float | None) -> str:
    """Epoch seconds as 'YYYY-MM-DD HH:MM:SS' Beijing time ("" for none)."""
    return datetime.fromtimestamp(epoch, ZONE).strftime("%Y-%m-%d %H:%M:%S") if epoch else ""
