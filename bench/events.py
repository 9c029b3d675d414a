"""Sign-up rush benchmark: N followers sign up for one event at once through the webhook.

    .venv/bin/python bench/events.py                          # 500 followers, 100 places
    .venv/bin/python bench/events.py --followers 2000 --places 300 --clients 128 --workers 4

gunicorn (gevent workers, as `csj web` runs it) and a throwaway Redis on 127.0.0.1; every
push is a distinct, validly signed, AES-encrypted text "报名 N" to the safe-mode account zj.
Reports the latency of the answers and checks the outcome: exactly `places` confirmed, the
rest waiting in the order they were told.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)
from __future__ import annotations

import argparse
import dataclasses
import re
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import redis as redis_lib
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import ZONE  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.embedded_redis import EmbeddedRedis  # noqa: E402
from bot.events.model import Event  # noqa: E402
from bot.events.repo import EventRepo  # noqa: E402
from bot.store import EventKeys  # noqa: E402
from bot.wechat.crypto import MessageCipher  # noqa: E402
from bot.wechat.xml import parse  # noqa: E402
from syndication import services  # noqa: E402
from syndication.sandbox.pushes import sign_push, text_xml  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=500)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()
    config = load_config(ROOT / "config.example.toml", environ={})
    config = dataclasses.replace(config, web=dataclasses.replace(config.web, workers=args.workers))
    with EmbeddedRedis() as server:
        redis = redis_lib.Redis.from_url(server.url)
        number = _event(redis, args.places)
        listener = socket.create_server(("127.0.0.1", 0))
        process = subprocess.Popen(
            services.gunicorn_command(config, f"fd://{listener.fileno()}"),
            env=services.service_env(config, server.url),
            pass_fds=[listener.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # a JSON log line per push
        )
        try:
            base = f"http://127.0.0.1:{listener.getsockname()[1]}/wechat/zj"
            _rush(config, base, number, args, redis)
        finally:
            services.stop([process])
            listener.close()


def _event(redis: redis_lib.Redis, places: int) -> int:
    now = datetime.now(ZONE)
    start = now + timedelta(days=2)
    event = Event(
        "基准测试开放日", "开放日", "杭州", "测试场地", start, start + timedelta(hours=2),
        places, now - timedelta(hours=1), now + timedelta(days=1),
    )  # fmt: skip
    return EventRepo(redis).add([event])[0].number


def _rush(config, base: str, number: int, args, redis: redis_lib.Redis) -> None:
    account = config.accounts["zj"]
    cipher = MessageCipher(account.encoding_aes_key, account.appid)
    openids = [f"oBench{i:022d}" for i in range(args.followers)]
    requests.get(base.replace("/wechat/zj", "/healthz"), timeout=30)  # a worker is up

    def sign_up(openid: str) -> tuple[float, str]:
        push = sign_push(account, text_xml(account, openid, f"报名 {number}"), openid=openid)
        started = time.perf_counter()
        response = requests.post(
            base, params=push.query, data=push.body,
            headers={"Content-Type": "text/xml"}, timeout=10,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        return elapsed, parse(cipher.decrypt(parse(response.content)["Encrypt"]))["Content"]

    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        results = list(pool.map(sign_up, openids))
    wall = time.perf_counter() - started
    latencies = sorted(ms * 1000 for ms, _ in results)
    confirmed = sum(reply.startswith("报名成功") for _, reply in results)
    told = sorted(int(m[1]) for _, r in results if (m := re.search(r"候补名单第(\d+)位", r)))
    print(
        f"{args.followers} sign-ups for {args.places} places, {args.clients} clients, "
        f"{args.workers} gunicorn workers: {wall:.2f} s ({args.followers / wall:.0f}/s)"
    )
    print(
        f"latency ms: p50 {statistics.median(latencies):.1f}, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f}, max {latencies[-1]:.1f}"
    )
    exact = confirmed == args.places == redis.zcard(EventKeys.confirmed(number)) and told == list(
        range(1, args.followers - args.places + 1)
    )
    print(f"confirmed {confirmed}, waiting {len(told)}: {'exact' if exact else 'WRONG'}")
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
