"""WeChat misbehaving: each fault ends in the right state, with the right log lines."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import pytest

from bot import create_app
from syndication import policy, records
from syndication import publications as pubs
from syndication.sandbox.state import Keys as SandboxKeys
from tests.publishing_support import store_article


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll until a real-time event has happened (a sandbox request still sleeping)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def fault(engine, **spec) -> None:
    response = engine.sandbox.control("faults", {"account": "sh", **spec})
    assert response.status_code == 201, response.text


def log_of(redis, article_id: str) -> list[tuple[str, int]]:
    return [(e.step, e.errcode) for e in reversed(records.log_entries(redis, article=article_id))]


def settle(engine, rounds: int = 60) -> None:
    """Let time pass, jumping to each wake-up, until nothing waits."""
    from bot.store import SynKeys

    for _ in range(rounds):
        engine.run()
        upcoming = engine.redis.zrange(SynKeys.WAKE, 0, 0, withscores=True)
        if not upcoming:
            return
        engine.ctx.clock.now = max(engine.ctx.clock.now, upcoming[0][1]) + 1


@pytest.mark.parametrize(
    ("spec", "calls_failed"),
    [
        pytest.param({"kind": "errcode", "errcode": -1, "count": 3}, 3, id="busy"),
        pytest.param({"kind": "errcode", "errcode": 45011, "count": 1}, 1, id="minute-quota"),
        pytest.param({"kind": "http", "status": 502, "count": 2}, 2, id="5xx"),
        pytest.param({"kind": "errcode", "errcode": 40001, "count": 4}, 2, id="40001-storm"),
    ],
)
def test_retryable_faults_back_off_then_publish(engine, redis, config, clock, spec, calls_failed):
    fault(engine, endpoint="draft/add", **spec)
    article = store_article(redis, config, clock(), accounts=("sh",))
    settle(engine)
    pub = engine.pub(article.id, "sh")
    assert pub.state == pubs.PUBLISHED and pub.attempts == 0
    failed = [code for step, code in log_of(redis, article.id) if step == "draft/add" and code]
    assert len(failed) == calls_failed
    assert [s for s, c in log_of(redis, article.id) if c == 0].count("draft/add") == 1


def test_a_40001_storm_refreshes_the_token_once_per_call_and_then_backs_off(
    engine, redis, config, clock
):
    fault(engine, endpoint="draft/add", kind="errcode", errcode=40001, count=4)
    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()
    pub = engine.pub(article.id, "sh")
    # wechatpy refreshed the token and retried once; the second 40001 is the engine's to handle.
    assert pub.state == pubs.PREPARING and pub.errcode == "40001" and pub.attempts == 1
    assert "access_token" in pub.reason and pub.next_at == clock() + policy.backoff(1)


def test_45009_parks_until_midnight_and_then_publishes(engine, redis, config, clock):
    fault(engine, endpoint="freepublish/submit", kind="errcode", errcode=45009)
    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()
    pub = engine.pub(article.id, "sh")
    assert pub.state == pubs.DRAFTED and pub.errcode == "45009"
    assert pub.next_at == policy.next_midnight(clock()) and "零点" in pub.reason
    engine.advance(3600)
    assert engine.pub(article.id, "sh").state == pubs.DRAFTED  # still parked
    settle(engine)
    assert engine.pub(article.id, "sh").state == pubs.PUBLISHED


@pytest.mark.parametrize(
    ("errcode", "words"),
    [(53503, "发布检查"), (48001, "权限"), (40164, "白名单"), (45166, "不接受的内容")],
)
def test_permanent_errors_stop_with_a_reason_for_an_editor(
    engine, redis, config, clock, errcode, words
):
    fault(engine, endpoint="freepublish/submit", kind="errcode", errcode=errcode)
    article = store_article(redis, config, clock(), accounts=("sh",))
    settle(engine)
    pub = engine.pub(article.id, "sh")
    assert pub.state == pubs.FAILED and pub.errcode == str(errcode) and words in pub.reason
    assert log_of(redis, article.id)[-1] == ("freepublish/submit", errcode)


def test_retries_end_in_failed_after_max_attempts(engine, redis, config, clock):
    fault(engine, endpoint="draft/add", kind="errcode", errcode=-1, count=100)
    article = store_article(redis, config, clock(), accounts=("sh",))
    settle(engine)
    pub = engine.pub(article.id, "sh")
    assert pub.state == pubs.FAILED and pub.attempts == config.syndication.max_attempts
    assert "系统繁忙" in pub.reason


def test_a_connection_dropped_after_submit_is_reconciled_not_resubmitted(
    engine, redis, config, clock
):
    fault(engine, endpoint="freepublish/submit", kind="drop")
    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()
    pub = engine.pub(article.id, "sh")
    assert pub.state == pubs.DRAFTED and pub.errcode == "unknown" and pub.submit_intent_at
    settle(engine)
    pub = engine.pub(article.id, "sh")
    assert pub.state == pubs.PUBLISHED and pub.url
    steps = Counter(step for step, _ in log_of(redis, article.id))
    assert steps["freepublish/submit"] == 1
    assert steps["freepublish/batchget"] >= 1


def test_a_submit_timeout_is_reconciled_not_resubmitted(make_engine, redis, config, clock):
    engine = make_engine()
    engine.ctx.config = dataclasses.replace(
        engine.ctx.config,
        wechat=dataclasses.replace(engine.ctx.config.wechat, http_timeout=0.3),
    )
    engine.sandbox.app.extensions["csj-sandbox"].sleep = time.sleep
    fault(engine, endpoint="freepublish/submit", kind="delay", seconds=0.6)
    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()  # the client gives up after 0.3 s; the sandbox goes on and submits
    wait_for(lambda: redis.keys(SandboxKeys.job("*")))
    settle(engine)
    assert engine.pub(article.id, "sh").state == pubs.PUBLISHED
    assert Counter(s for s, _ in log_of(redis, article.id))["freepublish/submit"] == 1
    assert ("freepublish/submit", -3) in log_of(redis, article.id)


def test_an_unreachable_wechat_is_retried(make_engine, redis, config, clock):
    engine = make_engine()
    engine.ctx.config = dataclasses.replace(
        engine.ctx.config,
        wechat=dataclasses.replace(
            engine.ctx.config.wechat, api_base_url=config.wechat.api_base_url
        ),
    )
    article = store_article(redis, config, clock(), accounts=("sh",))
    engine.run()
    pub = engine.pub(article.id, "sh")
    assert pub.state in (pubs.QUEUED, pubs.PREPARING) and pub.errcode == "net"
    assert "无法连接" in pub.reason


def test_publish_results_arrive_through_the_webhook(
    make_engine, redis, config, clock, runner, live_server
):
    webhook = live_server(create_app(config, redis=redis, clock=clock, runner=runner))
    engine = make_engine(push_url=webhook + "/wechat/{account}")
    article = store_article(redis, config, clock())
    engine.run()
    clock.advance(engine.sandbox.config.sandbox.publish_delay)
    deliveries = engine.sandbox.deliver()
    assert len(deliveries) == 4
    runner.drain()
    engine.tick()  # reads the stream: no poll needed
    states = engine.states(article.id)
    assert states == dict.fromkeys(("sh", "js", "zj", "ah"), pubs.PUBLISHED)
    assert not any(s == "freepublish/get" for s, _ in log_of(redis, article.id))


def test_mass_send_mode_sends_once_a_day(make_engine, redis, config, clock):
    engine = make_engine()
    accounts = dict(engine.ctx.config.accounts)
    accounts["sh"] = dataclasses.replace(accounts["sh"], publish_mode="masssend")
    engine.ctx.config = dataclasses.replace(engine.ctx.config, accounts=accounts)
    first = store_article(redis, config, clock(), accounts=("sh",))
    second = store_article(redis, config, clock(), title="同一天的第二篇", accounts=("sh",))
    engine.run()
    engine.advance(200)
    assert engine.pub(first.id, "sh").state == pubs.PUBLISHED
    parked = engine.pub(second.id, "sh")
    assert parked.state == pubs.DRAFTED and "群发" in parked.reason
    assert parked.next_at == policy.next_midnight(clock() - 200)
    settle(engine)
    assert engine.pub(second.id, "sh").state == pubs.PUBLISHED


def test_a_mass_send_whose_answer_was_lost_is_sent_again_with_its_clientmsgid(
    make_engine, redis, config, clock
):
    engine = make_engine()
    accounts = dict(engine.ctx.config.accounts)
    accounts["sh"] = dataclasses.replace(accounts["sh"], publish_mode="masssend")
    engine.ctx.config = dataclasses.replace(engine.ctx.config, accounts=accounts)
    fault(engine, endpoint="message/mass/sendall", kind="drop")
    article = store_article(redis, config, clock(), accounts=("sh",))
    settle(engine)
    assert engine.pub(article.id, "sh").state == pubs.PUBLISHED
    sends = [c for s, c in log_of(redis, article.id) if s == "message/mass/sendall"]
    assert sends[0] == -3 and sends[-1] == 45065  # WeChat's own dedupe answered the repeat
