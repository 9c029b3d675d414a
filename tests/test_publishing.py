"""Publishing against the sandbox over HTTP: queue once, publish once on every account."""

from __future__ import annotations

import json

from bot.store import SynKeys
from syndication import actions, articles, records
from syndication import publications as pubs
from tests.publishing_support import store_article

ACCOUNTS = ("sh", "js", "zj", "ah")


def test_an_article_is_published_once_on_every_account(engine, redis, config, clock):
    article = store_article(redis, config, clock())
    engine.run()
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.SUBMITTED)
    engine.advance(200)  # past the sandbox's publish delay and the first poll
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.PUBLISHED)
    for account in ACCOUNTS:
        pub = engine.pub(article.id, account)
        assert pub.url and pub.wx_article_id and pub.publish_id
        assert engine.published_count(account) == 1
        item = json.loads(redis.get(SynKeys.column_item(account, article.id)))
        assert item["number"] == 1 and item["url"] == pub.url
    assert articles.load(redis, article.id).number == 1
    sandbox_articles = engine.sandbox.state.redis.keys("csj:sandbox:*article:*")
    assert len(sandbox_articles) == 4


def test_the_next_article_gets_the_next_column_number(engine, redis, config, clock):
    first = store_article(redis, config, clock())
    engine.run()
    engine.advance(200)
    second = store_article(redis, config, clock(), title="第二篇")
    engine.run()
    engine.advance(200)
    assert articles.load(redis, first.id).number == 1
    assert articles.load(redis, second.id).number == 2
    assert engine.published_count("sh") == 2


def test_drafts_are_prepared_ahead_and_submitted_at_publish_time(engine, redis, config, clock):
    article = store_article(redis, config, clock(), publish_at=clock() + 600)
    engine.run()
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.DRAFTED)
    engine.advance(599)
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.DRAFTED)
    engine.advance(1)
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.SUBMITTED)


def test_images_are_uploaded_once_per_account(engine, redis, config, clock):
    store_article(redis, config, clock())
    store_article(redis, config, clock(), title="同一封面的第二篇")
    engine.run()
    steps = [e.step for e in records.log_entries(redis)]
    assert steps.count("material/add_material") == 4
    assert steps.count("media/uploadimg") == 4
    assert steps.count("draft/add") == 8


def test_every_call_is_in_the_log(engine, redis, config, clock):
    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()
    engine.advance(200)
    entries = records.log_entries(redis, article=article.id)
    assert [e.step for e in reversed(entries)] == [
        "material/add_material",
        "media/uploadimg",
        "draft/add",
        "freepublish/submit",
        "freepublish/get",
    ]
    assert all(e.errcode == 0 and e.account == "sh" for e in entries)


def test_draft_mode_stops_in_the_draft_box(make_engine, redis, config, clock):
    eng = make_engine()
    accounts = {**eng.ctx.config.accounts}
    import dataclasses

    accounts["js"] = dataclasses.replace(accounts["js"], publish_mode="draft")
    eng.ctx.config = dataclasses.replace(eng.ctx.config, accounts=accounts)
    article = store_article(redis, config, clock())
    eng.run()
    eng.advance(200)
    pub = eng.pub(article.id, "js")
    assert pub.state == pubs.DRAFTED and pub.draft_media_id and "手动发表" in pub.reason
    assert eng.pub(article.id, "sh").state == pubs.PUBLISHED


def test_a_failed_publish_job_fails_with_a_reason(make_engine, redis, config, clock):
    eng = make_engine()
    eng.sandbox.control("sh/settings", {"publish_status": 4, "fail_idx": [1]})
    article = store_article(redis, config, clock(), accounts=("sh",))
    eng.run()
    eng.advance(200)
    pub = eng.pub(article.id, "sh")
    assert pub.state == pubs.FAILED and "审核不通过" in pub.reason
    assert eng.published_count("sh") == 0


def test_cancel_before_submit_and_retry(engine, redis, config, clock):
    article = store_article(redis, config, clock(), publish_at=clock() + 600)
    engine.run()
    outcome = actions.cancel(redis, article.id, "admin", clock(), accounts=("sh",))
    assert outcome == {"sh": "已取消"}
    engine.advance(600)
    assert engine.pub(article.id, "sh").state == pubs.CANCELLED
    assert engine.pub(article.id, "js").state == pubs.SUBMITTED
    assert actions.retry(redis, article.id, "admin", clock(), accounts=("sh",)) == {
        "sh": "已重新排队"
    }
    engine.run()
    engine.advance(200)
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.PUBLISHED)


def test_the_published_page_shows_the_uploaded_body_image_and_cover(engine, redis, config, clock):
    import requests

    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()
    engine.advance(200)
    page = requests.get(engine.pub(article.id, "sh").url, timeout=5).text
    image_url = redis.get(SynKeys.media_cache("sh", "img", article.images[0])).decode()
    assert image_url.startswith(engine.sandbox.url) and image_url in page
    assert "csj-blob:" not in page  # every placeholder was swapped for the account's URL
    listing = requests.get(f"{engine.sandbox.url}/_sandbox/sh/", timeout=5).text
    cover = json.loads(redis.get(SynKeys.media_cache("sh", "cover", article.cover)))
    assert cover["media_id"] in listing or cover["url"] in listing
