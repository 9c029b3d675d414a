"""`csj user add|list|disable`: who may sign in to the admin app, and with which role."""

from __future__ import annotations

import getpass
import sys
import time
from typing import Any

import click

from syndication import audit, services
from syndication.admin import users
from syndication.admin.users import UserError

BY = click.option(
    "--by",
    envvar="CSJ_USER",
    help="Who is acting (姓名), for the audit trail. Default: $CSJ_USER, else the login name.",
)


def _redis(obj: Any) -> Any:
    """The configured Redis (or the embedded one) for the command's duration."""
    return services.redis_client(obj.config)


def _by(by: str | None) -> str:
    return (by or "").strip() or f"命令行:{getpass.getuser()}"


@click.group("user")
def user() -> None:
    """Add, list and disable the people who sign in to the admin app."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="editor, reviewer or admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@BY
@click.pass_obj
def add(obj: Any, name: str, role: str, password_stdin: bool, by: str | None) -> None:
    """Add NAME with a role; the password is asked for twice (or read with --password-stdin)."""
    try:
        users.check_name(name)
        users.check_role(role)
        password = _password(password_stdin)
        with _redis(obj) as redis:
            now = time.time()
            added = users.add(redis, name, role, password, now)
            audit.record(redis, _by(by), "user-add", "", now, user=name, role=role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已添加用户 {added.name}（{users.ROLE_NAMES[added.role]}）")


def _password(from_stdin: bool) -> str:
    """The password: the first line of stdin, or a hidden prompt asked twice."""
    if from_stdin:
        return users.check_password(sys.stdin.readline().rstrip("\r\n"))
    return users.check_password(
        click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次密码")
    )


@user.command("list")
@click.pass_obj
def list_command(obj: Any) -> None:
    """List every user: name, role, state."""
    with _redis(obj) as redis:
        found = users.list_users(redis)
    if not found:
        click.echo("还没有用户：用 csj user add 用户名 --role editor 添加")
    for person in found:
        state = "已停用" if person.disabled else "正常"
        click.echo(f"{person.name}\t{users.ROLE_NAMES[person.role]}\t{state}")


@user.command("disable")
@click.argument("name")
@BY
@click.pass_obj
def disable(obj: Any, name: str, by: str | None) -> None:
    """Stop NAME from signing in (their open sessions end too)."""
    try:
        with _redis(obj) as redis:
            users.disable(redis, name)
            audit.record(redis, _by(by), "user-disable", "", time.time(), user=name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已停用用户 {name}")
