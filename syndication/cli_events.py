"""`csj events add|import|list|cancel|registrations|remind`: events followers sign up for."""

from __future__ import annotations

import csv
import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bot import ZONE
from bot.events import import_events
from bot.events.importer import ImportRejected, Problem, check_event
from bot.events.model import KINDS, Event, short_date
from bot.events.repo import EventRepo
from bot.events.signup import call_off
from syndication import audit, reminders, services
from syndication.event_registrations import CSV_COLUMNS, registrations


def _redis(obj: Any) -> Any:
    """The configured Redis (or the embedded one) for the command's duration."""
    return services.redis_client(obj.config)


def _now(obj: Any) -> datetime:
    """The command's time in Beijing, from the CLI's (injectable) clock."""
    return datetime.fromtimestamp(obj.clock(), ZONE)


def _by() -> str:
    return f"命令行:{getpass.getuser()}"


@click.group("events")
def events() -> None:
    """Add, import and list events; see who signed up; send the day-before reminders."""


@events.command("add")
@click.option("--title", required=True, help="Shown to followers (at most 40 characters).")
@click.option("--kind", required=True, help="/".join(KINDS) + ".")
@click.option("--region", required=True, help="上海/江苏/浙江/安徽 or one of the 41 cities.")
@click.option("--place", required=True, help="Where, e.g. 江心洲污水处理厂.")
@click.option("--start", required=True, help="YYYY-MM-DD HH:MM, Beijing time.")
@click.option("--end", required=True, help="YYYY-MM-DD HH:MM, Beijing time.")
@click.option("--capacity", required=True, help="Places (1-100000).")
@click.option("--signup-opens", default="", help="When sign-up opens (default: now).")
@click.option("--signup-closes", default="", help="When sign-up closes (default: the start).")
@click.option("--description", default="", help="A few sentences (at most 300 characters).")
@click.option("--link", default="", help="An http(s) link with details.")
@click.option("--lat", default="", help="Latitude of the place (for 'nearest').")
@click.option("--lng", default="", help="Longitude of the place.")
@click.option("--waitlist", default="", help="Most people on the waiting list (default: no limit).")
@click.pass_obj
def add_command(obj: Any, **options: str) -> None:
    """Add one event; every problem with the options is listed and nothing is stored."""
    values = {name: value for name, value in options.items() if value is not None}
    problems: list[Problem] = []
    event = check_event(
        values, _now(obj), lambda c, m: problems.append(Problem(None, f"--{c}", m))
    )
    with _redis(obj) as redis:
        repo = EventRepo(redis)
        twin = event and next(
            (e for e in repo.all() if (e.title, e.start) == (event.title, event.start)), None
        )
        if twin:
            problems.append(
                Problem(None, "--title", f"与已有活动 #{twin.number} 重复（同名同时间）")
            )
        if problems or event is None:
            _reject(ImportRejected(problems), "nothing was added")
        added = repo.add([event])[0]
        audit.record(
            redis, _by(), "event-add", "", obj.clock(), event=added.number, title=added.title
        )
    click.echo(f"added #{added.number} {added.title} ({added.when()}, {added.capacity} places)")


@events.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_command(obj: Any, file: Path) -> None:
    """Import FILE (CSV or JSON, UTF-8); if any row is wrong, every problem is listed and nothing is
    stored."""
    with _redis(obj) as redis:
        try:
            added = import_events(redis, file.read_bytes(), _now(obj), filename=file.name)
        except ImportRejected as rejected:
            _reject(rejected, "no event was imported")
        numbers = [e.number for e in added]
        audit.record(redis, _by(), "event-import", "", obj.clock(), file=file.name, events=numbers)
    click.echo(f"imported {len(added)} events:")
    for event in added:
        click.echo(f"  #{event.number} {event.title} ({event.when()})")


def _reject(rejected: ImportRejected, what: str) -> None:
    click.echo(f"rejected: {len(rejected.problems)} problem(s); {what}", err=True)
    for problem in rejected.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


@events.command("list")
@click.option("--all", "show_all", is_flag=True, help="Past and cancelled events too.")
@click.pass_obj
def list_command(obj: Any, show_all: bool) -> None:
    """Events by number: when, where, places left, people waiting, sign-up window."""
    now = _now(obj)
    with _redis(obj) as redis:
        repo = EventRepo(redis)
        listed = repo.counts(repo.all()) if show_all else repo.upcoming(now)
    if not listed:
        click.echo("no events" if show_all else "no upcoming events (--all shows past ones)")
        return
    for item in listed:
        event = item.event
        click.echo(
            f"#{event.number:<4} {event.title}  {event.when()}  {event.region}·{event.place}  "
            f"places left {item.left}/{event.capacity}, waiting {item.waiting}  "
            f"{_window(event, now)}"
        )


def _window(event: Event, now: datetime) -> str:
    return {
        "cancelled": "cancelled",
        "not_open": f"sign-up opens {short_date(event.signup_opens)}",
        "closed": "sign-up closed",
        "open": f"sign-up open until {short_date(event.signup_closes)}",
    }[event.signup_state(now)]


@events.command("cancel")
@click.argument("number", type=int)
@click.pass_obj
def cancel_command(obj: Any, number: int) -> None:
    """Call off event NUMBER: sign-up stops, no reminders, and everyone signed up or waiting is
    told the next time they write to the account."""
    with _redis(obj) as redis:
        event = EventRepo(redis).get(number)
        if event is None:
            raise click.ClickException(f"no event #{number} (csj events list shows the numbers)")
        told = call_off(redis, event)
        if told is None:
            raise click.ClickException(f"#{number} {event.title} is already cancelled")
        audit.record(redis, _by(), "event-cancel", "", obj.clock(), event=number, told=told)
    click.echo(
        f"cancelled #{number} {event.title}; {told} follower(s) will be told when they next write"
    )


@events.command("registrations")
@click.argument("number", type=int)
@click.pass_obj
def registrations_command(obj: Any, number: int) -> None:
    """Sign-ups to event NUMBER as CSV, in sign-up order (openids shortened, never in full)."""
    with _redis(obj) as redis:
        if EventRepo(redis).get(number) is None:
            raise click.ClickException(f"no event #{number} (csj events list shows the numbers)")
        rows = [r.csv_row() for r in registrations(redis, number)]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)


@events.command("remind")
@click.pass_obj
def remind_command(obj: Any) -> None:
    """Send the day-before reminders now (the scheduler does it hourly) and list who was not
    reminded, and why."""
    with _redis(obj) as redis:
        results = reminders.remind_due(obj.config, redis, _now(obj))
    if not results:
        click.echo("no one to remind: no event with sign-ups starts tomorrow")
    for reminder in results:
        click.echo(reminder.describe())
    missed = [r for r in results if not r.reminded]
    if missed:
        click.echo(f"{len(missed)} not reminded (see above)", err=True)
