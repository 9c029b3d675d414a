"""The typed config: the example covers every field, overrides work, bad values name the key."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from bot.config import Account, Config, ConfigError, config_from_dict, load_config
from tests.conftest import EXAMPLE_CONFIG


def _example() -> dict:
    return tomllib.loads(EXAMPLE_CONFIG.read_text("utf-8"))


def test_example_config_loads_with_the_four_bureaus(config):
    assert list(config.accounts) == ["sh", "js", "zj", "ah"]
    assert [a.region for a in config.accounts.values()] == ["上海", "江苏", "浙江", "安徽"]


def test_example_documents_every_config_field():
    raw = _example()
    for section in dataclasses.fields(Config):
        if section.name in ("accounts", "source"):
            continue
        for f in dataclasses.fields(
            section.type if isinstance(section.type, type) else section.default
        ):
            assert f.name in raw[section.name], (
                f"config.example.toml lacks [{section.name}] {f.name}"
            )
    for account_id, table in raw["accounts"].items():
        for f in dataclasses.fields(Account):
            assert f.name == "id" or f.name in table, (
                f"config.example.toml lacks accounts.{account_id}.{f.name}"
            )


def test_environment_overrides_secrets_and_numbers(tmp_path):
    config = load_config(
        EXAMPLE_CONFIG,
        environ={
            "CSJ_ACCOUNTS__SH__SECRET": "from-env",
            "CSJ_WEB__WORKERS": "4",
            "CSJ_REDIS__URL": "redis://h:1/0",
            "CSJ_ACCOUNTS__AH__REQUIRE_ENCRYPTION": "true",
            "CSJ_REDIS__SENTINELS": "a:1, b:2",
        },
    )
    assert config.accounts["sh"].secret == "from-env"
    assert config.web.workers == 4 and config.redis.url == "redis://h:1/0"
    assert config.accounts["ah"].require_encryption is True
    assert config.redis.sentinels == ("a:1", "b:2")


def test_secrets_never_appear_in_repr(config):
    text = repr(config)
    for account in config.accounts.values():
        for value in (account.secret, account.token, account.encoding_aes_key):
            assert value not in text


def _with(path: str, value) -> dict:
    raw = _example()
    node = raw
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return raw


_DELETE = object()

BAD = [
    ("redis.url", "http://x", "redis.url", "must start with redis://"),
    ("redis.socket_timeout", 30, "redis.socket_timeout", "between 0 and 5"),
    ("redis.sentinels", ["nohost"], "redis.sentinels[0]", "host:port"),
    ("web.workers", "two", "web.workers", "must be an integer"),
    ("web.workers", True, "web.workers", "must be an integer"),
    ("web.bind", "8080", "web.bind", "host:port"),
    ("webhook.reply_budget", 6.0, "webhook.reply_budget", "WeChat gives up after 5"),
    ("webhook.max_clock_skew", -1, "webhook.max_clock_skew", "0 (off)"),
    ("webhook.typo", 1, "webhook.typo", "unknown key"),
    (
        "wechat.api_base_url",
        "https://api.weixin.qq.com/cgi-bin",
        "wechat.api_base_url",
        "ending in /",
    ),
    ("sandbox.push_url", "http://x/wechat/sh", "sandbox.push_url", "{account}"),
    ("logging.level", "LOUD", "logging.level", "DEBUG, INFO"),
    ("accounts.sh.appid", "wx123", "accounts.sh.appid", "16 hex digits"),
    ("accounts.sh.token", "a b", "accounts.sh.token", "3-32 letters or digits"),
    (
        "accounts.sh.encoding_aes_key",
        "short",
        "accounts.sh.encoding_aes_key",
        "43 letters or digits",
    ),
    ("accounts.sh.region", "北京", "accounts.sh.region", "unknown region"),
    (
        "accounts.sh.publish_mode",
        "tweet",
        "accounts.sh.publish_mode",
        "freepublish, masssend, draft",
    ),
    ("accounts.sh.secret", "", "accounts.sh.secret", "CSJ_ACCOUNTS__SH__SECRET"),
    ("accounts.sh.name", _DELETE, "accounts.sh.name", "is required"),
    ("accounts.js.appid", "wxe23063379dbf21c1", "accounts.js.appid", "same appid as accounts.sh"),
    (
        "accounts.ah.encoding_aes_key",
        "",
        "accounts.ah.previous_encoding_aes_key",
        "needs encoding_aes_key",
    ),
    ("accounts.sh.column", "yes", "accounts.sh.column", "true or false"),
    ("extra", {}, "extra", "unknown section"),
]


@pytest.mark.parametrize(
    ("path", "value", "key", "problem"), BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD]
)
def test_bad_values_name_the_key(path, value, key, problem):
    raw = _with(path, value)
    if path == "accounts.ah.encoding_aes_key":
        raw["accounts"]["ah"]["previous_encoding_aes_key"] = "X" * 43
    with pytest.raises(ConfigError) as caught:
        config_from_dict(raw)
    assert caught.value.key == key
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b"[web\nbind=1", "not valid TOML", id="syntax"),
        pytest.param(
            "[web]\nbind='127.0.0.1:80'\n".encode("gbk") + "# 注释".encode("gbk"),
            "not UTF-8",
            id="encoding",
        ),
    ],
)
def test_unreadable_files_are_named(tmp_path, content, problem):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=problem):
        load_config(path, environ={})


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", environ={})


def test_bad_environment_value_names_the_key():
    with pytest.raises(ConfigError) as caught:
        load_config(EXAMPLE_CONFIG, environ={"CSJ_WEB__WORKERS": "many"})
    assert caught.value.key == "web.workers"
