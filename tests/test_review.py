"""An article before publishing: create, edit, approve (三审三校), request changes, cancel."""

from __future__ import annotations

import dataclasses

import pytest

from bot.store import SynKeys
from syndication import articles, audit, review
from syndication.articles import AWAITING, CANCELLED, SCHEDULED, STARTED, ArticleError
from syndication.sources import ArticleInput, read_markdown_file
from tests.test_sources import COVER, SAMPLE, png

AUTHOR = "张编辑"


def sample(**changes) -> ArticleInput:
    """The sample article, with an author that fits WeChat's 16 characters."""
    data = read_markdown_file(SAMPLE)
    return dataclasses.replace(data, **{"author": "长三角生态环境协作办", **changes})


def needing(config, approvals: int):
    """The config with [syndication] approvals = N."""
    return dataclasses.replace(
        config, syndication=dataclasses.replace(config.syndication, approvals=approvals)
    )


@pytest.fixture
def one(config):
    return needing(config, 1)


@pytest.fixture
def two(config):
    return needing(config, 2)


def actions(redis, article_id: str) -> list[tuple[str, str]]:
    """(by, action) of the article's audit entries, oldest first."""
    return [(e.by, e.action) for e in reversed(audit.entries(redis, article=article_id))]


def test_create_with_no_approvals_is_scheduled_at_once(redis, config, clock):
    assert config.syndication.approvals == 0  # the example config's demo setting
    article = review.create(redis, config, sample(), AUTHOR, clock())
    assert article.id == "A1" and article.state == SCHEDULED and article.version == 1
    assert article.accounts == ("sh", "js", "zj", "ah") and article.created_by == AUTHOR
    assert articles.load(redis, "A1") == article
    assert redis.zscore(SynKeys.DUE, "A1") == clock()
    assert articles.blob(redis, article.cover)[:2] == b"\xff\xd8"  # the prepared JPEG cover
    assert actions(redis, "A1") == [(AUTHOR, "create")]


def test_create_needing_approval_waits(redis, one, clock):
    article = review.create(redis, one, sample(publish_at=clock() + 3600), AUTHOR, clock())
    assert article.state == AWAITING and redis.zscore(SynKeys.DUE, article.id) is None


def test_default_accounts_are_the_column_accounts(redis, config, clock):
    article = review.create(redis, config, sample(accounts=None), AUTHOR, clock())
    assert article.accounts == articles.default_accounts(config) == ("sh", "js", "zj", "ah")


def test_body_images_are_rendered_and_stored(redis, config, clock):
    data = sample(body="正文。\n\n![图一](fig.png)", images={"fig.png": png()})
    article = review.create(redis, config, data, AUTHOR, clock())
    assert len(article.images) == 1 and f"csj-blob:{article.images[0]}" in article.html
    assert articles.blob(redis, article.images[0])


def test_a_past_publish_time_is_a_warning(redis, config, clock):
    article = review.create(redis, config, sample(publish_at=clock() - 3600), AUTHOR, clock())
    when = review.format_time(clock() - 3600)
    assert f"发布时间 {when} 已过，保存后将立即发布" in article.warnings


@pytest.mark.parametrize(
    ("changes", "by", "expected"),
    [
        pytest.param({"cover": None}, AUTHOR, "缺少封面图片", id="no-cover"),
        pytest.param(
            {"cover": b"not an image", "cover_name": "c.jpg"},
            AUTHOR,
            "封面图片 c.jpg：",
            id="bad-cover",
        ),
        pytest.param(
            {"accounts": ("sh", "gd")},
            AUTHOR,
            "未知的账号：gd（可选：sh、js、zj、ah）",
            id="unknown-account",
        ),
        pytest.param({"accounts": ()}, AUTHOR, "至少要选择一个发布账号", id="no-accounts"),
        pytest.param({"title": "标" * 33}, AUTHOR, "标题有 33 字，上限 32 字", id="long-title"),
        pytest.param(
            {"author": "长三角区域生态环境保护协作小组办公室"},
            AUTHOR,
            "作者有 18 字，上限 16 字",
            id="sample-author",
        ),
        pytest.param(
            {"source_url": "www.example.org"},
            AUTHOR,
            "原文链接“www.example.org”不是网址",
            id="bad-url",
        ),
        pytest.param(
            {"body": "![](fig.png)", "images": {}},
            AUTHOR,
            "图片“fig.png”没有提供文件",
            id="image-missing",
        ),
        pytest.param({}, " ", "缺少操作人", id="nobody"),
        pytest.param({}, "a\nb", "操作人姓名不合适", id="bad-name"),
    ],
)
def test_create_refusals_store_nothing(redis, config, clock, changes, by, expected):
    with pytest.raises(ArticleError) as raised:
        review.create(redis, config, sample(**changes), by, clock())
    assert any(expected in p for p in raised.value.problems), raised.value.problems
    assert redis.dbsize() == 0


def test_create_lists_every_problem(redis, config, clock):
    data = sample(cover=None, accounts=("gd",), title="标" * 40)
    with pytest.raises(ArticleError) as raised:
        review.create(redis, config, data, AUTHOR, clock())
    assert raised.value.problems == [
        "缺少封面图片",
        "未知的账号：gd（可选：sh、js、zj、ah）",
        "标题有 40 字，上限 32 字（多 8 字）：请删减",
    ]


def test_one_approval_schedules(redis, one, clock):
    article = review.create(redis, one, sample(), AUTHOR, clock())
    clock.advance(60)
    approved = review.approve(redis, one, article.id, "李审核", clock())
    assert approved.state == SCHEDULED and [a.by for a in approved.current_approvals()] == [
        "李审核"
    ]
    assert redis.zscore(SynKeys.DUE, article.id) == clock()
    assert actions(redis, article.id) == [(AUTHOR, "create"), ("李审核", "approve")]
    entry = audit.entries(redis, article=article.id)[0]
    assert entry.detail == {"version": 1, "count": 1, "needed": 1}


def test_two_approvals_by_two_people(redis, two, clock):
    article = review.create(redis, two, sample(), AUTHOR, clock())
    first = review.approve(redis, two, article.id, "李审核", clock())
    assert first.state == AWAITING
    with pytest.raises(ArticleError, match="李审核 已经审核通过第 1 版，不能重复审核"):
        review.approve(redis, two, article.id, "李审核", clock())
    assert review.approve(redis, two, article.id, "王主任", clock()).state == SCHEDULED


def test_approval_with_none_needed_is_recorded(redis, config, clock):
    article = review.create(redis, config, sample(), AUTHOR, clock())
    approved = review.approve(redis, config, article.id, "李审核", clock())
    assert approved.state == SCHEDULED and len(approved.current_approvals()) == 1


def _started(redis, article_id):
    redis.hset(SynKeys.article(article_id), "state", STARTED)


def _cancelled(redis, article_id):
    review.cancel_unstarted(redis, article_id, AUTHOR, 0.0)


@pytest.mark.parametrize(
    ("setup", "by", "expected"),
    [
        pytest.param(
            None, AUTHOR, f"作者不能审核自己的文章：需要其他人审核（{AUTHOR}）", id="author"
        ),
        pytest.param(_started, "李审核", "文章 A1 已开始发布，不能再审核", id="started"),
        pytest.param(_cancelled, "李审核", "文章 A1 已取消，不能再审核", id="cancelled"),
        pytest.param(None, "", "缺少操作人：请写明是谁在操作（姓名）", id="nobody"),
    ],
)
def test_approve_refusals(redis, one, clock, setup, by, expected):
    review.create(redis, one, sample(), AUTHOR, clock())
    if setup:
        setup(redis, "A1")
    before = articles.load(redis, "A1")
    with pytest.raises(ArticleError) as raised:
        review.approve(redis, one, "A1", by, clock())
    assert raised.value.problems == [expected]
    assert articles.load(redis, "A1") == before


def test_approving_an_unknown_article(redis, one, clock):
    with pytest.raises(ArticleError, match="没有编号为 A9 的文章"):
        review.approve(redis, one, "A9", "李审核", clock())


def test_an_edit_voids_approvals(redis, one, clock):
    article = review.create(redis, one, sample(), AUTHOR, clock())
    review.approve(redis, one, article.id, "李审核", clock())
    clock.advance(60)
    edited = review.edit(redis, one, article.id, {"title": "新标题"}, "王编辑", clock())
    assert (edited.version, edited.state, edited.title) == (2, AWAITING, "新标题")
    assert edited.current_approvals() == () and len(edited.approvals) == 1
    assert redis.zscore(SynKeys.DUE, article.id) is None
    entry = audit.entries(redis, article=article.id)[0]
    assert (entry.by, entry.action) == ("王编辑", "edit")
    assert entry.detail == {
        "version": 2,
        "fields": ["title"],
        "title": ["长三角区域生态环境宣教联盟正式成立", "新标题"],
    }
    with pytest.raises(ArticleError, match="修改了当前版本的人不能审核自己的文章"):
        review.approve(redis, one, article.id, "王编辑", clock())
    assert review.approve(redis, one, article.id, "李审核", clock()).state == SCHEDULED


def test_edit_with_no_approvals_needed_stays_scheduled(redis, config, clock):
    article = review.create(redis, config, sample(), AUTHOR, clock())
    later = clock() + 7200
    edited = review.edit(redis, config, article.id, {"publish_at": later}, AUTHOR, clock())
    assert edited.state == SCHEDULED and redis.zscore(SynKeys.DUE, article.id) == later
    detail = audit.entries(redis, article=article.id)[0].detail
    assert detail["fields"] == ["publish_at"]
    assert detail["publish_at"] == ["立即", review.format_time(later)]


def test_edit_body_images_and_cover(redis, config, clock):
    article = review.create(redis, config, sample(), AUTHOR, clock())
    changes = {
        "body": "新正文。\n\n![](fig.png)",
        "images": {"fig.png": png("green")},
        "cover": png("blue"),
    }
    edited = review.edit(redis, config, article.id, changes, AUTHOR, clock())
    assert "新正文" in edited.html and len(edited.images) == 1 and edited.cover != article.cover
    assert articles.blob(redis, edited.images[0]) and articles.blob(redis, edited.cover)
    fields = audit.entries(redis, article=article.id)[0].detail["fields"]
    assert fields == ["body", "html", "images", "cover"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, "内容与当前版本相同，没有需要保存的修改", id="nothing"),
        pytest.param(
            {"title": "长三角区域生态环境宣教联盟正式成立"}, "内容与当前版本相同", id="same"
        ),
        pytest.param({"state": SCHEDULED}, "不能修改的字段：state", id="unknown-field"),
        pytest.param({"title": ""}, "标题是空的", id="empty-title"),
        pytest.param({"title": 5}, "title 应为一段文字", id="title-number"),
        pytest.param({"accounts": ("xx",)}, "未知的账号：xx", id="bad-account"),
        pytest.param({"publish_at": "tomorrow"}, "publish_at 应为时间", id="bad-time"),
        pytest.param({"cover": b"junk"}, "封面图片", id="bad-cover"),
        pytest.param({"body": "![](gone.png)"}, "图片“gone.png”没有提供文件", id="image-missing"),
    ],
)
def test_edit_refusals_change_nothing(redis, one, clock, changes, expected):
    review.create(redis, one, sample(), AUTHOR, clock())
    before, size = articles.load(redis, "A1"), redis.xlen(SynKeys.AUDIT)
    with pytest.raises(ArticleError) as raised:
        review.edit(redis, one, "A1", changes, AUTHOR, clock())
    assert any(expected in p for p in raised.value.problems), raised.value.problems
    assert articles.load(redis, "A1") == before and redis.xlen(SynKeys.AUDIT) == size


@pytest.mark.parametrize(("setup", "word"), [(_started, "已开始发布"), (_cancelled, "已取消")])
def test_no_edits_once_started_or_cancelled(redis, config, clock, setup, word):
    review.create(redis, config, sample(), AUTHOR, clock())
    setup(redis, "A1")
    with pytest.raises(ArticleError, match=f"文章 A1 {word}，不能再修改"):
        review.edit(redis, config, "A1", {"title": "新"}, AUTHOR, clock())


def test_a_concurrent_edit_is_refused_clearly(redis, one, clock, monkeypatch):
    review.create(redis, one, sample(), AUTHOR, clock())
    stale = articles.load(redis, "A1")
    review.edit(redis, one, "A1", {"title": "别人的标题"}, "王编辑", clock())
    monkeypatch.setattr(articles, "require", lambda redis, article_id: stale)
    with pytest.raises(ArticleError) as raised:
        review.edit(redis, one, "A1", {"digest": "我的摘要"}, AUTHOR, clock())
    assert raised.value.problems == ["文章 A1 刚被别人修改过，请刷新后再试"]
    monkeypatch.undo()
    assert articles.load(redis, "A1").title == "别人的标题"


def test_concurrent_approvals_both_count(redis, two, clock, monkeypatch):
    review.create(redis, two, sample(), AUTHOR, clock())
    stale = articles.load(redis, "A1")
    review.approve(redis, two, "A1", "李审核", clock())
    monkeypatch.setattr(articles, "require", lambda redis, article_id: stale)
    with pytest.raises(ArticleError, match="刚被别人修改过"):
        review.approve(redis, two, "A1", "王主任", clock())  # from a stale read: refused
    monkeypatch.undo()
    assert [a.by for a in articles.load(redis, "A1").current_approvals()] == ["李审核"]


def test_request_changes_keeps_the_note(redis, one, clock):
    article = review.create(redis, one, sample(), AUTHOR, clock())
    noted = review.request_changes(redis, one, article.id, "李审核", " 第二段请核实日期 ", clock())
    assert noted.state == AWAITING and noted.version == 1
    assert noted.extra["review_notes"] == [
        {"by": "李审核", "at": clock(), "version": 1, "note": "第二段请核实日期"}
    ]
    entry = audit.entries(redis, article=article.id)[0]
    assert (entry.action, entry.detail) == (
        "request_changes",
        {"version": 1, "note": "第二段请核实日期"},
    )
    with pytest.raises(ArticleError, match="请写明需要修改的地方"):
        review.request_changes(redis, one, article.id, "李审核", "  ", clock())


def test_cancel_unstarted(redis, config, clock):
    article = review.create(redis, config, sample(), AUTHOR, clock())
    cancelled = review.cancel_unstarted(redis, article.id, "王主任", clock())
    assert cancelled.state == CANCELLED and redis.zscore(SynKeys.DUE, article.id) is None
    assert actions(redis, article.id)[-1] == ("王主任", "cancel")
    with pytest.raises(ArticleError, match="文章 A1 已取消，不能再取消"):
        review.cancel_unstarted(redis, article.id, "王主任", clock())


def test_cancel_refuses_a_started_article(redis, config, clock):
    review.create(redis, config, sample(), AUTHOR, clock())
    _started(redis, "A1")
    with pytest.raises(ArticleError, match="文章 A1 已开始发布，不能再取消"):
        review.cancel_unstarted(redis, "A1", AUTHOR, clock())


def test_newest_filters_by_state(redis, one, clock):
    for n in range(3):
        clock.advance(1)
        review.create(redis, one, sample(title=f"第{n}篇"), AUTHOR, clock())
    review.approve(redis, one, "A2", "李审核", clock())
    assert [a.id for a in review.newest(redis)] == ["A3", "A2", "A1"]
    assert [a.id for a in review.newest(redis, AWAITING, limit=1)] == ["A3"]
    assert [a.id for a in review.newest(redis, SCHEDULED)] == ["A2"]


def test_as_dict(redis, one, clock):
    article = review.create(redis, one, sample(publish_at=clock() + 3600), AUTHOR, clock())
    data = review.as_dict(article, one, full=True)
    assert data["publish_at"] == review.iso_time(clock() + 3600) and data["state_name"] == "待审核"
    assert data["publish_at"].endswith("+08:00")
    assert (
        data["approvals"] == [] and data["approvals_needed"] == 1 and data["body"] == article.body
    )
    assert COVER and data["cover"] == article.cover
