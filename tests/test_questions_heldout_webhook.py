"""What the held-out phrasings found, end to end through the webhook in safe mode: things to do are
not places, the air purifier gets advice for the day, landmarks answer for their city, a place one
confused sound away is read and said, and voice-input filler does not shift the day."""

from __future__ import annotations

import pytest

from bot.forecast.nearmiss import near_miss
from bot.forecast.service import import_forecast
from tests.forecast_data import NOW_DT, sample_bytes
from tests.test_questions_heldout import CASES
from tests.test_questions_webhook import ask

PURIFIER_SOURCE = "GB/T 18801《空气净化器》"


@pytest.fixture
def imported(redis):
    return import_forecast(redis, sample_bytes(), NOW_DT).issue


@pytest.mark.parametrize("text", ["今天适合洗车吗", "明天能洗车不"])
def test_a_thing_to_do_is_not_reported_as_a_place(wechat, config, imported, text):
    content = ask(wechat, config, text)
    assert "没有认出" not in content and "这个地点" not in content
    assert content.startswith("抱歉，暂时没有看懂您的问题。\n您是想查11月2")  # the day it named


def test_the_purifier_gets_advice_for_the_day_and_the_forecast(wechat, config, imported):
    content = ask(wechat, config, "今天要不要开空气净化器")
    assert content.startswith("【开空气净化器】空气质量良，一般不需要开空气净化器，开窗通风即可。")
    assert "【上海】11月24日（周二，今天）" in content and PURIFIER_SOURCE in content


def test_the_purifier_advice_follows_the_level_and_the_group(wechat, config, imported):
    content = ask(wechat, config, "南京后天家里有老人要开净化器吗")  # 南京 the day after: 轻度污染
    assert content.startswith("【开空气净化器】老人属于敏感人群，建议少开窗")
    assert "【南京】11月26日" in content


def test_a_purifier_follow_up_takes_the_last_place_and_day(wechat, config, imported):
    ask(wechat, config, "明天南京空气")
    content = ask(wechat, config, "要开净化器吗")
    assert content.startswith("（接上一个问题：南京，11月25日）\n【开空气净化器】")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("空氣淨化器有用嗎", "洁净空气量（CADR）"),
        ("雾霾天开空调有用吗", "普通空调只让室内空气循环，一般不能过滤PM2.5"),
        ("轻度污染严重吗", "「轻度污染」是空气质量三级，AQI 101–150"),
        ("pm2.5到底是个啥", "来源："),
        ("雾跟霾是一回事吗", "来源："),
    ],
    ids=["purifier", "air-conditioner", "how-bad-a-level-is", "loose-what", "one-thing"],
)
def test_loosely_worded_knowledge_questions(wechat, config, imported, text, expected):
    content = ask(wechat, config, text)
    assert expected in content and "AQI：" not in content  # the entry, not a forecast


@pytest.mark.parametrize(
    ("text", "city", "said"),
    [
        ("明天爬紫金山空气咋样", "【南京】11月25日", "紫金山按南京全市预报。"),  # not 上海's 金山
        ("南京路明天空气", "【上海】11月25日", "南京路按上海全市预报。"),  # not the city 南京
        ("周六去西湖边骑车行不行", "【杭州】11月28日", "西湖按杭州全市预报。"),
    ],
    ids=["zijinshan", "nanjing-road", "west-lake"],
)
def test_a_landmark_answers_for_its_city(wechat, config, imported, text, city, said):
    content = ask(wechat, config, text)
    assert city in content and said in content and "没有认出" not in content


def test_an_activity_word_that_reads_badly_is_said_plainly(wechat, config, imported):
    content = ask(wechat, config, "明天爬紫金山空气咋样")
    assert content.startswith("【爬山】一般人群可以爬山")


def test_a_place_one_confused_sound_away_is_read_and_said(wechat, config, imported):
    content = ask(wechat, config, "明天宁坡空气咋样")
    assert content.startswith("「宁坡」按「宁波」理解。\n【宁波】11月25日")


@pytest.mark.parametrize(
    ("typed", "places"),
    [
        ("宁坡", ("宁波",)),  # p for b
        ("南金", ("南京",)),  # jin for jing
        ("舟删", ("舟山",)),  # shan typed as san's neighbour: sh/s
        ("宁海", None),  # a county of 宁波 by its own name, not a typo of it
        ("上好", None),  # hao is not hai
        ("常熟", None),
    ],
)
def test_near_miss_by_one_confused_sound(typed, places):
    found = near_miss(typed)
    assert (found.places if found else None) == places


def test_voice_filler_does_not_shift_the_day_or_become_a_place(wechat, config, imported):
    content = ask(wechat, config, "嗯我想问一下周六带孩子去公园玩可以吗")
    assert "11月28日（周六）" in content and "12月5日" not in content and "没有认出" not in content
    content = ask(wechat, config, "喂喂明天苏州空气好吗")
    assert content.startswith("【苏州】11月25日") and "喂喂" not in content


def test_every_heldout_message_gets_an_answer_that_fits(wechat, config, imported):
    for case in CASES:
        assert ask(wechat, config, case.text)  # a text reply within WeChat's 2048 bytes


def test_the_week_after_next_is_said_not_read_as_next_week(wechat, config, imported):
    content = ask(wechat, config, "下下周南京空气")
    assert "抱歉，没有看懂「下下周」是哪一天。" in content and "AQI" not in content


def test_working_hours_are_not_an_outing(wechat, config, imported):
    content = ask(wechat, config, "你们几点上班")
    assert content.startswith("抱歉，暂时没有看懂您的问题。") and "【" not in content


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "礼拜天带小孩去动物园空气行不行",
            "【去动物园】空气质量良，小孩一般可以去动物园",
        ),  # not a place
        ("绍兴后天适合出游吗", "【出游】"),
    ],
)
def test_outings_said_other_ways(wechat, config, imported, text, expected):
    content = ask(wechat, config, text)
    assert expected in content and "没有认出" not in content


def test_chat_spelling_of_how_reaches_the_entry(wechat, config, imported):
    assert ask(wechat, config, "臭氧高了咋办") == ask(wechat, config, "臭氧高了怎么办")
    assert "来源：" in ask(wechat, config, "臭氧高了咋办")


def test_an_appliance_question_not_understood_is_pointed_to_the_purifier_entry(wechat, config):
    content = ask(wechat, config, "空调滤网多久洗一次")
    assert content.startswith("抱歉，暂时没有看懂您的问题。\n您是不是想问「空气净化器有用吗」？")
    assert "净化器等建议" in content  # the menu names the purifier advice
