"""Issue 11's answers end to end through the webhook in safe mode: activities, knowledge,
follow-ups across pushes (and their expiry), near misses, new dates, words not understood."""

from __future__ import annotations

import json

import pytest

from bot import create_app, knowledge
from bot.conversation import FOLLOW_UP_SECONDS
from bot.forecast.service import import_forecast
from bot.store import Keys
from syndication.sandbox.pushes import text_xml
from tests.conftest import WeChat
from tests.forecast_data import NOW_DT, sample_bytes
from tests.round_trips import RoundTrips
from tests.test_webhook import decrypt_reply

OPENID = "oFollower0000000000000000011"
OTHER = "oFollower0000000000000000012"
WECHAT_TEXT_LIMIT = 2048


def ask(wechat, config, text: str, account: str = "sh", openid: str = OPENID) -> str:
    response = wechat.send(account, text_xml(config.accounts[account], openid, text))
    assert response.status_code == 200, response.data
    reply = decrypt_reply(config, account, response.data)
    assert reply["MsgType"] == "text"
    assert len(reply["Content"].encode()) <= WECHAT_TEXT_LIMIT
    return reply["Content"]


@pytest.fixture
def imported(redis):
    return import_forecast(redis, sample_bytes(), NOW_DT).issue


# -- activities and health --------------------------------------------------------------------


def test_running_today_gets_the_advice_for_the_level_and_the_numbers(wechat, config, imported):
    content = ask(wechat, config, "今天能出去跑步吗", account="js")
    assert content.startswith("【跑步】一般人群可以跑步")  # 江苏 today: 良至轻度污染, the worse
    assert "【江苏】11月24日（周二，今天）" in content and "AQI：75–105" in content
    assert "建议依据：HJ 633—2012" in content


def test_a_sensitive_group_gets_its_own_advice(wechat, config, imported):
    content = ask(wechat, config, "明天帶孩子出去可以嗎")
    assert content.startswith("【带孩子出门】空气质量良，孩子一般可以出门")
    assert "【上海】11月25日（周三，明天）" in content


def test_a_condition_names_the_group(wechat, config, imported):
    content = ask(wechat, config, "哮喘病人后天能晨练吗", account="ah")
    assert "呼吸系统疾病患者属于敏感人群，应减少长时间、高强度的户外锻炼" in content
    assert "【安徽】11月26日" in content


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天能开窗吗", "【开窗通风】空气质量良，可以正常开窗通风。"),
        ("今天适合晾衣服吗", "【晾晒衣物】空气质量良，可以在户外晾晒。"),
        ("要戴口罩吗", "【戴口罩】空气质量良，一般人群不需要为防污染戴口罩。"),
        ("周末南京适合爬山吗", "（按所问地点和日期中最差的「中度污染」给出建议）"),
    ],
    ids=["window", "laundry", "mask", "worst-of-two-days"],
)
def test_everyday_activities(wechat, config, imported, text, expected):
    assert expected in ask(wechat, config, text)


def test_ozone_days_say_when_to_go_out(wechat, config, redis):
    data = sample_bytes().replace(
        "2026-11-24,上海,55,75,良,PM2.5".encode(), "2026-11-24,上海,105,135,轻度污染,O3".encode()
    )
    import_forecast(redis, data, NOW_DT)
    content = ask(wechat, config, "今天能跑步吗")
    assert "臭氧午后最高" in content and "首要污染物：臭氧(O3)" in content


# -- knowledge --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", knowledge.entries(), ids=lambda e: e.id)
def test_every_knowledge_entry_answers_its_example_question(wechat, config, entry):
    assert ask(wechat, config, entry.paraphrases[0]) == entry.text()


def test_knowledge_answers_carry_their_source_and_fit_a_text_reply():
    for entry in knowledge.entries():
        assert entry.source and len(entry.text().encode()) <= WECHAT_TEXT_LIMIT


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("PM2.5是什么", "pm25"),
        ("臭氧為什麼夏天高", "ozone_summer"),
        ("一图可见是什么", "card"),
        ("AQI 150严重吗", "level-3"),
    ],
)
def test_knowledge_questions_the_issue_names(wechat, config, imported, text, entry_id):
    content = ask(wechat, config, text, account="js")
    assert content == next(e for e in knowledge.entries() if e.id == entry_id).text()
    assert "AQI：" not in content  # not tomorrow's forecast, which answers none of them


# -- follow-ups -------------------------------------------------------------------------------


def test_follow_ups_take_the_missing_part_from_the_last_question(wechat, config, imported):
    assert "【南京】11月24日" in ask(wechat, config, "今天南京空气")
    day_after = ask(wechat, config, "那后天呢")
    assert "（接上一个问题：南京）" in day_after and "【南京】11月26日（周四，后天）" in day_after
    suzhou = ask(wechat, config, "苏州呢")
    assert "【苏州】11月26日" in suzhou and "（接上一个问题：11月26日）" in suzhou
    weekend = ask(wechat, config, "周末呢")
    assert "【苏州】" in weekend and "11/28 周六" in weekend and "11/29 周日" in weekend


def test_an_activity_follow_up_keeps_the_activity(wechat, config, imported):
    ask(wechat, config, "今天能跑步吗", account="zj")
    content = ask(wechat, config, "那明天呢", account="zj")
    assert content.startswith("（接上一个问题：浙江）\n【跑步】")
    assert "【浙江】11月25日（周三，明天）" in content


def test_context_is_per_follower(wechat, config, imported):
    ask(wechat, config, "今天南京空气")
    content = ask(wechat, config, "那后天呢", openid=OTHER)
    assert "暂时没有看懂" in content and "【南京】" not in content


def test_context_expires_with_the_clock(wechat, config, redis, clock, imported):
    ask(wechat, config, "今天南京空气")
    clock.advance(FOLLOW_UP_SECONDS - 1)
    assert "【南京】11月26日" in ask(wechat, config, "那后天呢")
    clock.advance(FOLLOW_UP_SECONDS + 1)  # past the window since that answer
    expired = ask(wechat, config, "那后天呢")
    assert "暂时没有看懂" in expired and "【南京】" not in expired
    assert "您是想查11月26日的空气质量吗" in expired


def test_context_keeps_only_the_question_and_only_briefly(wechat, config, redis, imported):
    ask(wechat, config, "明天帶孩子出去可以嗎")
    key = Keys.follow_up("sh", OPENID)
    assert 0 < redis.ttl(key) <= FOLLOW_UP_SECONDS
    stored = json.loads(redis.get(key))
    assert set(stored) == {"places", "days", "activity", "at"}
    assert "帶孩子出去可以嗎" not in redis.get(key).decode()


def test_remembering_costs_no_extra_round_trip(config, redis, clock, runner, imported, monkeypatch):
    app = create_app(config, redis=redis, clock=clock, runner=runner)
    wechat = WeChat(app.test_client(), config, clock)
    ask(wechat, config, "今天南京空气")  # reads the forecast once; then it is cached in-process
    trips = RoundTrips(monkeypatch)  # every request on the socket, scripts included
    ask(wechat, config, "明天南京空气")
    assert trips.count == 1  # the reply and the context, in one script
    assert redis.get(Keys.follow_up("sh", OPENID)) is not None


def test_knowledge_leaves_no_context(wechat, config, redis, imported):
    ask(wechat, config, "PM2.5是什么")
    assert redis.get(Keys.follow_up("sh", OPENID)) is None


# -- places by sound, new dates, never a silent guess -----------------------------------------


@pytest.mark.parametrize(
    ("text", "used", "numbers"),
    [
        ("杭洲明天空气", "「杭洲」按「杭州」理解。", "AQI：50–75"),
        ("南经后天空气怎么样", "「南经」按「南京」理解。", "AQI：110–140"),
        ("合废明天空气", "「合废」按「合肥」理解。", "AQI：100–130"),
    ],
)
def test_a_mistyped_place_is_read_by_sound_and_said(wechat, config, imported, text, used, numbers):
    content = ask(wechat, config, text)  # the 上海 account, which used to answer for 上海
    assert content.startswith(used) and numbers in content and "【上海】" not in content


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("素州明天空气", "「素州」是指苏州还是宿州？"),
        ("黄冈明天空气", "抱歉，没有认出「黄冈」这个地点。"),
        ("下个月上海空气", "抱歉，没有看懂「下个月」是哪一天。"),
        ("32号上海空气", "日历上没有「32号」这一天"),
    ],
    ids=["ambiguous", "unknown-place", "vague-date", "impossible-date"],
)
def test_a_word_not_understood_is_reported_not_defaulted(wechat, config, imported, text, said):
    content = ask(wechat, config, text)
    assert said in content and "AQI" not in content and "【上海】" not in content


def test_a_known_place_beside_an_unknown_one(wechat, config, imported):
    content = ask(wechat, config, "南京和黄冈明天空气")
    assert "【南京】11月25日" in content and "（没有认出「黄冈」，以上只含认出的地点。）" in content


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11.25上海空气", "【上海】11月25日（周三，明天）"),
        ("11-26南京空气", "【南京】11月26日（周四，后天）"),
        ("27号杭州空气", "【杭州】11月27日"),
        ("上海月底空气", "【上海】11月30日"),
        ("12.4南京空气", "12月4日超出本期预报范围"),
        ("下周三上海空气", "12月2日超出本期预报范围"),
    ],
)
def test_new_date_forms(wechat, config, imported, text, expected):
    assert expected in ask(wechat, config, text)


# -- the rest: the menu with a guess ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("你们几点下班", "您可能想问：「今天空气怎么样」「明天能跑步吗」「PM2.5是什么」。"),
        ("那明天呢", "您是想查11月25日的空气质量吗？可以回复「明天空气」。"),
        ("二氧化碳排放", "您是不是想问「PM2.5是什么」？"),
    ],
)
def test_not_understood_gets_a_guess_and_the_menu(wechat, config, imported, text, guess):
    content = ask(wechat, config, text)
    assert content.startswith("抱歉，暂时没有看懂您的问题。\n" + guess)
    assert "回复「明天能跑步吗」" in content and "回复「一图可见」" in content


# -- every corpus message, straight through the router ----------------------------------------


LONGEST = (
    "南京上海杭州合肥苏州无锡常州宁波温州嘉兴湖州绍兴未来一周带孩子出去可以吗",
    "长三角未来7天能跑步吗",
    "那下周呢",
)


def test_every_corpus_message_gets_an_answer_that_fits(config, redis, imported):
    from bot.answers import build_router
    from bot.wechat.messages import parse_message
    from tests.test_forecast_understand import CORPUS
    from tests.test_questions_understand import CASES

    router = build_router()
    texts = [c.text for c in CORPUS] + [c.text for c in CASES] + list(LONGEST)
    for n, text in enumerate(texts):
        fields = {"ToUserName": "gh_x", "FromUserName": OPENID, "CreateTime": "1"}
        message = parse_message({**fields, "MsgType": "text", "Content": text, "MsgId": n}, "sh")
        incoming = router.incoming(message, config.accounts["sh"], redis, NOW_DT)
        content = router.route(incoming).content
        assert content and len(content.encode()) <= WECHAT_TEXT_LIMIT, text
