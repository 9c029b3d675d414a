"""The sandbox's reading and follower figures: invented, but stable and plausible.

Every number is a pure function of ids and dates (a SHA-256 of them), so the same question gets
the same answer on every call and in every process, and a test can compute what the sandbox
says. Readers of an article peak on its publish day and fall off day by day; followers grow.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

#: The new article endpoints keep data from this day on ("之前日期数据无效", datacube doc §2).
ARTICLE_DATA_START = date(2025, 11, 1)
#: getarticletotaldetail sums an article's figures over at most 30 days from its publish day.
STAT_WINDOW_DAYS = 30
#: Follower figures are summed from this day (the sandbox's accounts "opened" then).
FOLLOWERS_ORIGIN = date(2025, 1, 1)
#: getusersummary channels the sandbox reports (user_source, doc §5): 其他合计, 搜索, 扫码, 文章内.
CHANNELS = {0: (12, 4), 1: (20, 2), 30: (35, 3), 57: (15, 1)}  # source -> (max new, max cancel)
#: Reading scenes of read_user_source, with their share of 全部 (the rest is 其他).
SCENES = (("公众号消息", 0.55), ("聊天会话", 0.2), ("朋友圈", 0.12), ("公众号主页", 0.05))


def unit(*parts: object) -> float:
    """A number in [0, 1) fixed by `parts`."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def readers_on(msgid: str, published: date, day: date) -> int:
    """People who read the article on `day` (0 before its publish day or before data starts)."""
    age = (day - published).days
    if age < 0 or day < ARTICLE_DATA_START:
        return 0
    peak = 300 + int(unit(msgid, "peak") * 1700)
    return round(peak * 0.55**age * (0.8 + 0.4 * unit(msgid, day.isoformat())))


def shares_on(msgid: str, published: date, day: date) -> int:
    """People who shared it on `day`: a steady few per cent of its readers."""
    return round(readers_on(msgid, published, day) * (0.04 + 0.08 * unit(msgid, "share")))


def totals_until(msgid: str, published: date, stat_date: date) -> tuple[int, int]:
    """(readers, sharers) over [publish day, stat_date]: a few readers come back, counted once."""
    days = [published + timedelta(days=i) for i in range((stat_date - published).days + 1)]
    read = sum(readers_on(msgid, published, d) for d in days)
    shared = sum(shares_on(msgid, published, d) for d in days)
    return read - read // 25, shared


def scene_split(total: int) -> list[dict[str, object]]:
    """read_user_source: 全部 first, then each scene's part (the rest is 其他)."""
    parts = [(name, int(total * share)) for name, share in SCENES]
    rest = total - sum(n for _, n in parts)
    rows = [("全部", total), *parts, ("其他", rest)]
    return [{"user_count": n, "scene_desc": name} for name, n in rows]


def follower_changes(appid: str, day: date) -> dict[int, tuple[int, int]]:
    """user_source -> (new_user, cancel_user) on `day`, channels with no change left out."""
    out = {}
    for source, (most_new, most_cancel) in CHANNELS.items():
        new = int(unit(appid, day.isoformat(), source, "new") * (most_new + 1))
        cancel = int(unit(appid, day.isoformat(), source, "cancel") * (most_cancel + 1))
        if new or cancel:
            out[source] = (new, cancel)
    return out


def followers_on(appid: str, day: date) -> int:
    """cumulate_user at the end of `day`: a base, plus every day's net gain since the origin."""
    total = 8000 + int(unit(appid, "base") * 40000)
    current = FOLLOWERS_ORIGIN
    while current <= day:
        total += sum(new - cancel for new, cancel in follower_changes(appid, current).values())
        current += timedelta(days=1)
    return total
