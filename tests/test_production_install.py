"""csj as a server gets it: the wheel built from this tree, installed without the dev extras
into a fresh virtualenv, and every long-running `csj` command started from it.

Each command runs against the test Redis on addresses of its own, answers its health check and
one real request, and stops cleanly on SIGTERM. A dependency that only the dev extras bring in
(gunicorn's gevent worker needs `packaging`, which gunicorn does not declare: issue 7) fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_lib
import requests

from bot.config import Account, Config, load_config
from bot.store import SynKeys
from bot.wechat.crypto import MessageCipher
from bot.wechat.xml import parse
from syndication import tasks
from syndication.sandbox.pushes import sign_push, text_xml
from tests.conftest import DEMO_PORTS, EXAMPLE_CONFIG, ROOT

OPENID = "oFollower0000000000000000001"
START_TIMEOUT = 60.0  # seconds for a command to become ready
STOP_TIMEOUT = 30.0  # seconds for a command to stop on SIGTERM (gunicorn's graceful_timeout is 10)


def _http(method: str, url: str, **options) -> requests.Response:
    """One request on a connection of its own: a kept-alive one would hold up gunicorn's stop."""
    with requests.Session() as session:
        session.trust_env = False  # never through a proxy from the environment: local addresses
        return session.request(method, url, **options)


# -- the production install ----------------------------------------------------------------------


@dataclass(frozen=True)
class Install:
    """A virtualenv holding csj's wheel and its declared dependencies, nothing else."""

    venv: Path

    @property
    def csj(self) -> Path:
        return self.venv / "bin" / "csj"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self, redis_url: str = "") -> dict[str, str]:
        """The environment of a deployed server: no CSJ_* or PYTHON* of the developer's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CSJ_", "PYTHON"))}
        env.pop("VIRTUAL_ENV", None)
        env.update(PYTHONUNBUFFERED="1", PATH=f"{self.venv / 'bin'}{os.pathsep}{env['PATH']}")
        if redis_url:
            env["CSJ_REDIS__URL"] = redis_url  # as production sets secrets and addresses
        return env


def _not_in_a_clone(directory: str, names: list[str]) -> set[str]:
    """What a fresh clone has not got (see .gitignore): virtualenvs, caches, builds, local data."""
    top = Path(directory) == ROOT
    skip = {".git", ".venv", "var", "build", "dist", "config.toml", ".pytest_cache", ".ruff_cache"}
    return {
        name
        for name in names
        if (top and name in skip)
        or name == "__pycache__"
        or name.endswith(".egg-info")
        or Path(directory, name, "pyvenv.cfg").exists()
    }


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd="/", env=env)
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def prod(tmp_path_factory) -> Install:
    """Build the wheel from a copy of this tree (no build/ lands here), install it, once."""
    base = tmp_path_factory.mktemp("prod")
    source, dist, venv = base / "src", base / "dist", base / "venv"
    shutil.copytree(ROOT, source, ignore=_not_in_a_clone)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)], "building the wheel")
    (wheel,) = dist.glob("csj-*.whl")
    # No pip of its own: only what the wheel declares (and what that declares) is in it. This
    # checkout's pip installs into it, as the Makefile does where python3-venv is missing.
    # --no-compile: compiling every dependency takes seconds; the commands compile what they use.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], "creating the virtualenv")
    target = ["--python", str(venv / "bin" / "python")]
    _run([*pip, *target, "install", "--no-compile", str(wheel)], "installing the wheel")
    return Install(venv)


# -- the long-running commands --------------------------------------------------------------------


@dataclass
class Running:
    """One csj command started from the production install."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    config: Config
    binds: dict[str, str]
    redis: redis_lib.Redis  # the test session's Redis, which the command uses too

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:]


@dataclass(frozen=True)
class Probe:
    """Something that holds once a command is ready (or has done what it was asked)."""

    what: str
    holds: Callable[[Running], bool]

    def __str__(self) -> str:
        return self.what


def _until(run: Running, probes: tuple[Probe, ...], timeout: float = START_TIMEOUT) -> None:
    """Poll until every probe holds; fail with the command's output if it exits or time is up."""
    deadline = time.monotonic() + timeout
    waiting = list(probes)
    while waiting:
        if run.process.poll() is not None:
            pytest.fail(
                f"csj {run.name} exited with code {run.process.returncode} while waiting for "
                f"{waiting[0]}:\n{run.output()}"
            )
        waiting = [probe for probe in waiting if not probe.holds(run)]
        if waiting and time.monotonic() > deadline:
            pytest.fail(f"csj {run.name}: no {waiting[0]} in {timeout:.0f} s:\n{run.output()}")
        if waiting:
            time.sleep(0.1)


def health(template: str) -> Probe:
    """This URL ({web}, {admin}, {sandbox}: the config's binds) answers 200."""

    def holds(run: Running) -> bool:
        try:
            return _http("get", template.format(**run.binds), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    return Probe(f"{template} answering 200", holds)


def says(text: str) -> Probe:
    """The command printed this (what it prints once it is ready)."""
    return Probe(
        f"{text!r} in its output", lambda run: text in run.log.read_text("utf-8", "replace")
    )


def _ours(run: Running, name: bytes | str | None) -> bool:
    """A worker's consumer name or a scheduler's lease holder names it: hostname:pid[:random]."""
    if isinstance(name, bytes):
        name = name.decode()
    return (name or "").split(":")[:2] == [socket.gethostname(), str(run.process.pid)]


def reads_tasks() -> Probe:
    """The worker's loop runs: it has made the publish-task stream's consumer group."""

    def holds(run: Running) -> bool:
        try:
            groups = run.redis.xinfo_groups(SynKeys.TASKS)
        except redis_lib.ResponseError:  # no stream yet
            return False
        return any(
            group["name"] in (SynKeys.TASKS_GROUP, SynKeys.TASKS_GROUP.encode()) for group in groups
        )

    return Probe("the publish-task consumer group", holds)


def leads() -> Probe:
    """The scheduler holds the leader lease (it is the only one)."""
    return Probe("the leader lease held", lambda run: _ours(run, run.redis.get(SynKeys.LEADER)))


# -- one real exchange with each ---------------------------------------------------------------


def _reply_text(account: Account, response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    outer = parse(response.content)
    cipher = MessageCipher(account.encoding_aes_key, account.appid)
    return parse(cipher.decrypt(outer["Encrypt"]))["Content"]


def _push(run: Running, account_id: str, text: str) -> str:
    """Send a follower's message as WeChat does (signed, encrypted); return the answer's text."""
    account = run.config.accounts[account_id]
    push = sign_push(account, text_xml(account, OPENID, text))
    response = _http(
        "post",
        f"http://{run.binds['web']}/wechat/{account_id}",
        params=push.query,
        data=push.body,
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    return _reply_text(account, response)


def answers_a_signed_push(run: Running) -> None:
    assert run.config.accounts["sh"].require_encryption  # safe mode, as production should be
    assert "上海市生态环境局" in _push(run, "sh", "帮助")


def answers_from_the_demo_forecast(run: Running) -> None:
    answer = _push(run, "sh", "明天南京空气怎么样")  # the demo forecast: data from the wheel
    assert "【南京】" in answer and "AQI" in answer, answer


def gives_a_token(run: Running) -> None:
    account = run.config.accounts["sh"]
    body = {"grant_type": "client_credential", "appid": account.appid, "secret": account.secret}
    url = f"http://{run.binds['sandbox']}/cgi-bin/stable_token"
    answer = _http("post", url, json=body, timeout=5)
    assert answer.json().get("access_token"), answer.text


def takes_a_task(run: Running) -> None:
    """A task for an article that does not exist is taken, found to be nothing, acknowledged."""
    tasks.enqueue(run.redis, "A0", "sh")
    _until(run, (Probe("the task acknowledged", lambda r: r.redis.xlen(SynKeys.TASKS) == 0),))


def wakes_a_due_publication(run: Running) -> None:
    """The leader's `wake` job turns a due (article, account) into a publish task."""
    run.redis.zadd(SynKeys.WAKE, {"A0:sh": 0})
    _until(run, (Probe("a task from the wake job", lambda r: r.redis.xlen(SynKeys.TASKS) > 0),))


def signs_in(run: Running) -> None:
    """Someone added with the installed `csj user add --password-stdin` signs in to the admin."""
    csj, _, config = run.process.args[:3]
    url = "unix://" + run.redis.connection_pool.connection_kwargs["path"]
    add = [csj, "--config", config, "user", "add", "checker", "--role", "admin", "--password-stdin"]
    env = Install(Path(csj).parent.parent).env(url)
    added = subprocess.run(add, input="a-long-password-1", env=env, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    base = f"http://{run.binds['admin']}"
    with requests.Session() as browser:
        browser.trust_env = False
        page = browser.get(f"{base}/login", timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"name": "checker", "password": "a-long-password-1", "csrf_token": token}
        browser.post(f"{base}/login?next=/users", data=form, timeout=5)
        people = browser.get(f"{base}/users", timeout=5, allow_redirects=False)
    assert people.status_code == 200 and "checker" in people.text, people.text


# -- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A csj command that runs until stopped: how to start it, when it is ready, one real check."""

    argv: tuple[str, ...]  # after `csj --config FILE`; {web}, {admin}, {sandbox}: the binds
    ready: tuple[Probe, ...]  # polled until all hold
    check: Callable[[Running], None]  # then one real exchange with it

    @property
    def name(self) -> str:
        return self.argv[0]


SERVICES = (
    Service(("web", "--bind", "{web}"), (health("http://{web}/healthz"),), answers_a_signed_push),
    Service(
        ("sandbox", "--bind", "{sandbox}"),
        (health("http://{sandbox}/_sandbox/healthz"),),
        gives_a_token,
    ),
    Service(
        ("run",), (health("http://{web}/healthz"), says("Ready.")), answers_from_the_demo_forecast
    ),
    Service(("worker",), (reads_tasks(),), takes_a_task),
    Service(("scheduler",), (leads(),), wakes_a_due_publication),
    Service(("admin", "--bind", "{admin}", "--demo"), (health("http://{admin}/login"),), signs_in),
    # Add any other command that runs until stopped here: test_every_long_running_command_is_
    # started_here fails until it has a row.
)
#: Commands that do one thing and exit (DESIGN.md's list): not started here.
ONE_SHOT = {
    "accounts",
    "chat",
    "config",
    "counts",
    "events",
    "forecast",
    "log",
    "menu",
    "post",
    "reads",
    "user",
}


def _free_ports(count: int) -> list[int]:
    sockets = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _own_addresses(text: str) -> str:
    """Move each of the example's 127.0.0.1 ports to a free one (the same one where it repeats:
    the webhook's bind and the sandbox's push_url, the sandbox's bind and the API base)."""
    pattern = r"127\.0\.0\.1:(\d+)"
    ports = sorted(set(re.findall(pattern, text)))
    free = dict(zip(ports, map(str, _free_ports(len(ports))), strict=True))
    text = re.sub(pattern, lambda m: f"127.0.0.1:{free[m.group(1)]}", text)
    assert not any(f":{port}" in text for port in DEMO_PORTS), text
    return text


def _start(
    service: Service, prod: Install, directory: Path, redis_url: str, redis: redis_lib.Redis
) -> Running:
    path = directory / "config.toml"
    path.write_text(_own_addresses(EXAMPLE_CONFIG.read_text("utf-8")), "utf-8")
    config = load_config(path, environ={})
    binds = {"web": config.web.bind, "admin": config.admin.bind, "sandbox": config.sandbox.bind}
    argv = [part.format(**binds) for part in service.argv]
    log = directory / f"{service.name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(prod.csj), "--config", str(path), *argv],
            cwd=directory,  # not this checkout: `python -m gunicorn` would import bot from it
            env=prod.env(redis_url),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Running(service.name, process, log, config, binds, redis)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children[todo.pop()]
        found += below
        todo += below
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _stop(run: Running) -> list[int]:
    """SIGTERM csj (it stops what it started); SIGKILL it and whatever it left. Returns that."""
    tree = _descendants(run.process.pid)  # gunicorn, the sandbox: csj starts them in sessions
    if run.process.poll() is None:
        run.process.send_signal(signal.SIGTERM)
    try:
        run.process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        run.process.kill()
        run.process.wait()
    left = [pid for pid in tree if _alive(pid)]
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_command_serves_from_the_wheel(service, prod, tmp_path, redis_server, redis):
    run = _start(service, prod, tmp_path, redis_server.url, redis)
    try:
        _until(run, service.ready)
        service.check(run)
    finally:
        left = _stop(run)
    assert run.process.returncode == 0, f"csj {run.name} on SIGTERM:\n{run.output()}"
    assert not left, f"csj {run.name} stopped but left {left} running:\n{run.output()}"


def _commands(help_text: str) -> set[str]:
    listing = help_text.split("Commands:", 1)[1]
    return set(re.findall(r"^  (\S+)", listing, re.MULTILINE))


def test_every_long_running_command_is_started_here(prod):
    commands = _commands(_run([str(prod.csj), "--help"], "csj --help", prod.env()))
    started = {service.name for service in SERVICES}
    assert started <= commands, f"rows for commands that do not exist: {started - commands}"
    new = commands - started - ONE_SHOT
    assert not new, (
        f"csj {', '.join(sorted(new))}: new command(s). If it runs until stopped, add a row to "
        f"SERVICES in {Path(__file__).name} (how it is ready, one real check); if it does one "
        "thing and exits, add it to ONE_SHOT."
    )


def test_every_module_imports_from_the_wheel(prod, tmp_path):
    """A module importing a package that only the dev extras bring in fails here."""
    code = (
        "import importlib, pkgutil, bot, syndication\n"
        "for package in (bot, syndication):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "print(bot.__file__)\n"
    )
    result = subprocess.run(
        [str(prod.python), "-c", code],
        cwd=tmp_path,
        env=prod.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().startswith(str(prod.venv)), result.stdout  # not this checkout
