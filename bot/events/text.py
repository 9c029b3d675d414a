"""What followers read about events: lists, sign-up outcomes, their sign-ups, the calendar.

Every text stays inside WeChat's 2048-byte limit for a passive reply (lists are cut, with a note).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.events.calendar import Day
from bot.events.model import Event, short_date
from bot.events.repo import Listed
from bot.events.signup import Cancellation, SignUp

MAX_BYTES = 1900  # WeChat cuts passive text replies at 2048 bytes; room for a notice line
NO_EVENTS = "近期暂无可报名的活动，敬请关注本号发布的活动信息。"
HOW_TO = "回复「报名 编号」报名，例如「报名 {n}」；发送位置可查看离您最近的活动。"
ASK_NUMBER = "请在「报名」后写上活动编号，例如「报名 12」。回复「活动」查看近期活动和编号。"
ASK_CANCEL_NUMBER = (
    "请在「取消报名」后写上活动编号，例如「取消报名 12」。回复「我的报名」查看您的报名。"
)
STATUS_WORDS = {"confirmed": "已报名", "waitlisted": "候补", "cancelled": "已取消"}


def fits(text: str) -> bool:
    return len(text.encode()) <= MAX_BYTES


def event_line(item: Listed, now: datetime, distance_km: float | None = None) -> str:
    """'#12【开放日】标题\n  12月5日（周六）09:30–11:30 · 南京·江心洲 · 余30席'."""
    event = item.event
    places = f"余{item.left}席" if item.left else f"已满，候补{item.waiting}人"
    if now < event.signup_opens:
        places += f"，{short_date(event.signup_opens)}开始报名"
    where = f"{event.region}·{event.place}"
    if distance_km is not None:
        where += f"（约{distance_km:.0f}公里）"
    return f"#{event.number}【{event.kind}】{event.title}\n  {event.when()} · {where} · {places}"


def event_list(heading: str, lines: list[str], empty: str = NO_EVENTS, footer: str = "") -> str:
    """A heading, as many events as fit, and how to sign up (or `footer`)."""
    if not lines:
        return empty
    footer = footer or HOW_TO.format(n=lines[0].split("【", 1)[0].lstrip("#"))
    text, shown = heading, 0
    for line in lines:
        candidate = f"{text}\n{line}"
        if not fits(f"{candidate}\n…\n{footer}"):
            break
        text, shown = candidate, shown + 1
    if shown < len(lines):
        text += f"\n…另有{len(lines) - shown}项，可按城市查询，如「南京有什么活动」"
    return f"{text}\n{footer}"


def signed_up(event: Event, result: SignUp) -> str:
    """The answer to 报名 N, for each outcome."""
    head = f"#{event.number} {event.title}"
    if result.outcome == "already":
        return _already(head, result)
    if result.status == "confirmed":
        return (
            f"报名成功！{head}\n时间：{event.when()}\n地点：{event.region}·{event.place}\n"
            f"签到码：{result.code}（入场时出示）\n如需取消请回复「取消报名 {event.number}」。"
        )
    return (
        f"{head} 名额已满，您已进入候补名单第{result.position}位。"
        "有人取消时按顺序递补，递补成功后您下次给本号发消息时会收到通知。"
        f"\n不再需要请回复「取消报名 {event.number}」。"
    )


def _already(head: str, result: SignUp) -> str:
    if result.status == "confirmed":
        return f"您已报名 {head}，无需重复报名。签到码：{result.code}"
    return f"您已在 {head} 的候补名单上（第{result.position}位），无需重复报名。"


def refused(number: int, event: Event | None, outcome: str) -> str:
    """Why a sign-up did not happen."""
    if event is None or outcome == "not_found":
        return f"没有编号为 {number} 的活动。回复「活动」查看近期活动和编号。"
    head = f"#{event.number} {event.title}"
    reasons = {
        "not_open": f"{head} 的报名将于 {short_date(event.signup_opens)} 开始，请届时再来。",
        "closed": f"{head} 的报名已于 {short_date(event.signup_closes)} 截止。",
        "full": f"{head} 的名额和候补名单都已满，无法报名。回复「活动」看看其他活动。",
        "cancelled_event": f"{head} 已取消，无法报名。回复「活动」看看其他活动。",
    }
    return reasons[outcome]


def cancelled(number: int, event: Event | None, result: Cancellation) -> str:
    """The answer to 取消报名 N."""
    if event is None:
        return f"没有编号为 {number} 的活动。回复「我的报名」查看您的报名。"
    head = f"#{event.number} {event.title}"
    if result.outcome == "not_registered":
        return f"您没有报名 {head}，无需取消。回复「我的报名」查看您的报名。"
    if result.outcome == "started":
        return f"{head} 已经开始，报名不能再取消。"
    what = "报名" if result.was == "confirmed" else "候补"
    return f"已取消您在 {head} 的{what}。欢迎报名其他活动。"


def my_signups(rows: Iterable[tuple[Event, str, int, str]]) -> str:
    """我的报名: (event, status, position, code) for each current sign-up."""
    lines = []
    for event, status, position, code in rows:
        states = {"confirmed": f"已报名，签到码 {code}", "called_off": "活动已取消"}
        state = states.get(status, f"候补第{position}位")
        where = f"{event.region}·{event.place}"
        lines.append(f"#{event.number} {event.title}\n  {event.when()} · {where} · {state}")
    if not lines:
        return "您目前没有报名任何活动。回复「活动」查看近期活动。"
    return event_list("您的报名：", lines, "", "取消请回复「取消报名 编号」。")


def notices(owed: Iterable[tuple[str, Event]]) -> str:
    """What a follower is told when they next write: moved up from the waiting list, or an
    event they signed up for was called off."""
    lines = []
    for kind, e in owed:
        if kind == "promoted":
            lines.append(
                f"【递补成功】有人取消了报名，您已从候补转为正式报名：#{e.number} {e.title}，"
                f"{e.when()}。回复「我的报名」查看签到码。"
            )
        else:
            lines.append(
                f"【活动取消】很抱歉，您报名的 #{e.number} {e.title}（{e.when()}）已取消。"
            )
    return "\n".join(lines)


def day_answer(day: Day, today: date, year: int | None) -> str:
    """六五环境日是哪天: its date (in the year asked, else the next one), what it is, the theme."""
    when = day.date_in(year) if year else day.next_on_or_after(today)
    if day.month:
        head = f"{day.name}是每年{day.month}月{day.day}日"
        if when == today:
            head += "，就是今天"
        elif when:
            head += f"，{'' if year else '下一个是'}{when.year}年{when.month}月{when.day}日"
            head += f"（星期{'一二三四五六日'[when.weekday()]}）"
        lines = [head + "。", day.about + "。" if day.about else ""]
    elif when:
        lines = [f"{when.year}年{day.name}是{when.month}月{when.day}日（{day.about}）。"]
    else:
        lines = [f"{day.name}是{day.about}；{year or today.year}年的日期暂未收录。"]
    theme = day.latest_theme(year or today.year)
    if theme:
        lines.append(f"{theme[0]}年主题：「{theme[1]}」。")
    return "\n".join(line for line in lines if line)


def theme_answer(day: Day, year: int) -> str:
    """今年环境日主题是什么: that year's theme, or the newest recorded one and a plain note."""
    if year in day.themes:
        source = f"（{day.theme_source}发布）" if day.theme_source else ""
        return f"{year}年{day.name}主题：「{day.themes[year]}」{source}。"
    latest = day.latest_theme(year)
    text = f"{year}年{day.name}的主题暂未收录，请以{day.theme_source or '官方'}发布为准。"
    if latest:
        text += f"\n{latest[0]}年的主题是「{latest[1]}」。"
    return text


def calendar_list(upcoming: list[tuple[date, Day]]) -> str:
    """环境日历: the next environmental days."""
    lines = [f"{when.month}月{when.day}日 {day.name}" for when, day in upcoming]
    return (
        "近期的环境纪念日：\n"
        + "\n".join(lines)
        + "\n回复某个节日名称（如「六五环境日」）查看详情。"
    )
