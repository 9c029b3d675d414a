"""The log and forecast pages in Debian's Chromium: find a publication in the log and the counts,
export it, upload a forecast with an error, then a good one, see its picture, publish it.
Screenshots (desktop and phone) land in tests/artifacts/screenshots/."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect
from wechatpy.exceptions import WeChatClientException

from bot.forecast.repo import ForecastRepo
from syndication import publications as pubs
from syndication.admin import create_app, users
from syndication.calls import CallFailed, Where
from tests.browser_support import PASSWORD, shot, sign_in
from tests.forecast_data import SAMPLE, sample_bytes
from tests.publishing_support import store_article
from tests.test_forecast_media import FakeUploader


@pytest.fixture
def published(engine, redis, config, clock) -> str:
    """The sample article published on all four sandbox accounts, and one refused call."""
    article = store_article(redis, config, clock())
    engine.run()
    engine.advance(200)
    assert set(engine.states(article.id).values()) == {pubs.PUBLISHED}

    def refused() -> None:
        raise WeChatClientException(45009, "reach max api daily quota limit")

    with pytest.raises(CallFailed):
        engine.ctx.recorder.call(Where(article.id, "zj", 2), "freepublish/get", refused)
    return article.id


@pytest.fixture
def admin_url(config, redis, clock, live_server) -> str:
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    app = create_app(config, redis=redis, clock=clock, uploader=FakeUploader())
    return live_server(app)


def test_find_a_publication_in_the_log_and_the_counts(page, admin_url, published):
    sign_in(page, admin_url)
    page.click("header >> text=同步日志")
    page.wait_for_url(f"{admin_url}/log")
    rows = page.locator("table.log tbody tr")
    expect(rows).to_have_count(21)  # 5 calls on each of 4 accounts, and the refused one
    assert (
        "45009" in rows.first.inner_text() and "今日接口调用次数已用完" in rows.first.inner_text()
    )
    shot(page, "log")

    page.select_option("#account", "sh")
    page.select_option("#status", "ok")
    page.click("text=筛选")
    page.wait_for_url("**/log?account=sh*")
    expect(rows).to_have_count(5)
    assert all("上海市生态环境局" in t for t in rows.all_inner_texts())
    assert published in rows.first.inner_text()
    shot(page, "log-filtered")

    with page.expect_download() as download:
        page.click("#export")
    data = download.value.path().read_bytes()
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["时间", "账号", "账号名称"] and len(table) == 6
    assert {row[1] for row in table[1:]} == {"sh"}

    page.fill("#errcode", "abc")
    page.click("text=筛选")
    expect(page.locator(".error")).to_contain_text("错误码「abc」应为整数，如 45009 或 -3")
    expect(rows).to_have_count(0)
    shot(page, "log-bad-filter")

    page.goto(f"{admin_url}/log?size=8")
    page.click("text=较旧")
    page.wait_for_url("**/log?before=*")
    expect(rows).to_have_count(8)
    expect(page.locator(".pager >> text=较新")).to_have_count(1)

    page.click("text=发布统计")
    page.wait_for_url(f"{admin_url}/log/counts")
    totals = page.locator("table.counts").inner_text()
    assert "上海市生态环境局\t1 篇" in totals and "安徽省生态环境厅\t1 篇" in totals
    assert "11-24\t4\t1\t1\t1\t1" in page.locator("table.per-day").inner_text()
    shot(page, "log-counts")
    page.click("table.per-day >> text=11-24")  # the day's calls, back in the log
    page.wait_for_url("**/log?since=2026-11-24&until=2026-11-24")
    expect(rows).to_have_count(21)


def test_upload_a_forecast_with_an_error_then_a_good_one_and_publish(
    page, admin_url, redis, tmp_path
):
    bad = tmp_path / "week-bad.csv"
    bad.write_text(SAMPLE.read_text("utf-8").replace(",上海,55,75,", ",广州,55,75,"), "utf-8")
    good = tmp_path / "week.csv"
    good.write_bytes(sample_bytes())
    sign_in(page, admin_url)
    page.click("header >> text=预报")
    expect(page.locator("main")).to_contain_text("尚未导入预报")

    page.set_input_files("#file", str(bad))
    page.click("text=检查文件")
    problems = page.locator("#problems")
    expect(problems).to_be_visible()
    assert "有 1 处问题" in problems.inner_text()
    assert "未知地区「广州」" in problems.inner_text() and "第 2 行" in problems.inner_text()
    assert "广州" in problems.locator("mark").inner_text()
    shot(page, "forecast-problems")
    assert ForecastRepo(redis).latest_id() is None

    page.set_input_files("#file", str(good))
    page.click("text=检查文件")
    page.wait_for_url("**/forecasts/uploads/*")  # and its load event: the picture is in
    expect(page.locator("h1")).to_have_text("检查通过，请确认后发布")
    picture = page.locator("img.forecast-card")
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 1080
    shot(page, "forecast-preview")

    page.click("#publish")
    page.wait_for_url(f"{admin_url}/forecasts")
    assert "已发布" in page.inner_text(".notice.ok")
    assert "editor1" in page.inner_text(".current")
    assert page.locator(".current img").evaluate("img => img.naturalWidth") == 1080
    assert ForecastRepo(redis).latest() is not None
    shot(page, "forecasts")
