"""Issue 10: reading figures pulled daily from the sandbox's datacube over HTTP, on a fake clock."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from wechatpy.exceptions import WeChatClientException

from bot import ZONE
from bot.store import ReadKeys, SynKeys
from syndication import datacube, reads, records, review, runtime
from syndication import publications as pubs
from syndication.cli import main
from syndication.sandbox import datacube as sandbox_datacube
from syndication.sandbox import figures
from tests.test_publishing_sample import ACCOUNTS, sample_input

PUBLISHED_ON = date(2026, 11, 24)  # the day of conftest's NOW (10:40 Beijing time)
DAY = 86400


def at(day: date, hour: int = 9, minute: int = 20) -> float:
    """Epoch seconds of a Beijing time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).timestamp()


@pytest.fixture
def published(engine, redis, config, clock):
    """The sample article published once on each of the four accounts (on 2026-11-24)."""
    article = review.create(redis, config, sample_input(), "编辑小王", clock())
    engine.run()
    engine.advance(200)
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.PUBLISHED)
    return article


def msgid_of(engine, article, account: str) -> str:
    pub = engine.pub(article.id, account)
    assert pub.msg_data_id, "the submit's msg_data_id is what datacube rows are matched by"
    return f"{pub.msg_data_id}_1"


def datacube_calls(redis) -> list[tuple[str, str]]:
    return [
        (e.account, e.step) for e in records.log_entries(redis) if e.step.startswith("datacube/")
    ]


def reads_state(redis) -> dict[bytes, object]:
    """Every {reads} key with its value: to prove a re-run changes nothing."""
    out: dict[bytes, object] = {}
    for key in sorted(redis.scan_iter(match=f"{ReadKeys.TAG}:*")):
        out[key] = redis.hgetall(key) if redis.type(key) == b"hash" else redis.get(key)
    return out


def test_a_week_of_daily_pulls_matches_the_sandbox(engine, published, redis, config, clock):
    ctx = engine.ctx
    for n in range(1, 8):
        clock.now = at(PUBLISHED_ON + timedelta(days=n))
        report = datacube.daily(ctx, clock())
        assert report.not_ready == [] and report.failed == [] and report.calls > 0

    last = PUBLISHED_ON + timedelta(days=6)
    for account in ACCOUNTS:
        msgid = msgid_of(engine, published, account)
        # Cumulative readers and shares: the sandbox's own, for every day since publishing.
        totals = redis.hgetall(ReadKeys.totals(account, msgid))
        assert len(totals) == 7
        for offset in range(7):
            stat = PUBLISHED_ON + timedelta(days=offset)
            stored = json.loads(totals[stat.isoformat().encode()])
            assert (stored["read_user"], stored["share_user"]) == figures.totals_until(
                msgid, PUBLISHED_ON, stat
            )
        summary = reads.latest_totals(redis, account, msgid)
        assert summary.stat_date == last.isoformat()
        assert summary.readers == figures.totals_until(msgid, PUBLISHED_ON, last)[0]
        # Daily readers, and followers, day by day.
        daily = reads.daily_readers(redis, config, PUBLISHED_ON, last)[account]
        assert daily == {
            (PUBLISHED_ON + timedelta(days=i)).isoformat(): figures.readers_on(
                msgid, PUBLISHED_ON, PUBLISHED_ON + timedelta(days=i)
            )
            for i in range(7)
        }
        appid = config.accounts[account].appid
        followers = redis.hgetall(ReadKeys.followers(account))
        assert int(followers[last.isoformat().encode()]) == figures.followers_on(appid, last)

    # Pulled once each: the first run fills the past week, every later run adds one day.
    calls = datacube_calls(redis)
    for account in ACCOUNTS:
        mine = [step for a, step in calls if a == account]
        assert mine.count("datacube/getarticleread") == 7 + 6
        assert mine.count("datacube/getusercumulate") == 1 + 6  # 7 days fit one call
        assert mine.count("datacube/getusersummary") == 1 + 6
        assert mine.count("datacube/getarticletotaldetail") == 7  # one publish day, once a day

    # The raw answers are kept as WeChat sent them.
    raw = redis.hgetall(ReadKeys.raw("sh", "getusercumulate"))
    answer = json.loads(raw[f"{last}:{last}".encode()])
    assert answer["list"][0]["cumulate_user"] == figures.followers_on(
        config.accounts["sh"].appid, last
    )


def test_rerunning_a_day_or_a_second_scheduler_changes_nothing(engine, published, redis, clock):
    clock.now = at(PUBLISHED_ON + timedelta(days=1))
    datacube.daily(engine.ctx, clock())
    before, calls = reads_state(redis), len(datacube_calls(redis))
    clock.advance(3600)  # the next hourly run, and a second scheduler in the same minute
    again = datacube.daily(engine.ctx, clock())
    datacube.pull(engine.ctx, [PUBLISHED_ON], clock())  # a back-fill of a day already there
    assert again.calls == 0
    assert len(datacube_calls(redis)) == calls
    assert reads_state(redis) == before


def test_a_day_not_ready_is_fetched_later(engine, published, redis, config, clock):
    ctx = engine.ctx
    clock.now = at(PUBLISHED_ON + timedelta(days=1), hour=7, minute=30)
    assert datacube.daily(ctx, clock()).calls == 0  # the job waits for 08:00 by itself
    early = datacube.pull(ctx, [PUBLISHED_ON], clock())  # a back-fill asked too early
    assert early.calls == 0 and len(early.not_ready) == 4 * 4  # four endpoints, four accounts
    errors = [e for e in records.log_entries(redis) if e.step.startswith("datacube/")]
    assert errors and {e.errcode for e in errors} == {datacube.NOT_READY}
    assert reads.daily_readers(redis, config, PUBLISHED_ON, PUBLISHED_ON)["sh"] == {}

    clock.now = at(PUBLISHED_ON + timedelta(days=1))
    later = datacube.daily(ctx, clock())
    assert later.not_ready == [] and later.failed == []
    msgid = msgid_of(engine, published, "sh")
    assert reads.daily_readers(redis, config, PUBLISHED_ON, PUBLISHED_ON)["sh"] == {
        PUBLISHED_ON.isoformat(): figures.readers_on(msgid, PUBLISHED_ON, PUBLISHED_ON)
    }


def test_quota_used_parks_the_account_until_midnight(engine, published, redis, clock):
    engine.sandbox.control(
        "faults",
        {
            "kind": "errcode",
            "errcode": 45009,
            "endpoint": "datacube/getusercumulate",
            "account": "js",
        },
    )
    clock.now = at(PUBLISHED_ON + timedelta(days=1))
    report = datacube.daily(engine.ctx, clock())
    assert report.parked == ["js"]
    calls = len(datacube_calls(redis))
    assert datacube.daily(engine.ctx, clock() + 3600).parked == ["js"]
    assert len(datacube_calls(redis)) == calls  # parked: no call at all
    clock.now = at(PUBLISHED_ON + timedelta(days=2), hour=8, minute=20)
    assert datacube.daily(engine.ctx, clock()).parked == []
    assert reads.latest_totals(redis, "js", msgid_of(engine, published, "js")).readers


def test_the_scheduler_runs_the_pull_after_eight(engine):
    jobs = {job.name: job for job in runtime.scheduler_jobs(engine.ctx)}
    assert jobs["reads"].trigger_kwargs == {"trigger": "cron", "hour": "8-23", "minute": 20}


@pytest.fixture
def csj(config_file, redis_server, engine, clock):
    """The CLI, its WeChat API the engine's sandbox, its clock the tests' (as the sandbox's)."""

    def run(*args: str):
        env = {"CSJ_REDIS__URL": redis_server.url, "CSJ_WECHAT__API_BASE_URL": engine.sandbox.api}
        argv = ["--config", str(config_file), *args]
        return CliRunner().invoke(main, argv, env=env, obj=SimpleNamespace(clock=clock))

    return run


def test_counts_reads_shows_readers_and_shares_per_article_and_account(
    csj, engine, published, redis, config, clock
):
    clock.now = at(PUBLISHED_ON + timedelta(days=3))
    datacube.daily(engine.ctx, clock())
    stat = PUBLISHED_ON + timedelta(days=2)  # yesterday: the newest day WeChat reports
    output = csj("counts", "--reads").output
    assert output.startswith(f"第1期 {PUBLISHED_ON} {published.title}\n")
    expected = {
        a: figures.totals_until(msgid_of(engine, published, a), PUBLISHED_ON, stat)
        for a in ACCOUNTS
    }
    for account, (readers, shares) in expected.items():
        assert f"  {account:<6} 阅读 {readers} 人，分享 {shares} 人（截至 {stat}）" in output
    total = sum(r for r, _ in expected.values())
    assert f"  全部   阅读 {total} 人" in output
    data = json.loads(csj("counts", "--reads", "--json").output)
    assert data["articles"][0]["readers"] == total
    assert data["totals"]["sh"]["readers"] == expected["sh"][0]


def test_backfill_fetches_a_range_once(csj, engine, published, redis, clock):
    clock.now = at(PUBLISHED_ON + timedelta(days=5))
    first, last = PUBLISHED_ON, PUBLISHED_ON + timedelta(days=2)
    result = csj("reads", "backfill", "--from", str(first), "--to", str(last))
    assert result.exit_code == 0, result.output
    calls = datacube_calls(redis)
    assert calls.count(("sh", "datacube/getarticleread")) == 3
    assert calls.count(("sh", "datacube/getusercumulate")) == 1
    again = csj("reads", "backfill", "--from", str(first), "--to", str(last))
    assert again.output.startswith("调用 0 次") and len(datacube_calls(redis)) == len(calls)
    assert "is not a date" in csj("reads", "backfill", "--from", "11/24").output


def test_an_article_without_its_msg_data_id_is_matched_by_url(
    engine, published, redis, config, clock
):
    redis.hset(SynKeys.publication(published.id, "zj"), "msg_data_id", "")  # reconciled, say
    clock.now = at(PUBLISHED_ON + timedelta(days=2))
    datacube.daily(engine.ctx, clock())
    entry = next(e for e in reads.column_entries(redis, "zj") if e.article == published.id)
    sandbox_msgid = next(p.msgid for p in sandbox_datacube.published(engine.sandbox.state, "zj"))
    assert entry.msgid == sandbox_msgid
    assert (
        reads.latest_totals(redis, "zj", entry.msgid).readers
        == figures.totals_until(sandbox_msgid, PUBLISHED_ON, PUBLISHED_ON + timedelta(days=1))[0]
    )


def test_the_sandbox_keeps_the_date_rules(engine, published, clock):
    clock.now = at(PUBLISHED_ON + timedelta(days=1), hour=7)
    client = engine.ctx.client(engine.ctx.config.accounts["sh"])
    url = datacube.datacube_url(engine.ctx.config.wechat.api_base_url, "getusercumulate")

    def errcode(begin: str, end: str, name: str = "getusercumulate") -> int:
        body = {"begin_date": begin, "end_date": end}
        target = url.replace("getusercumulate", name)
        try:
            client.post(target, data=body)
        except WeChatClientException as exc:
            return int(exc.errcode)
        return 0

    assert errcode("2026-11-24", "2026-11-24") == 61503  # yesterday, before 08:00
    assert errcode("2026-11-23", "2026-11-23") == 0
    assert errcode("2026-11-25", "2026-11-25") == 61501  # today
    assert errcode("2026-11-10", "2026-11-17") == 61501  # 8 days
    assert errcode("2026-11-22", "2026-11-23", "getarticleread") == 61501  # 1 day at most
    assert errcode("2026/11/23", "2026-11-23") == 61500
    assert errcode("2026-11-23", "2026-11-22") == 61501


def test_an_answer_lost_on_the_way_is_asked_again_next_run(engine, published, redis, clock):
    engine.sandbox.control(
        "faults", {"kind": "drop", "endpoint": "datacube/getarticleread", "account": "ah"}
    )
    clock.now = at(PUBLISHED_ON + timedelta(days=1))
    first = datacube.daily(engine.ctx, clock())
    assert len(first.failed) == 1 and first.failed[0].startswith("ah getarticleread")
    clock.advance(3600)
    second = datacube.daily(engine.ctx, clock())
    assert second.calls == 1 and second.failed == []
    calls = datacube_calls(redis)
    assert calls.count(("ah", "datacube/getarticleread")) == 7 + 1


def test_a_second_scheduler_pulling_at_the_same_moment_waits(engine, published, redis, clock):
    held = redis.lock(ReadKeys.lock("sh"), timeout=60)
    assert held.acquire(blocking=False)  # the other scheduler is pulling sh right now
    clock.now = at(PUBLISHED_ON + timedelta(days=1))
    report = datacube.daily(engine.ctx, clock())
    assert report.busy == ["sh"]
    assert all(account != "sh" for account, _ in datacube_calls(redis))
    held.release()
    assert datacube.daily(engine.ctx, clock()).busy == []
    assert ("sh", "datacube/getarticleread") in datacube_calls(redis)
