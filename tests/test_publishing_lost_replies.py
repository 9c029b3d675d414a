"""R8: Redis runs a state change but its reply is lost; redis-py sends it again. Counts,
column numbers and publications must come out exactly as without the loss."""

from __future__ import annotations

import dataclasses
from collections import Counter

from bot import store
from syndication import articles
from syndication import publications as pubs
from syndication.sandbox.state import Keys as SandboxKeys
from tests.publishing_support import store_article
from tests.redis_proxy import losing_proxy
from tests.test_publishing_faults import settle

ARTICLES = 3
LOST = 25


def test_lost_replies_to_state_changes_count_once(make_engine, redis_server, redis, config, clock):
    engine = make_engine()
    made = [store_article(redis, config, clock(), title=f"回复丢失{i}") for i in range(ARTICLES)]
    with losing_proxy(str(redis_server.socket_path), b"EVAL", LOST) as proxy:
        lossy = store.connect(config.redis, f"redis://127.0.0.1:{proxy.port}/0")
        engine.ctx = dataclasses.replace(engine.ctx, redis=lossy)
        engine.ctx.recorder.redis = lossy
        settle(engine)
        assert proxy.lost == LOST, "the proxy lost fewer replies than planned"
    copies = Counter()
    for key in redis.scan_iter(match=SandboxKeys.article("*")):
        record = engine.sandbox.state.get_json(key.decode())
        copies[(record["account"], record["items"][0]["title"])] += 1
    for article in made:
        for account in article.accounts:
            assert pubs.load(redis, article.id, account).state == pubs.PUBLISHED
            assert copies[(account, article.title)] == 1
    for account in config.accounts:
        assert engine.published_count(account) == ARTICLES
    numbers = sorted(articles.load(redis, a.id).number for a in made)
    assert numbers == list(range(1, ARTICLES + 1))
