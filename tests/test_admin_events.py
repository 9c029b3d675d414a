"""The 活动 pages: the list, one event's sign-ups (openids shortened), their CSV, importing a file
(all or nothing, every problem listed) and calling an event off (CSRF, roles, audited)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from wechatpy.exceptions import WeChatClientException

from bot import ZONE
from bot.events import signup
from bot.events.repo import EventRepo
from syndication import audit, reminders
from syndication.admin import create_app, users
from syndication.cli import main
from syndication.demo import load_demo_events
from syndication.event_registrations import CSV_COLUMNS
from tests.admin_pages import csrf_of, post, signed_in, text
from tests.events_support import (
    HEFEI_NOT_OPEN,
    NANJING,
    SAMPLE,
    SUZHOU_CLOSED,
    import_sample,
)
from tests.forecast_data import NOW_DT
from tests.test_admin_auth import PASSWORD

HOUR = 3600
OPENIDS = [f"oFollower{i:019d}" for i in range(3)]


@pytest.fixture
def app(config, redis, clock):
    for name, role in (("editor1", "editor"), ("reviewer1", "reviewer"), ("admin1", "admin")):
        users.add(redis, name, role, PASSWORD, clock())
    return create_app(config, redis=redis, clock=clock)


@pytest.fixture
def small(redis, clock):
    """The sample, and a one-place copy of the Nanjing open day: one confirmed, one waiting, one
    who cancelled (the waiting one moved up)."""
    import_sample(redis)
    repo = EventRepo(redis)
    event = repo.add([replace(repo.get(NANJING), title="小型开放日", capacity=1)])[0]
    for i, openid in enumerate(OPENIDS):
        signup.sign_up(redis, event.number, "sh", openid, clock(), f"m{i}")
    signup.cancel(redis, event.number, "sh", OPENIDS[0], clock() + 60, "c0")
    return event


def page_of(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, unescape(response.get_data(as_text=True))


def row(page: str, number: int) -> str:
    """The visible text of one event's row in the list."""
    found = re.search(rf'<tr\b[^>]*data-event="{number}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for #{number}"
    return text(found.group(1))


def upload(client, data: bytes, filename: str = "events.csv", csrf: bool = True):
    form = {"file": (io.BytesIO(data), filename)}
    if csrf:
        form["csrf_token"] = csrf_of(client)
    return client.post("/events", data=form, content_type="multipart/form-data")


def test_the_list_shows_every_event_with_places_window_and_status(app, redis, clock):
    import_sample(redis)
    for i, openid in enumerate(OPENIDS[:2]):
        signup.sign_up(redis, NANJING, "sh", openid, clock(), f"m{i}")
    status, page = page_of(signed_in(app, "reviewer1"), "/events")
    assert status == 200
    nanjing = row(page, NANJING)
    for expected in ("#1", "江心洲污水处理厂开放日", "开放日", "南京·江心洲污水处理厂"):
        assert expected in nanjing
    assert "2026年11月28日（周六）09:30–11:30" in nanjing
    assert "报名中 截至 11月27日 18:00" in nanjing and "2/30" in nanjing and "即将举行" in nanjing
    assert "未开放 11月30日 09:00 开始报名" in row(page, HEFEI_NOT_OPEN)
    assert "已截止 11月24日 00:00 截止" in row(page, SUZHOU_CLOSED)
    assert f'href="/events/{NANJING}"' in page
    assert "导入活动" not in page  # reviewers read; editors import
    assert page.index(">#6<") < page.index(">#1<")  # soonest first: Suzhou starts tomorrow


def test_past_and_cancelled_events(app, redis, clock):
    import_sample(redis)
    signup.call_off(redis, EventRepo(redis).get(HEFEI_NOT_OPEN))
    clock.advance(26 * HOUR)  # Wednesday noon: the Suzhou open day is over
    page = page_of(signed_in(app, "editor1"), "/events")[1]
    coming, past = page.split('id="past"')
    assert f'data-event="{SUZHOU_CLOSED}"' in past and f'data-event="{NANJING}"' in coming
    assert "已结束" in row(past, SUZHOU_CLOSED) and "已结束（1）" in past
    hefei = row(coming, HEFEI_NOT_OPEN)
    assert "已取消" in hefei and "已停止 不再接受报名" in hefei


def test_the_header_links_to_events_after_forecasts(app):
    page = page_of(signed_in(app, "editor1"), "/")[1]
    assert page.index('href="/forecasts"') < page.index('href="/events"') < page.index("活动</a>")


def test_an_event_page_lists_sign_ups_with_masked_followers(app, config, redis, clock, small):
    n = small.number
    remind_at = datetime(2026, 11, 27, 10, 0, tzinfo=ZONE)  # the day before the open day
    reminders.remind_due(config, redis, remind_at, client=_refusing_client)
    status, page = page_of(signed_in(app, "reviewer1"), f"/events/{n}")
    assert status == 200
    assert f"#{n} 小型开放日" in page and "南京·江心洲污水处理厂" in page
    regs = text(page.split('id="registrations"')[1])
    assert "报名名单（3）" in regs
    first, second, third = re.findall(r'<tr class="reg-(\w+)" data-order="(\d)"', page)
    assert [first, second, third] == [("cancelled", "1"), ("confirmed", "2"), ("waitlisted", "3")]
    assert "已取消" in regs and "已报名 第 1 位" in regs and "候补 第 1 位" in regs
    assert "oFol…0000" in regs and "oFol…0001" in regs and "oFol…0002" in regs
    assert not any(openid in page for openid in OPENIDS)
    codes = [r["code"] for _, r in EventRepo(redis).registrations(n)]
    assert all(code in page for code in codes)
    assert "由候补递补" in regs and "上海市生态环境局" in regs
    assert "未提醒：超出48小时客服消息窗口" in regs and "errcode 45015" in regs
    assert "取消活动" not in page  # reviewers cannot call it off


def _refusing_client(account):
    """A WeChat client whose customer-service messages are refused as outside the 48 hours."""

    def send_text(openid: str, content: str) -> None:
        raise WeChatClientException(45015, "response out of time limit or subscription is canceled")

    return SimpleNamespace(message=SimpleNamespace(send_text=send_text))


def test_an_unknown_event_is_404(app):
    client = signed_in(app, "editor1")
    assert client.get("/events/99").status_code == 404
    assert client.get("/events/99/registrations.csv").status_code == 404


def parse_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # Excel reads the BOM as "this is UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_has_the_commands_columns_and_rows(
    app, redis, redis_server, config_file, clock, small
):
    response = signed_in(app, "editor1").get(f"/events/{small.number}/registrations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"csj-event-{small.number}-registrations-" in response.headers["Content-Disposition"]
    table = parse_csv(response)
    printed = CliRunner().invoke(
        main,
        ["--config", str(config_file), "events", "registrations", str(small.number)],
        env={"CSJ_REDIS__URL": redis_server.url},
        obj=SimpleNamespace(clock=clock),
    )
    assert printed.exit_code == 0, printed.output
    assert table == list(csv.reader(io.StringIO(printed.output)))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [(r[0], r[1]) for r in table[1:]] == [
        ("", "cancelled"),
        ("1", "confirmed"),
        ("1", "waitlisted"),
    ]
    assert not any(openid in response.get_data(as_text=True) for openid in OPENIDS)


@pytest.mark.parametrize(
    ("account", "openid", "cells"),
    [
        pytest.param("sh", '=HYPERLINK("http://x.example/")0001', ["'=HYP…0001"], id="equals"),
        pytest.param("+cmd", "-2+3-oFollower0000001", ["'+cmd", "'-2+3…0001"], id="plus-minus"),
        pytest.param("sh", "@SUM(1,2)oFollower0001", ["'@SUM…0001"], id="at"),
    ],
)
def test_the_csv_never_holds_a_live_formula(app, redis, clock, account, openid, cells):
    import_sample(redis)
    signup.sign_up(redis, NANJING, account, openid, clock(), "m")
    table = parse_csv(signed_in(app, "editor1").get(f"/events/{NANJING}/registrations.csv"))
    assert all(cell in table[1] for cell in cells), table[1]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in table[1])


BAD_CSV = (
    SAMPLE.read_text("utf-8").replace(",开放日,南京,", ",聚会,南京,").replace(",50,", ",五十,")
).encode()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        pytest.param(
            BAD_CSV,
            "events.csv",
            ["2 处问题", "第 2 行", "类型「聚会」应为", "第 3 行", "capacity", "单元格： 五十"],
            id="two-bad-cells",
        ),
        pytest.param(
            "title,kind\n观鸟,志愿\n".encode(), "e.csv", ["缺少列：region", "表头应为"], id="header"
        ),
        pytest.param(
            json.dumps({"events": [{"title": "观鸟"}]}, ensure_ascii=False).encode(),
            "e.json",
            ["第 1 条", "缺少列", '"title": "观鸟"'],
            id="json",
        ),
        pytest.param(SAMPLE.read_text("utf-8").encode("gbk"), "e.csv", ["GBK"], id="gbk"),
    ],
)
def test_a_bad_file_lists_every_problem_and_stores_nothing(app, redis, data, filename, expected):
    client = signed_in(app, "editor1")
    response = upload(client, data, filename)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422, page
    problems = text(page.split('id="problems"')[1])
    for part in expected:
        assert part in problems, part
    assert "没有保存任何内容，已有的活动不变" in problems
    assert EventRepo(redis).all() == []
    assert not [e for e in audit.entries(redis) if e.action == "event-import"]


def test_importing_a_file_twice_names_the_duplicates(app, redis):
    client = signed_in(app, "editor1")
    assert upload(client, SAMPLE.read_bytes()).status_code == 302
    again = upload(client, SAMPLE.read_bytes())
    assert again.status_code == 422
    assert "与已有活动 #1 重复（同名同时间）" in unescape(again.get_data(as_text=True))
    assert len(EventRepo(redis).all()) == 6


def test_a_good_file_is_imported_numbered_and_audited(app, redis):
    client = signed_in(app, "editor1")
    response = upload(client, SAMPLE.read_bytes(), "demo_events.csv")
    assert response.status_code == 302 and response.headers["Location"] == "/events"
    page = page_of(client, "/events")[1]
    assert "已导入 6 场活动：#1、#2、#3、#4、#5、#6" in page
    assert [e.title for e in EventRepo(redis).all()][0] == "江心洲污水处理厂开放日"
    entry = next(e for e in audit.entries(redis) if e.action == "event-import")
    assert entry.by == "editor1"
    assert entry.detail == {"file": "demo_events.csv", "events": [1, 2, 3, 4, 5, 6]}


def test_import_needs_a_file_a_token_and_a_writer(app, redis):
    editor = signed_in(app, "editor1")
    empty = upload(editor, b"")
    assert empty.status_code == 400 and "请先选择要导入的活动文件" in empty.get_data(as_text=True)
    assert upload(editor, SAMPLE.read_bytes(), csrf=False).status_code == 400
    assert upload(signed_in(app, "reviewer1"), SAMPLE.read_bytes()).status_code == 403
    assert EventRepo(redis).all() == []


def test_a_file_past_the_limit_is_refused_on_the_page(app, redis):
    response = upload(signed_in(app, "editor1"), b"x" * (3 * 1024 * 1024))
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "文件太大（最多 2 MB）：活动文件通常只有几 KB" in page
    assert 'id="import"' in page  # the page again, with the form, not a bare error
    assert EventRepo(redis).all() == []


def test_an_editor_calls_an_event_off(app, redis, clock, small):
    client = signed_in(app, "editor1")
    page = page_of(client, f"/events/{small.number}")[1]
    assert "已报名和候补的 2 位粉丝" in page and 'name="confirm"' in page
    response = post(client, f"/events/{small.number}/cancel", confirm="yes")
    assert response.status_code == 302
    page = page_of(client, f"/events/{small.number}")[1]
    assert "已取消 #7 小型开放日：2 位" in page and "取消活动</h2>" not in page
    assert "活动已取消：名单保留备查" in page and "不再提醒（活动已取消）" in page
    assert EventRepo(redis).get(small.number).status == "cancelled"
    entry = next(e for e in audit.entries(redis) if e.action == "event-cancel")
    assert entry.by == "editor1" and entry.detail == {"event": small.number, "told": 2}
    owed = signup.take_notices(redis, "sh", OPENIDS[2], "next")  # the one waiting
    assert owed == [("cancelled", small.number)]
    post(client, f"/events/{small.number}/cancel", confirm="yes")
    assert "此前已经取消" in page_of(client, f"/events/{small.number}")[1]
    assert len([e for e in audit.entries(redis) if e.action == "event-cancel"]) == 1


@pytest.mark.parametrize(
    ("who", "form", "status", "said"),
    [
        pytest.param("editor1", {"csrf_token": "wrong", "confirm": "yes"}, 400, "CSRF", id="csrf"),
        pytest.param("reviewer1", {"confirm": "yes"}, 403, "没有权限", id="reviewer"),
        pytest.param("editor1", {}, 302, "请先勾选确认框", id="unconfirmed"),
    ],
)
def test_calling_off_is_refused(app, redis, who, form, status, said):
    import_sample(redis)
    client = signed_in(app, who)
    response = client.post(
        f"/events/{NANJING}/cancel", data={"csrf_token": csrf_of(client), **form}
    )
    assert response.status_code == status
    shown = response.get_data(as_text=True) if status != 302 else page_of(client, "/events/1")[1]
    assert said in shown
    assert EventRepo(redis).get(NANJING).status == "open"
    assert not [e for e in audit.entries(redis) if e.action == "event-cancel"]


def test_an_admin_may_call_off_but_not_an_event_that_is_over(app, redis, clock):
    import_sample(redis)
    admin = signed_in(app, "admin1")
    assert 'id="call-off"' in page_of(admin, f"/events/{NANJING}")[1]
    clock.advance(timedelta(days=1, hours=2).total_seconds())  # the Suzhou open day is over
    assert 'id="call-off"' not in page_of(admin, f"/events/{SUZHOU_CLOSED}")[1]
    post(admin, f"/events/{SUZHOU_CLOSED}/cancel", confirm="yes")
    assert "已经结束" in page_of(admin, f"/events/{SUZHOU_CLOSED}")[1]
    assert EventRepo(redis).get(SUZHOU_CLOSED).status == "open"
    post(admin, f"/events/{NANJING}/cancel", confirm="yes")
    assert EventRepo(redis).get(NANJING).status == "cancelled"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/events"),
        ("get", "/events/1"),
        ("get", "/events/1/registrations.csv"),
        ("post", "/events"),
        ("post", "/events/1/cancel"),
    ],
)
def test_no_session_is_sent_to_sign_in(app, redis, method, path):
    import_sample(redis)
    response = getattr(app.test_client(), method)(path, data={"confirm": "yes"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert EventRepo(redis).get(NANJING).status == "open" and len(EventRepo(redis).all()) == 6


def test_the_demo_shows_who_is_coming(app, redis):
    events = load_demo_events(redis, NOW_DT)
    first, second = [e.number for e in events if e.signup_state(NOW_DT) == "open"][:2]
    client = signed_in(app, "editor1")
    assert "8/30" in row(page_of(client, "/events")[1], first)
    page = page_of(client, f"/events/{first}")[1]
    assert "报名名单（8）" in page and "oDem…0000" in page and "安徽省生态环境厅" in page
    assert "报名名单（4）" in page_of(client, f"/events/{second}")[1]
    assert "oDemoshfollower0000" not in page
