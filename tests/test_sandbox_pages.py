"""The sandbox's pages: what followers of each account would see, escaped and sanitised."""

from __future__ import annotations

import pytest
import requests

from syndication.sandbox.content import sanitise
from syndication.sandbox.demo import load_demo
from tests.sandbox_support import article, upload

OPENID = "o" + "b" * 27


def _get(sandbox, path: str) -> requests.Response:
    return requests.get(f"{sandbox.url}/_sandbox/{path}", timeout=5)


def test_account_page_shows_articles_masses_custom_messages_and_menu(sandbox, wx, clock):
    thumb = upload(wx)
    wx.freepublish.submit(wx.draft.add([article(thumb, title="太湖蓝藻防控")])["media_id"])
    wx.message.send_mass_article(
        wx.draft.add([article(thumb, title="六五环境日")])["media_id"], is_to_all=True
    )
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "message"})
    wx.message.send_text(OPENID, "<b>您的报名已收到</b>")
    wx.menu.create({"button": [{"type": "click", "name": "空气质量", "key": "AIR"}]})
    clock.advance(5)
    sandbox.deliver()  # no webhook listens: the attempt is still recorded
    page = _get(sandbox, "sh/").text
    for text in (
        "上海市生态环境局",
        "太湖蓝藻防控",
        "六五环境日",
        "空气质量",
        "PUBLISHJOBFINISH",
        "已发表文章",
    ):
        assert text in page
    assert "&lt;b&gt;您的报名已收到&lt;/b&gt;" in page  # a custom message is text, escaped


def test_article_page_renders_the_content_safely(sandbox, wx, clock):
    thumb = upload(wx)
    content = '<h2>正文</h2><p style="x" onmouseover="evil()">长三角</p><a href="https://mee.gov.cn">链接</a>'
    media_id = wx.draft.add(
        [article(thumb, title="一体化", content=content, content_source_url="javascript:alert(1)")]
    )["media_id"]
    publish_id = wx.freepublish.submit(media_id)["publish_id"]
    clock.advance(5)
    url = wx.freepublish.get(publish_id)["article_detail"]["item"][0]["article_url"]
    page = requests.get(url, timeout=5).text
    assert (
        "<h2>正文</h2>" in page and "<p>长三角</p>" in page and 'href="https://mee.gov.cn"' in page
    )
    assert "onmouseover" not in page and "javascript:" not in page and "阅读原文" in page


def test_deleted_article_page_says_so(sandbox, wx, clock):
    publish_id = wx.freepublish.submit(wx.draft.add([article(upload(wx))])["media_id"])[
        "publish_id"
    ]
    clock.advance(5)
    result = wx.freepublish.get(publish_id)
    wx.freepublish.delete(result["article_id"])
    page = requests.get(result["article_detail"]["item"][0]["article_url"], timeout=5).text
    assert "该内容已被发布者删除" in page and "长三角生态绿色一体化" not in page


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("xx/", id="unknown-account"),
        pytest.param("sh/articles/nope/1", id="unknown-article"),
        pytest.param("media/nope", id="unknown-media"),
    ],
)
def test_not_found(sandbox, path):
    assert _get(sandbox, path).status_code == 404


def test_index_lists_the_accounts_and_their_modes(sandbox):
    page = _get(sandbox, "").text
    assert all(
        name in page
        for name in ("上海市生态环境局", "江苏省生态环境厅", "浙江省生态环境厅", "安徽省生态环境厅")
    )
    assert "安全模式" in page and "兼容模式" in page


def test_healthz(sandbox):
    assert _get(sandbox, "healthz").json() == {"status": "ok"}


def test_demo_data_is_loaded_once(sandbox, wx):
    assert load_demo(sandbox.state, sandbox.config) == ["sh", "js", "zj", "ah"]
    assert wx.menu.get()["menu"]["button"][0]["name"] == "空气质量"
    wx.menu.delete()
    assert load_demo(sandbox.state, sandbox.config) == []
    assert wx.menu.get() is None  # the user's change stays


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("<script>alert(1)</script><p>a</p>", "<p>a</p>", id="script"),
        pytest.param('<img src="x.png" onerror="evil()">', "", id="relative-img-src-dropped-attr"),
        pytest.param(
            '<img src="https://a.cn/x.png" onerror="evil()">',
            '<img src="https://a.cn/x.png">',
            id="onerror",
        ),
        pytest.param('<a href="javascript:evil()">x</a>', "<a>x</a>", id="javascript-link"),
        pytest.param('<iframe src="https://evil"></iframe>ok', "ok", id="iframe"),
        pytest.param("<form><input name=q></form>text", "text", id="form-unwrapped"),
        pytest.param(
            "<p>1 &lt; 2 &amp; 3</p>", "<p>1 &lt; 2 &amp; 3</p>", id="entities-kept-escaped"
        ),
        pytest.param('<p style="color:red">红</p>', "<p>红</p>", id="style-dropped"),
    ],
)
def test_sanitise(html, expected):
    assert str(sanitise(html)) == expected
