"""`csj sandbox` (the WeChat stand-in) and `csj chat` (the follower simulator)."""

from __future__ import annotations

import signal
import sys
from dataclasses import replace
from pathlib import Path

import click

from bot import logs, store
from bot.config import Account, Config, ConfigError
from syndication import services
from syndication.cli import Context, pass_ctx
from syndication.sandbox import faults
from syndication.sandbox.api import settings_from
from syndication.sandbox.state import Settings, State


def _settings(
    config: Config,
    publish_delay: float | None,
    publish_status: int,
    fail_idx: str,
    mass_delay: float | None,
    mass_status: str,
) -> Settings:
    try:
        indexes = tuple(int(i) for i in fail_idx.split(",") if i.strip())
    except ValueError:
        message = "a comma-separated list of article indexes, e.g. 1,2"
        raise click.BadParameter(message, param_hint="--fail-idx") from None
    try:
        base = settings_from(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return replace(
        base,
        publish_delay=base.publish_delay if publish_delay is None else publish_delay,
        publish_status=publish_status,
        fail_idx=indexes,
        mass_delay=base.mass_delay if mass_delay is None else mass_delay,
        mass_status=mass_status,
    )


@click.command("sandbox")
@click.option("--bind", help="host:port to listen on (default: [sandbox] bind).")
@click.option(
    "--publish-delay", type=click.FloatRange(0, 86400), help="Seconds until a publish job ends."
)
@click.option(
    "--publish-status",
    type=click.IntRange(0, 6),
    default=0,
    show_default=True,
    help="How publish jobs end: 0 ok, 2 originality, 3 failure, 4 rejected, 5 deleted, 6 banned.",
)
@click.option(
    "--fail-idx", default="", help="Failed article indexes for statuses 2 and 4, e.g. 1,2."
)
@click.option(
    "--mass-delay", type=click.FloatRange(0, 86400), help="Seconds until a mass send ends."
)
@click.option(
    "--mass-status",
    default="send success",
    show_default=True,
    help="How mass sends end, e.g. 'send success' or 'err(30001)'.",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="SPEC",
    help="ENDPOINT=KIND[:VALUE][xCOUNT][@ACCOUNT], KIND errcode|http|delay|drop; repeatable. "
    "E.g. freepublish/submit=drop, draft/add=errcode:45009x2@sh, *=http:502.",
)
@click.option("--demo/--no-demo", default=False, help="Load demo data (a menu per account) once.")
@pass_ctx
def sandbox(
    ctx: Context,
    bind: str | None,
    publish_delay: float | None,
    publish_status: int,
    fail_idx: str,
    mass_delay: float | None,
    mass_status: str,
    fault_specs: tuple[str, ...],
    demo: bool,
) -> None:
    """Serve the local WeChat sandbox: the API under /cgi-bin/, pages under /_sandbox/."""
    from syndication.sandbox.server import serve

    config = ctx.config
    logs.configure(config.logging.level)
    bind = bind or config.sandbox.bind
    settings = _settings(config, publish_delay, publish_status, fail_idx, mass_delay, mass_status)
    armed = [_fault(spec, config) for spec in fault_specs]
    _require_free("sandbox", bind)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with services.redis_url(config) as url:
        redis = store.connect(config.redis, url)
        _prepare(State(redis, settings), config, armed, demo)

        def ready() -> None:
            click.echo(f"sandbox: http://{bind}/cgi-bin/ (API), http://{bind}/_sandbox/ (pages)")

        try:
            serve(config, redis, bind, settings=settings, ready=ready)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            redis.close()


def _prepare(state: State, config: Config, armed: list[faults.Fault], demo: bool) -> None:
    """Arm the faults given on the command line; load the demo data if asked (once)."""
    from syndication.sandbox.demo import load_demo

    for fault in armed:
        faults.add(state, fault)
        click.echo(f"fault armed: {fault.describe()}")
    if demo:
        loaded = load_demo(state, config)
        done = ", ".join(loaded) if loaded else "none (loaded before)"
        click.echo(f"demo data loaded for: {done}")


def _fault(spec: str, config: Config) -> faults.Fault:
    try:
        return faults.parse(faults.parse_spec(spec), config.accounts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None


def _require_free(name: str, bind: str) -> None:
    try:
        services.require_free(name, bind)
    except services.ServiceError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("chat")
@click.option("--account", "account_id", required=True, help="The account to talk to, e.g. sh.")
@click.option("--url", help="Webhook URL (default: http://<[web] bind>/wechat/<account>).")
@click.option(
    "--sandbox-url", help="Sandbox base URL, for reply images (default: http://<[sandbox] bind>)."
)
@click.option(
    "--openid", default="", help="The follower's openid (default: a fixed one per account)."
)
@click.option(
    "--save-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/chat"),
    show_default=True,
    help="Where reply images are saved.",
)
@click.argument("message", nargs=-1)
@pass_ctx
def chat(
    ctx: Context,
    account_id: str,
    url: str | None,
    sandbox_url: str | None,
    openid: str,
    save_dir: Path,
    message: tuple[str, ...],
) -> None:
    """Talk to the bot as a follower; with MESSAGE, send it, print the reply and exit."""
    from syndication.sandbox.chat import Follower
    from syndication.sandbox.prompt import Quit, run_line

    config = ctx.config
    account = _account(config, account_id)
    follower = Follower(
        account,
        url or f"http://{config.web.bind}/wechat/{account.id}",
        sandbox_url=sandbox_url or f"http://{config.sandbox.bind}",
        openid=openid,
        save_dir=save_dir,
    )
    if message:
        for line in run_line(follower, " ".join(message)):
            click.echo(line)
        if follower.last_reply is not None and follower.last_reply.kind == "error":
            sys.exit(1)
        return
    click.echo(
        f"以粉丝 {follower.openid} 的身份和「{account.name}」聊天。"
        "输入 /help 查看命令，/quit 退出。"
    )
    while True:
        try:
            line = input("你：")
            for out in run_line(follower, line):
                click.echo(f"{account.name}：{out}")
        except (Quit, EOFError, KeyboardInterrupt):
            click.echo("")
            return


def _account(config: Config, account_id: str) -> Account:
    account = config.account(account_id)
    if account is None:
        raise click.BadParameter(
            f"unknown account {account_id!r} (known: {', '.join(config.accounts)})",
            param_hint="--account",
        )
    return account
