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
    #: Hash: "YYYY-MM-DD|title" -> article id of each back-catalogue article (csj post
    #: import-history), so importing the same file again finds what it stored.
    HISTORY = f"{TAG}:history"

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


class ReadKeys:
    """Reading and follower figures pulled from WeChat's datacube (syndication.reads).

    The {reads} hash tag: written by the daily pull, read by `csj counts --reads` and the
    dashboard; never in a script with syndication's keys. Days are YYYY-MM-DD (Beijing time).
    """

    TAG = f"{PREFIX}:{{reads}}"

    @staticmethod
    def fetched(account: str) -> str:
        """Hash: "<endpoint>:<day>" -> when it was fetched (getarticletotaldetail: the publish
        day -> the last day its figures were asked through). Present means: do not ask again."""
        return f"{PREFIX}:{{reads}}:fetched:{account}"

    @staticmethod
    def raw(account: str, endpoint: str) -> str:
        """Hash: "<begin>:<end>[@<through>]" -> WeChat's answer as it came (JSON text)."""
        return f"{PREFIX}:{{reads}}:raw:{account}:{endpoint}"

    @staticmethod
    def day_readers(account: str, day: str) -> str:
        """Hash: msgid -> read_user on that day (getarticleread)."""
        return f"{PREFIX}:{{reads}}:day:{account}:{day}"

    @staticmethod
    def totals(account: str, msgid: str) -> str:
        """Hash: stat_date -> JSON totals from the publish day to it (getarticletotaldetail)."""
        return f"{PREFIX}:{{reads}}:totals:{account}:{msgid}"

    @staticmethod
    def msgids(account: str) -> str:
        """Hash: msgid -> column article id, for articles matched by URL or title."""
        return f"{PREFIX}:{{reads}}:msgids:{account}"

    @staticmethod
    def followers(account: str) -> str:
        """Hash: day -> cumulate_user, followers at the end of the day (getusercumulate)."""
        return f"{PREFIX}:{{reads}}:followers:{account}"

    @staticmethod
    def follower_changes(account: str) -> str:
        """Hash: day -> JSON {new_user, cancel_user, by_source} (getusersummary)."""
        return f"{PREFIX}:{{reads}}:follower-changes:{account}"

    @staticmethod
    def parked(account: str) -> str:
        """Until when (epoch s, Beijing midnight) no datacube call is made: WeChat said 45009."""
        return f"{PREFIX}:{{reads}}:parked:{account}"

    @staticmethod
    def lock(account: str) -> str:
        """Held while one process pulls the account's figures: a second scheduler waits."""
        return f"{PREFIX}:{{reads}}:lock:{account}"


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
    def account_actions(account: str) -> str:
        """Hash: "check"/"menu" -> JSON of the last token check / menu push in the admin app."""
        return f"{PREFIX}:{{admin}}:account:{account}"

    @staticmethod
    def locked(kind: str, who: str) -> str:
        """Until when (epoch seconds) sign-in is refused for this user name or client address."""
        return f"{PREFIX}:{{admin}}:locked:{kind}:{who}"

    #: Hash: forecast issue id -> JSON {by, at, via, filename}: who made it the forecast.
    FORECAST_IMPORTS = f"{TAG}:forecast-imports"

    @staticmethod
    def forecast_upload(user: str, token: str) -> str:
        """A checked forecast file waiting for its uploader to publish it (hash, with a TTL)."""
        return f"{PREFIX}:{{admin}}:forecast-upload:{user}:{token}"


class EventKeys:
    """Events and sign-ups. All share the {events} hash tag: one Lua script signs up or cancels
    across an event's places, its waiting list, the follower's records and the notices."""

    TAG = f"{PREFIX}:{{events}}"
    #: Counter for event numbers (报名 12): short, stable for the event's life.
    SEQ = f"{TAG}:seq"
    #: Sorted set: event number -> end time (epoch s), every event.
    ALL = f"{TAG}:all"
    #: Hash: follower ("account:openid") -> JSON list of event numbers they moved up on.
    NOTICES = f"{TAG}:notices"
    #: Hash: follower -> JSON {msg, owed}: the notices last handed out, for that message's retry.
    NOTICES_TAKEN = f"{TAG}:notices-taken"

    @staticmethod
    def event(number: int) -> str:
        """One event (hash: json, and capacity/waitlist/opens/closes/start/status for Lua)."""
        return f"{PREFIX}:{{events}}:event:{number}"

    @staticmethod
    def registrations(number: int) -> str:
        """Hash: follower -> JSON {status, seq, code, at, msg, …}, every sign-up ever made."""
        return f"{PREFIX}:{{events}}:regs:{number}"

    @staticmethod
    def confirmed(number: int) -> str:
        """Sorted set: follower -> sign-up order, those with a place."""
        return f"{PREFIX}:{{events}}:confirmed:{number}"

    @staticmethod
    def waiting(number: int) -> str:
        """Sorted set: follower -> sign-up order, the waiting list."""
        return f"{PREFIX}:{{events}}:waiting:{number}"

    @staticmethod
    def order(number: int) -> str:
        """Counter: the order of sign-ups to one event."""
        return f"{PREFIX}:{{events}}:order:{number}"

    @staticmethod
    def codes(number: int) -> str:
        """Set of the event's check-in codes (each unique within the event)."""
        return f"{PREFIX}:{{events}}:codes:{number}"

    @staticmethod
    def mine(follower: str) -> str:
        """Set of event numbers a follower ("account:openid") has signed up for."""
        return f"{PREFIX}:{{events}}:mine:{follower}"

    @staticmethod
    def reminders(number: int) -> str:
        """Hash: follower -> JSON {outcome, at, detail}: the day-before reminder, claimed first."""
        return f"{PREFIX}:{{events}}:reminders:{number}"

    @staticmethod
    def browsing(follower: str) -> str:
        """Set while a follower looks at events: a LOCATION then asks for the nearest ones."""
        return f"{PREFIX}:{{events}}:browsing:{follower}"
