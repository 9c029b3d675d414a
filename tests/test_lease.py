"""The leader lease: one holder, renewal only by the holder, and a holder that stops first."""

from __future__ import annotations

import logging
import os
import socket
import time

import pytest
import redis as redis_lib
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.embedded_redis import EmbeddedRedis
from syndication.lease import Lease, holder_id

KEY = "csj:{syn}:test-lease"
TTL = 10.0


@pytest.fixture
def make_lease(redis, clock):
    """make_lease(holder, ttl=TTL, client=redis, clock=clock) -> Lease on KEY."""

    def make(holder: str, ttl: float = TTL, client=None, clock=clock) -> Lease:
        return Lease(client or redis, KEY, ttl, holder, clock=clock)

    return make


def closed_port() -> int:
    """A local TCP port nothing listens on (taken from the OS, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fail_fast(url: str) -> redis_lib.Redis:
    """A client that gives up at once, as bot.store.connect's does in production."""
    return redis_lib.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


def test_only_one_of_two_holds(make_lease, redis):
    a, b = make_lease("a"), make_lease("b")
    assert a.acquire() and a.held
    assert not b.acquire() and not b.held
    assert not b.keep() and not b.held
    assert redis.get(KEY) == b"a"


def test_renew_by_a_non_holder_fails_and_leaves_the_lease_alone(make_lease, redis):
    a, b = make_lease("a"), make_lease("b")
    assert not b.renew()  # nobody holds it: renew must not create it
    assert redis.get(KEY) is None
    a.acquire()
    redis.pexpire(KEY, 5000)
    assert not b.renew() and not b.held
    assert redis.get(KEY) == b"a" and redis.pttl(KEY) <= 5000


def test_renew_keeps_the_lease_held(make_lease, clock):
    a = make_lease("a")
    a.acquire()
    for _ in range(5):  # well past one TTL in all, renewed every third of it
        clock.advance(TTL / 3)
        assert a.held and a.renew()
    assert a.held


def test_holder_stops_before_redis_lets_another_in(make_lease, redis, clock):
    a, b = make_lease("a"), make_lease("b")
    a.acquire()
    clock.advance(TTL - a.margin - 0.001)
    assert a.held
    clock.advance(0.002)
    assert not a.held  # a's own clock says stop ...
    assert redis.pttl(KEY) > 0 and not b.acquire()  # ... while Redis still keeps b out


def test_expired_lease_passes_to_another_only_after_the_holder_stopped(redis):
    # Real time here: Redis's own expiry is the thing under test.
    a = Lease(redis, KEY, 0.2, "a")
    b = Lease(redis, KEY, 0.2, "b")
    assert a.acquire()
    deadline = time.monotonic() + 3
    while not b.acquire():
        assert time.monotonic() < deadline, "the expired lease was never free"
        time.sleep(0.01)
    assert b.held and not a.held
    assert not a.renew() and not a.held  # too late to take it back
    assert redis.get(KEY) == b"b"


def test_release_lets_another_acquire_at_once(make_lease, redis):
    a, b = make_lease("a"), make_lease("b")
    a.acquire()
    assert not b.release()  # not b's to release
    assert redis.get(KEY) == b"a"
    assert a.release() and not a.held
    assert b.acquire() and b.held


def test_keep_takes_a_free_lease_then_renews_it(make_lease, redis, clock):
    a = make_lease("a")
    assert a.keep()
    clock.advance(TTL / 2)
    redis.pexpire(KEY, 100)
    assert a.keep() and redis.pttl(KEY) > 9000


def test_redis_down_answers_false_without_raising(make_lease, caplog):
    a = make_lease("a", client=fail_fast(f"redis://127.0.0.1:{closed_port()}/0"))
    with caplog.at_level(logging.DEBUG, logger="csj.lease"):
        assert not a.acquire()
        assert not a.renew()
        assert not a.keep()
        assert not a.release()
    assert not a.held and not a.reachable
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one warning per outage, not one per call"


def test_holder_stops_leading_when_redis_goes_away(tmp_path, clock):
    with EmbeddedRedis(tmp_path) as server:
        lease = Lease(fail_fast(server.url), KEY, TTL, "a", clock=clock)
        assert lease.acquire() and lease.held
        server.stop()
        assert not lease.renew()
        assert not lease.held and not lease.reachable  # at once, not only after the TTL
        server.start()
        assert lease.keep() and lease.held and lease.reachable


@pytest.mark.parametrize(
    ("ttl", "margin"),
    [
        pytest.param(0, None, id="zero-ttl"),
        pytest.param(-1, None, id="negative-ttl"),
        pytest.param(1, 1, id="margin-eats-ttl"),
        pytest.param(1, -0.1, id="negative-margin"),
    ],
)
def test_bad_ttl_is_refused(redis, ttl, margin):
    with pytest.raises(ValueError, match="ttl > 0 and 0 <= margin < ttl"):
        Lease(redis, KEY, ttl, "a", margin=margin)


def test_holder_ids_name_the_process_and_differ():
    first, second = holder_id(), holder_id()
    host, pid, rand = first.split(":")
    assert host == socket.gethostname() and pid == str(os.getpid()) and rand
    assert first != second
