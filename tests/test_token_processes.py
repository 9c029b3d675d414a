"""R7: eight processes meet an expired token together; exactly one fetches a new one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from bot.store import Keys
from tests.conftest import ROOT

PROCESSES = 8
ROUNDS = 20

# Each process: per round, wait for the go, make one API call (which needs a token), report.
SCRIPT = textwrap.dedent(
    """
    import sys, time
    import redis
    from bot.config import load_config
    from bot.wechat.client import AccountClient

    config_path, url, base, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    r = redis.Redis.from_url(url)

    class Counting(AccountClient):
        def _stable_token(self):
            r.incr("r7:fetches")
            return super()._stable_token()

    account = load_config(config_path, environ={}).accounts["sh"]
    for n in range(rounds):
        while int(r.get("r7:go") or -1) < n:
            time.sleep(0.002)
        client = Counting(account, r, base, 5)
        try:
            client.draft.count()
            r.incr(f"r7:ok:{n}")
        except Exception as exc:
            r.rpush("r7:errors", repr(exc))
        r.incr(f"r7:done:{n}")
    """
)


def test_eight_processes_fetch_one_token_per_expiry(
    make_sandbox, redis, redis_server, config, tmp_path, config_file
):
    box = make_sandbox()
    session = f"{Keys.wechatpy_session('sh')}:{config.accounts['sh'].appid}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                SCRIPT,
                str(config_file),
                redis_server.url,
                box.api,
                str(ROUNDS),
            ],
            cwd=ROOT,
        )
        for _ in range(PROCESSES)
    ]
    try:
        fetches = []
        for n in range(ROUNDS):
            redis.delete(f"{session}_access_token", f"{session}_expires_at")  # the token expired
            before = int(redis.get("r7:fetches") or 0)
            redis.set("r7:go", n)
            _wait(lambda n=n: int(redis.get(f"r7:done:{n}") or 0) == PROCESSES)
            fetches.append(int(redis.get("r7:fetches") or 0) - before)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    assert redis.lrange("r7:errors", 0, -1) == []
    assert fetches == [1] * ROUNDS
    assert all(int(redis.get(f"r7:ok:{n}")) == PROCESSES for n in range(ROUNDS))


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "processes did not finish the round"
        time.sleep(0.005)
