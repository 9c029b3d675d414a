"""Webhook benchmark: csj's webhook against a bare wechatpy + Flask handler, same gunicorn settings.

    .venv/bin/python bench/webhook.py                 # everything (about 7 minutes)
    .venv/bin/python bench/webhook.py --only closed   # closed loop only (wrk)
    make bench BENCH_ARGS="--duration 5 --rounds 1"

Sections (--only, comma-separated; default all):
  closed  wrk, 16 connections, 2 threads: bare and csj alternately, each run with fresh pushes
  open    open loop at fixed rates (20, 100, 300 pushes/s), latency from the scheduled send time
  slow    32 slow-body clients (1 byte / 0.5 s) held open while 50 valid pushes go to csj
  redis   Redis frozen (SIGSTOP) then stopped: 20 valid pushes each, status codes and latency

Every request is a distinct, validly signed, AES-encrypted text push (unique MsgId and nonce,
timestamp = now), so csj's dedupe and replay checks do real work on every request. Everything
runs on 127.0.0.1 with a throwaway Redis; every child process is stopped at the end.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

from bot.config import Account, Config, load_config  # noqa: E402
from bot.embedded_redis import EmbeddedRedis  # noqa: E402
from bot.wechat.crypto import MessageCipher  # noqa: E402
from syndication.sandbox.pushes import sign_push, text_xml  # noqa: E402
from syndication.services import gunicorn_command, service_env, stop, wait_healthy  # noqa: E402

QUESTION = "明天南京空气怎么样"  # a typical follower question: answered from the imported forecast
# The question mix (issue 11): what followers send. Each openid talks to one account and goes
# through the mix in this order, so its follow-up ("那后天呢") comes right after an activity
# question and finds that context, as in a real chat.
QUESTION_MIX = (
    QUESTION,  # forecast in words (4 of 11)
    "今天能出去跑步吗",  # activity and health (2 of 11)
    "那后天呢",  # follow-up of the previous question
    QUESTION,
    "PM2.5是什么",  # knowledge
    QUESTION,
    "杭洲明天空气",  # a place typed with a same-sounding character
    "今天能出去跑步吗",
    "11.25上海空气",  # a new date form
    QUESTION,
    "黄冈明天空气",  # a place not understood: reported, no default
)


def varied_questions() -> tuple[str, ...]:
    """~7,500 distinct forecast and activity questions (places × days × phrasings), asked in
    turn: more than a worker's reading memo holds (bot.text.memo_short), so every text is read
    afresh. The worst case for the answer stage; real followers repeat short questions."""
    places = json.loads((ROOT / "bot" / "data" / "yrd_places.json").read_text("utf-8"))
    counties = json.loads((ROOT / "bot" / "data" / "yrd_counties.json").read_text("utf-8"))
    names = [c["name"] for c in places["cities"]] + list(counties["places"])
    days = ("今天", "明天", "后天", "周六", "周日", "下周一", "12月5日", "5号")
    phrasings = (
        "{day}{place}空气怎么样",
        "{place}{day}空气质量",
        "{place}{day}能跑步吗",
        "{day}{place}适合带孩子出门吗",
        "{place}{day}PM2.5高吗",
        "{day}去{place}骑车行吗",
        "{place}{day}要戴口罩吗",
        "{place}{day}的空气",
    )
    return tuple(p.format(day=d, place=n) for p in phrasings for d in days for n in names)


MIXES = {"mix": QUESTION_MIX, "forecast": (QUESTION,), "varied": varied_questions()}
OPENIDS = 5000
FORECAST_SAMPLE = ROOT / "tests" / "data" / "forecast_sample.csv"
HOST = "127.0.0.1"
MSG_KEYS = "csj:wx:*:msg:*"
APOLOGY = "抱歉，系统暂时有点忙".encode()


# ----------------------------------------------------------------------------- pushes


def _questions_shown(questions: tuple[str, ...]) -> str:
    distinct = list(dict.fromkeys(questions))
    shown = ", ".join(distinct[:8])
    return shown if len(distinct) <= 8 else f"{shown}, … ({len(distinct):,} distinct)"


class PushFactory:
    """Distinct signed pushes: MsgIds and nonces from counters that never repeat in a process."""

    def __init__(self, accounts: list[Account], questions: tuple[str, ...] = MIXES["mix"]) -> None:
        self.accounts = accounts
        self.questions = questions
        self._n = itertools.count()
        self._nonce_base = secrets.randbelow(10**9) * 10**9
        self._msg_base = (secrets.randbelow(10**6) + 1) * 10**12

    def make(self) -> tuple[str, bytes]:
        """Return (path?query, body) of one fresh push, timestamp = now."""
        n = next(self._n)
        follower = n % OPENIDS
        account = self.accounts[follower % len(self.accounts)]
        openid = f"oBench{follower:06d}"
        question = self.questions[(n // OPENIDS + follower) % len(self.questions)]
        xml = text_xml(account, openid, question, msg_id=str(self._msg_base + n))
        push = sign_push(account, xml, nonce=str(self._nonce_base + n), openid=openid)
        return push.url(f"/wechat/{account.id}"), push.body

    def raw(self, connection_close: bool = True) -> bytes:
        """One push as raw HTTP/1.1 request bytes."""
        path, body = self.make()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\n"
            + ("Connection: close\r\n" if connection_close else "")
            + "\r\n"
        )
        return head.encode() + body

    def write_pool(self, directory: Path, threads: int, per_thread: int) -> None:
        """Write per-thread files for wrk_pushes.lua; no push appears twice."""
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for t in range(1, threads + 1):
            with open(directory / f"thread-{t}.txt", "wb") as out:
                for _ in range(per_thread):
                    path, body = self.make()
                    out.write(path.encode() + b"\t" + body + b"\n")


# ----------------------------------------------------------------------------- servers


def free_ports(n: int) -> list[int]:
    """n distinct free ports: all bound at once, so two calls in a row cannot get the same one
    (which once left csj's gunicorn unable to bind while the bare handler answered for it)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=log, start_new_session=True, cwd=ROOT
            )
        try:
            wait_healthy(self.base + "/healthz", self.process, timeout=30)
        except Exception:
            print(f"{self.name} did not start; last log lines:\n" + tail(self.log), file=sys.stderr)
            raise

    def stop(self) -> None:
        if self.process is None:
            return
        stop([self.process], timeout=10)
        try:  # gunicorn's workers are in its session; make sure none outlives the master
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def system_busy() -> float:
    """CPU-seconds the whole machine has spent busy (all CPUs), from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class ForeignCPU:
    """Share of the machine's CPU used by other programs than `pids` and this one."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def _ours(self) -> float:
        me = os.times()
        return sum(cpu_seconds(p) for p in self.pids) + me.user + me.system

    def __enter__(self) -> ForeignCPU:
        self.start = (system_busy(), self._ours(), time.monotonic())
        return self

    def __exit__(self, *exc: object) -> None:
        busy, ours, wall = system_busy(), self._ours(), time.monotonic()
        foreign = (busy - self.start[0]) - (ours - self.start[1])
        self.pct = max(0.0, foreign) / ((wall - self.start[2]) * (os.cpu_count() or 1)) * 100


def worker_pids(master: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def write_config(tmp: Path, redis_url: str, workers: int, worker_class: str = "gevent") -> Path:
    """config.example.toml with the bench's Redis; the safe-mode accounts are the ones pushed to."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^url = ""', f'url = "{redis_url}"', text, count=1)
    assert n == 1, "config.example.toml: [redis] url line not found"
    text = re.sub(r"(?m)^workers = \d+", f"workers = {workers}", text, count=1)
    text = re.sub(r'(?m)^worker_class = "\w+"', f'worker_class = "{worker_class}"', text, count=1)
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def servers(
    config: Config,
    tmp: Path,
    extra_env: list[str] = (),
    worker_class: str = "",
    bare_fair: bool = False,
) -> tuple[Server, Server]:
    """csj and the bare handler, with identical gunicorn settings (csj's production command)."""
    csj_port, bare_port = free_ports(2)
    csj_cmd = gunicorn_command(config, f"{HOST}:{csj_port}")
    bare_cmd = gunicorn_command(config, f"{HOST}:{bare_port}")
    if worker_class == "sync":  # not a production choice (csj's config refuses it): bench only
        for command in (csj_cmd, bare_cmd):  # gunicorn runs gthread if a sync worker has threads
            command[command.index("--worker-class") + 1] = "sync"
            command[command.index("--threads") + 1] = "1"
    app_at = bare_cmd.index("bot:create_app()")
    bare_cmd[app_at : app_at + 1] = ["--pythonpath", str(BENCH), "bare_app:app"]
    env = service_env(config, config.redis.url)
    env.update(item.split("=", 1) for item in extra_env)
    bare_env = dict(os.environ, BENCH_CONFIG=str(Path(config.source).resolve()))
    if bare_fair:
        bare_env["BENCH_BARE_FAIR"] = "1"
    return (
        Server("bare", bare_cmd, bare_env, tmp / "bare.log", bare_port),
        Server("csj", csj_cmd, env, tmp / "csj.log", csj_port),
    )


# ----------------------------------------------------------------------------- checks


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5)


def clear_messages(r) -> None:
    """Forget csj's dedupe and replay keys (csj:wx:*) between runs; keep the imported forecast."""
    batch = []
    for key in r.scan_iter("csj:wx:*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            r.unlink(*batch)
            batch.clear()
    if batch:
        r.unlink(*batch)


def processed(r) -> dict[str, int]:
    """Count csj's stored answers: distinct messages, answered, pending or apologised for."""
    counts = {"messages": 0, "answered": 0, "pending": 0, "apology": 0, "no_forecast": 0}
    keys = list(r.scan_iter(MSG_KEYS, count=5000))
    for i in range(0, len(keys), 2000):
        for value in r.mget(keys[i : i + 2000]):
            counts["messages"] += 1
            if not value:
                counts["pending"] += 1  # claimed, no reply stored: the answer never finished
            elif APOLOGY in value:
                counts["apology"] += 1  # the answer raised: csj said sorry
            else:
                counts["answered"] += 1
                counts["no_forecast"] += (
                    "还没有空气质量预报".encode() in value
                )  # the forecast went missing
    return counts


def smoke_check(
    server: Server, factory: PushFactory, accounts: dict[str, Account], n: int = 3
) -> str:
    """Send a few pushes with http.client; decrypt each reply and check it is a text reply."""
    import http.client

    from bot.wechat.xml import parse

    sample = ""
    for _ in range(n):
        path, body = factory.make()
        account = accounts[path.split("/")[2].split("?")[0]]
        conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
        conn.request("POST", path, body, {"Content-Type": "text/xml"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(
                f"{server.name}: smoke push answered {response.status}: {data[:200]!r}"
            )
        outer = parse(data)
        inner = parse(
            MessageCipher(account.encoding_aes_key, account.appid).decrypt(outer["Encrypt"])
        )
        if inner.get("MsgType") != "text" or not inner.get("Content"):
            raise SystemExit(f"{server.name}: smoke reply is not a text reply: {inner}")
        sample = inner["Content"]
    return sample


# ----------------------------------------------------------------------------- closed loop (wrk)


@dataclass
class WrkResult:
    server: str
    rps: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    requests: int
    sent: int
    non2xx: int
    socket_errors: int
    exhausted: int
    foreign_cpu_pct: float = 0.0
    cpu_us_per_req: dict[str, float] = field(default_factory=dict)
    processed: dict[str, int] = field(default_factory=dict)


def run_wrk(
    server: Server,
    factory: PushFactory,
    tmp: Path,
    args: argparse.Namespace,
    duration: float,
    per_thread: int,
    redis_pid: int = 0,
) -> WrkResult:
    pool = tmp / "pool"
    factory.write_pool(pool, args.threads, per_thread)
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH / "wrk_pushes.lua"),
        server.base,
        "--",
        str(pool),
    ]
    assert server.process is not None
    pids = {"workers": worker_pids(server.process.pid), "redis": [redis_pid] if redis_pid else []}
    before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
    wrk_before = os.times().children_user + os.times().children_system
    busy_before, wall_before = system_busy(), time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    busy, wall = system_busy() - busy_before, time.monotonic() - wall_before
    used = {k: sum(cpu_seconds(p) for p in v) - before[k] for k, v in pids.items()}
    used["wrk"] = os.times().children_user + os.times().children_system - wrk_before
    # CPU used by other programs on the machine during the run: a noisy neighbour skews the figures.
    foreign = max(0.0, busy - sum(used.values())) / (wall * (os.cpu_count() or 1)) * 100
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line[len("BENCH_JSON ") :])
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return WrkResult(
        server=server.name,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        p999_ms=data["p999_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        requests=data["requests"],
        sent=sum(data["sent"]),
        non2xx=data["status"],
        socket_errors=errors,
        exhausted=data["exhausted"],
        foreign_cpu_pct=round(foreign, 1),
        cpu_us_per_req={k: round(v / max(1, data["requests"]) * 1e6) for k, v in used.items()},
    )


def closed_loop(
    bare: Server,
    csj: Server,
    factory: PushFactory,
    r,
    tmp: Path,
    args: argparse.Namespace,
    redis_pid: int,
) -> list[WrkResult]:
    print(
        f"\n== closed loop: wrk -t{args.threads} -c{args.connections}, "
        f"{args.duration:g} s per run, "
        f"{args.rounds} round(s), warm-up {args.warmup:g} s each",
        flush=True,
    )
    warm = {}
    for server in (bare, csj):
        result = run_wrk(
            server, factory, tmp, args, args.warmup, per_thread=int(args.warmup * 4000)
        )
        warm[server.name] = result.rps
        print(f"  warm-up {server.name}: {result.rps:,.0f} req/s", flush=True)
    # More pushes than can possibly be sent: 3x the faster warm-up rate, at least 20,000 per run.
    per_thread = max(20_000, int(3 * max(warm.values()) * args.duration)) // args.threads + 1
    results = []
    for round_no in range(args.rounds):
        order = (bare, csj) if round_no % 2 == 0 else (csj, bare)
        for server in order:
            clear_messages(r)
            result = run_wrk(server, factory, tmp, args, args.duration, per_thread, redis_pid)
            if result.exhausted:
                print(
                    f"  !! {server.name}: the push pool ran out ({per_thread} per thread); "
                    "this run is invalid, rerun with a larger pool",
                    flush=True,
                )
            if server is csj:
                result.processed = processed(r)
            results.append(result)
            print(
                f"  round {round_no + 1} {server.name:4}: {result.rps:8,.0f} req/s"
                f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
                f"  max {result.max_ms:7.1f} ms  non-2xx {result.non2xx}"
                f"  socket errors {result.socket_errors}  completed {result.requests}"
                f"  sent {result.sent}"
                + (f"  processed {result.processed}" if result.processed else ""),
                flush=True,
            )
            print(
                f"      CPU per request (us): {result.cpu_us_per_req}; other programs used "
                f"{result.foreign_cpu_pct:.0f}% of the machine's CPU during the run"
                + ("  !! noisy machine: figures unreliable" if result.foreign_cpu_pct > 10 else ""),
                flush=True,
            )
    return results


def summarise_closed(
    results: list[WrkResult], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    summary = {}
    for name in ("bare", "csj"):
        runs = [x for x in results if x.server == name]
        summary[name] = {
            k: statistics.median(getattr(x, k) for x in runs)
            for k in ("rps", "p50_ms", "p99_ms", "p999_ms")
        }
        for part in ("workers", "redis", "wrk"):
            summary[name][f"cpu_{part}_us"] = statistics.median(
                x.cpu_us_per_req.get(part, 0) for x in runs
            )
    ratio = summary["csj"]["rps"] / summary["bare"]["rps"]
    print(
        f"\n  median of {args.rounds} run(s), {args.connections} connections, "
        f"{args.threads} wrk threads:"
    )
    print(
        f"  {'server':6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9}"
        "   CPU us/request: "
        "gunicorn workers, Redis, wrk"
    )
    for name, s in summary.items():
        print(
            f"  {name:6} {s['rps']:9,.0f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f}"
            f" {s['p999_ms']:9.2f}   "
            f"{s['cpu_workers_us']:.0f}, {s['cpu_redis_us']:.0f}, {s['cpu_wrk_us']:.0f}"
        )
    print(
        f"  csj/bare throughput ratio: {ratio:.2f}x"
        f"  (issue 13: >= 0.7x the bare handler's best: {'PASS' if ratio >= 0.7 else 'MISS'}"
        " against this worker class)"
    )
    workers = summary["csj"]["cpu_workers_us"] / summary["bare"]["cpu_workers_us"]
    print(
        f"  workers' CPU per push, csj/bare: {workers:.2f}x"
        f"  (issue 13: <= 1.6x: {'PASS' if workers <= 1.6 else 'MISS'})"
    )
    cost = {n: summary[n]["cpu_workers_us"] + summary[n]["cpu_redis_us"] for n in ("bare", "csj")}
    cost_ratio = cost["bare"] / cost["csj"] if cost["csj"] else float("nan")
    noisy = [x for x in results if x.foreign_cpu_pct > 10]
    print(
        f"  CPU per request (server + Redis): bare {cost['bare']:.0f} us,"
        f" csj {cost['csj']:.0f} us: throughput ratio expected from CPU cost"
        f" {cost_ratio:.2f}x (robust to other programs' load)"
    )
    if noisy:
        print(
            f"  !! {len(noisy)} of {len(results)} runs shared the machine with other programs"
            " (>10% CPU): "
            "prefer the CPU-cost ratio, or rerun on a quiet machine"
        )
    p99 = summary["csj"]["p99_ms"]
    print(f"  csj p99 {p99:.2f} ms  (target <= 25 ms: {'PASS' if p99 <= 25 else 'MISS'})")
    csj_runs = [x for x in results if x.server == "csj"]
    bad = [
        x
        for x in csj_runs
        if x.non2xx
        or x.socket_errors
        or x.exhausted
        or x.processed.get("answered") != x.processed.get("messages")
        or not (x.requests <= x.processed.get("messages", 0) <= x.sent)
    ]
    print(
        "  csj correctness: "
        + (
            "every run: 0 non-2xx, 0 socket errors, pool never ran out, completed <= "
            "distinct messages processed <= sent, every one answered (no apology, none pending)"
            if not bad
            else f"PROBLEMS in {len(bad)} run(s), see above"
        )
    )
    summary["ratio"] = {"rps": ratio, "cpu_cost": cost_ratio, "workers_cpu": workers}
    return summary


# ----------------------------------------------------------------------------- open loop (asyncio)


async def send_raw(raw: bytes, port: int, timeout: float) -> tuple[int, bytes]:
    """Send one request on a new connection (Connection: close); return (status, body)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.partition(b"\r\n\r\n")[2]


async def fire_at_rate(
    requests: list[bytes], rate: float, port: int, timeout: float = 10.0
) -> list[tuple]:
    """Send request i at start + i/rate whatever happened before; latency counts from that time."""
    loop = asyncio.get_running_loop()
    results: list[tuple] = [()] * len(requests)

    async def one(i: int, scheduled: float) -> None:
        try:
            status, body = await send_raw(requests[i], port, timeout)
            results[i] = (status, loop.time() - scheduled, body)
        except Exception as exc:  # connection refused, timeout: counted as errors
            results[i] = ("error:" + type(exc).__name__, loop.time() - scheduled, b"")

    start = loop.time() + 0.2
    tasks = []
    for i in range(len(requests)):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    return results


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def latency_row(results: list[tuple]) -> dict[str, float]:
    ms = [r[1] * 1000 for r in results]
    ok = [r for r in results if r[0] == 200 and b"<Encrypt>" in r[2]]
    return {
        "n": len(results),
        "ok": len(ok),
        "errors": len(results) - len(ok),
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
        "p999": percentile(ms, 99.9),
        "max": max(ms),
    }


def open_loop(
    bare: Server, csj: Server, factory: PushFactory, r, args: argparse.Namespace, redis_pid: int
) -> list[dict]:
    print(
        f"\n== open loop: {args.open_duration:g} s per rate, new connection per push, "
        "latency from each push's scheduled send time",
        flush=True,
    )
    rows = []
    for rate in args.rates:
        for server in (bare, csj):
            clear_messages(r)
            requests = [factory.raw() for _ in range(int(rate * args.open_duration))]
            assert server.process is not None
            with ForeignCPU(worker_pids(server.process.pid) + [redis_pid]) as noise:
                results = asyncio.run(fire_at_rate(requests, rate, server.port))
            row = {
                "server": server.name,
                "rate": rate,
                **latency_row(results),
                "foreign_cpu_pct": round(noise.pct, 1),
            }
            if server is csj:
                row["processed"] = processed(r)["messages"]
            rows.append(row)
            statuses = sorted({str(x[0]) for x in results})
            print(
                f"  {rate:4g}/s {server.name:4}: n {row['n']}  ok {row['ok']}"
                f"  errors {row['errors']}"
                f"  p50 {row['p50']:6.2f} ms  p99 {row['p99']:6.2f} ms  p99.9 {row['p999']:6.2f} ms"
                f"  max {row['max']:6.1f} ms  statuses {','.join(statuses)}"
                + (
                    f"  processed {row['processed']} (sent {row['n']})"
                    if "processed" in row
                    else ""
                )
                + f"  [other programs: {row['foreign_cpu_pct']:.0f}% CPU]",
                flush=True,
            )
    at100 = [x for x in rows if x["server"] == "csj" and x["rate"] == 100]
    if at100:
        p99 = at100[0]["p99"]
        print(
            f"  csj p99 at 100/s: {p99:.2f} ms (target < 50 ms: {'PASS' if p99 < 50 else 'MISS'})"
        )
    return rows


# ------------------------------------------------------------------ slow clients, Redis down


async def slow_clients(
    csj: Server, factory: PushFactory, clients: int, pushes: int, rate: float
) -> dict:
    """Hold `clients` connections trickling a valid push's body, while valid pushes are timed."""
    stop_event = asyncio.Event()
    state = {"open": 0, "bytes": 0, "closed_early": 0}

    async def trickle(raw: bytes) -> None:
        head, _, body = raw.partition(b"\r\n\r\n")
        reader, writer = await asyncio.open_connection(HOST, csj.port)
        state["open"] += 1
        try:
            writer.write(head + b"\r\n\r\n")
            for byte in body[:-1]:  # never the last byte: the request stays incomplete
                if stop_event.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                state["bytes"] += 1
                await asyncio.sleep(0.5)
        except (ConnectionError, OSError):
            state["closed_early"] += 1
        finally:
            writer.close()

    tricklers = [asyncio.create_task(trickle(factory.raw())) for _ in range(clients)]
    await asyncio.sleep(2.0)  # let every slow client connect and start trickling
    still_open = state["open"] - state["closed_early"]
    results = await fire_at_rate([factory.raw() for _ in range(pushes)], rate, csj.port)
    stop_event.set()
    await asyncio.gather(*tricklers, return_exceptions=True)
    return {
        "slow_open": still_open,
        **latency_row(results),
        "statuses": sorted({str(x[0]) for x in results}),
    }


def slow_section(csj: Server, factory: PushFactory, args: argparse.Namespace) -> dict:
    print(
        f"\n== slow clients: {args.slow_clients} connections sending a body 1 byte / 0.5 s to csj, "
        f"then {args.slow_pushes} valid pushes at {args.slow_rate:g}/s",
        flush=True,
    )
    row = asyncio.run(
        slow_clients(csj, factory, args.slow_clients, args.slow_pushes, args.slow_rate)
    )
    print(
        f"  slow connections open: {row['slow_open']}  valid pushes: n {row['n']} ok {row['ok']}"
        f"  p50 {row['p50']:.2f} ms  p99 {row['p99']:.2f} ms  max {row['max']:.1f} ms"
        "  (S8 target p99 < 1 s: "
        f"{'PASS' if row['p99'] < 1000 and row['errors'] == 0 else 'MISS'})",
        flush=True,
    )
    return row


async def sequential(raws: list[bytes], port: int) -> list[tuple]:
    loop = asyncio.get_running_loop()
    out = []
    for raw in raws:
        started = loop.time()
        try:
            status, body = await send_raw(raw, port, 10.0)
        except Exception as exc:
            status, body = "error:" + type(exc).__name__, b""
        out.append((status, loop.time() - started, body))
    return out


def redis_section(
    csj: Server, factory: PushFactory, redis_server: EmbeddedRedis, args: argparse.Namespace
) -> dict:
    print(
        f"\n== Redis down: {args.redis_pushes} valid pushes to csj, one after another", flush=True
    )
    rows = {}
    process = redis_server.process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)  # hung Redis: connections accepted, no answer
    try:
        rows["frozen (SIGSTOP)"] = asyncio.run(
            sequential([factory.raw() for _ in range(args.redis_pushes)], csj.port)
        )
    finally:
        os.kill(process.pid, signal.SIGCONT)
    redis_server.stop()  # gone: the socket is removed
    rows["stopped"] = asyncio.run(
        sequential([factory.raw() for _ in range(args.redis_pushes)], csj.port)
    )
    summary = {}
    for name, results in rows.items():
        statuses: dict[str, int] = {}
        for x in results:
            statuses[str(x[0])] = statuses.get(str(x[0]), 0) + 1
        worst = max(x[1] for x in results) * 1000
        median = statistics.median(x[1] for x in results) * 1000
        summary[name] = {"statuses": statuses, "max_ms": worst, "median_ms": median}
        ok = set(statuses) == {"503"} and worst < 1000
        print(
            f"  Redis {name:16}: statuses {statuses}  median {median:.1f} ms  max {worst:.1f} ms"
            f"  (target 503 within 1 s: {'PASS' if ok else 'MISS'})",
            flush=True,
        )
    return summary


# ----------------------------------------------------------------------------- main


def stages_section(args: argparse.Namespace, tmp: Path, closed: dict | None) -> dict:
    """bench/stages.py in the workers' mode; with the closed loop's CPU, gunicorn's share too."""
    import stages

    mode = "gevent" if args.worker_class == "gevent" else "sync"
    out = tmp / "stages.json"
    command = [sys.executable, str(BENCH / "stages.py"), "--mode", mode, "--json", str(out)]
    subprocess.run([*command, "--questions", args.questions], check=True, capture_output=True)
    figures = json.loads(out.read_text())
    workers = None
    if closed:
        workers = {n: closed["median"][n]["cpu_workers_us"] for n in ("bare", "csj")}
    print(f"\n== stages ({args.worker_class} workers)")
    stages.report(figures, workers)
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    p.add_argument(
        "--only",
        default="closed,stages,open,slow,redis",
        help="comma-separated sections: closed, open, slow, redis, stages (default: all)",
    )
    p.add_argument("--open-loop", action="store_true", help="shorthand for --only open")
    p.add_argument(
        "--duration", type=int, default=10, help="seconds per closed-loop run (default 10)"
    )
    p.add_argument(
        "--warmup", type=int, default=3, help="seconds of warm-up per server (default 3)"
    )
    p.add_argument(
        "--rounds", type=int, default=3, help="alternating bare/csj rounds; the median is reported"
    )
    p.add_argument(
        "--questions",
        default="mix",
        choices=sorted(MIXES),
        help="what the pushes ask: the follower mix of issue 11 (default), the forecast"
        " question alone (the figures before issue 11), or ~7,500 distinct questions asked in"
        " turn (varied: no text is read twice by a worker's memo, the answer's worst case)",
    )
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers for both servers (default 2)"
    )
    p.add_argument(
        "--worker-class",
        default="gevent",
        choices=("gevent", "gthread", "sync"),
        help="gunicorn worker class for both servers (default gevent, as in production;"
        " sync is for comparison only)",
    )
    p.add_argument("--rates", default="20,100,300", help="open-loop pushes/s (default 20,100,300)")
    p.add_argument(
        "--open-duration", type=float, default=30, help="seconds per open-loop rate (default 30)"
    )
    p.add_argument("--slow-clients", type=int, default=32)
    p.add_argument("--slow-pushes", type=int, default=50)
    p.add_argument(
        "--slow-rate", type=float, default=5.0, help="valid pushes/s during the slow-client run"
    )
    p.add_argument("--redis-pushes", type=int, default=20)
    p.add_argument(
        "--csj-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for csj's gunicorn, for what-if runs"
        " (e.g. CSJ_LOGGING__LEVEL=WARNING)",
    )
    p.add_argument(
        "--bare-fair",
        action="store_true",
        help="what-if: the bare handler yields once per push under gevent, as csj does, so one"
        " keep-alive connection cannot hold a worker (its p99 shows the difference)",
    )
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    args = p.parse_args(argv)
    args.sections = (
        {"open"} if args.open_loop else {s.strip() for s in args.only.split(",") if s.strip()}
    )
    unknown = args.sections - {"closed", "open", "slow", "redis", "stages"}
    if unknown:
        p.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    args.rates = [float(x) for x in args.rates.split(",")]
    if any(rate <= 0 for rate in args.rates) or args.open_duration <= 0:
        p.error("--rates and --open-duration must be positive")
    return args


def import_demo_forecast(r) -> None:
    """Import the sample forecast, moved to start today, so the question gets a real answer."""
    from datetime import datetime

    from bot import ZONE
    from bot.forecast.demo import shift_to
    from bot.forecast.service import import_forecast

    now = datetime.now(ZONE)
    issue = import_forecast(r, shift_to(FORECAST_SAMPLE.read_bytes(), now.date()), now).issue
    print(f"  forecast imported: {issue.id}, {issue.days[0]} to {issue.days[-1]}", flush=True)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "closed" in args.sections and shutil.which("wrk") is None:
        print(
            "bench: wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk "
            "(or run the other sections: --only open,slow,redis)",
            file=sys.stderr,
        )
        return 2
    print(f"bench/webhook.py on {machine()}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="csj-bench-"))
    redis_server = EmbeddedRedis(tmp / "redis")
    started: list[Server] = []
    figures: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    try:
        redis_server.start()
        configured = "gthread" if args.worker_class == "sync" else args.worker_class
        path = write_config(tmp, redis_server.url, args.workers, configured)
        config = load_config(path, environ={})
        safe = [a for a in config.accounts.values() if a.require_encryption and a.encoding_aes_key]
        factory = PushFactory(safe, MIXES[args.questions])
        bare, csj = servers(config, tmp, args.csj_env, args.worker_class, args.bare_fair)
        print(f"  gunicorn (both): {' '.join(csj.command[csj.command.index('--bind') + 2 :])}")
        if args.bare_fair:
            print("  bare handler: yields once per push (--bare-fair)")
        if args.csj_env:
            print(f"  csj extra environment: {' '.join(args.csj_env)}")
        print(
            f"  accounts pushed to: {', '.join(a.id for a in safe)} (safe mode); "
            f"questions ({args.questions}): {_questions_shown(factory.questions)}"
        )
        for server in (bare, csj):
            server.start()
            started.append(server)
        r = redis_client(redis_server.url)
        import_demo_forecast(r)
        for server in (bare, csj):
            reply = smoke_check(server, factory, config.accounts)
            print(
                f"  {server.name} {server.base}: 200, encrypted text reply {reply[:60]!r}",
                flush=True,
            )
            figures[f"{server.name}_reply"] = reply
        if "closed" in args.sections:
            results = closed_loop(bare, csj, factory, r, tmp, args, redis_server.process.pid)
            figures["closed"] = {
                "runs": [x.__dict__ for x in results],
                "median": summarise_closed(results, args),
            }
        if "stages" in args.sections:
            figures["stages"] = stages_section(args, tmp, figures.get("closed"))
        if "open" in args.sections:
            figures["open"] = open_loop(bare, csj, factory, r, args, redis_server.process.pid)
        if "slow" in args.sections:
            figures["slow"] = slow_section(csj, factory, args)
        if "redis" in args.sections:
            figures["redis_down"] = redis_section(csj, factory, redis_server, args)
        if args.json:
            Path(args.json).write_text(
                json.dumps(figures, indent=2, ensure_ascii=False, default=str)
            )
        return 0
    finally:
        for server in reversed(started):
            server.stop()
        if redis_server.process and redis_server.process.poll() is None:
            os.kill(redis_server.process.pid, signal.SIGCONT)
        redis_server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
