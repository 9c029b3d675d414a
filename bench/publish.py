"""Publishing benchmark: csj's scheduler and workers against the sandbox, 100 ms per API call.

Two measurements (issue 8):
  due    articles for four accounts falling due at a steady rate (default 2 per second for
         100 s), drafts prepared ahead: the latency from an article's publish time to its
         freepublish/submit, p50 / p99 (target p99 < 1 s with one worker);
  drain  N articles x 4 accounts all due at once: the time until every one is submitted, with
         1, 2 and 4 workers (target: near-linear), and each worker's CPU and peak memory.

Everything runs as real processes from this checkout (`csj sandbox`, `csj scheduler`,
`csj worker`) on an embedded Redis of its own; nothing reaches another Redis or port.
Run: .venv/bin/python bench/publish.py [--quick]
"""

# ruff: noqa: T201  (a benchmark reports on stdout)
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis as redis_lib  # noqa: E402
from PIL import Image  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.embedded_redis import EmbeddedRedis  # noqa: E402
from syndication import articles, records, review  # noqa: E402
from syndication import publications as pubs  # noqa: E402
from syndication.services import start_csj, stop, wait_healthy  # noqa: E402
from syndication.sources import ArticleInput  # noqa: E402

ACCOUNTS = ("sh", "js", "zj", "ah")
API_DELAY = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(tmp: Path, redis_url: str, sandbox: str, web: str) -> Path:
    """The example config aimed at this run's Redis, sandbox and webhook; quick ticks."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for old, new in (
        ('url = ""', f'url = "{redis_url}"'),
        ("http://127.0.0.1:8090/cgi-bin/", f"http://{sandbox}/cgi-bin/"),
        ('bind = "127.0.0.1:8090"', f'bind = "{sandbox}"'),
        ('bind = "127.0.0.1:8080"', f'bind = "{web}"'),
        ("http://127.0.0.1:8080/wechat/{account}", f"http://{web}/wechat/{{account}}"),
        ('level = "INFO"', 'level = "WARNING"'),
        ("tick = 0.25", "tick = 0.1"),
    ):
        text = text.replace(old, new, 1)
    path = tmp / "bench.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cover(i: int) -> bytes:
    """A distinct cover per article, so every article uploads its own."""
    out = io.BytesIO()
    Image.new("RGB", (900, 383), (i * 37 % 256, i * 91 % 256, 120)).save(out, "JPEG")
    return out.getvalue()


def queue(r, config, count: int, first_due: float, interval: float) -> None:
    """Create `count` articles for the four accounts, due `interval` s apart."""
    for i in range(count):
        data = ArticleInput(
            title=f"基准文章{i:04d}",
            author="基准",
            digest="基准测试",
            body=f"第 {i} 篇正文。",
            body_format="markdown",
            source_url="",
            accounts=ACCOUNTS,
            publish_at=first_due + i * interval,
            cover=cover(i),
            cover_name="c.jpg",
            images={},
        )
        review.create(r, config, data, "bench", time.time())


@dataclass
class Cluster:
    """Sandbox, scheduler and workers of one run, with their Redis."""

    config_path: Path
    url: str
    processes: list
    workers: list

    def stop(self) -> None:
        stop(self.processes + self.workers)


def start_cluster(tmp: Path, url: str, workers: int, sandboxes: int = 1) -> Cluster:
    """The production topology: the sandbox pushes PUBLISHJOBFINISH to the webhook.

    With several sandboxes (one state, in Redis), worker i talks to sandbox i mod N: the
    stand-in for WeChat is one Python process per sandbox and must not be what is measured.
    """
    boxes = [f"127.0.0.1:{free_port()}" for _ in range(sandboxes)]
    web = f"127.0.0.1:{free_port()}"
    path = write_config(tmp, url, boxes[0], web)
    config = load_config(path, environ={})
    box_procs = [start_csj(config, url, "sandbox", "--bind", b) for b in boxes]
    hook = start_csj(config, url, "web", "--bind", web)
    for bind, proc in zip(boxes, box_procs, strict=True):
        wait_healthy(f"http://{bind}/_sandbox/healthz", proc)
    wait_healthy(f"http://{web}/healthz", hook)
    add_delay(boxes[0])  # faults and quotas live in the shared state
    scheduler = start_csj(config, url, "scheduler")
    procs = [
        start_csj(
            config, url, "worker", "--threads", "4", api=f"http://{boxes[i % sandboxes]}/cgi-bin/"
        )
        for i in range(workers)
    ]
    return Cluster(path, url, [*box_procs, scheduler, hook], procs)


def add_delay(sandbox: str) -> None:
    """Every API call waits API_DELAY seconds in the sandbox before it is served; and the
    benchmark's 200 articles a day fit WeChat's daily quotas (freepublish/submit: 100 a day)."""
    import requests

    body = {"kind": "delay", "seconds": API_DELAY, "count": 10_000}
    requests.post(f"http://{sandbox}/_sandbox/faults", json=body, timeout=5).raise_for_status()
    for account in ACCOUNTS:
        for path in ("/cgi-bin/freepublish/submit", "/cgi-bin/freepublish/get"):
            limit = {"cgi_path": path, "daily_limit": 10_000}
            url = f"http://{sandbox}/_sandbox/{account}/quotas"
            requests.post(url, json=limit, timeout=5).raise_for_status()


def wait_submitted(r, ids: list[str], timeout: float) -> float:
    """Wait until every publication is submitted (or further); return when that happened."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        waiting = [
            1
            for a in ids
            for p in pubs.load_all(r, a, ACCOUNTS).values()
            if p.state in (pubs.QUEUED, pubs.PREPARING, pubs.DRAFTED)
        ]
        if not waiting and all(len(pubs.load_all(r, a, ACCOUNTS)) == 4 for a in ids):
            return time.time()
        time.sleep(0.2)
    raise SystemExit(f"not all submitted within {timeout:.0f} s")


def wait_drafted(r, ids: list[str], timeout: float) -> int:
    """Wait until every publication has its draft; return how many were drafted after their
    publish time (those measure preparation, not the submit path)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [p for a in ids for p in pubs.load_all(r, a, ACCOUNTS).values()]
        if len(found) == len(ids) * 4 and all(p.draft_media_id for p in found):
            due = {a: articles.load(r, a).publish_at for a in ids}
            return sum(1 for p in found if p.draft_intent_at > due[p.article])
        time.sleep(0.5)
    raise SystemExit(f"drafts not prepared within {timeout:.0f} s")


def submit_latencies(r, ids: list[str]) -> tuple[list[float], list[float]]:
    """Seconds from publish time to the submit being sent, and to WeChat's answer to it."""
    answered = {
        (e.article, e.account): e.at
        for e in records.log_entries(r, limit=1_000_000)
        if e.step == "freepublish/submit" and e.ok
    }
    sent, done = [], []
    for article_id in ids:
        article = articles.load(r, article_id)
        due = article.publish_at or article.created_at
        for account, p in pubs.load_all(r, article_id, ACCOUNTS).items():
            sent.append(p.submit_intent_at - due)
            done.append(answered[(article_id, account)] - due)
    return sent, done


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of a live process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    return cpu, peak / 1024


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_due(tmp: Path, rate: float, seconds: float) -> dict:
    """Articles falling due at `rate` per second for `seconds`, one worker."""
    with EmbeddedRedis(tmp / "redis-due") as server:
        cluster = start_cluster(tmp, server.url, workers=1)
        try:
            r = redis_lib.Redis.from_url(server.url)
            config = load_config(cluster.config_path, environ={})
            count = int(rate * seconds)
            # Articles are queued well ahead in practice: give the drafts time to be prepared
            # (about 0.35 s of one worker's four threads per publication at 100 ms a call).
            lead = 15 + count * 4 * 0.35 / 4 * 1.5
            queue(r, config, count, time.time() + lead, 1 / rate)
            ids = articles.list_ids(r, limit=count)
            late = wait_drafted(r, ids, timeout=lead + 60)
            wait_submitted(r, ids, timeout=lead + seconds + 120)
            sent, done = submit_latencies(r, ids)
        finally:
            cluster.stop()
    row = {"articles": count, "submits": len(sent), "prepared_late": late}
    for name, values in (("sent", sent), ("answered", done)):
        row |= {
            f"{name}_p50_ms": round(pct(values, 50) * 1000, 1),
            f"{name}_p99_ms": round(pct(values, 99) * 1000, 1),
            f"{name}_max_ms": round(max(values) * 1000, 1),
        }
    return row


def run_drain(tmp: Path, count: int, workers: int, sandboxes: int = 1) -> dict:
    """`count` articles x 4 accounts due at once; time to submit them all."""
    with EmbeddedRedis(tmp / f"redis-drain-{workers}-{sandboxes}") as server:
        cluster = start_cluster(tmp, server.url, workers=workers, sandboxes=sandboxes)
        try:
            r = redis_lib.Redis.from_url(server.url)
            config = load_config(cluster.config_path, environ={})
            started, busy = time.time(), machine_busy()
            queue(r, config, count, started, 0.0)
            queued = time.time()
            done = wait_submitted(r, articles.list_ids(r, limit=count), timeout=900)
            stats = [proc_stats(p.pid) for p in cluster.workers]
            cores_busy = (machine_busy() - busy) / (done - started)
            sandbox_cpu = sum(proc_stats(p.pid)[0] for p in cluster.processes[:sandboxes])
            scheduler_cpu, _ = proc_stats(cluster.processes[sandboxes].pid)
            redis_cpu, _ = proc_stats(server.process.pid)
        finally:
            cluster.stop()
    return {
        "workers": workers,
        "sandboxes": sandboxes,
        "publications": count * 4,
        "queue_s": queued - started,
        "drain_s": done - started,
        "per_s": count * 4 / (done - started),
        "worker_cpu_s": [round(c, 1) for c, _ in stats],
        "worker_peak_rss_mb": [round(m, 1) for _, m in stats],
        "sandbox_cpu_s": round(sandbox_cpu, 1),
        "scheduler_cpu_s": round(scheduler_cpu, 1),
        "redis_cpu_s": round(redis_cpu, 1),
        "cores_busy": round(cores_busy, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=100.0)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    parser.add_argument("--only", choices=["due", "drain"], help="run one measurement")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sandboxes", type=int, default=1, help="sandbox processes (drain)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.articles = 10.0, 20
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores; "
        f"API delay {API_DELAY * 1000:.0f} ms"
    )
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="csj-bench-") as folder:
        tmp = Path(folder)
        if args.only != "drain":
            results["due"] = run_due(tmp, args.rate, args.seconds)
            print("due->submit:", json.dumps(results["due"]))
        if args.only == "due":
            return 0
        results["drain"] = [
            run_drain(tmp, args.articles, w, min(args.sandboxes, w)) for w in args.workers
        ]
        for row in results["drain"]:
            print("drain:", json.dumps(row))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
