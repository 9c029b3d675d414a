"""Demo data: move a sample forecast CSV's dates to start today (benchmarks, `make run`)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def shift_to(data: bytes, first_day: date) -> bytes:
    """Shift every YYYY-MM-DD (issued_at too) so the first forecast day is `first_day`."""
    text = data.decode("utf-8-sig")
    days = [date.fromisoformat(row["date"]) for row in csv.DictReader(io.StringIO(text))]
    if not days:
        return data
    return shift_by(data, timedelta(days=(first_day - min(days)).days))


def shift_by(data: bytes, offset: timedelta) -> bytes:
    """Move every YYYY-MM-DD in a file by whole days (the demo events file too)."""
    text = data.decode("utf-8-sig")
    return _DATE.sub(lambda m: (date.fromisoformat(m.group(0)) + offset).isoformat(), text).encode()
