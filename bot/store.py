"""The Redis connection and every key name csj uses, in one place.

Keys that must meet in one Lua script share a {hash tag} so the code also runs on a Redis Cluster.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from redis.sentinel import Sentinel

from bot.config import RedisConfig

PREFIX = "csj"


def connect(config: RedisConfig, url: str | None = None) -> redis.Redis:
    """Open a client that fails fast: a request must be able to answer 503 within a second.

    redis-py's default retries with exponential backoff take ~4.5 s when Redis is down; here a
    refused connection is retried once (cheap) and a timeout not at all.
    """
    options = dict(
        socket_timeout=config.socket_timeout,
        socket_connect_timeout=config.connect_timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        health_check_interval=30,
        password=config.password or None,
    )
    if config.sentinels:
        hosts = [(h.rpartition(":")[0], int(h.rpartition(":")[2])) for h in config.sentinels]
        sentinel = Sentinel(
            hosts, sentinel_kwargs={"socket_timeout": config.socket_timeout}, **options
        )
        return sentinel.master_for(config.sentinel_master)
    target = url or config.url
    if not target:
        raise ValueError("no Redis URL: start an embedded Redis first (bot.embedded_redis)")
    return redis.Redis.from_url(target, **options)


class Keys:
    """Key names. Account-scoped keys carry the account id as their hash tag."""

    @staticmethod
    def replay(account: str, signature: str) -> str:
        """A seen query signature -> the message key whose reply it got."""
        return f"{PREFIX}:wx:{{{account}}}:sig:{signature}"

    @staticmethod
    def message(account: str, dedupe_id: str) -> str:
        """A seen message (MsgId or sender+time+event) -> its cached plaintext reply."""
        return f"{PREFIX}:wx:{{{account}}}:msg:{dedupe_id}"

    #: Stream of PUBLISHJOBFINISH / MASSSENDJOBFINISH events, read by syndication.
    PUBLISH_EVENTS = f"{PREFIX}:{{publish-events}}:stream"

    @staticmethod
    def publish_event_seen(event_id: str) -> str:
        """Guards the stream against a duplicate entry when an XADD's reply is lost and retried."""
        return f"{PREFIX}:{{publish-events}}:seen:{event_id}"

    @staticmethod
    def wechatpy_session(account: str) -> str:
        """Prefix of wechatpy's session keys (the access token and its expiry) for one account."""
        return f"{PREFIX}:wx:{{{account}}}:session"

    @staticmethod
    def token_lock(account: str) -> str:
        """Held while one process fetches the account's access token."""
        return f"{PREFIX}:wx:{{{account}}}:token-lock"

    # Forecasts share one hash tag: an import swaps the latest issue in one transaction.
    FORECAST_LATEST = f"{PREFIX}:{{forecast}}:latest"
    FORECAST_ISSUES = f"{PREFIX}:{{forecast}}:issues"

    @staticmethod
    def forecast_issue(issue_id: str) -> str:
        """One forecast issue, as JSON; kept after newer ones arrive."""
        return f"{PREFIX}:{{forecast}}:issue:{issue_id}"

    @staticmethod
    def forecast_card(issue_id: str) -> str:
        """The issue's rendered picture (PNG bytes), drawn once."""
        return f"{PREFIX}:{{forecast}}:card:{issue_id}"

    @staticmethod
    def forecast_media(account: str, issue_id: str) -> str:
        """The account's temporary-media id for the issue's picture, with its upload time (JSON)."""
        return f"{PREFIX}:wx:{{{account}}}:forecast-media:{issue_id}"

    @staticmethod
    def forecast_media_lock(account: str, issue_id: str) -> str:
        """Held while one process uploads the picture, so others do not upload it twice."""
        return f"{PREFIX}:wx:{{{account}}}:forecast-media-lock:{issue_id}"
