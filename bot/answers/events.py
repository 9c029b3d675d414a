"""Event answers: what is on (by region, kind, nearest), 报名 N, 取消报名 N, 我的报名, the
environmental-days calendar, and the notices a follower is owed (moved up, event called off)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.answers.menu import Menu
from bot.effects import NeedsClaim
from bot.events import calendar, signup
from bot.events import text as words
from bot.events.repo import EventRepo, Listed
from bot.forecast.days import cn_number
from bot.places import aliases, distance_km, province_of
from bot.router import Handler, Incoming, Router
from bot.store import EventKeys
from bot.wechat.messages import shared_location
from bot.wechat.replies import Reply, TextReply

EVENTS_KEY = "EVENTS"  # the menu button
BROWSING_SECONDS = 1800  # a LOCATION within this time of a list asks for the nearest events
NEAREST = 5
NEAREST_KM = 200  # farther than this is not "near" (a location outside the region)
LIST_WORDS = frozenset(
    ("活动", "最近有什么活动", "有什么活动", "近期活动", "最近活动", "活动列表", "近期有什么活动",
     "查看活动", "活动报名", "报名活动", "公众参与", "最近有啥活动", "有哪些活动", "参加活动",
     "怎么报名", "如何报名", "怎样报名", "怎么报名活动", "如何报名活动", "怎么参加活动",
     "如何参加活动")
)  # fmt: skip
KIND_WORDS = {
    "开放日": "开放日",
    "设施开放": "开放日",
    "环保设施开放": "开放日",
    "环保设施开放日": "开放日",
    "志愿": "志愿",
    "志愿者": "志愿",
    "志愿活动": "志愿",
    "志愿服务": "志愿",
    "志愿者活动": "志愿",
    "讲座": "讲座",
}
MINE_WORDS = frozenset(("我的报名", "我的活动", "已报名", "报名记录", "我报名的活动", "查看报名"))
CALENDAR_WORDS = frozenset(("环境日历", "环保日历", "环境纪念日", "有哪些环境日", "环保节日"))
NEARBY_WORDS = ("附近", "身边", "周边", "离我最近")
_PLACE_ASK = re.compile(
    r"^(?P<place>.+?)(最近|近期|本周|这周|最近都)?(有什么|有哪些|有啥|的)?"
    r"(?P<what>活动|开放日|志愿活动|志愿服务|志愿者活动|讲座)$"
)
# An event's number in digits, or in Chinese up to 九十九 (报名十二, 取消报名第三个).
_NUMBER = r"(?P<n>\d{1,7}|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
_SIGN_UP = re.compile(rf"^(我要)?报名(参加)?(活动)?(第)?{_NUMBER}(个|号|号活动|个活动)?$")
_CANCEL = re.compile(rf"^取消(报名)?(活动)?(第)?{_NUMBER}(个|号|号活动|个活动)?(的报名)?$")
_YEAR = re.compile(r"(?P<y>20\d\d)年?")
_RELATIVE_YEARS = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}


def register(router: Router, menu: Menu) -> None:
    """Wire the event words, the EVENTS menu key and the moved-up notice (before the forecast)."""
    menu.add("活动", "：近期环保活动，回复「报名 编号」报名")
    router.on_click(EVENTS_KEY, list_answer)
    router.on_text(lambda text: _compact(text) in LIST_WORDS, list_answer)
    router.on_text(lambda text: _compact(text) in KIND_WORDS, kind_answer)
    router.on_text(lambda text: _compact(text) in MINE_WORDS, mine_answer)
    router.on_text(lambda text: _compact(text).startswith(("报名", "我要报名")), sign_up_answer)
    router.on_text(lambda text: _compact(text).startswith("取消"), cancel_answer)
    router.on_text(lambda text: bool(_PLACE_ASK.match(_compact(text))), place_answer)
    router.on_text(lambda text: _compact(text) in CALENDAR_WORDS, calendar_list_answer)
    router.on_text(lambda text: calendar.find(_compact(text)) is not None, calendar_answer)
    router.on_reply(owed_notices)


def location_or(fallback: Handler) -> Handler:
    """A LOCATION while the follower browses events: the nearest events; else `fallback`."""

    def answer(incoming: Incoming) -> Reply | None:
        key = EventKeys.browsing(_follower(incoming))
        if not incoming.redis.exists(key):
            return fallback(incoming)
        return nearest_answer(incoming)

    return answer


def list_answer(incoming: Incoming) -> Reply:
    """活动: upcoming events, the account's own region first."""
    home = incoming.account.region
    ranked = sorted(_upcoming(incoming), key=lambda item: not _near_home(item, home))
    return _list_reply(incoming, "近期活动（本地优先）：", ranked)


def kind_answer(incoming: Incoming) -> Reply:
    """开放日 / 志愿 / 讲座: upcoming events of that kind."""
    kind = KIND_WORDS[_compact(incoming.text)]
    home = incoming.account.region
    items = [i for i in _upcoming(incoming) if i.event.kind == kind]
    ranked = sorted(items, key=lambda item: not _near_home(item, home))
    empty = f"近期暂无可报名的{kind}活动。回复「活动」查看全部近期活动。"
    return _list_reply(incoming, f"近期{kind}活动：", ranked, empty)


def place_answer(incoming: Incoming) -> Reply | None:
    """南京有什么活动 / 上海的开放日: events there (the city's own first, then its province's)."""
    asked = _PLACE_ASK.match(_compact(incoming.text))
    assert asked is not None
    word, what = asked["place"], asked["what"]
    if word in NEARBY_WORDS:
        _mark_browsing(incoming)
        return TextReply("请点击输入框旁的「+」，选择「位置」发送您的位置，我来找离您最近的活动。")
    alias = aliases().get(word) or aliases().get(word.removesuffix("市"))
    if alias is None:
        return None  # not a place: let other answers try
    if alias.kind == "outside":
        return TextReply(
            f"本号发布沪苏浙皖三省一市的环保活动，暂无{word}的活动。回复「活动」查看近期活动。"
        )
    kind = KIND_WORDS.get(what)
    items = [i for i in _upcoming(incoming) if _in_places(i, alias.places)]
    items = [i for i in items if kind is None or i.event.kind == kind]
    ranked = sorted(items, key=lambda item: item.event.region not in alias.places)
    label = f"{word}{kind or ''}活动"
    return _list_reply(
        incoming,
        f"{label}：",
        ranked,
        f"{word}近期暂无可报名的{kind or ''}活动。回复「活动」查看其他地区。",
    )


def nearest_answer(incoming: Incoming) -> Reply:
    """The events nearest to a shared location, with their distance."""
    here = shared_location(incoming.message)
    if here is None:
        return TextReply("抱歉，没有读到您的位置。也可以发送城市名，例如「南京有什么活动」。")
    placed = [
        (distance_km(*here, *point), item)
        for item in _upcoming(incoming)
        if (point := item.event.coordinates()) is not None
    ]
    placed.sort(key=lambda pair: pair[0])
    placed = [(km, item) for km, item in placed if km <= NEAREST_KM]
    lines = [words.event_line(item, incoming.now, km) for km, item in placed[:NEAREST]]
    far = f"您附近{NEAREST_KM}公里内暂无可报名的活动。回复「活动」查看沪苏浙皖的全部近期活动。"
    return TextReply(words.event_list("离您最近的活动：", lines, far))


def sign_up_answer(incoming: Incoming) -> Reply:
    """报名 N: a place, the waiting list, or why not; anything else after 报名 gets the format."""
    asked = _SIGN_UP.match(_compact(incoming.text))
    if asked is None:
        return TextReply(words.ASK_NUMBER)
    number = cn_number(asked["n"])
    event = EventRepo(incoming.redis).get(number)
    if event is None:
        return TextReply(words.refused(number, None, "not_found"))
    message = incoming.message
    result = signup.sign_up(
        incoming.redis, number, incoming.account.id, message.from_user,
        incoming.now.timestamp(), message.dedupe_id,
    )  # fmt: skip
    if result.outcome in ("new", "already"):
        return TextReply(words.signed_up(event, result))
    return TextReply(words.refused(number, event, result.outcome))


def cancel_answer(incoming: Incoming) -> Reply | None:
    """取消报名 N; 取消 without a number that names no sign-up is not ours (None)."""
    compact = _compact(incoming.text)
    asked = _CANCEL.match(compact)
    if asked is None:
        return TextReply(words.ASK_CANCEL_NUMBER) if compact.startswith("取消报名") else None
    number = cn_number(asked["n"])
    event = EventRepo(incoming.redis).get(number)
    if event is None:
        return TextReply(words.cancelled(number, None, signup.Cancellation("not_found")))
    result = signup.cancel(
        incoming.redis, number, incoming.account.id, incoming.message.from_user,
        incoming.now.timestamp(), incoming.message.dedupe_id,
    )  # fmt: skip
    return TextReply(words.cancelled(number, event, result))


def mine_answer(incoming: Incoming) -> Reply:
    """我的报名: current sign-ups to events not yet over, with codes or waiting positions."""
    follower = _follower(incoming)
    repo = EventRepo(incoming.redis)
    rows = []
    for number in repo.followed_numbers(follower):
        event = repo.get(number)
        record = signup.registration(
            incoming.redis, number, incoming.account.id, incoming.message.from_user
        )
        if event is None or record is None or record["status"] == "cancelled":
            continue  # (a called-off event stays listed, marked, until it would have ended)
        if event.end <= incoming.now:
            continue
        status = "called_off" if event.status == "cancelled" else record["status"]
        place = signup.position(incoming.redis, number, follower, status)
        rows.append((event, status, place, record["code"]))
    rows.sort(key=lambda row: row[0].start)
    return TextReply(words.my_signups(rows))


def calendar_answer(incoming: Incoming) -> Reply:
    """六五环境日是哪天 / 今年环境日主题是什么 / 六五环境日有什么活动."""
    compact = _compact(incoming.text)
    day = calendar.find(compact)
    assert day is not None
    if compact.endswith("活动"):
        items = [i for i in _upcoming(incoming) if i.event.kind == "环境日"]
        return _list_reply(
            incoming, f"{day.name}相关活动：", items, f"近期暂无{day.name}活动报名，敬请关注。"
        )
    year = _year(compact, incoming.now.year)
    if "主题" in compact:
        return TextReply(words.theme_answer(day, year or incoming.now.year))
    return TextReply(words.day_answer(day, incoming.now.date(), year))


def calendar_list_answer(incoming: Incoming) -> Reply:
    """环境日历: the next environmental days."""
    return TextReply(words.calendar_list(calendar.upcoming(incoming.now.date())))


def owed_notices(incoming: Incoming, reply: Reply) -> Reply:
    """Lead the follower's next text reply with what they are owed (moved up, event called off)."""
    message = incoming.message
    if not isinstance(reply, TextReply) or (message.type == "event" and message.event != "click"):
        return reply  # only what a follower writes or taps gets a text the notice can lead
    if not incoming.effects:  # a first attempt: taking a notice is an effect, knowing is not
        if signup.may_be_owed(incoming.redis, incoming.account.id, message.from_user):
            raise NeedsClaim("owed notices")
        return reply
    owed = signup.take_notices(
        incoming.redis, incoming.account.id, message.from_user, message.dedupe_id
    )
    if not owed:
        return reply
    repo = EventRepo(incoming.redis)
    notice = words.notices((kind, e) for kind, n in owed if (e := repo.get(n)) is not None)
    content = f"{notice}\n\n{reply.content}" if notice else reply.content
    while not words.fits(content) and "\n" in content:
        content = content.rsplit("\n", 1)[0]  # the notice first: drop the answer's last lines
    return replace(reply, content=content)


def _list_reply(
    incoming: Incoming, heading: str, items: list[Listed], empty: str = words.NO_EVENTS
) -> Reply:
    _mark_browsing(incoming)
    lines = [words.event_line(item, incoming.now) for item in items]
    return TextReply(words.event_list(heading, lines, empty))


def _upcoming(incoming: Incoming) -> list[Listed]:
    """Events a follower can still sign up for (or soon), soonest first."""
    listed = EventRepo(incoming.redis).upcoming(incoming.now)
    return [item for item in listed if item.event.signup_closes > incoming.now]


def _near_home(item: Listed, home: str) -> bool:
    return item.event.region == home or item.event.province == province_of(home)


def _in_places(item: Listed, places: tuple[str, ...]) -> bool:
    """An event in one of `places`, in a city of one of them, or province-wide over one of them."""
    event = item.event
    return bool({event.region, event.province} & set(places)) or any(
        province_of(p) == event.region for p in places
    )


def _mark_browsing(incoming: Incoming) -> None:
    incoming.redis.set(EventKeys.browsing(_follower(incoming)), 1, ex=BROWSING_SECONDS)


def _follower(incoming: Incoming) -> str:
    return signup.follower_id(incoming.account.id, incoming.message.from_user)


def _year(compact: str, this_year: int) -> int | None:
    for word, offset in _RELATIVE_YEARS.items():
        if word in compact:
            return this_year + offset
    found = _YEAR.search(compact)
    return int(found["y"]) if found else None


def _compact(text: str) -> str:
    return text.replace(" ", "")
