"""The editors' article pages through Flask's test client: the form, the preview, review, retry
and cancel, and the status grid once the engine has published to the sandbox."""

from __future__ import annotations

import dataclasses
import io
import os
import re

import pytest
from PIL import Image

from bot.store import SynKeys
from syndication import articles, audit, datacube, reads
from syndication import publications as pubs
from syndication.admin import create_app, users
from syndication.articles import AWAITING, CANCELLED, SCHEDULED
from syndication.publications import Move
from tests.publishing_support import jpeg, png
from tests.test_admin_auth import PASSWORD, AuthActions

PEOPLE = (("editor1", "editor"), ("reviewer1", "reviewer"), ("admin1", "admin"))
BODY = "长三角区域生态环境宣教联盟正式成立。\n\n![联盟成立](fig.png)\n\n三省一市共同发起。"


def with_approvals(config, n: int = 1):
    """The config with `[syndication] approvals = n` (the example turns review off)."""
    return dataclasses.replace(
        config, syndication=dataclasses.replace(config.syndication, approvals=n)
    )


@pytest.fixture
def people(redis, clock):
    for name, role in PEOPLE:
        users.add(redis, name, role, PASSWORD, clock())


@pytest.fixture
def app(config, redis, clock, people):
    return create_app(with_approvals(config), redis=redis, clock=clock)


@pytest.fixture
def auth(client):
    return AuthActions(client)


def token(client) -> str:
    """The session's CSRF token (any page with a form makes one)."""
    return AuthActions(client).csrf()


def fields(**changes):
    """A good form: the sample article with a cover and one body image."""
    data = {
        "title": "长三角区域生态环境宣教联盟正式成立",
        "author": "长三角宣教联盟",
        "digest": "沪苏浙皖共同发起成立长三角区域生态环境宣教联盟。",
        "source_url": "https://example.org/news/1",
        "body": BODY,
        "body_format": "markdown",
        "accounts": ["sh", "js"],
        "publish_at": "2026-11-25T09:00",
        "cover": (io.BytesIO(jpeg()), "cover.jpg"),
        "images": (io.BytesIO(png()), "fig.png"),
        "action": "save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, path: str = "/articles/new", **changes):
    data = fields(**changes)
    data["csrf_token"] = token(client)
    return client.post(path, data=data, content_type="multipart/form-data")


def stored_nothing(redis) -> bool:
    return articles.list_ids(redis) == [] and not list(redis.scan_iter(SynKeys.blob("*")))


def test_an_editor_writes_an_article_with_its_cover_through_the_form(client, auth, redis):
    auth.login("editor1")
    page = client.get("/articles/new").get_data(as_text=True)
    assert 'name="accounts" value="ah" checked' in page and "粘贴区" in page
    response = submit(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/articles/A1?saved=editor1:new"  # see static/draft.js
    article = articles.load(redis, "A1")
    assert article.title == "长三角区域生态环境宣教联盟正式成立" and article.state == AWAITING
    assert article.accounts == ("sh", "js") and article.created_by == "editor1"
    assert article.publish_at == 1795568400.0  # 2026-11-25 09:00 Beijing time
    assert len(article.images) == 1 and article.cover
    assert [(e.by, e.action) for e in audit.entries(redis, article="A1")] == [("editor1", "create")]
    shown = client.get("/articles/A1").get_data(as_text=True)
    assert "已保存：A1" in shown and "待审核" in shown and "三省一市共同发起" in shown
    cover = client.get(f"/articles/A1/images/{article.cover}")
    assert cover.status_code == 200 and cover.mimetype == "image/jpeg"
    assert client.get(f"/articles/A1/images/{'0' * 64}").status_code == 404


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({"title": ""}, "表单：title（标题）不能为空", id="no-title"),
        pytest.param({"cover": None}, "表单：缺少 cover（封面）", id="no-cover"),
        pytest.param({"images": None}, "表单：正文图片 fig.png：没有随请求上传", id="no-image"),
        pytest.param({"accounts": None}, "至少要选择一个发布账号", id="no-account"),
        pytest.param({"publish_at": "明天早上"}, "“明天早上”不是有效的时间", id="bad-time"),
        pytest.param({"title": "长" * 40}, "标题有 40 字，上限 32 字（多 8 字）", id="long-title"),
        pytest.param({"source_url": "example.org"}, "原文链接“example.org”不是网址", id="bad-url"),
        pytest.param(
            {"cover": (io.BytesIO(b"not an image"), "cover.jpg")},
            "封面图片 cover.jpg：不是可识别的图片",
            id="bad-cover",
        ),
        pytest.param({"body": "  "}, "表单：正文是空的", id="empty-body"),
    ],
)
def test_every_problem_is_shown_beside_the_form_and_nothing_is_stored(
    client, auth, redis, changes, problem
):
    auth.login("editor1")
    response = submit(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "没有保存" in page
    assert problem in page
    assert ">沪苏浙皖共同发起成立长三角区域生态环境宣教联盟。<" in page  # as typed
    assert stored_nothing(redis)


def test_a_cover_over_the_apps_2_mb_form_limit_is_taken(client, auth, redis):
    auth.login("editor1")
    photo = io.BytesIO()
    Image.frombytes("RGB", (1600, 900), os.urandom(1600 * 900 * 3)).save(photo, "PNG")
    assert photo.tell() > 4 * 1024 * 1024  # noise does not compress
    photo.seek(0)
    assert submit(client, cover=(photo, "photo.png")).status_code == 302
    assert articles.load(redis, "A1").cover


def test_uploads_are_kept_when_the_form_comes_back(client, auth, redis):
    auth.login("editor1")
    page = submit(client, title="").get_data(as_text=True)
    assert "已上传：cover.jpg" in page and "已上传：fig.png" in page
    kept = {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1).replace("&#34;", '"')
        for name in ("kept_cover", "kept_images")
    }
    response = submit(client, cover=None, images=None, **kept)
    assert response.status_code == 302  # nothing chosen again
    article = articles.load(redis, "A1")
    assert article.cover and len(article.images) == 1


def test_the_preview_endpoint_needs_csrf_and_renders_with_the_lint(client, auth, redis):
    auth.login("editor1")
    form = fields(digest="", body="區(qū)域生态环境\n\n[链接](https://example.org/x)", images=None)
    refused = client.post("/articles/preview", data=form, content_type="multipart/form-data")
    assert refused.status_code == 400 and "安全校验失败" in refused.get_data(as_text=True)
    form = fields(digest="", body="區(qū)域生态环境\n\n[链接](https://example.org/x)", images=None)
    answer = client.post(
        "/articles/preview",
        data=form,
        content_type="multipart/form-data",
        headers={"X-CSRF-Token": token(client)},
    )
    assert answer.status_code == 200
    result = answer.json
    assert "<section" in result["html"] and "生态环境" in result["html"]
    assert result["cover"].startswith("data:image/jpeg;base64,")
    assert result["problems"] == []
    warnings = " ".join(result["warnings"])
    assert "拼音注音" in warnings and "繁体字" in warnings and "没有填摘要" in warnings
    assert "外部链接" in warnings
    assert stored_nothing(redis)


def test_the_preview_lists_what_saving_would_refuse(client, auth):
    auth.login("editor1")
    answer = client.post(
        "/articles/preview",
        data=fields(title="", cover=None),
        content_type="multipart/form-data",
        headers={"X-CSRF-Token": token(client)},
    )
    assert answer.json["problems"] == ["表单：title（标题）不能为空", "表单：缺少 cover（封面）"]
    assert '<img src="data:image/png;base64,' in answer.json["html"]  # the uploaded fig.png


def test_preview_without_javascript_renders_on_the_server_and_stores_nothing(client, auth, redis):
    auth.login("editor1")
    response = submit(client, action="preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "没有保存" not in page
    assert 'id="wx-body"><section style=' in page and "三省一市共同发起" in page
    assert stored_nothing(redis)


@pytest.mark.parametrize(
    ("action", "pasted", "fixed"),
    [
        pytest.param("strip_pinyin", "長三角區(qū)域", "長三角區域", id="pinyin"),
        pytest.param("to_simplified", "長三角區(qū)域", "长三角区(qū)域", id="simplified"),
    ],
)
def test_the_lints_one_click_fixes_change_the_form_and_store_nothing(
    client, auth, redis, action, pasted, fixed
):
    auth.login("editor1")
    page = client.get("/articles/new").get_data(as_text=True)
    assert f'value="{action}" id="fix-{action}" class="secondary" hidden' in page
    response = submit(client, action=action, title=pasted, body=f"{pasted}\n\n![图](fig.png)")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'name="title" value="{fixed}"' in page
    assert f">{fixed}\n\n![图](fig.png)</textarea>" in page
    assert stored_nothing(redis)


def test_pasted_html_goes_through_the_sanitiser(client, auth, redis):
    auth.login("editor1")
    pasted = '<p style="color:red" onclick="x()">粘贴的<b>正文</b></p><script>alert(1)</script>'
    assert submit(client, body=pasted, body_format="html", images=None).status_code == 302
    article = articles.load(redis, "A1")
    assert article.body_format == "html" and "<b" in article.html
    assert "script" not in article.html and "onclick" not in article.html


def test_a_reviewer_approves_and_an_editor_may_not(client, auth, redis):
    auth.login("editor1")
    submit(client)
    refused = client.post("/articles/A1/approve", data={"csrf_token": token(client)})
    assert refused.status_code == 403
    assert articles.load(redis, "A1").state == AWAITING
    auth.login("reviewer1")
    assert "审核通过第 1 版" in client.get("/articles/A1").get_data(as_text=True)
    response = client.post("/articles/A1/approve", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert articles.load(redis, "A1").state == SCHEDULED
    page = client.get("/articles/A1").get_data(as_text=True)
    assert "已审核通过第 1 版：已排期" in page and "reviewer1 审核通过" in page
    assert audit.entries(redis, article="A1")[0].by == "reviewer1"


def test_changes_requested_are_shown_and_an_author_cannot_approve_their_own(client, auth, redis):
    auth.login("admin1")
    submit(client)
    client.post("/articles/A1/approve", data={"csrf_token": token(client)})
    assert "作者不能审核自己的文章" in client.get("/articles/A1").get_data(as_text=True)
    auth.login("reviewer1")
    note = {"csrf_token": token(client), "note": "第二段请补充联盟章程的签署时间"}
    client.post("/articles/A1/request-changes", data=note)
    page = client.get("/articles/A1").get_data(as_text=True)
    assert "第二段请补充联盟章程的签署时间" in page
    assert articles.load(redis, "A1").state == AWAITING


def test_an_edit_makes_a_new_version_keeping_the_cover_and_images(client, auth, redis):
    auth.login("editor1")
    submit(client)
    before = articles.load(redis, "A1")
    form = client.get("/articles/A1/edit").get_data(as_text=True)
    assert "当前封面" in form and "三省一市共同发起" in form
    response = submit(
        client, "/articles/A1/edit", cover=None, images=None, body=BODY + "\n\n补充一段。"
    )
    assert response.status_code == 302
    after = articles.load(redis, "A1")
    assert after.version == 2 and after.cover == before.cover and "补充一段" in after.html
    assert len(after.images) == 1
    assert audit.entries(redis, article="A1")[0].action == "edit"


def _publication(redis, clock, account: str, *path: str) -> None:
    """A publication of A1 on `account`, moved through `path` (states) as the engine would."""
    pubs.create(redis, "A1", account, "freepublish", clock())
    previous = pubs.QUEUED
    for state in path:
        change = Move((previous,), {"state": state, "reason": "测试"})
        pubs.move(redis, "A1", account, change, clock())
        previous = state


def test_retry_and_cancel_from_the_article_page(client, auth, redis, clock):
    auth.login("editor1")
    submit(client)
    redis.hset(SynKeys.article("A1"), "state", articles.STARTED)
    _publication(redis, clock, "sh", pubs.FAILED)
    _publication(redis, clock, "js", pubs.PREPARING, pubs.DRAFTED, pubs.UNCONFIRMED)
    page = client.get("/articles/A1").get_data(as_text=True)
    assert "我已在公众平台核对" in page and page.count(">重试</button>") == 2
    csrf = token(client)
    client.post("/articles/A1/retry", data={"csrf_token": csrf, "account": "sh"})
    assert pubs.load(redis, "A1", "sh").state == pubs.QUEUED
    client.post("/articles/A1/retry", data={"csrf_token": csrf, "account": "js"})
    assert pubs.load(redis, "A1", "js").state == pubs.UNCONFIRMED  # not without the check
    assert "结果未知" in client.get("/articles/A1").get_data(as_text=True)
    client.post("/articles/A1/retry", data={"csrf_token": csrf, "account": "js", "force": "1"})
    assert pubs.load(redis, "A1", "js").state == pubs.QUEUED
    client.post("/articles/A1/cancel", data={"csrf_token": csrf, "account": "sh"})
    assert pubs.load(redis, "A1", "sh").state == pubs.CANCELLED
    trail = [(e.by, e.action) for e in audit.entries(redis, article="A1")][:4]
    assert trail == [("editor1", "cancel")] + [("editor1", "retry")] * 3
    timeline = client.get("/articles/A1").get_data(as_text=True)
    assert "editor1 重试（已核对，强制）" in timeline and "editor1 取消" in timeline


def test_the_week_shows_each_article_on_its_day(client, auth):
    auth.login("editor1")
    submit(client)  # 2026-11-25 09:00, a Wednesday
    week = client.get("/articles/calendar?week=2026-11-26").get_data(as_text=True)
    assert "2026年11月23日 起的一周" in week
    wednesday = week[week.index("周三") : week.index("周四")]
    assert "09:00" in wednesday and "长三角区域生态环境宣教联盟正式成立" in wednesday
    assert re.search(r'aria-current="date">\s*<h2>周二', week)  # the clock's day
    later = client.get("/articles/calendar?week=2026-12-01").get_data(as_text=True)
    assert "宣教联盟" not in later and "?week=2026-11-23" in later  # 上一周
    assert "2026年11月23日" in client.get("/articles/calendar?week=nonsense").get_data(as_text=True)


def test_unknown_articles_are_404_and_started_ones_cannot_be_edited(client, auth, redis):
    auth.login("editor1")
    assert client.get("/articles/A9").status_code == 404
    submit(client)
    redis.hset(SynKeys.article("A1"), "state", articles.STARTED)
    response = client.get("/articles/A1/edit")
    assert response.status_code == 302 and response.headers["Location"] == "/articles/A1"
    assert "的文章不能再修改" in client.get("/articles/A1").get_data(as_text=True)


def test_a_reviewer_may_not_retry_and_an_unstarted_article_is_cancelled_whole(client, auth, redis):
    auth.login("editor1")
    submit(client)
    auth.login("reviewer1")
    refused = client.post("/articles/A1/cancel", data={"csrf_token": token(client)})
    assert refused.status_code == 403
    auth.login("editor1")
    client.post("/articles/A1/cancel", data={"csrf_token": token(client)})
    assert articles.load(redis, "A1").state == CANCELLED
    assert "已取消" in client.get("/articles?state=cancelled").get_data(as_text=True)
    assert "A1" not in client.get("/articles?state=scheduled").get_data(as_text=True)


def test_the_grid_shows_each_accounts_state_after_the_engine_publishes(
    make_engine, redis, clock, people
):
    engine = make_engine()
    app = create_app(with_approvals(engine.ctx.config), redis=redis, clock=clock)
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("editor1")
    submit(client, accounts=["sh", "js", "zj", "ah"], publish_at="")
    auth.login("reviewer1")
    client.post("/articles/A1/approve", data={"csrf_token": token(client)})
    engine.run()
    engine.advance(200)
    assert set(engine.states("A1").values()) == {pubs.PUBLISHED}
    grid = client.get("/articles").get_data(as_text=True)
    assert grid.count('<a class="st st-published"') == 4 and "全部已发布" in grid
    page = client.get("/articles/A1").get_data(as_text=True)
    for account in ("sh", "js", "zj", "ah"):
        url = engine.pub("A1", account).url
        assert url and f'href="{url}"' in page
    assert "提交发表（freepublish/submit）" in page and "第1期" in page
    assert page.count("微信次日 8 点后提供，尚未取得") == 4  # no figures pulled yet

    clock.now += 2 * 86400  # two days on, after 08:00: yesterday's figures are ready
    datacube.daily(engine.ctx, clock())
    page = client.get("/articles/A1").get_data(as_text=True)
    for account in ("sh", "js", "zj", "ah"):
        seen = reads.for_article(redis, engine.ctx.config, "A1")[account]
        assert seen.readers and f"{seen.readers} 人阅读" in page
