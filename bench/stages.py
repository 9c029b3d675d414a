"""Where a push's CPU goes, stage by stage: csj and the bare handler, in-process.

    .venv/bin/python bench/stages.py [--mode gevent|sync] [--n 3000] [--rounds 3] [--json FILE]

Calls each app's WSGI callable directly (the environ of each push is built beforehand, as a
server would hand it over), one push after another, with distinct signed, encrypted pushes of
the follower question mix (bench/webhook.py); csj talks to a throwaway Redis on a unix socket.
`--mode gevent` monkey-patches first, as gunicorn's gevent worker does (csj then answers in
greenlets); `--mode sync` does not (csj answers in its thread pool), as a sync or gthread worker.

Each stage's CPU is its own: a stage's time leaves out the stages it calls (csj's answer leaves
out the Redis reads it makes). "WSGI frame" is what is left of the app call: werkzeug's request
and response, Flask, the middleware. The timers themselves cost about a microsecond per call,
so the stages add up to a little more than the uninstrumented total, which is also reported.
What gunicorn adds around the app (HTTP parsing and writing, sockets, the event loop) is not
seen here: bench/webhook.py subtracts these totals from the workers' CPU under load.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)
from __future__ import annotations

import sys

_GEVENT = "--mode" not in sys.argv or sys.argv[sys.argv.index("--mode") + 1] == "gevent"
if __name__ == "__main__" and _GEVENT:  # not when bench/webhook.py imports the report
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webhook import MIXES, PushFactory, import_demo_forecast, write_config  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from bot import create_app, logs, store  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.embedded_redis import EmbeddedRedis  # noqa: E402

CSJ_STAGES = (
    "verify", "decrypt", "parse", "answer", "Redis", "render", "encrypt", "log",
    "budget (runner)", "exchange", "WSGI frame",
)  # fmt: skip
BARE_STAGES = ("verify", "decrypt", "parse", "render", "encrypt", "WSGI frame")


class Stages:
    """Exclusive CPU per stage: each timed call's time, less that of the timed calls inside it."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        clock, inner, totals = time.process_time, self._inner, self.totals

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            inner.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = clock() - started
                totals[name] += elapsed - inner.pop()
                if inner:
                    inner[-1] += elapsed

        return timed

    def patch(self, owner: Any, attribute: str, name: str) -> None:
        setattr(owner, attribute, self.wrap(name, getattr(owner, attribute)))


def instrument_csj(stages: Stages, app: Any) -> None:
    """Time csj's stages by wrapping the functions that do them."""
    import redis.client
    import redis.commands.core

    from bot import budget, exchange, webhook
    from bot.wechat import replies

    for attribute, name in (
        ("verify_query", "verify"),
        ("signature_ok", "verify"),
        ("decrypt_any", "decrypt"),
        ("_parse", "parse"),
        ("parse_message", "parse"),
        ("encrypt_reply", "encrypt"),
    ):
        stages.patch(webhook, attribute, name)
    service = app.extensions["csj"]
    stages.patch(service.router, "route", "answer")
    stages.patch(service.router, "incoming", "answer")
    stages.patch(webhook.log, "info", "log")
    for cls in (redis.client.Redis, redis.client.Pipeline):
        stages.patch(cls, "execute_command" if cls is redis.client.Redis else "execute", "Redis")
    stages.patch(redis.commands.core.Script, "__call__", "Redis")
    for cls in (replies.Reply, replies.NoReply):
        stages.patch(cls, "render", "render")
    for cls in (budget.GreenletRunner, budget.ThreadRunner):
        stages.patch(cls, "run", "budget (runner)")
    stages.patch(exchange.Exchange, "answer", "exchange")


def instrument_bare(stages: Stages, app: Any) -> None:
    """Time the bare handler's stages (wechatpy's functions, as bench/bare_app.py calls them)."""
    import bare_app
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.replies import BaseReply

    stages.patch(bare_app, "check_signature", "verify")
    stages.patch(WeChatCrypto, "decrypt_message", "decrypt")
    stages.patch(bare_app, "parse_message", "parse")
    stages.patch(BaseReply, "render", "render")
    stages.patch(bare_app, "TextReply", "render")
    stages.patch(WeChatCrypto, "encrypt_message", "encrypt")


def environs(factory: PushFactory, n: int) -> list[dict[str, Any]]:
    """The WSGI environ of n fresh pushes, as a server would build them."""
    built = []
    for _ in range(n):
        path, body = factory.make()
        route, _, query = path.partition("?")
        builder = EnvironBuilder(
            path=route, query_string=query, method="POST", data=body, content_type="text/xml"
        )
        built.append(builder.get_environ())
    return built


def drive(app: Any, factory: PushFactory, n: int) -> float:
    """CPU µs per push of n pushes through the app's WSGI callable."""
    pushes = environs(factory, n)
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> None:
        status.append(code)

    started = time.process_time()
    for environ in pushes:
        body = b"".join(app(environ, start_response))
        assert status.pop().startswith("200") and body, body
    return (time.process_time() - started) / n * 1e6


def measure(app: Any, factory: PushFactory, args: argparse.Namespace, instrument: Any) -> dict:
    """Best uninstrumented total, then the stages of one instrumented run (µs per push)."""
    drive(app, factory, 300)  # warm up
    total = min(drive(app, factory, args.n) for _ in range(args.rounds))
    stages = Stages()
    instrument(stages, app)
    instrumented = drive(app, factory, args.n)
    per_push = {name: seconds / args.n * 1e6 for name, seconds in stages.totals.items()}
    per_push["WSGI frame"] = instrumented - sum(per_push.values())  # the rest of the app call
    return {"total_us": total, "instrumented_us": instrumented, "stages_us": per_push}


def run(args: argparse.Namespace) -> dict:
    with (
        tempfile.TemporaryDirectory(prefix="csj-stages-") as tmp,
        EmbeddedRedis(Path(tmp) / "redis") as server,
    ):
        config = load_config(write_config(Path(tmp), server.url, 2), environ={})
        logs.configure(config.logging.level)
        logging.getLogger().handlers[0].stream = io.StringIO()  # format the lines, keep none
        factory = PushFactory(
            [a for a in config.accounts.values() if a.require_encryption], MIXES[args.questions]
        )
        redis = store.connect(config.redis)
        import_demo_forecast(redis)
        import bare_app

        bare = bare_app.create_app(config.source)
        csj = create_app(config, redis=redis)
        return {
            "mode": args.mode,
            "bare": measure(bare, factory, args, instrument_bare),
            "csj": measure(csj, factory, args, instrument_csj),
        }


def report(figures: dict, workers_us: dict[str, float] | None = None) -> None:
    """Print the stage table; with the workers' CPU per push under load (bench/webhook.py),
    also what gunicorn adds around the app: that CPU less the app's own, in-process."""
    print(f"\nCPU µs per push by stage, in-process, {figures['mode']} mode")
    print(f"  {'stage':38} {'bare':>8} {'csj':>8}")
    for name in CSJ_STAGES:
        bare = figures["bare"]["stages_us"].get(name)
        csj = figures["csj"]["stages_us"].get(name, 0.0)
        print(f"  {name:38} {'' if bare is None else f'{bare:8.1f}':>8} {csj:8.1f}")
    for label, key in (("sum of stages", "instrumented_us"), ("app, uninstrumented", "total_us")):
        print(f"  {label:38} {figures['bare'][key]:8.1f} {figures['csj'][key]:8.1f}")
    if workers_us:
        server = {n: workers_us[n] - figures[n]["total_us"] for n in ("bare", "csj")}
        label = "gunicorn: HTTP, sockets, event loop"
        print(f"  {label:38} {server['bare']:8.1f} {server['csj']:8.1f}")
        label = "workers under load (closed loop)"
        print(f"  {label:38} {workers_us['bare']:8.1f} {workers_us['csj']:8.1f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("gevent", "sync"), default="gevent")
    p.add_argument("--n", type=int, default=3000, help="pushes per run (default 3000)")
    p.add_argument("--rounds", type=int, default=3, help="uninstrumented runs; best is kept")
    p.add_argument("--questions", default="mix", choices=sorted(MIXES))
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = p.parse_args()
    figures = run(args)
    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
