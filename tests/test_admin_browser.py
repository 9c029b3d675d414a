"""The admin app in a real headless Chromium (Debian's, driven by Playwright; no downloaded
browser). Screenshots of every page land in tests/artifacts/screenshots/, desktop and phone."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import SynKeys
from syndication.admin import create_app, users
from tests.conftest import ROOT

CHROMIUM = os.environ.get("CSJ_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    """Debian's Chromium. CI installs it (.ci/run); elsewhere its absence skips these tests."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs the chromium package")
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium fonts-noto-cjk to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium):
    context = chromium.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN")
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


@pytest.fixture
def admin_url(config, redis, clock, live_server) -> str:
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    redis.sadd(SynKeys.published("sh"), "A1", "A2")
    redis.sadd(SynKeys.published("js"), "A1")
    return live_server(create_app(config, redis=redis, clock=clock))


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{page.viewport_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, name: str = "editor1", password: str = PASSWORD) -> None:
    """What a person does: open the page, type name and password, press 登录."""
    page.goto(f"{base}/")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")


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
