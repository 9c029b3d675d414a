"""`csj accounts check` and `csj menu push` against the sandbox, over HTTP."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syndication import account_actions, audit
from syndication.cli import main
from syndication.sandbox import menus


@pytest.fixture
def csj(config_file, redis_server, sandbox):
    def run(*args: str, **env: str):
        environ = {
            "CSJ_REDIS__URL": redis_server.url,
            "CSJ_WECHAT__API_BASE_URL": sandbox.api,
            **env,
        }
        return CliRunner().invoke(main, ["--config", str(config_file), *args], env=environ)

    return run


def test_checking_every_account(csj, redis):
    result = csj("accounts", "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["sh", "js", "zj", "ah"]
    assert all("正常（今日 /cgi-bin/freepublish/submit 剩余 100/100）" in line for line in lines)
    assert {e.action for e in audit.entries(redis)} == {"account-check"}


def test_a_wrong_secret_fails_the_command(csj, redis):
    result = csj("accounts", "check", "js", CSJ_ACCOUNTS__JS__SECRET="not-the-secret")
    assert result.exit_code == 1
    assert "AppSecret 错误" in result.output and "errcode 40125" in result.output
    assert "not-the-secret" not in result.output


def test_an_unknown_account_is_refused(csj):
    result = csj("accounts", "check", "xx")
    assert result.exit_code == 2 and "unknown account 'xx'" in result.output


def test_pushing_the_menu(csj, sandbox):
    result = csj("menu", "push", "zj")
    assert result.exit_code == 0 and result.output == "zj\t浙江省生态环境厅\t正常\n"
    assert menus.load(sandbox.state, "zj") == account_actions.MENU["button"]
    assert menus.load(sandbox.state, "sh") is None
