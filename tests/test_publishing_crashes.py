"""A worker killed at every step, 20 times per step: no duplicate, nothing lost.

The kill is simulated in-process so it can land exactly between a call and the record of its
result: a BaseException no handler catches, the lock left to expire and the task left pending,
as after SIGKILL. (tests/test_publishing_processes.py kills real worker processes.)
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bot.store import SynKeys
from syndication import articles, worker
from syndication import publications as pubs
from syndication.sandbox.state import Keys as SandboxKeys
from syndication.steps import Context
from tests.publishing_support import store_article

KILLS = 20
ARTICLES = 6


class Killed(BaseException):
    """The process died here."""


class DyingContext(Context):
    """A worker that dies at `point` the first `kills` times it gets there."""

    point: str = ""
    kills: int = 0

    def call(self, pub: pubs.Publication, step: str, fn: Any) -> Any:
        result = super().call(pub, step, fn)
        self._maybe_die(f"after {step}")
        return result

    def move(self, pub: pubs.Publication, expected: tuple[str, ...], **changes: Any) -> Any:
        what = f"move to {changes['state']}" if "state" in changes else f"record {min(changes)}"
        self._maybe_die(f"before {what}")
        moved = super().move(pub, expected, **changes)
        self._maybe_die(f"after {what}")
        return moved

    def publish(self, pub: pubs.Publication, article: Any, **changes: Any) -> Any:
        self._maybe_die("before publish")
        return super().publish(pub, article, **changes)

    def _maybe_die(self, where: str) -> None:
        if where == self.point and self.kills > 0:
            type(self).kills -= 1
            raise Killed(where)


POINTS = [
    "after material/add_material",
    "after media/uploadimg",
    "before move to preparing",
    "after move to preparing",
    "after record draft_intent_at",
    "after draft/add",
    "before move to drafted",
    "after move to drafted",
    "before record submit_intent_at",
    "after record submit_intent_at",
    "after freepublish/submit",
    "before move to submitted",
    "after move to submitted",
    "after freepublish/get",
    "before publish",
]


def run_until_quiet(engine: Any, ctx: Context, limit: int = 400) -> int:
    """Run the scheduler and a (possibly dying) worker until nothing is due any more."""
    kills = 0
    for _ in range(limit):
        engine.tick()
        try:
            worker.drain(ctx)
        except Killed:
            kills += 1
            continue  # the task stays pending; its lock is released as if it had expired
        upcoming = engine.redis.zrange(SynKeys.WAKE, 0, 0, withscores=True)
        if not upcoming:
            return kills
        engine.ctx.clock.now = max(engine.ctx.clock.now, upcoming[0][1]) + 1
    raise AssertionError("publications still waiting after the limit")


@pytest.mark.parametrize("point", POINTS)
def test_a_worker_killed_at_each_step_publishes_each_article_once(
    point, engine, redis, config, clock
):
    made = [store_article(redis, config, clock(), title=f"文章{i}") for i in range(ARTICLES)]
    DyingContext.point, DyingContext.kills = point, KILLS
    dying = DyingContext(**{f: getattr(engine.ctx, f) for f in Context.__dataclass_fields__})
    kills = run_until_quiet(engine, dying)
    assert kills == KILLS, f"the worker died {kills} times at {point!r}"

    sandbox = _published_in_sandbox(engine)
    states = Counter()
    for article in made:
        for account in article.accounts:
            pub = engine.pub(article.id, account)
            states[pub.state] += 1
            copies = sandbox[(account, article.title)]
            assert copies <= 1, f"{article.id} published {copies} times on {account}"
            if pub.state == pubs.PUBLISHED:
                assert copies == 1
            else:  # never lost: flagged for a person, and truly not published
                assert pub.state == pubs.UNCONFIRMED and copies == 0 and pub.next_at == 0
    for account in config.accounts:
        assert engine.published_count(account) == sum(
            1 for a in made if engine.pub(a.id, account).state == pubs.PUBLISHED
        )
    numbers = sorted(n for a in made if (n := articles.load(redis, a.id).number))
    assert numbers == list(range(1, len(numbers) + 1)), "column numbers skip or repeat"
    if point == "after record submit_intent_at":
        # Died between recording the submit and making it: nobody can tell whether WeChat got
        # it, so it is looked for, never resent, and left for a person.
        assert states[pubs.UNCONFIRMED] == KILLS
    else:
        assert states == {pubs.PUBLISHED: ARTICLES * 4}


def _published_in_sandbox(engine: Any) -> Counter:
    """(account, title) -> how many times the sandbox published it (mass sends included)."""
    found: Counter = Counter()
    state = engine.sandbox.state
    for key in state.redis.scan_iter(match=SandboxKeys.article("*")):
        record = state.get_json(key.decode())
        found[(record["account"], record["items"][0]["title"])] += 1
    return found
