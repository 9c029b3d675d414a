"""`csj accounts check` and `csj menu push`: the accounts page's two actions, from a shell."""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from typing import Any

import click

from bot.config import Account, Config
from syndication import account_actions, audit, runtime, services

Action = Callable[[Config, Any, Account, Callable[[], float]], dict]


def _accounts(config: Config, ids: tuple[str, ...]) -> list[Account]:
    """The accounts named (all of them when none is)."""
    unknown = [i for i in ids if i not in config.accounts]
    if unknown:
        known = ", ".join(config.accounts)
        raise click.BadParameter(f"unknown account {unknown[0]!r} (known: {known})")
    return [config.accounts[i] for i in ids] if ids else list(config.accounts.values())


def _run(obj: Any, ids: tuple[str, ...], action: Action, name: str, line: Callable) -> None:
    """Run one action on each account, audit it, print a line each; exit 1 if any failed."""
    config = obj.config
    failed = 0
    by = f"命令行:{getpass.getuser()}"
    with services.redis_client(config, runtime.process_redis_config(config)) as redis:
        for account in _accounts(config, ids):
            result = action(config, redis, account, time.time)
            audit.record(
                redis,
                by,
                name,
                "",
                time.time(),
                account=account.id,
                ok=result["ok"],
                errcode=result.get("errcode"),
            )
            click.echo(f"{account.id}\t{account.name}\t{line(result)}")
            failed += not result["ok"]
    if failed:
        raise SystemExit(1)


def _check_line(result: dict) -> str:
    if not result["ok"]:
        return account_actions.describe(result)
    quota = result["quota"]
    return f"正常（今日 {quota['cgi_path']} 剩余 {quota['remain']}/{quota['daily_limit']}）"


@click.group("accounts")
def accounts() -> None:
    """The configured WeChat accounts."""


@accounts.command("check")
@click.argument("account_ids", nargs=-1)
@click.pass_obj
def check(obj: Any, account_ids: tuple[str, ...]) -> None:
    """Ask WeChat for each account's token and today's quota (all accounts if none named)."""
    _run(obj, account_ids, account_actions.check_token, "account-check", _check_line)


@click.group("menu")
def menu() -> None:
    """The accounts' custom menu."""


@menu.command("push")
@click.argument("account_ids", nargs=-1)
@click.pass_obj
def push(obj: Any, account_ids: tuple[str, ...]) -> None:
    """Replace each account's custom menu with csj's (all accounts if none named)."""
    _run(obj, account_ids, account_actions.push_menu, "menu-push", account_actions.describe)
