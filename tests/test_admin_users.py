"""The users page: admins add users, change roles, disable/enable, reset passwords."""

from __future__ import annotations

import pytest

from syndication import audit
from syndication.admin import create_app, users
from syndication.admin.users import UserError
from tests.admin_pages import post, signed_in, text
from tests.test_admin_auth import PASSWORD, AuthActions

NEW_PASSWORD = "another-good-password"


@pytest.fixture
def people(redis, clock):
    for name, role in (("editor1", "editor"), ("reviewer1", "reviewer"), ("admin1", "admin")):
        users.add(redis, name, role, PASSWORD, clock())


@pytest.fixture
def app(config, redis, clock, people):
    return create_app(config, redis=redis, clock=clock)


@pytest.fixture
def admin(app):
    return signed_in(app, "admin1")


def can_sign_in(app, name: str, password: str) -> bool:
    return AuthActions(app.test_client()).login(name, password).status_code == 302


def snapshot(redis) -> list[users.User]:
    return users.list_users(redis)


@pytest.mark.parametrize("name", ["editor1", "reviewer1"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/users"),
        ("post", "/users"),
        ("post", "/users/role"),
        ("post", "/users/disable"),
        ("post", "/users/enable"),
        ("post", "/users/password"),
    ],
)
def test_only_admins_manage_users(app, redis, name, method, path):
    before = snapshot(redis)
    client = signed_in(app, name)
    form = {"name": "editor1", "role": "admin", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = post(client, path, **form) if method == "post" else client.get(path)
    assert response.status_code == 403 and "没有权限：需要管理员角色" in response.get_data(
        as_text=True
    )
    assert snapshot(redis) == before and can_sign_in(app, "editor1", PASSWORD)


def test_a_form_without_the_csrf_token_is_refused(admin, redis):
    form = {"name": "new1", "role": "editor", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = admin.post("/users", data=form)
    assert response.status_code == 400 and "安全校验失败" in response.get_data(as_text=True)
    assert users.get(redis, "new1") is None


def test_an_admin_adds_a_user_who_can_then_sign_in(app, admin, redis):
    form = {
        "name": "王编辑",
        "role": "reviewer",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    response = post(admin, "/users", **form)
    assert response.status_code == 302
    page = admin.get("/users").get_data(as_text=True)
    assert "已添加用户「王编辑」（审核）" in page and 'data-user="王编辑"' in page
    assert users.get(redis, "王编辑").role == "reviewer" and can_sign_in(
        app, "王编辑", NEW_PASSWORD
    )
    entry = audit.entries(redis)[1]  # [0] is the new user's sign-in above
    assert (entry.by, entry.action, entry.detail) == (
        "admin1",
        "user-add",
        {"user": "王编辑", "role": "reviewer"},
    )


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        pytest.param({"name": ""}, "new-name", "用户名应为 1 到 32 个字符", id="no-name"),
        pytest.param({"name": "a" * 33}, "new-name", "用户名应为 1 到 32 个字符", id="long-name"),
        pytest.param({"name": "王 编辑"}, "new-name", "用户名不能包含空格", id="space"),
        pytest.param({"name": "editor1"}, "new-name", "用户「editor1」已存在", id="taken"),
        pytest.param({"role": "boss"}, "new-role", "未知角色「boss」", id="role"),
        pytest.param(
            {"password": "short", "password2": "short"}, "new-password", "密码太短", id="short"
        ),
        pytest.param({"password2": "different-pass"}, "new-password", "两次输入", id="mismatch"),
    ],
)
def test_a_bad_new_user_is_refused_by_field_and_nothing_stored(admin, redis, form, field, message):
    before = snapshot(redis)
    good = {"name": "new1", "role": "editor", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = post(admin, "/users", **{**good, **form})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "没有保存" in page
    assert f'<p class="field-error" id="{field}-error">' in page
    assert message in page.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert f'id="{field}"' in page and f'aria-describedby="{field}-error"' in page
    assert snapshot(redis) == before
    assert NEW_PASSWORD not in page  # a password is never sent back


def test_the_name_and_role_stay_in_the_form_after_an_error(admin):
    form = {"name": "new1", "role": "reviewer", "password": "x", "password2": "x"}
    page = post(admin, "/users", **form).get_data(as_text=True)
    assert 'value="new1"' in page and '<option value="reviewer" selected>' in page


def test_changing_a_role(app, admin, redis):
    assert post(admin, "/users/role", name="editor1", role="reviewer").status_code == 302
    assert users.get(redis, "editor1").role == "reviewer"
    assert "已把「editor1」的角色改为审核" in admin.get("/users").get_data(as_text=True)
    assert audit.entries(redis)[0].detail == {"user": "editor1", "role": "reviewer"}


def test_the_last_admin_cannot_demote_themselves(admin, redis):
    response = post(admin, "/users/role", name="admin1", role="editor")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "至少要保留一位正常使用的管理员" in page
    assert users.get(redis, "admin1").role == "admin"
    assert not [e for e in audit.entries(redis) if e.action == "user-role"]


def test_with_a_second_admin_one_may_step_down(app, admin, redis):
    users.add(redis, "admin2", "admin", PASSWORD, 0)
    assert post(admin, "/users/role", name="admin1", role="editor").status_code == 302
    assert users.get(redis, "admin1").role == "editor"
    assert admin.get("/users").status_code == 403  # no longer an admin: the page is closed


def test_disabling_and_enabling_a_user(app, admin, redis):
    assert post(admin, "/users/disable", name="editor1").status_code == 302
    assert users.get(redis, "editor1").disabled and not can_sign_in(app, "editor1", PASSWORD)
    row = admin.get("/users").get_data(as_text=True).split('data-user="editor1"')[1]
    assert "已停用" in text(row.split("</li>")[0]) and ">启用</button>" in row.split("</li>")[0]
    assert post(admin, "/users/enable", name="editor1").status_code == 302
    assert can_sign_in(app, "editor1", PASSWORD)
    actions = [e.action for e in audit.entries(redis) if e.action.startswith("user-")]
    assert actions == ["user-enable", "user-disable"]


def test_a_disabled_users_open_session_ends(app, admin):
    editor = signed_in(app, "editor1")
    post(admin, "/users/disable", name="editor1")
    assert editor.get("/").status_code == 302  # back to the sign-in page


def test_an_admin_cannot_disable_themselves(admin, redis):
    response = post(admin, "/users/disable", name="admin1")
    assert response.status_code == 400 and "不能停用自己的账号" in response.get_data(as_text=True)
    assert not users.get(redis, "admin1").disabled


def test_resetting_a_password(app, admin, redis):
    form = {"name": "editor1", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert post(admin, "/users/password", **form).status_code == 302
    assert can_sign_in(app, "editor1", NEW_PASSWORD) and not can_sign_in(app, "editor1", PASSWORD)
    entry = [e for e in audit.entries(redis) if e.action == "user-password"][0]
    assert entry.detail == {"user": "editor1"}  # who and whose, never the password


def test_a_password_reset_ends_that_users_open_sessions(app, admin, redis):
    editor = signed_in(app, "editor1")
    assert editor.get("/").status_code == 200
    form = {"name": "editor1", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    post(admin, "/users/password", **form)
    assert editor.get("/").status_code == 302  # the old session no longer counts
    assert signed_in(app, "editor1", NEW_PASSWORD).get("/").status_code == 200


def test_an_admin_resetting_their_own_password_stays_signed_in(app, admin, redis):
    other = signed_in(app, "admin1")  # the same admin on another device
    form = {"name": "admin1", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert post(admin, "/users/password", **form).status_code == 302
    assert admin.get("/").status_code == 200 and other.get("/").status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        pytest.param({"password": "short", "password2": "short"}, "密码太短", id="short"),
        pytest.param({"password2": "not-the-same-one"}, "两次输入的密码不一致", id="mismatch"),
        pytest.param({"name": "nobody"}, "没有用户「nobody」", id="unknown"),
    ],
)
def test_a_bad_password_reset_changes_nothing(app, admin, form, message):
    good = {"name": "editor1", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = post(admin, "/users/password", **{**good, **form})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert can_sign_in(app, "editor1", PASSWORD)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda r: users.disable(r, "boss"), "至少要保留", id="disable"),
        pytest.param(lambda r: users.set_role(r, "boss", "editor"), "至少要保留", id="demote"),
        pytest.param(lambda r: users.set_role(r, "x", "admin"), "没有用户「x」", id="unknown"),
        pytest.param(lambda r: users.set_role(r, "boss", "root"), "未知角色", id="bad-role"),
    ],
)
def test_the_store_keeps_one_enabled_admin(redis, change, message):
    boss = users.add(redis, "boss", "admin", PASSWORD, 0)
    users.add(redis, "old", "admin", PASSWORD, 0)
    users.disable(redis, "old")  # a disabled admin does not count
    with pytest.raises(UserError, match=message):
        change(redis)
    assert users.get(redis, "boss") == boss
