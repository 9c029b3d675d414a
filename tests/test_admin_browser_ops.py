"""The dashboard, accounts and users pages in Debian's Chromium (Playwright), desktop and phone;
screenshots in tests/artifacts/screenshots/."""

from __future__ import annotations

import pytest

from syndication import articles
from syndication.admin import create_app, users
from tests.browser_support import PASSWORD, shot, sign_in
from tests.publishing_support import store_article
from tests.test_admin_accounts import on_sandbox

DAY = 86400


@pytest.fixture
def admin_url(engine, redis, clock, live_server) -> str:
    """The admin app on the engine's sandbox, after a few days of publishing."""
    for name, role in (("admin1", "admin"), ("editor1", "editor")):
        users.add(redis, name, role, PASSWORD, clock())
    clock.advance(-5 * DAY)
    titles = ("长三角区域生态环境宣教联盟正式成立", "太湖蓝藻防控进入关键期", "示范区跨界水体联保")
    for n, title in enumerate(titles):
        accounts = ("sh", "js", "zj", "ah") if n != 1 else ("sh", "zj")
        store_article(redis, engine.ctx.config, clock(), title=title, accounts=accounts)
        engine.run()
        engine.advance(200)
        clock.advance(2 * DAY)
    engine.sandbox.control(
        "faults",
        {"account": "js", "endpoint": "freepublish/submit", "kind": "errcode", "errcode": 53503},
    )
    store_article(redis, engine.ctx.config, clock(), title="六五环境日活动预告")
    engine.run()
    engine.advance(200)
    store_article(
        redis, engine.ctx.config, clock(), title="待审：秋冬季大气污染防治", state=articles.AWAITING
    )
    config = on_sandbox(engine.sandbox)
    return live_server(create_app(config, redis=redis, clock=clock))


def test_an_admin_reads_the_dashboard(page, admin_url):
    sign_in(page, admin_url, "admin1")
    assert page.url == f"{admin_url}/"
    tile = page.locator("[data-account=sh]")
    assert "已累计发布 4 篇" in tile.inner_text()
    assert "令牌" in tile.inner_text() and "今日余量" in tile.inner_text()
    attention = page.locator("#attention-title").locator("..")
    assert "失败" in attention.inner_text() and "待审核" in attention.inner_text()
    assert page.locator("#chart-published rect.bar").count() >= 10
    assert page.locator("#chart-published .legend li").count() == 4
    shot(page, "dashboard")
    page.click("#attention-title ~ ul a >> nth=0")
    assert "/articles/" in page.url  # the article page (built elsewhere) is where it leads


def test_an_admin_checks_a_token_and_pushes_a_menu(page, admin_url):
    sign_in(page, admin_url, "admin1")
    page.click("nav >> text=账号")
    assert page.url == f"{admin_url}/accounts"
    page.click("#account-sh >> text=检查令牌")
    assert "成功" in page.inner_text("#account-sh .last-check")
    page.click("#account-js >> text=推送菜单")
    assert "成功" in page.inner_text("#account-js .last-menu")
    shot(page, "accounts")


def test_an_admin_adds_a_user(page, admin_url):
    sign_in(page, admin_url, "admin1")
    page.goto(f"{admin_url}/users")
    page.fill("#new-name", "李审核")
    page.select_option("#new-role", "reviewer")
    page.fill("#new-password", "short")
    page.fill("#new-password2", "short")
    page.click("text=添加用户 >> xpath=ancestor-or-self::button")
    assert "密码太短" in page.inner_text("#new-password-error")
    shot(page, "users-error")
    page.fill("#new-password", "a-good-long-password")
    page.fill("#new-password2", "a-good-long-password")
    page.click("form.grid-form button[type=submit]")
    assert "已添加用户「李审核」（审核）" in page.inner_text(".notice")
    assert "审核" in page.inner_text("[data-user=李审核]")
    shot(page, "users")


def test_an_editor_cannot_open_the_users_page(page, admin_url):
    sign_in(page, admin_url, "editor1")
    assert page.locator("nav >> text=用户").count() == 0  # not offered in the header
    response = page.goto(f"{admin_url}/users")
    assert response.status == 403 and "没有权限" in page.inner_text("body")
    shot(page, "users-refused")
