"""The 美丽长三角 column answer, end to end through the webhook in safe mode."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from bot.answers.column import column_answer
from bot.forecast.service import import_forecast
from bot.router import Incoming
from bot.store import SynKeys
from bot.wechat.messages import parse_message
from syndication.sandbox.demo import DEMO_MENU
from syndication.sandbox.pushes import message_xml, next_msg_id, text_xml
from tests.conftest import NOW
from tests.forecast_data import NOW_DT, sample_bytes
from tests.test_webhook import decrypt_reply

OPENID = "oFollower0000000000000000077"
_event_times = itertools.count(int(NOW) - 1000)  # events dedupe on sender + CreateTime + Event


def publish(redis, account: str, number: int, at: float, **fields: Any) -> str:
    """Write one column article as syndication does; return its article id."""
    article_id = f"A{number}"
    item = {
        "number": number,
        "title": f"标题{number}",
        "digest": f"摘要{number}",
        "url": f"https://mp.weixin.qq.com/s/{account}-{article_id}",
        "cover_url": f"https://mmbiz.qpic.cn/{account}-{article_id}.jpg",
        "published_at": at,
        **fields,
    }
    redis.zadd(SynKeys.column(account), {article_id: at})
    redis.set(SynKeys.column_item(account, article_id), json.dumps(item, ensure_ascii=False))
    return article_id


def ask(wechat, config, text: str, account: str = "sh") -> dict:
    response = wechat.send(account, text_xml(config.accounts[account], OPENID, text))
    assert response.status_code == 200, response.data
    return decrypt_reply(config, account, response.data)


def push(wechat, config, msg_type: str, fields: dict, account: str = "sh") -> dict:
    if msg_type == "event":
        xml = message_xml(config.accounts[account], OPENID, "event", fields, next(_event_times))
    else:
        xml = message_xml(
            config.accounts[account], OPENID, msg_type, {**fields, "MsgId": next_msg_id()}
        )
    return decrypt_reply(config, account, wechat.send(account, xml).data)


def items_of(reply: dict) -> list[dict]:
    assert reply["MsgType"] == "news", reply
    items = reply["Articles"]["item"]
    items = items if isinstance(items, list) else [items]
    assert int(reply["ArticleCount"]) == len(items)
    return items


@pytest.fixture
def column(redis) -> None:
    """Three articles on sh, the newest last; a forecast too, so the forecast could answer."""
    import_forecast(redis, sample_bytes(), NOW_DT)
    for number in (1, 2, 3):
        publish(redis, "sh", number, NOW - 86400 * (4 - number))


# -- which messages are the column, which are the forecast -------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("美丽长三角", "column", id="name"),
        pytest.param("美麗長三角", "column", id="name-traditional"),
        pytest.param("美丽长三角！", "column", id="name-punctuation"),
        pytest.param("《美丽长三角》", "column", id="name-in-title-marks"),
        pytest.param(" 美丽 长三角 ", "column", id="name-spaced"),
        pytest.param("专栏", "column", id="column"),
        pytest.param("專欄", "column", id="column-traditional"),
        pytest.param("往期", "column", id="past-issues"),
        pytest.param("美丽长三角专栏", "column", id="name-and-column"),
        pytest.param("美麗長三角專欄。", "column", id="name-and-column-traditional"),
        pytest.param("往期文章", "column", id="past-articles"),
        pytest.param("最新文章", "column", id="newest-articles"),
        pytest.param("美丽长三角往期", "column", id="name-past-issues"),
        pytest.param("长三角空气", "forecast", id="region-air"),
        pytest.param("长三角明天空气", "forecast", id="region-tomorrow-air"),
        pytest.param("长三角", "forecast", id="region-alone"),
        pytest.param("明天長三角空氣怎麼樣？", "forecast", id="region-question-traditional"),
        pytest.param("美丽长三角明天空气", "forecast", id="air-question-naming-the-column"),
    ],
)
def test_the_column_name_wins_over_the_region_but_air_questions_stay_forecasts(
    wechat, config, column, text, kind
):
    reply = ask(wechat, config, text)
    if kind == "column":
        assert items_of(reply)[0]["Title"] == "第3期 标题3"
    else:
        assert reply["MsgType"] == "text"
        assert "【上海】" in reply["Content"] and "【安徽】" in reply["Content"]


# -- what the reply says -------------------------------------------------------------------------


def test_newest_first_at_most_8_with_numbers_digests_covers_urls_and_the_total(
    wechat, config, redis
):
    for number in range(1, 11):
        publish(redis, "sh", number, NOW - 3600 * (11 - number))
    items = items_of(ask(wechat, config, "美丽长三角"))
    assert [i["Title"] for i in items] == [f"第{n}期 标题{n}" for n in range(10, 2, -1)]
    assert items[0]["Description"] == "「美丽长三角」专栏本号已累计发布10篇\n摘要10"
    assert [i["Description"] for i in items[1:]] == [f"摘要{n}" for n in range(9, 2, -1)]
    assert items[0]["Url"] == "https://mp.weixin.qq.com/s/sh-A10"
    assert items[0]["PicUrl"] == "https://mmbiz.qpic.cn/sh-A10.jpg"


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        pytest.param("sh", ["第3期 标题3", "第2期 标题2", "第1期 标题1"], id="sh-its-own"),
        pytest.param("js", ["第2期 标题2"], id="js-its-own"),
        pytest.param("zj", None, id="zj-none-yet"),
    ],
)
def test_each_account_lists_what_was_published_on_it(
    wechat, config, redis, column, account, expected
):
    publish(redis, "js", 2, NOW - 3600)
    reply = ask(wechat, config, "美丽长三角", account=account)
    if expected is None:
        assert reply["MsgType"] == "text"
        assert reply["Content"] == "「美丽长三角」专栏在本号还没有文章，敬请期待。"
    else:
        items = items_of(reply)
        assert [i["Title"] for i in items] == expected
        assert f"已累计发布{len(expected)}篇" in items[0]["Description"]


@pytest.mark.parametrize(
    ("msg_type", "fields"),
    [
        pytest.param("event", {"Event": "CLICK", "EventKey": "COLUMN"}, id="menu-click"),
        pytest.param(
            "voice",
            {"MediaId": "m1", "Format": "amr", "Recognition": "美丽长三角。"},
            id="voice",
        ),
    ],
)
def test_menu_button_and_voice(wechat, config, column, msg_type, fields):
    items = items_of(push(wechat, config, msg_type, fields))
    assert [i["Title"] for i in items] == ["第3期 标题3", "第2期 标题2", "第1期 标题1"]


def _click_keys(buttons: list[dict]) -> list[str]:
    keys = []
    for button in buttons:
        keys += _click_keys(button.get("sub_button", []))
        keys += [button["key"]] if button.get("type") == "click" else []
    return keys


def test_the_demo_menu_has_the_column_button_and_every_click_key_is_answered(
    wechat, config, column
):
    keys = _click_keys(DEMO_MENU)
    assert "COLUMN" in keys
    for key in keys:
        reply = push(wechat, config, "event", {"Event": "CLICK", "EventKey": key})
        assert "收到！" not in reply.get("Content", ""), key  # the fallback's opening


def test_the_total_is_every_article_not_only_the_8_shown(wechat, config, redis):
    for number in range(1, 13):
        publish(redis, "sh", number, NOW - 60 * (13 - number))
    items = items_of(ask(wechat, config, "往期"))
    assert len(items) == 8 and "已累计发布12篇" in items[0]["Description"]


def test_same_publish_time_the_higher_number_is_newer(wechat, config, redis):
    publish(redis, "sh", 9, NOW)
    publish(redis, "sh", 10, NOW)  # "A10" sorts before "A9" as text
    assert [i["Title"] for i in items_of(ask(wechat, config, "专栏"))] == [
        "第10期 标题10",
        "第9期 标题9",
    ]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda redis: redis.delete(SynKeys.column_item("sh", "A3")), id="missing"),
        pytest.param(lambda redis: redis.set(SynKeys.column_item("sh", "A3"), "{"), id="not-json"),
        pytest.param(
            lambda redis: redis.set(SynKeys.column_item("sh", "A3"), '{"title": 3}'),
            id="wrong-shape",
        ),
    ],
)
def test_an_unreadable_item_is_left_out_and_still_counted(wechat, config, redis, column, damage):
    damage(redis)
    items = items_of(ask(wechat, config, "美丽长三角"))
    assert [i["Title"] for i in items] == ["第2期 标题2", "第1期 标题1"]
    assert "已累计发布3篇" in items[0]["Description"]


def test_only_unreadable_items_is_a_text_with_the_total(wechat, config, redis):
    publish(redis, "sh", 1, NOW)
    redis.delete(SynKeys.column_item("sh", "A1"))
    content = ask(wechat, config, "美丽长三角")["Content"]
    assert "已累计发布1篇" in content and "暂时无法显示" in content


def test_help_lists_the_column(wechat, config):
    assert "回复「美丽长三角」" in ask(wechat, config, "帮助")["Content"]


def test_titles_and_digests_are_escaped_in_the_reply(wechat, config, redis):
    publish(redis, "sh", 1, NOW, title="A]]><b>x</b>", digest="<&>")
    [item] = items_of(ask(wechat, config, "美丽长三角"))
    assert item["Title"] == "第1期 A]]><b>x</b>" and item["Description"].endswith("\n<&>")


# -- Redis round trips ---------------------------------------------------------------------------


class RoundTrips:
    """The real client, counting requests: a pipeline's execute is one, any command is one."""

    def __init__(self, redis) -> None:
        self._redis = redis
        self.count = 0

    def pipeline(self, transaction: bool = True):
        pipe = self._redis.pipeline(transaction=transaction)
        execute = pipe.execute

        def counted(*args, **kwargs):
            self.count += 1
            return execute(*args, **kwargs)

        pipe.execute = counted
        return pipe

    def __getattr__(self, name: str):
        attribute = getattr(self._redis, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):
            self.count += 1
            return attribute(*args, **kwargs)

        return counted


@pytest.mark.parametrize(("published", "trips"), [(0, 1), (3, 2), (12, 2)])
def test_at_most_two_redis_round_trips(config, redis, published, trips):
    for number in range(1, published + 1):
        publish(redis, "sh", number, NOW - number)
    counting = RoundTrips(redis)
    fields = {"ToUserName": "gh_x", "FromUserName": OPENID, "CreateTime": "1", "MsgType": "text"}
    message = parse_message({**fields, "Content": "美丽长三角", "MsgId": "1"}, "sh")
    column_answer(Incoming(message, "美丽长三角", config.accounts["sh"], counting, NOW_DT))
    assert counting.count == trips
