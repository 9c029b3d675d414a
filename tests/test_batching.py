"""Scripts batched under gevent: concurrent pushes' scripts go to Redis in one pipeline, and
each greenlet gets its own result or its own error."""

from __future__ import annotations

import gevent
import pytest
import redis as redis_lib
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from bot.batching import BatchedScripts, DirectScripts
from bot.budget import GreenletRunner
from bot.effects import NeedsClaim, ReadOnlyRedis
from bot.exchange import Computed, Exchange
from bot.store import Keys

ECHO = "if ARGV[1] == 'fail' then return redis.error_reply('refused ' .. KEYS[1]) end\n" + (
    "redis.call('INCR', KEYS[1]); return {KEYS[1], ARGV[1]}"
)


def run_together(scripts, script, calls):
    """Each call (keys, args) in a greenlet of its own, all started before any is sent."""
    greenlets = [gevent.spawn(scripts.run, script, keys, args) for keys, args in calls]
    gevent.joinall(greenlets, timeout=10)
    return greenlets


def test_concurrent_scripts_go_in_one_batch_and_each_gets_its_own_result(redis):
    scripts, echo = BatchedScripts(redis), redis.register_script(ECHO)
    echo(keys=["warm"], args=["up"])  # loaded: the batch below needs no SCRIPT LOAD
    done = run_together(scripts, echo, [([f"k{i}"], [f"v{i}"]) for i in range(5)])
    assert [g.get() for g in done] == [[f"k{i}".encode(), f"v{i}".encode()] for i in range(5)]
    assert scripts.batches == 1
    assert [redis.get(f"k{i}") for i in range(5)] == [b"1"] * 5  # each ran once


def test_one_script_failing_fails_only_its_own_caller(redis):
    scripts, echo = BatchedScripts(redis), redis.register_script(ECHO)
    echo(keys=["warm"], args=["up"])
    done = run_together(scripts, echo, [(["a"], ["ok"]), (["b"], ["fail"]), (["c"], ["ok"])])
    assert done[0].get() == [b"a", b"ok"] and done[2].get() == [b"c", b"ok"]
    with pytest.raises(ResponseError, match="refused b"):
        done[1].get()


def test_a_script_redis_forgot_is_loaded_again(redis):
    scripts, echo = BatchedScripts(redis), redis.register_script(ECHO)
    redis.script_flush()  # as after a restart: EVALSHA answers NOSCRIPT
    done = run_together(scripts, echo, [(["a"], ["1"]), (["b"], ["2"])])
    assert [g.get() for g in done] == [[b"a", b"1"], [b"b", b"2"]]
    assert redis.get("a") == b"1" and redis.get("b") == b"1"  # not run twice


def test_when_redis_is_unreachable_every_caller_hears_it_and_the_next_batch_goes_again(redis):
    down = redis_lib.Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.5)
    scripts, echo = BatchedScripts(down), down.register_script(ECHO)
    done = run_together(scripts, echo, [(["a"], ["1"]), (["b"], ["2"])])
    errors = [g.exception for g in done]
    assert all(isinstance(e, RedisConnectionError) for e in errors) and errors[0] is not errors[1]
    scripts.redis = redis  # Redis is back: the same sender carries on
    assert run_together(scripts, echo, [(["c"], ["3"])])[0].get() == [b"c", b"3"]


def test_copies_of_one_push_in_one_batch_all_get_the_first_reply(redis, config):
    scripts = BatchedScripts(redis)
    exchange = Exchange(redis, GreenletRunner(), config.webhook, scripts=scripts)
    replies = iter([b"first", b"second", b"third"])

    def answer(_effects: bool) -> Computed:
        return Computed(next(replies))

    def push() -> bytes:
        return exchange.answer("sh", "sig", "msg-1", answer, deadline=1e12).reply

    done = [gevent.spawn(push) for _ in range(3)]
    gevent.joinall(done, timeout=10)
    assert [g.get() for g in done] == [b"first"] * 3
    assert redis.get(Keys.message("sh", "msg-1")) == b"first"


def test_direct_scripts_make_one_round_trip_each(redis):
    echo = redis.register_script(ECHO)
    assert DirectScripts().run(echo, ["a"], ["1"]) == [b"a", b"1"]


def test_a_sender_that_breaks_fails_its_callers_and_the_next_push_gets_a_new_one(redis, caplog):
    scripts, echo = BatchedScripts(redis), redis.register_script(ECHO)
    real_pipeline = redis.pipeline
    redis.pipeline = lambda **_: (_ for _ in ()).throw(RuntimeError("bug in the batch"))
    done = run_together(scripts, echo, [(["a"], ["1"]), (["b"], ["2"])])
    assert all(isinstance(g.exception, RuntimeError) for g in done)
    assert "batch sender failed" in caplog.text
    redis.pipeline = real_pipeline
    assert run_together(scripts, echo, [(["c"], ["3"])])[0].get() == [b"c", b"3"]


def test_reads_go_in_the_batch_with_scripts_and_come_back_as_redis_py_gives_them(redis):
    scripts, echo = BatchedScripts(redis), redis.register_script(ECHO)
    echo(keys=["warm"], args=["up"])
    redis.set("ctx", "明天")
    redis.hset("owed", mapping={"o1": "1"})
    view = ReadOnlyRedis(redis, scripts)
    done = [
        gevent.spawn(scripts.run, echo, ["a"], ["1"]),
        gevent.spawn(lambda: view.get("ctx")),
        gevent.spawn(lambda: view.hgetall("owed")),
        gevent.spawn(lambda: view.get("missing")),
    ]
    gevent.joinall(done, timeout=10)
    assert [g.get() for g in done] == [[b"a", b"1"], "明天".encode(), {b"o1": b"1"}, None]
    assert scripts.batches == 1
    with pytest.raises(NeedsClaim):
        view.set("ctx", "x")  # a write is still an effect
