"""Issue 8's first "done when": the sample article with its cover, queued once, published once
on each of the four accounts; its pages, the counts, the log, the sandbox and the bot agree."""

from __future__ import annotations

from importlib import resources

import requests

from syndication import actions, records, review, sources
from syndication import publications as pubs
from syndication.demo import load_demo_article
from tests.test_column_answer import ask, items_of

ACCOUNTS = ("sh", "js", "zj", "ah")
TITLE = "长三角区域生态环境宣教联盟正式成立"


def sample_input() -> sources.ArticleInput:
    with resources.as_file(resources.files("syndication").joinpath("data")) as folder:
        return sources.read_markdown_file(folder / "column-sample.md")


def test_the_sample_article_reaches_every_account_once(engine, redis, config, clock, wechat):
    article = review.create(redis, config, sample_input(), "编辑小王", clock())
    engine.run()
    engine.advance(200)
    found = actions.publications(redis, article)
    assert {a: p.state for a, p in found.items()} == dict.fromkeys(ACCOUNTS, pubs.PUBLISHED)

    for account, pub in found.items():
        page = requests.get(pub.url, timeout=5)
        assert page.status_code == 200 and TITLE in page.text
        listing = requests.get(f"{engine.sandbox.url}/_sandbox/{account}/", timeout=5).text
        assert listing.count(TITLE) == 1  # once on the account's page, not twice
        assert "/_sandbox/media/" in page.text or "/_sandbox/media/" in listing  # the cover

    counts = records.counts(redis, config)
    assert counts.published == dict.fromkeys(ACCOUNTS, 1)
    assert counts.articles[article.id] == dict.fromkeys(ACCOUNTS, pubs.PUBLISHED)
    log = records.log_entries(redis, article=article.id)
    assert all(e.ok for e in log)
    assert sorted(e.account for e in log if e.step == "freepublish/submit") == sorted(ACCOUNTS)

    reply = ask(wechat, config, "美丽长三角", "zj")
    first = items_of(reply)[0]
    assert first["Title"] == f"第1期 {TITLE}" and first["Url"] == found["zj"].url
    assert "已累计发布1篇" in first["Description"]


def test_the_demo_queues_the_sample_once(redis, config, clock):
    first = load_demo_article(config, redis, clock())
    assert first is not None and first.title == TITLE and first.accounts == ACCOUNTS
    assert load_demo_article(config, redis, clock()) is None  # a store with articles keeps them
