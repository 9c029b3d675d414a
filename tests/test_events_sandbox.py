"""Events end to end as a follower lives them: the follower simulator (what `csj chat` uses)
against the webhook over HTTP, and the WeChat sandbox for the day-before reminders, whose
48-hour customer-service window the sandbox enforces."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from click.testing import CliRunner

from bot import ZONE
from bot import create_app as create_webhook
from bot.events import signup
from bot.events.repo import EventRepo
from syndication import reminders
from syndication.cli import main
from syndication.sandbox.chat import Follower
from syndication.sandbox.prompt import run_line
from tests.events_support import NANJING, import_sample, shifted_sample

HOUR = 3600


@pytest.fixture
def box(make_sandbox):
    return make_sandbox()


@pytest.fixture
def api_config(config, box):
    """The config with the WeChat API on the sandbox."""
    return dataclasses.replace(
        config, wechat=dataclasses.replace(config.wechat, api_base_url=box.api)
    )


@pytest.fixture
def hook(serve, api_config, redis, clock, runner) -> str:
    """csj's webhook on the fake clock, over real HTTP."""
    return serve(create_webhook(api_config, redis=redis, clock=clock, runner=runner))


@pytest.fixture
def follower(api_config, hook, box, clock, tmp_path):
    def make(name: str, account: str = "sh") -> Follower:
        return Follower(
            api_config.accounts[account],
            f"{hook}/wechat/{account}",
            sandbox_url=box.url,
            openid=f"o{name:0<27}",
            clock=clock,
            save_dir=tmp_path,
        )

    return make


def _text(reply) -> str:
    assert reply.kind == "text", reply
    return reply.text


def test_browse_sign_up_wait_cancel_and_move_up(follower, redis):
    import_sample(redis)
    small = EventRepo(redis).add([_small(EventRepo(redis).get(NANJING))])[0]
    alice, bob = follower("alice"), follower("bob")
    assert f"#{small.number}【开放日】小型开放日" in _text(alice.say("开放日"))
    nearest = _text(alice.location(32.05, 118.78, "南京新街口"))
    assert nearest.startswith("离您最近的活动：") and "江心洲" in nearest
    assert _text(alice.say(f"报名 {small.number}")).startswith("报名成功！")
    assert _text(alice.retry()).startswith("报名成功！")  # WeChat's retry: the same answer
    assert "候补名单第1位" in _text(bob.say(f"报名 {small.number}"))
    assert "已取消您在" in _text(alice.say(f"取消报名 {small.number}"))
    told = _text(bob.say("我的报名"))
    assert told.startswith("【递补成功】") and "已报名，签到码" in told
    assert "没有报名任何活动" in _text(alice.say("我的报名"))


def test_reminders_inside_the_48_hour_window_only(follower, redis, clock, api_config, box):
    import_sample(redis)
    alice, carol = follower("alice"), follower("carol")
    _text(alice.say(f"报名 {NANJING}"))  # Tue 08:00: more than 48 h before Fri 10:00
    clock.advance(50 * HOUR)  # Thu 10:00
    _text(carol.say(f"报名 {NANJING}"))
    clock.advance(24 * HOUR)  # Fri 10:00, the day before the open day
    results = reminders.remind_due(api_config, redis, datetime.fromtimestamp(clock(), ZONE))
    by_outcome = {r.outcome: r for r in results}
    assert set(by_outcome) == {"sent", "outside_window"}
    assert "超出48小时客服消息窗口" in by_outcome["outside_window"].describe()
    assert "oali…" in by_outcome["outside_window"].describe()  # masked, never in full
    inbox = run_line(carol, "/inbox")
    assert len(inbox) == 1 and inbox[0].startswith("【客服消息】【活动提醒】您报名的 #1")
    assert alice.inbox() == []
    again = reminders.remind_due(api_config, redis, datetime.fromtimestamp(clock(), ZONE))
    assert sorted(r.outcome for r in again) == ["outside_window", "sent"]
    assert carol.inbox() == []  # claimed once: never sent twice


def test_reminders_wait_for_the_day_before(follower, redis, clock, api_config):
    import_sample(redis)
    _text(follower("alice").say(f"报名 {NANJING}"))
    assert reminders.remind_due(api_config, redis, datetime.fromtimestamp(clock(), ZONE)) == []


def test_csj_chat_shows_the_sign_up(serve, config, config_file, redis, runner, box, tmp_path):
    """`csj chat` on the real clock, against a webhook on the real clock."""
    import time

    from bot.events import import_events

    import_events(redis, shifted_sample(datetime.now(ZONE)), datetime.now(ZONE))
    webhook = serve(create_webhook(config, redis=redis, clock=time.time, runner=runner))

    def chat(text: str) -> str:
        result = CliRunner().invoke(
            main,
            ["--config", str(config_file), "chat", "--account", "js", "--url",
             f"{webhook}/wechat/js", "--sandbox-url", box.url, "--save-dir", str(tmp_path), text],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return result.output

    assert "#1【开放日】江心洲污水处理厂开放日" in chat("南京有什么活动")
    assert "报名成功！#1" in chat("报名 1")
    assert "您已报名 #1" in chat("报名 1")
    assert "已报名，签到码" in chat("我的报名")


def _small(event):
    return dataclasses.replace(event, capacity=1, title="小型开放日", number=0)


def test_the_scheduler_job_sends_the_reminders(make_engine, redis, clock):
    """The job `csj scheduler` runs, wired to the engine's context and API clients."""
    from syndication.runtime import scheduler_jobs
    from syndication.sandbox import custom

    engine = make_engine()
    import_sample(redis)
    openid = "oSched000000000000000000000001"
    signup.sign_up(redis, NANJING, "sh", openid, clock(), "m1")
    clock.advance(74 * HOUR)  # Fri 10:00, the day before
    custom.record_interaction(engine.sandbox.state, "sh", openid, "message", clock())
    job = next(j for j in scheduler_jobs(engine.ctx) if j.name == "event-reminders")
    assert job.trigger_kwargs["hour"] == "9-20"
    job.func()
    sent = custom.received(engine.sandbox.state, "sh", openid)
    assert len(sent) == 1 and "【活动提醒】您报名的 #1" in sent[0]["payload"]["content"]
