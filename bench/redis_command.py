"""What one Redis command costs a webhook worker: CPU per command under gevent, csj's client.

    .venv/bin/python bench/redis_command.py [--n 20000] [--rounds 5] [--no-gevent] [--url URL]
                                            [--max-us 150]

One greenlet sends commands one after another through `bot.store.connect` (csj's options:
socket timeouts, one retry on a refused connection, health checks), to a throwaway Redis on a
unix socket as in bench/webhook.py, or to `--url`. Reports the client's CPU per command (process
time, best of the rounds) for the commands a push makes: a SET, a GET and an EVALSHA. The Redis
server's own CPU is not counted: it is another process.

redis-py's cost per command has changed a lot between releases under gevent (issue 13: 5.2.1
≈ 100 µs, 8.1.0 ≈ 220–275 µs on the same machine), so `--max-us` turns this into a check: the
exit status is 1 when the SET costs more than that. Run it with another redis-py by putting this
tree on PYTHONPATH in a venv that holds that version (see docs/benchmarks.md).
"""

# ruff: noqa: T201  (a benchmark reports on stdout)
from __future__ import annotations

import argparse
import sys

if "--no-gevent" not in sys.argv:  # patch first, as gunicorn's gevent worker does
    from gevent import monkey

    monkey.patch_all()

import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402

from bot import store  # noqa: E402
from bot.config import RedisConfig  # noqa: E402
from bot.embedded_redis import EmbeddedRedis  # noqa: E402

_SCRIPT = "return redis.call('SET', KEYS[1], ARGV[1], 'EX', 60)"


def per_command(send: Callable[[int], object], n: int, rounds: int) -> float:
    """Best-of-`rounds` client CPU per command, in µs."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for i in range(n):
            send(i)
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


def measure(url: str, n: int, rounds: int) -> dict[str, float]:
    """CPU per SET, GET and EVALSHA through csj's client."""
    client = store.connect(RedisConfig(url=url))
    script = client.register_script(_SCRIPT)
    value = "x" * 200  # about a stored reply's size
    client.set("bench:k", value)
    send: dict[str, Callable[[int], object]] = {
        "SET": lambda i: client.set("bench:k", value, ex=60),
        "GET": lambda i: client.get("bench:k"),
        "EVALSHA": lambda i: script(keys=["bench:k"], args=[value]),
    }
    for command in send.values():  # warm up: connect, load the script
        per_command(command, 200, 1)
    return {name: per_command(command, n, rounds) for name, command in send.items()}


def run(url: str, args: argparse.Namespace) -> dict[str, float]:
    """Measure in a greenlet (under the gevent hub, as a request would be) or plainly."""
    if args.no_gevent:
        return measure(url, args.n, args.rounds)
    import gevent

    return gevent.spawn(measure, url, args.n, args.rounds).get()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20000, help="commands per round (default 20000)")
    p.add_argument("--rounds", type=int, default=5, help="rounds; the best is reported")
    p.add_argument("--no-gevent", action="store_true", help="plain sockets, no monkey-patching")
    p.add_argument("--url", help="an existing Redis (default: a throwaway one on a unix socket)")
    p.add_argument("--max-us", type=float, help="exit 1 if a SET costs more CPU than this")
    args = p.parse_args()
    if args.url:
        costs = run(args.url, args)
    else:
        with (
            tempfile.TemporaryDirectory(prefix="csj-rcmd-") as tmp,
            EmbeddedRedis(Path(tmp) / "redis") as server,
        ):
            costs = run(server.url, args)
    hiredis = "hiredis" if redis.utils.HIREDIS_AVAILABLE else "no hiredis"
    mode = "plain sockets" if args.no_gevent else "gevent"
    figures = ", ".join(f"{name} {us:.1f}" for name, us in costs.items())
    print(f"redis-py {redis.__version__} ({hiredis}, {mode}): µs CPU per command: {figures}")
    if args.max_us is not None and costs["SET"] > args.max_us:
        print(f"regression: a SET costs {costs['SET']:.1f} µs, above --max-us {args.max_us}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
