"""The syndication log page (/log), its CSV export (/log.csv) and the counts (/log/counts)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from wechatpy.exceptions import WeChatClientException

from bot.store import SynKeys
from syndication import records
from syndication.admin import create_app, logs, users
from syndication.calls import CallFailed, Recorder, Where
from tests.test_admin_auth import PASSWORD, AuthActions

DAY = 86_400
HOSTILE = "=cmd|' /C calc'!A0"


class Log:
    """Writes log entries through the real recorder, at the test clock's time."""

    def __init__(self, redis, clock) -> None:
        self.recorder = Recorder(redis, clock)
        self.clock = clock

    def call(
        self,
        article: str,
        account: str,
        step: str = "draft/add",
        errcode: int = 0,
        errmsg: str = "",
        attempt: int = 1,
    ) -> None:
        def fn() -> dict:
            if errcode:
                raise WeChatClientException(errcode, errmsg)
            return {}

        try:
            self.recorder.call(Where(article, account, attempt), step, fn)
        except CallFailed:
            pass
        self.clock.advance(60)  # one call a minute: times and stream ids both ascend


@pytest.fixture
def log(redis, clock) -> Log:
    return Log(redis, clock)


@pytest.fixture
def client(config, redis, clock):
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    client = create_app(config, redis=redis, clock=clock).test_client()
    assert AuthActions(client).login().status_code == 302
    return client


@pytest.fixture
def week(log, clock):
    """A1 on two accounts on day one, A2 failing (45009) on day two, a hostile errmsg on day 3."""
    log.call("A1", "sh", "material/add_material")
    log.call("A1", "sh", "draft/add")
    log.call("A1", "js", "draft/add")
    clock.advance(DAY)
    log.call("A2", "zj", "freepublish/submit", 45009, "reach max api daily quota limit", 2)
    clock.advance(DAY)
    log.call("A2", "ah", "draft/add", 40001, HOSTILE)


def texts(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, unescape(response.get_data(as_text=True))


def rows_of(page: str) -> list[str]:
    """Each table row's cells, as text joined with ¦."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", page, re.S))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return ["¦".join(_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)) for r in rows]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_log_shows_each_call_newest_first_in_shanghai_time(client, week):
    status, page = texts(client, "/log")
    assert status == 200
    rows = rows_of(page)
    assert len(rows) == 5
    assert rows[0].split("¦")[:4] == [
        "2026-11-26 10:44:00",
        "安徽省生态环境厅",
        "A2",
        "新建草稿 draft/add",
    ]
    assert "40001" in rows[0] and "access_token 无效" in rows[0] and HOSTILE in rows[0]
    assert rows[1].split("¦")[4].startswith("45009 今日接口调用次数已用完")
    assert rows[1].split("¦")[5] == "2" and rows[1].split("¦")[6].endswith(" ms")
    assert rows[-1].startswith(
        "2026-11-24 10:40:00¦上海市生态环境局¦A1¦上传封面 material/add_material¦成功"
    )
    assert '<a href="/articles/A1">A1</a>' in page
    assert 'href="/log?errcode=45009"' in page  # a failed call's code filters the log by it


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "account=sh", ["A1 sh draft/add", "A1 sh material/add_material"], id="account"
        ),
        pytest.param("article=A2", ["A2 ah draft/add", "A2 zj freepublish/submit"], id="article"),
        pytest.param("status=error", ["A2 ah draft/add", "A2 zj freepublish/submit"], id="error"),
        pytest.param("status=ok&account=js", ["A1 js draft/add"], id="ok-and-account"),
        pytest.param("errcode=45009", ["A2 zj freepublish/submit"], id="errcode"),
        pytest.param("since=2026-11-25&until=2026-11-25", ["A2 zj freepublish/submit"], id="day"),
        pytest.param("since=2026-11-26", ["A2 ah draft/add"], id="since"),
        pytest.param(
            "until=2026-11-24",
            ["A1 js draft/add", "A1 sh draft/add", "A1 sh material/add_material"],
            id="until",
        ),
        pytest.param("errcode=-3", [], id="nothing"),
    ],
)
def test_filters(client, week, query, expected):
    status, page = texts(client, f"/log?{query}")
    assert status == 200
    codes = {
        "上海市生态环境局": "sh",
        "江苏省生态环境厅": "js",
        "浙江省生态环境厅": "zj",
        "安徽省生态环境厅": "ah",
    }
    found = []
    for row in rows_of(page):
        cells = row.split("¦")
        found.append(f"{cells[2]} {codes[cells[1]]} {cells[3].split()[-1]}")
    assert found == expected
    if not expected:
        assert "没有符合条件的记录" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param("account=gz", "没有账号「gz」", id="account"),
        pytest.param("article=A1;DROP", "文章编号「A1;DROP」不正确，应形如 A3", id="article"),
        pytest.param("status=maybe", "状态「maybe」不正确", id="status"),
        pytest.param("errcode=abc", "错误码「abc」应为整数", id="errcode"),
        pytest.param("since=2026-13-01", "开始日期「2026-13-01」应为 YYYY-MM-DD", id="month"),
        pytest.param("until=yesterday", "结束日期「yesterday」应为 YYYY-MM-DD", id="word"),
        pytest.param(
            "since=2026-11-26&until=2026-11-24", "结束日期 2026-11-24 早于开始日期", id="reversed"
        ),
        pytest.param("size=0", "每页条数「0」应为 1 到 200 的整数", id="size"),
        pytest.param("before=../../etc", "翻页参数不正确", id="cursor"),
        pytest.param("after=1-2-3", "翻页参数不正确", id="after"),
    ],
)
def test_bad_filter_values_get_a_clear_message(client, week, query, message):
    status, page = texts(client, f"/log?{query}")
    assert status == 400
    assert "筛选条件有误" in page and message in page
    assert "<tbody>" not in page  # no half-filtered results
    csv_status, csv_text = texts(client, f"/log.csv?{query}")
    assert csv_status == 400 and message in csv_text


def test_several_bad_values_are_all_listed(client):
    status, page = texts(client, "/log?errcode=x&since=y&account=z")
    assert status == 400
    assert all(m in page for m in ("错误码「x」", "开始日期「y」", "没有账号「z」"))


def links(page: str) -> dict[str, str]:
    """The pager's links by label."""
    pager = page.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'href="([^"]+)"[^>]*>([^<]+)<', pager)
    return {label.strip(" ←→"): href for href, label in found}


def articles_on(page: str) -> list[str]:
    return [row.split("¦")[2] for row in rows_of(page)]


def test_pages_are_stable_while_new_entries_arrive(client, log):
    for n in range(1, 6):
        log.call(f"A{n}", "sh")
    first = texts(client, "/log?size=2&account=sh")[1]
    assert articles_on(first) == ["A5", "A4"]
    assert set(links(first)) == {"较旧"}  # the newest page: nothing newer, no "最新"
    log.call("A6", "sh")  # arrives while the user reads page one
    log.call("A7", "js")
    second = texts(client, links(first)["较旧"])[1]
    assert articles_on(second) == ["A3", "A2"]  # not shifted by A6
    assert set(links(second)) == {"较新", "最新", "较旧"}
    assert "account=sh" in links(second)["较旧"] and "size=2" in links(second)["较旧"]
    assert 'name="size" value="2"' in second  # the filter form keeps the page size too
    last = texts(client, links(second)["较旧"])[1]
    assert articles_on(last) == ["A1"] and set(links(last)) == {"较新", "最新"}
    back = texts(client, links(last)["较新"])[1]
    assert articles_on(back) == ["A3", "A2"]
    newest = texts(client, links(back)["较新"])[1]
    assert articles_on(newest) == ["A5", "A4"]
    assert articles_on(texts(client, links(newest)["较新"])[1]) == ["A6"]


@pytest.mark.parametrize(("entries", "older"), [(0, False), (3, False), (4, True)])
def test_page_boundaries(redis, log, entries, older):
    for n in range(entries):
        log.call(f"A{n}", "sh")
    page = records.log_page(redis, records.LogFilter(), 3)
    assert len(page.entries) == min(entries, 3)
    assert page.newer is None and (page.older is not None) is older
    if older:
        rest = records.log_page(redis, records.LogFilter(), 3, before=page.older)
        assert [e.article for e in rest.entries] == ["A0"]
        assert rest.older is None and rest.newer == rest.entries[0].id


def test_a_cursor_past_the_end_shows_the_newest_page(redis, log):
    for n in range(3):
        log.call(f"A{n}", "sh")
    newest = records.log_entries(redis, limit=1)[0].id
    page = records.log_page(redis, records.LogFilter(), 2, after=newest)
    assert [e.article for e in page.entries] == ["A2", "A1"] and page.newer is None


def test_csj_log_reads_pages_too(redis, log):
    for n in range(4):
        log.call(f"A{n}", "sh")
    second = records.log_entries(redis, limit=2, before=records.log_entries(redis, limit=2)[-1].id)
    assert [e.article for e in second] == ["A1", "A0"]


def parse_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # Excel reads the BOM as "this is UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_has_every_match_with_a_bom_and_no_live_formulas(client, week):
    response = client.get("/log.csv?size=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="csj-log-')
    table = parse_csv(response)
    assert table[0] == list(logs.CSV_HEADER)
    assert len(table) == 6  # every entry, whatever the page size
    hostile = table[1]
    assert hostile[:6] == [
        "2026-11-26 10:44:00",
        "ah",
        "安徽省生态环境厅",
        "A2",
        "draft/add",
        "40001",
    ]
    assert hostile[7] == "'" + HOSTILE  # a text cell, not a formula, in Excel
    assert table[2][5:9] == [
        "45009",
        "今日接口调用次数已用完，零点后自动继续",
        "reach max api daily quota limit",
        "2",
    ]
    assert table[-1][6:8] == ["成功", ""]


def test_csv_export_keeps_the_filters(client, week):
    table = parse_csv(client.get("/log.csv?status=error&account=zj"))
    assert [row[1] for row in table[1:]] == ["zj"]


def test_a_negative_errcode_stays_a_number(log, redis, config):
    log.call("A1", "sh", "draft/add", -1, "-system busy")
    lines = list(logs.csv_lines(records.iter_log(redis, records.LogFilter()), config))
    row = next(csv.reader([lines[1]]))
    assert row[5] == "-1" and row[7] == "'-system busy"


def test_the_export_stops_at_its_cap_and_says_so(log, redis, config):
    for n in range(3):
        log.call(f"A{n}", "sh")
    lines = list(logs.csv_lines(records.iter_log(redis, records.LogFilter()), config, cap=2))
    assert len(lines) == 4 and "已达导出上限 2 行" in lines[-1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("ok", "ok"),
        (-3, -3),
        (12.5, 12.5),
    ],
)
def test_safe_cell(value, expected):
    assert logs.safe_cell(value) == expected


@pytest.mark.parametrize("path", ["/log", "/log.csv", "/log/counts"])
def test_signed_out_is_sent_to_sign_in(config, redis, clock, path):
    response = create_app(config, redis=redis, clock=clock).test_client().get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_counts_show_totals_per_account_and_per_day(client, redis):
    redis.sadd(SynKeys.published("sh"), "A1", "A2")
    redis.sadd(SynKeys.published("js"), "A1")
    redis.sadd(SynKeys.published_day("2026-11-24"), "A2:sh")
    redis.sadd(SynKeys.published_day("2026-11-23"), "A1:sh", "A1:js")
    status, page = texts(client, "/log/counts?days=3")
    assert status == 200 and "近 3 天" in page
    rows = rows_of(page)
    assert rows[0] == "上海市生态环境局¦2 篇¦—" and rows[1] == "江苏省生态环境厅¦1 篇¦—"
    per_day = [r for r in rows if r.startswith("11-")]
    assert per_day == ["11-24¦1¦1¦0¦0¦0", "11-23¦2¦1¦1¦0¦0", "11-22¦0¦0¦0¦0¦0"]
    assert 'href="/log?since=2026-11-23&until=2026-11-23"' in page


def test_bad_days_on_the_counts_page(client):
    status, page = texts(client, "/log/counts?days=1000")
    assert status == 400 and "天数「1000」应为 1 到 92 的整数" in page and "近 14 天" in page


def test_texts_from_wechat_are_escaped_on_the_page(client, log):
    log.call("A1", "sh", "draft/add", 45166, '<script>alert("x")</script>')
    page = client.get("/log").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;" in page
