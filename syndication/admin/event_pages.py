"""The 活动 pages: every event with its places and waiting list, who signed up (openids shortened),
the registrations as CSV, importing an events file, and calling an event off."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from bot import ZONE
from bot.events import import_events
from bot.events.importer import COLUMNS, ImportRejected
from bot.events.model import Event, short_date
from bot.events.repo import EventRepo, Listed
from bot.events.signup import call_off
from bot.events.text import STATUS_WORDS
from syndication import audit
from syndication.admin.auth import allowed, role_required
from syndication.admin.logs import safe_cell
from syndication.event_registrations import CSV_COLUMNS, registrations
from syndication.forecast_uploads import excerpts
from syndication.reminders import REASONS

bp = Blueprint("event_pages", __name__)

#: Who reads the pages (everyone with a role; admins pass every check) and who changes events.
READERS = ("editor", "reviewer")
WRITERS = ("editor",)
PAST_SHOWN = 100
SHOWN_REGISTRATIONS = 500  # the page's table; the CSV has every sign-up
WINDOW_NAMES = {"cancelled": "已停止", "not_open": "未开放", "open": "报名中", "closed": "已截止"}
STATUS_NAMES = {"cancelled": "已取消", "ended": "已结束", "running": "进行中", "coming": "即将举行"}


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


def _now() -> datetime:
    return datetime.fromtimestamp(_ext()["clock"](), ZONE)


@bp.app_template_global("event_status")
def status_of(event: Event, now: datetime) -> str:
    """cancelled | ended | running | coming: where the event itself stands at `now`."""
    if event.status != "open":
        return "cancelled"
    if now >= event.end:
        return "ended"
    return "running" if now >= event.start else "coming"


@bp.app_template_global("event_window")
def window_text(event: Event, now: datetime) -> str:
    """The sign-up window in a few words: when it opens, until when it runs, or that it closed."""
    state = event.signup_state(now)
    if state == "not_open":
        return f"{short_date(event.signup_opens)} 开始报名"
    if state == "open":
        return f"截至 {short_date(event.signup_closes)}"
    return f"{short_date(event.signup_closes)} 截止" if state == "closed" else "不再接受报名"


bp.add_app_template_global(STATUS_NAMES, "event_status_names")
bp.add_app_template_global(WINDOW_NAMES, "event_window_names")


@bp.app_template_global()
def event_time(event: Event) -> str:
    """'2026年12月5日（周六）09:30–11:30', Beijing time."""
    return f"{event.start.astimezone(ZONE).year}年{event.when()}"


@bp.get("/events")
@role_required(*READERS)
def index() -> tuple[str, int]:
    """Events not yet over, soonest first, then past ones, newest first; the import form."""
    return _index_page()


def _index_page(status: int = 200, **page: Any) -> tuple[str, int]:
    now = _now()
    repo = EventRepo(_ext()["redis"])
    listed = repo.counts(repo.all())
    coming = sorted((i for i in listed if now < i.event.end), key=_soonest)
    past = sorted((i for i in listed if now >= i.event.end), key=_soonest, reverse=True)
    return render_template(
        "events.html",
        coming=coming,
        past=past[:PAST_SHOWN],
        past_total=len(past),
        columns=COLUMNS,
        can_change=allowed(g.user, WRITERS),
        now=now,
        **page,
    ), status


def _soonest(item: Listed) -> tuple[datetime, int]:
    return item.event.start, item.event.number


@bp.post("/events")
@role_required(*WRITERS)
def upload() -> Any:
    """Import an events file: all of it, or nothing and every problem by line and column."""
    sent = request.files.get("file")
    data, filename = (sent.read(), sent.filename or "") if sent else (b"", "")
    if not data:
        return _index_page(400, error="请先选择要导入的活动文件（CSV 或 JSON）")
    redis, now = _ext()["redis"], _ext()["clock"]()
    try:
        added = import_events(redis, data, datetime.fromtimestamp(now, ZONE), filename=filename)
    except ImportRejected as rejected:
        found = list(zip(rejected.problems, excerpts(data, rejected.problems), strict=True))
        return _index_page(422, problems=found, filename=filename)
    numbers = [e.number for e in added]
    audit.record(redis, g.user.name, "event-import", "", now, file=filename, events=numbers)
    flash(f"已导入 {len(added)} 场活动：{'、'.join(f'#{n}' for n in numbers)}", "ok")
    return redirect(url_for(".index"))


@bp.errorhandler(413)
def too_large(error: Exception) -> Any:
    """A file past the app's upload limit, said on the page (an events file is a few KB)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    if not allowed(g.get("user"), WRITERS):
        return Response(f"文件太大（最多 {limit} MB）", 413, mimetype="text/plain")
    return _index_page(413, error=f"文件太大（最多 {limit} MB）：活动文件通常只有几 KB")


@bp.get("/events/<int:number>")
@role_required(*READERS)
def show(number: int) -> tuple[str, int]:
    """One event's details and its sign-ups in sign-up order."""
    redis = _ext()["redis"]
    item = _listed(number)
    shown = registrations(redis, number, SHOWN_REGISTRATIONS)
    return render_template(
        "event.html",
        item=item,
        event=item.event,
        registrations=shown,
        total=_registration_count(redis, number, len(shown)),
        accounts=_ext()["config"].accounts,
        sign_up_words=STATUS_WORDS,
        reminder_names=REASONS,
        can_change=allowed(g.user, WRITERS),
        now=_now(),
    ), 200


def _registration_count(redis: Any, number: int, shown: int) -> int:
    """Every sign-up ever made (the table may show fewer)."""
    return shown if shown < SHOWN_REGISTRATIONS else len(EventRepo(redis).registrations(number))


def _listed(number: int) -> Listed:
    repo = EventRepo(_ext()["redis"])
    event = repo.get(number)
    if event is None:
        abort(404, f"没有编号为 #{number} 的活动")
    return repo.counts([event])[0]


@bp.get("/events/<int:number>/registrations.csv")
@role_required(*READERS)
def registrations_csv(number: int) -> Response:
    """The sign-ups as `csj events registrations N` prints them, for Excel: UTF-8 with a BOM,
    and no cell a spreadsheet would run as a formula."""
    redis = _ext()["redis"]
    _listed(number)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([safe_cell(c) for c in r.csv_row()] for r in registrations(redis, number))
    stamp = _now().strftime("%Y%m%d-%H%M")
    name = f"csj-event-{number}-registrations-{stamp}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/events/<int:number>/cancel")
@role_required(*WRITERS)
def cancel(number: int) -> Response:
    """Call the event off, once the editor has ticked the confirmation: sign-up stops, no
    reminders, and everyone signed up or waiting is told when they next write (audited)."""
    ext = _ext()
    event = _listed(number).event
    if request.form.get("confirm") != "yes":
        flash("没有取消：请先勾选确认框，再点「取消活动」", "error")
    elif status_of(event, _now()) == "ended":
        flash(f"没有取消：#{number} 已经结束", "error")
    else:
        told = call_off(ext["redis"], event)
        _said_cancelled(event, told, ext["redis"], ext["clock"]())
    return redirect(url_for(".show", number=number))


def _said_cancelled(event: Event, told: int | None, redis: Any, now: float) -> None:
    if told is None:
        flash(f"#{event.number} 此前已经取消，无需再次取消", "warning")
        return
    audit.record(redis, g.user.name, "event-cancel", "", now, event=event.number, told=told)
    flash(
        f"已取消 #{event.number} {event.title}：{told} 位已报名或候补的粉丝下次给公众号发消息时"
        "会收到「活动取消」通知",
        "ok",
    )
