"""The `csj` command: one click group for every process and task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from bot import ZONE, store
from bot.config import Config, ConfigError, load_config
from syndication import services
from syndication.demo import (
    DEMO_PASSWORD,
    load_demo_article,
    load_demo_checks,
    load_demo_events,
    load_demo_forecast,
    load_demo_users,
)


class Context:
    """Loads the config once, on first use, so `csj --help` works without one."""

    def __init__(self, path: str, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock  # tests inject theirs: CliRunner().invoke(..., obj=Clock(now))
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.path)
            except ConfigError as exc:
                raise click.ClickException(str(exc) + self._demo_hint()) from None
        return self._config

    def _demo_hint(self) -> str:
        """In a checkout without a config of its own, point at the example config (the demo)."""
        example = "config.example.toml"
        if os.path.exists(self.path) or not os.path.isfile(example):
            return ""
        if os.path.basename(self.path) == example:
            return ""
        return (
            f"\nTo try the demo, use the example config: csj --config {example} COMMAND … "
            f"(or export CSJ_CONFIG={example})"
        )


pass_ctx = click.make_pass_decorator(Context)


@click.group()
@click.option(
    "--config",
    "config_path",
    envvar="CSJ_CONFIG",
    default="config.toml",
    show_default=True,
    help="Config file (TOML). Also CSJ_CONFIG.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str) -> None:
    """csj: the 美丽长三角 bot and syndicator."""
    ctx.obj = Context(config_path, getattr(ctx.obj, "clock", None) or time.time)


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
@pass_ctx
def config_check(ctx: Context) -> None:
    """Validate the config file and summarise it (secrets are never shown)."""
    config = ctx.config
    click.echo(f"{config.source}: OK")
    click.echo(f"redis: {config.redis.url or 'embedded under ' + config.redis.data_dir}")
    for account in config.accounts.values():
        mode = (
            "safe"
            if account.require_encryption
            else "compatible"
            if account.encoding_aes_key
            else "plaintext"
        )
        click.echo(
            f"account {account.id}: {account.name} ({account.region}), {mode} mode, "
            f"publish {account.publish_mode}{', column' if account.column else ''}"
        )


@main.command()
@click.option("--bind", help="host:port to listen on (default: [web] bind).")
@pass_ctx
def web(ctx: Context, bind: str | None) -> None:
    """Serve the WeChat webhook with gunicorn (gevent workers)."""
    config = ctx.config
    bind = bind or config.web.bind
    _guard(services.require_free, "webhook", bind)
    if config.redis.url or config.redis.sentinels:
        # Production: become gunicorn, so a supervisor's signals (even SIGKILL) reach it and
        # no orphaned master keeps the port.
        os.execve(
            sys.executable,
            services.gunicorn_command(config, bind),
            services.service_env(config, ""),
        )
    with services.redis_url(config) as url:  # development: an embedded Redis meanwhile
        process = services.start_web(config, bind, url)
        _wait_interruptible([process])


@main.command()
@click.option("--bind", help="host:port for the webhook (default: [web] bind).")
@pass_ctx
def run(ctx: Context, bind: str | None) -> None:
    """Run everything for development: Redis, the WeChat sandbox, the webhook, a scheduler, a
    worker and the admin app."""
    config = ctx.config
    bind = bind or config.web.bind
    sandbox_bind = config.sandbox.bind
    _guard(services.require_free, "webhook", bind)
    _guard(services.require_free, "sandbox", sandbox_bind)
    _guard(services.require_free, "admin", config.admin.bind)
    click.echo("csj: starting …")
    with services.redis_url(config) as url:
        click.echo(f"  redis    {url}")
        processes: list[subprocess.Popen[bytes]] = []
        try:
            _start_all(config, url, bind, processes)
        except BaseException:  # a failed start, or Ctrl-C while starting: leave nothing behind
            services.stop(processes)
            raise
        _load_demo(config, url)
        _print_things_to_try(config, sandbox_bind)
        click.echo("Ready. Press Ctrl-C to stop.")
        _wait_interruptible(processes)
    click.echo("csj: stopped.")


def _start_all(
    config: Config, url: str, bind: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    """Start every service in order, each healthy before the next; `processes` collects them."""
    sandbox, admin = config.sandbox.bind, config.admin.bind
    processes.append(services.start_sandbox(config, sandbox, url, webhook=bind))
    _guard(services.wait_healthy, f"http://{sandbox}/_sandbox/healthz", processes[-1])
    click.echo(f"  sandbox  http://{sandbox}/_sandbox/ (pages), /cgi-bin/ (API)")
    processes.append(services.start_web(config, bind, url))
    _guard(services.wait_healthy, f"http://{bind}/healthz", processes[-1])
    click.echo(f"  webhook  http://{bind}/wechat/<account>   ({', '.join(config.accounts)})")
    click.echo(f"  health   http://{bind}/healthz")
    processes.append(services.start_csj(config, url, "scheduler"))
    processes.append(services.start_csj(config, url, "worker"))
    click.echo("  publish  a scheduler and a worker (csj log, csj counts, csj post list)")
    processes.append(services.start_csj(config, url, "admin", "--demo", "--bind", admin))
    _guard(services.wait_healthy, f"http://{admin}/login", processes[-1])
    click.echo(
        f"  admin    http://{admin}/   (sign in as demo-admin, demo-reviewer or demo-editor, "
        f"password {DEMO_PASSWORD})"
    )


def _load_demo(config: Config, url: str) -> None:
    """The demo forecast and column article, once: a store that has its own keeps them."""
    redis = store.connect(config.redis, url)
    try:
        result = load_demo_forecast(config, redis, datetime.now(ZONE))
        article = load_demo_article(config, redis, time.time())
        load_demo_users(redis, time.time())
        events = load_demo_events(redis, datetime.now(ZONE))
        checked = load_demo_checks(config, redis, time.time())
    finally:
        redis.close()
    if article is not None:
        click.echo(
            f"  demo     sample column article {article.id} queued for {len(article.accounts)}"
            " accounts: it appears on each sandbox account page in a few seconds"
        )
    if events:
        click.echo(
            f"  demo     {len(events)} sample events (csj events list; 回复「活动」 in the chat)"
        )
    if checked:
        click.echo(f"  demo     token checked for {', '.join(checked)} (admin: 账号)")
    if result is None:
        click.echo("  demo     a forecast is already stored; left as it is")
    else:
        days = sorted(result.issue.days)
        click.echo(
            f"  demo     sample forecast imported for {days[0]} to {days[-1]}; "
            f"picture uploaded for {', '.join(result.media) or 'no account'}"
        )


def _print_things_to_try(config: Config, sandbox_bind: str) -> None:
    """Three things to try, as commands that work from this directory."""
    csj = os.path.relpath(sys.argv[0]) if sys.argv[0].endswith("csj") else "csj"
    prefix = f"{csj} --config {os.path.relpath(config.source)}" if config.source else csj
    first = next(iter(config.accounts), "sh")
    example = "zj" if "zj" in config.accounts else first
    click.echo("Try:")
    click.echo(f"  1. {prefix} chat --account {example} 你好")
    click.echo(f"  2. {prefix} chat --account {first} 明天南京空气怎么样   (or 一图可见)")
    click.echo(
        f"     {prefix} chat --account {first}   (a prompt: /subscribe, /click AIR_TODAY, /help)"
    )
    click.echo(f"  3. open http://{sandbox_bind}/_sandbox/{first}/ : what followers see")
    click.echo(
        f"  4. {prefix} counts ; {prefix} log ; {prefix} post list   (the column, published)"
    )


def _guard(check: Any, *args: Any) -> None:
    try:
        check(*args)
    except services.ServiceError as exc:
        raise click.ClickException(str(exc)) from None


def _wait_interruptible(processes: list[subprocess.Popen[bytes]]) -> None:
    """Wait for the children; on Ctrl-C or SIGTERM stop them all cleanly."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(p.poll() is None for p in processes):
            try:
                processes[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        services.stop(processes)
    failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM)]
    if failed:
        raise click.ClickException(f"a service exited with code {failed[0].returncode}")


main.add_command(__import__("syndication.cli_forecast", fromlist=["forecast"]).forecast)
main.add_command(__import__("syndication.cli_post", fromlist=["post"]).post)
main.add_command(__import__("syndication.cli_sandbox", fromlist=["sandbox"]).sandbox)
main.add_command(__import__("syndication.cli_sandbox", fromlist=["chat"]).chat)
main.add_command(__import__("syndication.cli_user", fromlist=["user"]).user)
main.add_command(__import__("syndication.cli_admin", fromlist=["admin"]).admin)
main.add_command(__import__("syndication.cli_events", fromlist=["events"]).events)
main.add_command(__import__("syndication.cli_accounts", fromlist=["accounts"]).accounts)
main.add_command(__import__("syndication.cli_accounts", fromlist=["menu"]).menu)


def _add_publishing_commands() -> None:
    """The syndication processes and records; retry/cancel join the post group."""
    from syndication import cli_post, cli_publish

    for command in (
        cli_publish.worker_command,
        cli_publish.scheduler_command,
        cli_publish.log_command,
        cli_publish.counts_command,
    ):
        main.add_command(command)
    cli_post.post.add_command(cli_publish.retry_command)
    cli_post.post.add_command(cli_publish.cancel_command)
    from syndication import cli_reads

    cli_post.post.add_command(cli_reads.import_history_command)
    main.add_command(cli_reads.reads_group)


_add_publishing_commands()
