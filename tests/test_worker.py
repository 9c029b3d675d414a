"""The worker and scheduler jobs around the engine: Redis gone, the log's retention."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

import redis as redis_lib

from bot.store import SynKeys
from syndication import dispatch
from syndication.worker import Worker
from tests.conftest import UNREACHABLE


def test_a_worker_stays_up_while_redis_is_unreachable_and_says_so(engine, caplog):
    host, _, port = UNREACHABLE.rpartition(":")
    gone = redis_lib.Redis(host=host, port=int(port), socket_connect_timeout=0.2)
    worker = Worker(dataclasses.replace(engine.ctx, redis=gone), threads=1)
    caplog.set_level(logging.WARNING, "csj.worker")
    thread = threading.Thread(target=worker.run)
    thread.start()
    deadline = time.monotonic() + 10
    while "Redis unreachable" not in caplog.text:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.02)
    assert thread.is_alive()
    worker.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert caplog.text.count("Redis unreachable") == 1  # said once, not every second


def test_the_log_keeps_entries_for_the_retention_only(engine, redis):
    redis.xadd(SynKeys.LOG, {"step": "old"}, id="1000-0")  # 1970: far past any retention
    redis.xadd(SynKeys.LOG, {"step": "new"})
    assert dispatch.trim_log(engine.ctx, engine.ctx.clock()) == 1
    steps = [f[b"step"] for _, f in redis.xrange(SynKeys.LOG)]
    assert steps == [b"new"]
