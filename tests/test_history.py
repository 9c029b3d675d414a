"""Issue 10: `csj post import-history`: the back catalogue counts, is listed, keeps its numbers."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.store import SynKeys
from syndication import publications as pubs
from syndication import records, review
from syndication.cli import main
from tests.test_column_answer import ask, items_of
from tests.test_publishing_sample import ACCOUNTS, TITLE, sample_input

FIRST_DAY = date(2025, 6, 5)


def history_rows(count: int = 15) -> list[dict[str, str]]:
    """`count` articles a fortnight apart; zj did not carry the third."""
    rows = []
    for n in range(1, count + 1):
        row = {"title": f"美丽长三角往期{n}", "date": str(FIRST_DAY + timedelta(days=14 * (n - 1)))}
        for i, account in enumerate(ACCOUNTS):
            mid = 2247480000 + 10 * n + i
            row[account] = f"https://mp.weixin.qq.com/s?__biz=MzA{account}&mid={mid}&idx=1&sn=ab{n}"
        if n == 3:
            row["zj"] = ""
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or ["title", "date", *ACCOUNTS]
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def csj(config_file, redis_server):
    def run(*args: str):
        env = {"CSJ_REDIS__URL": redis_server.url, "CSJ_USER": "档案员"}
        return CliRunner().invoke(main, ["--config", str(config_file), *args], env=env)

    return run


def syn_state(redis) -> dict[bytes, object]:
    """Every {syn} key but the audit trail, with its value: to prove a re-import changes nothing."""
    dump = {}
    for key in sorted(redis.scan_iter(match=f"{SynKeys.TAG}:*")):
        if key != SynKeys.AUDIT.encode():
            dump[key] = redis.dump(key)
    return dump


def test_fifteen_imported_then_the_next_is_the_sixteenth(
    csj, tmp_path, engine, redis, config, clock, wechat
):
    result = csj("post", "import-history", str(write_csv(tmp_path / "h.csv", history_rows())))
    assert result.exit_code == 0, result.output
    assert "已导入 15 篇往期文章" in result.output and "第16期" in result.output
    counts = json.loads(csj("counts", "--json").output)
    assert counts["published"] == {"sh": 15, "js": 15, "zj": 14, "ah": 15}
    assert "sh     上海市生态环境局：已累计发布 15 篇" in csj("counts").output

    reply = items_of(ask(wechat, config, "往期", "sh"))
    assert (
        reply[0]["Title"] == "第15期 美丽长三角往期15"
        and "已累计发布15篇" in reply[0]["Description"]
    )

    article = review.create(redis, config, sample_input(), "编辑小王", clock())
    engine.run()
    engine.advance(200)
    assert engine.states(article.id) == dict.fromkeys(ACCOUNTS, pubs.PUBLISHED)
    assert records.counts(redis, config).published == {"sh": 16, "js": 16, "zj": 15, "ah": 16}
    first = items_of(ask(wechat, config, "往期", "js"))[0]
    assert first["Title"] == f"第16期 {TITLE}" and "已累计发布16篇" in first["Description"]
    shown = csj("post", "show", article.id)
    assert "期数：第 16 期" in shown.output


def test_importing_the_same_file_again_changes_nothing(csj, tmp_path, redis):
    path = write_csv(tmp_path / "h.csv", history_rows())
    assert csj("post", "import-history", str(path)).exit_code == 0
    before = syn_state(redis)
    again = csj("post", "import-history", str(path))
    assert again.exit_code == 0 and "没有变化：文件中的 15 篇均已导入" in again.output
    assert syn_state(redis) == before


def test_json_is_the_same_as_csv(csj, tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps(history_rows(3), ensure_ascii=False), "utf-8")
    result = csj("post", "import-history", "--json", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == ["A1", "A2", "A3"]
    listed = csj("post", "show", "A3")
    assert "期数：第 3 期" in listed.output and "往期（已导入）" in listed.output


def test_a_forgotten_article_takes_its_place_before_csj_publishes(csj, tmp_path):
    rows = history_rows(3)
    assert (
        csj("post", "import-history", str(write_csv(tmp_path / "a.csv", rows[::2]))).exit_code == 0
    )
    result = csj("post", "import-history", str(write_csv(tmp_path / "b.csv", rows)))
    assert result.exit_code == 0, result.output
    numbers = {a["title"]: a["number"] for a in json.loads(csj("post", "list", "--json").output)}
    assert numbers == {"美丽长三角往期1": 1, "美丽长三角往期2": 2, "美丽长三角往期3": 3}


def bad(rows: list[dict[str, str]], **change: str) -> list[dict[str, str]]:
    rows = [dict(r) for r in rows]
    rows[1].update(change)
    return rows


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        pytest.param(
            history_rows(2),
            ["title", "date", "sh", "bj"],
            "第1行第4列：未知的账号 bj",
            id="account",
        ),
        pytest.param(
            history_rows(2), ["date", "title", "sh"], "表头应以 title,date 开头", id="header"
        ),
        pytest.param(
            bad(history_rows(3), date="2025/7/1"),
            None,
            "第3行第2列（date）：日期 2025/7/1 不是 YYYY-MM-DD",
            id="date",
        ),
        pytest.param(bad(history_rows(3), date="2999-01-01"), None, "在今天之后", id="future"),
        pytest.param(
            bad(history_rows(3), title="美丽长三角往期1", date=str(FIRST_DAY)),
            None,
            "第3行：与第2行重复（同一标题和日期）",
            id="duplicate",
        ),
        pytest.param(
            bad(history_rows(3), js="mp.weixin.qq.com/s/x"),
            None,
            "第3行第4列（js）：链接 mp.weixin.qq.com/s/x 不是有效的 http(s) 地址",
            id="url",
        ),
        pytest.param(
            bad(history_rows(3), sh="", js="", zj="", ah=""),
            None,
            "第3行：没有任何账号的链接",
            id="no-url",
        ),
        pytest.param(
            bad(history_rows(3), title=""), None, "第3行第1列（title）：标题为空", id="title"
        ),
    ],
)
def test_bad_files_are_refused_whole_with_every_problem_placed(
    csj, tmp_path, redis, rows, header, message
):
    result = csj("post", "import-history", str(write_csv(tmp_path / "h.csv", rows, header)))
    assert result.exit_code == 1 and message in result.output, result.output
    assert redis.hlen(SynKeys.HISTORY) == 0 and not redis.exists(SynKeys.COLUMN_SEQ)


def test_every_problem_is_listed_at_once(csj, tmp_path):
    rows = bad(history_rows(4), date="someday", sh="ftp://x")
    rows[3]["title"] = ""
    result = csj("post", "import-history", str(write_csv(tmp_path / "h.csv", rows)))
    assert result.exit_code == 1
    assert "第3行第2列（date）" in result.output and "第3行第3列（sh）" in result.output
    assert "第5行第1列（title）：标题为空" in result.output


def test_a_history_that_conflicts_with_the_store_is_refused(
    csj, tmp_path, engine, redis, config, clock
):
    rows = history_rows(3)
    assert csj("post", "import-history", str(write_csv(tmp_path / "a.csv", rows))).exit_code == 0
    changed = csj(
        "post",
        "import-history",
        str(write_csv(tmp_path / "b.csv", bad(rows, sh="https://mp.weixin.qq.com/s/other"))),
    )
    assert changed.exit_code == 1
    assert (
        "第3行：《美丽长三角往期2》（2025-06-19）已导入为 A2，但各账号链接与已导入的不同"
        in changed.output
    )

    review.create(redis, config, sample_input(), "编辑小王", clock())
    engine.run()
    engine.advance(200)
    before = syn_state(redis)
    late = csj("post", "import-history", str(write_csv(tmp_path / "c.csv", history_rows(4))))
    assert late.exit_code == 1 and "csj 已发布过第 4 至 4 期，不能再插入往期文章" in late.output
    assert syn_state(redis) == before
