"""R8 for sign-ups: Redis runs the script but its reply is lost, and redis-py sends it again.
Every follower must still count once and get the answer the first run decided."""

from __future__ import annotations

import dataclasses

from bot import store
from bot.events import signup
from bot.events.repo import EventRepo
from bot.store import EventKeys
from tests.events_support import NANJING, import_sample
from tests.redis_proxy import losing_proxy

NOW = 1795488000.0
FOLLOWERS = 8


def test_lost_replies_count_once_and_answer_as_the_first_run(redis_server, redis, config):
    import_sample(redis)
    repo = EventRepo(redis)
    event = repo.add(
        [dataclasses.replace(repo.get(NANJING), capacity=3, title="回复丢失", number=0)]
    )[0]
    openids = [f"oLost{i:023d}" for i in range(FOLLOWERS)]
    with losing_proxy(str(redis_server.socket_path), b"EVALSHA", 100) as proxy:
        lossy = store.connect(config.redis, f"redis://127.0.0.1:{proxy.port}/0")
        lossy.script_load(signup._SIGN_UP)  # EVALSHA, not the loading EVAL, is what loses
        signed = [signup.sign_up(lossy, event.number, "sh", o, NOW, f"s{o}") for o in openids]
        cancelled = [signup.cancel(lossy, event.number, "sh", o, NOW, f"c{o}") for o in openids[:2]]
        owed = signup.take_notices(lossy, "sh", openids[3], "next")
        lost = proxy.lost
    assert lost >= FOLLOWERS, "the proxy lost fewer replies than planned"
    assert [s.status for s in signed] == ["confirmed"] * 3 + ["waitlisted"] * 5
    assert [s.position for s in signed[3:]] == [1, 2, 3, 4, 5]
    assert [(c.outcome, c.was) for c in cancelled] == [("cancelled", "confirmed")] * 2
    assert owed == [("promoted", event.number)]
    assert int(redis.get(EventKeys.order(event.number))) == FOLLOWERS
    assert redis.zcard(EventKeys.confirmed(event.number)) == 3
    assert redis.zcard(EventKeys.waiting(event.number)) == 3
