"""The dashboard: column totals, this week, what needs attention, health, the 30-day chart."""

from __future__ import annotations

from datetime import date

import pytest

from syndication import account_status, articles, datacube, overview, policy, reads, records
from syndication.admin import charts, create_app, users
from tests.admin_pages import bars, block, signed_in, svg_of, text
from tests.publishing_support import store_article
from tests.test_admin_auth import PASSWORD

ACCOUNTS = ("sh", "js", "zj", "ah")
DAY = 86400


@pytest.fixture
def published(engine, redis, config, clock):
    """What the engine did: A1 out on every account yesterday, A2 out today except on sh (a
    53503 at submit), A3 waiting for approval."""
    first = store_article(redis, config, clock())
    engine.run()
    engine.advance(200)
    clock.advance(DAY)
    engine.sandbox.control(
        "faults",
        {"account": "sh", "endpoint": "freepublish/submit", "kind": "errcode", "errcode": 53503},
    )
    second = store_article(redis, config, clock(), title="长三角生态绿色一体化发展示范区五周年")
    engine.run()
    engine.advance(200)
    third = store_article(redis, config, clock(), title="待审的一篇", state=articles.AWAITING)
    return first, second, third


@pytest.fixture
def app(engine, redis, clock):
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    return create_app(engine.ctx.config, redis=redis, clock=clock)


def test_the_totals_are_what_the_engine_published(app, engine, published):
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    assert "你好，editor1" in page
    for account in ACCOUNTS:
        tile = block(page, "data-account", account)
        expected = engine.published_count(account)
        assert f"已累计发布 {expected} 篇" in text(tile)
    assert engine.published_count("sh") == 1 and engine.published_count("js") == 2


def test_attention_lists_the_failure_and_the_article_awaiting_approval(app, published):
    first, second, third = published
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    failed = block(page, "class", "item kind-failed")
    assert f'href="/articles/{second.id}"' in failed
    assert "上海市生态环境局" in failed and policy.ERRCODES[53503][1] in text(failed)
    awaiting = block(page, "class", "item kind-awaiting")
    assert f'href="/articles/{third.id}"' in awaiting and "待审的一篇" in awaiting
    assert f'/articles/{first.id}"' not in page.split('id="week-title"')[0]  # A1 needs nothing


def test_this_week_lists_the_weeks_articles_with_each_accounts_state(app, published, clock):
    first, second, _ = published
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    week = page.split('id="week-title"')[1].split("</section>")[0]
    # NOW is a Tuesday: Monday..today is this week, so both articles are in it.
    assert f"/articles/{first.id}" in week and f"/articles/{second.id}" in week
    assert "上海 失败" in text(week) and "江苏 已发布" in text(week)
    clock.advance(7 * DAY)
    later = signed_in(app, "editor1").get("/").get_data(as_text=True)
    assert "本周还没有文章" in later


def test_the_chart_has_a_bar_per_account_and_day_published(app, published, clock):
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    drawn = bars(svg_of(page, "chart-published"))
    today, yesterday = policy.day_of(clock()), policy.day_of(clock() - DAY)
    values = {(b["data-series"], b["data-day"]): b["data-value"] for b in drawn}
    names = {"sh": "上海市生态环境局", "js": "江苏省生态环境厅"}
    assert values[(names["sh"], yesterday)] == "1" and (names["sh"], today) not in values
    assert values[(names["js"], yesterday)] == "1" and values[(names["js"], today)] == "1"
    assert len(drawn) == 4 + 3  # every account yesterday; all but sh today
    top, _ = charts.nice_top(4)  # the tallest stack: four accounts on one day
    for bar in drawn:
        assert float(bar["height"]) == charts.bar_height(float(bar["data-value"]), top)


def test_the_readers_chart_draws_what_the_daily_pull_fetched(app, engine, published, clock):
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    assert "chart-readers" not in page and "还没有阅读数据" in page  # nothing pulled yet
    clock.advance(2 * DAY)
    datacube.daily(engine.ctx, clock())
    fetched = reads.daily_readers(
        engine.ctx.redis, engine.ctx.config, date(2026, 11, 1), date(2026, 11, 30)
    )
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    values = {
        (b["data-series"], b["data-day"]): b["data-value"]
        for b in bars(svg_of(page, "chart-readers"))
    }
    expected = {
        (engine.ctx.config.accounts[a].name, day): str(n)
        for a, per_day in fetched.items()
        for day, n in per_day.items()
        if n
    }
    assert expected and values == expected


def test_health_shows_the_token_quota_and_last_error(app, engine, published, redis, clock):
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    sh = text(block(page, "data-account", "sh"))
    assert "正常" in sh and "后到期" in sh  # the engine's token, read from Redis
    today = account_status.midnight(clock())
    calls = records.log_entries(redis, records.LogFilter(account="sh", since=today))
    submits = sum(1 for e in calls if e.step == "freepublish/submit")
    assert submits == 1 and f"发布 {100 - submits}/100" in sh
    assert "53503" in sh and "freepublish/submit" in sh


def test_an_account_without_a_token_says_so(config, redis, clock):
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    app = create_app(config, redis=redis, clock=clock)
    page = signed_in(app, "editor1").get("/").get_data(as_text=True)
    tile = text(block(page, "data-account", "sh"))
    assert "尚未获取" in tile and "已累计发布 0 篇" in tile and "近 30 天没有" in tile
    assert "没有需要处理的事项" in page and "本周还没有文章" in page


def test_a_mass_send_account_shows_todays_mass_send(config, redis, clock):
    import dataclasses

    from bot.store import SynKeys

    accounts = dict(config.accounts)
    accounts["ah"] = dataclasses.replace(accounts["ah"], publish_mode="masssend")
    cfg = dataclasses.replace(config, accounts=accounts)
    redis.set(SynKeys.mass_day("ah", policy.day_of(clock())), "A7")
    health = {h.account.id: h for h in account_status.health(redis, cfg, clock())}
    assert health["ah"].mass_today == "A7"
    assert [q.call for q in health["ah"].quotas] == ["message/mass/sendall", "draft/add"]
    assert health["sh"].mass_today == ""


def test_old_failures_leave_the_attention_list(published, redis, clock):
    rows = overview.recent_rows(redis)
    assert {a.kind for a in overview.attention(rows, clock())} == {"failed", "awaiting"}
    later = clock() + overview.FAILED_WINDOW + DAY
    assert {a.kind for a in overview.attention(rows, later)} == {"awaiting"}


@pytest.mark.parametrize(
    ("largest", "top", "step"),
    [
        pytest.param(0, 1, 1, id="empty"),
        pytest.param(1, 1, 1, id="one"),
        pytest.param(4, 4, 1, id="four"),
        pytest.param(7, 8, 2, id="seven"),
        pytest.param(23, 25, 5, id="twenty-three"),
        pytest.param(120, 150, 50, id="hundreds"),
        pytest.param(1000, 1000, 200, id="thousand"),
        pytest.param(0.4, 1, 1, id="fraction"),
    ],
)
def test_the_axis_ends_at_a_round_number(largest, top, step):
    assert charts.nice_top(largest) == (top, step)


def test_stacked_bars_draw_each_value_to_scale_and_escape_labels():
    series = {"A<b>": {"2026-11-01": 3, "2026-11-02": 1}, "B": {"2026-11-01": 2}}
    days = ["2026-11-01", "2026-11-02"]
    figure = charts.stacked_bars(series, days, title="读者", unit="人", chart_id="c1")
    assert "<b>" not in figure and "A&lt;b&gt;" in figure
    drawn = bars(svg_of(str(figure), "c1"))
    plot = charts.FRAME.plot_height
    a1, a2, b1 = (
        next(b for b in drawn if (b["data-series"], b["data-day"]) == key)
        for key in (("A<b>", "2026-11-01"), ("A<b>", "2026-11-02"), ("B", "2026-11-01"))
    )
    assert float(a1["height"]) == round(3 / 5 * plot, 2)  # the axis tops at 5 = 3 + 2
    assert float(b1["height"]) == round(2 / 5 * plot, 2)
    assert float(b1["y"]) == round(float(a1["y"]) - float(b1["height"]), 2)  # stacked on A
    assert float(a2["height"]) == round(1 / 5 * plot, 2)
    assert "合计：A&lt;b&gt; 4 人，B 2 人" in figure  # the summary for screen readers
    assert 'role="img"' in figure and "查看数据" in figure
