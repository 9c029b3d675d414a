"""`csj admin`: serve the editors' and admins' web app with gunicorn."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import click

from bot.config import Config
from syndication import services

WORKERS = 2
THREADS = 8  # gthread: a few people at a time; no gevent needed for an internal app


def gunicorn_command(config: Config, bind: str) -> list[str]:
    """gunicorn for the admin app: gthread workers, errors to stderr."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "syndication.admin:production_app()",
        "--bind",
        bind,
        "--workers",
        str(WORKERS),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--timeout",
        str(config.web.timeout),
        "--graceful-timeout",
        str(config.web.graceful_timeout),
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
    ]


@click.command("admin")
@click.option("--bind", help="host:port to listen on (default: [admin] bind).")
@click.option(
    "--demo",
    is_flag=True,
    help="Allow an empty [admin] secret_key: one is generated and kept in Redis.",
)
@click.pass_obj
def admin(obj: Any, bind: str | None, demo: bool) -> None:
    """Serve the admin app (sign-in, and the editors' pages) with gunicorn."""
    from syndication.cli import _guard, _wait_interruptible

    config = obj.config
    bind = bind or config.admin.bind
    if not config.admin.secret_key and not demo:
        raise click.ClickException(
            "[admin] secret_key 未设置：请设置至少 32 个随机字符（或环境变量 "
            "CSJ_ADMIN__SECRET_KEY）；仅本机演示可用 --demo"
        )
    _guard(services.require_free, "admin", bind)
    if config.redis.url or config.redis.sentinels:
        # Production: become gunicorn, so a supervisor's signals reach it directly.
        os.execve(sys.executable, gunicorn_command(config, bind), services.service_env(config, ""))
    with services.redis_url(config) as url:  # development: an embedded Redis meanwhile
        process = subprocess.Popen(
            gunicorn_command(config, bind),
            env=services.service_env(config, url),
            start_new_session=True,
        )
        click.echo(f"csj admin: http://{bind}/login")
        _wait_interruptible([process])
