"""Forecasts end to end through the webhook in safe mode, as WeChat pushes them."""

from __future__ import annotations

import pytest

from bot.forecast.importer import ImportRejected
from bot.forecast.service import import_forecast
from syndication.sandbox.pushes import message_xml, next_msg_id, text_xml
from tests.forecast_data import NOW_DT, newer_bytes, sample_bytes
from tests.test_forecast_media import FakeUploader
from tests.test_webhook import decrypt_reply

OPENID = "oFollower0000000000000000042"


def ask(wechat, config, text: str, account: str = "sh") -> dict:
    response = wechat.send(account, text_xml(config.accounts[account], OPENID, text))
    assert response.status_code == 200, response.data
    return decrypt_reply(config, account, response.data)


def push(wechat, config, msg_type: str, fields: dict, account: str = "sh") -> dict:
    fields = {**fields, "MsgId": next_msg_id()} if msg_type != "event" else fields
    response = wechat.send(account, message_xml(config.accounts[account], OPENID, msg_type, fields))
    return decrypt_reply(config, account, response.data)


@pytest.fixture
def imported(redis):
    return import_forecast(redis, sample_bytes(), NOW_DT).issue


def test_question_gets_the_numbers_for_place_and_day(wechat, config, imported):
    reply = ask(wechat, config, "明天上海空氣怎麼樣？")
    assert reply["MsgType"] == "text"
    assert "【上海】11月25日（周三，明天）" in reply["Content"] and "AQI：70–95" in reply["Content"]


def test_no_place_is_the_accounts_region_and_no_day_is_today(wechat, config, imported):
    content = ask(wechat, config, "空气质量", account="js")["Content"]
    assert "【江苏】11月24日（周二，今天）" in content and "AQI：75–105" in content


def test_importing_a_new_forecast_changes_the_answer(wechat, config, redis, imported):
    assert "AQI：70–95" in ask(wechat, config, "明天上海空气")["Content"]
    import_forecast(redis, newer_bytes(), NOW_DT)
    content = ask(wechat, config, "明天上海空气")["Content"]
    assert "AQI：105–135" in content and "轻度污染" in content and "发布：11月24日 07:00" in content


def test_a_bad_file_changes_nothing(wechat, config, redis, imported):
    before = ask(wechat, config, "明天上海空气")["Content"]
    with pytest.raises(ImportRejected):
        import_forecast(redis, newer_bytes().replace(b"105,135", b"135,105"), NOW_DT)
    assert ask(wechat, config, "明天上海空气")["Content"] == before


def test_outside_the_region(wechat, config, imported):
    content = ask(wechat, config, "北京明天空气")["Content"]
    assert "北京不在本预报范围内" in content and "AQI" not in content


def test_voice_recognition(wechat, config, imported):
    reply = push(
        wechat,
        config,
        "voice",
        {"MediaId": "m1", "Format": "amr", "Recognition": "明天南京空气怎么样。"},
    )
    assert "【南京】" in reply["Content"] and "AQI：90–120" in reply["Content"]


def test_location_answers_for_the_nearest_city(wechat, config, imported):
    reply = push(
        wechat,
        config,
        "location",
        {"Location_X": "32.04", "Location_Y": "118.78", "Scale": "15", "Label": "南京市玄武区"},
    )
    assert "离您最近的城市：南京" in reply["Content"] and "AQI：85–115" in reply["Content"]


def test_location_outside_the_region(wechat, config, imported):
    reply = push(
        wechat,
        config,
        "location",
        {"Location_X": "39.90", "Location_Y": "116.40", "Scale": "15", "Label": "北京"},
    )
    assert "不在本预报范围内" in reply["Content"]


def test_picture_before_upload_is_text_and_a_note(wechat, config, imported):
    content = ask(wechat, config, "一图可见")["Content"]
    assert "预报图正在准备中" in content and "【安徽】" in content


def test_picture_when_ready_and_by_menu_key(wechat, config, redis):
    result = import_forecast(
        redis, sample_bytes(), NOW_DT, accounts=config.accounts.values(), uploader=FakeUploader()
    )
    reply = ask(wechat, config, "空气质量预报图")
    assert reply["MsgType"] == "image" and reply["Image"]["MediaId"] == result.media["sh"]
    clicked = push(wechat, config, "event", {"Event": "CLICK", "EventKey": "FORECAST_CARD"})
    assert clicked["Image"]["MediaId"] == result.media["sh"]


def test_new_forecast_changes_the_picture(wechat, config, redis):
    uploader = FakeUploader()
    first = import_forecast(
        redis, sample_bytes(), NOW_DT, accounts=config.accounts.values(), uploader=uploader
    )
    assert ask(wechat, config, "一图可见")["Image"]["MediaId"] == first.media["sh"]
    second = import_forecast(
        redis, newer_bytes(), NOW_DT, accounts=config.accounts.values(), uploader=uploader
    )
    assert second.media["sh"] != first.media["sh"]
    assert ask(wechat, config, "一图可见")["Image"]["MediaId"] == second.media["sh"]


def test_a_bad_file_leaves_the_picture(wechat, config, redis):
    first = import_forecast(
        redis, sample_bytes(), NOW_DT, accounts=config.accounts.values(), uploader=FakeUploader()
    )
    with pytest.raises(ImportRejected):
        import_forecast(
            redis,
            b"date,region\n",
            NOW_DT,
            accounts=config.accounts.values(),
            uploader=FakeUploader(),
        )
    assert ask(wechat, config, "一图可见")["Image"]["MediaId"] == first.media["sh"]


def test_no_forecast_yet(wechat, config):
    assert "暂时还没有空气质量预报" in ask(wechat, config, "明天上海空气")["Content"]


def test_other_texts_pass_through(wechat, config, imported):
    assert "暂时没有看懂" in ask(wechat, config, "我想报名参加志愿活动")["Content"]


def test_reporting_pollution_is_not_a_forecast_question(wechat, config, imported):
    assert "AQI" not in ask(wechat, config, "我要举报污染")["Content"]


def test_help_still_lists_the_forecast(wechat, config):
    content = ask(wechat, config, "帮助")["Content"]
    assert "回复「一图可见」" in content and "回复「明天南京空气」" in content


@pytest.mark.parametrize(("lat", "lng"), [("nan", "nan"), ("inf", "121.47"), ("95", "121.47")])
def test_location_with_impossible_coordinates_is_not_a_city(wechat, config, imported, lat, lng):
    fields = {"Location_X": lat, "Location_Y": lng, "Scale": "15", "Label": ""}
    reply = push(wechat, config, "location", fields)
    assert "没有读到您的位置" in reply["Content"]


def test_no_day_with_an_issue_starting_tomorrow_answers_its_first_day(wechat, config, redis):
    lines = sample_bytes().decode().replace("2026-11-23 16:00", "2026-11-24 07:00").splitlines()
    data = "\n".join(line for line in lines if not line.startswith("2026-11-24,")).encode()
    import_forecast(redis, data, NOW_DT)
    text = ask(wechat, config, "上海空气怎么样")["Content"]
    assert "11月25日（周三，明天）" in text and "70–95" in text and "超出" not in text


@pytest.mark.parametrize("text", ["11月31日上海空气", "2月30号南京空气"])
def test_a_date_that_does_not_exist_is_said_so(wechat, config, redis, text):
    reply = ask(wechat, config, text)
    assert "日历上没有" in reply["Content"] and "AQI" not in reply["Content"]


def test_an_impossible_date_beside_a_real_one_is_noted(wechat, config, redis):
    from bot.forecast.understand import understand
    from tests.forecast_data import NOW_DT

    asked = understand("明天和11月31日上海空气", NOW_DT)
    assert asked.impossible == ("11月31日",) and len(asked.days) == 1
