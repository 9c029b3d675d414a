"""Typed configuration: TOML file -> environment overrides -> frozen, validated dataclasses."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "CSJ_"
REGIONS = ("上海", "江苏", "浙江", "安徽")
PUBLISH_MODES = ("freepublish", "masssend", "draft")
WORKER_CLASSES = ("gevent", "gthread")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key and the problem."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"config: {key}: {problem}")


def secret_field(default: Any = "") -> Any:
    """A field kept out of repr() so it never reaches a log line."""
    return field(default=default, repr=False, metadata={"secret": True})


@dataclass(frozen=True)
class RedisConfig:
    url: str = ""  # empty: an embedded Redis is started under data_dir (development only)
    sentinels: tuple[str, ...] = ()  # "host:port" of each Sentinel; url is then ignored
    sentinel_master: str = "mymaster"
    password: str = secret_field()
    socket_timeout: float = 0.5
    connect_timeout: float = 0.25
    data_dir: str = "var/redis"


@dataclass(frozen=True)
class WechatConfig:
    api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    http_timeout: float = 10.0


@dataclass(frozen=True)
class WebConfig:
    bind: str = "127.0.0.1:8080"
    workers: int = 2
    worker_class: str = "gevent"
    threads: int = 32
    worker_connections: int = 1000
    timeout: int = 30
    graceful_timeout: int = 10
    keepalive: int = 5


@dataclass(frozen=True)
class WebhookConfig:
    max_clock_skew: int = 300
    reply_budget: float = 4.5
    max_body_bytes: int = 65536
    dedupe_ttl: int = 86400
    handler_threads: int = 32


@dataclass(frozen=True)
class AdminConfig:
    bind: str = "127.0.0.1:8081"
    secret_key: str = secret_field()  # signs session cookies; empty: demo only (kept in Redis)
    secure_cookies: bool = True  # session cookie only over HTTPS
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-For (nginx: 1)


@dataclass(frozen=True)
class SandboxConfig:
    bind: str = "127.0.0.1:8090"
    push_url: str = "http://127.0.0.1:8080/wechat/{account}"
    publish_delay: float = 5.0  # seconds until a freepublish job ends (and is pushed)
    mass_delay: float = 5.0  # seconds until a mass send ends (and is pushed)


@dataclass(frozen=True)
class SyndicationConfig:
    approvals: int = 1  # approvals by people other than the author before an article goes out
    api_token: str = secret_field()  # bearer token for POST /api/posts; empty: the API is off
    prepare_ahead: int = 900  # seconds before publish time that drafts are prepared
    task_lease: int = 120  # seconds a worker holds one (article, account) before another may
    scheduler_lease: float = 10.0  # seconds the leading scheduler's lease lasts unless renewed
    tick: float = 0.25  # seconds between the scheduler's looks for due work
    log_retention_days: int = 180  # days the API-call log keeps its entries
    max_attempts: int = 8  # retryable failures before an (article, account) is failed


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    region: str
    appid: str
    secret: str = secret_field()
    token: str = secret_field()
    encoding_aes_key: str = secret_field()
    previous_encoding_aes_key: str = secret_field()
    require_encryption: bool = False
    publish_mode: str = "freepublish"
    column: bool = True

    @property
    def aes_keys(self) -> tuple[str, ...]:
        """The current EncodingAESKey, then the previous one during a rotation."""
        return tuple(k for k in (self.encoding_aes_key, self.previous_encoding_aes_key) if k)


@dataclass(frozen=True)
class Config:
    redis: RedisConfig = RedisConfig()
    wechat: WechatConfig = WechatConfig()
    web: WebConfig = WebConfig()
    webhook: WebhookConfig = WebhookConfig()
    admin: AdminConfig = AdminConfig()
    sandbox: SandboxConfig = SandboxConfig()
    syndication: SyndicationConfig = SyndicationConfig()
    logging: LoggingConfig = LoggingConfig()
    accounts: Mapping[str, Account] = field(default_factory=dict)
    source: str = field(default="", compare=False)

    def account(self, account_id: str) -> Account | None:
        """Return the account with this id, or None."""
        return self.accounts.get(account_id)


SECTIONS = {
    f.name: f.type for f in dataclasses.fields(Config) if f.name not in ("accounts", "source")
}


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read a TOML file, apply CSJ_* environment overrides, and validate."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        where = "" if path.is_absolute() else f" (in {Path.cwd()})"
        raise ConfigError(
            str(path),
            f"file not found{where}; copy config.example.toml to {path} and edit it, "
            "or choose a file with --config or CSJ_CONFIG",
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    apply_env_overrides(raw, os.environ if environ is None else environ)
    return dataclasses.replace(config_from_dict(raw), source=str(path))


def apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Set raw[a][b]... from CSJ_A__B...=value (values are parsed later, by field type)."""
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        node = raw
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(".".join(path), f"cannot override from {name}")
        node[path[-1]] = EnvValue(value)


class EnvValue(str):
    """A string from the environment, converted to the field's type on load."""


def config_from_dict(raw: Mapping[str, Any]) -> Config:
    """Build and validate a Config from a parsed TOML mapping."""
    unknown = set(raw) - set(SECTIONS) - {"accounts"}
    if unknown:
        raise ConfigError(
            sorted(unknown)[0], f"unknown section (known: {', '.join(SECTIONS)}, accounts)"
        )
    sections = {name: build(cls, raw.get(name, {}), name) for name, cls in _section_types().items()}
    accounts = _accounts(raw.get("accounts", {}))
    config = Config(**sections, accounts=accounts)
    _validate(config)
    return config


def _section_types() -> dict[str, type]:
    hints = typing.get_type_hints(Config)
    return {name: hints[name] for name in SECTIONS}


def _accounts(raw: Any) -> dict[str, Account]:
    if not isinstance(raw, Mapping):
        raise ConfigError("accounts", "must be a table of [accounts.<id>]")
    accounts = {}
    for account_id, table in raw.items():
        key = f"accounts.{account_id}"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", account_id):
            raise ConfigError(key, "account id must be 1-32 lower-case letters, digits, '-' or '_'")
        if not isinstance(table, Mapping):
            raise ConfigError(key, "must be a table")
        accounts[account_id] = build(Account, {**table, "id": account_id}, key)
    return accounts


def build(cls: type, raw: Any, key: str) -> Any:
    """Instantiate dataclass `cls` from a mapping, checking names and types."""
    if not isinstance(raw, Mapping):
        raise ConfigError(key, "must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(raw) - set(fields)
    if unknown:
        raise ConfigError(
            f"{key}.{sorted(unknown)[0]}", f"unknown key (known: {', '.join(fields)})"
        )
    values = {}
    for name, f in fields.items():
        if name in raw:
            values[name] = _convert(raw[name], hints[name], f"{key}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{key}.{name}", "is required")
    return cls(**values)


def _convert(value: Any, hint: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        if isinstance(value, EnvValue):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(key, "must be a list of strings")
        return tuple(value)
    if isinstance(value, EnvValue):
        return _from_env(str(value), hint, key)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(key, f"must be {_type_name(hint)}, got {type(value).__name__} {value!r}")
    return value


def _from_env(value: str, hint: Any, key: str) -> Any:
    try:
        if hint is bool:
            return {"true": True, "1": True, "false": False, "0": False}[value.lower()]
        return hint(value)
    except (KeyError, ValueError):
        raise ConfigError(key, f"must be {_type_name(hint)} (from the environment)") from None


def _type_name(hint: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if isinstance(hint, types.UnionType):
        return " or ".join(names.get(h, str(h)) for h in typing.get_args(hint))
    return names.get(hint, str(hint))


def _check(ok: bool, key: str, problem: str) -> None:
    if not ok:
        raise ConfigError(key, problem)


def _validate(config: Config) -> None:
    r = config.redis
    _check(
        r.url == "" or re.match(r"^(redis|rediss|unix)://", r.url) is not None,
        "redis.url",
        "must start with redis://, rediss:// or unix://",
    )
    for i, hostport in enumerate(r.sentinels):
        _check(_is_hostport(hostport), f"redis.sentinels[{i}]", "must be host:port")
    _check(0 < r.socket_timeout <= 5, "redis.socket_timeout", "must be between 0 and 5 seconds")
    _check(0 < r.connect_timeout <= 5, "redis.connect_timeout", "must be between 0 and 5 seconds")
    _check(
        re.match(r"^https?://.+/$", config.wechat.api_base_url) is not None,
        "wechat.api_base_url",
        "must be an http(s) URL ending in /",
    )
    for section in ("web", "admin", "sandbox"):
        _check(_is_hostport(getattr(config, section).bind), f"{section}.bind", "must be host:port")
    _check(1 <= config.web.workers <= 64, "web.workers", "must be between 1 and 64")
    _check(config.web.worker_connections >= 10, "web.worker_connections", "must be at least 10")
    _check(
        config.web.worker_class in WORKER_CLASSES,
        "web.worker_class",
        f"must be one of {', '.join(WORKER_CLASSES)}",
    )
    _check(1 <= config.web.threads <= 1024, "web.threads", "must be between 1 and 1024")
    _check("{account}" in config.sandbox.push_url, "sandbox.push_url", "must contain {account}")
    _validate_webhook(config.webhook)
    _validate_admin(config.admin)
    _validate_syndication(config.syndication)
    _check(0 <= config.admin.trusted_proxies <= 5, "admin.trusted_proxies", "must be 0 to 5")
    _check(
        config.logging.level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR"),
        "logging.level",
        "must be DEBUG, INFO, WARNING or ERROR",
    )
    for account in config.accounts.values():
        _validate_account(account)
    _check_unique(config.accounts.values())


def _validate_webhook(w: WebhookConfig) -> None:
    _check(
        0 <= w.max_clock_skew <= 86400, "webhook.max_clock_skew", "must be 0 (off) to 86400 seconds"
    )
    _check(
        0.1 <= w.reply_budget <= 4.8,
        "webhook.reply_budget",
        "must be between 0.1 and 4.8 seconds (WeChat gives up after 5)",
    )
    _check(1024 <= w.max_body_bytes <= 1048576, "webhook.max_body_bytes", "must be 1 KB to 1 MB")
    _check(w.dedupe_ttl >= 60, "webhook.dedupe_ttl", "must be at least 60 seconds")
    _check(1 <= w.handler_threads <= 1024, "webhook.handler_threads", "must be 1 to 1024")


def _validate_admin(a: AdminConfig) -> None:
    _check(
        a.secret_key == "" or len(a.secret_key) >= 32,
        "admin.secret_key",
        "must be empty (demo: generated and kept in Redis) or at least 32 characters",
    )


def _validate_syndication(s: SyndicationConfig) -> None:
    _check(0 <= s.approvals <= 5, "syndication.approvals", "must be 0 to 5")
    _check(
        s.api_token == "" or len(s.api_token) >= 24,
        "syndication.api_token",
        "must be empty (API off) or at least 24 characters",
    )
    _check(0 <= s.prepare_ahead <= 86400, "syndication.prepare_ahead", "must be 0 to 86400 s")
    _check(1 <= s.task_lease <= 3600, "syndication.task_lease", "must be 1 to 3600 seconds")
    _check(2 <= s.scheduler_lease <= 300, "syndication.scheduler_lease", "must be 2 to 300 seconds")
    _check(0.05 <= s.tick <= 60, "syndication.tick", "must be 0.05 to 60 seconds")
    _check(1 <= s.log_retention_days <= 3650, "syndication.log_retention_days", "must be 1 to 3650")
    _check(1 <= s.max_attempts <= 50, "syndication.max_attempts", "must be 1 to 50")


def _validate_account(a: Account) -> None:
    key = f"accounts.{a.id}"
    _check(bool(a.name.strip()), f"{key}.name", "must not be empty")
    _check(
        a.region in _known_regions(),
        f"{key}.region",
        f"unknown region {a.region!r} (a province {'/'.join(REGIONS)} or one of the 41 cities)",
    )
    _check(
        re.fullmatch(r"wx[0-9a-f]{16}", a.appid) is not None,
        f"{key}.appid",
        "must be 'wx' followed by 16 hex digits",
    )
    _check(
        bool(a.secret),
        f"{key}.secret",
        f"is required (or set CSJ_ACCOUNTS__{a.id.upper()}__SECRET)",
    )
    _check(
        re.fullmatch(r"[A-Za-z0-9]{3,32}", a.token) is not None,
        f"{key}.token",
        "must be 3-32 letters or digits, as WeChat requires",
    )
    for name in ("encoding_aes_key", "previous_encoding_aes_key"):
        value = getattr(a, name)
        _check(
            value == "" or re.fullmatch(r"[A-Za-z0-9]{43}", value) is not None,
            f"{key}.{name}",
            "must be 43 letters or digits",
        )
    _check(
        not a.previous_encoding_aes_key or bool(a.encoding_aes_key),
        f"{key}.previous_encoding_aes_key",
        "needs encoding_aes_key too",
    )
    _check(
        not a.require_encryption or bool(a.encoding_aes_key),
        f"{key}.require_encryption",
        "needs encoding_aes_key",
    )
    _check(
        a.publish_mode in PUBLISH_MODES,
        f"{key}.publish_mode",
        f"must be one of {', '.join(PUBLISH_MODES)}",
    )


def _check_unique(accounts: Any) -> None:
    seen: dict[str, str] = {}
    for a in accounts:
        _check(
            a.appid not in seen,
            f"accounts.{a.id}.appid",
            f"same appid as accounts.{seen.get(a.appid)}",
        )
        seen[a.appid] = a.id


def _is_hostport(value: str) -> bool:
    host, _, port = value.rpartition(":")
    return bool(host) and port.isdigit() and 0 < int(port) < 65536


def _known_regions() -> frozenset[str]:
    from bot.places import region_names

    return region_names()
