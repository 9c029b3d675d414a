"""Answers are tried first without effects (bot.effects): reads pass, anything else is claimed."""

from __future__ import annotations

import json

import pytest

from bot.effects import NeedsClaim, ReadOnlyRedis, no_upload
from bot.events import signup
from bot.store import EventKeys
from syndication.sandbox.pushes import text_xml
from tests.events_support import NANJING, import_sample, say
from tests.test_webhook import decrypt_reply

BOB = "oBob00000000000000000000000002"


def test_reads_pass_and_anything_else_needs_a_claim(redis):
    redis.set("k", "v")
    view = ReadOnlyRedis(redis)
    assert view.get("k") == b"v" and view.exists("k") == 1
    for write in (
        lambda: view.set("k", "w"),
        lambda: view.incr("n"),
        lambda: view.register_script("return 1"),
        lambda: view.eval("return 1", 0),
        lambda: view.delete("k"),
    ):
        with pytest.raises(NeedsClaim):
            write()
    assert redis.get("k") == b"v" and not redis.exists("n")


def test_a_pipeline_of_reads_is_sent_and_a_write_in_it_needs_a_claim(redis):
    redis.set("k", "v")
    view = ReadOnlyRedis(redis)
    with view.pipeline(transaction=False) as pipe:
        pipe.get("k")
        pipe.exists("k")
        assert pipe.execute() == [b"v", 1]
    with pytest.raises(NeedsClaim):
        view.pipeline().set("k", "w")


def test_needs_claim_passes_through_an_answers_except_exception():
    def answer():
        try:
            no_upload("sh", b"png", "card.png")
        except Exception:  # an answer logging a failed upload and going on without it
            return "swallowed"

    with pytest.raises(NeedsClaim):
        answer()


def test_a_notice_owed_from_another_process_is_told_within_a_second(
    wechat, config, redis, monkeypatch
):
    """The owed list is read at most once a second per process: a notice written meanwhile by
    another process (an editor calling an event off) waits for the next message, not lost."""
    import_sample(redis)
    now = [1000.0]
    monkeypatch.setattr(signup, "_monotonic", lambda: now[0])
    say(wechat, config, BOB, f"报名 {NANJING}")
    say(wechat, config, BOB, "你好")  # this process has read who is owed a notice
    follower = signup.follower_id("sh", BOB)
    redis.hset(EventKeys.NOTICES, follower, json.dumps([f"cancelled:{NANJING}"]))
    first = say(wechat, config, BOB, "你好")
    assert "【活动取消】" not in first and redis.hexists(EventKeys.NOTICES, follower)
    now[0] += 1.0
    told = say(wechat, config, BOB, "你好")
    assert told.startswith("【活动取消】") and not redis.hexists(EventKeys.NOTICES, follower)
    assert "【活动取消】" not in say(wechat, config, BOB, "你好")  # told once


def test_a_sign_up_retried_and_replayed_is_made_once_and_answered_alike(
    wechat, config, redis, clock
):
    import_sample(redis)
    xml = text_xml(config.accounts["sh"], BOB, f"报名 {NANJING}", msg_id="6000000000000000501")
    first = wechat.sign("sh", xml, nonce="1")
    replies = [decrypt_reply(config, "sh", wechat.post("sh", first).data)]
    for nonce in ("2", "3", "4"):  # WeChat's retries, then a replay of the first query
        clock.advance(5)
        replies.append(decrypt_reply(config, "sh", wechat.send("sh", xml, nonce=nonce).data))
    replies.append(decrypt_reply(config, "sh", wechat.post("sh", first).data))
    assert all(reply == replies[0] for reply in replies)
    assert replies[0]["Content"].startswith("报名成功")
    assert redis.hlen(EventKeys.registrations(NANJING)) == 1
    assert redis.get(EventKeys.order(NANJING)) == b"1"  # one sign-up taken, not four
