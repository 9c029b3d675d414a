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

    @staticmethod
    def follow_up(account: str, openid: str) -> str:
        """A follower's last question (places, days, activity) for 「那明天呢」; short-lived."""
        return f"{PREFIX}:wx:{{{account}}}:follow-up:{openid}"


class SynKeys:
    """Syndication's keys. All share the {syn} hash tag: its Lua scripts touch several at once.

    The bot reads only the column keys (the newest articles published on an account and the
    running total); everything else is syndication's own.
    """

    TAG = f"{PREFIX}:{{syn}}"

    #: Sorted set: article id -> creation time (every article, newest last).
    ARTICLES = f"{TAG}:articles"
    #: Counter for article ids (A1, A2, …): short, stable, easy to say on the phone.
    ARTICLE_SEQ = f"{TAG}:article-seq"
    #: Counter for column numbers (第N期), taken when an article is first published anywhere.
    COLUMN_SEQ = f"{TAG}:column-seq"
    #: Sorted set: article id -> publish time (epoch s) of approved articles not yet started.
    DUE = f"{TAG}:due"
    #: Sorted set: "article:account" -> when the scheduler should look at it next.
    WAKE = f"{TAG}:wake"
    #: Stream of publish tasks (fields: article, account), read by the "workers" group.
    TASKS = f"{TAG}:tasks"
    TASKS_GROUP = "workers"
    #: Stream of every WeChat API call made for syndication (the log, trimmed by age).
    LOG = f"{TAG}:log"
    #: Stream of every change a person made (the audit trail).
    AUDIT = f"{TAG}:audit"
    #: The scheduler's leader lease: holder id, with a TTL.
    LEADER = f"{TAG}:leader"
    #: Last stream id of publish events (Keys.PUBLISH_EVENTS) the scheduler has read.
    EVENTS_CURSOR = f"{TAG}:events-cursor"

    @staticmethod
    def article(article_id: str) -> str:
        """One article (hash: its fields, JSON-encoded where structured)."""
        return f"{PREFIX}:{{syn}}:article:{article_id}"

    @staticmethod
    def blob(digest: str) -> str:
        """Image bytes by SHA-256 (covers and body images), shared by every article."""
        return f"{PREFIX}:{{syn}}:blob:{digest}"

    @staticmethod
    def publication(article_id: str, account: str) -> str:
        """The state of one (article, account) (hash)."""
        return f"{PREFIX}:{{syn}}:pub:{article_id}:{account}"

    @staticmethod
    def task_lock(article_id: str, account: str) -> str:
        """Held by the one worker moving this (article, account); value is its fencing token."""
        return f"{PREFIX}:{{syn}}:lock:{article_id}:{account}"

    @staticmethod
    def publish_id(account: str, publish_id: str) -> str:
        """freepublish publish_id (or mass msg_id, prefixed "mass:") -> article id."""
        return f"{PREFIX}:{{syn}}:job:{account}:{publish_id}"

    @staticmethod
    def media_cache(account: str, kind: str, digest: str) -> str:
        """An image already uploaded to an account: kind "img" -> URL, "thumb" -> media_id."""
        return f"{PREFIX}:{{syn}}:media:{account}:{kind}:{digest}"

    @staticmethod
    def mass_day(account: str, day: str) -> str:
        """Set when the account used its one mass send of the day (YYYY-MM-DD, Shanghai)."""
        return f"{PREFIX}:{{syn}}:mass-day:{account}:{day}"

    @staticmethod
    def published(account: str) -> str:
        """Set of article ids published on the account (SADD: a retried add counts once)."""
        return f"{PREFIX}:{{syn}}:published:{account}"

    @staticmethod
    def published_day(day: str) -> str:
        """Set of "article:account" published on a day (YYYY-MM-DD, Shanghai)."""
        return f"{PREFIX}:{{syn}}:published-day:{day}"

    @staticmethod
    def column(account: str) -> str:
        """Sorted set: article id -> publish time, the column as published on one account.

        Read by the bot's 美丽长三角 answer, with column_item for each article.
        """
        return f"{PREFIX}:{{syn}}:column:{account}"

    @staticmethod
    def column_item(account: str, article_id: str) -> str:
        """JSON {number, title, digest, url, cover_url, published_at} for the bot's news reply."""
        return f"{PREFIX}:{{syn}}:column-item:{account}:{article_id}"


class AdminKeys:
    """The admin app's keys: people who sign in, and sign-in throttling. The {admin} hash tag."""

    TAG = f"{PREFIX}:{{admin}}"
    #: Set of user names.
    USERS = f"{TAG}:users"
    #: The generated session secret when [admin] secret_key is empty (demo and tests only).
    SECRET = f"{TAG}:secret"

    @staticmethod
    def user(name: str) -> str:
        """Hash {name, role, password, created_at, disabled}."""
        return f"{PREFIX}:{{admin}}:user:{name}"

    @staticmethod
    def failures(kind: str, who: str) -> str:
        """Sorted set of failed sign-in times for a user name or client address (kind user/addr)."""
        return f"{PREFIX}:{{admin}}:fail:{kind}:{who}"

    @staticmethod
    def locked(kind: str, who: str) -> str:
        """Until when (epoch seconds) sign-in is refused for this user name or client address."""
        return f"{PREFIX}:{{admin}}:locked:{kind}:{who}"
