"""`csj forecast import|show|render`: the weekly forecast from the command line."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bot import ZONE
from bot.forecast import card
from bot.forecast.fonts import FontError
from bot.forecast.importer import ImportRejected, read_forecast
from bot.forecast.media import card_bytes
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import describe, import_forecast, summary
from bot.wechat.client import image_uploader
from syndication import services
from syndication.forecast_uploads import record_import


def _redis(obj: Any) -> Any:
    """The configured Redis (or the embedded one) for the command's duration."""
    return services.redis_client(obj.config)


@click.group("forecast")
def forecast() -> None:
    """Import, show and draw the weekly 7-day air-quality forecast."""


@forecast.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--by",
    envvar="CSJ_USER",
    help="Who is importing (姓名), for the audit trail. Default: $CSJ_USER, else the login name.",
)
@click.pass_obj
def import_command(obj: Any, file: Path, as_json: bool, by: str | None) -> None:
    """Check FILE (CSV or JSON, UTF-8) and make it the forecast followers get; nothing changes if
    any row is wrong."""
    with _redis(obj) as redis:
        now = datetime.now(ZONE)
        try:
            result = import_forecast(
                redis,
                file.read_bytes(),
                now,
                filename=file.name,
                accounts=obj.config.accounts.values(),
                uploader=image_uploader(obj.config, redis),
            )
        except ImportRejected as rejected:
            _reject(rejected, as_json)
        who = (by or "").strip() or f"命令行:{getpass.getuser()}"
        record_import(redis, who, result.issue, now.timestamp(), via="cli", filename=file.name)
    if as_json:
        click.echo(
            json.dumps({**summary(result.issue), "is_latest": result.is_latest}, ensure_ascii=False)
        )
        return
    info = summary(result.issue)
    click.echo(
        f"imported {info['id']}: {info['rows']} rows, {info['first_day']} to {info['last_day']}, "
        f"places {', '.join(info['places'])}"
    )
    click.echo(
        "it now answers followers" if result.is_latest else "stored; a newer issue still answers"
    )
    if result.is_latest:
        _report_uploads(obj.config.accounts, result.media)


def _report_uploads(accounts: Any, media: dict[str, str]) -> None:
    """Say which accounts can send the picture now; the others answer in words meanwhile."""
    missing = [a for a in accounts if a not in media]
    if media:
        click.echo(f"picture uploaded for: {', '.join(media)}")
    if missing:
        click.echo(
            f"picture NOT uploaded for: {', '.join(missing)} (WeChat API unreachable or refused; "
            "those followers get the forecast in words until the next upload)",
            err=True,
        )


def _reject(rejected: ImportRejected, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps({"problems": [p.to_dict() for p in rejected.problems]}, ensure_ascii=False)
        )
    else:
        click.echo(
            f"rejected: {len(rejected.problems)} problem(s); the current forecast is unchanged",
            err=True,
        )
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


@forecast.command("show")
@click.option("--id", "issue_id", help="An older issue's id (default: the one answering).")
@click.option("--json", "as_json", is_flag=True, help="Print the issue as JSON.")
@click.pass_obj
def show_command(obj: Any, issue_id: str | None, as_json: bool) -> None:
    """Show the forecast followers get now, and the ids of older issues."""
    with _redis(obj) as redis:
        repo = ForecastRepo(redis)
        issue = repo.get(issue_id) if issue_id else repo.latest()
        history = repo.history()
    if issue is None:
        raise click.ClickException("no such forecast" if issue_id else "no forecast imported yet")
    if as_json:
        click.echo(issue.to_json())
        return
    click.echo(describe(issue))
    click.echo("issues (newest first): " + ", ".join(history))


@forecast.command("render")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("forecast.png"),
    show_default=True,
    help="Where to write the PNG.",
)
@click.option(
    "--file",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Draw this forecast file instead of the stored one (nothing is imported).",
)
@click.pass_obj
def render_command(obj: Any, output: Path, source: Path | None) -> None:
    """Draw the "一图可见" picture of the current forecast (or of --file) to a PNG."""
    try:
        if source is not None:
            png = card.render(
                read_forecast(source.read_bytes(), datetime.now(ZONE), filename=source.name)
            )
        else:
            png = _stored_card(obj)
    except ImportRejected as rejected:
        _reject(rejected, False)
    except FontError as exc:
        raise click.ClickException(str(exc)) from None
    output.write_bytes(png)
    click.echo(f"wrote {output} ({len(png)} bytes)")


def _stored_card(obj: Any) -> bytes:
    with _redis(obj) as redis:
        issue = ForecastRepo(redis).latest()
        if issue is None:
            raise click.ClickException("no forecast imported yet")
        return card_bytes(redis, issue)
