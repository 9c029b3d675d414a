"""Review findings in the forecast code: each test pins a bug that was fixed."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from bot import ZONE
from bot.forecast import card, fonts
from bot.forecast.importer import ImportRejected, read_forecast
from bot.forecast.levels import POLLUTANTS
from bot.forecast.model import ForecastIssue, PlaceDay
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import import_forecast
from bot.forecast.text import MAX_BYTES, Ask, compose
from bot.forecast.understand import understand
from bot.places import cities, provinces
from bot.text import normalise
from tests.forecast_data import NOW_DT, TODAY, day, sample_bytes

SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=ZONE)


def days_of(text: str, now: datetime = SUNDAY) -> tuple[date, ...]:
    return understand(normalise(text), now).days


def span(first: date, count: int) -> tuple[date, ...]:
    return tuple(first + timedelta(days=i) for i in range(count))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("未来三四天上海空气", span(date(2026, 11, 29), 4)),
        ("五六号上海空气", (date(2026, 12, 6),)),
    ],
)
def test_two_neighbouring_numerals_do_not_crash(text, expected):
    assert days_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午上海空气", (date(2026, 11, 30),)),
        ("后天晚上杭州空气", (date(2026, 12, 1),)),
        ("周六上午南京空气", (date(2026, 12, 5),)),
        ("下午上海空气", (date(2026, 11, 29),)),
        ("周六晚上海空气", (date(2026, 12, 5),)),
    ],
)
def test_part_of_day_refines_the_named_day_instead_of_adding_today(text, expected):
    assert days_of(text) == expected


def test_part_of_day_does_not_eat_shanghai():
    assert understand(normalise("周六晚上海空气"), SUNDAY).places == ("上海",)


def test_zhou_tianqi_is_the_week_not_sunday():
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
    assert days_of("这周天气怎么样", monday) == span(date(2026, 11, 23), 7)
    assert days_of("下周天气怎么样", monday) == span(date(2026, 11, 30), 7)
    assert days_of("周天上海空气", monday) == (date(2026, 11, 29),)


def test_february_29_is_found_in_the_next_leap_year():
    december = datetime(2027, 12, 1, 10, 0, tzinfo=ZONE)
    assert days_of("2月29日上海空气", december) == (date(2028, 2, 29),)


def test_many_places_on_one_day_still_fit_wechat():
    issue = read_forecast(sample_bytes(), NOW_DT)
    names = provinces() + tuple(c.name for c in cities())
    for count in (1, 7):
        text = compose(issue, Ask(names, tuple(day(o) for o in range(count)), TODAY))
        assert len(text.encode()) <= MAX_BYTES
        assert "【上海】" in text and "回复「一图可见」" in text


def test_card_cells_fit_their_column_with_extreme_rows():

    choice = fonts.resolve("".join(card.fixed_strings()))
    rows = [
        PlaceDay("上海", date(2026, 11, 24), 5, 6, 250, 500, tuple(POLLUTANTS)),
        PlaceDay("上海", date(2026, 11, 24), 6, 6, 301, 500, ("PM2.5", "PM10")),
        PlaceDay("上海", date(2026, 11, 24), 1, 6),
    ]
    for row in rows:
        for text, size in card.cell_layout(choice, row):
            assert fonts.font(choice, size).getlength(text) <= card._column_w(), text


def _csv(*rows: str) -> bytes:
    header = "date,region,aqi_min,aqi_max,level,primary_pollutant,issued_at"
    return "\n".join([header, *rows]).encode()


def test_spreadsheet_dates_without_leading_zeros_import():

    issue = read_forecast(_csv("2026/11/25,上海,55,75,良,PM2.5,2026/11/23 16:00"), NOW_DT)
    assert issue.days == (date(2026, 11, 25),)


def test_superscript_digit_aqi_is_a_clear_problem_not_a_crash():

    with pytest.raises(ImportRejected, match="aqi_min：AQI「²」"):
        read_forecast(_csv("2026-11-25,上海,²,75,良,PM2.5,2026-11-23 16:00"), NOW_DT)


def test_summary_the_picture_cannot_draw_rejects_the_file_and_changes_nothing(redis):
    row = {
        "date": "2026-11-25",
        "region": "上海",
        "aqi_min": 55,
        "aqi_max": 75,
        "level": "良",
        "primary_pollutant": "PM2.5",
    }
    data = json.dumps({"summary": "本周天气晴好🌤", "rows": [row]}, ensure_ascii=False).encode()
    before = ForecastRepo(redis).latest_id()
    with pytest.raises(ImportRejected, match="summary：预报图无法显示这些字符：🌤"):
        import_forecast(redis, data, NOW_DT, filename="f.json")
    assert ForecastRepo(redis).latest_id() == before


HEADER = "date,region,aqi_min,aqi_max,level,primary_pollutant,issued_at"
ROW = "2026-11-25,上海,55,75,良,PM2.5,2026-11-23 16:00"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(f"{HEADER}\r{ROW}\r".encode(), id="bare-cr-line-ends"),
        pytest.param(f"\n\r\n{HEADER}\n{ROW}\n".encode(), id="blank-lines-before-header"),
        pytest.param(f"{HEADER},\n{ROW},\n".encode(), id="empty-unnamed-trailing-column"),
        pytest.param(f"\ufeff{HEADER}\r\n\r\n{ROW}\r\n".encode(), id="bom-crlf-blank"),
    ],
)
def test_csv_shapes_spreadsheets_write_import(data):

    assert read_forecast(data, NOW_DT).rows[0].aqi_max == 75


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(f"{HEADER},\n{ROW},x\n".encode(), "第2行：没有列名的列里有内容", id="unnamed"),
        pytest.param(b"[" * 100_000, "文件：不是有效的 JSON：嵌套过深", id="json-too-deep"),
        pytest.param(
            f'{HEADER}\n"{"x" * 200_000}"\n'.encode(), "第2行：CSV 格式错误", id="huge-field"
        ),
    ],
)
def test_malformed_files_are_rejected_not_crashed(data, message):

    with pytest.raises(ImportRejected, match=message):
        read_forecast(data, NOW_DT)


TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("周一周二上海空气", (date(2026, 11, 24), date(2026, 11, 30))),
        ("星期一周末上海空气", (date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30))),
        ("下一周上海空气", span(date(2026, 11, 30), 7)),
        ("两天后上海空气", (date(2026, 11, 26),)),
        ("3天后上海空气", (date(2026, 11, 27),)),
    ],
)
def test_weekday_lists_are_not_read_as_a_whole_week(text, expected):
    assert days_of(text, TUESDAY) == expected


@pytest.mark.parametrize("text", ["舟山普陀空气", "舟山市普陀区明天空气"])
def test_putuo_with_zhoushan_is_zhoushans_district_not_shanghai(text):
    asked = understand(normalise(text), TUESDAY)
    assert asked.places == ("舟山",) and asked.via == ()


def test_one_issued_at_written_two_ways_is_one_time():
    row = {
        "date": "2026-11-25",
        "region": "上海",
        "aqi_min": 55,
        "aqi_max": 75,
        "level": "良",
        "primary_pollutant": "PM2.5",
        "issued_at": "2026-11-23T08:00:00Z",
    }
    data = json.dumps({"issued_at": "2026-11-23 16:00", "rows": [row]}).encode()
    issue = read_forecast(data, NOW_DT, filename="f.json")
    assert issue.issued_at == datetime(2026, 11, 23, 16, 0, tzinfo=ZONE)


def _issue_with_gaps(summary: str = "") -> ForecastIssue:
    rows = [
        PlaceDay(place, date(2026, 11, 24) + timedelta(days=d), 6, 6, 301, 500, tuple(POLLUTANTS))
        for place in provinces()[:3]
        for d in range(0, 7, 2)
    ]
    return ForecastIssue(datetime(2026, 11, 23, 16, 0, tzinfo=ZONE), tuple(rows), summary=summary)


def test_card_keeps_a_column_for_a_day_without_rows():
    assert card.columns(_issue_with_gaps()) == span(date(2026, 11, 24), 7)


def test_card_summary_cut_to_three_lines_says_so():
    choice = fonts.resolve("".join(card.fixed_strings()))
    lines = card._wrap("很长的摘要" * 40, choice, 26, card.WIDTH - 2 * card.MARGIN)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert card.render(_issue_with_gaps("很长的摘要" * 40)).startswith(b"\x89PNG")


def test_card_says_how_many_days_the_issue_has():
    assert card.span_label(span(date(2026, 11, 24), 3)) == "未来3天 · 11月24日—11月26日"
