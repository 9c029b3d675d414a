"""Signing in to the admin app: sessions, roles, CSRF, throttling, cookie flags."""

from __future__ import annotations

import dataclasses

import pytest

from syndication import audit
from syndication.admin import create_app, throttle, users

PASSWORD = "correct-horse-battery"


class AuthActions:
    """Sign in and out through the real pages, as a browser would."""

    def __init__(self, client) -> None:
        self.client = client

    def csrf(self) -> str:
        """The session's CSRF token (the login page makes one)."""
        self.client.get("/login")
        with self.client.session_transaction() as session:
            return session["csrf"]

    def login(self, name: str = "editor1", password: str = PASSWORD, next_: str = ""):
        token = self.csrf()
        url = f"/login?next={next_}" if next_ else "/login"
        data = {"name": name, "password": password, "csrf_token": token}
        return self.client.post(url, data=data)

    def logout(self):
        with self.client.session_transaction() as session:
            token = session.get("csrf", "")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def people(redis, clock):
    """One user of each role, and a disabled one."""
    for name, role in (("editor1", "editor"), ("reviewer1", "reviewer"), ("admin1", "admin")):
        users.add(redis, name, role, PASSWORD, clock())
    users.add(redis, "gone", "editor", PASSWORD, clock())
    users.disable(redis, "gone")


@pytest.fixture
def app(config, redis, clock, people):
    return create_app(config, redis=redis, clock=clock)


@pytest.fixture
def auth(client):
    return AuthActions(client)


def test_login_page_is_chinese_self_contained_and_mobile_ready(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<title>登录" in page and 'name="viewport"' in page and 'name="csrf_token"' in page
    assert "http" not in page.replace("http-equiv", "")  # no CDN: every file from the app
    css = client.get("/static/admin.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_login_then_pages_then_logout(client, auth, redis):
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "你好，editor1" in home and "编辑" in home
    assert auth.logout().headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert [e.action for e in audit.entries(redis)][:2] == ["logout", "login"]


def test_next_is_followed_only_to_a_local_path(auth):
    assert auth.login("admin1", next_="/users").headers["Location"] == "/users"
    assert auth.login("admin1", next_="//evil.example/").headers["Location"] == "/"


@pytest.mark.parametrize(
    ("method", "path", "status", "where"),
    [
        pytest.param("get", "/", 302, "/login?next=/", id="page"),
        pytest.param("get", "/users", 302, "/login?next=/users", id="admin-page"),
        pytest.param("get", "/api/forecasts/latest", 401, None, id="api-get"),
        pytest.param("post", "/api/forecasts", 401, None, id="api-post"),
    ],
)
def test_no_session_is_refused(client, method, path, status, where):
    response = getattr(client, method)(path)
    assert response.status_code == status
    if where:
        assert response.headers["Location"] == where
    else:
        assert response.json == {"errors": ["请先登录（或使用 Authorization: Bearer 令牌）"]}


@pytest.mark.parametrize(
    ("path", "token"),
    [
        pytest.param("/logout", None, id="logout-no-token"),
        pytest.param("/logout", "wrong", id="logout-wrong-token"),
        pytest.param("/api/forecasts", None, id="api-no-header"),
        pytest.param("/api/forecasts", "wrong", id="api-wrong-header"),
    ],
)
def test_bad_csrf_is_400(client, auth, path, token):
    auth.login()
    headers = {"X-CSRF-Token": token} if token else {}
    response = client.post(path, data=b"x", content_type="text/csv", headers=headers)
    assert response.status_code == 400
    assert "安全校验失败" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still signed in


def test_login_form_needs_its_csrf_token(client):
    client.get("/login")
    data = {"name": "editor1", "password": PASSWORD, "csrf_token": "forged"}
    assert client.post("/login", data=data).status_code == 400


@pytest.mark.parametrize(
    ("name", "path", "status"),
    [
        pytest.param("editor1", "/users", 403, id="editor"),
        pytest.param("reviewer1", "/users", 403, id="reviewer"),
        pytest.param("admin1", "/users", 200, id="admin"),
    ],
)
def test_roles(client, auth, name, path, status):
    auth.login(name)
    response = client.get(path)
    assert response.status_code == status
    if status == 403:
        assert "没有权限" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "password"),
    [
        pytest.param("editor1", "wrong-password", id="wrong-password"),
        pytest.param("nobody", PASSWORD, id="unknown-user"),
        pytest.param("gone", PASSWORD, id="disabled-user"),
        pytest.param("", "", id="empty"),
    ],
)
def test_wrong_name_or_password_one_message(client, auth, name, password):
    response = auth.login(name, password)
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_five_wrong_passwords_lock_the_user_until_the_window_passes(client, auth, clock):
    for _ in range(throttle.MAX_FAILURES - 1):
        assert auth.login(password="wrong-password").status_code == 401
    locked = auth.login(password="wrong-password")
    assert locked.status_code == 429 and "请 15 分钟后再试" in locked.get_data(as_text=True)
    clock.advance(5 * 60)
    refused = auth.login()  # the right password, still refused
    assert refused.status_code == 429 and "请 10 分钟后再试" in refused.get_data(as_text=True)
    clock.advance(10 * 60 + 1)
    assert auth.login().status_code == 302


def test_a_locked_user_is_locked_from_every_address(app, auth, clock):
    for _ in range(throttle.MAX_FAILURES):
        auth.login(password="wrong-password")
    other = AuthActions(app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert other.login().status_code == 429


def test_one_address_trying_many_names_is_locked(app, auth):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        auth.login(name, "wrong-password")
    assert auth.login("admin1").status_code == 429


def test_failures_outside_the_window_do_not_add_up(auth, clock):
    for _ in range(throttle.MAX_FAILURES - 1):
        auth.login(password="wrong-password")
    clock.advance(throttle.WINDOW + 1)
    assert auth.login(password="wrong-password").status_code == 401
    assert auth.login().status_code == 302


def test_a_disabled_user_loses_an_open_session(client, auth, redis):
    auth.login()
    assert client.get("/").status_code == 200
    users.disable(redis, "editor1")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("secure", [True, False])
def test_cookie_flags(config, redis, clock, people, secure):
    admin = dataclasses.replace(config.admin, secure_cookies=secure)
    app = create_app(dataclasses.replace(config, admin=admin), redis=redis, clock=clock)
    client = app.test_client()
    AuthActions(client).csrf()
    cookie = client.get_cookie("csj_admin")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.secure is secure


def test_one_generated_key_is_shared_by_every_process(config, redis, clock, people):
    first, second = (create_app(config, redis=redis, clock=clock) for _ in range(2))
    auth = AuthActions(first.test_client())
    auth.login()
    cookie = auth.client.get_cookie("csj_admin")
    other = second.test_client()
    other.set_cookie("csj_admin", cookie.value)
    assert other.get("/").status_code == 200


def test_a_configured_key_is_used(config, redis, clock, people):
    admin = dataclasses.replace(config.admin, secret_key="k" * 32)
    app = create_app(dataclasses.replace(config, admin=admin), redis=redis, clock=clock)
    AuthActions(app.test_client()).login()
    assert app.secret_key == "k" * 32 and not redis.exists("csj:{admin}:secret")


def test_the_start_page_shows_each_accounts_column_total(auth, client, redis):
    from bot.store import SynKeys

    redis.sadd(SynKeys.published("sh"), "A1", "A2")
    assert auth.login().status_code == 302
    page = client.get("/").get_data(as_text=True)
    from tests.admin_pages import block, text

    assert "上海市生态环境局 已累计发布 2 篇" in text(block(page, "data-account", "sh"))
    assert "江苏省生态环境厅 已累计发布 0 篇" in text(block(page, "data-account", "js"))


def test_behind_a_trusted_proxy_failures_count_per_forwarded_address(config, redis, clock, people):
    behind = dataclasses.replace(config, admin=dataclasses.replace(config.admin, trusted_proxies=1))
    client = create_app(behind, redis=redis, clock=clock).test_client()
    actions = AuthActions(client)
    for _ in range(5):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
        actions.login("nobody", "wrong-password-1")
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.9"  # another person, same proxy
    assert actions.login().status_code == 302
