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
    assert "2 篇" in page.inner_text("table") and "上海市生态环境局" in page.inner_text("table")
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
