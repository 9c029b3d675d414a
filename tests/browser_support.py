"""Browser fixtures for the admin app's tests: one Debian Chromium for the whole session (driven by
Playwright, no downloaded browser), a page per viewport, screenshots, and signing in.

A plugin (tests/conftest.py lists it), not fixtures in one test module: Playwright's sync API runs
one driver per process, so every browser test file must share this one session fixture.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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
