"""Import a forecast file end to end: check it, store it, draw the picture, prepare the uploads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Account
from bot.forecast import card, fonts, media
from bot.forecast.importer import ImportRejected, Problem, read_forecast
from bot.forecast.model import ForecastIssue
from bot.forecast.repo import ForecastRepo


@dataclass(frozen=True)
class ImportResult:
    issue: ForecastIssue
    is_latest: bool  # False: stored, but a newer issue still answers
    media: dict[str, str] = field(default_factory=dict)  # account id -> media_id uploaded or reused


def import_forecast(
    redis: Any,
    data: bytes,
    now: datetime,
    *,
    filename: str = "",
    accounts: Iterable[Account] = (),
    uploader: media.Uploader | None = None,
) -> ImportResult:
    """Check the whole file (ImportRejected lists every problem), then store it atomically."""
    issue = check_forecast(data, now, filename=filename)
    return publish_forecast(redis, issue, now, accounts=accounts, uploader=uploader)


def check_forecast(data: bytes, now: datetime, *, filename: str = "") -> ForecastIssue:
    """Read and check a whole file, storing nothing; ImportRejected lists every problem."""
    issue = read_forecast(data, now, filename=filename)
    _check_drawable(issue)
    return issue


def publish_forecast(
    redis: Any,
    issue: ForecastIssue,
    now: datetime,
    *,
    accounts: Iterable[Account] = (),
    uploader: media.Uploader | None = None,
) -> ImportResult:
    """Make a checked issue the forecast followers get (unless a newer one answers).

    The picture is drawn before the swap, so the first follower to ask after an import never
    waits for it; uploads follow, and a failed one leaves that account on the text answer.
    """
    media.card_bytes(redis, issue)
    is_latest = ForecastRepo(redis).save(issue)
    uploaded = media.prepare(redis, accounts, issue, uploader, now) if is_latest else {}
    return ImportResult(issue, is_latest, uploaded)


def _check_drawable(issue: ForecastIssue) -> None:
    """Texts of the file that the picture draws must be in the font: an editor's typo (an emoji
    in the summary) is a problem with the file, not a crash of the import."""
    choice = fonts.resolve("".join(card.fixed_strings()))
    problems = [
        Problem(None, name, f"预报图无法显示这些字符：{lacking}，请删除或替换")
        for name, value in (
            ("source", issue.source),
            ("standard", issue.standard),
            ("summary", issue.summary),
        )
        if (lacking := fonts.missing(choice, value))
    ]
    if problems:
        raise ImportRejected(problems)


def refresh_media(
    redis: Any, accounts: Iterable[Account], uploader: media.Uploader, now: datetime
) -> dict[str, str]:
    """Re-upload the current picture where its media_id is near expiry (a periodic job)."""
    issue = ForecastRepo(redis).latest()
    return media.prepare(redis, accounts, issue, uploader, now) if issue else {}


def summary(issue: ForecastIssue) -> dict[str, Any]:
    """What an editor sees after an import, as JSON-ready data."""
    days = issue.days
    return {
        "id": issue.id,
        "issued_at": issue.issued_at.isoformat(),
        "source": issue.source,
        "standard": issue.standard,
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "days": len(days),
        "places": list(issue.places),
        "rows": len(issue.rows),
        "trend_rows": sum(r.is_trend for r in issue.rows),
    }


def describe(issue: ForecastIssue) -> str:
    """A plain-text table of the issue for the CLI."""
    head = (
        f"issue {issue.id}\nissued {issue.issued_at:%Y-%m-%d %H:%M} · {issue.source} · "
        f"{issue.standard}\n"
        f"{len(issue.rows)} rows, {len(issue.days)} days, {len(issue.places)} places"
    )
    lines = [head]
    for place in issue.places:
        for row in issue.rows_for(place):
            numbers = "trend" if row.is_trend else f"{row.aqi_min}-{row.aqi_max}"
            lines.append(
                f"  {row.day} {place:<4} {row.level_text:<8} {numbers:<8} "
                f"{'/'.join(row.pollutants)}"
            )
    return "\n".join(lines)
