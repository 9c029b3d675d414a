"""`csj post add|list|show|edit|approve|request-changes` through click's CliRunner."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from bot.store import SynKeys
from syndication import articles
from syndication.cli import main
from tests.test_sources import KNOWN, SAMPLE, TIME_HINT, png


@pytest.fixture
def article_file(tmp_path):
    """The sample article beside its cover, with an author that fits WeChat's 16 characters."""
    shutil.copy(SAMPLE.with_name("cover.jpg"), tmp_path / "cover.jpg")
    text = SAMPLE.read_text("utf-8").replace("长三角区域生态环境保护协作小组办公室", "长三角协作办")
    path = tmp_path / "alliance.md"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def csj(config_file, redis_server, redis):
    """Run `csj post …`; approvals=N through the environment, as an operator would set it."""

    def run(*args: str, approvals: int = 0, user: str | None = None):
        env = {"CSJ_REDIS__URL": redis_server.url, "CSJ_SYNDICATION__APPROVALS": str(approvals)}
        env["CSJ_USER"] = user  # None: unset, whatever the developer's shell has
        return CliRunner().invoke(main, ["--config", str(config_file), "post", *args], env=env)

    return run


def test_add_show_list(csj, article_file, redis):
    added = csj("add", str(article_file), "--by", "张编辑")
    assert added.exit_code == 0, added.output
    assert added.output.splitlines()[:3] == [
        "已创建 A1《长三角区域生态环境宣教联盟正式成立》（第 1 版）",
        "状态：已排期，发布时间：立即",
        "发布账号：sh、js、zj、ah",
    ]
    shown = csj("show", "A1")
    assert shown.exit_code == 0 and "创建：张编辑" in shown.output and "张编辑 创建" in shown.output
    listed = csj("list")
    assert listed.output.startswith(
        "A1\t已排期\t审核 0/0\t立即\t长三角区域生态环境宣教联盟正式成立"
    )


def test_add_with_options_and_json(csj, article_file):
    result = csj(
        "add",
        str(article_file),
        "--publish-at",
        "2026-12-01 09:30",
        "--accounts",
        "sh,js",
        "--json",
        user="张编辑",
        approvals=1,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "A1" and data["state"] == "awaiting_approval"
    assert data["accounts"] == ["sh", "js"] and data["publish_at"] == "2026-12-01T09:30:00+08:00"
    assert data["created_by"] == "张编辑" and data["approvals_needed"] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], ["请用 --by 姓名 写明操作人（或设置环境变量 CSJ_USER）"], id="no-by"),
        pytest.param(
            ["--by", "张", "--accounts", "sh,gd"],
            ["未知的账号：gd（可选：sh、js、zj、ah）"],
            id="account",
        ),
        pytest.param(
            ["--by", "张", "--publish-at", "明早"],
            [f"--publish-at：“明早”不是有效的时间{TIME_HINT}"],
            id="time",
        ),
    ],
)
def test_add_refusals_exit_1_and_store_nothing(csj, article_file, redis, args, expected):
    result = csj("add", str(article_file), *args)
    assert result.exit_code == 1 and result.output.splitlines() == expected
    assert redis.dbsize() == 0


def test_a_bad_file_lists_every_problem(csj, tmp_path, redis):
    path = tmp_path / "bad.md"
    path.write_text("---\nauthor: 我\ncover: gone.jpg\ncolour: 绿\n---\n正文", "utf-8")
    result = csj("add", str(path), "--by", "张")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"bad.md：不认识的字段 colour{KNOWN}",
        "bad.md：缺少 title（标题）",
        f"bad.md：封面 gone.jpg：找不到文件（应放在文章旁边：{tmp_path}）",
    ]
    json_result = csj("add", str(path), "--by", "张", "--json")
    assert json_result.exit_code == 1 and len(json.loads(json_result.output)["errors"]) == 3
    assert redis.dbsize() == 0


def test_review_round(csj, article_file, redis):
    csj("add", str(article_file), "--by", "张编辑", approvals=1)
    own = csj("approve", "A1", "--by", "张编辑", approvals=1)
    assert own.exit_code == 1 and "作者不能审核自己的文章" in own.output
    noted = csj("request-changes", "A1", "--by", "李审核", "--note", "请补充日期", approvals=1)
    assert noted.exit_code == 0 and "待审核（已有 0 人审核通过，还需 1 人）" in noted.output
    approved = csj("approve", "A1", "--by", "李审核", approvals=1)
    assert approved.exit_code == 0, approved.output
    assert approved.output.startswith("已审核通过 A1") and "状态：已排期" in approved.output
    shown = csj("show", "A1", approvals=1)
    assert "修改意见（第 1 版，李审核" in shown.output and "审核通过：李审核" in shown.output
    data = json.loads(csj("show", "A1", "--json", approvals=1).output)
    assert [e["action"] for e in data["audit"]] == ["approve", "request_changes", "create"]


def test_edit_fields_and_file(csj, article_file, redis):
    csj("add", str(article_file), "--by", "张编辑", approvals=1)
    csj("approve", "A1", "--by", "李审核", approvals=1)
    edited = csj("edit", "A1", "--title", "新标题", "--by", "王编辑", approvals=1)
    assert edited.exit_code == 0, edited.output
    assert edited.output.startswith("已修改 A1《新标题》（第 2 版）")
    assert "待审核（已有 0 人审核通过，还需 1 人）" in edited.output
    (article_file.parent / "fig.png").write_bytes(png())
    article_file.write_text(article_file.read_text("utf-8") + "\n![图](fig.png)\n", "utf-8")
    from_file = csj("edit", "A1", "--file", str(article_file), "--by", "王编辑", "--json")
    data = json.loads(from_file.output)
    assert data["version"] == 3 and data["title"] == "长三角区域生态环境宣教联盟正式成立"
    assert len(data["images"]) == 1
    unchanged = csj("edit", "A1", "--file", str(article_file), "--by", "王编辑")
    assert unchanged.exit_code == 1
    assert unchanged.output == "内容与当前版本相同，没有需要保存的修改\n"


def test_list_by_state_and_unknown_article(csj, article_file, redis):
    csj("add", str(article_file), "--by", "张编辑", approvals=1)
    assert csj("list", "--state", "scheduled").output == "没有文章\n"
    assert json.loads(csj("list", "--json", "--state", "awaiting_approval").output)[0]["id"] == "A1"
    missing = csj("show", "A9")
    assert missing.exit_code == 1 and missing.output == "没有编号为 A9 的文章\n"
    assert redis.zscore(SynKeys.DUE, "A1") is None and articles.load(redis, "A1").version == 1
