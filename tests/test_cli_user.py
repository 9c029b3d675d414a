"""`csj user add|list|disable`: passwords from a prompt or stdin, clear refusals, audited."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syndication import audit
from syndication.admin import users
from syndication.cli import main

PASSWORD = "correct-horse-battery"


@pytest.fixture
def csj(config_file, redis_server, redis):
    """Run `csj user …` against the test Redis, acting as 王管理."""

    def run(*args: str, input: str | None = None):
        env = {"CSJ_REDIS__URL": redis_server.url, "CSJ_USER": "王管理"}
        command = ["--config", str(config_file), "user", *args]
        return CliRunner().invoke(main, command, input=input, env=env)

    return run


def test_add_with_prompt_list_disable(csj, redis):
    added = csj("add", "张编辑", "--role", "editor", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert "已添加用户 张编辑（编辑）" in added.output and PASSWORD not in added.output
    assert users.verify(redis, "张编辑", PASSWORD).role == "editor"
    assert csj("add", "li", "--role", "admin", "--password-stdin", input=PASSWORD).exit_code == 0
    assert csj("list").output.splitlines() == ["li\t管理员\t正常", "张编辑\t编辑\t正常"]
    disabled = csj("disable", "张编辑")
    assert disabled.exit_code == 0 and "已停用用户 张编辑" in disabled.output
    assert "张编辑\t编辑\t已停用" in csj("list").output
    assert users.verify(redis, "张编辑", PASSWORD) is None
    trail = [(e.by, e.action, e.detail["user"]) for e in audit.entries(redis)]
    assert trail == [
        ("王管理", "user-disable", "张编辑"),
        ("王管理", "user-add", "li"),
        ("王管理", "user-add", "张编辑"),
    ]


def test_password_is_never_an_argument(csj):
    result = csj("add", "li", "--role", "editor", "--password", PASSWORD)
    assert result.exit_code == 2 and "No such option" in result.output


def test_prompt_asks_again_when_the_two_differ(csj, redis):
    typed = f"{PASSWORD}\nother-password-1\n{PASSWORD}\n{PASSWORD}\n"
    result = csj("add", "li", "--role", "editor", input=typed)
    assert result.exit_code == 0 and users.get(redis, "li") is not None


def test_list_when_empty(csj):
    assert "还没有用户" in csj("list").output


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        pytest.param(
            ("a b", "--role", "editor"), PASSWORD, "用户名不能包含空格或控制字符", id="space"
        ),
        pytest.param(
            ("a\tb", "--role", "editor"), PASSWORD, "用户名不能包含空格或控制字符", id="tab"
        ),
        pytest.param(
            ("x" * 33, "--role", "editor"), PASSWORD, "用户名应为 1 到 32 个字符", id="long"
        ),
        pytest.param(("", "--role", "editor"), PASSWORD, "用户名应为 1 到 32 个字符", id="empty"),
        pytest.param(
            ("li", "--role", "boss"),
            PASSWORD,
            "未知角色「boss」，应为 editor、reviewer、admin 之一",
            id="role",
        ),
        pytest.param(("li", "--role", "editor"), "short", "密码太短：至少 10 个字符", id="weak"),
        pytest.param(("li", "--role", "editor"), "", "密码太短：至少 10 个字符", id="no-password"),
        pytest.param(
            ("taken", "--role", "editor"), PASSWORD, "用户「taken」已存在", id="duplicate"
        ),
    ],
)
def test_add_refusals(csj, redis, clock, args, input, message):
    users.add(redis, "taken", "reviewer", PASSWORD, clock())
    result = csj("add", *args, "--password-stdin", input=input)
    assert result.exit_code == 1 and f"Error: {message}" in result.output
    assert [u.name for u in users.list_users(redis)] == ["taken"]
    assert users.get(redis, "taken").role == "reviewer"


def test_disable_unknown_user(csj):
    result = csj("disable", "nobody")
    assert result.exit_code == 1 and "没有用户「nobody」" in result.output


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda r: users.set_role(r, "nobody", "admin"), "没有用户", id="unknown"),
        pytest.param(lambda r: users.set_role(r, "taken", "root"), "未知角色", id="bad-role"),
    ],
)
def test_set_role_refusals(redis, clock, call, message):
    users.add(redis, "taken", "editor", PASSWORD, clock())
    with pytest.raises(users.UserError, match=message):
        call(redis)


def test_set_role(redis, clock):
    users.add(redis, "taken", "editor", PASSWORD, clock())
    assert users.set_role(redis, "taken", "reviewer").role == "reviewer"


def test_admin_needs_a_secret_key_unless_demo(config_file, redis_server):
    env = {"CSJ_REDIS__URL": redis_server.url}
    result = CliRunner().invoke(main, ["--config", str(config_file), "admin"], env=env)
    assert result.exit_code == 1 and "[admin] secret_key 未设置" in result.output
