"""Real processes: two schedulers and three workers publish each (article, account) once,
while workers are SIGKILLed and the leading scheduler is killed.

The whole path is real: `csj sandbox` (the WeChat API, pushing PUBLISHJOBFINISH), `csj web`
(the webhook that records it), `csj scheduler` x 2 and `csj worker` x 3, on the test Redis and
on ports of their own.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.config import load_config
from syndication import articles, review
from syndication import publications as pubs
from syndication.sandbox.state import Keys as SandboxKeys
from syndication.scheduler import leader_info
from syndication.services import wait_healthy
from syndication.sources import ArticleInput
from tests.conftest import EXAMPLE_CONFIG
from tests.publishing_support import jpeg

ARTICLES = 12
WORKER_KILLS = 20
API_DELAY = 0.2  # seconds added to every API call, so kills land while work is in flight
DEADLINE = 90.0


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """The processes of one run, started from this checkout on a config of the test's own."""

    def __init__(self, tmp: Path, redis_url: str) -> None:
        self.tmp = tmp
        self.sandbox, self.web = f"127.0.0.1:{_port()}", f"127.0.0.1:{_port()}"
        self.config_path = self._write_config(redis_url)
        self.config = load_config(self.config_path, environ={})
        self.env = {**os.environ, "CSJ_CONFIG": str(self.config_path), "CSJ_REDIS__URL": redis_url}
        self.processes: list[subprocess.Popen] = []

    def _write_config(self, redis_url: str) -> Path:
        text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
        for old, new in (
            ('url = ""', f'url = "{redis_url}"'),
            ("http://127.0.0.1:8090/cgi-bin/", f"http://{self.sandbox}/cgi-bin/"),
            ('bind = "127.0.0.1:8090"', f'bind = "{self.sandbox}"'),
            ('bind = "127.0.0.1:8080"', f'bind = "{self.web}"'),
            ('bind = "127.0.0.1:8081"', f'bind = "127.0.0.1:{_port()}"'),
            ("http://127.0.0.1:8080/wechat/{account}", f"http://{self.web}/wechat/{{account}}"),
            ("publish_delay = 5.0", "publish_delay = 0.3"),
            ("task_lease = 120", "task_lease = 1"),
            ("scheduler_lease = 10.0", "scheduler_lease = 2.0"),
            ("tick = 0.25", "tick = 0.1"),
            ("workers = 2", "workers = 1"),
            ('level = "INFO"', 'level = "INFO"'),
        ):
            assert old in text, old
            text = text.replace(old, new, 1)
        path = self.tmp / "csj.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp / f"{args[0]}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-c", "from syndication.cli import main; main()", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        """SIGTERM what still runs (csj web then stops its gunicorn), SIGKILL what is left."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def stack(tmp_path, redis_server, redis) -> Iterator[Stack]:
    running = Stack(tmp_path, redis_server.url)
    try:
        box = running.start("sandbox", "--bind", running.sandbox)
        web = running.start("web", "--bind", running.web)
        wait_healthy(f"http://{running.sandbox}/_sandbox/healthz", box)
        wait_healthy(f"http://{running.web}/healthz", web)
        yield running
    finally:
        running.stop()


def _queue(redis, config, count: int) -> list[articles.Article]:
    made = []
    for i in range(count):
        data = ArticleInput(
            title=f"进程测试{i}",
            author="测试",
            digest="摘要",
            body=f"第 {i} 篇。",
            body_format="markdown",
            source_url="",
            accounts=None,
            publish_at=None,
            cover=jpeg(color=(i * 20, 90, 90)),
            cover_name="c.jpg",
            images={},
        )
        made.append(review.create(redis, config, data, "editor", time.time()))
    return made


def _unsettled(redis, made: list[articles.Article]) -> list[str]:
    now = time.time()
    return [
        f"{p.article}:{p.account} {p.state} next in {p.next_at - now:.1f} s {p.reason}"
        for a in made
        for p in pubs.load_all(redis, a.id, a.accounts).values()
        if p.state not in pubs.SETTLED and p.state != pubs.UNCONFIRMED
    ]


def _settled(redis, made: list[articles.Article]) -> bool:
    for article in made:
        found = pubs.load_all(redis, article.id, article.accounts)
        if len(found) < len(article.accounts):
            return False
        if any(p.state not in pubs.SETTLED and p.state != pubs.UNCONFIRMED for p in found.values()):
            return False
    return True


def test_two_schedulers_and_three_workers_publish_each_once_under_kills(stack, redis):
    schedulers = [stack.start("scheduler") for _ in range(2)]
    workers = [stack.start("worker", "--threads", "2") for _ in range(3)]
    _wait(lambda: leader_info(redis) is not None, "no scheduler leads")
    _slow_down(stack)
    made = _queue(redis, stack.config, ARTICLES)
    rng = random.Random(8)
    kills, deadline, leader_killed = 0, time.monotonic() + DEADLINE, None
    while not _settled(redis, made):
        assert time.monotonic() < deadline, f"still unsettled: {_unsettled(redis, made)}"
        if kills < WORKER_KILLS:
            victim = workers.pop(rng.randrange(len(workers)))
            os.killpg(victim.pid, signal.SIGKILL)
            workers.append(stack.start("worker", "--threads", "2"))
            kills += 1
        if leader_killed is None and kills == 3:
            leader_killed = _kill_leader(redis, schedulers)
        time.sleep(0.4)  # the pace of the kills (a worker lives ~1.2 s), not a wait for a result
    assert kills >= WORKER_KILLS // 2, f"only {kills} kills landed before the work was done"
    assert leader_killed is not None
    _assert_each_published_once(stack, redis, made)


def _slow_down(stack: Stack) -> None:
    """Every sandbox API call takes API_DELAY longer, like WeChat from a bureau's network."""
    body = {"kind": "delay", "seconds": API_DELAY, "count": 10_000}
    url = f"http://{stack.sandbox}/_sandbox/faults"
    requests.post(url, json=body, timeout=5).raise_for_status()


def _wait(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _kill_leader(redis, schedulers: list[subprocess.Popen]) -> float:
    """SIGKILL the leading scheduler; return how long the other took to lead."""
    holder, _ = leader_info(redis)
    pid = int(holder.split(":")[1])
    leader = next(p for p in schedulers if p.pid == pid)
    os.killpg(leader.pid, signal.SIGKILL)
    killed = time.monotonic()
    while True:
        found = leader_info(redis)
        if found and found[0] != holder:
            took = time.monotonic() - killed
            assert took < 2.0 * 4 / 3 + 1.0, f"standby took {took:.1f} s to lead"
            return took
        assert time.monotonic() - killed < 10, "no scheduler took over"
        time.sleep(0.05)


def _assert_each_published_once(stack: Stack, redis, made: list[articles.Article]) -> None:
    copies: Counter = Counter()
    for key in redis.scan_iter(match=SandboxKeys.article("*")):
        record = __import__("json").loads(redis.get(key))
        copies[(record["account"], record["items"][0]["title"])] += 1
    states: Counter = Counter()
    for article in made:
        for account, pub in pubs.load_all(redis, article.id, article.accounts).items():
            states[pub.state] += 1
            expected = 1 if pub.state == pubs.PUBLISHED else 0
            assert copies[(account, article.title)] == expected, (article.id, account, pub)
    assert states[pubs.PUBLISHED] + states[pubs.UNCONFIRMED] == ARTICLES * 4
    assert states[pubs.PUBLISHED] >= ARTICLES * 4 - 2, states  # a kill mid-submit is rare
