"""Fixtures for publishing tests: an engine context aimed at a live sandbox, and articles."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from bot.config import Config
from bot.store import SynKeys
from bot.wechat.client import client_for
from syndication import articles, dispatch, worker
from syndication import publications as pubs
from syndication.articles import Article
from syndication.calls import Recorder
from syndication.steps import Context


def jpeg(width: int = 900, height: int = 383, color: tuple[int, int, int] = (40, 120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=85)
    return out.getvalue()


def png(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def store_article(
    redis: Any,
    config: Config,
    now: float,
    title: str = "长三角区域生态环境宣教联盟正式成立",
    publish_at: float | None = None,
    accounts: tuple[str, ...] | None = None,
    state: str = articles.SCHEDULED,
) -> Article:
    """Store a scheduled article with a cover and one body image, as review.create would."""
    cover, image = jpeg(), png()
    cover_sha, image_sha = articles.digest_of(cover), articles.digest_of(image)
    article = Article(
        id="",
        title=title,
        author="长三角宣教联盟",
        digest="沪苏浙皖共同发起成立长三角区域生态环境宣教联盟。",
        body="正文",
        body_format="markdown",
        html=f'<section><p>正文</p><img src="csj-blob:{image_sha}"></section>',
        cover=cover_sha,
        images=(image_sha,),
        source_url="https://example.org/news/1",
        accounts=accounts or articles.default_accounts(config),
        publish_at=publish_at,
        created_by="editor",
        created_at=now,
        updated_at=now,
        state=state,
    )
    return articles.store_new(redis, article, {cover_sha: cover, image_sha: image}, "editor", now)


class Engine:
    """One engine context plus the moves a test makes: start, run workers, let time pass."""

    def __init__(self, ctx: Context, sandbox: Any) -> None:
        self.ctx = ctx
        self.sandbox = sandbox

    @property
    def redis(self) -> Any:
        return self.ctx.redis

    def tick(self) -> int:
        """What the scheduler does each tick: start due articles, wake, read events."""
        now = self.ctx.clock()
        dispatch.start_due(self.ctx, now)
        dispatch.intake_events(self.ctx, now)
        return dispatch.wake(self.ctx, now)

    def run(self) -> int:
        """A tick, then every task, in this thread."""
        self.tick()
        return worker.drain(self.ctx)

    def advance(self, seconds: float) -> int:
        self.ctx.clock.advance(seconds)
        return self.run()

    def pub(self, article: str, account: str) -> pubs.Publication:
        found = pubs.load(self.redis, article, account)
        assert found is not None, f"no publication {article}:{account}"
        return found

    def states(self, article: str) -> dict[str, str]:
        found = pubs.load_all(self.redis, article, tuple(self.ctx.config.accounts))
        return {a: p.state for a, p in found.items()}

    def published_count(self, account: str) -> int:
        return int(self.redis.scard(SynKeys.published(account)))


@pytest.fixture
def make_engine(config, redis, clock, make_sandbox) -> Callable[..., Engine]:
    """An engine whose WeChat API is a live sandbox (options: the sandbox's [sandbox] ones)."""

    def start(**sandbox_options: Any) -> Engine:
        sandbox = make_sandbox(**sandbox_options)
        cfg = dataclasses.replace(
            sandbox.config,
            wechat=dataclasses.replace(config.wechat, api_base_url=sandbox.api, http_timeout=3.0),
        )
        ctx = Context(
            config=cfg, redis=redis, client=None, clock=clock, recorder=Recorder(redis, clock)
        )
        # Clients follow ctx.config, so a test may change the API's address or timeout.
        ctx.client = lambda account: client_for(ctx.config, account, redis)
        return Engine(ctx, sandbox)

    return start


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()
