"""Every follower flow for events through the webhook in safe mode, as WeChat pushes them."""

from __future__ import annotations

import pytest

from bot.events import signup
from bot.events.repo import EventRepo
from bot.store import EventKeys
from syndication.sandbox.pushes import location_xml, message_xml, next_msg_id, text_xml
from tests.events_support import (
    HANGZHOU,
    HEFEI_NOT_OPEN,
    NANJING,
    SHANGHAI,
    SUZHOU_CLOSED,
    import_sample,
    say,
)
from tests.test_webhook import decrypt_reply

ALICE = "oAlice000000000000000000000001"
BOB = "oBob00000000000000000000000002"


@pytest.fixture
def events(redis):
    return import_sample(redis)


def test_activities_lists_upcoming_events_own_region_first(wechat, config, events):
    content = say(wechat, config, ALICE, "活动", account="js")
    lines = [line for line in content.splitlines() if line.startswith("#")]
    assert lines[0].startswith(f"#{NANJING}【开放日】江心洲污水处理厂开放日")
    assert "11月28日（周六）09:30–11:30" in content and "余30席" in content
    assert "报名 " in content and len(content.encode()) <= 2048


def test_the_accounts_own_region_comes_first(wechat, config, events):
    content = say(wechat, config, ALICE, "最近有什么活动", account="sh")
    assert content.splitlines()[1].startswith(f"#{SHANGHAI}【志愿】")


@pytest.mark.parametrize(
    ("text", "wanted", "unwanted"),
    [
        pytest.param("开放日", "江心洲污水处理厂开放日", "主题讲座", id="open-days"),
        pytest.param("志愿", "滨江垃圾清捡志愿活动", "开放日", id="volunteering"),
        pytest.param("南京有什么活动", "江心洲污水处理厂开放日", "滨江", id="nanjing"),
        pytest.param("南京有什么活动", "生态环境知识线上讲座", "杭州", id="province-wide"),
        pytest.param("杭州的讲座", "主题讲座", "江心洲", id="city-and-kind"),
        pytest.param("上海有什么活动", "滨江垃圾清捡", "南京", id="shanghai"),
    ],
)
def test_lists_by_kind_and_place(wechat, config, events, text, wanted, unwanted):
    content = say(wechat, config, ALICE, text)
    assert wanted in content and unwanted not in content


def test_a_place_without_events_says_so(wechat, config, events):
    assert "宁波近期暂无可报名的活动" in say(wechat, config, ALICE, "宁波有什么活动")
    assert "暂无北京的活动" in say(wechat, config, ALICE, "北京有什么活动")


def test_no_events_at_all(wechat, config):
    assert "近期暂无可报名的活动" in say(wechat, config, ALICE, "活动")


def test_location_while_browsing_gives_the_nearest_events(wechat, config, events):
    say(wechat, config, ALICE, "活动")
    xml = location_xml(config.accounts["sh"], ALICE, 32.05, 118.78, "南京新街口")
    content = decrypt_reply(config, "sh", wechat.send("sh", xml).data)["Content"]
    first = [line for line in content.splitlines() if line.startswith("#")][0]
    assert first.startswith(f"#{NANJING}") and "约" in content and "公里" in content


def test_location_without_browsing_is_the_air_forecast(wechat, config, events):
    xml = location_xml(config.accounts["sh"], BOB, 32.05, 118.78, "南京新街口")
    content = decrypt_reply(config, "sh", wechat.send("sh", xml).data)["Content"]
    assert "离您最近的城市：南京" in content


def test_sign_up_gets_a_place_and_a_check_in_code(wechat, config, redis, events):
    content = say(wechat, config, ALICE, f"报名 {NANJING}")
    assert content.startswith(f"报名成功！#{NANJING} 江心洲污水处理厂开放日")
    code = signup.registration(redis, NANJING, "sh", ALICE)["code"]
    assert f"签到码：{code}" in content and len(code) == 6
    assert "余29席" in say(wechat, config, BOB, "开放日")


@pytest.mark.parametrize("text", ["报名一", "报名第一个", "我要报名一号活动"])
def test_sign_up_and_cancel_read_chinese_numerals(wechat, config, redis, events, text):
    assert NANJING == 1  # the sample's first event
    assert say(wechat, config, ALICE, text).startswith(f"报名成功！#{NANJING} ")
    assert say(wechat, config, ALICE, "取消报名第一个").startswith(f"已取消您在 #{NANJING} ")


def test_signing_up_again_counts_once(wechat, config, redis, events):
    say(wechat, config, ALICE, f"报名 {NANJING}")
    again = say(wechat, config, ALICE, f"报名{NANJING}")
    assert again.startswith(f"您已报名 #{NANJING}") and "无需重复报名" in again
    assert redis.zcard(EventKeys.confirmed(NANJING)) == 1


def test_a_retried_push_gets_the_same_answer_and_counts_once(wechat, config, redis, events):
    msg_id = next_msg_id()
    xml = text_xml(config.accounts["sh"], ALICE, f"报名 {NANJING}", msg_id=msg_id)
    first = decrypt_reply(config, "sh", wechat.send("sh", xml).data)["Content"]
    second = decrypt_reply(config, "sh", wechat.send("sh", xml).data)["Content"]
    assert first == second and first.startswith("报名成功")
    assert redis.zcard(EventKeys.confirmed(NANJING)) == 1


def test_a_retry_after_a_lost_reply_answers_as_the_first_time(config, redis, events):
    """The process died after the sign-up, before storing its reply: same message, same answer."""
    result = signup.sign_up(redis, NANJING, "sh", ALICE, 1795488000.0, "msg-1")
    again = signup.sign_up(redis, NANJING, "sh", ALICE, 1795488001.0, "msg-1")
    other = signup.sign_up(redis, NANJING, "sh", ALICE, 1795488002.0, "msg-2")
    assert (result.outcome, again.outcome, other.outcome) == ("new", "new", "already")
    assert result.code == again.code == other.code
    assert redis.zcard(EventKeys.confirmed(NANJING)) == 1


def test_mine_lists_sign_ups_with_codes(wechat, config, redis, events):
    say(wechat, config, ALICE, f"报名 {NANJING}")
    say(wechat, config, ALICE, f"报名 {HANGZHOU}")
    content = say(wechat, config, ALICE, "我的报名")
    code = signup.registration(redis, NANJING, "sh", ALICE)["code"]
    assert f"#{NANJING} 江心洲污水处理厂开放日" in content and f"签到码 {code}" in content
    assert f"#{HANGZHOU}" in content
    assert "没有报名任何活动" in say(wechat, config, BOB, "我的报名")


def test_cancel_frees_the_place(wechat, config, redis, events):
    say(wechat, config, ALICE, f"报名 {NANJING}")
    assert say(wechat, config, ALICE, f"取消报名 {NANJING}").startswith(
        f"已取消您在 #{NANJING} 江心洲污水处理厂开放日 的报名"
    )
    assert redis.zcard(EventKeys.confirmed(NANJING)) == 0
    assert "没有报名任何活动" in say(wechat, config, ALICE, "我的报名")
    assert "您没有报名" in say(wechat, config, ALICE, f"取消报名 {NANJING}")


def test_waiting_list_and_promotion_told_when_they_next_write(wechat, config, redis, events):
    repo = EventRepo(redis)
    small = repo.add([_with_capacity(repo.get(NANJING), 1, "小型开放日")])[0]
    assert say(wechat, config, ALICE, f"报名 {small.number}").startswith("报名成功")
    waiting = say(wechat, config, BOB, f"报名 {small.number}")
    assert "候补名单第1位" in waiting
    say(wechat, config, ALICE, f"取消报名 {small.number}")
    told = say(wechat, config, BOB, "你好")
    assert told.startswith("【递补成功】") and f"#{small.number} 小型开放日" in told
    assert "欢迎" in told or "您好" in told  # the answer to what they wrote follows
    assert "递补成功" not in say(wechat, config, BOB, "你好")  # told once
    assert "已报名，签到码" in say(wechat, config, BOB, "我的报名")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("报名 999", "没有编号为 999 的活动", id="unknown-number"),
        pytest.param(f"报名 {HEFEI_NOT_OPEN}", "的报名将于 11月30日 09:00 开始", id="not-yet-open"),
        pytest.param(f"报名 {SUZHOU_CLOSED}", "的报名已于 11月24日 00:00 截止", id="closed"),
        pytest.param("报名", "请在「报名」后写上活动编号", id="no-number"),
        pytest.param("报名 十二", "没有编号为 12 的活动", id="chinese-numeral-read"),
        pytest.param("报名 三四", "请在「报名」后写上活动编号", id="not-one-number"),
        pytest.param("取消报名", "请在「取消报名」后写上活动编号", id="cancel-no-number"),
        pytest.param("取消报名 999", "没有编号为 999 的活动", id="cancel-unknown"),
        pytest.param("活动吧啦吧啦", "抱歉，暂时没有看懂", id="unknown-command"),
    ],
)
def test_refusals_are_clear_and_change_nothing(wechat, config, redis, events, text, expected):
    before = _snapshot(redis)
    assert expected in say(wechat, config, ALICE, text)
    assert _snapshot(redis) == before


def test_full_event_with_a_full_waiting_list(wechat, config, redis, events):
    repo = EventRepo(redis)
    tiny = repo.add([_with_capacity(repo.get(NANJING), 1, "极小开放日", waitlist=0)])[0]
    say(wechat, config, ALICE, f"报名 {tiny.number}")
    assert "名额和候补名单都已满" in say(wechat, config, BOB, f"报名 {tiny.number}")


def test_the_menu_lists_events(wechat, config):
    assert "回复「活动」" in say(wechat, config, ALICE, "帮助")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("六五环境日是哪天", "六五环境日是每年6月5日", id="environment-day"),
        pytest.param("环境日是几号", "《中华人民共和国环境保护法》第十二条", id="legal-basis"),
        pytest.param("全国生态日是哪天", "全国生态日是每年8月15日", id="ecology-day"),
        pytest.param(
            "2024年环境日主题是什么", "2024年六五环境日主题：「全面推进美丽中国建设」", id="2024"
        ),
        pytest.param("去年环境日主题", "2025年六五环境日主题：「美丽中国我先行」", id="last-year"),
        pytest.param("今年环境日主题是什么", "2026年六五环境日的主题暂未收录", id="this-year"),
        pytest.param("今年環境日主題是什麼", "2025年的主题是「美丽中国我先行」", id="traditional"),
        pytest.param("世界地球日", "世界地球日是每年4月22日", id="earth-day"),
        pytest.param("环境日历", "近期的环境纪念日", id="calendar"),
    ],
)
def test_environmental_days(wechat, config, text, expected):
    assert expected in say(wechat, config, ALICE, text)


def _with_capacity(event, capacity: int, title: str, waitlist: int | None = None):
    from dataclasses import replace

    return replace(event, capacity=capacity, title=title, waitlist=waitlist, number=0)


def _snapshot(redis) -> dict:
    """Every event key and its content (replies and dedupe keys are not events)."""
    state = {}
    for key in redis.scan_iter(match="csj:{events}:*"):
        kind = redis.type(key).decode()
        if kind == "hash":
            state[key] = redis.hgetall(key)
        elif kind == "zset":
            state[key] = redis.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            state[key] = redis.smembers(key)
        elif key.decode().split(":")[2] != "browsing":
            state[key] = redis.get(key)
    return state


def test_a_long_list_stays_inside_2048_bytes(wechat, config, redis, events):
    repo = EventRepo(redis)
    repo.add([_with_capacity(repo.get(NANJING), 5, f"第{i}场湿地开放日") for i in range(60)])
    content = say(wechat, config, ALICE, "活动")
    assert len(content.encode()) <= 2048 and "…另有" in content and "报名 " in content


def test_traditional_chinese(wechat, config, events):
    full_width = str(NANJING).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    assert say(wechat, config, ALICE, f"報名 {full_width}").startswith("报名成功")
    assert "已取消" in say(wechat, config, ALICE, f"取消報名 {NANJING}")
    assert "江心洲" in say(wechat, config, ALICE, "南京有什麼活動")


def test_an_event_called_off_is_told_and_refuses_sign_ups(wechat, config, redis, events):
    say(wechat, config, ALICE, f"报名 {NANJING}")
    assert signup.call_off(redis, EventRepo(redis).get(NANJING)) == 1
    assert signup.call_off(redis, EventRepo(redis).get(NANJING)) is None  # once
    told = say(wechat, config, ALICE, "我的报名")
    assert told.startswith(f"【活动取消】很抱歉，您报名的 #{NANJING} 江心洲污水处理厂开放日")
    assert "活动已取消" in told
    assert "已取消，无法报名" in say(wechat, config, BOB, f"报名 {NANJING}")
    assert "已取消，无法报名" in say(wechat, config, ALICE, f"报名 {NANJING}")
    assert "江心洲" not in say(wechat, config, BOB, "南京有什么活动")


def test_an_unreadable_location_while_browsing(wechat, config, events):
    say(wechat, config, ALICE, "活动")
    fields = {"Location_X": "abc", "Location_Y": "118.78", "Scale": "15", "Label": ""}
    xml = message_xml(config.accounts["sh"], ALICE, "location", {**fields, "MsgId": next_msg_id()})
    content = decrypt_reply(config, "sh", wechat.send("sh", xml).data)["Content"]
    assert "没有读到您的位置" in content


def test_a_location_far_from_every_event(wechat, config, events):
    say(wechat, config, ALICE, "活动")
    xml = location_xml(config.accounts["sh"], ALICE, 39.9, 116.4, "北京")
    content = decrypt_reply(config, "sh", wechat.send("sh", xml).data)["Content"]
    assert content.startswith("您附近200公里内暂无可报名的活动")
