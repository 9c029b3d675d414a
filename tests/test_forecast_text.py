"""Forecast answers in words: place, date and weekday, level, AQI, pollutants, advice, issuer."""

from __future__ import annotations

import pytest

from bot.forecast.importer import read_forecast
from bot.forecast.levels import LEVELS, level_for_aqi, level_text, parse_level, parse_pollutants
from bot.forecast.text import MAX_BYTES, NO_FORECAST, Ask, compose, not_covered
from bot.places import provinces
from tests.forecast_data import NOW_DT, TODAY, day, sample_bytes


@pytest.fixture(scope="module")
def issue():
    return read_forecast(sample_bytes(), NOW_DT)


def ask(places, *offsets, via=()):
    return Ask(tuple(places), tuple(day(o) for o in offsets), TODAY, via)


def test_health_texts_are_quoted_exactly_from_the_standard():
    assert LEVELS[3].advice == (
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻练，"
        "一般人群适量减少户外运动"
    )  # "锻练" as HJ 633 prints it
    assert "锻炼" in LEVELS[2].advice
    assert [lv.hex for lv in LEVELS] == [
        "#00E400",
        "#FFFF00",
        "#FF7E00",
        "#FF0000",
        "#99004C",
        "#7E0023",
    ]


@pytest.mark.parametrize(
    ("aqi", "name"),
    [
        (0, "优"),
        (50, "优"),
        (51, "良"),
        (100, "良"),
        (101, "轻度污染"),
        (200, "中度污染"),
        (201, "重度污染"),
        (300, "重度污染"),
        (301, "严重污染"),
    ],
)
def test_bands_are_closed_on_the_upper_bound(aqi, name):
    assert level_for_aqi(aqi).name == name


@pytest.mark.parametrize(
    ("text", "lo_hi"),
    [
        ("良至轻度污染", (2, 3)),
        ("良到轻度污染", (2, 3)),
        ("良—轻度污染", (2, 3)),
        ("良-轻度污染", (2, 3)),
        ("轻至中度污染", (3, 4)),
        ("优至良", (1, 2)),
        ("严重污染", (6, 6)),
    ],
)
def test_level_spellings(text, lo_hi):
    assert parse_level(text) == lo_hi


def test_level_text_compresses_like_cnemc():
    assert (
        level_text(3, 4) == "轻至中度污染"
        and level_text(2, 3) == "良至轻度污染"
        and level_text(1, 1) == "优"
    )


def test_pollutants():
    assert parse_pollutants("PM₂.₅/O₃") == ("PM2.5", "O3")
    assert parse_pollutants("臭氧8小时") == ("O3",) and parse_pollutants("无") == ()


def test_one_place_one_day_in_full(issue):
    text = compose(issue, ask(["上海"], 1))
    assert "【上海】11月25日（周三，明天）" in text
    assert "空气质量：良" in text and "AQI：70–95" in text and "首要污染物：细颗粒物(PM2.5)" in text
    assert "健康提示（良）：极少数异常敏感人群应减少户外活动。" in text
    assert "发布：11月23日 16:00 · 长三角区域空气质量预测预报中心" in text


def test_range_gives_the_worse_levels_advice(issue):
    text = compose(issue, ask(["上海"], 2))
    assert "良至轻度污染" in text and "AQI：85–115" in text
    assert (
        "健康提示（轻度污染）：儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"
        in text
    )


def test_trend_day_says_it_has_no_numbers(issue):
    text = compose(issue, ask(["上海"], 3))
    assert "AQI：趋势预报，暂无具体数值" in text


def test_city_with_its_own_row(issue):
    assert "AQI：85–115" in compose(issue, ask(["南京"], 0))


def test_city_without_rows_answers_with_its_province(issue):
    text = compose(issue, ask(["无锡"], 1))
    assert (
        "【无锡】" in text
        and "AQI：90–120" in text
        and "无锡暂无单独预报，以上为江苏全省预报。" in text
    )


def test_district_says_it_is_the_whole_city(issue):
    assert "闵行按上海全市预报。" in compose(issue, ask(["上海"], 1, via=(("闵行", "上海"),)))


def test_several_days_compact(issue):
    text = compose(issue, ask(["江苏"], 0, 1, 2, 3, 4, 5, 6))
    assert "11/24 周二 良至轻度污染 AQI 75–105 PM2.5" in text
    assert "11/28 周六 轻至中度污染 趋势 PM2.5" in text
    assert "「趋势」表示趋势预报" in text
    assert "健康提示（中度污染）" in text


def test_whole_region_week_fits_wechat(issue):
    text = compose(issue, Ask(provinces(), tuple(day(o) for o in range(7)), TODAY))
    assert len(text.encode()) <= MAX_BYTES
    assert all(f"【{p}】" in text for p in provinces())


def test_beyond_the_forecast(issue):
    text = compose(issue, ask(["上海"], 9))
    assert "12月3日超出本期预报范围" in text and "本期预报覆盖11月24日至11月30日" in text
    assert "AQI" not in text


def test_past_day(issue):
    assert "11月23日已经过去" in compose(issue, ask(["上海"], -1))


def test_partly_beyond(issue):
    text = compose(issue, ask(["上海"], 5, 6, 7))
    assert "11/29 周日" in text and "12月1日超出本期预报范围" in text


def test_no_forecast_yet():
    assert compose(None, ask(["上海"], 0)) == NO_FORECAST


def test_not_covered_lists_what_is():
    text = not_covered(("北京",))
    assert "北京不在本预报范围内" in text and "上海、江苏、浙江、安徽" in text and "41" in text


def test_too_long_for_wechat_keeps_fewer_days_and_points_to_the_picture(issue):
    places = ("南京", "苏州", "无锡", "杭州", "宁波", "合肥", "芜湖", "上海", "江苏", "浙江")
    text = compose(issue, Ask(places, tuple(day(o) for o in range(7)), TODAY))
    assert len(text.encode()) <= 2048
    assert "回复「一图可见」查看未来7天预报图" in text
    assert "11/24 周二" in text and "11/30" not in text
