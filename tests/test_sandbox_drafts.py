"""Media and the draft box: wechatpy against the sandbox, a case per limit (facts §2.1–2.2)."""

from __future__ import annotations

import io

import pytest
import requests

from tests.sandbox_support import (
    GIF,
    JPG,
    PNG,
    article,
    errcode_of,
    post_json,
    upload,
)

MB = 1024 * 1024


def test_media_upload_is_temporary_for_three_days(sandbox, wx, clock):
    media_id = wx.media.upload("image", ("a.jpg", io.BytesIO(JPG)))["media_id"]
    assert wx.media.download(media_id).content == JPG
    clock.advance(3 * 86400)
    assert errcode_of(lambda: wx.media.download(media_id)) == 40007


def test_uploadimg_returns_a_url_the_sandbox_serves(wx):
    url = wx.media.upload_image(("body.png", io.BytesIO(PNG)))
    response = requests.get(url, timeout=5)
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["Content-Type"] == "image/png"


def test_add_material_image_has_a_url_thumb_has_not(wx):
    image = wx.material.add("image", ("a.jpg", io.BytesIO(JPG)))
    thumb = wx.material.add("thumb", ("t.jpg", io.BytesIO(JPG)))
    assert requests.get(image["url"], timeout=5).content == JPG
    assert "url" not in thumb and thumb["media_id"]


@pytest.mark.parametrize(
    ("path", "kind", "data", "errcode"),
    [
        pytest.param("media/uploadimg", None, GIF, 40005, id="uploadimg-gif"),
        pytest.param("media/uploadimg", None, PNG + b"\x00" * MB, 40009, id="uploadimg-over-1MB"),
        pytest.param("material/add_material", "thumb", PNG, 40005, id="thumb-png"),
        pytest.param(
            "material/add_material", "thumb", JPG + b"\x00" * 64 * 1024, 40012, id="thumb-over-64KB"
        ),
        pytest.param(
            "material/add_material", "image", b"plain text", 40005, id="image-not-an-image"
        ),
        pytest.param("material/add_material", "sticker", JPG, 40004, id="material-bad-type"),
        pytest.param(
            "media/upload", "image", JPG + b"\x00" * 10 * MB, 40009, id="temp-image-over-10MB"
        ),
        pytest.param("media/upload", "voice", JPG, 40005, id="temp-voice-jpg"),
        pytest.param("media/upload", "gif", GIF, 40004, id="temp-bad-type"),
        pytest.param("media/upload", "image", None, 41005, id="no-file"),
    ],
)
def test_upload_limits(wx, path, kind, data, errcode):
    params = {"type": kind} if kind else {}
    files = (
        {"media": ("f.bin", io.BytesIO(data))}
        if data is not None
        else {"other": ("x", io.BytesIO(b"x"))}
    )
    assert errcode_of(lambda: wx.post(path, params=params, files=files)) == errcode


def test_uploadimg_accepts_exactly_1MB(wx):
    assert wx.media.upload_image(("a.jpg", io.BytesIO(JPG + b"\x00" * (MB - len(JPG)))))


def test_draft_add_get_count_batchget_delete(wx):
    thumb = upload(wx)
    first = wx.draft.add([article(thumb, title="第一篇")])["media_id"]
    second = wx.draft.add([article(thumb, title="第二篇"), article(thumb, title="第三篇")])[
        "media_id"
    ]
    got = wx.draft.get(first)["news_item"][0]
    assert got["title"] == "第一篇" and got["thumb_media_id"] == thumb and got["thumb_url"]
    assert wx.draft.count() == {"total_count": 2}
    page = wx.draft.batchget(0, 20, 1)
    assert page["total_count"] == 2 and page["item"][0]["media_id"] in (first, second)
    assert all(item["content"]["news_item"][0]["content"] == "" for item in page["item"])
    wx.draft.delete(first)
    assert wx.draft.count() == {"total_count": 1}
    assert errcode_of(lambda: wx.draft.get(first)) == 40007


def test_digest_defaults_to_54_characters_and_is_empty_for_multi_article_drafts(wx):
    thumb = upload(wx)
    text = "长" * 100
    single = wx.draft.add([article(thumb, content=f"<p>{text}</p>")])["media_id"]
    multi = wx.draft.add([article(thumb, digest="摘要"), article(thumb)])["media_id"]
    assert wx.draft.get(single)["news_item"][0]["digest"] == "长" * 54
    assert [i["digest"] for i in wx.draft.get(multi)["news_item"]] == ["", ""]


def test_draft_strips_js_and_external_images_but_keeps_uploadimg_ones(wx):
    thumb = upload(wx)
    ours = wx.media.upload_image(("a.png", io.BytesIO(PNG)))
    content = (
        f'<p onclick="steal()">正文<script>alert(1)</script><img src="{ours}">'
        '<img src="https://example.com/x.png"><a href="javascript:alert(1)">链接</a></p>'
    )
    media_id = wx.draft.add([article(thumb, content=content)])["media_id"]
    stored = wx.draft.get(media_id)["news_item"][0]["content"]
    assert ours in stored and "example.com" not in stored
    assert "script" not in stored and "onclick" not in stored and "javascript:" not in stored


def _limit_cases():
    def a(**fields):
        return lambda thumb: {"articles": [article(thumb, **fields)]}

    return [
        pytest.param(a(title="标" * 33), 45003, id="title-33-chars"),
        pytest.param(a(title=""), 44004, id="title-empty"),
        pytest.param(a(author="作" * 17), 45110, id="author-17-chars"),
        pytest.param(a(digest="摘" * 129), 45004, id="digest-129-chars"),
        pytest.param(a(content="x" * 20_000), 45002, id="content-20000-chars"),
        pytest.param(a(content=" "), 44004, id="content-empty"),
        pytest.param(
            a(content_source_url="https://e.cn/" + "a" * 1024), 45005, id="source-url-over-1KB"
        ),
        pytest.param(a(thumb_media_id=""), 40007, id="thumb-missing"),
        pytest.param(a(thumb_media_id="no-such-media"), 40007, id="thumb-unknown"),
        pytest.param(a(need_open_comment=2), 47001, id="comment-flag-not-0-1"),
        pytest.param(
            a(content="<p>听</p><audio src='a.mp3'></audio>"), 45166, id="audio-in-content"
        ),
        pytest.param(a(content="<video src='a.mp4'></video>"), 45166, id="video-in-content"),
        pytest.param(a(article_type="video"), 47001, id="bad-article-type"),
        pytest.param(lambda thumb: {"articles": []}, 44003, id="no-articles"),
        pytest.param(lambda thumb: {}, 44003, id="articles-missing"),
        pytest.param(lambda thumb: {"articles": "x"}, 47001, id="articles-not-a-list"),
        pytest.param(lambda thumb: {"articles": ["x"]}, 47001, id="article-not-an-object"),
        pytest.param(lambda thumb: {"articles": [article(thumb)] * 9}, 45008, id="nine-articles"),
        pytest.param(lambda thumb: b"{not json", 47001, id="not-json"),
        pytest.param(lambda thumb: b"", 44002, id="empty-body"),
    ]


@pytest.mark.parametrize(("body", "errcode"), _limit_cases())
def test_draft_add_limits(wx, body, errcode):
    thumb = upload(wx)
    assert errcode_of(lambda: post_json(wx, "draft/add", body(thumb))) == errcode


def test_draft_add_accepts_the_limits_exactly(wx):
    thumb = upload(wx)
    ok = article(thumb, title="标" * 32, author="作" * 16, digest="摘" * 128, content="x" * 19_999)
    assert wx.draft.add([ok] * 8)["media_id"]


@pytest.mark.parametrize("kind", ["temporary", "other-account"])
def test_thumb_must_be_a_permanent_image_of_the_account(sandbox, wx, kind):
    if kind == "temporary":
        thumb = wx.media.upload("thumb", ("t.jpg", io.BytesIO(JPG)))["thumb_media_id"]
    else:
        thumb = upload(sandbox.client("js"))
    assert errcode_of(lambda: wx.draft.add([article(thumb)])) == 40007


def test_drafts_are_per_account(sandbox, wx):
    media_id = wx.draft.add([article(upload(wx))])["media_id"]
    assert errcode_of(lambda: sandbox.client("js").draft.get(media_id)) == 40007


@pytest.mark.parametrize(
    "page",
    [
        pytest.param({"offset": 0, "count": 21}, id="count-21"),
        pytest.param({"offset": 0, "count": 0}, id="count-0"),
        pytest.param({"offset": -1, "count": 5}, id="negative-offset"),
        pytest.param({"offset": 0, "count": 5, "no_content": 2}, id="no-content-2"),
    ],
)
def test_batchget_paging_limits(wx, page):
    assert errcode_of(lambda: post_json(wx, "draft/batchget", page)) == 40035
    assert errcode_of(lambda: post_json(wx, "freepublish/batchget", page)) == 40035


def test_draft_update_replaces_one_article_with_the_same_checks(wx):
    thumb = upload(wx)
    media_id = wx.draft.add([article(thumb, title="旧一"), article(thumb, title="旧二")])[
        "media_id"
    ]
    wx.draft.update(media_id, 1, article(thumb, title="新二"))
    assert [a["title"] for a in wx.draft.get(media_id)["news_item"]] == ["旧一", "新二"]
    assert errcode_of(lambda: wx.draft.update(media_id, 2, article(thumb))) == 40035
    assert (
        errcode_of(lambda: wx.draft.update(media_id, 0, article(thumb, title="长" * 33))) == 45003
    )
    assert errcode_of(lambda: wx.draft.update("nope", 0, article(thumb))) == 40007


@pytest.mark.parametrize("count", ["--5", "²", "1e3", "五"])
def test_batchget_paging_text_that_is_not_a_number_is_47001_not_a_crash(wx, count):
    assert errcode_of(lambda: post_json(wx, "draft/batchget", {"offset": 0, "count": count})) == (
        47001
    )


def test_batchget_paging_accepts_digits_in_a_string(wx):
    assert post_json(wx, "draft/batchget", {"offset": "0", "count": " 5 "})["item_count"] == 0
