"""Capacity is exact under concurrency: 500 followers sign up for 100 places at once through the
webhook in safe mode, served as in production (gunicorn, several gevent workers, a real Redis)."""

from __future__ import annotations

import dataclasses
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests

from bot import ZONE
from bot.config import load_config
from bot.events.model import Event
from bot.events.repo import EventRepo
from bot.store import EventKeys
from bot.wechat.crypto import MessageCipher
from bot.wechat.xml import parse
from syndication.sandbox.pushes import next_msg_id, sign_push, text_xml
from tests.test_serving import gunicorn

WORKERS = 4
FOLLOWERS = 500
PLACES = 100
CANCELLED = 10


@pytest.fixture(scope="module")
def served(config_file, redis_server):
    """gunicorn with WORKERS gevent workers, as in production."""
    config = load_config(config_file, environ={})
    config = dataclasses.replace(config, web=dataclasses.replace(config.web, workers=WORKERS))
    with gunicorn(config, redis_server.url) as base:
        yield config, base


class Chat:
    """Followers of the safe-mode account zj, talking to the served webhook."""

    def __init__(self, config, base: str) -> None:
        self.account = config.accounts["zj"]
        self.cipher = MessageCipher(self.account.encoding_aes_key, self.account.appid)
        self.url = f"{base}/wechat/zj"
        self.session = requests.Session()

    def push(self, openid: str, text: str, msg_id: str | None = None) -> bytes:
        """The signed, encrypted push for one message (sign again for a retry)."""
        return text_xml(self.account, openid, text, msg_id=msg_id or next_msg_id())

    def deliver(self, openid: str, xml: bytes) -> str:
        push = sign_push(self.account, xml, timestamp=int(time.time()), openid=openid)
        response = requests.post(
            self.url, params=push.query, data=push.body,
            headers={"Content-Type": "text/xml"}, timeout=10,
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return parse(self.cipher.decrypt(parse(response.content)["Encrypt"]))["Content"]

    def say(self, openid: str, text: str) -> str:
        return self.deliver(openid, self.push(openid, text))


def _event(redis) -> Event:
    now = datetime.now(ZONE)
    start = now + timedelta(days=2)
    end, opens, closes = (
        start + timedelta(hours=2),
        now - timedelta(hours=1),
        now + timedelta(days=1),
    )
    event = Event("西湖湿地净滩", "志愿", "杭州", "西溪湿地", start, end, PLACES, opens, closes)
    return EventRepo(redis).add([event])[0]


def _position(reply: str) -> tuple[str, int]:
    if reply.startswith("报名成功"):
        return "confirmed", 0
    found = re.search(r"候补名单第(\d+)位", reply)
    assert found, reply
    return "waitlisted", int(found[1])


def test_500_sign_ups_for_100_places(served, redis):
    config, base = served
    chat = Chat(config, base)
    number = _event(redis).number
    openids = [f"oRush{i:023d}" for i in range(FOLLOWERS)]
    pushes = {o: chat.push(o, f"报名 {number}") for o in openids}
    # Every fifth follower's push is delivered twice at once, as WeChat retries a slow answer.
    deliveries = [(o, pushes[o]) for o in openids] + [(o, pushes[o]) for o in openids[::5]]
    with ThreadPoolExecutor(64) as pool:
        replies = list(pool.map(lambda d: (d[0], chat.deliver(*d)), deliveries))

    by_follower: dict[str, set[str]] = {}
    for openid, reply in replies:
        by_follower.setdefault(openid, set()).add(reply)
    assert all(len(r) == 1 for r in by_follower.values())  # a retry gets the same answer
    outcomes = {o: _position(next(iter(r))) for o, r in by_follower.items()}
    confirmed = [o for o, (status, _) in outcomes.items() if status == "confirmed"]
    waiting = sorted((p, o) for o, (status, p) in outcomes.items() if status == "waitlisted")
    assert len(confirmed) == PLACES and [p for p, _ in waiting] == list(range(1, 401))

    follower = {o: f"zj:{o}" for o in openids}
    assert redis.zcard(EventKeys.confirmed(number)) == PLACES
    stored_waiting = [m.decode() for m in redis.zrange(EventKeys.waiting(number), 0, -1)]
    assert stored_waiting == [follower[o] for _, o in waiting]  # told position = stored order
    confirmed_orders = redis.zrange(EventKeys.confirmed(number), 0, -1, withscores=True)
    waiting_orders = redis.zrange(EventKeys.waiting(number), 0, -1, withscores=True)
    assert max(s for _, s in confirmed_orders) < min(s for _, s in waiting_orders)
    assert int(redis.get(EventKeys.order(number))) == FOLLOWERS  # one sign-up each

    # Resending (a new message) counts once too.
    with ThreadPoolExecutor(32) as pool:
        again = list(pool.map(lambda o: chat.say(o, f"报名{number}"), openids[:50]))
    assert all("无需重复报名" in reply for reply in again)
    assert redis.zcard(EventKeys.waiting(number)) == FOLLOWERS - PLACES

    # Ten with places cancel at once: the first ten waiting move up, in order.
    with ThreadPoolExecutor(CANCELLED) as pool:
        cancelled = list(
            pool.map(lambda o: chat.say(o, f"取消报名 {number}"), confirmed[:CANCELLED])
        )
    assert all(reply.startswith("已取消您在") for reply in cancelled)
    moved_up = [o for _, o in waiting[:CANCELLED]]
    now_confirmed = {m.decode() for m in redis.zrange(EventKeys.confirmed(number), 0, -1)}
    assert {follower[o] for o in moved_up} <= now_confirmed and len(now_confirmed) == PLACES
    rest = [m.decode() for m in redis.zrange(EventKeys.waiting(number), 0, -1)]
    assert rest == [follower[o] for _, o in waiting[CANCELLED:]]
    assert "候补第1位" in chat.say(waiting[CANCELLED][1], "我的报名")

    # Each who moved up is told when they next write, once.
    told = [chat.say(o, "帮助") for o in moved_up]
    assert all(reply.startswith("【递补成功】") for reply in told)
    assert not any("递补成功" in chat.say(o, "帮助") for o in moved_up)
