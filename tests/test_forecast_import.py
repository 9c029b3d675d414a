"""Forecast import: the documented format, all or nothing, every problem by line and column."""

from __future__ import annotations

import json

import pytest

from bot.forecast.importer import ImportRejected, read_forecast
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import import_forecast
from bot.store import Keys
from tests.forecast_data import NOW_DT, day, newer_bytes, sample_bytes

HEADER = "date,region,aqi_min,aqi_max,level,primary_pollutant,issued_at\n"
ROW = "2026-11-24,上海,55,75,良,PM2.5,2026-11-23 16:00\n"
ROW2 = "2026-11-25,江苏,,,良至轻度污染,,2026-11-23 16:00\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(rows)).encode()


def test_sample_imports():
    issue = read_forecast(sample_bytes(), NOW_DT, filename="forecast_sample.csv")
    assert issue.days == tuple(day(i) for i in range(7))
    assert set(issue.places) >= {"上海", "江苏", "浙江", "安徽", "南京"}
    shanghai = issue.row("上海", day(0))
    assert (shanghai.level_lo, shanghai.level_hi, shanghai.aqi_min, shanghai.aqi_max) == (
        2,
        2,
        55,
        75,
    )
    assert shanghai.pollutants == ("PM2.5",)
    assert issue.row("上海", day(3)).is_trend
    assert issue.issued_at.isoformat() == "2026-11-23T16:00:00+08:00"
    assert issue.standard == "HJ 633-2026" and issue.source == "长三角区域空气质量预测预报中心"


def test_level_spellings_and_traditional_places_are_accepted():
    data = csv(
        "2026-11-24,上海市,85,115,良到轻度污染,pm2.5,2026-11-23 16:00\n",
        "2026-11-24,江蘇省,150,180,轻至中度污染,PM2.5、O3,2026-11-23 16:00\n",
        "2026-11-24,蘇州,40,50,优,—,2026-11-23 16:00\n",
    )
    issue = read_forecast(data, NOW_DT)
    assert issue.row("上海", day(0)).level_text == "良至轻度污染"
    assert issue.row("江苏", day(0)).pollutants == ("PM2.5", "O3")
    assert issue.row("苏州", day(0)).pollutants == ()


def test_json_with_metadata_imports():
    body = {
        "issued_at": "2026-11-23T16:00:00+08:00",
        "source": "测试预报中心",
        "summary": "本周以良为主",
        "health_tip": "注意防护",
        "rows": [
            {
                "date": "2026-11-24",
                "region": "浙江",
                "aqi_min": 40,
                "aqi_max": 60,
                "level": "优至良",
                "primary_pollutant": ["PM2.5"],
            },
            {
                "date": "2026-11-25",
                "region": "浙江",
                "aqi_min": None,
                "aqi_max": None,
                "level": "良",
                "primary_pollutant": None,
            },
        ],
    }
    issue = read_forecast(json.dumps(body, ensure_ascii=False).encode(), NOW_DT, filename="f.json")
    assert (
        issue.source == "测试预报中心"
        and issue.summary == "本周以良为主"
        and issue.health_tip == "注意防护"
    )
    assert issue.row("浙江", day(1)).is_trend


def test_missing_issued_at_is_the_import_time():
    data = csv(
        "2026-11-24,上海,55,75,良,PM2.5\n",
        header="date,region,aqi_min,aqi_max,level,primary_pollutant\n",
    )
    assert read_forecast(data, NOW_DT).issued_at == NOW_DT


BAD_FILES = [
    pytest.param(
        csv(ROW.replace("上海", "北京")), ["第2行 region：未知地区「北京」"], id="unknown-place"
    ),
    pytest.param(
        csv(ROW.replace("2026-11-24", "2026-11-31", 1)),
        ["第2行 date：日期「2026-11-31」不存在"],
        id="impossible-date",
    ),
    pytest.param(
        csv(ROW.replace("2026-11-24", "明天", 1)),
        ["第2行 date：日期「明天」应为 YYYY-MM-DD"],
        id="malformed-date",
    ),
    pytest.param(
        csv(ROW.replace("2026-11-24", "2026-11-20", 1)),
        ["第2行 date：日期 2026-11-20 早于发布日期"],
        id="date-before-issue",
    ),
    pytest.param(
        csv(ROW.replace("2026-11-24", "2026-12-24", 1)),
        ["第2行 date：日期 2026-12-24 超出发布日期后 14 天"],
        id="date-too-far",
    ),
    pytest.param(
        csv(ROW.replace("55,75", "90,60")),
        ["第2行 aqi_min：aqi_min 90 大于 aqi_max 60"],
        id="min-over-max",
    ),
    pytest.param(
        csv(ROW.replace(",良,", ",轻度污染,")),
        ["第2行 level：等级「轻度污染」与 AQI 55–75 不符，应为「良」"],
        id="level-not-matching-aqi",
    ),
    pytest.param(
        csv(ROW.replace("55,75,良", "45,80,良")),
        ["与 AQI 45–80 不符，应为「优至良」"],
        id="range-not-matching-aqi",
    ),
    pytest.param(
        csv(ROW.replace(",良,", ",很好,")),
        ["第2行 level：等级「很好」无法识别"],
        id="unknown-level",
    ),
    pytest.param(
        csv(ROW, ROW), ["第3行 date,region：与第2行重复（上海 2026-11-24）"], id="duplicate-rows"
    ),
    pytest.param(
        csv(ROW).decode().encode("gb18030"),
        ["第2行：文件不是 UTF-8 编码，看起来是 GBK/GB18030"],
        id="wrong-encoding",
    ),
    pytest.param(
        csv(ROW, header="date,region,aqi_min,aqi_max,primary_pollutant\n"),
        ["第1行：缺少列：level"],
        id="missing-column",
    ),
    pytest.param(
        csv(
            ROW.replace("2026-11-23 16:00", "2026-11-23 16:00,x"),
            header=HEADER.replace("issued_at", "issued_at,note"),
        ),
        ["第1行：未知列：note"],
        id="unknown-column",
    ),
    pytest.param(
        csv(ROW.replace("PM2.5", "PM3")),
        ["第2行 primary_pollutant：未知污染物「pm3」"],
        id="bad-pollutant",
    ),
    pytest.param(
        csv(ROW.replace("55,75,良", "30,50,优")),
        ["第2行 primary_pollutant：AQI 不超过 50（优）时没有首要污染物"],
        id="pollutant-when-clean",
    ),
    pytest.param(
        csv(ROW.replace("55,75", "55,")),
        ["第2行 aqi_max：另一端 AQI 已填写，此处不能为空"],
        id="one-aqi-end",
    ),
    pytest.param(
        csv(ROW.replace("55,75", "55,5000")),
        ["第2行 aqi_max：AQI「5000」应为 0–500 的整数"],
        id="aqi-too-high",
    ),
    pytest.param(
        csv(ROW.replace("55,75", "abc,75")),
        ["第2行 aqi_min：AQI「abc」应为 0–500 的整数"],
        id="aqi-not-number",
    ),
    pytest.param(
        csv(ROW.replace(",PM2.5,", ",PM2.5,extra,")),
        ["第2行：有 8 列，表头有 7 列"],
        id="wrong-cell-count",
    ),
    pytest.param(
        csv(ROW, ROW2.replace("2026-11-23 16:00", "2026-11-23 17:00")),
        ["issued_at：同一文件的发布时间应一致"],
        id="issued-at-differs",
    ),
    pytest.param(
        csv(ROW.replace("2026-11-23 16:00", "昨天下午")),
        ["第2行 issued_at：发布时间「昨天下午」无法识别"],
        id="bad-issued-at",
    ),
    pytest.param(csv(), ["文件：没有数据行"], id="empty"),
    pytest.param(b'[{"date": "2026-11-24"', ["第1条：不是有效的 JSON"], id="bad-json"),
    pytest.param(
        b'[{"date": "2026-11-24", "region": "\xe4\xb8\x8a\xe6\xb5\xb7"}]',
        ["第1条：缺少列：aqi_min, aqi_max, level"],
        id="json-missing-keys",
    ),
    pytest.param(b'{"rows": 5}', ["JSON 应为数据行的数组"], id="json-wrong-shape"),
    pytest.param(
        csv(
            ROW.replace("北京", "x").replace("上海", "北京").replace("55,75", "90,60"),
            ROW2.replace("良至轻度污染", "差"),
            ROW,
        ),
        [
            "第2行 region：未知地区「北京」",
            "第2行 aqi_min：aqi_min 90 大于 aqi_max 60",
            "第3行 level：等级「差」无法识别",
        ],
        id="every-problem-listed",
    ),
]


@pytest.mark.parametrize(("data", "messages"), BAD_FILES)
def test_bad_file_is_rejected_with_every_problem(redis, data, messages):
    previous = import_forecast(redis, sample_bytes(), NOW_DT).issue
    keys_before = sorted(redis.keys("*"))
    with pytest.raises(ImportRejected) as rejected:
        import_forecast(
            redis, data, NOW_DT, filename="bad.json" if data.startswith((b"[", b"{")) else "bad.csv"
        )
    listed = [str(p) for p in rejected.value.problems]
    for message in messages:
        assert any(message in line for line in listed), (message, listed)
    assert len(listed) >= len(messages)
    assert sorted(redis.keys("*")) == keys_before  # nothing stored
    assert ForecastRepo(redis).latest().id == previous.id  # the previous forecast keeps answering


def test_newer_issue_answers_and_older_is_kept(redis):
    repo = ForecastRepo(redis)
    old = import_forecast(redis, sample_bytes(), NOW_DT).issue
    new = import_forecast(redis, newer_bytes(), NOW_DT)
    assert new.is_latest and repo.latest().id == new.issue.id
    assert repo.get(old.id) == old and repo.history() == [new.issue.id, old.id]
    again = import_forecast(redis, sample_bytes(), NOW_DT)
    assert (
        not again.is_latest and repo.latest().id == new.issue.id
    )  # an older issue never takes over
    assert redis.exists(Keys.forecast_card(new.issue.id))  # drawn at import time


def test_reimporting_the_same_file_is_harmless(redis):
    first = import_forecast(redis, sample_bytes(), NOW_DT)
    second = import_forecast(redis, sample_bytes(), NOW_DT)
    assert first.issue.id == second.issue.id and second.is_latest
    assert ForecastRepo(redis).history() == [first.issue.id]


def test_demo_data_is_shifted_to_start_today():
    from datetime import date

    from bot.forecast.demo import shift_to

    shifted = read_forecast(shift_to(sample_bytes(), date(2027, 3, 1)), NOW_DT)
    assert shifted.days[0] == date(2027, 3, 1) and len(shifted.days) == 7
    assert shifted.issued_at.date() == date(2027, 2, 28)
