"""Mass sends, custom messages and menus through wechatpy (facts doc §1.4, §2.5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.sandbox_support import article, errcode_of, post_json, upload


def _draft(client, n: int = 1) -> str:
    thumb = upload(client)
    return client.draft.add([article(thumb, title=f"第{i}篇") for i in range(1, n + 1)])["media_id"]


# --- mass send -------------------------------------------------------------------------------


def test_mass_send_to_all_then_status(wx, clock):
    media_id = _draft(wx)
    sent = wx.message.send_mass_article(media_id, is_to_all=True, client_msg_id="col-1")
    assert sent["msg_id"] and sent["msg_data_id"]
    assert wx.message.get_mass(sent["msg_id"])["msg_status"] == "SENDING"
    clock.advance(5)
    assert wx.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_SUCCESS"
    assert errcode_of(lambda: wx.draft.get(media_id)) == 40007  # "后台草稿也会被自动删除"


def test_clientmsgid_repeat_45066_then_45065_with_the_msg_id(sandbox, wx, clock):
    media_id = _draft(wx)
    sent = wx.message.send_mass_article(media_id, is_to_all=True, client_msg_id="col-42")
    body = {
        "filter": {"is_to_all": True},
        "mpnews": {"media_id": media_id},
        "msgtype": "mpnews",
        "clientmsgid": "col-42",
    }
    token = wx.access_token
    assert (
        sandbox.raw("message/mass/sendall", params={"access_token": token}, json=body)["errcode"]
        == 45066
    )
    clock.advance(60)
    token = wx.access_token
    repeat = sandbox.raw("message/mass/sendall", params={"access_token": token}, json=body)
    assert repeat["errcode"] == 45065 and repeat["msg_id"] == sent["msg_id"]


def test_one_mass_send_to_all_a_day_four_a_month(wx, clock):
    # Early in a month, so five days in a row stay within it.
    clock.now = datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    drafts = [_draft(wx) for _ in range(6)]
    wx.message.send_mass_article(drafts[0], is_to_all=True)
    assert errcode_of(lambda: wx.message.send_mass_article(drafts[1], is_to_all=True)) == 45028
    wx.message.send_mass_article(drafts[1], tag_or_users=7)  # to a tag: not limited the same way
    for media_id in drafts[2:5]:
        clock.advance(86400)
        wx.fetch_access_token()  # wechatpy's retry after 42001 would resend an already-read file
        wx.message.send_mass_article(media_id, is_to_all=True)
    clock.advance(86400)
    wx.fetch_access_token()
    assert errcode_of(lambda: wx.message.send_mass_article(drafts[5], is_to_all=True)) == 45028


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        pytest.param(
            {"filter": {"is_to_all": True}, "msgtype": "mpnews", "mpnews": {"media_id": "nope"}},
            40007,
            id="unknown-draft",
        ),
        pytest.param(
            {"filter": {"is_to_all": True}, "msgtype": "voice", "voice": {"media_id": "x"}},
            40008,
            id="unsupported-msgtype",
        ),
        pytest.param({"msgtype": "text", "text": {"content": "hi"}}, 47001, id="no-filter"),
        pytest.param(
            {"filter": {"is_to_all": False}, "msgtype": "text", "text": {"content": "hi"}},
            40035,
            id="no-tag",
        ),
        pytest.param(
            {
                "filter": {"is_to_all": True},
                "msgtype": "text",
                "text": {"content": "hi"},
                "clientmsgid": "x" * 65,
            },
            45067,
            id="clientmsgid-65-bytes",
        ),
        pytest.param(
            {"filter": {"is_to_all": True}, "msgtype": "text", "text": {}}, 44004, id="empty-text"
        ),
    ],
)
def test_mass_send_errors(wx, body, errcode):
    assert errcode_of(lambda: post_json(wx, "message/mass/sendall", body)) == errcode


def test_mass_get_unknown(wx):
    assert errcode_of(lambda: wx.message.get_mass(1)) == 40035


# --- custom messages -------------------------------------------------------------------------

OPENID = "o" + "a" * 27


def test_custom_send_needs_a_follower_action_then_5_in_48_hours(sandbox, wx, clock):
    assert errcode_of(lambda: wx.message.send_text(OPENID, "您好")) == 45015
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "message"})
    for n in range(5):
        wx.message.send_text(OPENID, f"第{n}条")
    assert errcode_of(lambda: wx.message.send_text(OPENID, "第6条")) == 45047
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "message"})
    clock.advance(48 * 3600 + 1)
    assert errcode_of(lambda: wx.message.send_text(OPENID, "太晚了")) == 45015
    received = sandbox.control(f"sh/custom?openid={OPENID}", method="get").json()["messages"]
    assert [m["payload"]["content"] for m in received] == [f"第{n}条" for n in range(5)]


def test_custom_send_after_a_click_3_within_a_minute(sandbox, wx, clock):
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "click"})
    for _ in range(3):
        wx.message.send_text(OPENID, "菜单回复")
    assert errcode_of(lambda: wx.message.send_text(OPENID, "多了")) == 45047
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "click"})
    clock.advance(61)
    assert errcode_of(lambda: wx.message.send_text(OPENID, "过期")) == 45015


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        pytest.param({"msgtype": "text", "text": {"content": "x"}}, 40003, id="no-touser"),
        pytest.param({"touser": OPENID, "msgtype": "fax", "fax": {}}, 40008, id="bad-msgtype"),
        pytest.param(
            {"touser": OPENID, "msgtype": "text", "text": {"content": ""}}, 44004, id="empty-text"
        ),
        pytest.param(
            {"touser": OPENID, "msgtype": "text", "text": {"content": "长" * 683}},
            45002,
            id="text-over-2KB",
        ),
        pytest.param(
            {"touser": OPENID, "msgtype": "image", "image": {"media_id": "nope"}},
            40007,
            id="unknown-media",
        ),
        pytest.param(
            {"touser": OPENID, "msgtype": "news", "news": {"articles": []}}, 44003, id="empty-news"
        ),
        pytest.param(
            {"touser": OPENID, "msgtype": "mpnewsarticle", "mpnewsarticle": {"article_id": "x"}},
            53600,
            id="unknown-article",
        ),
        pytest.param(
            {"touser": OPENID, "msgtype": "text", "text": "hi"}, 47001, id="payload-not-an-object"
        ),
    ],
)
def test_custom_send_errors(sandbox, wx, body, errcode):
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "message"})
    assert errcode_of(lambda: post_json(wx, "message/custom/send", body)) == errcode


# --- menus -----------------------------------------------------------------------------------

MENU = {
    "button": [
        {"type": "click", "name": "空气质量", "key": "AIR"},
        {
            "name": "更多",
            "sub_button": [{"type": "view", "name": "官网", "url": "https://www.mee.gov.cn/"}],
        },
    ]
}


def test_menu_create_get_delete(wx):
    assert wx.menu.get() is None  # wechatpy turns 46003 into None
    wx.menu.create(MENU)
    assert wx.menu.get() == {"menu": MENU}
    wx.menu.delete()
    assert wx.menu.get() is None


def _button(**fields):
    return {"type": "click", "name": "按钮", "key": "K", **fields}


@pytest.mark.parametrize(
    ("menu", "errcode"),
    [
        pytest.param({"button": [_button()] * 4}, 40016, id="four-buttons"),
        pytest.param({"button": []}, 40016, id="no-buttons"),
        pytest.param({"button": [_button(name="一二三四五六")]}, 40018, id="name-over-16-bytes"),
        pytest.param({"button": [_button(type="dance")]}, 40015, id="bad-type"),
        pytest.param({"button": [_button(key="")]}, 40019, id="click-without-key"),
        pytest.param({"button": [_button(type="view", url="ftp://x")]}, 40020, id="view-bad-url"),
        pytest.param(
            {"button": [{"name": "更多", "sub_button": [_button()] * 6}]},
            40023,
            id="six-sub-buttons",
        ),
        pytest.param(
            {"button": [{"name": "更多", "sub_button": [_button(name="长" * 21)]}]},
            40025,
            id="sub-name-over-60-bytes",
        ),
        pytest.param(
            {"button": [{"name": "更多", "sub_button": [_button(type="dance")]}]},
            40024,
            id="sub-bad-type",
        ),
        pytest.param(
            {"button": [{"name": "更多", "sub_button": [_button(key="k" * 129)]}]},
            40026,
            id="sub-key-over-128-bytes",
        ),
        pytest.param(
            {"button": [{"name": "更多", "sub_button": [_button(type="view", url="x")]}]},
            40027,
            id="sub-view-bad-url",
        ),
    ],
)
def test_menu_rules(wx, menu, errcode):
    assert errcode_of(lambda: wx.menu.create(menu)) == errcode


def test_a_click_does_not_end_the_48_hour_window_of_a_message(sandbox, wx, clock):
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "message"})
    sandbox.control("sh/interactions", {"openid": OPENID, "kind": "click"})
    clock.advance(120)  # the click's minute is over; the message's 48 hours are not
    wx.message.send_text(OPENID, "仍可回复")
    for n in range(4):
        wx.message.send_text(OPENID, f"第{n}条")
    assert errcode_of(lambda: wx.message.send_text(OPENID, "多了")) == 45047
