"""The per-process memo of how a text reads: bounded, keyed by today's date, never another
follower's context, never an old forecast."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation import Previous
from bot.forecast.importer import read_forecast
from bot.forecast.service import import_forecast
from bot.forecast.text import COMPOSED_PER_ISSUE, Ask, compose
from bot.forecast.understand import UNDERSTOOD_CACHED, understand, understand_on
from bot.questions import READINGS_CACHED, _read_alone, read
from bot.text import MEMO_MAX_CHARS, NORMALISED_CACHED, normalise
from tests.forecast_data import NOW_DT, day, newer_bytes, sample_bytes
from tests.test_forecast_webhook import ask

DAY = 24 * 3600


def test_the_memos_are_bounded():
    for memo, bound in (
        (understand_on, UNDERSTOOD_CACHED),
        (_read_alone, READINGS_CACHED),
        (normalise, NORMALISED_CACHED),
    ):
        assert memo.cache_info().maxsize == bound  # type: ignore[attr-defined]
    understand_on.cache_clear()
    for n in range(UNDERSTOOD_CACHED + 10):
        understand(f"{n}号南京", NOW_DT)
    assert understand_on.cache_info().currsize == UNDERSTOOD_CACHED


def test_long_texts_are_read_but_not_kept():
    memos = (normalise, understand_on, _read_alone)
    for memo in memos:
        memo.cache_clear()  # type: ignore[attr-defined]
    long_text = "明天南京空气怎么样" + "啊" * MEMO_MAX_CHARS
    reading = read(normalise(long_text), NOW_DT, lambda: None)
    assert reading.kind == "forecast" and reading.asked.places == ("南京",)
    assert [memo.cache_info().currsize for memo in memos] == [0, 0, 0]  # type: ignore[attr-defined]
    read(normalise("明天南京空气怎么样"), NOW_DT, lambda: None)
    assert [memo.cache_info().currsize for memo in memos] == [1, 1, 1]  # type: ignore[attr-defined]


def test_composed_answers_are_kept_with_their_issue_and_bounded():
    first, newer = read_forecast(sample_bytes(), NOW_DT), read_forecast(newer_bytes(), NOW_DT)
    shanghai = Ask(("上海",), (day(1),), NOW_DT.date())
    assert "AQI：70–95" in compose(first, shanghai)
    assert "AQI：105–135" in compose(newer, shanghai)
    assert "AQI：70–95" in compose(first, shanghai)
    for n in range(COMPOSED_PER_ISSUE + 10):
        compose(first, shanghai, budget=500 + n)
    assert len(first.memo()) == COMPOSED_PER_ISSUE


def test_a_text_read_again_the_next_day_names_that_days_dates():
    today = read("明天南京空气", NOW_DT, lambda: None)
    tomorrow = read("明天南京空气", NOW_DT + timedelta(days=1), lambda: None)
    assert today.asked.days == (day(1),) and tomorrow.asked.days == (day(2),)
    assert understand("周六上海", NOW_DT + timedelta(days=5)).days == (day(11),)


def test_a_follow_up_leans_on_each_followers_own_previous_question():
    hangzhou = Previous(("杭州",), (day(1),), None, NOW_DT.timestamp())
    first = read("那后天呢", NOW_DT, lambda: hangzhou)
    alone = read("那后天呢", NOW_DT, lambda: None)
    assert first.asked.places == ("杭州",) and first.from_previous == ("places",)
    assert alone.asked.places == () and alone.from_previous == ()
    assert read("那后天呢", NOW_DT, lambda: hangzhou) == first


def test_the_same_question_over_a_new_day_and_a_new_forecast(wechat, config, redis, clock):
    import_forecast(redis, sample_bytes(), NOW_DT)
    assert "11月25日（周三，明天）" in ask(wechat, config, "明天上海空气")["Content"]
    import_forecast(redis, newer_bytes(), NOW_DT)
    content = ask(wechat, config, "明天上海空气")["Content"]
    assert "AQI：105–135" in content and "发布：11月24日 07:00" in content
    clock.advance(DAY)
    content = ask(wechat, config, "明天上海空气")["Content"]
    assert "11月26日（周四，明天）" in content and "11月25日" not in content
