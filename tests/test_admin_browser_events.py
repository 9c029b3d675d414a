"""The 活动 pages in Debian's Chromium (Playwright), desktop and phone: an editor finds who is
coming, downloads the list, tries a bad events file, and calls an event off. Screenshots in
tests/artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from playwright.sync_api import expect

from bot.events import signup
from bot.events.repo import EventRepo
from syndication.admin import create_app, users
from tests.browser_support import PASSWORD, shot, sign_in
from tests.events_support import NANJING, import_sample
from tests.test_admin_events import BAD_CSV

#: Followers as WeChat names them (28 characters), through each bureau's account.
FOLLOWERS = [(account, f"oX7{n:02d}Kq9mZ2bP4vL8tR1wS5yU{n:02d}") for n, account in
             enumerate(("sh", "js", "zj", "ah", "sh", "js"))]  # fmt: skip


@pytest.fixture
def admin_url(config, redis, clock, live_server) -> tuple[str, int]:
    """The sample events, and a four-place bird walk that six followers signed up for (one gave
    up their place, so the first waiting moved up)."""
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    import_sample(redis)
    repo = EventRepo(redis)
    walk = replace(repo.get(NANJING), title="太湖湿地观鸟志愿活动", kind="志愿", capacity=4)
    number = repo.add([replace(walk, region="苏州", place="太湖国家湿地公园")])[0].number
    for n, (account, openid) in enumerate(FOLLOWERS):
        clock.advance(17 * 60)
        signup.sign_up(redis, number, account, openid, clock(), f"m{n}")
    signup.cancel(redis, number, *FOLLOWERS[1], clock() + 60, "c1")
    return live_server(create_app(config, redis=redis, clock=clock)), number


def test_an_editor_sees_who_is_coming_and_calls_an_event_off(page, admin_url, redis):
    url, number = admin_url
    sign_in(page, url)
    page.click("header >> text=活动")
    page.wait_for_url(f"{url}/events")
    rows = page.locator("#coming table.events tbody tr")
    expect(rows).to_have_count(7)
    walk = page.locator(f"tr[data-event='{number}']")
    assert "4/4" in walk.inner_text() and "报名中" in walk.inner_text()
    shot(page, "events")

    page.set_input_files("#file", files=[_file("events.csv", BAD_CSV)])
    page.click("#import button[type=submit]")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("6 处问题")  # two bad cells; four rows already stored
    for said in ("类型「聚会」应为", "与已有活动 #3 重复", "没有保存任何内容"):
        assert said in problems.inner_text()
    expect(rows).to_have_count(7)  # nothing stored
    shot(page, "events-problems")

    page.click(f"tr[data-event='{number}'] .title a")
    page.wait_for_url(f"{url}/events/{number}")
    regs = page.locator("table.regs tbody tr")
    expect(regs).to_have_count(6)
    assert "oX70…U00" not in page.content()  # a follower is shown by a short mask
    body = page.inner_text("#registrations")
    assert "oX70…yU00" in body and "已取消" in body and "候补 第 1 位" in body
    assert not any(openid in page.content() for _, openid in FOLLOWERS)
    shot(page, "event-detail")

    with page.expect_download() as download:
        page.click("#csv")
    table = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert table[0][:3] == ["position", "status", "checkin_code"] and len(table) == 7

    page.click("#call-off button.danger")  # not ticked: the browser asks for the tick first
    assert EventRepo(redis).get(number).status == "open"
    page.check("#call-off input[name=confirm]")
    page.click("#call-off button.danger")
    expect(page.locator(".notice.ok")).to_contain_text("5 位已报名或候补的粉丝")
    assert "已取消" in page.inner_text("#event") and page.locator("#call-off").count() == 0
    assert EventRepo(redis).get(number).status == "cancelled"
    shot(page, "event-cancelled")


def _file(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": data}
