"""`csj log`, `csj counts`, `csj post show|retry|cancel` on a published article (CliRunner)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from syndication import publications as pubs
from syndication.cli import main
from tests.publishing_support import store_article


@pytest.fixture
def csj(config_file, redis_server):
    def run(*args: str):
        env = {"CSJ_REDIS__URL": redis_server.url, "CSJ_USER": None}
        return CliRunner().invoke(main, ["--config", str(config_file), *args], env=env)

    return run


@pytest.fixture
def published(engine, redis, config, clock):
    """A1 published on sh and js; A2 failed on sh (review rejected)."""
    first = store_article(redis, config, clock(), accounts=("sh", "js"))
    engine.run()
    engine.advance(200)
    engine.sandbox.control("sh/settings", {"publish_status": 4})
    second = store_article(redis, config, clock(), title="第二篇", accounts=("sh",))
    engine.run()
    engine.advance(200)
    assert engine.pub(second.id, "sh").state == pubs.FAILED
    return first, second


def test_log_filters_and_formats(csj, published):
    table = csj("log", "--article", "A1", "--account", "js")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert len(lines) == 5 and all(" js " in line and " A1 " in line for line in lines)
    rows = list(csv.reader(io.StringIO(csj("log", "--format", "csv").output)))
    assert rows[0] == [
        "time",
        "account",
        "article",
        "step",
        "errcode",
        "errmsg",
        "attempt",
        "latency_ms",
    ]
    assert {r[3] for r in rows[1:]} >= {"draft/add", "freepublish/submit", "freepublish/get"}
    entries = json.loads(csj("log", "--format", "json", "--status", "ok").output)
    assert entries and all(e["errcode"] == 0 for e in entries)
    assert csj("log", "--status", "error").output == "（没有符合条件的记录）\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "--account", "bj"), "unknown account 'bj'"),
        (("log", "--since", "12/01"), "is not a date like 2026-12-01"),
        (("log", "--status", "maybe"), "'maybe' is not one of 'ok', 'error'"),
        (("post", "retry", "A1"), "Missing option '--by'"),
        (("post", "retry", "A9", "--by", "王"), "没有编号为 A9 的文章"),
        (("post", "cancel", "A1", "--account", "zj", "--by", "王"), "没有发往这些账号：zj"),
    ],
)
def test_bad_input_is_named(csj, published, args, message):
    result = csj(*args)
    assert result.exit_code != 0 and message in result.output


def test_counts(csj, published):
    result = csj("counts", "--json")
    data = json.loads(result.output)
    assert data["published"] == {"sh": 1, "js": 1, "zj": 0, "ah": 0}
    assert data["articles"] == {
        "A2": {"sh": "failed"},
        "A1": {"sh": "published", "js": "published"},
    }
    text = csj("counts").output
    assert "sh     上海市生态环境局：已累计发布 1 篇（失败 1，已发布 1）" in text


def test_show_retry_and_cancel(csj, published, engine):
    shown = csj("post", "show", "A2")
    assert "sh 上海市生态环境局：失败  平台审核不通过" in shown.output
    assert "状态：失败 1（共 1 个账号）" in shown.output
    assert csj("post", "list").output.splitlines()[1].startswith("A1\t已发布 2（共 2 个账号）\t")
    assert (
        csj("post", "cancel", "A1", "--by", "王").output
        == "sh: 无法取消：已发布\njs: 无法取消：已发布\n"
    )
    assert (
        csj("post", "retry", "A1", "--by", "王").output
        == "sh: 无需重试：已发布\njs: 无需重试：已发布\n"
    )
    engine.sandbox.control("sh/settings", {"publish_status": 0})
    assert csj("post", "retry", "A2", "--by", "王").output == "sh: 已重新排队\n"
    engine.run()
    engine.advance(200)
    assert "sh 上海市生态环境局：已发布  http" in csj("post", "show", "A2").output
    trail = json.loads(csj("post", "show", "A2", "--json").output)
    assert trail["publications"]["sh"]["state"] == "published"
    assert [e["action"] for e in trail["audit"]][:1] == ["retry"]
