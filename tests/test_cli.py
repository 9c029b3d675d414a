"""The csj command, through click's CliRunner."""

from __future__ import annotations

import shutil
import socket

from click.testing import CliRunner

from syndication.cli import main
from tests.conftest import EXAMPLE_CONFIG


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "web", "config"):
        assert command in result.output


def test_config_check_summarises_without_secrets(config):
    result = CliRunner().invoke(main, ["--config", str(EXAMPLE_CONFIG), "config", "check"], env={})
    assert result.exit_code == 0, result.output
    assert "account sh: 上海市生态环境局 (上海), safe mode" in result.output
    assert "account ah: 安徽省生态环境厅 (安徽), compatible mode" in result.output
    for account in config.accounts.values():
        assert account.secret not in result.output and account.token not in result.output


def test_config_from_environment_variable():
    result = CliRunner().invoke(main, ["config", "check"], env={"CSJ_CONFIG": str(EXAMPLE_CONFIG)})
    assert result.exit_code == 0 and "OK" in result.output


def test_bad_config_stops_with_the_key_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE_CONFIG.read_text("utf-8").replace('region = "江苏"', 'region = "北京"'), "utf-8"
    )
    result = CliRunner().invoke(main, ["--config", str(bad), "config", "check"])
    assert result.exit_code == 1
    assert "accounts.js.region" in result.output and "北京" in result.output


def test_missing_config_file_is_named(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "none.toml"), "web"])
    assert result.exit_code == 1 and "file not found" in result.output


def test_missing_default_config_in_a_checkout_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a checkout: the example config, no config.toml
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "config.example.toml")
    result = CliRunner().invoke(main, ["chat", "--account", "zj", "你好"], env={"CSJ_CONFIG": None})
    assert result.exit_code == 1
    assert "config.toml: file not found" in result.output
    assert "copy config.example.toml to config.toml" in result.output
    assert "csj --config config.example.toml" in result.output  # the demo
    assert "CSJ_CONFIG=config.example.toml" in result.output


def test_missing_config_outside_a_checkout_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "etc" / "csj.toml"
    result = CliRunner().invoke(main, ["web"], env={"CSJ_CONFIG": str(missing)})
    assert result.exit_code == 1
    assert f"{missing}: file not found" in result.output
    assert f"copy config.example.toml to {missing}" in result.output
    assert "demo" not in result.output  # no example config here to point at


def test_run_refuses_a_taken_port():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["--config", str(EXAMPLE_CONFIG), "run", "--bind", f"127.0.0.1:{port}"]
        )
    assert result.exit_code == 1
    assert f"127.0.0.1:{port} is already in use" in result.output
