"""The accounts page: admins only; check a token and push the menu against the sandbox."""

from __future__ import annotations

import dataclasses

import pytest

from syndication import account_actions, audit, records
from syndication.admin import create_app, users
from syndication.sandbox import menus
from tests.admin_pages import block, post, signed_in, text
from tests.test_admin_auth import PASSWORD


@pytest.fixture
def people(redis, clock):
    for name, role in (("editor1", "editor"), ("reviewer1", "reviewer"), ("admin1", "admin")):
        users.add(redis, name, role, PASSWORD, clock())


def on_sandbox(sandbox, **account_changes):
    """The sandbox's config (API address included), with changes to account sh."""
    cfg = dataclasses.replace(
        sandbox.config,
        wechat=dataclasses.replace(sandbox.config.wechat, api_base_url=sandbox.api),
    )
    accounts = dict(cfg.accounts)
    accounts["sh"] = dataclasses.replace(accounts["sh"], **account_changes)
    return dataclasses.replace(cfg, accounts=accounts)


@pytest.fixture
def app(sandbox, redis, clock, people):
    return create_app(on_sandbox(sandbox), redis=redis, clock=clock)


@pytest.fixture
def admin(app):
    return signed_in(app, "admin1")


@pytest.mark.parametrize("name", ["editor1", "reviewer1"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/accounts"), ("post", "/accounts/sh/check"), ("post", "/accounts/sh/menu")],
)
def test_only_admins_reach_the_accounts_page(app, redis, name, method, path):
    client = signed_in(app, name)
    response = post(client, path) if method == "post" else client.get(path)
    assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True)
    assert not [e for e in audit.entries(redis) if e.action in ("account-check", "menu-push")]
    assert not records.log_entries(redis)  # no WeChat call was made


def test_the_page_lists_every_configured_account(admin, app):
    page = admin.get("/accounts").get_data(as_text=True)
    for account in app.extensions["csj_admin"]["config"].accounts.values():
        tile = text(block(page, "data-account", account.id))
        assert account.name in tile and account.appid in tile and account.region in tile
        assert "发布（freepublish）" in tile and "还没有检查过" in tile
    assert "安全模式" in text(block(page, "data-account", "sh"))
    assert "兼容模式" in text(block(page, "data-account", "ah"))


def test_an_action_without_the_csrf_token_is_refused(admin, redis):
    response = admin.post("/accounts/sh/check", data={})
    assert response.status_code == 400 and "安全校验失败" in response.get_data(as_text=True)
    assert not records.log_entries(redis)
    assert not [e for e in audit.entries(redis) if e.action == "account-check"]


def test_checking_a_token_asks_the_sandbox_and_shows_ok(admin, redis):
    response = post(admin, "/accounts/sh/check")
    assert response.status_code == 302 and response.headers["Location"].endswith("#account-sh")
    tile = text(block(admin.get("/accounts").get_data(as_text=True), "data-account", "sh"))
    assert "上次检查 成功" in tile
    assert "剩余 100/100" in tile  # freepublish/submit, as WeChat (the sandbox) counts it
    steps = [(e.step, e.errcode) for e in reversed(records.log_entries(redis, account="sh"))]
    assert steps == [("stable_token", 0), ("openapi/quota/get", 0)]
    entry = audit.entries(redis)[0]
    assert (entry.by, entry.action, entry.detail["account"], entry.detail["ok"]) == (
        "admin1",
        "account-check",
        "sh",
        True,
    )
    dashboard = text(block(admin.get("/").get_data(as_text=True), "data-account", "sh"))
    assert "令牌 正常" in dashboard  # the token the check fetched, read from Redis


def test_a_wrong_secret_shows_wechats_errcode(sandbox, redis, clock, people):
    app = create_app(on_sandbox(sandbox, secret="wrong-secret-1234"), redis=redis, clock=clock)
    admin = signed_in(app, "admin1")
    post(admin, "/accounts/sh/check")
    page = admin.get("/accounts").get_data(as_text=True)
    tile = text(block(page, "data-account", "sh"))
    assert "失败" in tile and "errcode 40125" in tile and "AppSecret 错误" in tile
    assert 'class="tile status-bad"' in page
    assert audit.entries(redis)[0].detail == {"account": "sh", "ok": False, "errcode": 40125}
    assert "wrong-secret" not in page  # a secret is never shown


def test_a_token_wechat_no_longer_accepts_is_found_by_the_check(admin, sandbox, redis):
    post(admin, "/accounts/sh/check")
    sandbox.control(
        "faults",
        {
            "account": "sh",
            "endpoint": "openapi/quota/get",
            "kind": "errcode",
            "errcode": 40164,
            "count": 1,
        },
    )
    post(admin, "/accounts/sh/check")
    tile = text(block(admin.get("/accounts").get_data(as_text=True), "data-account", "sh"))
    assert "errcode 40164" in tile and "白名单" in tile
    assert "最近错误 40164" in tile  # from the call log


def test_pushing_the_menu_reaches_the_sandbox(admin, sandbox, redis):
    assert menus.load(sandbox.state, "sh") is None
    response = post(admin, "/accounts/sh/menu")
    assert response.status_code == 302
    assert menus.load(sandbox.state, "sh") == account_actions.MENU["button"]
    assert menus.load(sandbox.state, "js") is None  # only the account asked for
    tile = text(block(admin.get("/accounts").get_data(as_text=True), "data-account", "sh"))
    assert "菜单推送 成功" in tile
    assert audit.entries(redis)[0].action == "menu-push"
    assert [e.step for e in records.log_entries(redis, account="sh")][0] == "menu/create"


def test_a_refused_menu_push_says_why(admin, sandbox):
    sandbox.control(
        "faults", {"account": "js", "endpoint": "menu/create", "kind": "errcode", "errcode": 48001}
    )
    post(admin, "/accounts/js/menu")
    tile = text(block(admin.get("/accounts").get_data(as_text=True), "data-account", "js"))
    assert "菜单推送 失败" in tile and "errcode 48001" in tile and "没有此接口权限" in tile
    assert menus.load(sandbox.state, "js") is None


def test_an_unreachable_api_is_reported_not_raised(people, config, redis, clock):
    app = create_app(config, redis=redis, clock=clock)  # the API address refuses connections
    admin = signed_in(app, "admin1")
    assert post(admin, "/accounts/zj/check").status_code == 302
    tile = text(block(admin.get("/accounts").get_data(as_text=True), "data-account", "zj"))
    assert "连不上微信接口" in tile


@pytest.mark.parametrize("path", ["/accounts/nope/check", "/accounts/sh/delete"])
def test_an_unknown_account_or_action_is_404(admin, path):
    assert post(admin, path).status_code == 404


def test_the_menu_passes_wechats_rules():
    assert menus.check_menu(account_actions.MENU) == account_actions.MENU["button"]


def test_the_demo_checks_each_token_once(sandbox, redis, clock, people):
    from syndication.demo import load_demo_checks

    config = on_sandbox(sandbox)
    assert load_demo_checks(config, redis, clock()) == list(config.accounts)
    assert load_demo_checks(config, redis, clock()) == []  # once: a later start leaves it
    admin = signed_in(create_app(config, redis=redis, clock=clock), "admin1")
    page = admin.get("/accounts").get_data(as_text=True)
    for account in config.accounts:
        assert "上次检查 成功" in text(block(page, "data-account", account))


def test_a_failed_check_stops_showing_once_a_call_succeeds(sandbox, redis, clock, people):
    wrong = create_app(on_sandbox(sandbox, secret="wrong-secret-1234"), redis=redis, clock=clock)
    post(signed_in(wrong, "admin1"), "/accounts/sh/check")
    right = signed_in(create_app(on_sandbox(sandbox), redis=redis, clock=clock), "admin1")
    assert 'class="tile status-bad" id="account-sh"' in right.get("/accounts").get_data(True)
    clock.advance(60)
    post(right, "/accounts/sh/menu")  # the fixed secret works: a call succeeds after the check
    page = right.get("/accounts").get_data(as_text=True)
    assert 'class="tile status-ok" id="account-sh"' in page
    tile = text(block(page, "data-account", "sh"))
    assert "令牌 正常" in tile and "上次检查 失败" in tile  # the old check is still on record
