"""The admin app in a real headless Chromium (Debian's, driven by Playwright; no downloaded
browser). Screenshots of every page land in tests/artifacts/screenshots/, desktop and phone."""

from __future__ import annotations

import pytest

from bot.store import SynKeys
from syndication.admin import create_app, users
from tests.browser_support import PASSWORD, shot, sign_in


@pytest.fixture
def admin_url(config, redis, clock, live_server) -> str:
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    redis.sadd(SynKeys.published("sh"), "A1", "A2")
    redis.sadd(SynKeys.published("js"), "A1")
    return live_server(create_app(config, redis=redis, clock=clock))


def test_an_editor_signs_in_and_sees_the_column_totals(page, admin_url):
    page.goto(f"{admin_url}/")
    assert page.url.startswith(f"{admin_url}/login")  # sent to sign in first
    shot(page, "login")
    sign_in(page, admin_url)
    assert page.url == f"{admin_url}/"
    assert "你好，editor1" in page.inner_text("h1")
    tile = page.inner_text("[data-account=sh]")
    assert "已累计发布 2 篇" in tile and "上海市生态环境局" in tile
    shot(page, "home")
    page.click("text=退出")
    assert page.url.startswith(f"{admin_url}/login")


def test_five_wrong_passwords_lock_the_sign_in(page, admin_url):
    for _ in range(4):
        sign_in(page, admin_url, password="wrong-password-x")
        assert "用户名或密码不正确" in page.inner_text(".error")
    sign_in(page, admin_url, password="wrong-password-x")  # the fifth locks
    assert "登录失败次数过多" in page.inner_text(".error")
    sign_in(page, admin_url)  # the right password, too late
    assert "登录失败次数过多" in page.inner_text(".error")
    shot(page, "login-locked")


def test_a_form_posted_without_its_csrf_token_is_refused(page, admin_url, redis):
    sign_in(page, admin_url)
    before = redis.dbsize()
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.click("text=退出")  # the sign-out form, now without its token
    assert "安全校验失败" in page.inner_text("body")
    assert redis.dbsize() == before
    page.goto(f"{admin_url}/")
    assert "你好，editor1" in page.inner_text("h1")  # still signed in: the post did nothing


def test_an_api_call_without_a_session_or_token_is_refused(page, admin_url):
    page.goto(f"{admin_url}/login")
    answers = page.evaluate(
        """async () => Promise.all([
            fetch('/api/forecasts/latest').then(r => r.status),
            fetch('/api/forecasts', {method: 'POST', body: 'x'}).then(r => r.status),
            fetch('/api/posts').then(r => r.status),
        ])"""
    )
    # /api/posts is off altogether here: the test config has no [syndication] api_token.
    assert answers == [401, 401, 403]


def test_an_admin_reads_the_audit_trail(page, admin_url, redis, clock):
    users.add(redis, "admin1", "admin", PASSWORD, clock())
    sign_in(page, admin_url, "editor1", "wrong-password-x")  # a failed sign-in is recorded too
    sign_in(page, admin_url, "admin1")
    page.click("text=操作记录")
    rows = [row.inner_text() for row in page.locator("table.audit tbody tr").all()]
    assert any("admin1" in r and "登录" in r and "失败" not in r for r in rows)
    assert any("editor1" in r and "登录失败" in r for r in rows)
    page.select_option("#action", "login-failed")
    page.click("text=筛选")
    assert "admin1" not in page.inner_text("table.audit tbody")
    shot(page, "audit")
